"""The queries behind the inbox: filtered, ordered pages of cases by keyset, and counts.

Pages are fetched by keyset (`WHERE (sort, id) > (last sort, last id)`), never by OFFSET, so the
last page of a million cases costs what the first one does. Every order has an index that ends in
the sort column and the id (see schema_v1.sql).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import sqlite_utils

from db.connection import database_path
from db.search_index import COMMON_FROM, common_word_count, search_segments
from db.stemming import match_expression

Order = Literal["due", "received", "updated"]
# Column and direction of each order. Deadlines: most urgent first; the rest: newest first.
ORDERS: dict[str, tuple[str, bool]] = {
    "due": ("due_sort", True),
    "received": ("received_at", False),
    "updated": ("updated_at", False),
}

PAGE_COLUMNS = (
    "c.id, c.local_id, c.tracking_no, c.status, c.due_at, c.due_sort, c.due_kind, c.auto_at, "
    "c.auto_kind, "
    "c.category, c.subcategory, c.unit_code, c.assignee_nip, c.title, c.anonymous, "
    "c.confidential, c.channel, c.received_at, c.updated_at, c.version, c.provisional_no, "
    "r.name AS reporter_name"
)


# Statuses in which a deadline runs for the officers (their cases sort first by deadline): the
# admin's verification in the first two, the unit's follow-up in the others (UNIT_CLOCKED).
OVERDUE_STATUSES = ("baru", "dikembalikan", "terverifikasi", "ditanggapi")
UNIT_CLOCKED = ("terverifikasi", "ditanggapi")
CLOCKED_STATUSES = frozenset(OVERDUE_STATUSES)


@dataclass(frozen=True)
class CaseFilter:
    """Which cases a view or a search shows. Every field that is None does not filter."""

    statuses: tuple[str, ...] | None = None
    unit_code: str | None = None
    assignee_nip: str | None = None
    due_before: str | None = None  # overdue: a running deadline earlier than this instant
    words: str | None = None  # full-text, stemmed
    category: str | None = None  # main category or sub-category, case-insensitive
    channel: str | None = None
    anonymous: bool | None = None
    confidential: bool | None = None
    received_from: str | None = None  # instants, inclusive
    received_until: str | None = None  # exclusive
    tracking_no: str | None = None
    # A handful of cases named by id (a petugas's counter intakes, desk/access.py): their words
    # are asked case by case, never gathered from the whole index.
    case_ids: tuple[int, ...] | None = None
    extra: tuple[tuple[str, tuple[Any, ...]], ...] = field(default=())

    def where(
        self,
        search_plan: str = "set",
        *,
        ordered: bool = False,
        probe_order: tuple[str, ...] | None = None,
        unit_plan: str = "index",
    ) -> tuple[str, list[Any]]:
        """The SQL condition (on `cases AS c`) and its parameters.

        `search_plan` says how words are matched (see `search_plan()`): "set" gathers every
        matching case first and sorts them (best when the words are rare); "walk" gathers the
        matching ids once, then walks the sort index and keeps the cases in that set (best in
        between: the first page is found after a few thousand index entries, without reading
        every match); "probe" asks the index about each case as the walk reaches it (best when
        the words are common: gathering them would cost more than the walk).
        `ordered`: the condition serves a page in sort order, not a count. `probe_order`: the
        words' terms, rarest first, for "probe" (each is asked about on its own, so most cases
        are turned away by the rarest word without the others' lists being read).
        `unit_plan` (see `unit_plan()`): "index" finds a unit's cases by the unit index, "walk"
        checks the unit of each case as the sort index is walked.
        """
        clauses: list[str] = []
        params: list[Any] = []
        if self.statuses is not None:
            # Several statuses whose cases all run an officer's clock: walk the sort index and
            # skip the others ("+"), instead of gathering every such case and sorting them.
            walk = ordered and len(self.statuses) > 1 and set(self.statuses) <= CLOCKED_STATUSES
            column = "+c.status" if walk else "c.status"
            clauses.append(f"{column} IN ({', '.join('?' for _ in self.statuses)})")
            params.extend(self.statuses)
        if self.unit_code is not None:
            clauses.append("+c.unit_code = ?" if unit_plan == "walk" else "c.unit_code = ?")
            params.append(self.unit_code)
        if self.assignee_nip is not None:
            clauses.append("c.assignee_nip = ?")
            params.append(self.assignee_nip)
        if self.due_before is not None:
            clauses.append("c.due_sort < ?")
            params.append(self.due_before)
        if self.words:
            expression = match_expression(self.words)
            if expression and search_plan == "probe":
                for term in probe_order or (expression,):
                    clauses.append(
                        "EXISTS (SELECT 1 FROM case_search WHERE case_search MATCH ? "
                        "AND case_search.rowid = c.id)"
                    )
                    params.append(term)
            elif expression:
                # "+" on the id keeps SQLite from driving the query by the set ("walk"), so it
                # walks the sort index and checks each id against the set instead.
                column = "+c.id" if search_plan == "walk" else "c.id"
                clauses.append(
                    f"{column} IN (SELECT rowid FROM case_search WHERE case_search MATCH ?)"
                )
                params.append(expression)
        if self.category is not None:
            clauses.append("(c.category = ? COLLATE NOCASE OR c.subcategory = ? COLLATE NOCASE)")
            params.extend([self.category, self.category])
        if self.channel is not None:
            clauses.append("c.channel = ? COLLATE NOCASE")
            params.append(self.channel)
        if self.anonymous is not None:
            clauses.append("c.anonymous = ?")
            params.append(int(self.anonymous))
        if self.confidential is not None:
            clauses.append("c.confidential = ?")
            params.append(int(self.confidential))
        if self.received_from is not None:
            clauses.append("c.received_at >= ?")
            params.append(self.received_from)
        if self.received_until is not None:
            clauses.append("c.received_at < ?")
            params.append(self.received_until)
        if self.tracking_no is not None:
            number = self.tracking_no.lstrip("#")
            if number[:2].upper() == "L-":
                # A provisional number from counter intake: it stays with the case after the
                # central system gave the real one (docs/intake.md).
                clauses.append("c.provisional_no = ?")
                params.append(number.upper())
            else:
                clauses.append("c.tracking_no = ?")
                params.append(number)
        if self.case_ids is not None:
            clauses.append(f"c.id IN ({', '.join('?' for _ in self.case_ids)})")
            params.extend(self.case_ids)
        for clause, values in self.extra:
            clauses.append(clause)
            params.extend(values)
        return (" AND ".join(clauses) or "1"), params


def overdue_filter(now: str, unit_code: str | None = None) -> CaseFilter:
    """Overdue now: a running officer's deadline earlier than `now` (an instant as stored).

    The one definition behind the inbox's "Lewat batas" and the report's "overdue now"
    (desk/metrics.py): the office's is every running deadline; a unit's is its own follow-up
    clock only, not the verification clock of a case it returned (which keeps its unit code).
    Naming the statuses keeps a stray deadline on a closed or held case (an old import, a bad
    sync) out of both alike.
    """
    if unit_code is None:
        return CaseFilter(statuses=OVERDUE_STATUSES, due_before=now)
    return CaseFilter(statuses=UNIT_CLOCKED, unit_code=unit_code, due_before=now)


@dataclass(frozen=True)
class PageKey:
    """Where a page starts or ends: the sort value and id of a row."""

    sort_value: str
    case_id: int


def key_of(row: dict[str, Any], order: str) -> PageKey:
    return PageKey(str(row[ORDERS[order][0]]), int(row["id"]))


# Above this many cases for its rarest word, a search probes the index case by case. A probe
# seeks the word in every segment of the index: with the index merged into one (after a bulk
# write, or `desk db optimize`) probing pays from ~50,000 matches in a million cases, with it
# split into a dozen only from ~100,000 (bench/README.md).
COMMON_WORD = 50_000
COMMON_WORD_SPLIT_INDEX = 100_000
SPLIT_INDEX = 4  # segments
# Up to this many matches, a search gathers and sorts them; above, it walks the sort index.
# Measured on 1M cases (bench/README.md): sorting costs about 2.5 µs per match, a walk about
# 0.2 µs per match gathered plus one index entry per case passed, so a walk wins once the
# matches are dense enough to fill a page early, and only then.
FEW_MATCHES = COMMON_FROM  # the words above it are counted at each merge (schema_v7.sql)
# How many cases hold a word (up to a threshold), by database file: a plan needs only the order
# of magnitude, so a count is reused for a few minutes. A stale count can only choose a slower
# plan.
_MATCH_COUNTS: dict[tuple[str, str], tuple[float, int]] = {}
_MATCH_COUNTS_TTL = 300.0
_MATCH_COUNTS_MAX = 4_096


def _cached_count(database: sqlite_utils.Database, key: str, count: Callable[[], int]) -> int:
    place = (database_path(database) or str(id(database.conn)), key)
    now = time.monotonic()
    cached = _MATCH_COUNTS.get(place)
    if cached is not None and now - cached[0] < _MATCH_COUNTS_TTL:
        return cached[1]
    value = count()
    if len(_MATCH_COUNTS) >= _MATCH_COUNTS_MAX:
        _MATCH_COUNTS.clear()
    _MATCH_COUNTS[place] = (now, value)
    return value


def _matches_up_to(database: sqlite_utils.Database, expression: str, cap: int) -> int:
    """How many cases match `expression`, counted no further than `cap`.

    A plan needs only to know which side of its thresholds a count falls: counting up to
    50,001 reads a short stretch of each word's list (~3 ms), where the index's own count of a
    word reads all of it (13 ms for a word in 300,000 cases).
    """

    def count() -> int:
        row = database.execute(
            "SELECT count(*) FROM (SELECT 1 FROM case_search WHERE case_search MATCH ? LIMIT ?)",
            [expression, cap],
        ).fetchone()
        return int(row[0])

    return _cached_count(database, f"{cap}:{expression}", count)


def _word_cases(database: sqlite_utils.Database, term: str, cap: int) -> int:
    """How many cases hold one word (a quoted stem), counted no further than `cap`.

    A common word's count is read from the last merge's count (a lookup) rather than from the
    index; any other word is counted up to FEW_MATCHES + 1 (a short read), and further only if
    it holds more (a word that became common since).
    """
    stored = common_word_count(database, term.strip('"'))
    if stored is not None:
        return min(stored, cap)
    few = _matches_up_to(database, term, FEW_MATCHES + 1)
    return few if few <= FEW_MATCHES else _matches_up_to(database, term, cap)


def search_plan(database: sqlite_utils.Database, case_filter: CaseFilter) -> str:
    """ "set", "walk" or "probe" for `case_filter.words` (see `CaseFilter.where`).

    The plan follows how many cases match: a rare word's matches are few enough to sort; a
    middling word's are dense enough in any order that walking the sort index meets a page of
    them early; a common word is cheaper to look up case by case than to gather.
    """
    if not case_filter.words:
        return "set"
    if case_filter.case_ids is not None:
        return "probe"  # a handful of cases: ask the index about each
    expression = match_expression(case_filter.words) or ""
    terms = expression.split()
    if not terms or any(term.endswith("*") for term in terms):
        return "set"  # prefix searches: no cheap count, gather them
    segments = _cached_count(database, "segments", lambda: search_segments(database))
    common = COMMON_WORD if segments <= SPLIT_INDEX else COMMON_WORD_SPLIT_INDEX
    rarest = min(_word_cases(database, term, common + 1) for term in set(terms))
    if rarest > common:
        return "probe"
    if rarest <= FEW_MATCHES:
        return "set"
    # Words that are each middling may rarely meet: a walk would pass every case to find their
    # few common matches. Count them together to know.
    if len(set(terms)) > 1 and _matches_up_to(database, expression, FEW_MATCHES + 1) <= FEW_MATCHES:
        return "set"
    return "walk"


def _rarest_first(database: sqlite_utils.Database, case_filter: CaseFilter) -> tuple[str, ...]:
    """The search's terms, the one in fewest cases first (counts as the plan made them).

    Asked one by one in this order, a case without the rarest word costs one look in the index:
    "jalan rusak" probed 4.6-5.2 ms as one expression, 3.1-3.7 ms rarest first (bench/README.md).
    """
    terms = sorted(set((match_expression(case_filter.words or "") or "").split()))
    cap = COMMON_WORD_SPLIT_INDEX + 1
    return tuple(sorted(terms, key=lambda term: _word_cases(database, term, cap)))


# A unit holding at least one case in this many is walked in sort order rather than gathered
# by the unit index and sorted. Measured on 1M cases (a petugas's whole unit, and with common
# words): gathering costs about 1 µs per case of the unit (PUPR, 89k cases: 75 ms, 670-1100 ms
# with a common word probed on each), walking about 1 µs per case passed (100 rows of a unit with
# 1% of the cases: 10,000 passed); so a large unit is walked and a small one gathered.
UNIT_WALK_SHARE = 100


def unit_plan(database: sqlite_utils.Database, case_filter: CaseFilter, word_plan: str) -> str:
    """ "walk" or "index" for a page of `case_filter.unit_code` (see `CaseFilter.where`).

    Only a unit with nothing else to narrow it by an index is walked: statuses, an assignee, a
    deadline or a number narrow on their own indexes (the unit's index holds the statuses), and
    gathered words ("set", "walk") are a set already.
    """
    if case_filter.unit_code is None:
        return "index"
    if (
        case_filter.statuses is not None
        or case_filter.assignee_nip is not None
        or case_filter.due_before is not None
        or case_filter.tracking_no is not None
        or (case_filter.words and word_plan != "probe")
    ):
        return "index"
    unit = case_filter.unit_code

    def unit_cases() -> int:
        row = database.execute("SELECT count(*) FROM cases WHERE unit_code = ?", [unit]).fetchone()
        return int(row[0])

    def all_cases() -> int:
        return int(database.execute("SELECT max(id) FROM cases").fetchone()[0] or 0)

    held = _cached_count(database, f"unit:{unit}", unit_cases)
    total = _cached_count(database, "cases", all_cases)
    return "walk" if held * UNIT_WALK_SHARE >= total else "index"


def fetch_page(
    database: sqlite_utils.Database,
    case_filter: CaseFilter,
    order: str = "due",
    *,
    after: PageKey | None = None,
    before: PageKey | None = None,
    from_end: bool = False,
    limit: int = 50,
) -> list[dict[str, Any]]:
    """One page of cases in `order`.

    `after`: the rows that follow a key (scrolling down); `before`: the rows that precede it
    (scrolling up), returned in display order; `from_end`: the last page (jump to bottom).
    """
    column, ascending = ORDERS[order]
    plan = search_plan(database, case_filter)
    # A handful of named cases is probed with the whole expression: no need to count words.
    ranked = plan == "probe" and case_filter.case_ids is None
    probe_order = _rarest_first(database, case_filter) if ranked else None
    where, params = case_filter.where(
        plan,
        ordered=True,
        probe_order=probe_order,
        unit_plan=unit_plan(database, case_filter, plan),
    )
    # With a gathered set of matches, read the set and sort it ("+" keeps SQLite from walking
    # the whole sort index instead, looking for the few cases in the set).
    sort = f"+c.{column}" if case_filter.words and plan == "set" else f"c.{column}"
    backwards = before is not None or from_end
    direction = "ASC" if ascending != backwards else "DESC"
    select = (
        f"SELECT {PAGE_COLUMNS} FROM cases AS c LEFT JOIN reporters AS r ON r.case_id = c.id "
        f"WHERE {where}"
    )
    key = after or before
    if key is None:
        sql = f"{select} ORDER BY {sort} {direction}, c.id {direction} LIMIT ?"
        rows = list(database.query(sql, [*params, limit]))
    else:
        # (sort, id) > (?, ?) written as two index seeks: rows with the same sort value after
        # the id, then rows with a later sort value. SQLite seeks a row-value comparison only on
        # its first column, which scans every tied row (most cases share "no deadline").
        beyond = ">" if direction == "ASC" else "<"
        sql = (
            f"SELECT * FROM ({select} AND {sort} = ? AND c.id {beyond} ? "
            f"ORDER BY c.id {direction} LIMIT ?) "
            f"UNION ALL SELECT * FROM ({select} AND {sort} {beyond} ? "
            f"ORDER BY {sort} {direction}, c.id {direction} LIMIT ?) "
            f"ORDER BY {column} {direction}, id {direction} LIMIT ?"
        )
        rows = list(
            database.query(
                sql,
                [
                    *params,
                    key.sort_value,
                    key.case_id,
                    limit,
                    *params,
                    key.sort_value,
                    limit,
                    limit,
                ],
            )
        )
    if backwards:
        rows.reverse()
    return rows


def count_cases(database: sqlite_utils.Database, case_filter: CaseFilter) -> int:
    if case_filter.words and case_filter == CaseFilter(words=case_filter.words):
        expression = match_expression(case_filter.words)
        if expression is None:
            return count_cases(database, CaseFilter())
        # Words alone: the index counts its own matches, without touching the cases.
        row = database.execute(
            "SELECT count(*) FROM case_search WHERE case_search MATCH ?", [expression]
        ).fetchone()
        return int(row[0])
    # Counting with other filters: gather the matches (cost follows their number), never probe
    # every case the other filters leave; but a handful of named cases is probed.
    where, params = case_filter.where("probe" if case_filter.case_ids is not None else "set")
    row = database.execute(f"SELECT count(*) FROM cases AS c WHERE {where}", params).fetchone()
    return int(row[0])
