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

This module holds the rules: the cursor, the pages, the checkpoints, which cases come whole and
which as tombstones, the reference data. The statements are a store's (`FeedReads`, one
snapshot per call: desk/central/sqlite_feed.py, desk/central/pg_feed.py), read a page at a time
with set reads, so that a store where each statement is a network hop asks a few per page.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from desk.central.cases import case_wire, event_json, shows_reporter
from desk.central.store_api import Office

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
MAX_FETCH = 500  # cases one `POST /sync/v1/cases` may name


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


class PageRow(NamedTuple):
    """A case of a page: its latest change, whether the office may read it now (else it comes
    as a tombstone), and how many cases the whole answer holds (this page's and later ones)."""

    case_id: int
    last: int
    ours: bool
    remaining: int


class FeedReads(Protocol):
    """What the feed reads, every call inside the one snapshot its caller holds.

    Case ids are the stores' `cases.id`; a read of several cases answers for those it found.
    """

    def epoch(self) -> str: ...

    def last_seq(self) -> int:
        """The end of the change log (0 when empty)."""
        ...

    def page_rows(self, office: Office, after: int, tombstones: bool, limit: int) -> list[PageRow]:
        """The cases with a change after `after` that the office may read, and, with
        `tombstones`, those it could read before one of these changes: ordered by their latest
        change, at most `limit`."""
        ...

    def reference_changed(self, after: int, end: int) -> bool:
        """Whether units or officers changed in (after, end]."""
        ...

    def cases(self, case_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The cases' rows (`SELECT *`), by id."""
        ...

    def cases_named(self, office: Office, local_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The rows of the cases with these local ids, by local id, each with `ours` (whether
        the office may read it)."""
        ...

    def first_moves(self, case_ids: Sequence[int], after: int) -> dict[int, str | None]:
        """For the cases with a change of the case itself (not an event) after `after`: the
        unit the first of those changes found (`old_unit`)."""
        ...

    def known_at(self, case_ids: Sequence[int], seq: int) -> set[int]:
        """Those of the cases with a change at or before `seq` (they existed then)."""
        ...

    def recorded_by(self, case_ids: Sequence[int], office: str) -> set[int]:
        """Those of the cases that `office` recorded (case_origin)."""
        ...

    def events(
        self, whole: Sequence[int], since: Sequence[int], after: int
    ) -> Iterable[dict[str, Any]]:
        """The event rows of the cases, a case's together and in (at, id) order: every event
        of the cases in `whole`, the events appended after `after` of those in `since`. An
        iterable, so that a store may hand them over as they come (a page holds thousands)."""
        ...

    def reporters(self, case_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """The cases' reporter rows (name, nik, phone, email, address), by case id."""
        ...

    def duplicate_refs(self, case_ids: Sequence[int]) -> dict[int, str]:
        """The tracking number, else the local id, of these cases (duplicate targets)."""
        ...

    def units(self, office: Office) -> list[dict[str, Any]]:
        """code, name, tz, active of the office's units (all for a coordinator), by code."""
        ...

    def officers(self, office: Office) -> list[dict[str, Any]]:
        """nip, name, unit_code, role, active of the officers of those units, by unit, nip."""
        ...


# The cursor ------------------------------------------------------------------------------------


def parse_cursor(cursor: str, current: str, last: int) -> tuple[int, int]:
    """The log position after which to read, and the pull's base; (0, 0) for an empty cursor.

    `current` is the store's epoch and `last` the end of its log, both of the snapshot the page
    is read in."""
    if not cursor:
        return 0, 0
    given, _, position = cursor.partition(".")
    seq_text, _, base_text = position.partition(".")
    base_text = base_text or seq_text
    # Positions are ASCII digits, 18 at most: `isdigit` alone takes "²" (which int() refuses)
    # and thousands of digits (which int() refuses too), and either was a 500.
    if given != current or not _position(seq_text) or not _position(base_text):
        raise CursorGone(cursor)
    seq, base = int(seq_text), int(base_text)
    if seq > last or base > seq:
        raise CursorGone(cursor)
    return seq, base


def _position(text: str) -> bool:
    return 0 < len(text) <= 18 and text.isascii() and text.isdigit()


# A page ----------------------------------------------------------------------------------------


def idle_page(cursor: str, current: str, last: int) -> Page | None:
    """The page for a cursor at the end of the log (a desk's idle sync): nothing new, and the
    end as the next cursor; None for any other cursor. What `changes` answers for it, known from
    the epoch and the end of the log alone: no case and no unit or officer changed after it."""
    try:
        after, _ = parse_cursor(cursor, current, last)
    except CursorGone:
        return None  # `changes` says so
    if after == 0 or after != last:
        return None
    return Page(None, f"{current}.{last}")


def changes(reads: FeedReads, office: Office, cursor: str, limit: int = DEFAULT_LIMIT) -> Page:
    """One page of the feed for `office` after `cursor` (raises `CursorGone`).

    `reads` must hold one snapshot for the whole call: the page and its cursor agree."""
    limit = max(1, min(limit, MAX_LIMIT))
    current = reads.epoch()  # once: the snapshot cannot see it change
    last_seq = reads.last_seq()
    idle = idle_page(cursor, current, last_seq)
    if idle is not None:
        return idle
    after, base = parse_cursor(cursor, current, last_seq)
    full = base == 0  # the pull started from nothing: every case comes whole
    rows = reads.page_rows(office, after, after != 0, limit + 1)
    has_more = len(rows) > limit
    remaining = rows[0].remaining if rows else 0
    rows = rows[:limit]
    end = rows[-1].last if has_more else last_seq
    # Between pages the base travels with the cursor; the last page ends the pull, so the desk
    # then holds every change up to `end`, which is the next pull's base.
    next_cursor = f"{current}.{end}.{base}" if has_more else f"{current}.{end}"
    reference_changed = after == 0 or reads.reference_changed(after, end)
    if not rows and not reference_changed:
        return Page(None, next_cursor)
    checkpoints = tuple(f"{current}.{row.last}.{base}" for row in rows)
    if checkpoints:
        checkpoints = (*checkpoints[:-1], next_cursor)
    found = reads.cases([row.case_id for row in rows])
    ours = [row.case_id for row in rows if row.ours]
    had = set() if full else _had_them(reads, office, ours, base)
    events = _timelines(
        reads, [i for i in ours if i not in had], [i for i in ours if i in had], base
    )
    wires = _case_wires(reads, office, [found[case_id] for case_id in ours])
    items: list[dict[str, Any]] = []
    for row in rows:
        if not row.ours:
            items.append({"gone": found[row.case_id]["local_id"], "reason": "out_of_scope"})
            continue
        items.append(
            {
                "case": wires[row.case_id],
                "events": events.get(row.case_id, []),
            }
        )
    body: dict[str, Any] = {
        "type": "desk-sync/changes",
        "next_cursor": next_cursor,
        "has_more": has_more,
    }
    if reference_changed:
        body["reference"] = reference(reads, office)
    body["changes"] = items
    return Page(body, next_cursor, checkpoints, remaining)


def _had_them(reads: FeedReads, office: Office, case_ids: list[int], after: int) -> set[int]:
    """Those of the cases the office had at the cursor (the others get their whole timeline).

    A case the office had is one that did not move since (no change of the case after the
    cursor), or whose first move since found it in one of the office's units, or unit-less and
    recorded by the office; a case made after the cursor it cannot have had."""
    if office.coordinator or not case_ids:
        return set(case_ids)
    moves = reads.first_moves(case_ids, after)
    had = {case_id for case_id in case_ids if case_id not in moves}
    moved = [case_id for case_id in case_ids if case_id in moves]
    existed = reads.known_at(moved, after) if moved else set()
    unitless = [case_id for case_id in moved if case_id in existed and moves[case_id] is None]
    recorded = reads.recorded_by(unitless, office.name) if unitless else set()
    for case_id in moved:
        if case_id not in existed:  # made after the cursor
            continue
        unit = moves[case_id]
        if unit is None:
            if case_id in recorded:
                had.add(case_id)
        elif unit in office.units:
            had.add(case_id)
    return had


def _timelines(
    reads: FeedReads, whole: list[int], since: list[int], after: int
) -> dict[int, list[dict[str, Any]]]:
    """The events' JSON by case (see `FeedReads.events`), each row turned to JSON as it comes."""
    timelines: dict[int, list[dict[str, Any]]] = {}
    if whole or since:
        for row in reads.events(whole, since, after):
            timelines.setdefault(row["case_id"], []).append(event_json(row))
    return timelines


def _case_wires(
    reads: FeedReads, office: Office, cases: list[dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """The cases' JSON by id, their duplicate targets and reporters read once for all."""
    targets = sorted({c["duplicate_of"] for c in cases if c.get("duplicate_of") is not None})
    refs = reads.duplicate_refs(targets) if targets else {}
    shown = [c["id"] for c in cases if shows_reporter(c, office)]
    reporters = reads.reporters(shown) if shown else {}
    return {
        case["id"]: case_wire(
            case,
            office,
            refs.get(case["duplicate_of"]) if case.get("duplicate_of") is not None else None,
            reporters.get(case["id"]),
        )
        for case in cases
    }


def cases_by_id(reads: FeedReads, office: Office, local_ids: list[str]) -> dict[str, Any]:
    """The server's copy of named cases (`POST /sync/v1/cases`), each with its whole timeline.

    What a desk asks for when it knows a case of its own differs from the central one: after an
    operation was refused or found already done (the case did not change centrally, so the feed
    would never bring it), and when `desk sync verify` found a difference. A case the office may
    not read, or that does not exist, comes as `{"gone": id, "reason": "out_of_scope" |
    "unknown"}`: the same answer shape as the feed's tombstones, and no way to probe for cases
    of other offices beyond "not yours". `reads` holds one snapshot for every case of it.
    """
    named = reads.cases_named(office, local_ids)
    readable = [named[i] for i in dict.fromkeys(local_ids) if i in named and named[i]["ours"]]
    ids = [case["id"] for case in readable]
    events = _timelines(reads, ids, [], 0) if ids else {}
    wires = _case_wires(reads, office, readable)
    items: list[dict[str, Any]] = []
    for local_id in local_ids:
        case = named.get(local_id)
        if case is None:
            items.append({"gone": local_id, "reason": "unknown"})
        elif not case["ours"]:
            items.append({"gone": local_id, "reason": "out_of_scope"})
        else:
            items.append(
                {
                    "case": wires[case["id"]],
                    "events": events.get(case["id"], []),
                }
            )
    return {"type": "desk-sync/cases", "changes": items}


def reference(reads: FeedReads, office: Office) -> dict[str, Any]:
    """The units of the office and their officers (never PIN hashes): a new desk's staff list."""
    units = [
        {
            "code": unit["code"],
            "name": unit["name"],
            "tz": unit["tz"],
            **({} if unit["active"] else {"active": False}),
        }
        for unit in reads.units(office)
    ]
    officers = [
        {
            "nip": officer["nip"],
            "name": officer["name"],
            "unit_code": officer["unit_code"],
            "role": officer["role"],
            **({} if officer["active"] else {"active": False}),
        }
        for officer in reads.officers(office)
    ]
    return {"units": units, "officers": officers}
