"""Conflicts and refusals: listing them and resolving a conflict, for the CLI and the TUI alike.

A conflict is recorded by push on the case (`cases.conflict`: the server's case, the fields where
the outcomes differ and the op ids) and on its ops (state `conflict`). It is shown as what the
officer's operations meant ("mine": the status they lead to, the unit, the officer, the original
of a duplicate) against the server's values of the same fields ("theirs"). Resolving:

- keep theirs: the server's case is taken, the ops become `superseded` (kept, with their text);
  the local events those ops made are removed, because they never happened centrally; their text
  goes to the draft of the officer who wrote it (desk/drafts.py), and the case is marked for a
  refresh, so the next sync makes it exactly the server's.
- keep mine: the same, then the same intents are performed again by the resolving officer on
  top of the server's version, through `desk.services.perform` (same rules, a new op id, a new
  event, an audit entry). If the rules refuse that now (the case was closed meanwhile), nothing
  changes, the conflict stays, and the refusal says that keep theirs keeps the text.

Refusals (desk/sync/push.py) are listed from the outbox: every op refused for good
(`list_rejected`), the ones the officer has not dismissed yet (`list_notices`, for the inbox and
the case), and the answers of one sync (`answers_of_sync`, for `desk sync`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import sqlite_utils

from db import audit, write_transaction
from db.timefmt import to_text, utc_now
from desk.drafts import draft_kind, keep_text
from desk.errors import DeskError, InvalidInput
from desk.i18n import action_label, status_label, t
from desk.services import case_label, find_case, perform
from desk.sync.apply import BadChange, apply_case
from desk.sync.push import NOTICE_PREFIX
from desk.sync.refresh import mark_for_refresh
from desk.sync.texts import draft_label
from desk.workflow import ACTIONS, Action, Actor, Status

# The fields a conflict is about, in the order they are shown.
FIELDS = ("status", "unit_code", "assignee_nip", "duplicate_of")


@dataclass(frozen=True)
class Conflict:
    case_id: int
    label: str
    local_id: str
    fields: list[str]  # where mine and theirs differ
    mine: dict[str, Any]  # what the officer's operations meant, field by field
    theirs: dict[str, Any]  # the server's values of the same fields
    ops: list[dict[str, Any]]  # op_id, kind, payload, actor_nip, created_at
    keep_mine: str | None = None  # why "keep mine" cannot be done now; None when it can
    texts: list[str] = field(default_factory=list)  # draft kinds "keep theirs" would fill


@dataclass(frozen=True)
class Resolution:
    label: str
    superseded: list[str]
    new_ops: list[str]
    drafts: list[str] = field(default_factory=list)  # draft kinds that received the ops' text


def list_conflicts(database: sqlite_utils.Database) -> list[Conflict]:
    conflicts = []
    for case in database.query("SELECT * FROM cases WHERE conflict IS NOT NULL ORDER BY id"):
        record = _record(case)
        server = record.get("server") if isinstance(record.get("server"), dict) else None
        theirs_case: dict[str, Any] = server or {}
        ops = [
            {**row, "payload": json.loads(row["payload"] or "{}")}
            for row in database.query(
                "SELECT op_id, kind, payload, actor_nip, created_at FROM outbox "
                "WHERE case_id = ? AND state = 'conflict' ORDER BY rowid",
                [case["id"]],
            )
        ]
        mine = _intent(database, ops)
        named = [str(f) for f in record.get("fields") or []]
        shown = [name for name in FIELDS if name in mine or name in named]
        mine = {name: mine.get(name, _local_value(database, case, name)) for name in shown}
        theirs = {name: _server_value(database, theirs_case, name) for name in shown}
        conflicts.append(
            Conflict(
                case_id=case["id"],
                label=case_label(case),
                local_id=case["local_id"],
                fields=[name for name in shown if mine[name] != theirs[name]],
                mine=mine,
                theirs=theirs,
                ops=ops,
                keep_mine=_keep_mine_refusal(theirs_case.get("status") or case["status"], ops),
                texts=[
                    kind
                    for op in ops
                    if (kind := draft_kind(op["kind"])) and _text_of(op["payload"])
                ],
            )
        )
    return conflicts


def _intent(database: sqlite_utils.Database, ops: list[dict[str, Any]]) -> dict[str, Any]:
    """What the ops mean the case's fields to be (the later op wins), as the desk stores them."""
    values: dict[str, Any] = {}
    for op in ops:
        try:
            action = Action(op["kind"])
        except ValueError:
            continue
        rule, payload = ACTIONS[action], op["payload"]
        event = database.execute(
            "SELECT to_status FROM events WHERE uid = ?", [op["op_id"]]
        ).fetchone()
        status = payload.get("status") or (event[0] if event else None)
        if status is None and rule.target is not None:
            status = rule.target.value
        if status is not None:
            values["status"] = status
        if rule.needs_unit:
            values["unit_code"] = payload.get("unit")
        if rule.needs_officer:
            values["assignee_nip"] = payload.get("assignee")
        if action is Action.ARCHIVE and payload.get("duplicate_of"):
            values["duplicate_of"] = _case_ref(database, payload["duplicate_of"])
    return values


