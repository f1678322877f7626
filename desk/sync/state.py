"""Small persistent facts about sync kept in `sync_state` (cursor, encodings, last sync)."""

from __future__ import annotations

import sqlite_utils

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
