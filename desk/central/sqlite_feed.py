"""The feed's and the digest's reads on the SQLite central store: today's statements.

`SqliteFeedReads` is the feed's `FeedReads` (desk/central/feed.py) over one connection; the
functions below are what `SqliteStore` calls, each in one `BEGIN ... COMMIT` (one snapshot: the
page and its cursor agree). SQLite runs in the server's process, so a statement costs a
function call, not a network hop: the set reads of the interface are answered one case at a
time with the indexed statements the feed always used (a page of 1,000 cases is a few thousand
index seeks, about the time of one `IN (...)` over them, and never a statement too long).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlite_utils

from desk.central import digest, feed
from desk.central.cases import REPORTER_COLUMNS
from desk.central.digest import BUCKET_FUNCTION, DigestQuery, register_bucket_function
from desk.central.feed import Page, PageRow
from desk.central.store import epoch, scope_sql
from desk.central.store_api import Office


class SqliteFeedReads:
    """The feed's reads on a SQLite central database; the caller holds the transaction."""

    def __init__(self, database: sqlite_utils.Database) -> None:
        self.database = database
        self.conn = database.conn
        self._names: dict[str, tuple[str, ...]] = {}

    def _dicts(self, sql: str, params: Sequence[object]) -> Iterator[dict[str, Any]]:
        """The rows as dicts, straight from the connection: `Database.query` wraps every
        statement in a savepoint of its own, three statements for one on the hottest path."""
        cursor = self.conn.execute(sql, params)
        names = self._names.get(sql)
        if names is None:  # the same statement, case after case: its columns read once
            names = self._names[sql] = tuple(column[0] for column in cursor.description)
        return (dict(zip(names, row, strict=True)) for row in cursor)

    def epoch(self) -> str:
        return epoch(self.database)

    def last_seq(self) -> int:
        row = self.conn.execute("SELECT max(seq) FROM central_changes").fetchone()
        return int(row[0] or 0)

    def page_rows(self, office: Office, after: int, tombstones: bool, limit: int) -> list[PageRow]:
        scope, scope_params = scope_sql(office, "c")
        if office.coordinator:
            was_ours = "0"
            was_params: list[object] = []
        else:
            # The case was the office's before a change: its unit then was one of the office's,
            # or it had no unit and the office recorded it.
            was_ours = (
                "max(ch.event_id IS NULL AND (ch.old_unit IN "
                "(SELECT unit_code FROM office_units WHERE office = ?) OR (ch.old_unit IS NULL AND "
                "c.id IN (SELECT case_id FROM case_origin WHERE office = ?))))"
            )
            was_params = [office.name, office.name]
        rows = self.conn.execute(
            f"SELECT ch.case_id, max(ch.seq) AS last, {scope} AS ours, {was_ours} AS was, "
            "count(*) OVER () AS remaining "
            "FROM central_changes ch JOIN cases c ON c.id = ch.case_id WHERE ch.seq > ? "
            "GROUP BY ch.case_id HAVING ours OR (was AND ?) ORDER BY last LIMIT ?",
            [*scope_params, *was_params, after, int(tombstones), limit],
        ).fetchall()
        return [
            PageRow(int(case_id), int(last), bool(ours), int(remaining))
            for case_id, last, ours, _was, remaining in rows
        ]

    def reference_changed(self, after: int, end: int) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM central_changes WHERE case_id IS NULL AND seq > ? AND seq <= ? LIMIT 1",
            [after, end],
        ).fetchone()
        return row is not None

    def cases(self, case_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for case_id in case_ids:
            for row in self._dicts("SELECT * FROM cases WHERE id = ?", [case_id]):
                found[case_id] = row
        return found

    def cases_named(self, office: Office, local_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        scope, scope_params = scope_sql(office, "c")
        found: dict[str, dict[str, Any]] = {}
        for local_id in dict.fromkeys(local_ids):
            for row in self._dicts(
                f"SELECT c.*, {scope} AS ours FROM cases c WHERE c.local_id = ?",
                [*scope_params, local_id],
            ):
                row["ours"] = bool(row["ours"])
                found[local_id] = row
        return found

    def first_moves(self, case_ids: Sequence[int], after: int) -> dict[int, str | None]:
        moves: dict[int, str | None] = {}
        for case_id in case_ids:
            row = self.conn.execute(
                "SELECT old_unit, seq FROM central_changes WHERE case_id = ? AND event_id IS NULL "
                "AND seq > ? ORDER BY seq LIMIT 1",
                [case_id, after],
            ).fetchone()
            if row is not None:
                moves[case_id] = row[0]
        return moves

    def known_at(self, case_ids: Sequence[int], seq: int) -> set[int]:
        return {
            case_id
            for case_id in case_ids
            if self.conn.execute(
                "SELECT 1 FROM central_changes WHERE case_id = ? AND seq <= ? LIMIT 1",
                [case_id, seq],
            ).fetchone()
        }

    def recorded_by(self, case_ids: Sequence[int], office: str) -> set[int]:
        return {
            case_id
            for case_id in case_ids
            if self.conn.execute(
                "SELECT 1 FROM case_origin WHERE case_id = ? AND office = ?", [case_id, office]
            ).fetchone()
        }

    def events(
        self, whole: Sequence[int], since: Sequence[int], after: int
    ) -> Iterator[dict[str, Any]]:
        for case_id in whole:
            yield from self._dicts(
                "SELECT * FROM events WHERE case_id = ? ORDER BY at, id", [case_id]
            )
        for case_id in since:
            yield from self._dicts(
                "SELECT e.* FROM events e JOIN central_changes ch ON ch.event_id = e.id "
                "WHERE ch.case_id = ? AND ch.seq > ? ORDER BY e.at, e.id",
                [case_id, after],
            )

    def reporters(self, case_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for case_id in case_ids:
            row = self.conn.execute(
                "SELECT name, nik, phone, email, address FROM reporters WHERE case_id = ?",
                [case_id],
            ).fetchone()
            if row is not None:
                found[case_id] = dict(zip(REPORTER_COLUMNS, row, strict=True))
        return found

    def duplicate_refs(self, case_ids: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for case_id in case_ids:
            row = self.conn.execute(
                "SELECT ifnull(tracking_no, local_id) FROM cases WHERE id = ?", [case_id]
            ).fetchone()
            if row is not None:
                found[case_id] = row[0]
        return found

    def units(self, office: Office) -> list[dict[str, Any]]:
        condition, params = _unit_condition(office)
        return list(
            self._dicts(
                f"SELECT code, name, tz, active FROM units WHERE {condition} ORDER BY code", params
            )
        )

    def officers(self, office: Office) -> list[dict[str, Any]]:
        condition, params = _unit_condition(office)
        return list(
            self._dicts(
                "SELECT nip, name, unit_code, role, active FROM officers WHERE unit_code IN "
                f"(SELECT code FROM units WHERE {condition}) ORDER BY unit_code, nip",
                params,
            )
        )


def _unit_condition(office: Office) -> tuple[str, list[object]]:
    """The office's units (every unit for a coordinator), as a condition on `units`."""
    if office.coordinator:
        return "1", []
    return "code IN (SELECT unit_code FROM office_units WHERE office = ?)", [office.name]


@contextmanager
def _snapshot(database: sqlite_utils.Database) -> Iterator[None]:
    """One read transaction: every statement of the block sees the same state."""
    database.conn.execute("BEGIN")
    try:
        yield
    finally:
        database.conn.execute("COMMIT")


def changes(database: sqlite_utils.Database, office: Office, cursor: str, limit: int) -> Page:
    """One page of the feed (feed.changes) read in one snapshot (raises `feed.CursorGone`)."""
    with _snapshot(database):
        return feed.changes(SqliteFeedReads(database), office, cursor, limit)


def idle_page(database: sqlite_utils.Database, cursor: str) -> Page | None:
    """The page of a desk's idle sync (feed.idle_page) when `cursor` is at the end of the log,
    else None; the epoch and the end of the log read in one snapshot."""
    with _snapshot(database):
        reads = SqliteFeedReads(database)
        return feed.idle_page(cursor, reads.epoch(), reads.last_seq())


def cases_by_id(
    database: sqlite_utils.Database, office: Office, local_ids: list[str]
) -> dict[str, Any]:
    """Named cases (feed.cases_by_id) read in one snapshot."""
    with _snapshot(database):
        return feed.cases_by_id(SqliteFeedReads(database), office, local_ids)


def digests(database: sqlite_utils.Database, office: Office, query: DigestQuery) -> dict[str, Any]:
    """The answer to a digest request (digest.answer) read in one snapshot (raises
    `digest.TooManyCases`)."""
    register_bucket_function(database)
    with _snapshot(database):
        rows = digest_rows(database, office, (*query.buckets, *query.cases))
        try:
            return digest.answer(rows, query)
        finally:
            rows.close()


def digest_rows(
    database: sqlite_utils.Database, office: Office, prefixes: Iterable[str]
) -> sqlite3.Cursor:
    """(bucket key, case fields...) of the office's cases in the buckets of `prefixes`: one
    streaming query (the bucket function must be registered on the connection)."""
    scope, scope_params = scope_sql(office, "c")
    target_scope, target_params = scope_sql(office, "d")
    wanted, wanted_params = prefix_condition("c.local_id", prefixes)
    sql = (
        f"SELECT {BUCKET_FUNCTION}(c.local_id), c.local_id, c.version, c.status, c.tracking_no, "
        "c.unit_code, c.assignee_nip, "
        # The duplicate link as the feed sends it, when its target is the office's too (a desk
        # cannot hold a link to a case it does not have).
        "CASE WHEN c.duplicate_of IS NULL THEN NULL ELSE (SELECT ifnull(d.tracking_no, "
        f"d.local_id) FROM cases d WHERE d.id = c.duplicate_of AND {target_scope}) END, "
        "(SELECT group_concat(e.uid, char(31)) FROM events e "
        "WHERE e.case_id = c.id AND e.uid IS NOT NULL) "
        f"FROM cases c WHERE {scope} AND {wanted}"
    )
    return database.execute(sql, [*target_params, *scope_params, *wanted_params])


def prefix_condition(column: str, prefixes: Iterable[str]) -> tuple[str, list[object]]:
    """An SQL condition true for the rows whose bucket (of the local id in `column`) starts
    with one of `prefixes`."""
    by_length: dict[int, list[str]] = {}
    for prefix in set(prefixes):
        if not prefix:
            return "1", []
        by_length.setdefault(len(prefix), []).append(prefix)
    if not by_length:
        return "0", []
    parts: list[str] = []
    params: list[object] = []
    for length, group in sorted(by_length.items()):
        marks = ", ".join("?" * len(group))
        parts.append(f"substr({BUCKET_FUNCTION}({column}), 1, {length}) IN ({marks})")
        params.extend(sorted(group))
    return "(" + " OR ".join(parts) + ")", params
