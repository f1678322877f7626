"""The feed's and the digest's reads on the PostgreSQL central store (`PgFeedPart`).

The rules are desk/central/feed.py's and digest.py's, the same as on SQLite; this module holds
the statements, each call in one `REPEATABLE READ, READ ONLY` snapshot (`PgBase._read`): the
page and its cursor agree, and the page's end is the snapshot's end of the commit-ordered log
(docs/central-postgresql.md, section 2.2).

A statement here is a network hop, not a function call, so a page is read with set queries
(`= ANY(%s)` over the page's cases), never one statement per case: the epoch with the end of
the log, the page's cases and their latest changes, whether the reference data changed, the
cases' rows, their events, reporters and duplicate targets, and for an incremental pull of a
unit office three reads of whether it had them. About ten statements for a page of 1,000 cases.

Text is ordered with `COLLATE "C"`, byte order, as SQLite's BINARY: whatever the database's
collation, events and reference rows come in the order the SQLite store sends them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import psycopg
from psycopg.rows import tuple_row

from desk.central import digest, feed
from desk.central.cases import REPORTER_COLUMNS
from desk.central.digest import DigestQuery
from desk.central.feed import Page, PageRow
from desk.central.pg_base import PgBase
from desk.central.store_api import Office

Connection = psycopg.Connection[dict[str, Any]]


def scope_condition(office: Office, case: str = "cases") -> tuple[str, list[object]]:
    """An SQL condition (and its parameters) true for the cases `office` may read and write:
    store.scope_sql in PostgreSQL's form (a coordinator works every case; another office has
    the cases of its units, plus the unit-less cases it recorded itself)."""
    if office.coordinator:
        return "TRUE", []
    return (
        f"({case}.unit_code IN (SELECT unit_code FROM office_units WHERE office = %s) "
        f"OR ({case}.unit_code IS NULL AND {case}.id IN "
        "(SELECT case_id FROM case_origin WHERE office = %s)))",
        [office.name, office.name],
    )


def _unit_condition(office: Office) -> tuple[str, list[object]]:
    """The office's units (every unit for a coordinator), as a condition on `units`."""
    if office.coordinator:
        return "TRUE", []
    return "code IN (SELECT unit_code FROM office_units WHERE office = %s)", [office.name]


