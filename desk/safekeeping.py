"""Backups and restores of a desk database, what makes a file a desk database, and reading the
audit trail.

A backup is SQLite's online backup API: a consistent copy even while desks are open and writing
(it copies a snapshot, page by page), written owner-only and renamed into place when whole.

A restore trusts nothing in the file it is given. The file is copied into a private staging
file beside the database (so what is checked is exactly what is restored, whatever happens to
the original meanwhile), and the copy is checked whole: SQLite's integrity check, a schema
version desk knows, every table, index, trigger and view identical to desk's schema of that
version and nothing else, the migrations recorded, the audit chain intact. An older backup is
then migrated in the staging copy, so the live database goes from one current schema to another
in one step. Only then is the live database touched, through the same backup API in one write
transaction: open desks see the restored content at their next read, never a file swapped
under them (docs/storage.md, "Restoring"). The current content is copied aside while that
transaction holds the write lock, so nothing written in between can be lost, and the copy is a
backup like any other: `desk db restore` takes it back.

Only an admin may back up (a backup holds every reporter's personal data) or restore; every
restore, and every refused one, is in the audit log.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import secrets
import shutil
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import sqlite_utils

from db import StorageError, audit, open_database, write_transaction
from db.bulk_load import restore_indexes
from db.connection import create_private, database_path, open_private
from db.migrations import CURRENT_VERSION, migrate, statements
from db.timefmt import to_text, utc_now
from desk.errors import ActionRefused, DeskError, InvalidInput
from desk.i18n import extend, role_label, t
from desk.workflow import Actor, Role

extend(
    {
        "safe.need_admin": (
            "Hanya admin yang boleh {action} (Anda: {role}).",
            "Only an admin may {action} (you are: {role}).",
        ),
        "safe.action.backup": ("membuat cadangan", "make a backup"),
        "safe.action.restore": ("memulihkan cadangan", "restore a backup"),
        "safe.audit_readers": (
            "Hanya admin dan pimpinan yang boleh membaca log audit (Anda: {role}).",
            "Only admins and heads may read the audit log (you are: {role}).",
        ),
        "safe.exists": (
            "{path} sudah ada: pilih nama lain atau pakai --force untuk menimpanya.",
            "{path} already exists: choose another name or use --force to replace it.",
        ),
        "safe.no_backup": ("Tidak ada berkas cadangan di {path}.", "No backup file at {path}."),
        "safe.damaged": (
            "{path} rusak atau bukan basis data SQLite ({detail}): basis data tidak diubah.",
            "{path} is damaged or not a SQLite database ({detail}): the database was not changed.",
        ),
        "safe.not_desk": (
            "{path} bukan basis data desk ({detail}): basis data tidak diubah.",
            "{path} is not a desk database ({detail}): the database was not changed.",
        ),
        "safe.too_new": (
            "{path} berasal dari desk yang lebih baru (skema {version}, desk ini {known}): "
            "perbarui desk dulu. Basis data tidak diubah.",
            "{path} comes from a newer desk (schema {version}, this desk {known}): upgrade "
            "desk first. The database was not changed.",
        ),
        "safe.audit_broken": (
            "Log audit di {path} rusak ({detail}): cadangan yang diubah tidak dipulihkan. "
            "Basis data tidak diubah.",
            "The audit log in {path} is broken ({detail}): an altered backup is not restored. "
            "The database was not changed.",
        ),
        "safe.search_broken": (
            "Indeks pencarian di {path} rusak ({detail}): basis data tidak diubah.",
            "The search index in {path} is damaged ({detail}): the database was not changed.",
        ),
        "safe.kind_mismatch": (
            "{path} adalah basis data {found}, sedangkan {here} adalah basis data {expected}: "
            "basis data tidak diubah.",
            "{path} is a {found} database but {here} is a {expected} database: the database "
            "was not changed.",
        ),
        "safe.kind.desk": ("meja kerja", "desk"),
        "safe.kind.central": ("server pusat", "central server"),
        "safe.same_file": (
            "Cadangan dan basis data adalah berkas yang sama.",
            "The backup and the database are the same file.",
        ),
        "safe.in_memory": (
            "Hanya basis data dalam berkas yang bisa dipulihkan.",
            "Only a database in a file can be restored.",
        ),
        "safe.busy": (
            "Basis data terus sibuk ({seconds} detik: meja kerja lain sedang menulis): tidak ada "
            "yang diubah. Coba lagi sebentar lagi.",
            "The database stayed busy ({seconds} s: another desk is writing): nothing was "
            "changed. Try again in a moment.",
        ),
        "safe.cannot_write": (
            "Tidak bisa menulis {path} ({reason}): basis data tidak diubah.",
            "Cannot write {path} ({reason}): the database was not changed.",
        ),
        # What makes a file a desk database (also said by `desk db check`).
        "safe.schema.version_zero": (
            "versi skema 0: tidak ada skema desk di dalamnya",
            "schema version 0: there is no desk schema in it",
        ),
        "safe.schema.too_new": (
            "versi skema {version} lebih baru daripada desk ini ({known})",
            "schema version {version} is newer than this desk ({known})",
        ),
        "safe.schema.missing": (
            "{kind} {name} dari skema desk v{version} tidak ada",
            "{kind} {name} of desk's schema v{version} is missing",
        ),
        "safe.schema.differs": (
            "{kind} {name} berbeda dari skema desk v{version}",
            "{kind} {name} differs from desk's schema v{version}",
        ),
        "safe.schema.unexpected": (
            "{kind} {name} bukan bagian dari skema desk",
            "{kind} {name} is not part of desk's schema",
        ),
        "safe.schema.migrations": (
            "schema_migrations mencatat versi {recorded}, bukan 1 sampai {version}",
            "schema_migrations records versions {recorded}, not 1 to {version}",
        ),
        "safe.schema.more": ("dan {count} lagi", "and {count} more"),
        "safe.kind.table": ("tabel", "table"),
        "safe.kind.index": ("indeks", "index"),
        "safe.kind.trigger": ("trigger", "trigger"),
        "safe.kind.view": ("view", "view"),
    }
)

# How long a restore waits for other desks' writes to end before giving up (nothing changed).
BUSY_LIMIT_SECONDS = 30.0
# Schema problems named one by one; the rest are counted.
PROBLEMS_NAMED = 6
_CENTRAL_MARK = ("table", "central_meta")
_SQLITE_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _require_admin(actor: Actor | None, action_key: str, database: sqlite_utils.Database) -> None:
    from desk.officers import may_keep_desk

    if not may_keep_desk(database, actor):
        role = role_label(actor.role.value) if actor else "-"
        raise ActionRefused(t("safe.need_admin", action=t(action_key), role=role))


# -- what a desk database is -------------------------------------------------------------------

SchemaObjects = dict[tuple[str, str], str]  # (type, name) -> its CREATE statement


def _objects(conn: sqlite3.Connection) -> SchemaObjects:
    """The file's tables, indexes, triggers and views, SQLite's own internal ones aside."""
    rows = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
    ).fetchall()
    return {(str(kind), str(name)): " ".join(str(sql or "").split()) for kind, name, sql in rows}


@functools.lru_cache(maxsize=8)
def _reference(version: int, central: bool) -> SchemaObjects:
    """Desk's schema at `version` as a fresh database built by the migrations has it (so it is
    never written down twice), with the central server's own tables when `central`."""
    memory = open_database(":memory:", migrate=False)
    try:
        migrate(memory, version)
        if central:
            script = resources.files("desk.central").joinpath("schema.sql")
            with write_transaction(memory):
                for statement in statements(script.read_text(encoding="utf-8")):
                    memory.execute(statement)
        return _objects(memory.conn)
    finally:
        memory.conn.close()


