"""Bulk loading: secondary indexes dropped for a large load, and always put back.

Inserting a million rows into tables that carry a dozen B-tree indexes in random key order
costs more than the rows themselves; building each index once, sorted, after the load costs a
fraction of it. `drop_indexes` drops the secondary indexes of the tables a load writes (never a
UNIQUE one: the upsert looks cases up by them, and they are constraints), noting in `settings`
which process did it; `restore_indexes` creates every index of the schema that is missing.

Which indexes belong to the schema is not written down twice: `schema_indexes` builds the
current schema from the migration scripts in an in-memory database (once per process) and
reads its indexes. So a load that was killed between the drop and the rebuild (power cut,
kill -9) leaves nothing wrong for long: `open_database` calls `restore_indexes`, which puts
the missing indexes back unless the process that dropped them is still alive and loading.
Triggers are never touched here.

The search index's automatic merging is paused for the load too (FTS5 `automerge` = 0): every
chunk's commit otherwise merges part of the index again, rewriting it many times over; the
importer merges it once at the end. The setting is noted with the indexes and put back with them.
Segments cannot pile up meanwhile: FTS5 still merges a level that reaches `crisismerge` (16).
"""

from __future__ import annotations

import functools
import json
import os
import socket
import sqlite3

import sqlite_utils

from db.connection import BULK_LOAD_MARKER, write_transaction

MARKER = BULK_LOAD_MARKER  # settings key: who dropped which indexes
# Kept during a load: appended to in key order (cheap), and what updating a case's timeline
# looks events up by.
KEEP = frozenset({"events_by_case"})
SEARCH_INDEX = "case_search"
DEFAULT_AUTOMERGE = 4  # FTS5's own default, when the index has no setting of its own


@functools.lru_cache(maxsize=4)
def _schema_indexes(version: int) -> dict[str, tuple[str, str]]:
    from db.connection import open_database
    from db.migrations import migrate

    memory = open_database(":memory:", migrate=False)
    try:
        migrate(memory, version)
        rows = memory.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master "
            "WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        ).fetchall()
    finally:
        memory.conn.close()
    return {str(name): (str(table), str(sql)) for name, table, sql in rows}


def schema_indexes(database: sqlite_utils.Database) -> dict[str, tuple[str, str]]:
    """Every index the schema of `database`'s version defines: name -> (table, CREATE sql)."""
    version = int(database.execute("PRAGMA user_version").fetchone()[0])
    return _schema_indexes(version)


def missing_indexes(database: sqlite_utils.Database) -> dict[str, str]:
    """The schema's indexes that `database` lacks: name -> CREATE sql."""
    present = {
        str(name)
        for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
    }
    return {
        name: sql for name, (_table, sql) in schema_indexes(database).items() if name not in present
    }


def left_by_a_stopped_load(database: sqlite_utils.Database) -> list[str]:
    """The schema's indexes missing from `database` that no running bulk load will build
    (`restore_indexes` builds them); [] when none are missing."""
    schema_indexes(database)  # built first (once per process): the two reads below are close
    database.execute("SAVEPOINT left_by_a_stopped_load")  # and see the same moment
    try:
        missing = missing_indexes(database)
        marker = _marker(database)
    finally:
        database.execute("RELEASE left_by_a_stopped_load")
    if not missing or _loading_elsewhere(marker):
        return []
    return sorted(missing)


def _owner() -> dict[str, object]:
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _marker(database: sqlite_utils.Database) -> dict[str, object] | None:
    row = database.execute("SELECT value FROM settings WHERE key = ?", [MARKER]).fetchone()
    if row is None:
        return None
    try:
        found = json.loads(row[0])
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _loading_elsewhere(marker: dict[str, object] | None) -> bool:
    """True when another process on this machine dropped the indexes and still runs."""
    if not marker or marker.get("host") != socket.gethostname():
        return False
    pid = marker.get("pid")
    if not isinstance(pid, int) or pid == os.getpid():
        return False
    if os.name == "nt":  # os.kill(pid, 0) would send Ctrl-C there: assume it ended (rebuilding
        return False  # under a live load is only slower, never wrong)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True


