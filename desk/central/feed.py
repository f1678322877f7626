"""The changes feed (`GET /sync/v1/changes`): what changed for an office after a cursor.

The cursor is `<epoch>.<seq>` at the end of a pull and `<epoch>.<seq>.<base>` between the pages
of one: `seq` is a position in the change log (`central_changes`, kept by triggers), `epoch`
names the log itself (a cursor from before a reset or from a restored copy answers 410 and the
desk starts a full pull), `base` is where the pull started.

A page holds up to `limit` cases, ordered by their latest change, each the whole case as it is
now with its events appended after `base` (all of them when the case is new to the office).
A case that left the office's scope since the cursor comes as a tombstone.

Why `base` and not `seq` for the events: paging by each case's latest change makes the cursor
after a page exact for the cases (every case changed up to it is in the page or an earlier one),
but not for the events. A case that changed both before and after a page's cursor is not in that
page (its latest change is later); its earlier events are older than the cursor, so choosing
the events after the cursor would drop them for good (issue 14: a fresh desk lost 659 of 5,323
events). The desk holds every change up to `base`, so the events after `base` are exactly what
it may lack; a case sent in an earlier page of the same pull and changed again meanwhile comes
again with some events it has, which it merges by uid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

from desk.central.cases import case_json, event_json
from desk.central.store import Office, epoch, scope_sql

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000


class CursorGone(Exception):
    """The cursor is from another epoch, from the future, or not a cursor at all: 410."""


@dataclass(frozen=True)
class Page:
    body: dict[str, Any] | None  # None: nothing new for the office (a 304 when asked for)
    next_cursor: str
    # A cursor valid after each change of `body["changes"]`: the page's cases come in the order
    # of their latest change, so after the i-th, every case changed up to its latest change has
    # been sent (the streamed form marks these as checkpoints; a cut keeps what came before).
    checkpoints: tuple[str, ...] = ()
    remaining: int = 0  # cases with a change after the cursor, this page's included


def parse_cursor(database: sqlite_utils.Database, cursor: str) -> tuple[int, int]:
    """The log position after which to read, and the pull's base; (0, 0) for an empty cursor."""
    if not cursor:
        return 0, 0
    current, _, position = cursor.partition(".")
    seq_text, _, base_text = position.partition(".")
    base_text = base_text or seq_text
    # Positions are ASCII digits, 18 at most: `isdigit` alone takes "²" (which int() refuses)
    # and thousands of digits (which int() refuses too), and either was a 500.
    if current != epoch(database) or not _position(seq_text) or not _position(base_text):
        raise CursorGone(cursor)
    seq, base = int(seq_text), int(base_text)
    if seq > last_seq(database) or base > seq:
        raise CursorGone(cursor)
    return seq, base


def _position(text: str) -> bool:
    return 0 < len(text) <= 18 and text.isascii() and text.isdigit()


def last_seq(database: sqlite_utils.Database) -> int:
    row = database.execute("SELECT max(seq) FROM central_changes").fetchone()
    return int(row[0] or 0)


def changes(
    database: sqlite_utils.Database, office: Office, cursor: str, limit: int = DEFAULT_LIMIT
) -> Page:
    """One page of the feed for `office` after `cursor` (raises `CursorGone`)."""
    conn = database.conn
    conn.execute("BEGIN")  # one snapshot: the page and its cursor agree
    try:
        return _page(database, office, cursor, max(1, min(limit, MAX_LIMIT)))
    finally:
        conn.execute("COMMIT")


def _page(database: sqlite_utils.Database, office: Office, cursor: str, limit: int) -> Page:
    after, base = parse_cursor(database, cursor)
    full = base == 0  # the pull started from nothing: every case comes whole
    scope, scope_params = scope_sql(office, "c")
    if office.coordinator:
        was_ours = "0"
        was_params: list[object] = []
    else:
        # The case was the office's before a change: its unit then was one of the office's, or
        # it had no unit and the office recorded it.
        was_ours = (
            "max(ch.event_id IS NULL AND (ch.old_unit IN "
            "(SELECT unit_code FROM office_units WHERE office = ?) OR (ch.old_unit IS NULL AND "
            "c.id IN (SELECT case_id FROM case_origin WHERE office = ?))))"
        )
        was_params = [office.name, office.name]
    rows = database.execute(
        f"SELECT ch.case_id, max(ch.seq) AS last, {scope} AS ours, {was_ours} AS was, "
        "count(*) OVER () AS remaining "
        "FROM central_changes ch JOIN cases c ON c.id = ch.case_id WHERE ch.seq > ? "
        f"GROUP BY ch.case_id HAVING ours OR (was AND ?) ORDER BY last LIMIT ?",
        [*scope_params, *was_params, after, int(after != 0), limit + 1],
    ).fetchall()
    has_more = len(rows) > limit
    remaining = int(rows[0][4]) if rows else 0
    rows = rows[:limit]
    end = int(rows[-1][1]) if has_more else last_seq(database)
    # Between pages the base travels with the cursor; the last page ends the pull, so the desk
    # then holds every change up to `end`, which is the next pull's base.
    next_cursor = f"{epoch(database)}.{end}.{base}" if has_more else f"{epoch(database)}.{end}"
    reference_changed = after == 0 or bool(
        database.execute(
            "SELECT 1 FROM central_changes WHERE case_id IS NULL AND seq > ? AND seq <= ? LIMIT 1",
            [after, end],
        ).fetchone()
    )
    if not rows and not reference_changed:
        return Page(None, next_cursor)
    current = epoch(database)
    checkpoints = tuple(f"{current}.{last}.{base}" for _case, last, *_rest in rows)
    if checkpoints:
        checkpoints = (*checkpoints[:-1], next_cursor)
    items: list[dict[str, Any]] = []
    for case_id, _last, ours, _was, _remaining in rows:
        case = next(iter(database.query("SELECT * FROM cases WHERE id = ?", [case_id])))
        if not ours:
            items.append({"gone": case["local_id"], "reason": "out_of_scope"})
            continue
        everything = full or not _had_it(database, office, case_id, base)
        items.append(
            {
                "case": case_json(database, case, office),
                "events": _events(database, case_id, None if everything else base),
            }
        )
    body: dict[str, Any] = {
        "type": "desk-sync/changes",
        "next_cursor": next_cursor,
        "has_more": has_more,
    }
    if reference_changed:
        body["reference"] = reference(database, office)
    body["changes"] = items
    return Page(body, next_cursor, checkpoints, remaining)