def _case_ref(database: sqlite_utils.Database, reference: Any) -> Any:
    """A case named by local id or tracking number, as a person reads it."""
    if reference in (None, ""):
        return None
    rows = list(
        database.query(
            "SELECT * FROM cases WHERE local_id = ? OR tracking_no = ? LIMIT 1",
            [reference, reference],
        )
    )
    return case_label(rows[0]) if rows else str(reference)


def _local_value(database: sqlite_utils.Database, case: dict[str, Any], name: str) -> Any:
    if name == "duplicate_of":
        if case.get("duplicate_of") is None:
            return None
        return case_label(find_case(database, int(case["duplicate_of"])))
    return case.get(name)


def _server_value(database: sqlite_utils.Database, server: dict[str, Any], name: str) -> Any:
    if name == "duplicate_of":
        return _case_ref(database, server.get("duplicate_of"))
    return server.get(name)


def _keep_mine_refusal(status: str, ops: list[dict[str, Any]]) -> str | None:
    """Why the rules refuse redoing the ops, one after the other, from the server's status
    (None when they allow it; the services still check everything when it is done)."""
    try:
        current = Status(status)
    except ValueError:
        return None
    for op in ops:
        try:
            action = _intent_action(Action(op["kind"]), current.value)
        except ValueError:
            return t("sync.cannot_redo", kind=op["kind"])
        rule = ACTIONS[action]
        if current not in rule.sources:
            allowed = ", ".join(status_label(s.value) for s in Status if s in rule.sources)
            return t(
                "refuse.state",
                action=action_label(action.value),
                status=status_label(current.value),
                allowed=allowed,
            )
        if action is not Action.REPORTER_REPLY:
            current = rule.target or current
    return None


def _text_of(payload: dict[str, Any]) -> str | None:
    text = payload.get("text") or payload.get("reason")
    return text if isinstance(text, str) and text.strip() else None


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
                "SELECT op_id, kind, payload, actor_nip FROM outbox WHERE case_id = ? "
                "AND state = 'conflict' ORDER BY rowid",
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
        # The server's copy in the conflict is as it was then: the next sync brings it as it is.
        mark_for_refresh(database, case["local_id"], f"keep_{keep}")
        new_ops: list[str] = []
        drafts: list[str] = []
        if keep == "mine":
            for op in ops:
                payload = json.loads(op["payload"] or "{}")
                try:
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
                except DeskError as error:
                    # Nothing changes (the transaction is undone): say what keeps the text.
                    message = t("sync.keep_mine_refused", ref=label, reason=str(error))
                    raise type(error)(message) from None
                new_ops.append(outcome.op_id)
        else:
            for op in ops:
                # Their text never happened centrally: it goes to its author's draft.
                kind = draft_kind(op["kind"])
                text = _text_of(json.loads(op["payload"] or "{}"))
                nip = op["actor_nip"]
                if kind and text and nip and _officer_exists(database, nip):
                    keep_text(database, case["id"], nip, text, kind=kind, now=now)
                    drafts.append(kind)
        audit.append(
            database,
            at=to_text(now),
            actor_nip=actor.nip,
            action=f"sync_keep_{keep}",
            case_id=case["id"],
            detail={"case": label, "superseded": ids, "new_ops": new_ops, "drafts": drafts},
        )
        return Resolution(label, ids, new_ops, drafts)


def resolution_message(outcome: Resolution, keep: str) -> str:
    """What a resolution did, in one sentence (the CLI and the TUI say the same)."""
    if keep == "mine":
        return t("sync.resolved_mine", ref=outcome.label, count=len(outcome.new_ops))
    if outcome.drafts:
        drafts = ", ".join(draft_label(kind) for kind in outcome.drafts)
        return t(
            "sync.resolved_theirs_drafts",
            ref=outcome.label,
            count=len(outcome.superseded),
            drafts=drafts,
        )
    return t("sync.resolved_theirs", ref=outcome.label, count=len(outcome.superseded))


def _officer_exists(database: sqlite_utils.Database, nip: str) -> bool:
    return bool(database.execute("SELECT 1 FROM officers WHERE nip = ?", [nip]).fetchone())


def _intent_action(action: Action, status: str) -> Action:
    """The action that carries an op's intent from `status` (the server's).

    "Send to unit X" is `verify` from baru and `dispose` once verified: if the server verified
    the case meanwhile, keeping my choice of unit means disposing it there.
    """
    if action is Action.VERIFY and status != "baru":
        return Action.DISPOSE
    if action is Action.DISPOSE and status == "baru":
        return Action.VERIFY
    return action


def _same_intent(database: sqlite_utils.Database, case_id: int, kind: str) -> Action:
    """`_intent_action` from the case's current (server) state."""
    try:
        action = Action(kind)
    except ValueError:
        raise InvalidInput(t("sync.cannot_redo", kind=kind)) from None
    status = database.execute("SELECT status FROM cases WHERE id = ?", [case_id]).fetchone()[0]
    return _intent_action(action, str(status))


