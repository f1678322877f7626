"""Every officer action on a case, each one a single transaction.

An action changes the case (and bumps its version), appends an event to its timeline, appends an
operation to the outbox for the central system and appends an entry to the audit log: all four are
written, or, when anything fails or is refused, none of them. The TUI, the CLI and sync call these
functions; none of them writes to a case another way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from db import audit, write_transaction
from db.timefmt import to_text, utc_now
from desk.clocks import ReferenceData, SqliteReference, clock_after, verification_clock
from desk.errors import ActionRefused, InvalidInput, NotFound, StaleCase
from desk.i18n import action_label, t
from desk.sync.state import GONE_PREFIX
from desk.workflow import ACTIONS, Action, Actor, Role, Status, check, target_status

# Events the reporter sees on the public page; the rest stay inside the office.
PUBLIC_EVENTS = frozenset(
    {
        Action.VERIFY,
        Action.DISPOSE,
        Action.HOLD,
        Action.FOLLOW_UP,
        Action.CLOSE,
        Action.REOPEN,
        Action.REPORTER_REPLY,
    }
)


def load_actor(database: sqlite_utils.Database, nip: str) -> Actor:
    """The officer with this NIP, refusing unknown and disabled officers."""
    row = database.execute(
        "SELECT nip, name, role, unit_code, active FROM officers WHERE nip = ?", [nip.strip()]
    ).fetchone()
    if row is None:
        raise NotFound(t("notfound.officer", nip=nip))
    if not row[4]:
        raise ActionRefused(t("refuse.inactive", nip=nip))
    return Actor(nip=row[0], name=row[1], role=Role(row[2]), unit_code=row[3])


def _new_ulid() -> str:
    """A new ULID, as text: for case, event and operation ids."""
    # Imported here: `ulid` pulls in the email package (~3 ms), which a command that only
    # reads (`desk case show`) never needs.
    from ulid import ULID

    return str(ULID())


def find_case(database: sqlite_utils.Database, reference: str | int) -> dict[str, Any]:
    """A case by tracking number ("#8112829" or "8112829"), local id (ULID), row id, or the
    provisional number a desk gave it at intake ("L-PUPR-0007", any case; docs/intake.md)."""
    case = SqliteReference(database).case_ref(reference)
    if case is None:
        raise NotFound(t("notfound.case", ref=reference))
    return case


def case_label(case: dict[str, Any]) -> str:
    """How a case is named to a person: its tracking number, else the provisional number of a
    case made at this desk, else its local id."""
    if case.get("tracking_no"):
        return f"#{case['tracking_no']}"
    return str(case.get("provisional_no") or case["local_id"])


@dataclass(frozen=True)
class Outcome:
    """What an action did: the case after it, and the ids of what it appended."""

    case: dict[str, Any]
    event_id: int
    op_id: str
    audit_seq: int


def perform(
    database: sqlite_utils.Database,
    actor: Actor,
    action: Action,
    reference: str | int,
    *,
    reason: str | None = None,
    text: str | None = None,
    unit_code: str | None = None,
    officer_nip: str | None = None,
    duplicate_of: str | int | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Take `action` on a case as `actor`, in one transaction; raise a `DeskError` if refused.

    `expected_version`, when given, is the version the officer was looking at: if someone else
    changed the case since, the action is refused rather than applied to a case they have not seen.
    """
    from desk.access import readable_case  # access reads cases through this module

    now = now or utc_now()
    # A case the officer may not read is refused before anything about it is judged: the
    # workflow's refusals name its unit and status, which another unit's petugas may not learn
    # by trying numbers (the attempt is audited as a refused read).
    readable_case(database, actor, reference, purpose=action.value)
    with write_transaction(database):
        case = find_case(database, reference)
        if expected_version is not None and case["version"] != expected_version:
            raise StaleCase(
                t("stale", ref=case_label(case), seen=expected_version, now=case["version"])
            )
        if database.execute(
            "SELECT 1 FROM sync_state WHERE key = ?", [GONE_PREFIX + case["local_id"]]
        ).fetchone():
            # The central system moved the case out of this office's units: an action here
            # would only come back refused, and the officer would act on a stale copy.
            raise ActionRefused(t("refuse.gone", ref=case_label(case)))
        # The op id is also the uid of the event it makes, on this desk and, once applied, on
        # the central server, so the event pulled back later is recognised (sync-protocol.md).
        applied = apply_action(
            database,
            actor,
            action,
            case,
            reason=reason,
            text=text,
            unit_code=unit_code,
            officer_nip=officer_nip,
            duplicate_of=duplicate_of,
            now=now,
            uid=_new_ulid(),
        )
        append_outbox(
            database,
            case=case,
            kind=action.value,
            payload=applied.payload,
            actor_nip=actor.nip,
            at=applied.at,
            op_id=applied.uid,
        )
        seq = audit.append(
            database,
            at=applied.at,
            actor_nip=actor.nip,
            action=action.value,
            case_id=case["id"],
            detail=applied.audit_detail(),
        )
        return Outcome(applied.case, applied.event_id, applied.uid, seq)


