"""`desk central migrate`: the exact copy of a SQLite central store into an empty PostgreSQL one.

Desks continue on the new store as if nothing happened (docs/central-postgresql.md, section 7):
the same epoch, the same change numbers, the same ids, every applied op id (a re-sent op still
answers `duplicate`) and the audit chain byte for byte. So the copy is all or nothing:

- The SQLite file is held with `BEGIN IMMEDIATE` for the whole copy: a server still running
  waits instead of writing a change the copy would miss; a writer already busy makes the
  migration refuse (`SourceLocked`) rather than wait behind it.
- Everything on PostgreSQL is one transaction: schema, rows (COPY), identities moved past the
  copied ids, the log's triggers (installed after the rows, so that copying numbers nothing),
  and the checks. A refusal or a failed check leaves the target as empty as it was.
- Only then is `central_meta.moved_to` written into the SQLite store, so that a `serve` on it
  refuses to start and two centrals never run. It is written inside the held SQLite
  transaction before PostgreSQL commits, and committed right after.

Nothing is ever dropped: a target that already holds central tables is refused
(`TargetNotEmpty`). Every refusal a user can act on is a `MigrationError` (a `DeskError`: its
message is shown as it is).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

import psycopg
from psycopg import sql

from db import audit
from db.migrations import CURRENT_VERSION
from desk.central import pg_changes, pg_setup
from desk.central.digest import bucket_key
from desk.errors import DeskError

MOVED_TO = "moved_to"  # the central_meta key of a SQLite store that moved
SOURCE_BUSY_TIMEOUT = 2.0  # seconds to wait for a write already under way on the SQLite file
CONNECT_TIMEOUT = 10  # seconds
FETCH_ROWS = 5000  # SQLite rows read at a time while copying

# Columns PostgreSQL has and SQLite does not, and where their values come from.
_DERIVED_COLUMNS: dict[str, str] = {
    "cases": "bucket",  # bucket_key(local_id): SQLite computes it with a Python function
    "applied_ops": "n",  # SQLite's rowid: "the latest op" keeps its meaning
}

# Rows the new store has of its own, beside the copied ones.
_NOT_COPIED: dict[str, str] = {"central_meta": "key <> 'schema_version'"}


class MigrationError(DeskError):
    """The migration refused or failed; nothing was changed on either side."""


class SourceNotCentral(MigrationError):
    """The SQLite file is missing, not a database, not a central store, or of another version."""


class SourceAuditBroken(MigrationError):
    """The SQLite store's own audit chain does not verify: a copy would carry the break over."""


class SourceMoved(MigrationError):
    """The SQLite store was migrated already (it names where to)."""


class SourceLocked(MigrationError):
    """Another process is writing to the SQLite store (a central server still running)."""


class TargetUnreachable(MigrationError):
    """PostgreSQL could not be reached with the connection string given."""


class TargetNotEmpty(MigrationError):
    """The PostgreSQL database already holds central tables."""


class CopyFailed(MigrationError):
    """PostgreSQL refused a row or a statement of the copy."""


class VerificationFailed(MigrationError):
    """The copy does not match its source (counts, the end of the change log, the audit chain)."""


@dataclass(frozen=True)
class MigrationReport:
    source: str  # the SQLite file
    target: str  # the PostgreSQL store, without its password (as written in `moved_to`)
    epoch: str  # the PostgreSQL store's epoch
    new_epoch: bool  # whether it differs from the SQLite store's (desks then re-pull once)
    rows: dict[str, int]  # rows copied, per table, in copy order
    last_seq: int  # the end of the change log on both sides
    audit_head: int  # the last audit entry on both sides (0: none)
    seconds: float


