"""The central SQLite database: the desk schema plus the server's own tables, and the offices.

The central database is a desk database (db.open_database migrates it), so cases, events,
reporters, units and officers have the same columns on both sides of a sync. On top of it,
desk/central/schema.sql adds offices and their tokens, the record of applied operations, the
change log that drives the feed (kept by triggers) and the feed's epoch.

These functions take the connection: at run time the server reaches them only through
`SqliteStore` (desk/central/sqlite_store.py), under its lock. `Office` lives in
desk/central/store_api.py (every store gives it) and is importable from here too.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from importlib import resources

import sqlite_utils
from ulid import ULID

from db import open_database, write_transaction
from db.migrations import statements
from db.timefmt import to_text, utc_now
from desk.central.store_api import MOVED_KEY, Office
from desk.errors import InvalidInput, NotFound
from desk.i18n import t

__all__ = [
    "Office",
    "add_office",
    "authenticate",
    "ensure_schema",
    "epoch",
    "fill_event_uids",
    "in_scope",
    "list_offices",
    "moved_to",
    "new_epoch",
    "open_central",
    "revoke_office",
    "scope_sql",
    "token_digest",
]


def open_central(path: str | os.PathLike[str]) -> sqlite_utils.Database:
    """Open (creating if needed) a central database, with the central tables and an epoch."""
    database = open_database(path)
    ensure_schema(database)
    return database


def ensure_schema(database: sqlite_utils.Database) -> None:
    script = resources.files("desk.central").joinpath("schema.sql").read_text(encoding="utf-8")
    with write_transaction(database):
        for statement in statements(script):
            database.execute(statement)
        database.execute(
            "INSERT OR IGNORE INTO central_meta (key, value) VALUES ('epoch', ?)",
            [_new_epoch_value()],
        )


def _new_epoch_value() -> str:
    # Short, and different from every earlier epoch of this or a restored copy of the store.
    return str(ULID())[-8:].lower()


def epoch(database: sqlite_utils.Database) -> str:
    row = database.execute("SELECT value FROM central_meta WHERE key = 'epoch'").fetchone()
    return str(row[0])


def moved_to(database: sqlite_utils.Database) -> str | None:
    """Where `desk central migrate` moved this store (a URL without password), or None."""
    row = database.execute("SELECT value FROM central_meta WHERE key = ?", [MOVED_KEY]).fetchone()
    return None if row is None else str(row[0])


def new_epoch(database: sqlite_utils.Database) -> str:
    """Start a new epoch: every cursor given out before answers 410 and desks re-pull."""
    value = _new_epoch_value()
    with write_transaction(database):
        database.execute("UPDATE central_meta SET value = ? WHERE key = 'epoch'", [value])
    return value


def fill_event_uids(database: sqlite_utils.Database) -> int:
    """Give every event without a uid (seeded, imported, automatic) one; returns how many."""
    filled = 0
    while True:
        with write_transaction(database):
            ids = [
                row[0]
                for row in database.execute(
                    "SELECT id FROM events WHERE uid IS NULL LIMIT 5000"
                ).fetchall()
            ]
            for event_id in ids:
                database.execute("UPDATE events SET uid = ? WHERE id = ?", [str(ULID()), event_id])
        filled += len(ids)
        if len(ids) < 5000:
            return filled


# Offices -----------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def office_request(name: str, units: list[str]) -> tuple[str, list[str]]:
    """The name and unit codes of an office to register, trimmed; refused when either is
    missing (every store checks the same)."""
    name = name.strip()
    if not name:
        raise InvalidInput(t("central.office.no_name"))
    codes = sorted({code.strip() for code in units if code.strip()})
    if not codes:
        raise InvalidInput(t("central.office.no_units"))
    return name, codes


def add_office(
    database: sqlite_utils.Database, name: str, units: list[str], *, coordinator: bool = False
) -> str:
    """Register an office for `units`; returns its new token (shown once, never stored)."""
    name, codes = office_request(name, units)
    token = secrets.token_urlsafe(32)
    with write_transaction(database):
        if database.execute("SELECT 1 FROM offices WHERE name = ?", [name]).fetchone():
            raise InvalidInput(t("central.office.exists", name=name))
        known = []
        for code in codes:
            row = database.execute(
                "SELECT code FROM units WHERE code = ? COLLATE NOCASE", [code]
            ).fetchone()
            if row is None:
                raise NotFound(t("notfound.unit", code=code))
            known.append(str(row[0]))
        database.execute(
            "INSERT INTO offices (name, token_sha256, coordinator, created_at) VALUES (?, ?, ?, ?)",
            [name, token_digest(token), int(coordinator), to_text(utc_now())],
        )
        for code in sorted(set(known)):
            database.execute(
                "INSERT INTO office_units (office, unit_code) VALUES (?, ?)", [name, code]
            )
    return token


def list_offices(database: sqlite_utils.Database) -> list[Office]:
    rows = database.execute(
        "SELECT name, coordinator, revoked_at, created_at FROM offices ORDER BY name"
    ).fetchall()
    return [
        _office(database, name, bool(c), revoked, created) for name, c, revoked, created in rows
    ]


def _office(
    database: sqlite_utils.Database, name: str, coordinator: bool, revoked: str | None, created: str
) -> Office:
    units = tuple(
        str(row[0])
        for row in database.execute(
            "SELECT unit_code FROM office_units WHERE office = ? ORDER BY unit_code", [name]
        )
    )
    return Office(name, coordinator, units, revoked, created)


def revoke_office(database: sqlite_utils.Database, name: str) -> None:
    with write_transaction(database):
        row = database.execute("SELECT revoked_at FROM offices WHERE name = ?", [name]).fetchone()
        if row is None:
            raise NotFound(t("central.office.unknown", name=name))
        if row[0] is None:
            database.execute(
                "UPDATE offices SET revoked_at = ? WHERE name = ?", [to_text(utc_now()), name]
            )


def authenticate(database: sqlite_utils.Database, token: str) -> Office | None:
    """The office holding `token`, or None (unknown or revoked).

    The lookup is by digest (an index, not a scan), and the stored digest is compared again in
    constant time, so that timing tells nothing about how much of a guess was right.
    """
    digest = token_digest(token)
    row = database.execute(
        "SELECT name, coordinator, revoked_at, created_at, token_sha256 FROM offices "
        "WHERE token_sha256 = ?",
        [digest],
    ).fetchone()
    if row is None or not hmac.compare_digest(str(row[4]), digest) or row[2] is not None:
        return None
    return _office(database, row[0], bool(row[1]), row[2], row[3])


def scope_sql(office: Office, case: str = "cases") -> tuple[str, list[object]]:
    """An SQL condition (and its parameters) true for the cases `office` may read and write.

    A coordinating office works every case: its admins verify new reports and dispose them to
    any unit. Another office has the cases of its units, plus the unit-less cases it recorded
    itself (created at its desk, not yet disposed).
    """
    if office.coordinator:
        return "1", []
    return (
        f"({case}.unit_code IN (SELECT unit_code FROM office_units WHERE office = ?) "
        f"OR ({case}.unit_code IS NULL AND {case}.id IN "
        "(SELECT case_id FROM case_origin WHERE office = ?)))",
        [office.name, office.name],
    )


def in_scope(database: sqlite_utils.Database, office: Office, case_id: int) -> bool:
    condition, params = scope_sql(office)
    row = database.execute(
        f"SELECT 1 FROM cases WHERE id = ? AND {condition}", [case_id, *params]
    ).fetchone()
    return row is not None