@dataclass(frozen=True)
class Applied:
    """What `apply_action` did to a case (before the caller records it elsewhere)."""

    before: dict[str, Any]  # the case as it was
    case: dict[str, Any]  # the case after the action
    action: Action
    payload: dict[str, Any]  # the changed fields and the text, as the outbox carries them
    event_id: int
    uid: str
    at: str

    def audit_detail(self) -> dict[str, Any]:
        return {
            "case": case_label(self.before),
            "from": self.before["status"],
            "to": self.case["status"],
            "op_id": self.uid,
            **{k: v for k, v in self.payload.items() if k in ("unit", "assignee", "duplicate_of")},
        }


@dataclass(frozen=True)
class Plan:
    """An action judged and worked out, not yet written: what a store writes to carry it out.

    The desk writes it to SQLite (`apply_action`); the central server's stores to theirs.
    """

    before: dict[str, Any]  # the case as read in this transaction
    action: Action
    changes: dict[str, Any]  # column -> new value of the case row, `version` included
    event: dict[str, Any]  # the keyword arguments of `append_event`, `case_id` included
    payload: dict[str, Any]  # the changed fields and the text, as the outbox carries them
    uid: str
    at: str

    @property
    def case_id(self) -> int:
        return int(self.before["id"])

    @property
    def expected_version(self) -> int:
        """The version the case must still have when the changes are written."""
        return int(self.before["version"])

    def applied(self, case: dict[str, Any], event_id: int) -> Applied:
        """What the action did, once written: `case` read back, `event_id` appended."""
        return Applied(self.before, case, self.action, self.payload, event_id, self.uid, self.at)


def apply_action(
    database: sqlite_utils.Database,
    actor: Actor,
    action: Action,
    case: dict[str, Any],
    *,
    reason: str | None = None,
    text: str | None = None,
    unit_code: str | None = None,
    officer_nip: str | None = None,
    duplicate_of: str | int | None = None,
    now: datetime,
    uid: str,
) -> Applied:
    """Validate `action` on `case` (a row as read in this transaction) and apply it.

    The core that the desk (`perform`, which also queues the operation and audits it) and the
    central server (which applies operations pushed by desks) share, so that both judge an
    action by the same rules and change the same columns. Call inside a write transaction;
    raises a `DeskError` when the action is refused, before anything is written. The event it
    appends gets `uid`.
    """
    plan = plan_action(
        SqliteReference(database),
        actor,
        action,
        case,
        reason=reason,
        text=text,
        unit_code=unit_code,
        officer_nip=officer_nip,
        duplicate_of=duplicate_of,
        now=now,
        uid=uid,
    )
    assignments = ", ".join(f"{column} = ?" for column in plan.changes)
    database.execute(
        f"UPDATE cases SET {assignments} WHERE id = ? AND version = ?",
        [*plan.changes.values(), plan.case_id, plan.expected_version],
    )
    event_id = append_event(database, **plan.event)
    return plan.applied(find_case(database, plan.case_id), event_id)


