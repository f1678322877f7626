"""What the inbox screen reads, prepared off the UI thread: pages of display-ready rows, counts.

An `InboxSource` is created on the UI thread and used from worker threads: each thread gets its
own SQLite connection (a connection must not be used by two threads at once), and every row comes
back with its clock already worked out, so drawing a row never touches the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from db import open_database
from db.inbox import CaseFilter, PageKey, count_cases, fetch_page, key_of
from db.timefmt import from_text, utc_now
from desk.calendar import WorkingCalendar
from desk.clocks import calendar_for, unit_time_zone
from desk.views import VIEWS, view_filter, with_search
from desk.workflow import Actor, Role

POOL_SIZE = 4  # idle connections kept for the next workers
POOL_CACHE_KB = 8_000


class _Lease:
    """Held in a thread's local storage: when the thread ends, the connection goes back."""

    def __init__(self, source: InboxSource, database: sqlite_utils.Database) -> None:
        self.source = source
        self.database = database

    def __del__(self) -> None:
        self.source._give_back(self.database)


def initials(name: str) -> str:
    """ "Andi Wijaya" → "A. W.": enough to tell reporters apart, not to identify them."""
    return " ".join(f"{part[0]}." for part in name.split() if part[:1].isalnum())


@dataclass(frozen=True)
class Query:
    """What the inbox shows: a view, narrowed by an optional search, in an order."""

    view: str
    search: CaseFilter | None = None
    order: str = "due"


class InboxSource:
    """Pages and counts for one actor on one database file, safe to call from any thread."""

    def __init__(
        self, path: Path, actor: Actor, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.path = path
        self.actor = actor
        self.clock = clock  # tests and snapshots fix the time; the desk uses the real one
        self._local = threading.local()
        self._pool: list[sqlite_utils.Database] = []
        self._pool_lock = threading.Lock()

    def database(self) -> sqlite_utils.Database:
        """This thread's connection, lent from a pool and given back when the thread ends.

        Textual starts a new thread for every worker; a fresh connection each time would start
        with an empty page cache (a cold search costs three times a warm one) and reopen the file.
        """
        lease = getattr(self._local, "lease", None)
        if lease is None:
            with self._pool_lock:
                database = self._pool.pop() if self._pool else None
            if database is None:
                database = open_database(self.path, migrate=False)  # the CLI migrated it
                # Up to POOL_SIZE of these live at once: keep each page cache small (RSS target).
                database.execute(f"PRAGMA cache_size = -{POOL_CACHE_KB}")
            lease = self._local.lease = _Lease(self, database)
            self._local.calendars = {}
        return lease.database

    def _give_back(self, database: sqlite_utils.Database) -> None:
        with self._pool_lock:
            if len(self._pool) < POOL_SIZE and not database.conn.in_transaction:
                self._pool.append(database)
                return
        database.conn.close()

    def case_filter(self, query: Query, now: datetime | None = None) -> CaseFilter:
        base = view_filter(query.view, self.actor, now or self.clock())
        return with_search(base, query.search) if query.search else base

    def page(
        self,
        query: Query,
        *,
        after: PageKey | None = None,
        before: PageKey | None = None,
        from_end: bool = False,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """A page of rows, each with `days_left` (None when no deadline runs)."""
        now = self.clock()
        database = self.database()
        rows = fetch_page(
            database,
            self.case_filter(query, now),
            query.order,
            after=after,
            before=before,
            from_end=from_end,
            limit=limit,
        )
        hide_names = self.actor.role is Role.PIMPINAN  # heads see no personal data
        for row in rows:
            if hide_names and row.get("reporter_name"):
                row["reporter_name"] = initials(row["reporter_name"])
            row["days_left"] = self._days_left(database, row, now)
            row["key"] = key_of(row, query.order)
        return rows

    def count(self, query: Query) -> int:
        return count_cases(self.database(), self.case_filter(query))

    def case_ids(self, query: Query, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` rows (id, number, unit) of the query, for marking a whole view."""
        where, params = self.case_filter(query).where()
        return list(
            self.database().query(
                f"SELECT c.id, c.tracking_no, c.unit_code, c.status FROM cases AS c WHERE {where} "
                "LIMIT ?",
                [*params, limit],
            )
        )

    def units(self) -> list[tuple[str, str]]:
        return [
            (str(code), str(name))
            for code, name in self.database().execute(
                "SELECT code, name FROM units WHERE active = 1 ORDER BY code"
            )
        ]

    def unit_officers(self, unit_code: str | None) -> list[tuple[str, str]]:
        """The active petugas of a unit, who may be assigned its cases."""
        return [
            (str(nip), str(name))
            for nip, name in self.database().execute(
                "SELECT nip, name FROM officers WHERE unit_code IS ? AND role = 'petugas' "
                "AND active = 1 ORDER BY name",
                [unit_code],
            )
        ]

    def view_counts(self) -> dict[str, int]:
        """The number of cases in every view, for the side list."""
        now = self.clock()
        database = self.database()
        return {
            view.code: count_cases(database, view_filter(view.code, self.actor, now))
            for view in VIEWS
        }

    def position(self, query: Query, key: PageKey) -> int:
        """How many rows come before `key` in `query`'s order (to show "row 1,234 of ...")."""
        from db.inbox import ORDERS

        column, ascending = ORDERS[query.order]
        where, params = self.case_filter(query).where()
        operator = "<" if ascending else ">"
        row = (
            self.database()
            .execute(
                f"SELECT count(*) FROM cases AS c WHERE {where} AND (c.{column}, c.id) {operator} "
                "(?, ?)",
                [*params, key.sort_value, key.case_id],
            )
            .fetchone()
        )
        return int(row[0])

    def _days_left(
        self, database: sqlite_utils.Database, row: dict[str, Any], now: datetime
    ) -> int | None:
        if not row.get("due_at"):
            return None
        unit = row["unit_code"] if row.get("due_kind") == "tindak_lanjut" else None
        calendars: dict[str | None, tuple[WorkingCalendar, str]] = self._local.calendars
        if unit not in calendars:
            calendars[unit] = (calendar_for(database, unit), unit_time_zone(database, unit))
        calendar, tz = calendars[unit]
        return calendar.days_left(from_text(row["due_at"]), now, tz)
