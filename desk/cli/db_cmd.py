"""`desk db`: where the database is and whether it is healthy."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import sqlite_utils
import typer
from rich.table import Table

from db import NotADatabase, audit, bulk_load, open_database
from db.migrations import CURRENT_VERSION, schema_version
from db.search_index import count_common_words, merge_search_index, search_segments
from desk.cli import commands as _commands  # noqa: F401  (registers "help.db")
from desk.cli.common import (
    AsOption,
    DbOption,
    console,
    database_path_for,
    error_console,
    open_for_command,
)
from desk.errors import DeskError, describe
from desk.i18n import decimal_text, extend, t
from desk.workflow import Actor

extend(
    {
        "help.db.path": (
            "Cetak lokasi basis data yang akan dibuka desk.",
            "Print the path of the database desk would open.",
        ),
        "help.db.check": (
            "Periksa basis data: apakah itu basis data desk, keutuhannya, versi skema dan "
            "objeknya, indeks pencarian, rantai audit, jumlah baris. Menutup berkas-berkasnya "
            "bagi pengguna lain.\n\nKeluar dengan status 1 bila ada yang salah.",
            "Check the database: that it is a desk database, integrity, schema version and "
            "objects, search index, audit chain, row counts. Closes its files to other users."
            "\n\nExits with status 1 when anything is wrong.",
        ),
        "help.db.check.json": ("Cetak laporannya sebagai JSON.", "Print the report as JSON."),
        "help.db.optimize": (
            "Gabungkan indeks pencarian, hitung kata-kata umumnya, dan perbarui statistik "
            "SQLite.\n\nLayak dijalankan setelah impor atau sinkron besar; butuh beberapa "
            "detik untuk sejuta kasus, dan selama itu desk lain bisa membaca tetapi tidak bisa "
            "menulis.",
            "Merge the search index, count its common words and refresh SQLite's statistics."
            "\n\nWorth running after large imports or syncs; takes seconds on a million cases, "
            "during which other desks can read but not write.",
        ),
        "help.db.backup": (
            "Salin basis data ke berkas yang hanya bisa dibaca oleh Anda, tetap konsisten "
            "walaupun desk sedang dibuka (khusus admin).",
            "Copy the database to a file readable by you alone, consistent even while desks are "
            "open (an admin only).",
        ),
        "help.db.backup.target": ("Berkas cadangan yang ditulis.", "The backup file to write."),
        "help.db.backup.force": ("Timpa berkas yang sudah ada.", "Replace an existing file."),
        "help.db.restore": (
            "Ganti basis data dengan cadangan (khusus admin), setelah cadangan diperiksa "
            "seluruhnya: keutuhannya, bahwa itu basis data desk dengan skema yang dikenal desk "
            "ini, dan rantai auditnya.\n\nIsi saat ini disimpan dulu di samping basis data, "
            "sebagai cadangan yang bisa dipulihkan lagi dengan perintah ini. Basis data yang "
            "belum ada dibuat dari cadangan.",
            "Replace the database with a backup (an admin only), after checking the backup "
            "whole: integrity, that it is a desk database of a schema this desk knows, its audit "
            "chain.\n\nThe current content is saved first, beside the database, as a backup "
            "this command takes back. A missing database is created from the backup.",
        ),
        "help.db.restore.source": (
            "Berkas cadangan yang dipulihkan.",
            "The backup file to restore from.",
        ),
        "cli.check.not_sqlite": (
            "bukan basis data SQLite atau rusak ({detail})",
            "not a SQLite database, or damaged ({detail})",
        ),
        "cli.check.not_desk": ("bukan basis data desk: {detail}", "not a desk database: {detail}"),
        "cli.check.tightened": (
            "catatan: {path} bisa dibaca pengguna lain; kini hanya pemiliknya",
            "note: {path} was open to other users; now to its owner alone",
        ),
        "cli.restore.cannot_open": (
            "Basis data {path} tidak bisa dibuka ({detail}). Pindahkan dulu (mis. ganti nama "
            "menjadi {path}.rusak), lalu pulihkan lagi: cadangan dipulihkan ke berkas baru.",
            "The database {path} cannot be opened ({detail}). Move it aside first (e.g. rename "
            "it {path}.broken), then restore again: the backup is restored into a new file.",
        ),
        "cli.restore.restored": (
            "{cases:,} kasus dipulihkan dari {path} (skema {version}, kini {current}). Isi "
            "sebelumnya disimpan di {kept}; 'desk db restore {kept}' mengembalikannya.",
            "{cases:,} cases restored from {path} (schema {version}, now {current}). The "
            "previous content is saved in {kept}; 'desk db restore {kept}' brings it back.",
        ),
        "cli.restore.kept_unhealthy": (
            "Peringatan: isi sebelumnya sendiri tidak lolos pemeriksaan dan tidak bisa "
            "dipulihkan dengan desk: {problem}",
            "Warning: the previous content itself does not pass the check and cannot be "
            "restored with desk: {problem}",
        ),
    }
)

app = typer.Typer(help=t("help.db"), no_args_is_help=True)

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


@app.command("path", help=t("help.db.path"))
def path(ctx: typer.Context, db: DbOption = None) -> None:
    """Print the path of the database desk would open."""
    typer.echo(str(database_path_for(ctx, db).resolve()))


@app.command("check", help=t("help.db.check"))
def check(
    ctx: typer.Context,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help=t("help.db.check.json"))] = False,
) -> None:
    """Check the database: that it is a desk database, integrity, schema version and objects,
    search index, audit chain, row counts. Closes its files to other users.

    Exits with status 1 when anything is wrong.
    """
    from desk.safekeeping import schema_problems

    location = database_path_for(ctx, db)
    if not location.exists():
        raise DeskError(t("cli.no_database", path=location))
    tightened = _tighten_files(location)
    problems: list[str] = []
    counts: dict[str, int] = {}
    version = 0
    segments: int | None = None
    try:
        database = open_database(location, migrate=False)
        version = schema_version(database)
        with error_console.status(t("cli.check.checking", path=location)):
            integrity = [row[0] for row in database.execute("PRAGMA integrity_check").fetchall()]
    except NotADatabase as error:
        problems.append(t("cli.check.not_sqlite", detail=error.values.get("error", error)))
    else:
        if integrity != ["ok"]:
            problems.extend(t("cli.check.integrity", detail=line) for line in integrity[:10])
        schema: list[str] = []
        try:
            if version > CURRENT_VERSION:
                problems.append(t("cli.check.too_new", version=version, known=CURRENT_VERSION))
            else:
                schema = schema_problems(database.conn)
                problems.extend(t("cli.check.not_desk", detail=problem) for problem in schema)
            if 1 <= version <= CURRENT_VERSION:
                segments = _desk_checks(database, problems, counts, whole_schema=not schema)
        except sqlite3.DatabaseError as error:  # too damaged to read on: said, not raised
            problems.append(t("cli.check.integrity", detail=error))
    healthy = not problems
    report: dict[str, Any] = {
        "path": str(location.resolve()),
        "healthy": healthy,
        "schema_version": version,
        "current_schema_version": CURRENT_VERSION,
        "size_bytes": location.stat().st_size,
        "counts": counts,
        "problems": problems,
        "tightened": tightened,
    }
    if segments is not None:
        report["search_segments"] = segments
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        table = Table(title=str(location), show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        verdict = t("cli.check.healthy") if healthy else t("cli.check.problems_found")
        table.add_row(t("cli.check.status"), verdict)
        upgradable = healthy and 1 <= version < CURRENT_VERSION
        note = t("cli.check.upgrade_note") if upgradable else ""
        table.add_row(t("cli.check.schema"), f"{version}{note}")
        table.add_row(t("cli.check.size"), f"{report['size_bytes'] / 1_048_576:,.1f} MB")
        if segments is not None:
            advice = t("cli.check.segments_advice") if segments > SEGMENTS_WORTH_MERGING else ""
            table.add_row(t("cli.check.segments"), f"{segments}{advice}")
        for name, count in counts.items():
            table.add_row(name, f"{count:,}")
        console.print(table)
        for name in tightened:
            console.print(t("cli.check.tightened", path=name), markup=False, soft_wrap=True)
        for problem in problems:
            console.print(t("cli.check.problem", problem=problem), markup=False)
    if problems:
        raise typer.Exit(1)


def _desk_checks(
    database: sqlite_utils.Database,
    problems: list[str],
    counts: dict[str, int],
    *,
    whole_schema: bool,
) -> int | None:
    """Counts, search index, indexes a stopped load left out, audit chain; each on its own, so
    that a database missing part of desk's schema still gets the rest checked. Returns the
    number of search index segments (None without a search index)."""
    present = {
        str(row[0]) for row in database.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    for name in COUNTED_TABLES:
        if name in present:
            counts[name] = int(database.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0])
    segments: int | None = None
    if "case_search" in present:
        try:
            database.execute("INSERT INTO case_search(case_search) VALUES ('integrity-check')")
        except sqlite3.Error as error:  # reported, not raised: this is the point of the check
            problems.append(t("cli.check.search_index", detail=error))
        with contextlib.suppress(sqlite3.Error):
            segments = search_segments(database)
    if whole_schema:
        missing = bulk_load.left_by_a_stopped_load(database)
        if missing:
            problems.append(
                t("cli.check.indexes_missing", count=len(missing), names=", ".join(missing))
            )
    if "audit_log" in present:
        try:
            chain_break = audit.verify(database)
        except sqlite3.Error as error:
            problems.append(t("cli.check.audit", detail=error))
        else:
            if chain_break is not None:
                problems.append(t("cli.check.audit", detail=chain_break.problem))
    return segments


def _tighten_files(location: Path) -> list[str]:
    """The database's files (its -wal and -shm, the attachment store, the PIN key, the sync
    token) closed to other users: the names of those that were open to them."""
    from db.connection import tighten

    names = [f"{location}{suffix}" for suffix in ("", "-wal", "-shm")]
    names += [f"{location}{suffix}" for suffix in (".files", ".pin-key", ".sync-token")]
    return [name for name in names if tighten(name)]


@app.command("optimize", help=t("help.db.optimize"))
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


def _actor_if_any(
    ctx: typer.Context, db: Path | None, as_nip: str | None, *, must_exist: bool = True
) -> tuple[sqlite_utils.Database, Actor | None]:
    """The database and the signed-in officer (None for a database with no officers yet)."""
    from desk.cli.common import chosen_officer, sign_in_officer

    location = database_path_for(ctx, db)
    database = open_for_command(ctx, db, must_exist=must_exist)
    actor = sign_in_officer(database, location, chosen_officer(ctx, as_nip), empty_database_ok=True)
    return database, actor


@app.command("backup", help=t("help.db.backup"))
def backup_command(
    ctx: typer.Context,
    target: Annotated[Path, typer.Argument(help=t("help.db.backup.target"))],
    force: Annotated[bool, typer.Option("--force", help=t("help.db.backup.force"))] = False,
    db: DbOption = None,
    as_nip: AsOption = None,
) -> None:
    """Copy the database to a file readable by you alone, consistent even while desks are open
    (an admin only)."""
    from desk.officers import pin_key_note
    from desk.safekeeping import backup

    database, actor = _actor_if_any(ctx, db, as_nip)
    with error_console.status(t("cli.backup.working")):
        result = backup(database, actor, target, force=force)
    console.print(
        t("cli.backup.done", path=result.path, cases=result.cases, mb=result.size / 1_048_576),
        markup=False,
    )
    note = pin_key_note(database)
    if note:
        console.print(note, markup=False, soft_wrap=True)


@app.command("restore", help=t("help.db.restore"))
def restore_command(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(help=t("help.db.restore.source"))],
    db: DbOption = None,
    as_nip: AsOption = None,
) -> None:
    """Replace the database with a backup (an admin only), after checking the backup whole:
    integrity, that it is a desk database of a schema this desk knows, its audit chain.

    The current content is saved first, beside the database, as a backup this command takes
    back. A missing database is created from the backup.
    """
    from desk.officers import foreign_pin_note
    from desk.safekeeping import restore

    backup_file = source.expanduser()
    if not backup_file.is_file():  # before asking for a PIN: nothing was attempted
        raise DeskError(t("safe.no_backup", path=backup_file))
    location = database_path_for(ctx, db)
    try:
        database, actor = _actor_if_any(ctx, db, as_nip, must_exist=False)
    except NotADatabase as error:
        raise DeskError(
            t("cli.restore.cannot_open", path=location, detail=describe(error))
        ) from None
    keep = _before_restore_name(location)
    with error_console.status(t("cli.restore.working")):
        result = restore(database, actor, backup_file, keep_copy=keep)
    console.print(
        t(
            "cli.restore.restored",
            cases=result.cases,
            path=result.source,
            version=result.source_version,
            current=CURRENT_VERSION,
            kept=result.kept,
        ),
        markup=False,
        soft_wrap=True,
    )
    for problem in result.kept_problems:
        warning = t("cli.restore.kept_unhealthy", problem=problem)
        error_console.print(warning, markup=False, soft_wrap=True)
    note = foreign_pin_note(database)
    if note:
        error_console.print(note, markup=False, soft_wrap=True)


def _before_restore_name(location: Path) -> Path:
    """`<db>.before-restore-<UTC time>.db`, never one that exists (two restores in a second)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    suffix = location.suffix or ".db"
    keep = location.with_name(f"{location.stem}.before-restore-{stamp}{suffix}")
    number = 1
    while keep.exists():
        number += 1
        keep = location.with_name(f"{location.stem}.before-restore-{stamp}-{number}{suffix}")
    return keep
