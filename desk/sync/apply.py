"""Bringing the server's copy of a case into the desk without losing unsent local work.

Used by pull (each change of a page) and by conflict resolution ("keep theirs"). A field that an
unsent local operation changed (states pending, sending, conflict) keeps the desk's value until
that operation is answered: the server has not seen it yet, and showing the older server value
would make the officer's action seem undone. Events are merged by `uid`.
"""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from db.case_columns import WIRE_FIELDS
from desk.attachments import record_from_event
from desk.services import append_event

# Server case fields (docs/case-format.md) stored as they are.
PLAIN_FIELDS = WIRE_FIELDS
REQUIRED = ("local_id", "title", "body", "status", "received_at", "updated_at", "version")
CLOCK_COLUMNS = ("due_at", "due_kind", "auto_at", "auto_kind", "hold_remaining_hk")
REPORTER_FIELDS = ("name", "nik", "phone", "email", "address")
UNSENT = ("pending", "sending", "conflict")

# Which columns an op's payload key changes; the clocks follow the status.
PAYLOAD_COLUMNS: dict[str, tuple[str, ...]] = {
    "status": ("status", *CLOCK_COLUMNS),
    "unit": ("unit_code", "assignee_nip", *CLOCK_COLUMNS),
    "assignee": ("assignee_nip",),
    "duplicate_of": ("duplicate_of",),
}


class BadChange(ValueError):
    """A change the desk cannot store (a missing field, a wrong type)."""


def protected_columns(
    database: sqlite_utils.Database, case_id: int, states: tuple[str, ...] = UNSENT
) -> set[str]:
    """The columns of a case that its operations in `states` changed (and `version` if any)."""
    if not states:
        return set()
    marks = ", ".join("?" * len(states))
    rows = database.execute(
        f"SELECT payload FROM outbox WHERE case_id = ? AND state IN ({marks})",
        [case_id, *states],
    ).fetchall()
    columns: set[str] = set()
    for (payload,) in rows:
        columns.add("version")
        try:
            keys = json.loads(payload)
        except ValueError:
            keys = {}
        for key in keys if isinstance(keys, dict) else {}:
            columns.update(PAYLOAD_COLUMNS.get(key, ()))
    return columns


def upsert_reference(database: sqlite_utils.Database, reference: dict[str, Any]) -> None:
    """Units and officers of the office, so a new desk can work after its first pull."""
    for unit in reference.get("units") or []:
        if not isinstance(unit, dict) or not unit.get("code"):
            raise BadChange("a unit without a code")
        database.execute(
            "INSERT INTO units (code, name, tz, active) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(code) DO UPDATE SET name = excluded.name, tz = excluded.tz, "
            "active = excluded.active",
            [
                unit["code"],
                unit.get("name") or unit["code"],
                unit.get("tz") or "Asia/Makassar",
                int(bool(unit.get("active", True))),
            ],
        )
    for officer in reference.get("officers") or []:
        if not isinstance(officer, dict) or not officer.get("nip"):
            raise BadChange("an officer without a NIP")
        _ensure_unit(database, officer.get("unit_code"), None)
        # pin_hash and lockout stay the desk's own: they are never synced.
        database.execute(
            "INSERT INTO officers (nip, name, unit_code, role, active, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(nip) DO UPDATE SET name = excluded.name, "
            "unit_code = excluded.unit_code, role = excluded.role, active = excluded.active",
            [
                officer["nip"],
                officer.get("name") or officer["nip"],
                officer.get("unit_code"),
                officer.get("role") or "petugas",
                int(bool(officer.get("active", True))),
                officer.get("created_at") or "1970-01-01T00:00:00Z",
            ],
        )


def _ensure_unit(database: sqlite_utils.Database, code: Any, name: Any) -> None:
    """A unit a case refers to but the reference did not bring (yet): a placeholder row."""
    if not code:
        return
    database.execute(
        "INSERT INTO units (code, name) VALUES (?, ?) ON CONFLICT(code) DO NOTHING",
        [str(code), str(name or code)],
    )


def _ensure_officer(database: sqlite_utils.Database, nip: Any, unit_code: Any) -> bool:
    if not nip:
        return True
    if database.execute("SELECT 1 FROM officers WHERE nip = ?", [nip]).fetchone():
        return True
    if not unit_code:
        return False
    # Inactive placeholder: the name arrives with the next reference; nobody can log in as it.
    database.execute(
        "INSERT INTO officers (nip, name, unit_code, role, active, created_at) "
        "VALUES (?, ?, ?, 'petugas', 0, '1970-01-01T00:00:00Z')",
        [nip, nip, unit_code],
    )
    return True


def _local_case_ref(database: sqlite_utils.Database, reference: Any) -> int | None:
    """duplicate_of travels as a tracking number or a local id; the desk stores a row id."""
    if reference in (None, ""):
        return None
    row = database.execute(
        "SELECT id FROM cases WHERE tracking_no = ? OR local_id = ?", [reference, reference]
    ).fetchone()
    return int(row[0]) if row else None


