"""Neutralising text from the public before it reaches a terminal.

Complaint text may contain terminal escape sequences (clear screen, OSC 52 clipboard writes,
cursor moves), other control characters and bidi overrides that reorder what an officer reads.
`printable` keeps the text readable and shows such characters as visible placeholders; the text
in the database is never changed.
"""

from __future__ import annotations

import re

# ESC-introduced sequences (CSI, OSC, DCS ... up to their terminator) and lone C0/C1 controls.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: ESC [ params final
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC/DCS/SOS/PM/APC up to BEL or ST
    r"|\x1b[@-Z\\-_]"  # other two-character escapes
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """`text` with escape sequences, control and bidi-control characters made visible and inert.

    A whole escape sequence becomes one "␛"; another control character becomes its Unicode
    "control picture" (␇ for BEL); a bidi control becomes "�"; tabs become spaces.
    """
    text = _ESCAPE_SEQUENCE.sub("␛", text)
    text = text.replace("\t", "    ").replace("\r\n", "\n")
    if not keep_newlines:
        text = text.replace("\n", " ")

    def picture(match: re.Match[str]) -> str:
        code = ord(match.group())
        return chr(0x2400 + code) if code < 0x20 else "␛" if code == 0x1B else "�"

    text = _CONTROL.sub(picture, text)
    return _BIDI.sub("�", text)
