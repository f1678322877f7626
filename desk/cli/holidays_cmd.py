"""`desk holidays`: regional holidays (libur daerah) on top of the national calendar."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from db import write_transaction
from desk.calendar import CalendarFileError, national_calendar, read_regional_holidays
from desk.cli.common import DbOption, console, open_for_command, plain
from desk.errors import InvalidInput
from desk.i18n import t

app = typer.Typer(
    help="Working-day calendar: national and regional holidays.", no_args_is_help=True
)


@app.command("import")
def import_holidays(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Text file: DATE;NAME[;UNIT] per line.")],
    db: DbOption = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Remove the regional holidays already stored first.")
    ] = False,
) -> None:
    """Read regional holidays from a file the admin edits, and use them in every clock."""
    try:
        holidays = read_regional_holidays(file)
    except CalendarFileError as error:
        raise InvalidInput(str(error)) from None
    database = open_for_command(ctx, db)
    known_units = {row[0] for row in database.execute("SELECT code FROM units")}
    for holiday in holidays:
        if holiday.unit_code and holiday.unit_code not in known_units:
            raise InvalidInput(
                t("cli.holidays.unknown_unit", file=file, unit=holiday.unit_code, day=holiday.day)
            )
    with write_transaction(database):
        if replace:
            database.execute("DELETE FROM regional_holidays")
        for holiday in holidays:
            database.execute(
                "INSERT INTO regional_holidays (day, name, unit_code) VALUES (?, ?, ?) "
                "ON CONFLICT DO UPDATE SET name = excluded.name",
                [holiday.day.isoformat(), holiday.name, holiday.unit_code],
            )
    console.print(t("cli.holidays.stored", count=len(holidays), file=file), markup=False)


@app.command("list")
def list_holidays(
    ctx: typer.Context,
    year: Annotated[int, typer.Option("--year", help="The year to list.")] = date.today().year,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the non-working days of a year: national holidays, cuti bersama and regional ones."""
    database = open_for_command(ctx, db)
    calendar = national_calendar()
    days: list[dict[str, str | None]] = []
    current = date(year, 1, 1)
    while current.year == year:
        name = calendar.holiday_name(current)
        if name:
            days.append(
                {"day": current.isoformat(), "name": name, "unit": None, "kind": "national"}
            )
        current = date.fromordinal(current.toordinal() + 1)
    for day, name, unit in database.execute(
        "SELECT day, name, unit_code FROM regional_holidays WHERE day LIKE ? ORDER BY day",
        [f"{year}-%"],
    ):
        days.append({"day": day, "name": name, "unit": unit, "kind": "regional"})
    days.sort(key=lambda item: str(item["day"]))
    if as_json:
        typer.echo(json.dumps(days, indent=2, ensure_ascii=False))
        return
    table = Table(title=t("cli.holidays.title", year=year), title_justify="left")
    for column in (t("cli.col.day"), t("cli.col.holiday"), t("cli.col.unit"), t("cli.col.kind")):
        table.add_column(column)
    for item in days:
        kind = t(f"cli.holidays.{item['kind']}")
        table.add_row(str(item["day"]), plain(item["name"]), plain(item["unit"] or ""), kind)
    console.print(table)
