"""Versioned schema migrations, from an empty file to the current schema.

The version lives in SQLite's `user_version` (changed in the same transaction as the schema, so
a migration is applied whole or not at all) and each step is also recorded, with its time, in
`schema_migrations` for people reading the database.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

import sqlite_utils

from db.connection import database_path, write_transaction
from db.errors import DatabaseTooNew


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    script: str  # a file beside this module


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "cases, people, timeline, outbox, audit, search", "schema_v1.sql"),
    Migration(2, "reply drafts", "schema_v2.sql"),
    Migration(3, "search term counts", "schema_v3.sql"),
    Migration(4, "sync: event uids, conflicts, outbox states, sync log", "schema_v4.sql"),
    Migration(5, "counter intake: provisional numbers", "schema_v5.sql"),
    Migration(6, "clock instants of each case, for reports", "schema_v6.sql"),
    Migration(7, "counts of common search words", "schema_v7.sql"),
    Migration(8, "search filters in the deadline index", "schema_v8.sql"),
    Migration(9, "sync log checkpoints", "schema_v9.sql"),
)
CURRENT_VERSION = MIGRATIONS[-1].version


def schema_version(database: sqlite_utils.Database) -> int:
    return int(database.execute("PRAGMA user_version").fetchone()[0])


def statements(script: str) -> list[str]:
    """Split a SQL script into statements (triggers included) without executescript's COMMIT."""
    result: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            result.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete SQL statement at the end of the script: {buffer[:80]!r}")
    return result


def migrate(database: sqlite_utils.Database, target: int = CURRENT_VERSION) -> list[int]:
    """Bring the schema up to `target`; return the versions applied (empty when up to date)."""
    current = schema_version(database)
    if current > CURRENT_VERSION:
        path = database_path(database) or "This database"
        raise DatabaseTooNew(
            f"{path} uses schema version {current}, but this desk knows only up to version "
            f"{CURRENT_VERSION}: upgrade desk to open it.",
            "storage.too_new",
            path=path,
            version=current,
            known=CURRENT_VERSION,
        )
    applied = []
    for migration in MIGRATIONS:
        if current < migration.version <= target:
            apply(database, migration)
            applied.append(migration.version)
    return applied


def apply(database: sqlite_utils.Database, migration: Migration) -> None:
    script = resources.files("db").joinpath(migration.script).read_text(encoding="utf-8")
    with write_transaction(database):
        # Another process may have migrated while we waited for the write lock.
        if schema_version(database) >= migration.version:
            return
        database.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for statement in statements(script):
            database.execute(statement)
        database.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            [
                migration.version,
                migration.name,
                datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            ],
        )
        database.execute(f"PRAGMA user_version = {int(migration.version)}")
