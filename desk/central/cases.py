"""A case and its events as the feed and the receipts send them (docs/sync-protocol.md).

The fields are those of docs/case-format.md. Every byte counts on a GPRS link, so null and
false fields are left out (a reader takes a missing field as null or false), as are a case's
unit name (the reference data carries the units) and empty event data.

`case_wire` builds a case's JSON from rows any store read; `case_json` is its SQLite form for
one case (a push's conflict answer, desk/central/apply.py).
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from db.case_columns import WIRE_FIELDS
from desk.central.store import Office

CASE_COLUMNS = ("local_id", *WIRE_FIELDS)
EVENT_COLUMNS = (
    "uid",
    "at",
    "actor_kind",
    "actor_nip",
    "kind",
    "visibility",
    "from_status",
    "to_status",
    "unit_code",
    "body",
)
REPORTER_COLUMNS = ("name", "nik", "phone", "email", "address")


def case_json(
    database: sqlite_utils.Database, case: dict[str, Any], office: Office
) -> dict[str, Any]:
    """The case as `office` may see it, its reporter and duplicate link read from SQLite (a
    push's answer; the feed reads these for a whole page at once, desk/central/feed.py)."""
    duplicate_ref = None
    if case.get("duplicate_of") is not None:
        row = database.execute(
            "SELECT ifnull(tracking_no, local_id) FROM cases WHERE id = ?", [case["duplicate_of"]]
        ).fetchone()
        duplicate_ref = None if row is None else row[0]
    reporter = None
    if shows_reporter(case, office):
        row = database.execute(
            "SELECT name, nik, phone, email, address FROM reporters WHERE case_id = ?",
            [case["id"]],
        ).fetchone()
        reporter = None if row is None else dict(zip(REPORTER_COLUMNS, row, strict=True))
    return case_wire(case, office, duplicate_ref, reporter)


def shows_reporter(case: dict[str, Any], office: Office) -> bool:
    """Whether `office` may see the case's reporter: not an Anonim case's, unless coordinating
    (DOMAIN.md: Anonim hides identity at the unit)."""
    return not case.get("anonymous") or office.coordinator


def case_wire(
    case: dict[str, Any],
    office: Office,
    duplicate_ref: str | None,
    reporter: dict[str, Any] | None,
) -> dict[str, Any]:
    """The case as `office` may see it, from its row, the tracking number (or local id) of the
    case it duplicates (None: no link, or the target is gone) and its reporter row (None: none
    stored); whichever store read them."""
    result: dict[str, Any] = {
        name: case[name] for name in CASE_COLUMNS if case.get(name) is not None
    }
    if case.get("anonymous"):
        result["anonymous"] = True
    if case.get("confidential"):
        result["confidential"] = True
    if case.get("extra"):
        result["extra"] = json.loads(case["extra"])
    if case.get("duplicate_of") is not None and duplicate_ref is not None:
        result["duplicate_of"] = duplicate_ref
    if not shows_reporter(case, office):
        result["reporter"] = None  # withheld
    elif reporter is not None:
        shown = {name: reporter[name] for name in REPORTER_COLUMNS if reporter[name] is not None}
        if shown:
            result["reporter"] = shown
    return result


def event_json(row: dict[str, Any]) -> dict[str, Any]:
    result = {name: row[name] for name in EVENT_COLUMNS if row.get(name) is not None}
    if row.get("data"):
        data = json.loads(row["data"])
        if data:
            result["data"] = data
    return result
