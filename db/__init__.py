"""Storage for desk: one SQLite file, opened and migrated here, queried through sqlite-utils.

Nothing in this package knows about the domain rules or the user interface; `desk` builds on it.
"""

from db.connection import open_database, write_transaction
from db.errors import DatabaseTooNew, NotADatabase, StorageError

__all__ = [
    "DatabaseTooNew",
    "NotADatabase",
    "StorageError",
    "open_database",
    "write_transaction",
]