class PgFeedReads:
    """The feed's reads (feed.FeedReads) inside one snapshot of `conn`: one object per call."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._head: tuple[str, int] | None = None

    def log_head(self) -> tuple[str, int]:
        # The epoch and the end of the log in one round trip, once per snapshot: neither can
        # change inside it.
        if self._head is None:
            row = self.conn.execute(
                "SELECT (SELECT value FROM central_meta WHERE key = 'epoch') AS epoch, "
                "(SELECT coalesce(max(seq), 0) FROM central_changes) AS last"
            ).fetchone()
            assert row is not None  # a select without FROM gives one row
            self._head = (str(row["epoch"]), int(row["last"]))
        return self._head

    def epoch(self) -> str:
        return self.log_head()[0]

    def last_seq(self) -> int:
        return self.log_head()[1]

    def page_rows(self, office: Office, after: int, tombstones: bool, limit: int) -> list[PageRow]:
        scope, scope_params = scope_condition(office, "c")
        if office.coordinator:
            was_ours = "FALSE"
            was_params: list[object] = []
        else:
            # The case was the office's before a change: its unit then was one of the office's,
            # or it had no unit and the office recorded it.
            was_ours = (
                "bool_or(ch.event_id IS NULL AND (ch.old_unit IN "
                "(SELECT unit_code FROM office_units WHERE office = %s) OR (ch.old_unit IS NULL "
                "AND c.id IN (SELECT case_id FROM case_origin WHERE office = %s))))"
            )
            was_params = [office.name, office.name]
        # HAVING cannot name the select's aliases: the grouped cases are a subquery, filtered
        # and counted outside it (the window counts the rows the filter keeps, before LIMIT).
        rows = self.conn.execute(
            "SELECT case_id, last, ours, count(*) OVER () AS remaining FROM ("
            f"SELECT ch.case_id, max(ch.seq) AS last, bool_or({scope}) AS ours, {was_ours} AS was "
            "FROM central_changes ch JOIN cases c ON c.id = ch.case_id WHERE ch.seq > %s "
            "GROUP BY ch.case_id) AS changed "
            "WHERE ours OR (was AND %s) ORDER BY last LIMIT %s",
            [*scope_params, *was_params, after, tombstones, limit],
        ).fetchall()
        return [
            PageRow(int(row["case_id"]), int(row["last"]), bool(row["ours"]), int(row["remaining"]))
            for row in rows
        ]

    def reference_changed(self, after: int, end: int) -> bool:
        row = self.conn.execute(
            "SELECT EXISTS (SELECT 1 FROM central_changes WHERE case_id IS NULL "
            "AND seq > %s AND seq <= %s) AS changed",
            [after, end],
        ).fetchone()
        return bool(row and row["changed"])

    def cases(self, case_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        rows = self.conn.execute("SELECT * FROM cases WHERE id = ANY(%s)", [list(case_ids)])
        return {int(row["id"]): row for row in rows}

    def cases_named(self, office: Office, local_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        scope, scope_params = scope_condition(office, "c")
        # A NUL names no case (PostgreSQL text cannot hold one; sent, it was a 500, not unknown).
        wanted = [local_id for local_id in dict.fromkeys(local_ids) if "\0" not in local_id]
        rows = self.conn.execute(
            f"SELECT c.*, {scope} AS ours FROM cases c WHERE c.local_id = ANY(%s)",
            [*scope_params, wanted],
        )
        found: dict[str, dict[str, Any]] = {}
        for row in rows:
            row["ours"] = bool(row["ours"])
            found[str(row["local_id"])] = row
        return found

    def first_moves(self, case_ids: Sequence[int], after: int) -> dict[int, str | None]:
        rows = self.conn.execute(
            "SELECT DISTINCT ON (case_id) case_id, old_unit FROM central_changes "
            "WHERE case_id = ANY(%s) AND event_id IS NULL AND seq > %s ORDER BY case_id, seq",
            [list(case_ids), after],
        )
        return {int(row["case_id"]): row["old_unit"] for row in rows}

    def known_at(self, case_ids: Sequence[int], seq: int) -> set[int]:
        rows = self.conn.execute(
            "SELECT id FROM unnest(%s::bigint[]) AS wanted (id) WHERE EXISTS "
            "(SELECT 1 FROM central_changes ch WHERE ch.case_id = wanted.id AND ch.seq <= %s)",
            [list(case_ids), seq],
        )
        return {int(row["id"]) for row in rows}

    def recorded_by(self, case_ids: Sequence[int], office: str) -> set[int]:
        rows = self.conn.execute(
            "SELECT case_id FROM case_origin WHERE case_id = ANY(%s) AND office = %s",
            [list(case_ids), office],
        )
        return {int(row["case_id"]) for row in rows}

    def events(
        self, whole: Sequence[int], since: Sequence[int], after: int
    ) -> Iterable[dict[str, Any]]:
        # Both kinds in one statement; a case's events by (at, id), the cases one after the
        # other.
        return self.conn.execute(
            "SELECT * FROM ("
            "SELECT * FROM events WHERE case_id = ANY(%s) "
            "UNION ALL "
            "SELECT e.* FROM events e JOIN central_changes ch ON ch.event_id = e.id "
            "WHERE ch.case_id = ANY(%s) AND ch.seq > %s"
            ') AS timeline ORDER BY case_id, at COLLATE "C", id',
            [list(whole), list(since), after],
        )

    def reporters(self, case_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT case_id, name, nik, phone, email, address FROM reporters "
            "WHERE case_id = ANY(%s)",
            [list(case_ids)],
        )
        return {int(row["case_id"]): {name: row[name] for name in REPORTER_COLUMNS} for row in rows}

    def duplicate_refs(self, case_ids: Sequence[int]) -> dict[int, str]:
        rows = self.conn.execute(
            "SELECT id, coalesce(tracking_no, local_id) AS ref FROM cases WHERE id = ANY(%s)",
            [list(case_ids)],
        )
        return {int(row["id"]): str(row["ref"]) for row in rows}

    def units(self, office: Office) -> list[dict[str, Any]]:
        condition, params = _unit_condition(office)
        return self.conn.execute(
            f'SELECT code, name, tz, active FROM units WHERE {condition} ORDER BY code COLLATE "C"',
            params,
        ).fetchall()

    def officers(self, office: Office) -> list[dict[str, Any]]:
        condition, params = _unit_condition(office)
        return self.conn.execute(
            "SELECT nip, name, unit_code, role, active FROM officers WHERE unit_code IN "
            f"(SELECT code FROM units WHERE {condition}) "
            'ORDER BY unit_code COLLATE "C", nip COLLATE "C"',
            params,
        ).fetchall()


def bucket_condition(prefixes: Iterable[str]) -> tuple[str, list[object]]:
    """An SQL condition true for the cases whose stored bucket key starts with one of
    `prefixes`: `c.bucket LIKE 'ab%'` (the text_pattern_ops index serves it). A prefix is lower
    -case hex (digest.parse_query checked it), so it holds nothing LIKE would read."""
    wanted = sorted(set(prefixes))
    if "" in wanted:
        return "TRUE", []
    if not wanted:
        return "FALSE", []
    return "(" + " OR ".join(["c.bucket LIKE %s"] * len(wanted)) + ")", [
        f"{prefix}%" for prefix in wanted
    ]


def digest_rows(
    conn: Connection, office: Office, prefixes: Iterable[str]
) -> psycopg.Cursor[tuple[Any, ...]]:
    """(bucket key, case fields...) of the office's cases in the buckets of `prefixes`, as
    digest.answer takes them; the same values as the SQLite store's rows."""
    scope, scope_params = scope_condition(office, "c")
    target_scope, target_params = scope_condition(office, "d")
    wanted, wanted_params = bucket_condition(prefixes)
    sql = (
        "SELECT c.bucket, c.local_id, c.version, c.status, c.tracking_no, c.unit_code, "
        "c.assignee_nip, "
        # The duplicate link as the feed sends it, when its target is the office's too (a desk
        # cannot hold a link to a case it does not have).
        "CASE WHEN c.duplicate_of IS NULL THEN NULL ELSE (SELECT coalesce(d.tracking_no, "
        f"d.local_id) FROM cases d WHERE d.id = c.duplicate_of AND {target_scope}) END, "
        # The order of the uids does not reach the digest (case_entry hashes them sorted); by
        # id, so that the row itself is stable.
        "(SELECT string_agg(e.uid, chr(31) ORDER BY e.id) FROM events e "
        "WHERE e.case_id = c.id AND e.uid IS NOT NULL) "
        f"FROM cases c WHERE {scope} AND {wanted}"
    )
    cursor = conn.cursor(row_factory=tuple_row)
    return cursor.execute(sql, [*target_params, *scope_params, *wanted_params])