def plan_action(
    reference: ReferenceData,
    actor: Actor,
    action: Action,
    case: dict[str, Any],
    *,
    reason: str | None = None,
    text: str | None = None,
    unit_code: str | None = None,
    officer_nip: str | None = None,
    duplicate_of: str | int | None = None,
    now: datetime,
    uid: str,
) -> Plan:
    """Judge `action` on `case` and work out what it writes, reading only through `reference`.

    Raises a `DeskError` when the action is refused. Writes nothing: every store carries out
    the plan with its own statements, so the desk and the central server decide alike.
    """
    status = Status(case["status"])
    check(actor, action, status, case["unit_code"])
    rule = ACTIONS[action]
    name = action_label(action.value)
    reason = (reason or "").strip() or None
    text = (text or "").strip() or None
    if rule.needs_reason and not reason:
        raise InvalidInput(t("input.reason", action=name))
    if rule.needs_text and not text:
        raise InvalidInput(t("input.text", action=name))

    changes: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    new_status = target_status(action, status)
    if new_status is not status:
        changes["status"] = payload["status"] = new_status.value
    new_unit = case["unit_code"]
    if rule.needs_unit:
        new_unit = _checked_unit(reference, unit_code, name)
        if new_unit == case["unit_code"] and status is not Status.BARU:
            raise InvalidInput(t("input.same_unit", unit=new_unit))
        changes["unit_code"] = payload["unit"] = new_unit
        changes["assignee_nip"] = None
    if rule.needs_officer:
        changes["assignee_nip"] = payload["assignee"] = _checked_assignee(
            reference, officer_nip, case["unit_code"], name
        )
    if action is Action.ARCHIVE and duplicate_of is not None:
        original = reference.case_ref(duplicate_of)
        if original is None:
            raise NotFound(t("notfound.case", ref=duplicate_of))
        if original["id"] == case["id"]:
            raise InvalidInput(t("input.duplicate_self"))
        changes["duplicate_of"] = original["id"]
        payload["duplicate_of"] = original["local_id"]
    clock = clock_after(reference, action, case, new_status, new_unit, now)
    if clock is not None:
        changes.update(clock.as_columns())
    if reason:
        payload["reason"] = reason
    if text:
        payload["text"] = text

    at = to_text(now)
    changes["updated_at"] = at
    changes["version"] = case["version"] + 1
    event = {
        "case_id": case["id"],
        "at": at,
        "actor_kind": "officer",
        "actor_nip": actor.nip,
        "kind": action.value,
        "visibility": "public" if action in PUBLIC_EVENTS else "internal",
        "from_status": status.value,
        "to_status": new_status.value,
        "unit_code": new_unit,
        "body": text or reason,
        "data": {k: v for k, v in payload.items() if k not in ("text", "reason", "status")},
        "uid": uid,
    }
    return Plan(case, action, changes, event, payload, uid, at)


def _checked_unit(reference: ReferenceData, code: str | None, action: str) -> str:
    if not code or not code.strip():
        raise InvalidInput(t("input.unit", action=action))
    found = reference.active_unit(code.strip())
    if found is None:
        raise NotFound(t("notfound.unit", code=code))
    return found


def _checked_assignee(
    reference: ReferenceData, nip: str | None, unit_code: str | None, action: str
) -> str:
    if not nip or not nip.strip():
        raise InvalidInput(t("input.officer", action=action))
    found = reference.petugas_of(nip.strip(), unit_code)
    if found is None:
        raise InvalidInput(t("input.officer_unit", nip=nip, unit=unit_code))
    return found


def append_event(
    database: sqlite_utils.Database,
    *,
    case_id: int,
    at: str,
    actor_kind: str,
    actor_nip: str | None,
    kind: str,
    visibility: str,
    from_status: str | None = None,
    to_status: str | None = None,
    unit_code: str | None = None,
    body: str | None = None,
    data: dict[str, Any] | None = None,
    uid: str | None = None,
) -> int:
    """Append one event to a case's timeline; returns its id.

    `uid`: the event's global id when it travels (the op id of the action that made it).
    """
    values = event_values(
        case_id=case_id,
        at=at,
        actor_kind=actor_kind,
        actor_nip=actor_nip,
        kind=kind,
        visibility=visibility,
        from_status=from_status,
        to_status=to_status,
        unit_code=unit_code,
        body=body,
        data=data,
        uid=uid,
    )
    cursor = database.execute(
        f"INSERT INTO events ({', '.join(EVENT_ROW)}) VALUES ({', '.join('?' * len(values))})",
        values,
    )
    return int(cursor.lastrowid or 0)


# The columns an event is written with, in order: every store writes them alike.
EVENT_ROW = (
    "case_id",
    "at",
    "actor_kind",
    "actor_nip",
    "kind",
    "visibility",
    "from_status",
    "to_status",
    "unit_code",
    "body",
    "data",
    "uid",
)


def event_values(**fields: Any) -> list[Any]:
    """An event's values in `EVENT_ROW` order (the fields of `append_event`), its data as the
    one JSON text every store keeps."""
    data = fields.get("data")
    fields["data"] = json.dumps(data, ensure_ascii=False, separators=(",", ":")) if data else None
    return [fields.get(name) for name in EVENT_ROW]


def append_outbox(
    database: sqlite_utils.Database,
    *,
    case: dict[str, Any],
    kind: str,
    payload: dict[str, Any],
    actor_nip: str | None,
    at: str,
    op_id: str | None = None,
) -> str:
    """Queue one operation for the central system; returns its ULID."""
    op_id = op_id or _new_ulid()
    database.execute(
        "INSERT INTO outbox (op_id, case_id, case_local_id, kind, base_version, payload, "
        "actor_nip, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            op_id,
            case["id"],
            case["local_id"],
            kind,
            case["version"],
            json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            actor_nip,
            at,
        ],
    )
    return op_id


