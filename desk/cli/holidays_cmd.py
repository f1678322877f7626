"""`desk holidays`: regional holidays (libur daerah) on top of the national calendar."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from desk.calendar import (
    CalendarFileError,
    national_calendar,
    read_regional_holidays,
    store_regional_holidays,
)
from desk.cli import commands as _commands  # noqa: F401  (registers "help.holidays")
from desk.cli.common import (
    AsOption,
    DbOption,
    bad_option,
    chosen_officer,
    console,
    database_path_for,
    open_for_command,
    plain,
    sign_in_officer,
)
from desk.errors import InvalidInput
from desk.i18n import extend, t

extend(
    {
        "help.holidays.import": (
            "Baca libur daerah dari berkas yang disunting admin, lalu pakai di setiap tenggat "
            "(admin).\n\nLibur daerah menggeser batas waktu menurut aturan: admin masuk untuk "
            "itu, dan dicatat di log audit. Berkas yang tidak bisa dipakai (baris yang salah, "
            "unit yang tidak dikenal) menjadi satu baris di stderr, status keluar 2.",
            "Read regional holidays from a file the admin edits, and use them in every clock "
            "(admins).\n\nRegional holidays move legal deadlines: an admin signs in for it, "
            "and it is audited. A file that cannot be used (a bad line, an unknown unit) is one "
            "line on stderr, exit status 2.",
        ),
        "help.holidays.import.file": (
            "Berkas teks: TANGGAL;NAMA[;UNIT] per baris.",
            "Text file: DATE;NAME[;UNIT] per line.",
        ),
        "help.holidays.import.replace": (
            "Hapus dulu libur daerah yang sudah tersimpan.",
            "Remove the regional holidays already stored first.",
        ),
        "help.holidays.list": (
            "Daftar hari libur dalam setahun: libur nasional, cuti bersama, dan libur daerah.",
            "List the non-working days of a year: national holidays, cuti bersama and regional "
            "ones.",
        ),
        "help.holidays.list.year": ("Tahun yang ditampilkan.", "The year to list."),
        "help.holidays.json": ("Cetak JSON.", "Print JSON."),
    }
)

app = typer.Typer(help=t("help.holidays"), no_args_is_help=True)


@app.command("import", help=t("help.holidays.import"))
def import_holidays(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help=t("help.holidays.import.file"))],
    db: DbOption = None,
    replace: Annotated[
        bool, typer.Option("--replace", help=t("help.holidays.import.replace"))
    ] = False,
    as_nip: AsOption = None,
) -> None:
    """Read regional holidays from a file the admin edits, and use them in every clock (admins).

    Regional holidays move legal deadlines: an admin signs in for it, and it is audited. A file
    that cannot be used (a bad line, an unknown unit) is one line on stderr, exit status 2.
    """
    try:
        holidays = read_regional_holidays(file)
    except CalendarFileError as error:
        raise bad_option(str(error)) from None
    database = open_for_command(ctx, db)
    actor = sign_in_officer(
        database,
        database_path_for(ctx, db),
        chosen_officer(ctx, as_nip),
        empty_database_ok=True,
    )
    try:
        count = store_regional_holidays(database, actor, holidays, source=file, replace=replace)
    except InvalidInput as error:
        raise bad_option(str(error)) from None
    console.print(plain(t("cli.holidays.stored", count=count, file=file)))


@app.command("list", help=t("help.holidays.list"))
def list_holidays(
    ctx: typer.Context,
    year: Annotated[
        int, typer.Option("--year", help=t("help.holidays.list.year"))
    ] = date.today().year,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help=t("help.holidays.json"))] = False,
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
