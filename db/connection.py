"""Opening a desk database and running write transactions on it."""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import sqlite_utils

from db.errors import StorageError, explain
from db.stemming import stem_text

BUSY_TIMEOUT_MS = 5_000
# A database holds every reporter's personal data and the officers' PIN hashes: its files are
# readable and writable by their owner alone (docs/security.md, "Files on disk").
PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def tighten(path: str | os.PathLike[str]) -> bool:
    """Take group and other rights away from a file or folder desk owns; True when it changed.

    A file someone else owns, or one on a file system that refuses chmod, is left as it is.
    Windows has no such modes: nothing to do there.
    """
    if os.name == "nt":
        return False
    try:
        info = os.stat(path)
        if not info.st_mode & _OTHERS or info.st_uid != os.geteuid():
            return False
        os.chmod(path, stat.S_IMODE(info.st_mode) & ~_OTHERS)
    except OSError:
        return False
    return True


def create_private(path: str | os.PathLike[str]) -> int:
    """Create a new file readable by its owner alone and return its descriptor (open for
    writing). `FileExistsError` when it exists: a private file is never one someone prepared."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return os.open(path, flags, PRIVATE_FILE)


def open_private(path: str | os.PathLike[str]) -> int:
    """Open a file for writing, readable by its owner alone, emptying what it held (a path the
    user named may already exist: an earlier receipt, an earlier errors file). Returns the
    descriptor."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags, PRIVATE_FILE)
    if os.name != "nt":
        # An existing file keeps its old mode otherwise; someone else's file we may write to
        # keeps theirs (chmod refused).
        with contextlib.suppress(OSError):
            os.fchmod(descriptor, PRIVATE_FILE)
    return descriptor


def private_folder(path: str | os.PathLike[str]) -> None:
    """Make sure the folder exists and only its owner can enter it (its parents are not
    changed)."""
    folder = Path(path)
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    tighten(folder)


def create_private_database(path: str | os.PathLike[str]) -> None:
    """Create the database file owner-only before SQLite opens it (SQLite gives its -wal and
    -shm files the database file's mode). An existing file is left alone here: see
    `tighten_database_files`."""
    with contextlib.suppress(OSError):  # exists already, or SQLite will say why it cannot open
        os.close(create_private(path))


def tighten_database_files(path: str | os.PathLike[str]) -> list[str]:
    """Close an existing looser database and its -wal and -shm to others; the files changed.

    Called only once SQLite has read the file as a database: a file named by mistake (`--db
    /etc/passwd`) is refused, never re-moded. Why not look at the file's header first: opening
    and closing a database file in a process that holds SQLite connections to it drops that
    process's POSIX locks on it, and another process then takes itself for the last user and
    deletes the -wal and -shm under the open connections ("disk I/O error"). `os.stat` and
    `os.chmod` take no lock.
    """
    location = str(path)
    return [name for name in (location, location + "-wal", location + "-shm") if tighten(name)]


def open_database(path: str | os.PathLike[str], *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating if needed) the database at `path`, ready for desk.

    The connection runs in autocommit mode (transactions are explicit, see `write_transaction`),
    uses WAL so readers never block the writer, waits up to five seconds for a lock, enforces
    foreign keys, and may be handed to a worker thread. With `migrate`, an older schema is
    brought up to date and a newer one is refused with `DatabaseTooNew`.
    """
    location = str(path)
    if location != ":memory:":
        folder = Path(location).expanduser().resolve().parent
        if not folder.is_dir():
            raise StorageError(
                f"Cannot create {location}: the folder {folder} does not exist.",
                "storage.no_folder",
                path=location,
                folder=folder,
            )
        create_private_database(location)
    try:
        conn = sqlite3.connect(
            location,
            isolation_level=None,
            check_same_thread=False,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
    except sqlite3.Error as error:
        raise explain(error, location) from error
    try:
        conn.create_function("desk_stem", 1, stem_text, deterministic=True)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if location != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(
            "PRAGMA synchronous = NORMAL"
        )  # safe with WAL: a crash loses no committed data
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -32000")  # 32 MB of page cache
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as error:
        conn.close()
        raise explain(error, location) from error
    if location != ":memory:":
        tighten_database_files(location)  # a database: now it may be closed to others
    # No sqlite-utils plugins: desk uses none, and any installed one would get to change every
    # connection; finding them scanned every installed package (17 ms of each command's start).
    database = sqlite_utils.Database(conn, execute_plugins=False)
    if migrate:
        from db.migrations import migrate as run_migrations

        try:
            run_migrations(database)
        except sqlite3.Error as error:
            conn.close()
            raise explain(error, location) from error
        except StorageError:
            conn.close()
            raise
        if _bulk_load_noted(database):  # a killed bulk load left its indexes dropped
            from db.bulk_load import heal

            heal(database)
    return database


BULK_LOAD_MARKER = "bulk_load.dropped_indexes"  # settings key: who dropped which indexes


def _bulk_load_noted(database: sqlite_utils.Database) -> bool:
    """Whether a bulk load's note is there (db/bulk_load.py is imported only then: 4 ms of
    every command's start otherwise)."""
    try:
        query = "SELECT 1 FROM settings WHERE key = ?"
        return database.execute(query, [BULK_LOAD_MARKER]).fetchone() is not None
    except sqlite3.Error:
        return False  # heal() never stops a database from opening either


def database_path(database: sqlite_utils.Database) -> str:
    """The file behind a connection ("" for an in-memory database)."""
    row = database.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row else ""


@contextlib.contextmanager
def write_transaction(database: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run the block as one write transaction: all of it is written, or none of it.

    The outermost block starts with BEGIN IMMEDIATE, taking the write lock up front: a deferred
    transaction that reads and then writes can fail with "database is locked" under concurrency
    even with a busy timeout. A nested block becomes a savepoint, so services can be combined
    into one larger transaction (a bulk action over many cases).
    """
    conn = database.conn
    if conn.in_transaction:
        savepoint = f"desk_{secrets.token_hex(8)}"
        conn.execute(f"SAVEPOINT {savepoint}")
        try:
            yield database
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {savepoint}")
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as error:
        raise explain(error, database_path(database)) from error
    try:
        yield database
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except sqlite3.Error as error:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise explain(error, database_path(database)) from error
