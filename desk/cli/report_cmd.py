"""`desk report`: unit performance for a period, as a table, CSV, XLSX, JSON or HTML.

Only aggregate figures are written (docs/metrics.md). A period, unit, format or option that
cannot be used is one line on stderr and exit status 2; a file that cannot be written, exit 1.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from rich.text import Text

from db.timefmt import utc_now
from desk.cli.common import DbOption, bad_option, console, error_console, open_for_command
from desk.clocks import office_time_zone
from desk.errors import DeskError, InvalidInput
from desk.i18n import extend, t
from desk.metrics import DEFAULT_MIN_CASES, Report, compute_report, fork_pays, parse_period
from desk.report_view import NUMERIC, SHORT_COLUMNS, cell, column_title
from desk.safety import sheet_csv_writer

# The command's own help is the catalog's "help.report" (desk/cli/commands.py).
extend(
    {
        "help.report.period": (
            "Periodenya (tanggal lokal kantor); juga month (bulan ini), last-month (bulan lalu), "
            "quarter (triwulan ini), year (tahun ini).",
            "The period (office local dates); also month, last-month, quarter, year.",
        ),
        "help.report.unit": ("Hanya unit ini.", "Only this unit."),
        "help.report.format": ("Format keluarannya.", "The output format."),
        "help.report.output": (
            "Tulis ke berkas ini (wajib untuk xlsx; bawaan: keluaran standar).",
            "Write to this file (required for xlsx; default: standard output).",
        ),
        "help.report.min_cases": (
            "Unit yang kasusnya dalam periode itu lebih sedikit dari ini tidak diberi peringkat.",
            "Units with fewer cases in the period are not ranked.",
        ),
    }
)

FORMATS = ("table", "csv", "xlsx", "json", "html")
WIDE = 110  # terminal columns below which the table keeps only NARROW_COLUMNS
NARROW_COLUMNS = (
    "rank",
    "code",
    "received",
    "followed_up_pct",
    "followed_up_in_time_pct",
    "median_follow_up_hk",
    "unanswered",
    "overdue_now",
)
BAD_OPTIONS = 2


def report_command(
    ctx: typer.Context,
    period: Annotated[
        str,
        typer.Option(
            "--period",
            "-p",
            metavar="2026-11|2026-Q4|2026|FROM..TO",
            help=t("help.report.period"),
        ),
    ] = "month",
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit", "-u", metavar="CODE", help=t("help.report.unit"), show_default=False
        ),
    ] = None,
    format_name: Annotated[
        str,
        typer.Option("--format", "-f", metavar="|".join(FORMATS), help=t("help.report.format")),
    ] = "table",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help=t("help.report.output"),
            show_default=False,
        ),
    ] = None,
    min_cases: Annotated[
        int,
        typer.Option("--min-cases", help=t("help.report.min_cases")),
    ] = DEFAULT_MIN_CASES,
    db: DbOption = None,
) -> None:
    """Unit performance for a period: received, verified and followed up on time, ranking."""
    try:
        if format_name not in FORMATS:
            raise InvalidInput(t("report.bad_format", value=format_name))
        if format_name == "xlsx" and output is None:
            raise InvalidInput(t("report.needs_output", format=format_name))
        database = open_for_command(ctx, db)
        now = _now()
        today = now.astimezone(ZoneInfo(office_time_zone(database))).date()
        chosen = parse_period(period, today)
        report = compute_report(
            database,
            chosen,
            now=now,
            min_cases=min_cases,
            unit=unit,
            # This command has no threads of its own: half the period can be read in a forked
            # process on the second core (a year over a million cases, bench/README.md).
            child_process=fork_pays(chosen),
        )
    except InvalidInput as error:
        raise bad_option(str(error)) from None
    if format_name == "table":
        _print_table(report, output)
        return
    try:
        if format_name == "xlsx":
            assert output is not None
            from desk.report_xlsx import write_xlsx

            _replace(output, lambda path: write_xlsx(report, path))
        else:
            text = _render(report, format_name)
            if output is None:
                typer.echo(text, nl=False)
                return
            _replace(output, lambda path: path.write_text(text, encoding="utf-8"))
    except OSError as error:
        raise DeskError(
            t("report.cannot_write", path=output, error=error.strerror or error)
        ) from None
    error_console.print(t("report.written", path=output), markup=False, highlight=False)


def _now() -> datetime:
    # Tests and the benchmark pin the moment "now" figures (overdue, activity) are taken at.
    pinned = os.environ.get("DESK_REPORT_NOW")
    return datetime.fromisoformat(pinned.replace("Z", "+00:00")) if pinned else utc_now()


def _replace(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary file in the same folder, so a failure leaves no half file."""
    path = path.expanduser()
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    os.close(handle)
    try:
        write(Path(temporary))
        # mkstemp makes the file private (0600); a report is meant to be shared: the usual mode.
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _render(report: Report, format_name: str) -> str:
    if format_name == "json":
        return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
    if format_name == "csv":
        rows = [unit.as_dict() for unit in report.units]
        if report.unit_filter is None:
            rows.append(report.office.as_dict())
        names = list(report.office.as_dict())
        buffer = io.StringIO()
        # The one neutralising writer: a unit named "=HYPERLINK(...)" (units come from imported
        # files) is written as text, and no raw control character reaches a `cat` of the file.
        writer = sheet_csv_writer(buffer, lineterminator="\r\n")
        writer.writerow(names)
        writer.writerows([row.get(name) for name in names] for row in rows)
        return buffer.getvalue()
    from desk.report_html import render_html

    return render_html(report)


def _print_table(report: Report, output: Path | None) -> None:
    period = t(
        "report.period",
        label=report.period.label,
        start=report.period.start.isoformat(),
        end=report.period.end.isoformat(),
        tz=report.office_tz,
    )
    table = Table(title=f"{t('report.title')} · {period}", title_justify="left")
    target = console
    if output is not None:
        from rich.console import Console

        target = Console(file=io.StringIO(), width=200, highlight=False)
    # A narrow terminal gets the ranking's own figures only; the files have them all.
    columns = SHORT_COLUMNS if target.width >= WIDE else NARROW_COLUMNS
    # The unit code is what officers know a unit by: never cut it; the headers wrap instead.
    widest = max([len(t("report.office")), *(len(row.code) for row in report.units)])
    for key in columns:
        if key == "code":
            table.add_column(column_title(key), no_wrap=True, min_width=widest)
        else:
            table.add_column(
                column_title(key), justify="right" if key in NUMERIC else "left", overflow="fold"
            )
    for row in report.units:
        table.add_row(
            *(Text(cell(row, key)) for key in columns),
            style=None if row.ranked else "dim",
        )
    if report.unit_filter is None:
        table.add_section()
        table.add_row(*(Text(cell(report.office, key, office=True)) for key in columns))
    target.print(table)
    target.print(Text(t("report.criteria", min=report.min_cases)))
    target.print(Text(t("report.privacy"), style="dim"))
    if output is not None:
        assert isinstance(target.file, io.StringIO)
        try:
            output.expanduser().write_text(target.file.getvalue(), encoding="utf-8")
        except OSError as error:
            raise DeskError(
                t("report.cannot_write", path=output, error=error.strerror or error)
            ) from None