def apply_case(
    database: sqlite_utils.Database,
    case: dict[str, Any],
    events: list[dict[str, Any]] | None = None,
    *,
    protect: tuple[str, ...] = UNSENT,
    numbers_held: list[str] | None = None,
) -> int:
    """Insert or update one case from the server; returns its row id. Call inside a transaction.

    `protect`: the states of the operations whose fields keep the desk's value.
    `numbers_held`: gets the tracking number of a case stored without it because a record of
    this desk already holds that number (the sync says so: the officer must know).
    """
    missing = [name for name in REQUIRED if case.get(name) in (None, "")]
    if missing:
        raise BadChange(f"case {case.get('local_id')!r} lacks {', '.join(missing)}")
    local_id = str(case["local_id"])
    values: dict[str, Any] = {name: case.get(name) for name in PLAIN_FIELDS}
    values["anonymous"] = int(bool(case.get("anonymous")))
    values["confidential"] = int(bool(case.get("confidential")))
    values["classification"] = case.get("classification") or "pengaduan"
    values["channel"] = case.get("channel") or "web"
    values["source"] = case.get("source") or "central"
    extra = case.get("extra")
    values["extra"] = json.dumps(extra, ensure_ascii=False) if extra else None
    values["duplicate_of"] = _local_case_ref(database, case.get("duplicate_of"))
    _ensure_unit(database, values["unit_code"], case.get("unit_name"))
    if not _ensure_officer(database, values["assignee_nip"], values["unit_code"]):
        values["assignee_nip"] = None
    row = database.execute("SELECT id FROM cases WHERE local_id = ?", [local_id]).fetchone()
    if values["tracking_no"]:
        holder = database.execute(
            "SELECT local_id FROM cases WHERE tracking_no = ?", [values["tracking_no"]]
        ).fetchone()
        if holder is not None and holder[0] != local_id:
            # Another local record already has this number (e.g. imported separately): keep
            # both cases rather than fail the page; the number stays with the older one.
            if numbers_held is not None:
                numbers_held.append(str(values["tracking_no"]))
            values["tracking_no"] = None
    if values["provisional_no"]:
        holder = database.execute(
            "SELECT local_id FROM cases WHERE provisional_no = ?", [values["provisional_no"]]
        ).fetchone()
        if holder is not None and holder[0] != local_id:
            # Two desks numbered their own complaints alike (L-PUPR-0007 at both): the case is
            # still found by its tracking number; never refuse the page for it.
            values["provisional_no"] = None
    if row is None:
        values["local_id"] = local_id
        columns = ", ".join(values)
        cursor = database.execute(
            f"INSERT INTO cases ({columns}) VALUES ({', '.join('?' * len(values))})",
            list(values.values()),
        )
        case_id = int(cursor.lastrowid or 0)
    else:
        case_id = int(row[0])
        keep = protected_columns(database, case_id, protect)
        if values["tracking_no"] is None:
            keep.add("tracking_no")  # never erase a number the desk knows
        if values["provisional_no"] is None:
            keep.add("provisional_no")
        changes = {k: v for k, v in values.items() if k not in keep}
        assignments = ", ".join(f"{column} = ?" for column in changes)
        database.execute(
            f"UPDATE cases SET {assignments} WHERE id = ?", [*changes.values(), case_id]
        )
    reporter = case.get("reporter")
    if isinstance(reporter, dict) and not reporter.get("masked"):
        _merge_reporter(database, case_id, reporter)
    for event in events or []:
        merge_event(database, case_id, event)
    return case_id


def _merge_reporter(
    database: sqlite_utils.Database, case_id: int, reporter: dict[str, Any]
) -> None:
    known = {k: reporter.get(k) for k in REPORTER_FIELDS if reporter.get(k) not in (None, "")}
    if not known:
        return
    exists = database.execute("SELECT 1 FROM reporters WHERE case_id = ?", [case_id]).fetchone()
    if exists:
        assignments = ", ".join(f"{k} = ?" for k in known)
        database.execute(
            f"UPDATE reporters SET {assignments} WHERE case_id = ?", [*known.values(), case_id]
        )
    else:
        columns = ", ".join(["case_id", *known])
        database.execute(
            f"INSERT INTO reporters ({columns}) VALUES ({', '.join('?' * (len(known) + 1))})",
            [case_id, *known.values()],
        )


def merge_event(database: sqlite_utils.Database, case_id: int, event: dict[str, Any]) -> bool:
    """Append a server event unless the desk has it (same uid); returns whether it was added."""
    if not isinstance(event, dict) or not event.get("at") or not event.get("kind"):
        raise BadChange("an event without 'at' or 'kind'")
    uid = event.get("uid")
    if uid and database.execute("SELECT 1 FROM events WHERE uid = ?", [uid]).fetchone():
        return False
    data = event.get("data")
    append_event(
        database,
        case_id=case_id,
        at=str(event["at"]),
        actor_kind=str(event.get("actor_kind") or "system"),
        actor_nip=event.get("actor_nip"),
        kind=str(event["kind"]),
        visibility=str(event.get("visibility") or "internal"),
        from_status=event.get("from_status"),
        to_status=event.get("to_status"),
        unit_code=event.get("unit_code"),
        body=event.get("body"),
        data=data if isinstance(data, dict) else None,
        uid=str(uid) if uid else None,
    )
    # An attachment event carries the file's metadata: the row is made now, the file comes
    # in the file phase of a sync (desk/sync/files.py).
    record_from_event(database, case_id, event)
    return True