def is_central(conn: sqlite3.Connection) -> bool:
    """A central server's database (the desk schema and the server's own tables)."""
    found = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?", _CENTRAL_MARK
    ).fetchone()
    return found is not None


def schema_problems(conn: sqlite3.Connection, *, missing_indexes: bool = False) -> list[str]:
    """Why the file is not a desk database of the version it claims ([] when it is one).

    Its `user_version` must be one desk knows (1 to this desk's), `schema_migrations` must
    record every version up to it, and its tables, indexes, triggers and views must be exactly
    those of desk's schema of that version, compared with a freshly migrated database. Missing
    indexes are left out unless `missing_indexes`: a stopped bulk load leaves them missing, and
    they are built again (`desk db check` reports them on their own). Objects of the central
    server's schema are allowed when the file is a central database; those it lacks are created
    when the server opens it.
    """
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version <= 0:
        return [t("safe.schema.version_zero")]
    if version > CURRENT_VERSION:
        return [t("safe.schema.too_new", version=version, known=CURRENT_VERSION)]
    present = _objects(conn)
    central = _CENTRAL_MARK in present
    desk_own = _reference(version, False)
    expected = _reference(version, central)
    problems: list[str] = []
    for key, sql in expected.items():
        kind, name = key
        found = present.get(key)
        if found is None:
            if key in desk_own and (missing_indexes or kind != "index"):
                problems.append(_schema_text("missing", kind, name, version))
        elif found != sql:
            problems.append(_schema_text("differs", kind, name, version))
    for kind, name in sorted(present.keys() - expected.keys()):
        problems.append(_schema_text("unexpected", kind, name, version))
    if ("table", "schema_migrations") in present and not problems:
        recorded = sorted(
            int(row[0]) for row in conn.execute("SELECT version FROM schema_migrations")
        )
        if recorded != list(range(1, version + 1)):
            shown = ", ".join(str(number) for number in recorded) or "-"
            problems.append(t("safe.schema.migrations", recorded=shown, version=version))
    return problems