# -- refusals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """An op the server did not take: refused for good, in conflict, or found already done."""

    op_id: str
    label: str
    kind: str
    reason: str
    created_at: str
    actor_nip: str | None
    case_id: int = 0
    local_id: str = ""
    result: str = "rejected"  # rejected | conflict | same
    draft: str | None = None  # the kind of draft its text went to
    undone: bool = False  # the case was given back the server's state (not: made at this desk)

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": self.label,
            "local_id": self.local_id,
            "op_id": self.op_id,
            "action": self.kind,
            "result": self.result,
            "reason": self.reason,
            "draft": self.draft,
            "undone": self.undone,
            "actor_nip": self.actor_nip,
            "created_at": self.created_at,
        }


_ANSWERS = (
    "SELECT o.op_id, o.kind, o.state, o.last_error, o.created_at, o.actor_nip, o.result, "
    "c.id AS case_id, c.tracking_no, c.provisional_no, c.local_id "
    "FROM outbox o JOIN cases c ON c.id = o.case_id "
)


def _rejection(row: dict[str, Any]) -> Rejection:
    try:
        answer = json.loads(row["result"] or "{}")
    except ValueError:
        answer = {}
    answer = answer if isinstance(answer, dict) else {}
    raw = answer.get("desk")
    desk: dict[str, Any] = raw if isinstance(raw, dict) else {}
    result = "same" if answer.get("r") == "same" else str(row["state"])
    if result == "same":
        reason = t("sync.same_reason")
    elif result == "conflict" or answer.get("r") == "conflict":
        result = "conflict"
        reason = t("sync.conflict_reason", fields=row["last_error"] or "")
    else:
        reason = row["last_error"] or ""
    draft = desk.get("draft")
    return Rejection(
        op_id=row["op_id"],
        label=case_label(row),
        kind=row["kind"],
        reason=reason,
        created_at=row["created_at"],
        actor_nip=row["actor_nip"],
        case_id=int(row["case_id"]),
        local_id=row["local_id"],
        result=result,
        draft=draft if isinstance(draft, str) else None,
        undone=bool(desk.get("undone")),
    )


def list_rejected(database: sqlite_utils.Database) -> list[Rejection]:
    """Ops the server will never apply, kept with its reason for an officer to see."""
    rows = database.query(_ANSWERS + "WHERE o.state = 'rejected' ORDER BY o.rowid")
    return [_rejection(row) for row in rows]


def _notice_range() -> list[str]:
    return [NOTICE_PREFIX, NOTICE_PREFIX[:-1] + chr(ord(NOTICE_PREFIX[-1]) + 1)]


def list_notices(database: sqlite_utils.Database, case_id: int | None = None) -> list[Rejection]:
    """The refusals (and outcomes already in place that moved a text to a draft) the officer
    has not dismissed yet; of one case when `case_id` is given."""
    rows = database.query(
        "SELECT o.op_id, o.kind, o.state, o.last_error, o.created_at, o.actor_nip, o.result, "
        "c.id AS case_id, c.tracking_no, c.provisional_no, c.local_id "
        "FROM sync_state s JOIN outbox o ON o.op_id = substr(s.key, ?) "
        "JOIN cases c ON c.id = o.case_id "
        "WHERE s.key >= ? AND s.key < ? AND (? IS NULL OR o.case_id = ?) ORDER BY o.rowid",
        [len(NOTICE_PREFIX) + 1, *_notice_range(), case_id, case_id],
    )
    return [_rejection(row) for row in rows]


def notice_count(database: sqlite_utils.Database) -> int:
    """How many notices wait (cheap: the inbox's status line asks on every refresh)."""
    row = database.execute(
        "SELECT count(*) FROM sync_state WHERE key >= ? AND key < ?", _notice_range()
    ).fetchone()
    return int(row[0])


def dismiss_notices(database: sqlite_utils.Database, case_id: int) -> int:
    """The officer has read the notices of this case; returns how many were dismissed."""
    with write_transaction(database):
        cursor = database.execute(
            "DELETE FROM sync_state WHERE key IN (SELECT ? || op_id FROM outbox WHERE case_id = ?)",
            [NOTICE_PREFIX, case_id],
        )
        return int(cursor.rowcount or 0)


def answers_of_sync(database: sqlite_utils.Database, sync_id: int) -> list[Rejection]:
    """What one sync (its `sync_log` row) was answered other than "applied": refusals,
    conflicts and outcomes already in place, with what the desk did about each."""
    rows = database.query(
        _ANSWERS + "WHERE o.state IN ('rejected', 'conflict', 'superseded') "
        "AND json_valid(o.result) AND json_extract(o.result, '$.desk.sync') = ? ORDER BY o.rowid",
        [sync_id],
    )
    return [_rejection(row) for row in rows]
