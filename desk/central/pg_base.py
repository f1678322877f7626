"""What every part of the PostgreSQL central store stands on: the pool and its two transactions.

`PgStore` (desk/central/pg_store.py) is assembled from parts that each hold one job's SQL:
the feed's reads (pg_feed.py), the push and the automatic moves (pg_ops.py), offices, the
witness and the rest (pg_store.py). Each part reaches the database only through the two
context managers here, so that the isolation rules of docs/central-postgresql.md are stated
once:

- `_read()`: one `REPEATABLE READ, READ ONLY` transaction, a single snapshot for a feed page or
  a digest (the page's end is the snapshot's end of the log: section 2.2);
- `_write()`: one `READ COMMITTED` transaction, committed when the block ends and rolled back
  when it raises. READ COMMITTED is what the op claim (`INSERT ... ON CONFLICT DO NOTHING`,
  section 3) and the case lock (`FOR NO KEY UPDATE`, section 4) are designed for: each
  statement sees what committed before it.

Rows come as dicts (`dict_row`), as sqlite-utils gives them to the shared code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import IsolationLevel
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool
from ulid import ULID

DEFAULT_POOL = 10  # connections per server process (`--pool`)
CONNECT_TIMEOUT = 5.0  # seconds to get a connection before a request fails


class PgBase:
    """The pool, the location and the files folder; the parts add the jobs.

    `files` is None for a store opened for a verb that stores no attachment (office, seed,
    audit): `files_root()` says what is missing when one is asked for."""

    kind = "postgresql"

    def __init__(self, url: str, *, files: Path | None, pool_size: int = DEFAULT_POOL) -> None:
        self.url = url
        self.files = files
        self.pool: ConnectionPool[psycopg.Connection[dict[str, Any]]] = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            kwargs={"row_factory": dict_row, "autocommit": False},
            timeout=CONNECT_TIMEOUT,
            open=True,
        )

    def _read(self) -> AbstractContextManager[psycopg.Connection[dict[str, Any]]]:
        return self._transaction(IsolationLevel.REPEATABLE_READ, read_only=True)

    def _write(self) -> AbstractContextManager[psycopg.Connection[dict[str, Any]]]:
        return self._transaction(IsolationLevel.READ_COMMITTED, read_only=False)

    @contextmanager
    def _transaction(
        self, level: IsolationLevel, *, read_only: bool
    ) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        with self.pool.connection() as conn:
            conn.isolation_level = level
            conn.read_only = read_only
            with conn.transaction():
                yield conn

    @contextmanager
    def _single(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A connection in autocommit, for one statement that is a transaction on its own:
        no BEGIN and COMMIT round trips around it."""
        with self.pool.connection() as conn:
            conn.autocommit = True
            try:
                yield conn
            finally:
                conn.autocommit = False

    def close(self) -> None:
        self.pool.close()


UID_BATCH = 5000  # events given uids a transaction


def give_event_uids(conn: psycopg.Connection[dict[str, Any]]) -> int:
    """Give every event without a uid (copied in by `desk central migrate`, imported) one, in
    transactions of `UID_BATCH` on `conn` (not in a transaction); how many. A desk cannot take
    an event without a uid. SKIP LOCKED, and `uid IS NULL` checked again by the update: two
    processes filling at once never give one event two uids in turn."""
    filled = 0
    while True:
        with conn.transaction():
            ids = [
                int(row["id"])
                for row in conn.execute(
                    "SELECT id FROM events WHERE uid IS NULL ORDER BY id LIMIT %s "
                    "FOR UPDATE SKIP LOCKED",
                    [UID_BATCH],
                )
            ]
            if ids:
                done = conn.execute(
                    "UPDATE events SET uid = given.uid "
                    "FROM unnest(%s::bigint[], %s::text[]) AS given (id, uid) "
                    "WHERE events.id = given.id AND events.uid IS NULL",
                    [ids, [str(ULID()) for _ in ids]],
                )
                filled += done.rowcount
        if len(ids) < UID_BATCH:
            return filled