def migrate(
    sqlite_path: str | os.PathLike[str],
    dsn: str,
    *,
    new_epoch: bool = False,
    busy_timeout: float = SOURCE_BUSY_TIMEOUT,
) -> MigrationReport:
    """Copy the SQLite central store at `sqlite_path` into the empty PostgreSQL database `dsn`.

    With `new_epoch`, the PostgreSQL store gets an epoch of its own: every cursor given out
    before answers 410 and each desk re-pulls once (for a copy that is not exact, such as a
    restored backup). Raises a `MigrationError` for anything a user can act on.
    """
    started = time.monotonic()
    target = dsn_without_password(dsn)
    source = _open_source(Path(sqlite_path), busy_timeout)
    try:
        _begin_immediate(source, Path(sqlite_path))
        try:
            old_epoch = _check_source(source, Path(sqlite_path))
            pg = _connect(dsn, target)
            try:
                with pg.transaction():
                    rows, last_seq, audit_head = _copy(source, pg, target)
                    epoch = old_epoch
                    if new_epoch:
                        epoch = _fresh_epoch(pg, old_epoch)
                    # Before PostgreSQL commits: only our own commit can fail after it.
                    source.execute(
                        "INSERT INTO central_meta (key, value) VALUES (?, ?)", [MOVED_TO, target]
                    )
            except psycopg.Error as error:
                pg.close()
                raise CopyFailed(
                    f"Copying into {target} failed, nothing was kept: {error}"
                ) from error
            source.execute("COMMIT")
            _analyze(pg)
        finally:
            if source.in_transaction:
                source.execute("ROLLBACK")
    finally:
        source.close()
    return MigrationReport(
        source=str(sqlite_path),
        target=target,
        epoch=epoch,
        new_epoch=new_epoch,
        rows=rows,
        last_seq=last_seq,
        audit_head=audit_head,
        seconds=time.monotonic() - started,
    )


def _analyze(pg: psycopg.Connection[Any]) -> None:
    """Planner statistics for the copied tables now: without them the first digests and pages
    are planned blind (a digest ~4× slower) until autovacuum gets to the tables. Best effort:
    the copy is committed and complete either way."""
    try:
        pg.autocommit = True
        pg.execute("ANALYZE")
    except psycopg.Error:
        pass
    finally:
        pg.close()


