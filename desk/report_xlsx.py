"""The report as a workbook: a sheet per view, real numbers, styled headers.

Every row goes through `desk.safety.sheet_row` (the one neutralising writer of CSV and XLSX): a
unit code or name from an imported file that starts with `=` is shown, never run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from desk.i18n import t
from desk.metrics import Report, UnitMetrics
from desk.report_view import ALL_COLUMNS, column_title
from desk.safety import sheet_row

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
PERCENT_FORMAT = "0.0"


def _value(row: UnitMetrics, key: str, office: bool) -> Any:
    if key == "code":
        return t("report.office") if office else row.code
    if key == "oldest_unanswered":
        return f"#{row.oldest_unanswered}" if row.oldest_unanswered else None
    if key == "active":
        return t("report.yes") if row.active else t("report.no")
    return getattr(row, key)


def _append(sheet: Worksheet, values: list[Any]) -> None:
    sheet.append(sheet_row(values))


def _header(sheet: Worksheet, titles: list[str]) -> None:
    _append(sheet, titles)
    for index, _title in enumerate(titles, start=1):
        header = sheet.cell(row=sheet.max_row, column=index)
        header.font = HEADER_FONT
        header.fill = HEADER_FILL
        header.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = 14
    sheet.freeze_panes = f"A{sheet.max_row + 1}"  # a cell() call would add an empty row


def write_xlsx(report: Report, path: Path) -> None:
    """Write `report` to `path`: ranking, weekly trend, distribution and overdue sheets."""
    book = Workbook()
    ranking = book.active
    assert ranking is not None
    ranking.title = t("report.sheet.ranking")
    _append(ranking, [t("report.title")])
    ranking["A1"].font = Font(bold=True, size=14)
    _append(
        ranking,
        [
            t(
                "report.period",
                label=report.period.label,
                start=report.period.start.isoformat(),
                end=report.period.end.isoformat(),
                tz=report.office_tz,
            )
        ],
    )
    _append(ranking, [])
    _header(ranking, [column_title(key) for key in ALL_COLUMNS])
    rows = [(row, False) for row in report.units]
    if report.unit_filter is None:
        rows.append((report.office, True))
    for row, office in rows:
        _append(ranking, [_value(row, key, office) for key in ALL_COLUMNS])
        for index, key in enumerate(ALL_COLUMNS, start=1):
            if key.endswith("_pct"):
                ranking.cell(row=ranking.max_row, column=index).number_format = PERCENT_FORMAT
    ranking.column_dimensions["B"].width = 18
    _append(ranking, [])
    _append(ranking, [t("report.criteria", min=report.min_cases)])
    _append(ranking, [t("report.privacy")])

    weekly = book.create_sheet(t("report.sheet.weekly"))
    _header(weekly, [t("report.week"), t("report.received"), t("report.followed_up")])
    for point in report.weekly:
        _append(weekly, [point.week_start, point.received, point.followed_up])
        weekly.cell(row=weekly.max_row, column=1).number_format = "yyyy-mm-dd"

    distribution = book.create_sheet(t("report.sheet.distribution"))
    _header(distribution, [t("report.hk"), t("report.cases")])
    for label, count in report.distribution:
        shown = t("report.unanswered_bucket") if label == "unanswered" else label
        _append(distribution, [shown, count])

    overdue = book.create_sheet(t("report.sheet.overdue"))
    _header(
        overdue,
        [column_title("code"), column_title("open_now"), column_title("overdue_now")],
    )
    for row in sorted(report.units, key=lambda row: (-row.overdue_now, row.code)):
        _append(overdue, [row.code, row.open_now, row.overdue_now])
    book.save(path)
