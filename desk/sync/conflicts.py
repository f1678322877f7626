"""Conflicts: listing them and resolving one, for the CLI and the TUI alike.

A conflict is recorded by push on the case (`cases.conflict`: the server's case, the overlapping
fields and the op ids) and on its ops (state `conflict`). Resolving:

- keep theirs: the server's case is taken, the ops become `superseded` (kept, with their text);
  the local events those ops made are removed, because they never happened centrally.
- keep mine: the same, then the same intents are performed again by the resolving officer on
  top of the server's version, through `desk.services.perform` (same rules, a new op id, a new
  event, an audit entry). If the rules refuse that now (the case was closed meanwhile), nothing
  changes and the conflict stays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlite_utils

from db import audit, write_transaction
from db.timefmt import to_text, utc_now
from desk.errors import InvalidInput
from desk.i18n import t
from desk.services import case_label, find_case, perform
from desk.sync.apply import BadChange, apply_case
from desk.workflow import Action, Actor

COMPARED = ("status", "unit_code", "assignee_nip", "duplicate_of", "version", "updated_at")
FIELD_COLUMNS = {"unit": "unit_code", "assignee": "assignee_nip"}


@dataclass(frozen=True)
class Conflict:
    case_id: int
    label: str
    local_id: str
    fields: list[str]
    mine: dict[str, Any]
    theirs: dict[str, Any]
    ops: list[dict[str, Any]]  # op_id, kind, payload, actor_nip, created_at


@dataclass(frozen=True)
class Resolution:
    label: str
    superseded: list[str]
    new_ops: list[str]


def list_conflicts(database: sqlite_utils.Database) -> list[Conflict]:
    conflicts = []
    for case in database.query("SELECT * FROM cases WHERE conflict IS NOT NULL ORDER BY id"):
        record = _record(case)
        theirs = record.get("server") if isinstance(record.get("server"), dict) else {}
        ops = [
            {**row, "payload": json.loads(row["payload"] or "{}")}
            for row in database.query(
                "SELECT op_id, kind, payload, actor_nip, created_at FROM outbox "
                "WHERE case_id = ? AND state = 'conflict' ORDER BY rowid",
                [case["id"]],
            )
        ]
        conflicts.append(
            Conflict(
                case_id=case["id"],
                label=case_label(case),
                local_id=case["local_id"],
                fields=[str(f) for f in record.get("fields", [])],
                mine={name: case.get(name) for name in COMPARED},
                theirs={name: (theirs or {}).get(name) for name in COMPARED},
                ops=ops,
            )
        )
    return conflicts


def _record(case: dict[str, Any]) -> dict[str, Any]:
    try:
        record = json.loads(case["conflict"] or "{}")
    except ValueError:
        record = {}
    return record if isinstance(record, dict) else {}


def resolve(
    database: sqlite_utils.Database,
    reference: str | int,
    keep: Literal["mine", "theirs"],
    actor: Actor,
    *,
    now: datetime | None = None,
) -> Resolution:
    """Resolve the conflict on one case, in one transaction; raise a DeskError if impossible."""
    now = now or utc_now()
    with write_transaction(database):
        case = find_case(database, reference)
        label = case_label(case)
        if not case["conflict"]:
            raise InvalidInput(t("sync.not_in_conflict", ref=label))
        record = _record(case)
        ops = list(
            database.query(
                "SELECT op_id, kind, payload FROM outbox WHERE case_id = ? AND state = 'conflict' "
                "ORDER BY rowid",
                [case["id"]],
            )
        )
        ids = [op["op_id"] for op in ops]
        database.execute(
            "UPDATE outbox SET state = 'superseded' WHERE case_id = ? AND state = 'conflict'",
            [case["id"]],
        )
        for op_id in ids:
            database.execute("DELETE FROM events WHERE uid = ?", [op_id])
        server = record.get("server")
        if isinstance(server, dict):
            events = server.get("events")
            try:
                # Ops still pending or sending keep their fields; the superseded ones do not.
                apply_case(
                    database,
                    server,
                    events if isinstance(events, list) else [],
                    protect=("pending", "sending"),
                )
            except BadChange as error:
                raise InvalidInput(str(error)) from None
        database.execute("UPDATE cases SET conflict = NULL WHERE id = ?", [case["id"]])
        new_ops: list[str] = []
        if keep == "mine":
            for op in ops:
                payload = json.loads(op["payload"] or "{}")
                outcome = perform(
                    database,
                    actor,
                    _same_intent(database, case["id"], op["kind"]),
                    case["id"],
                    reason=payload.get("reason"),
                    text=payload.get("text"),
                    unit_code=payload.get("unit"),
                    officer_nip=payload.get("assignee"),
                    duplicate_of=payload.get("duplicate_of"),
                    now=now,
                )
                new_ops.append(outcome.op_id)
        audit.append(
            database,
            at=to_text(now),
            actor_nip=actor.nip,
            action=f"sync_keep_{keep}",
            case_id=case["id"],
            detail={"case": label, "superseded": ids, "new_ops": new_ops},
        )
        return Resolution(label, ids, new_ops)


def _same_intent(database: sqlite_utils.Database, case_id: int, kind: str) -> Action:
    """The action that carries an op's intent from the case's current (server) state.

    "Send to unit X" is `verify` from baru and `dispose` once verified: if the server verified
    the case meanwhile, keeping my choice of unit means disposing it there.
    """
    try:
        action = Action(kind)
    except ValueError:
        raise InvalidInput(t("sync.cannot_redo", kind=kind)) from None
    status = database.execute("SELECT status FROM cases WHERE id = ?", [case_id]).fetchone()[0]
    if action is Action.VERIFY and status != "baru":
        return Action.DISPOSE
    if action is Action.DISPOSE and status == "baru":
        return Action.VERIFY
    return action


@dataclass(frozen=True)
class Rejection:
    op_id: str
    label: str
    kind: str
    reason: str
    created_at: str
    actor_nip: str | None


def list_rejected(database: sqlite_utils.Database) -> list[Rejection]:
    """Ops the server will never apply, kept with its reason for an officer to see."""
    rows = database.query(
        "SELECT o.op_id, o.kind, o.last_error, o.created_at, o.actor_nip, c.tracking_no, "
        "c.local_id FROM outbox o JOIN cases c ON c.id = o.case_id "
        "WHERE o.state = 'rejected' ORDER BY o.rowid"
    )
    return [
        Rejection(
            row["op_id"],
            case_label(row),
            row["kind"],
            row["last_error"] or "",
            row["created_at"],
            row["actor_nip"],
        )
        for row in rows
    ]