def _schema_text(problem: str, kind: str, name: str, version: int) -> str:
    return t(f"safe.schema.{problem}", kind=t(f"safe.kind.{kind}"), name=name, version=version)


def summary(problems: list[str]) -> str:
    """The first problems in one line, the rest counted."""
    named = problems[:PROBLEMS_NAMED]
    rest = len(problems) - len(named)
    return "; ".join(named + ([t("safe.schema.more", count=rest)] if rest > 0 else []))


@dataclass(frozen=True)
class Inspection:
    """A file that passed `inspect`: a whole desk database with an intact audit chain."""

    version: int
    central: bool
    cases: int


def _untrusted(path: Path, *, read_only: bool = True) -> sqlite3.Connection:
    """A plain connection to a file not yet known to be desk's: no desk functions, and
    functions in its schema are not run (`trusted_schema` off)."""
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    conn = sqlite3.connect(uri, uri=True, isolation_level=None)
    conn.execute("PRAGMA trusted_schema = OFF")
    return conn


def inspect(path: Path, *, label: Path | None = None, missing_indexes: bool = False) -> Inspection:
    """Check that the file at `path` is a whole desk database this desk can use, or raise
    `InvalidInput` saying why (in terms of `label`, the file the user named)."""
    label = label or path
    try:
        conn = _untrusted(path)
    except sqlite3.Error as error:
        raise InvalidInput(t("safe.damaged", path=label, detail=error)) from None
    try:
        try:
            integrity = [row[0] for row in conn.execute("PRAGMA integrity_check(20)")]
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except sqlite3.DatabaseError as error:
            raise InvalidInput(t("safe.damaged", path=label, detail=error)) from None
        if integrity != ["ok"]:
            raise InvalidInput(t("safe.damaged", path=label, detail="; ".join(integrity[:3])))
        if version > CURRENT_VERSION:
            raise InvalidInput(
                t("safe.too_new", path=label, version=version, known=CURRENT_VERSION)
            )
        problems = schema_problems(conn, missing_indexes=missing_indexes)
        if problems:
            raise InvalidInput(t("safe.not_desk", path=label, detail=summary(problems)))
        chain_break = audit.verify(sqlite_utils.Database(conn, execute_plugins=False))
        if chain_break is not None:
            raise InvalidInput(t("safe.audit_broken", path=label, detail=chain_break.problem))
        cases = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
        return Inspection(version, is_central(conn), cases)
    finally:
        conn.close()


def check_backup(path: Path) -> Inspection:
    """Check a backup file where it is (`InvalidInput` says what is wrong with it)."""
    path = path.expanduser()
    if not path.is_file():
        raise InvalidInput(t("safe.no_backup", path=path))
    return inspect(path)


# -- backup ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    cases: int


