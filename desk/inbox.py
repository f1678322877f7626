"""What the inbox screen reads, prepared off the UI thread: pages of display-ready rows, counts.

An `InboxSource` is created on the UI thread and used from worker threads: each thread gets its
own SQLite connection (a connection must not be used by two threads at once), and every row comes
back with its clock already worked out, so drawing a row never touches the database.

Everything it reads is what its actor may read (desk/access.py): every page, count, position
and marking goes through `_filters`, which narrows the view and search to `readable_filters`,
and the reporter of each row is named as `list_reporter` allows.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from db import open_database
from db.inbox import ORDERS, CaseFilter, PageKey, count_cases, fetch_page, key_of
from db.timefmt import from_text, utc_now
from desk.access import initials, list_reporter, readable_filters
from desk.calendar import WorkingCalendar
from desk.clocks import calendar_for, unit_time_zone
from desk.i18n import current_language
from desk.views import VIEWS, view_filter, with_search
from desk.workflow import Actor

__all__ = [
    "SHORT_STATUS_LABELS",
    "CasePreview",
    "InboxSource",
    "KnownValues",
    "Query",
    "initials",
    "short_status_label",
]

# The status as a row of the list shows it: a short word that fits a 10-cell column (the case
# screen shows the long label, desk/i18n.py STATUS_LABELS). The search reads both
# (desk/search_query.py), in both languages.
SHORT_STATUS_LABELS: dict[str, tuple[str, str]] = {
    "baru": ("Baru", "New"),
    "tunda": ("Ditunda", "On hold"),
    "terverifikasi": ("Disposisi", "Disposed"),
    "dikembalikan": ("Kembali", "Returned"),
    "diproses": ("Diproses", "Follow-up"),
    "ditanggapi": ("Ditanggapi", "Replied"),
    "selesai": ("Selesai", "Closed"),
    "diarsipkan": ("Diarsipkan", "Archived"),
}


def short_status_label(code: str) -> str:
    pair = SHORT_STATUS_LABELS.get(code)
    if pair is None:
        return code
    return pair[1] if current_language() == "en" else pair[0]


POOL_SIZE = 4  # idle connections kept for the next workers
POOL_CACHE_KB = 8_000


class _Lease:
    """Held in a thread's local storage: when the thread ends, the connection goes back."""

    def __init__(self, source: InboxSource, database: sqlite_utils.Database) -> None:
        self.source = source
        self.database = database

    def __del__(self) -> None:
        self.source._give_back(self.database)


@dataclass(frozen=True)
class CasePreview:
    """The highlighted case as the inbox's preview shows it, read by the rules of the case
    screen (desk/case_view.py, desk/access.py): text as stored (the widget makes it printable),
    the reporter as the officer's role may see them."""

    case_id: int
    version: int
    label: str  # "#8112829" or "L-PUPR-0001"
    status: str
    unit_code: str | None
    title: str
    body: str
    reporter: str
    received: str  # "Sen, 30/03/2026 09:15 WITA"
    clocks: list[tuple[str, str, str, int | None]]  # (label, "sisa 2 HK", deadline, days)
    last_event: tuple[str, str, str, str] | None  # (when, who, what, first line of its text)