def drop_indexes(
    database: sqlite_utils.Database, tables: tuple[str, ...] = ("cases", "events", "reporters")
) -> list[str]:
    """Drop the schema's non-UNIQUE indexes on `tables` (but `KEEP`) for a bulk load, in one
    transaction that also notes them; return their names. Call `restore_indexes` after."""
    schema = schema_indexes(database)
    with write_transaction(database):
        present = {
            str(name): str(sql)
            for name, sql in database.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join('?' for _ in tables)})",
                list(tables),
            )
        }
        names = [
            name
            for name, sql in sorted(present.items())
            if name in schema
            and name not in KEEP
            and not sql.lstrip().upper().startswith("CREATE UNIQUE")
        ]
        if not names:
            return []
        note: dict[str, object] = {**_owner(), "indexes": names}
        automerge = _search_automerge(database)
        if automerge is not None:
            note["search_automerge"] = automerge
            _set_search_automerge(database, 0)
        database.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
            [MARKER, json.dumps(note)],
        )
        for name in names:
            database.execute(f'DROP INDEX "{name}"')
    return names


def _search_automerge(database: sqlite_utils.Database) -> int | None:
    """The search index's `automerge` setting, or None when the database has no search index."""
    if not database[f"{SEARCH_INDEX}_config"].exists():
        return None
    row = database.execute(f"SELECT v FROM {SEARCH_INDEX}_config WHERE k = 'automerge'").fetchone()
    return int(row[0]) if row is not None else DEFAULT_AUTOMERGE


def _set_search_automerge(database: sqlite_utils.Database, value: int) -> None:
    database.execute(
        f"INSERT INTO {SEARCH_INDEX} ({SEARCH_INDEX}, rank) VALUES ('automerge', ?)", [value]
    )


def restore_indexes(database: sqlite_utils.Database, *, force: bool = False) -> list[str]:
    """Create the schema's missing indexes and clear the bulk-load note; return their names.

    Leaves them to a bulk load that another live process is running (unless `force`): it
    rebuilds them itself when it ends.
    """
    missing = missing_indexes(database)
    marker = _marker(database)
    if not missing and marker is None:
        return []
    if not force and _loading_elsewhere(marker):
        return []
    # CREATE INDEX sorts the table's keys: let SQLite sort with helper threads (other cores).
    threads = int(database.execute("PRAGMA threads").fetchone()[0])
    database.execute(f"PRAGMA threads = {max(threads, min(4, os.cpu_count() or 1))}")
    try:
        with write_transaction(database):
            missing = missing_indexes(database)  # another process may have restored them
            for sql in missing.values():
                database.execute(sql)
            automerge = (_marker(database) or {}).get("search_automerge")
            if isinstance(automerge, int) and _search_automerge(database) is not None:
                _set_search_automerge(database, automerge)
            database.execute("DELETE FROM settings WHERE key = ?", [MARKER])
    finally:
        database.execute(f"PRAGMA threads = {threads}")
    return sorted(missing)


def heal(database: sqlite_utils.Database) -> list[str]:
    """`restore_indexes` for `open_database`: never stops a database from opening (a read-only
    file, a lock held too long: the indexes are only for speed, the next open tries again).

    Only a database with a bulk load's note is looked at: the note is written in the same
    transaction as the drop, and reading it costs a lookup, where knowing the schema's indexes
    costs building the schema in memory (~40 ms, once per process) on every command's start.
    """
    try:
        if database.execute("SELECT 1 FROM settings WHERE key = ?", [MARKER]).fetchone() is None:
            return []
        return restore_indexes(database)
    except sqlite3.Error:
        return []
