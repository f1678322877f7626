"""XLSX, streamed with openpyxl's write-only mode (rows go to disk as they come).

Real cells: instants are date-time cells in the office's local time (the zone is named in the
header: `received_at (WITA)`), `incident_date` a date cell when it is a date, version, rating
and hold days number cells; booleans `ya`/`tidak` as in CSV. The header row is bold on a fill,
frozen, with an autofilter; columns have widths that suit their content.

XML, and so XLSX, cannot hold most control characters: they are written as their Unicode
"control pictures" (ESC as ␛), visible and inert. A cell holds at most 32,767 characters:
longer text is cut there, ending in "…" (CSV and JSON keep it whole). A sheet holds at most
1,048,576 rows: more cases continue on a second sheet with the same header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from db.timefmt import from_text
from desk.calendar import zone_abbreviation
from desk.exporting.cells import BOOLEAN_COLUMNS, INSTANT_COLUMNS, NUMBER_COLUMNS
from desk.exporting.cells import values as row_values
from desk.safety import sheet_text

MAX_CELL = 32_767
MAX_ROWS = 1_048_576
SHEET = "kasus"
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
WIDTHS = {
    "local_id": 28,
    "tracking_no": 12,
    "complaint_id": 14,
    "title": 40,
    "body": 60,
    "category": 24,
    "subcategory": 28,
    "location": 22,
    "incident_date": 13,
    "status": 14,
    "unit_code": 11,
    "unit_name": 30,
    "assignee_nip": 20,
    "reporter_name": 22,
    "nik": 19,
    "phone": 15,
    "email": 26,
    "address": 34,
    "classification": 20,
}
INSTANT_WIDTH = 20
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_ALIGN = Alignment(vertical="center")


def header_name(name: str, office_tz: str) -> str:
    """The header of a column; instants name the zone they are shown in."""
    return f"{name} ({zone_abbreviation(office_tz)})" if name in INSTANT_COLUMNS else name


def write_xlsx(
    path: Path,
    names: list[str],
    batches: Iterable[list[dict[str, Any]]],
    office_tz: str,
) -> int:
    """Write every case of `batches` to a new workbook at `path`; return how many cases."""
    zone = ZoneInfo(office_tz)
    workbook = Workbook(write_only=True)
    sheets = _Sheets(workbook, names, office_tz)
    kinds = [_kind(name) for name in names]
    written = 0
    for batch in batches:
        for case in batch:
            raw = row_values(case, names)
            sheets.append(
                [_cell(value, kind, zone) for value, kind in zip(raw, kinds, strict=True)]
            )
            written += 1
    sheets.close()
    workbook.save(str(path))
    return written


class _Sheets:
    """The sheets of the workbook: a new one, same header, each time one is full."""

    def __init__(self, workbook: Workbook, names: list[str], office_tz: str) -> None:
        self.workbook = workbook
        self.headers = [_text(header_name(name, office_tz)) for name in names]
        self.widths = [_width(name) for name in names]
        self.count = 0
        self.sheet: Any = None
        self.rows = 0
        self._start()

    def _start(self) -> None:
        if self.sheet is not None:
            self._finish()
        self.count += 1
        self.sheet = self.workbook.create_sheet(
            SHEET if self.count == 1 else f"{SHEET} {self.count}"
        )
        self.sheet.freeze_panes = "A2"
        for index, width in enumerate(self.widths, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = width
        header = []
        for title in self.headers:
            cell = WriteOnlyCell(self.sheet, value=title)
            cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
            header.append(cell)
        self.sheet.append(header)
        self.rows = 1

    def append(self, row: list[Any]) -> None:
        if self.rows >= MAX_ROWS:
            self._start()
        self.sheet.append(row)
        self.rows += 1

    def _finish(self) -> None:
        last = get_column_letter(len(self.headers))
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows}"

    def close(self) -> None:
        self._finish()


def _width(name: str) -> float:
    width = INSTANT_WIDTH if name in INSTANT_COLUMNS else WIDTHS.get(name, 14)
    return max(width, len(name) + 4)  # room for the header and its filter button


def _kind(name: str) -> str:
    if name in INSTANT_COLUMNS:
        return "instant"
    if name == "incident_date":
        return "day"
    if name in NUMBER_COLUMNS:
        return "number"
    if name in BOOLEAN_COLUMNS:
        return "boolean"
    return "text"


def _cell(value: Any, kind: str, zone: ZoneInfo) -> Any:
    """One cell's value: a datetime, date or number where the column holds one, else text."""
    if value is None or value == "":
        return None
    if kind == "instant" and isinstance(value, str):
        try:
            return from_text(value).astimezone(zone).replace(tzinfo=None)
        except ValueError:
            pass  # not an instant after all: show it as text
    elif kind == "day" and isinstance(value, str) and _ISO_DAY.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    elif kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return value
    elif isinstance(value, bool):
        return "ya" if value else "tidak"
    return _text(value)


def _text(value: Any) -> str:
    text: str
    if isinstance(value, str):
        text = value
    elif isinstance(value, dict | list):  # an object an import kept in `extra`
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    text = sheet_text(text)  # the one neutralising writer: pictures for controls, no formulas
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
