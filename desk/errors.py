"""Errors a user can cause and fix. Each message says what was tried and why it failed."""

from __future__ import annotations


class DeskError(Exception):
    """Base class: the message is shown to the user as it is, without a traceback."""


class ActionRefused(DeskError):
    """The action is not allowed for this officer, for this case, in this state."""


class NotFound(DeskError):
    """A case, unit or officer that the user named does not exist."""


class InvalidInput(DeskError):
    """A value the user gave cannot be used (missing reason, empty reply, bad unit...)."""


class StaleCase(DeskError):
    """The case changed since the officer read it (another window, another officer)."""


def describe(error: BaseException, where: str = "") -> str:
    """One sentence for the officer about an error that reached the interface."""
    import sqlite3

    from db.errors import StorageError, explain
    from desk.i18n import CATALOG, t

    if isinstance(error, sqlite3.Error):
        error = explain(error, where or t("storage.the_database"))
    if isinstance(error, StorageError):
        # db/ speaks no language: translate its keyed errors here.
        return t(error.key, **error.values) if error.key in CATALOG else str(error)
    if isinstance(error, DeskError):
        return str(error)
    if isinstance(error, OSError):
        return f"{error.strerror or error} ({error.filename or where})"
    return f"Unexpected error ({type(error).__name__}): {error}"
