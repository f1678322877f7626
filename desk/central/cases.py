"""A case and its events as the feed and the receipts send them (docs/sync-protocol.md).

The fields are those of docs/case-format.md. Every byte counts on a GPRS link, so null and
false fields are left out (a reader takes a missing field as null or false), as are a case's
unit name (the reference data carries the units) and empty event data.
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
    """The case as `office` may see it (reporter withheld for Anonim cases unless coordinating)."""
    result: dict[str, Any] = {
        name: case[name] for name in CASE_COLUMNS if case.get(name) is not None
    }
    if case.get("anonymous"):
        result["anonymous"] = True
    if case.get("confidential"):
        result["confidential"] = True
    if case.get("extra"):
        result["extra"] = json.loads(case["extra"])
    if case.get("duplicate_of") is not None:
        row = database.execute(
            "SELECT ifnull(tracking_no, local_id) FROM cases WHERE id = ?", [case["duplicate_of"]]
        ).fetchone()
        if row is not None:
            result["duplicate_of"] = row[0]
    if case.get("anonymous") and not office.coordinator:
        result["reporter"] = None  # withheld (DOMAIN.md: Anonim hides identity at the unit)
    else:
        row = database.execute(
            "SELECT name, nik, phone, email, address FROM reporters WHERE case_id = ?",
            [case["id"]],
        ).fetchone()
        if row is not None:
            reporter = {k: v for k, v in zip(REPORTER_COLUMNS, row, strict=True) if v is not None}
            if reporter:
                result["reporter"] = reporter
    return result


def event_json(row: dict[str, Any]) -> dict[str, Any]:
    result = {name: row[name] for name in EVENT_COLUMNS if row.get(name) is not None}
    if row.get("data"):
        data = json.loads(row["data"])
        if data:
            result["data"] = data
    return result
