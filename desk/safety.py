"""Neutralising text from the public before it reaches a terminal or a spreadsheet.

Complaint text may contain terminal escape sequences (clear screen, OSC 52 clipboard writes,
cursor moves), other control characters and bidi overrides that reorder what an officer reads.
`printable` keeps the text readable and shows such characters as visible placeholders; the text
in the database is never changed.

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (some also after a tab or carriage
return) as a formula: `=HYPERLINK(...)` in a complaint title or a unit's name would run on the
officer's PC. Every CSV and XLSX file desk writes (exports, reports, the import's errors file)
goes through `sheet_csv_writer` / `sheet_value` here: such a text gets a leading apostrophe
(shown as text; `desk import` strips it again), and raw control characters (ESC, BEL...) become
their visible pictures, so that `cat file.csv` cannot drive the terminal either.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO, Any

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
    # The Unicode line and paragraph separators break lines too (for Python's splitlines and
    # some terminals): they are line feeds here, kept or folded like any other.
    text = text.replace("\t", "    ").replace("\r\n", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n")
    if not keep_newlines:
        text = text.replace("\n", " ")

    def picture(match: re.Match[str]) -> str:
        code = ord(match.group())
        return chr(0x2400 + code) if code < 0x20 else "␛" if code == 0x1B else "�"

    text = _CONTROL.sub(picture, text)
    return _BIDI.sub("�", text)


# -- spreadsheets ---------------------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters but tab, line feed and carriage return (which CSV quotes and XLSX keeps).
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _control_picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␛ for ESC, ␇ for BEL
    return "\u2421" if code == 0x7F else "\ufffd"  # DEL; C1 controls have no picture


def neutralise_formula(text: str) -> str:
    """`text` as a spreadsheet will show it rather than run it (a leading apostrophe)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def sheet_text(text: str) -> str:
    """A text cell of a CSV or XLSX file: raw controls made visible, formulas neutralised."""
    return neutralise_formula(_RAW_CONTROL.sub(_control_picture, text))


def sheet_value(value: Any) -> Any:
    """A cell's value as written: text through `sheet_text`; numbers, dates and None as they
    are (a number is never a formula)."""
    return sheet_text(value) if isinstance(value, str) else value


def sheet_row(values: Iterable[Any]) -> list[Any]:
    """A row for openpyxl's `append`, every text cell through `sheet_text`."""
    return [sheet_value(value) for value in values]


class SheetCsvWriter:
    """`csv.writer` whose every cell goes through `sheet_value`: the one CSV writer of desk."""

    def __init__(self, handle: IO[str], **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow(sheet_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        self._writer.writerows(sheet_row(row) for row in rows)


def sheet_csv_writer(handle: IO[str], **options: Any) -> SheetCsvWriter:
    """The CSV writer for every CSV file desk writes (`csv.writer`'s options)."""
    return SheetCsvWriter(handle, **options)
