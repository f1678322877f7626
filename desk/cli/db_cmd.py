"""`desk db`: where the database is and whether it is healthy."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from db import audit, open_database
from db.migrations import CURRENT_VERSION, schema_version
from desk.cli.common import DbOption, console, database_path_for, error_console
from desk.errors import DeskError
from desk.i18n import t

app = typer.Typer(help="Inspect the database.", no_args_is_help=True)

COUNTED_TABLES = (
    "units",
    "officers",
    "cases",
    "reporters",
    "events",
    "attachments",
    "outbox",
    "audit_log",
)


@app.command("path")
def path(ctx: typer.Context, db: DbOption = None) -> None:
    """Print the path of the database desk would open."""
    typer.echo(str(database_path_for(ctx, db).resolve()))


@app.command("check")
def check(
    ctx: typer.Context,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check the database: integrity, schema version, search index, audit chain, row counts.

    Exits with status 1 when anything is wrong.
    """
    location = database_path_for(ctx, db)
    if not location.exists():
        raise DeskError(t("cli.no_database", path=location))
    database = open_database(location, migrate=False)
    version = schema_version(database)
    problems: list[str] = []
    with error_console.status(t("cli.check.checking", path=location)):
        integrity = [row[0] for row in database.execute("PRAGMA integrity_check").fetchall()]
    if integrity != ["ok"]:
        problems.extend(t("cli.check.integrity", detail=line) for line in integrity[:10])
    if version > CURRENT_VERSION:
        problems.append(t("cli.check.too_new", version=version, known=CURRENT_VERSION))
    counts: dict[str, int] = {}
    if version >= 1:
        for name in COUNTED_TABLES:
            counts[name] = int(database.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0])
        try:
            database.execute("INSERT INTO case_search(case_search) VALUES ('integrity-check')")
        except Exception as error:  # reported, not raised: this is the point of the check
            problems.append(t("cli.check.search_index", detail=error))
        chain_break = audit.verify(database)
        if chain_break is not None:
            problems.append(t("cli.check.audit", detail=chain_break.problem))
    report: dict[str, Any] = {
        "path": str(location.resolve()),
        "healthy": not problems,
        "schema_version": version,
        "current_schema_version": CURRENT_VERSION,
        "size_bytes": location.stat().st_size,
        "counts": counts,
        "problems": problems,
    }
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        table = Table(title=str(location), show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        verdict = t("cli.check.healthy") if not problems else t("cli.check.problems_found")
        table.add_row(t("cli.check.status"), verdict)
        note = "" if version >= CURRENT_VERSION else t("cli.check.upgrade_note")
        table.add_row(t("cli.check.schema"), f"{version}{note}")
        table.add_row(t("cli.check.size"), f"{report['size_bytes'] / 1_048_576:,.1f} MB")
        for name, count in counts.items():
            table.add_row(name, f"{count:,}")
        console.print(table)
        for problem in problems:
            console.print(t("cli.check.problem", problem=problem), markup=False)
    if problems:
        raise typer.Exit(1)