CASE_FIELDS = (
    "tracking_no",
    "complaint_id",
    "title",
    "body",
    "classification",
    "category",
    "subcategory",
    "channel",
    "location",
    "incident_date",
    "anonymous",
    "confidential",
    "rating",
)
REPORTER_FIELDS = ("name", "nik", "phone", "email", "address")


def create_case(
    database: sqlite_utils.Database,
    fields: dict[str, Any],
    *,
    reporter: dict[str, Any] | None = None,
    received_at: datetime | None = None,
    source: str = "desk",
    actor_nip: str | None = None,
    provisional_no: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record a newly received case (status baru, verification clock running) in one transaction.

    A case an officer records at this desk (`source` "desk" with `actor_nip`: counter intake,
    desk/intake.py) must reach the central system, which gives it its tracking number: it gets
    a `create` operation in the outbox (docs/sync-protocol.md, "Push"), and its "received"
    event gets the op id as uid, like the event the server makes when it applies the op, so
    the pull that brings the server's copy back does not duplicate it. Cases from elsewhere
    (imports, tests, the central server's own) queue nothing.
    """
    now = now or utc_now()
    received_at = received_at or now
    at = to_text(now)
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise ValueError(f"unknown case fields: {sorted(unknown)}")
    queued = source == "desk" and bool(actor_nip)
    op_id = _new_ulid() if queued else None
    with write_transaction(database):
        row = {
            **{name: fields.get(name) for name in CASE_FIELDS},
            "local_id": _new_ulid(),
            "status": Status.BARU.value,
            "received_at": to_text(received_at),
            "updated_at": at,
            "version": 1,
            "source": source,
            **verification_clock(database, received_at).as_columns(),
        }
        row["anonymous"] = int(bool(fields.get("anonymous")))
        row["confidential"] = int(bool(fields.get("confidential")))
        row["classification"] = fields.get("classification") or "pengaduan"
        row["channel"] = fields.get("channel") or "web"
        if provisional_no is not None:
            row["provisional_no"] = provisional_no
        columns = ", ".join(row)
        placeholders = ", ".join("?" for _ in row)
        cursor = database.execute(
            f"INSERT INTO cases ({columns}) VALUES ({placeholders})", list(row.values())
        )
        case_id = int(cursor.lastrowid or 0)
        known = {name: reporter.get(name) for name in REPORTER_FIELDS} if reporter else {}
        if any(known.values()):
            database.execute(
                "INSERT INTO reporters (case_id, name, nik, phone, email, address) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [case_id, *known.values()],
            )
        actor_kind = "officer" if actor_nip else "import" if source == "import" else "system"
        append_event(
            database,
            case_id=case_id,
            at=to_text(received_at),
            actor_kind=actor_kind,
            actor_nip=actor_nip,
            kind="received",
            visibility="public",
            to_status=Status.BARU.value,
            uid=op_id,
        )
        case = find_case(database, case_id)
        detail: dict[str, Any] = {"case": case_label(case), "source": source}
        if op_id is not None:
            # Version 0: the server has nothing yet; it answers with version 1 and the number.
            append_outbox(
                database,
                case={**case, "version": 0},
                kind="create",
                payload=create_payload(case, known),
                actor_nip=actor_nip,
                at=at,
                op_id=op_id,
            )
            detail["op_id"] = op_id
        audit.append(
            database,
            at=at,
            actor_nip=actor_nip,
            action="create",
            case_id=case_id,
            detail=detail,
        )
        return case


def create_payload(case: dict[str, Any], reporter: dict[str, Any]) -> dict[str, Any]:
    """The `p` of a `create` op: the whole case as the server's create accepts it.

    Empty fields are left out (a missing field reads as null or false, as in the feed), and so
    is the reporter when nobody was recorded.
    """
    payload: dict[str, Any] = {
        name: case[name]
        for name in CASE_FIELDS
        if name not in ("tracking_no", "complaint_id", "rating") and case.get(name)
    }
    payload["anonymous"] = bool(case["anonymous"])
    payload["confidential"] = bool(case["confidential"])
    payload["received_at"] = case["received_at"]
    if case.get("provisional_no"):
        payload["provisional_no"] = case["provisional_no"]
    person = {name: value for name, value in reporter.items() if value}
    if person:
        payload["reporter"] = person
    return payload
