"""Storage errors worded for the person at the keyboard, not for a developer.

`db` knows no language: each error carries an English sentence (for logs and for callers that
have no catalog) and a `key` with its `values`, which the interface translates (desk/i18n.py).
"""

from __future__ import annotations

import sqlite3


class StorageError(Exception):
    """A database problem the user can act on (locked, full disk, not a database...)."""

    def __init__(self, message: str, key: str = "", **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


class NotADatabase(StorageError):
    """The file exists but is not a desk (SQLite) database."""


class DatabaseTooNew(StorageError):
    """The database was written by a newer desk than this one."""


def explain(error: sqlite3.Error, path: str) -> StorageError:
    """Turn a raw sqlite3 error into one sentence that says what to do."""
    message = str(error).lower()
    if "locked" in message or "busy" in message:
        return StorageError(
            f"The database {path} is busy: another desk or command is writing to it. Try again.",
            "storage.busy",
            path=path,
        )
    if "disk is full" in message or "database or disk is full" in message:
        return StorageError(
            f"The disk holding {path} is full: free some space; nothing was saved.",
            "storage.full",
            path=path,
        )
    if "not a database" in message or "malformed" in message:
        return NotADatabase(
            f"{path} is not a desk database or is damaged ({error}).",
            "storage.not_database",
            path=path,
            error=error,
        )
    if "readonly" in message or "read-only" in message:
        return StorageError(
            f"The database {path} is read-only: check its file permissions.",
            "storage.read_only",
            path=path,
        )
    if "unable to open" in message:
        return StorageError(
            f"Cannot open {path}: check that the folder exists and is writable.",
            "storage.cannot_open",
            path=path,
        )
    return StorageError(
        f"Database error in {path}: {error}", "storage.other", path=path, error=error
    )
