"""Small persistent facts about sync kept in `sync_state` (cursor, encodings, last sync)."""

from __future__ import annotations

import json

import sqlite_utils

from db.timefmt import to_text, utc_now

CURSOR = "cursor"
ENCODINGS = "server_encodings"
LAST_SYNC = "last_sync_at"
# Set when the server forgot the cursor (410) and the desk pulls everything again: a full pull
# carries no tombstones, so once it is complete the desk compares itself with the server
# (desk sync verify --repair) to learn which of its cases left its scope meanwhile.
RECONCILE = "reconcile_after_full_pull"
GONE_PREFIX = "gone:"  # a case that left this office's scope: "gone:<local_id>" → JSON reason


def get(database: sqlite_utils.Database, key: str) -> str | None:
    row = database.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
    return str(row[0]) if row else None


def put(database: sqlite_utils.Database, key: str, value: str) -> None:
    """Set a value; call inside the transaction that makes it true."""
    database.execute(
        "INSERT INTO sync_state (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


def mark_gone(database: sqlite_utils.Database, local_id: str, reason: str) -> None:
    """The case left this office's scope: the desk keeps its copy (and any unsent work on it),
    read-only. Call inside the transaction that learned it."""
    mark = {"reason": reason, "at": to_text(utc_now())}
    put(database, GONE_PREFIX + local_id, json.dumps(mark))


def clear_gone(database: sqlite_utils.Database, local_id: str) -> None:
    """The case is in scope (again): not read-only any more."""
    database.execute("DELETE FROM sync_state WHERE key = ?", [GONE_PREFIX + local_id])
