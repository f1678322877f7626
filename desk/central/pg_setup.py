"""The PostgreSQL central store's schema: made by whichever worker starts first, once.

`ensure_schema(conn)` is what a starting server calls: the tables (desk/central/pg_schema.sql),
the change log's triggers and a first epoch, under one advisory lock and in one transaction, so
that workers starting at once neither race on `CREATE ... IF NOT EXISTS` (which is not safe
against a concurrent twin) nor see half a schema. The version in `central_meta.schema_version`
lets a start skip all of it when the schema is already there.

The tables and the log's triggers are separate steps (`create_tables`, `install_log_triggers`)
because `desk central migrate` copies the SQLite rows in between: a copied row must not number
a change or rewrite a case version.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import psycopg
from ulid import ULID

from desk.central import pg_changes
from desk.errors import DeskError

SCHEMA_VERSION = 1

# Every table of the central store, parents before children: the order the migration copies
# in (foreign keys are checked row by row, never deferred).
CENTRAL_TABLES: tuple[str, ...] = (
    "units",
    "officers",
    "settings",
    "regional_holidays",
    "offices",
    "office_units",
    "cases",
    "reporters",
    "events",
    "case_origin",
    "case_versions",
    "attachments",
    "attachment_claims",
    "applied_ops",
    "audit_log",
    "audit_witness",
    "audit_alarms",
    "central_meta",
    "central_changes",
)
# Made with them and never copied: the rate limit's buckets start full on a new store.
SCRATCH_TABLES: tuple[str, ...] = ("rate_buckets",)

# The tables whose changes a desk pulls, and how each is logged (desk/central/pg_changes.py).
LOG_SOURCES: dict[str, pg_changes.SourceKind] = {
    "cases": "case",
    "events": "event",
    "units": "reference",
    "officers": "reference",
}
# As on SQLite: an officer's PIN or sign-in attempts are not reference data a desk pulls.
LOG_WATCHED_COLUMNS: dict[str, tuple[str, ...]] = {
    "officers": ("name", "unit_code", "role", "active"),
}

# A new version writes which merge-relevant fields it changed (the conflict rule). Immediate,
# not deferred: the op judged next in the same transaction reads it.
CASE_VERSIONS_TRIGGER = """
CREATE OR REPLACE TRIGGER case_versions_upkeep AFTER UPDATE ON cases
FOR EACH ROW WHEN (NEW.version IS DISTINCT FROM OLD.version)
EXECUTE FUNCTION case_versions_upkeep()
"""


class SchemaTooNew(DeskError):
    """The database holds a central schema of a later desk version than this one."""


def ensure_schema(conn: psycopg.Connection[Any]) -> None:
    """Make the whole central schema, with its log triggers and an epoch; idempotent.

    Safe when several processes call it at once: one makes the schema, the others wait for its
    commit and find it made.
    """
    with conn.transaction():
        _lock(conn)
        version = stored_version(conn)
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"This PostgreSQL database holds central schema version {version}; this desk "
                f"knows only up to version {SCHEMA_VERSION}: upgrade desk to serve it."
            )
        create_tables(conn)
        install_log_triggers(conn)
        conn.execute(
            "INSERT INTO central_meta (key, value) VALUES ('epoch', %s) "
            "ON CONFLICT (key) DO NOTHING",
            [new_epoch_value()],
        )


def create_tables(conn: psycopg.Connection[Any]) -> None:
    """The tables, indexes and functions, without the log's triggers; records the version."""
    script = resources.files("desk.central").joinpath("pg_schema.sql").read_text(encoding="utf-8")
    with conn.transaction():
        _lock(conn)
        conn.execute(script)
        pg_changes.create_log(conn)
        conn.execute(
            "INSERT INTO central_meta (key, value) VALUES ('schema_version', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [str(SCHEMA_VERSION)],
        )


def install_log_triggers(conn: psycopg.Connection[Any]) -> None:
    """The triggers that keep `case_versions` and the change log; idempotent."""
    with conn.transaction():
        _lock(conn)
        conn.execute(CASE_VERSIONS_TRIGGER)
        pg_changes.install(conn, LOG_SOURCES, watched=LOG_WATCHED_COLUMNS)


def stored_version(conn: psycopg.Connection[Any]) -> int:
    """The schema version recorded in the database; 0 when it holds no central schema."""
    row = conn.execute("SELECT to_regclass('central_meta') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return 0
    row = conn.execute("SELECT value FROM central_meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def existing_tables(conn: psycopg.Connection[Any]) -> list[str]:
    """Which of the central store's tables (and the log's sequence) the database already has,
    in the schemas of its search path."""
    names = [*CENTRAL_TABLES, *SCRATCH_TABLES, "central_changes_seq"]
    rows = conn.execute(
        "SELECT name FROM unnest(%s::text[]) WITH ORDINALITY AS t (name, position) "
        "WHERE to_regclass(name) IS NOT NULL ORDER BY position",
        [names],
    ).fetchall()
    return [str(row[0]) for row in rows]


def new_epoch_value() -> str:
    """A new epoch, of the SQLite store's form (desk/central/store.py): short, and different
    from every earlier epoch of this store or of a copy of it."""
    return str(ULID())[-8:].lower()


def _lock(conn: psycopg.Connection[Any]) -> None:
    # Re-entrant within the transaction: the steps above nest without waiting for themselves.
    conn.execute("SELECT pg_advisory_xact_lock(%s)", [pg_changes.SCHEMA_LOCK_KEY])