def dsn_without_password(dsn: str) -> str:
    """`dsn` as a postgresql:// URL without its password (safe to store and to show)."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError as error:
        raise TargetUnreachable(f"Not a PostgreSQL connection string: {error}") from None
    user = quote(str(parts.pop("user")), safe="") + "@" if parts.get("user") else ""
    host = str(parts.pop("host", "") or "")
    port = f":{parts.pop('port')}" if parts.get("port") else ""
    database = quote(str(parts.pop("dbname", "") or ""), safe="")
    parts.pop("password", None)
    query = "&".join(f"{key}={quote(str(value), safe='')}" for key, value in sorted(parts.items()))
    # A socket directory's slashes are percent-encoded, as libpq reads them back.
    return f"postgresql://{user}{quote(host, safe=',')}{port}/{database}" + (
        f"?{query}" if query else ""
    )


# The source -----------------------------------------------------------------------------------


def _open_source(path: Path, busy_timeout: float) -> sqlite3.Connection:
    # mode=rw: a path that does not exist is refused, never created empty.
    try:
        source = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=rw",
            uri=True,
            isolation_level=None,
            timeout=busy_timeout,
        )
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as error:
        raise SourceNotCentral(f"Cannot open {path} as a central store: {error}") from None
    return source


def _begin_immediate(source: sqlite3.Connection, path: Path) -> None:
    try:
        source.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise SourceLocked(
                f"{path} is being written by another process (is its central server still "
                "running?): stop it, then migrate."
            ) from None
        raise SourceNotCentral(f"Cannot open {path} as a central store: {error}") from None


def _check_source(source: sqlite3.Connection, path: Path) -> str:
    """The source's epoch, once it is known to be a central store of this desk version that
    has not moved already."""
    tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = [table for table in pg_setup.CENTRAL_TABLES if table not in tables]
    if missing:
        raise SourceNotCentral(
            f"{path} is not a central store (it has no {', '.join(missing[:3])} table)."
        )
    version = int(source.execute("PRAGMA user_version").fetchone()[0])
    if version != CURRENT_VERSION:
        advice = (
            "run `desk central office list` on it with this desk version once (it brings the "
            "schema up to date), then migrate"
            if version < CURRENT_VERSION
            else "upgrade desk to migrate it"
        )
        raise SourceNotCentral(
            f"{path} has desk schema version {version}, this desk {CURRENT_VERSION}: {advice}."
        )
    meta = dict(source.execute("SELECT key, value FROM central_meta").fetchall())
    if MOVED_TO in meta:
        raise SourceMoved(
            f"{path} was migrated to {meta[MOVED_TO]} already. To migrate it again, delete the "
            f"'{MOVED_TO}' row of its central_meta table first."
        )
    if "epoch" not in meta:
        raise SourceNotCentral(f"{path} is not a central store (it has no epoch).")
    # Copied byte for byte, a broken chain would stay broken, and look as if the new store
    # broke it: refuse, for the central admin to investigate on the store where it happened.
    chain_break = audit.verify(cast(Any, source))
    if chain_break is not None:
        raise SourceAuditBroken(
            f"The audit chain of {path} does not verify ({chain_break.problem}): investigate "
            "it before migrating."
        )
    return str(meta["epoch"])


# The copy -------------------------------------------------------------------------------------


def _connect(dsn: str, target: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        cause = lines[0] if lines else type(error).__name__
        raise TargetUnreachable(f"Cannot connect to {target}: {cause}") from None


def _copy(
    source: sqlite3.Connection, pg: psycopg.Connection[Any], target: str
) -> tuple[dict[str, int], int, int]:
    """Everything, inside the caller's PostgreSQL transaction: rows per table, the end of the
    change log, the audit head."""
    # The schema lock first: a server starting on the target meanwhile waits for our commit and
    # then finds the schema made, and a second migration into it is refused.
    pg.execute("SELECT pg_advisory_xact_lock(%s)", [pg_changes.SCHEMA_LOCK_KEY])
    found = pg_setup.existing_tables(pg)
    if found:
        raise TargetNotEmpty(
            f"{target} already holds central tables ({', '.join(found[:4])}): migrate into an "
            "empty database. Nothing was changed."
        )
    pg_setup.create_tables(pg)
    rows = {table: copy_table(source, pg, table) for table in pg_setup.CENTRAL_TABLES}
    move_identities_past_copied_ids(source, pg)
    pg_setup.install_log_triggers(pg)
    return rows, *_verify(source, pg, rows)


def copy_table(source: sqlite3.Connection, pg: psycopg.Connection[Any], table: str) -> int:
    columns = _copied_columns(source, pg, table)
    derived = _DERIVED_COLUMNS.get(table)
    selected = ", ".join(f'"{column}"' for column in columns)
    if derived == "n":
        selected += ", rowid"
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, [*columns, *([derived] if derived else [])])),
    )
    local_id = columns.index("local_id") if derived == "bucket" else -1
    count = 0
    with pg.cursor() as cursor, cursor.copy(statement) as copy:
        for row in _rows(source, f'SELECT {selected} FROM "{table}" ORDER BY rowid'):
            if any(isinstance(value, bytes) for value in row):
                raise CopyFailed(f"{table} holds binary data in a text column: {row[:2]!r}...")
            if derived == "bucket":
                row = (*row, bucket_key(str(row[local_id])))
            copy.write_row(row)
            count += 1
    return count


def _copied_columns(
    source: sqlite3.Connection, pg: psycopg.Connection[Any], table: str
) -> list[str]:
    """The columns both sides store, in PostgreSQL's order; refused unless the sets match, so
    that no SQLite column is silently left behind."""
    ours = [
        str(row[0])
        for row in pg.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
            [table],
        )
    ]
    derived = _DERIVED_COLUMNS.get(table)
    ours = [column for column in ours if column != derived]
    # table_xinfo: hidden 0 is a stored column; 2 and 3 are generated ones (due_sort).
    theirs = [
        str(row[1]) for row in source.execute(f'PRAGMA table_xinfo("{table}")') if int(row[6]) == 0
    ]
    if set(ours) != set(theirs):
        unknown = sorted(set(theirs) - set(ours))
        missing = sorted(set(ours) - set(theirs))
        raise SourceNotCentral(
            f"The SQLite table {table} does not have the columns this desk copies "
            f"(unknown: {', '.join(unknown) or '-'}; missing: {', '.join(missing) or '-'})."
        )
    return ours


def _rows(source: sqlite3.Connection, query: str) -> Iterator[tuple[Any, ...]]:
    cursor = source.execute(query)
    while batch := cursor.fetchmany(FETCH_ROWS):
        yield from batch


def move_identities_past_copied_ids(
    source: sqlite3.Connection, pg: psycopg.Connection[Any]
) -> None:
    """Every identity, and the change log's sequence, continue after the highest copied value."""
    identities = pg.execute(
        "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relname = ANY(%s) AND pg_table_is_visible(c.oid) AND a.attidentity <> '' "
        "ORDER BY c.relname",
        [list(pg_setup.CENTRAL_TABLES)],
    ).fetchall()
    for table, column in identities:
        pg.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max({}), 0) + 1, false) "
                "FROM {}"
            ).format(sql.Identifier(column), sql.Identifier(table)),
            [table, column],
        )
    # AUTOINCREMENT: SQLite never reuses a change number, even one whose row is gone.
    row = source.execute(
        "SELECT seq FROM sqlite_sequence WHERE name = 'central_changes'"
    ).fetchone()
    handed_out = int(row[0]) if row else 0
    pg.execute(
        "SELECT setval('central_changes_seq', "
        "greatest(%s, (SELECT coalesce(max(seq), 0) FROM central_changes)) + 1, false)",
        [handed_out],
    )