def _had_it(database: sqlite_utils.Database, office: Office, case_id: int, after: int) -> bool:
    """Whether the office had the case at the cursor (else it gets the whole timeline now)."""
    if office.coordinator:
        return True
    row = database.execute(
        "SELECT old_unit, seq FROM central_changes WHERE case_id = ? AND event_id IS NULL "
        "AND seq > ? ORDER BY seq LIMIT 1",
        [case_id, after],
    ).fetchone()
    if row is None:
        return True
    inserted = database.execute(
        "SELECT 1 FROM central_changes WHERE case_id = ? AND seq <= ? LIMIT 1", [case_id, after]
    ).fetchone()
    if inserted is None:  # the case was made after the cursor
        return False
    old_unit = row[0]
    if old_unit is None:
        return bool(
            database.execute(
                "SELECT 1 FROM case_origin WHERE case_id = ? AND office = ?",
                [case_id, office.name],
            ).fetchone()
        )
    return old_unit in office.units


def _events(
    database: sqlite_utils.Database, case_id: int, after: int | None
) -> list[dict[str, Any]]:
    if after is None:
        rows = database.query("SELECT * FROM events WHERE case_id = ? ORDER BY at, id", [case_id])
    else:
        rows = database.query(
            "SELECT e.* FROM events e JOIN central_changes ch ON ch.event_id = e.id "
            "WHERE ch.case_id = ? AND ch.seq > ? ORDER BY e.at, e.id",
            [case_id, after],
        )
    return [event_json(row) for row in rows]


MAX_FETCH = 500  # cases one `POST /sync/v1/cases` may name


def cases_by_id(
    database: sqlite_utils.Database, office: Office, local_ids: list[str]
) -> dict[str, Any]:
    """The server's copy of named cases (`POST /sync/v1/cases`), each with its whole timeline.

    What a desk asks for when it knows a case of its own differs from the central one: after an
    operation was refused or found already done (the case did not change centrally, so the feed
    would never bring it), and when `desk sync verify` found a difference. A case the office may
    not read, or that does not exist, comes as `{"gone": id, "reason": "out_of_scope" |
    "unknown"}`: the same answer shape as the feed's tombstones, and no way to probe for cases
    of other offices beyond "not yours".
    """
    scope, scope_params = scope_sql(office, "c")
    items: list[dict[str, Any]] = []
    conn = database.conn
    conn.execute("BEGIN")  # one snapshot for every case of the answer
    try:
        for local_id in local_ids:
            rows = list(
                database.query(
                    f"SELECT c.*, {scope} AS ours FROM cases c WHERE c.local_id = ?",
                    [*scope_params, local_id],
                )
            )
            if not rows:
                items.append({"gone": local_id, "reason": "unknown"})
                continue
            case = rows[0]
            if not case.pop("ours"):
                items.append({"gone": local_id, "reason": "out_of_scope"})
                continue
            items.append(
                {
                    "case": case_json(database, case, office),
                    "events": _events(database, case["id"], None),
                }
            )
    finally:
        conn.execute("COMMIT")
    return {"type": "desk-sync/cases", "changes": items}


def reference(database: sqlite_utils.Database, office: Office) -> dict[str, Any]:
    """The units of the office and their officers (never PIN hashes): a new desk's staff list."""
    if office.coordinator:
        condition, params = "1", []
    else:
        condition = "code IN (SELECT unit_code FROM office_units WHERE office = ?)"
        params = [office.name]
    units = [
        {"code": code, "name": name, "tz": tz, **({} if active else {"active": False})}
        for code, name, tz, active in database.execute(
            f"SELECT code, name, tz, active FROM units WHERE {condition} ORDER BY code", params
        )
    ]
    officers = [
        {
            "nip": nip,
            "name": name,
            "unit_code": unit,
            "role": role,
            **({} if active else {"active": False}),
        }
        for nip, name, unit, role, active in database.execute(
            "SELECT nip, name, unit_code, role, active FROM officers WHERE unit_code IN "
            f"(SELECT code FROM units WHERE {condition}) ORDER BY unit_code, nip",
            params,
        )
    ]
    return {"units": units, "officers": officers}
