"""CSV: UTF-8 with a byte-order mark (so Excel reads it as UTF-8), `;` between fields by default
(Indonesian Excel splits at `;`, its decimal mark being the comma), CRLF line ends, fields with
a delimiter, quote or line break quoted. Instants stay as stored: UTC, `2026-11-02T01:15:00Z`.
Written by `desk.safety.sheet_csv_writer`: formulas neutralised, raw control characters shown as
their pictures (a `cat` of the file cannot drive the terminal).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from desk.exporting.cells import text_cell, values
from desk.safety import sheet_csv_writer


def write_csv(
    handle: IO[str], names: list[str], batches: Iterable[list[dict[str, Any]]], delimiter: str
) -> int:
    """Write the header and every case of `batches`; return how many cases."""
    writer = sheet_csv_writer(handle, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([text_cell(name) for name in names])  # `extra` keys are input too
    written = 0
    for batch in batches:
        writer.writerows([text_cell(value) for value in values(case, names)] for case in batch)
        written += len(batch)
    return written