def _verify(
    source: sqlite3.Connection, pg: psycopg.Connection[Any], rows: dict[str, int]
) -> tuple[int, int]:
    """Counts per table, the end of the change log and the audit chain, on both sides."""
    for table, copied in rows.items():
        theirs = int(source.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        copies_only = sql.SQL(_NOT_COPIED.get(table, "true"))
        found = pg.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE {}").format(sql.Identifier(table), copies_only)
        )
        ours = int(cast(tuple[int], found.fetchone())[0])
        if not theirs == copied == ours:
            raise VerificationFailed(
                f"{table}: {theirs} rows in SQLite, {copied} copied, {ours} in PostgreSQL."
            )
    their_seq = int(
        source.execute("SELECT coalesce(max(seq), 0) FROM central_changes").fetchone()[0]
    )
    our_seq = pg_changes.last_seq(pg)
    if their_seq != our_seq:
        raise VerificationFailed(f"The change log ends at {their_seq} in SQLite, {our_seq} here.")
    # db/audit.py's checks run as they are: their SQL is plain, and a psycopg connection's
    # execute() answers with rows as sqlite_utils' does. The source's chain verified already.
    chain_break = audit.verify(cast(Any, pg))
    their_head, our_head = audit.head(cast(Any, source)), audit.head(cast(Any, pg))
    if chain_break is not None or our_head != their_head:
        problem = chain_break.problem if chain_break else "it verifies"
        raise VerificationFailed(
            f"The audit chain was not copied exactly: it ends at {our_head[0]} here, at "
            f"{their_head[0]} in SQLite ({problem})."
        )
    return our_seq, our_head[0]


def _fresh_epoch(pg: psycopg.Connection[Any], old: str) -> str:
    epoch = pg_setup.new_epoch_value()
    while epoch == old:
        epoch = pg_setup.new_epoch_value()
    pg.execute("UPDATE central_meta SET value = %s WHERE key = 'epoch'", [epoch])
    return epoch
