"""JSON Lines (one case per line) and JSON (an array of the same objects), written as the cases
come: the array is never built in memory.

Characters that some readers take for a line end (U+2028, U+2029, NEL) are written as JSON
escapes, so a JSON Lines file has exactly one case per line; so are DEL and the C1 controls
(0x80-0x9F; JSON itself escapes ESC, BEL and the other C0 controls), so that `cat` of the file
cannot drive a terminal. The text they stand for is the same: a round trip loses nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import IO, Any

# Raw in json.dumps(ensure_ascii=False) output, and unwanted there: line ends and controls.
_LINE_BREAKERS = re.compile("[\u007f-\u009f\u2028\u2029]")


def _dumps(case: dict[str, Any]) -> str:
    text = json.dumps(case, ensure_ascii=False, separators=(",", ":"))
    return _LINE_BREAKERS.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def write_jsonl(handle: IO[str], batches: Iterable[list[dict[str, Any]]]) -> int:
    written = 0
    for batch in batches:
        handle.writelines(_dumps(case) + "\n" for case in batch)
        written += len(batch)
    return written


def write_json(handle: IO[str], batches: Iterable[list[dict[str, Any]]]) -> int:
    written = 0
    handle.write("[")
    for batch in batches:
        for case in batch:
            handle.write(",\n" if written else "\n")
            handle.write(_dumps(case))
            written += 1
    handle.write("\n]\n" if written else "]\n")
    return written
