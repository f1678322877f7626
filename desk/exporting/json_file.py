"""JSON Lines (one case per line) and JSON (an array of the same objects), written as the cases
come: the array is never built in memory.

Characters that some readers take for a line end (U+2028, U+2029, NEL) are written as JSON
escapes, so a JSON Lines file has exactly one case per line; the text they stand for is the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import IO, Any

_LINE_BREAKERS = re.compile("[\u0085\u2028\u2029]")


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