@dataclass(frozen=True)
class KnownValues:
    """The units, channels and categories a search may name (desk/search_query.py)."""

    units: frozenset[str]
    channels: frozenset[str]
    categories: frozenset[str]  # case-folded: main categories and sub-categories


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
        self._watch: sqlite3.Connection | None = None  # polled for changes (data_version)
        self._known: KnownValues | None = None

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

    def _query_filter(self, query: Query, now: datetime | None = None) -> CaseFilter:
        """The view narrowed by the search: what the query asks, before what the actor may read
        narrows it (`_filters`)."""
        base = view_filter(query.view, self.actor, now or self.clock())
        return with_search(base, query.search) if query.search else base

    def _filters(
        self, database: sqlite_utils.Database, case_filter: CaseFilter
    ) -> list[CaseFilter]:
        """`case_filter` as filters on the cases this actor may read (their results add up)."""
        return readable_filters(database, self.actor, case_filter)

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
        filters = self._filters(database, self._query_filter(query, now))
        rows: list[dict[str, Any]] = []
        for case_filter in filters:
            rows += fetch_page(
                database,
                case_filter,
                query.order,
                after=after,
                before=before,
                from_end=from_end,
                limit=limit,
            )
        if len(filters) > 1:  # pages of disjoint filters, each in order: merge them
            column, ascending = ORDERS[query.order]
            rows.sort(key=lambda row: (str(row[column]), int(row["id"])), reverse=not ascending)
            backwards = before is not None or from_end
            rows = rows[-limit:] if backwards else rows[:limit]
        for row in rows:
            row["reporter_name"] = list_reporter(
                self.actor, row.get("reporter_name"), row["anonymous"]
            )
            row["days_left"] = self._days_left(database, row, now)
            row["key"] = key_of(row, query.order)
        return rows

    def count(self, query: Query) -> int:
        database = self.database()
        return sum(
            count_cases(database, case_filter)
            for case_filter in self._filters(database, self._query_filter(query))
        )

    def case_ids(self, query: Query, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` rows (id, number, unit) of the query, for marking a whole view."""
        database = self.database()
        rows: list[dict[str, Any]] = []
        for case_filter in self._filters(database, self._query_filter(query)):
            where, params = case_filter.where()
            rows += database.query(
                f"SELECT c.id, c.tracking_no, c.unit_code, c.status FROM cases AS c WHERE {where} "
                "LIMIT ?",
                [*params, limit - len(rows)],
            )
            if len(rows) >= limit:
                break
        return rows

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
            view.code: sum(
                count_cases(database, case_filter)
                for case_filter in self._filters(database, view_filter(view.code, self.actor, now))
            )
            for view in VIEWS
        }

    def position(self, query: Query, key: PageKey) -> int:
        """How many rows come before `key` in `query`'s order (to show "row 1,234 of ...")."""
        column, ascending = ORDERS[query.order]
        operator = "<" if ascending else ">"
        database = self.database()
        before = 0
        for case_filter in self._filters(database, self._query_filter(query)):
            where, params = case_filter.where()
            row = database.execute(
                f"SELECT count(*) FROM cases AS c WHERE {where} AND (c.{column}, c.id) {operator} "
                "(?, ?)",
                [*params, key.sort_value, key.case_id],
            ).fetchone()
            before += int(row[0])
        return before

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

    # -- the preview, number look-ups, known values, changes --------------------------------

    def preview(self, case_id: int) -> CasePreview:
        """The case `case_id` for the preview beside the list (a case of the list: readable)."""
        from desk.access import readable_case, reporter_view
        from desk.case_view import _clocks, event_label, format_moment
        from desk.clocks import office_time_zone
        from desk.services import case_label

        database = self.database()
        case = readable_case(database, self.actor, int(case_id), purpose="preview")
        reporter_row = next(
            database.query("SELECT name FROM reporters WHERE case_id = ?", [case["id"]]), None
        )
        anonymous = bool(case["anonymous"])
        if anonymous:
            # As the list says it, to an admin too: the preview is read over shoulders as well.
            from desk.i18n import t

            reporter = t("case.anonymous")
        else:
            reporter = reporter_view(self.actor, reporter_row, anonymous).name
        office_tz = office_time_zone(database)
        event = next(
            database.query(
                "SELECT e.kind, e.at, e.body, e.actor_kind, o.name AS officer_name "
                "FROM events AS e LEFT JOIN officers AS o ON o.nip = e.actor_nip "
                "WHERE e.case_id = ? ORDER BY e.at DESC, e.id DESC LIMIT 1",
                [case["id"]],
            ),
            None,
        )
        last = None
        if event is not None:
            who = event["officer_name"] or ""
            if not who:
                from desk.i18n import t

                who = t("case.reporter") if event["actor_kind"] == "reporter" else ""
            first = (event["body"] or "").strip().split("\n", 1)[0]
            last = (format_moment(event["at"], office_tz), who, event_label(event["kind"]), first)
        clocks = [
            (clock.label, clock.remaining, clock.deadline, clock.days_left)
            for clock in _clocks(database, case, self.clock())
        ]
        return CasePreview(
            case_id=int(case["id"]),
            version=int(case["version"]),
            label=case_label(case),
            status=str(case["status"]),
            unit_code=case["unit_code"],
            title=str(case["title"] or ""),
            body=str(case["body"] or ""),
            reporter=reporter,
            received=format_moment(case["received_at"], office_tz),
            clocks=clocks,
            last_event=last,
        )

    def find_number(self, search: CaseFilter) -> int | None:
        """The id of the case a number search names, among the cases the actor may read."""
        database = self.database()
        number = CaseFilter(tracking_no=search.tracking_no)
        for case_filter in self._filters(database, number):
            where, params = case_filter.where()
            row = database.execute(
                f"SELECT c.id FROM cases AS c WHERE {where} LIMIT 1", params
            ).fetchone()
            if row is not None:
                return int(row[0])
        return None

    def views_holding(self, search: CaseFilter) -> list[str]:
        """The codes of the views that hold the case a number search names."""
        now = self.clock()
        database = self.database()
        number = CaseFilter(tracking_no=search.tracking_no)
        held = []
        for view in VIEWS:
            base = with_search(view_filter(view.code, self.actor, now), number)
            if any(count_cases(database, f) for f in self._filters(database, base)):
                held.append(view.code)
        return held

    def known_values(self, *, again: bool = False) -> KnownValues:
        """Every unit, channel and category a search may name: the units table, the channels
        and LAPOR! categories desk knows, and those the cases hold (imports keep unknown ones).
        Read once per source, in a worker (0.6 s on a million cases)."""
        if self._known is not None and not again:
            return self._known
        from desk.intake import CHANNELS as OFFICE_CHANNELS
        from desk.lapor import CHANNEL_NAMES, load_categories

        database = self.database()
        units = {str(row[0]) for row in database.execute("SELECT code FROM units")}
        channels = {*OFFICE_CHANNELS, *CHANNEL_NAMES}
        categories: set[str] = set()
        for main, subs in load_categories().items():
            categories.add(main.casefold())
            categories.update(sub.casefold() for sub in subs)
        # Each its own query: DISTINCT on the unit index's first column is a skip along it;
        # the other two read the table once each (0.1 and 0.5 s on a million cases).
        units.update(
            str(row[0])
            for row in database.execute("SELECT DISTINCT unit_code FROM cases")
            if row[0]
        )
        channels.update(
            str(row[0]).casefold()
            for row in database.execute("SELECT DISTINCT channel FROM cases")
            if row[0]
        )
        for category, subcategory in database.execute(
            "SELECT DISTINCT category, subcategory FROM cases"
        ):
            for name in (category, subcategory):
                if name:
                    categories.add(str(name).casefold())
        known = KnownValues(frozenset(units), frozenset(channels), frozenset(categories))
        self._known = known
        return known

    def data_version(self) -> int:
        """A number that changes when another connection (the CLI, a sync, another desk, this
        desk's own workers) commits to the database: `PRAGMA data_version` on a connection of
        its own, so a poll costs microseconds and reads no page."""
        with self._pool_lock:
            conn = self._watch
            if conn is None:
                conn = self._watch = sqlite3.connect(
                    str(self.path), check_same_thread=False, isolation_level=None
                )
            return int(conn.execute("PRAGMA data_version").fetchone()[0])
