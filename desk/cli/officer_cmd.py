"""`desk officer` and `desk unit`: who can use a database, and the units cases go to."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from desk.cli.common import DbOption, console, open_for_command, plain
from desk.i18n import role_label, t

officer_app = typer.Typer(help="The officers who can use this database.", no_args_is_help=True)
unit_app = typer.Typer(help="The units (OPD) cases are disposed to.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@officer_app.command("list")
def list_officers(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the officers: NIP, name, unit, role, and whether they are active."""
    database = open_for_command(ctx, db)
    rows = list(
        database.query(
            "SELECT o.nip, o.name, o.unit_code AS unit, u.name AS unit_name, o.role, o.active "
            "FROM officers AS o JOIN units AS u ON u.code = o.unit_code "
            "ORDER BY o.role = 'admin' DESC, o.unit_code, o.name"
        )
    )
    if as_json:
        for row in rows:
            row["active"] = bool(row["active"])
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title=t("cli.officers.title"), title_justify="left")
    for column in ("NIP", t("cli.col.name"), t("cli.col.unit"), t("cli.col.role"), ""):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["nip"],
            plain(row["name"]),
            plain(row["unit"]),
            role_label(row["role"]),
            "" if row["active"] else t("cli.inactive"),
        )
    console.print(table)


@unit_app.command("list")
def list_units(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the units with their time zone and number of officers."""
    database = open_for_command(ctx, db)
    rows = list(
        database.query(
            "SELECT u.code, u.name, u.tz, u.active, "
            "(SELECT count(*) FROM officers AS o WHERE o.unit_code = u.code) AS officers "
            "FROM units AS u ORDER BY u.code"
        )
    )
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title=t("cli.units.title"), title_justify="left")
    for column in (t("cli.col.code"), t("cli.col.name"), t("cli.col.tz"), t("cli.col.officers")):
        table.add_column(column)
    for row in rows:
        table.add_row(plain(row["code"]), plain(row["name"]), row["tz"], str(row["officers"]))
    console.print(table)
