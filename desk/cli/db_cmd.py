"""`desk db`: where the database is and whether it is healthy."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from db import audit, bulk_load, open_database
from db.migrations import CURRENT_VERSION, schema_version
from db.search_index import count_common_words, merge_search_index, search_segments
from desk.cli.common import (
    AsOption,
    DbOption,
    console,
    database_path_for,
    error_console,
    open_for_command,
)
from desk.errors import DeskError
from desk.i18n import decimal_text, t

app = typer.Typer(help="Inspect, back up and restore the database.", no_args_is_help=True)

# A search index in more segments than this is worth merging (`desk db optimize`): common words
# are looked up once per case shown, in every segment.
SEGMENTS_WORTH_MERGING = 8
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
        segments = search_segments(database)
        missing = bulk_load.left_by_a_stopped_load(database)
        if missing:
            problems.append(
                t("cli.check.indexes_missing", count=len(missing), names=", ".join(missing))
            )
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
    if version >= 1:
        report["search_segments"] = segments
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
        if "search_segments" in report:
            segments = report["search_segments"]
            advice = t("cli.check.segments_advice") if segments > SEGMENTS_WORTH_MERGING else ""
            table.add_row(t("cli.check.segments"), f"{segments}{advice}")
        for name, count in counts.items():
            table.add_row(name, f"{count:,}")
        console.print(table)
        for problem in problems:
            console.print(t("cli.check.problem", problem=problem), markup=False)
    if problems:
        raise typer.Exit(1)


@app.command("optimize")
def optimize(ctx: typer.Context, db: DbOption = None) -> None:
    """Merge the search index, count its common words and refresh SQLite's statistics.

    Worth running after large imports or syncs; takes seconds on a million cases, during which
    other desks can read but not write.
    """
    database = open_for_command(ctx, db)
    bulk_load.restore_indexes(database)  # any index of the schema missing (db check names them)
    before = search_segments(database)
    started = time.perf_counter()
    with error_console.status(t("cli.optimize.working")):
        if not merge_search_index(database):  # merging counts the common words too
            count_common_words(database)
        database.execute("PRAGMA optimize")
    console.print(
        t(
            "cli.optimize.done",
            before=before,
            after=search_segments(database),
            seconds=decimal_text(time.perf_counter() - started),
        ),
        markup=False,
    )


def _actor_if_any(ctx: typer.Context, db: Path | None, as_nip: str | None) -> Any:
    """The signed-in officer, or None for a database that has no officers yet."""
    from desk.cli.case_cmd import open_session
    from desk.officers import has_officers

    database = open_for_command(ctx, db)
    if not has_officers(database):
        return database, None
    session = open_session(ctx, db, as_nip)
    return session.database, session.actor


@app.command("backup")
def backup_command(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help="The backup file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    db: DbOption = None,
    as_nip: AsOption = None,
) -> None:
    """Copy the database to a file, consistent even while desks are open (an admin only)."""
    from desk.safekeeping import backup

    database, actor = _actor_if_any(ctx, db, as_nip)
    with error_console.status(t("cli.backup.working")):
        result = backup(database, actor, target, force=force)
    console.print(
        t("cli.backup.done", path=result.path, cases=result.cases, mb=result.size / 1_048_576),
        markup=False,
    )


@app.command("restore")
def restore_command(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help="The backup file to restore from.")],
    db: DbOption = None,
    as_nip: AsOption = None,
) -> None:
    """Replace the database with a backup, after checking its integrity and schema version.

    The current content is saved first, beside the database, so a restore can be undone.
    """
    from desk.safekeeping import check_backup, restore

    check_backup(source.expanduser())  # before asking anything: a bad file changes nothing
    database, actor = _actor_if_any(ctx, db, as_nip)
    location = database_path_for(ctx, db)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    keep = location.with_name(f"{location.stem}.before-restore-{stamp}{location.suffix or '.db'}")
    with error_console.status(t("cli.restore.working")):
        cases = restore(database, actor, source, keep_copy=keep)
    console.print(t("cli.restore.done", path=source, cases=cases, kept=keep), markup=False)
