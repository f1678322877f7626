"""`desk audit`: check the audit chain and read who did what."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from db import audit
from desk.cli.common import DbOption, console, open_for_command, plain
from desk.i18n import t

app = typer.Typer(help="The append-only, hash-chained audit log.", no_args_is_help=True)


@app.command("verify")
def verify_command(
    ctx: typer.Context,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Check every entry of the chain; report the first broken or missing one (exit 1)."""
    database = open_for_command(ctx, db)
    entries = int(database.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    broken = audit.verify(database)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "entries": entries,
                    "intact": broken is None,
                    "first_broken": broken.seq if broken else None,
                    "problem": broken.problem if broken else None,
                }
            )
        )
    elif broken is None:
        console.print(t("cli.audit.intact", entries=entries), markup=False)
    else:
        console.print(t("cli.audit.broken", seq=broken.seq, problem=broken.problem), markup=False)
    if broken is not None:
        raise typer.Exit(1)


@app.command("show")
def show_command(
    ctx: typer.Context,
    case: Annotated[
        str | None, typer.Option("--case", help="Only this case (tracking number).")
    ] = None,
    officer: Annotated[
        str | None, typer.Option("--officer", help="Only this officer (NIP).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many entries.")] = 50,
    db: DbOption = None,
    as_nip: Annotated[str | None, typer.Option("--as", help="The officer (NIP) reading.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The latest entries, newest first (admins and heads only)."""
    from desk.cli.case_cmd import open_session
    from desk.safekeeping import audit_entries
    from desk.services import find_case

    session = open_session(ctx, db, as_nip)
    case_id = int(find_case(session.database, case)["id"]) if case else None
    entries = audit_entries(
        session.database, session.actor, case_id=case_id, officer_nip=officer, limit=limit
    )
    if as_json:
        typer.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    table = Table(title=t("cli.audit.title"), title_justify="left")
    for column in ("#", t("cli.audit.col.at"), "NIP", t("cli.audit.col.action")):
        table.add_column(column, no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("", overflow="fold")
    for entry in entries:
        detail = json.dumps(entry["detail"], ensure_ascii=False, separators=(", ", ": "))
        table.add_row(
            str(entry["seq"]),
            entry["at"].replace("T", " ").rstrip("Z"),
            plain(entry["actor_nip"] or "-"),
            entry["action"],
            plain(f"#{entry['tracking_no']}" if entry["tracking_no"] else ""),
            plain(detail),
        )
    console.print(table)