class PgFeedPart(PgBase):
    """The feed's part of the PostgreSQL store (desk/central/pg_store.py assembles the parts):
    each call one read-only snapshot."""

    def changes(self, office: Office, cursor: str, limit: int) -> Page:
        """One page of the feed after `cursor` (raises `feed.CursorGone`)."""
        if cursor:
            # A desk's idle sync (most requests) in one statement, without a transaction: the
            # epoch and the end of the log, read together, say it all (feed.idle_page).
            with self._single() as conn:
                idle = feed.idle_page(cursor, *PgFeedReads(conn).log_head())
            if idle is not None:
                return idle
        with self._read() as conn:
            return feed.changes(PgFeedReads(conn), office, cursor, limit)

    def cases_by_id(self, office: Office, local_ids: list[str]) -> dict[str, Any]:
        """The named cases, whole, or their tombstones (`POST /sync/v1/cases`)."""
        with self._read() as conn:
            return feed.cases_by_id(PgFeedReads(conn), office, local_ids)

    def digests(self, office: Office, query: DigestQuery) -> dict[str, Any]:
        """The answer to a digest request (raises `digest.TooManyCases`)."""
        with self._read() as conn:
            rows = digest_rows(conn, office, (*query.buckets, *query.cases))
            with rows:
                return digest.answer(rows, query)