def _copy_database(source: sqlite3.Connection, target: Path) -> int:
    """Copy a snapshot of `source` into a new owner-only file `target` (written beside it and
    renamed when whole: no half copy ever carries the name); returns its number of cases."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        os.close(create_private(partial))
        copy = sqlite3.connect(partial)
    except OSError as error:
        raise InvalidInput(
            t("safe.cannot_write", path=target, reason=error.strerror or error)
        ) from None
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        cases = int(copy.execute("SELECT count(*) FROM cases").fetchone()[0])
    except BaseException:
        copy.close()
        partial.unlink(missing_ok=True)
        raise
    copy.close()
    os.replace(partial, target)
    return cases


def backup(
    database: sqlite_utils.Database,
    actor: Actor | None,
    target: Path,
    *,
    force: bool = False,
    now: datetime | None = None,
) -> BackupResult:
    """Copy the database to `target` (owner-only), consistent even while desks write to it."""
    now = now or utc_now()
    _require_admin(actor, "safe.action.backup", database)
    target = target.expanduser()
    if target.exists() and not force:
        raise InvalidInput(t("safe.exists", path=target))
    cases = _copy_database(database.conn, target)
    audit.record(
        database,
        at=to_text(now),
        actor_nip=actor.nip if actor else None,
        action="backup",
        detail={"path": str(target.resolve()), "cases": cases},
    )
    return BackupResult(target, target.stat().st_size, cases)


# -- restore -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreResult:
    cases: int
    source: Path
    source_version: int  # the backup's schema version (migrated to the current one)
    kept: Path  # the content before the restore, itself a backup `desk db restore` takes
    kept_problems: list[str] = field(default_factory=list)  # why `kept` would be refused


def restore(
    database: sqlite_utils.Database,
    actor: Actor | None,
    source_path: Path,
    *,
    keep_copy: Path,
    now: datetime | None = None,
) -> RestoreResult:
    """Replace the database's content with a checked backup; the current content is saved to
    `keep_copy` first, in the same moment. Refusals (`ActionRefused`, `InvalidInput`) leave
    the database as it was and are written to its audit log."""
    now = now or utc_now()
    source_path = source_path.expanduser()
    keep_copy = keep_copy.expanduser()
    here = database_path(database)
    if not here:
        raise InvalidInput(t("safe.in_memory"))
    live = Path(here)
    try:
        _require_admin(actor, "safe.action.restore", database)
        if not source_path.is_file():
            raise InvalidInput(t("safe.no_backup", path=source_path))
        if live.resolve() == source_path.resolve():
            raise InvalidInput(t("safe.same_file", path=source_path))
        if keep_copy.exists():
            raise InvalidInput(t("safe.exists", path=keep_copy))
        with _staged(source_path, live, database) as (staging, checked):
            _swap(database, staging, keep_copy)
    except (ActionRefused, InvalidInput) as refusal:
        # The refusal is what the admin must see: an audit entry that cannot be written (the
        # database stayed locked by another writer) does not replace it.
        with contextlib.suppress(StorageError, sqlite3.Error):
            _audit(database, actor, now, "restore_refused", source_path, {"reason": str(refusal)})
        raise
    except Exception as failure:  # the live database is unchanged: say so in its audit log too
        with contextlib.suppress(Exception):
            _audit(database, actor, now, "restore_failed", source_path, {"reason": str(failure)})
        raise
    # The whole database went through the WAL: give the space back unless desks are reading.
    with contextlib.suppress(sqlite3.Error):
        database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _audit(
        database,
        actor,
        now,
        "restore",
        source_path,
        {
            "previous_saved_to": str(keep_copy.resolve()),
            "cases": checked.cases,
            "backup_schema": checked.version,
            "schema": CURRENT_VERSION,
        },
    )
    try:
        inspect(keep_copy)
        kept_problems: list[str] = []
    except InvalidInput as problem:
        kept_problems = [str(problem)]
    return RestoreResult(checked.cases, source_path, checked.version, keep_copy, kept_problems)


def _audit(
    database: sqlite_utils.Database,
    actor: Actor | None,
    now: datetime,
    action: str,
    source: Path,
    detail: dict[str, Any],
) -> None:
    audit.record(
        database,
        at=to_text(now),
        actor_nip=actor.nip if actor else None,
        action=action,
        detail={"from": str(source.resolve()), **detail},
    )


def _copy_bytes(source: Path, target: Path) -> None:
    """Copy a file into `target`, created owner-only (or emptied if it exists)."""
    with source.open("rb") as reader, os.fdopen(open_private(target), "wb") as writer:
        shutil.copyfileobj(reader, writer, 1024 * 1024)


@contextlib.contextmanager
def _staged(
    source: Path, live: Path, database: sqlite_utils.Database
) -> Iterator[tuple[Path, Inspection]]:
    """A private copy of `source` beside `live`, checked whole and brought up to the current
    schema; removed afterwards whatever happens."""
    staging = live.with_name(f".{live.name}.restore-{secrets.token_hex(4)}")
    try:
        try:
            # The file's bytes (and its -wal, if it has one) are copied before SQLite sees
            # them: SQLite opens only the private copy, and nothing appears beside the
            # backup the user named (opening a WAL file, even read-only, makes -wal and -shm).
            _copy_bytes(source, staging)
            if Path(f"{source}-wal").is_file():
                _copy_bytes(Path(f"{source}-wal"), Path(f"{staging}-wal"))
            with contextlib.closing(_untrusted(staging, read_only=False)) as copy:
                copy.execute("PRAGMA journal_mode = DELETE")  # folds the -wal in, if any
        except sqlite3.DatabaseError as error:
            raise InvalidInput(t("safe.damaged", path=source, detail=error)) from None
        except OSError as error:
            reason = error.strerror or error
            raise InvalidInput(t("safe.cannot_write", path=staging, reason=reason)) from None
        checked = inspect(staging, label=source)
        if checked.central != is_central(database.conn):
            kinds = {False: t("safe.kind.desk"), True: t("safe.kind.central")}
            raise InvalidInput(
                t(
                    "safe.kind_mismatch",
                    path=source,
                    here=live,
                    found=kinds[checked.central],
                    expected=kinds[not checked.central],
                )
            )
        page_size = int(database.execute("PRAGMA page_size").fetchone()[0])
        _bring_up_to_date(staging, source, page_size)
        yield staging, checked
    finally:
        for leftover in ("", "-wal", "-shm", "-journal"):
            Path(f"{staging}{leftover}").unlink(missing_ok=True)


def _bring_up_to_date(staging: Path, source: Path, page_size: int) -> None:
    """Migrate the checked copy, rebuild any index a stopped load left out, check its search
    index, and give it the live database's page size (a WAL database takes a backup of its own
    page size only)."""
    with contextlib.closing(_untrusted(staging, read_only=False)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
        if int(conn.execute("PRAGMA page_size").fetchone()[0]) != page_size:
            conn.execute(f"PRAGMA page_size = {int(page_size)}")
            conn.execute("VACUUM")
    # Its schema is now known to be exactly desk's: it may be opened as a desk database.
    copy = open_database(staging)
    try:
        restore_indexes(copy, force=True)
        try:
            copy.execute("INSERT INTO case_search(case_search) VALUES ('integrity-check')")
        except sqlite3.DatabaseError as error:
            raise InvalidInput(t("safe.search_broken", path=source, detail=error)) from None
        problems = schema_problems(copy.conn, missing_indexes=True)
        if problems:  # the migrations made something else than desk's schema: never restore it
            raise DeskError(t("safe.not_desk", path=source, detail=summary(problems)))
        copy.execute("PRAGMA journal_mode = DELETE")
    finally:
        copy.conn.close()


class _StillBusy(Exception):
    pass


def _swap(database: sqlite_utils.Database, staging: Path, keep_copy: Path) -> None:
    """Write the staging copy into the live database in one write transaction, copying the
    current content to `keep_copy` while that transaction holds the write lock.

    The backup API opens its write transaction on the destination at its first step and holds
    it to the last: a copy taken by another connection after the first step sees exactly the
    last committed content, and no desk can commit anything until the restore has. A failure
    before the last step rolls the live database back untouched.
    """
    here = database_path(database)
    started = time.monotonic()
    kept = False

    def step(status: int, remaining: int, total: int) -> None:
        nonlocal kept
        if status in _SQLITE_BUSY:
            if time.monotonic() - started > BUSY_LIMIT_SECONDS:
                raise _StillBusy
            return
        if not kept:
            with contextlib.closing(sqlite3.connect(here)) as reader:
                _copy_database(reader, keep_copy)
            kept = True

    with contextlib.closing(sqlite3.connect(staging)) as source:
        total = int(source.execute("PRAGMA page_count").fetchone()[0])
        if total < 2:  # a desk schema has dozens of pages; with one the copy aside would be late
            raise DeskError(t("safe.not_desk", path=staging, detail="page_count"))
        # Fewer pages than the whole in the first step, so the copy aside comes before the end.
        pages = max(1, min(1024, (total - 1) // 2))
        try:
            source.backup(database.conn, pages=pages, progress=step, sleep=0.05)
        except _StillBusy:
            raise InvalidInput(t("safe.busy", seconds=int(BUSY_LIMIT_SECONDS))) from None


def audit_entries(
    database: sqlite_utils.Database,
    actor: Actor,
    *,
    case_id: int | None = None,
    officer_nip: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The latest audit entries, newest first: admins and heads only (it names officers)."""
    if actor.role is Role.PETUGAS:
        raise ActionRefused(t("safe.audit_readers", role=role_label(actor.role.value)))
    clauses: list[str] = []
    params: list[Any] = []
    if case_id is not None:
        clauses.append("a.case_id = ?")
        params.append(case_id)
    if officer_nip is not None:
        clauses.append("a.actor_nip = ?")
        params.append(officer_nip)
    where = " AND ".join(clauses) or "1"
    rows = database.query(
        "SELECT a.seq, a.at, a.actor_nip, o.name AS actor_name, a.action, a.case_id, "
        "c.tracking_no, a.detail FROM audit_log AS a "
        "LEFT JOIN officers AS o ON o.nip = a.actor_nip "
        f"LEFT JOIN cases AS c ON c.id = a.case_id WHERE {where} ORDER BY a.seq DESC LIMIT ?",
        [*params, limit],
    )
    entries = []
    for row in rows:
        row["detail"] = json.loads(row["detail"] or "{}")
        entries.append(row)
    return entries
