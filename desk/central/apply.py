"""Applying the operations desks push: each one at most once, judged by the desk's own rules.

For every op (docs/sync-protocol.md, "Push" and "Conflicts"), in its own transaction:

1. Seen before? Same id and same content: the first answer again (`duplicate` when it was
   applied). Same id, different content: `rejected` 409 `op_reused`.
2. The case must exist (404 `unknown_case`) and be in the office's scope (403 `scope`); the
   actor must be an active officer of one of the office's units (403 `scope`/`role`).
3. The effective base: the version the desk acted on, translated to a server version (below).
   Base current: validate and apply. Base older: the fields the op changes against the fields
   the server changed since; no overlap and still allowed from the current state: apply.
   An op that cannot apply as it stands but whose outcome is in place already (a close against
   a close, a disposition to the unit the case is at) is `same`: nothing is written. Otherwise
   `conflict`, naming the fields where the op's intent and the server's case differ. Notes
   always apply; follow-ups and reporter replies apply when still allowed from the current
   state, else they conflict on `status` (their text is never "in place").
4. The same core as the desk (`desk.services.apply_action`) validates and writes, so the desk and
   the server can never disagree about what an action may do; its event gets uid = op id.

Effective base: a desk numbers the versions its own actions make by adding one to what it had,
so after two offline actions on a case its second op says "base 6" where 6 is the desk's own
version, not the server's. The server knows which op made that desk version (the same office's
op on the same case with base 5) and what it became on the server: the version that op produced
when applied (or the version it was judged at when its outcome was in place, `same`), or, when
it was refused, that op's own effective base (so a stacked op is judged against what the desk
really saw from the server). Every answer records the op's effective base, refusals of the
officer or the scope included.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

import sqlite_utils

from db import audit, write_transaction
from db.timefmt import to_text
from desk.central.cases import case_json
from desk.central.files import FileLimits, attach_op
from desk.central.store import Office, in_scope
from desk.clocks import verification_clock
from desk.errors import DeskError
from desk.i18n import t
from desk.services import (
    CASE_FIELDS,
    REPORTER_FIELDS,
    append_event,
    apply_action,
    find_case,
)
from desk.workflow import ACTIONS, Action, Actor, Role, Status, refusal

# The merge-relevant fields (sync-protocol.md): clocks follow the status and are not compared.
MERGE_FIELDS = ("status", "unit_code", "assignee_nip", "duplicate_of")
# Operations that append text: their text never conflicts (rule 3).
APPENDING = frozenset({Action.NOTE, Action.FOLLOW_UP, Action.REPORTER_REPLY})
PAYLOAD_KEYS = frozenset({"status", "unit", "assignee", "duplicate_of", "reason", "text"})
FIRST_TRACKING_NO = 9_000_001  # numbers the central server gives cases created at a desk
DEFAULT_FILE_LIMITS = FileLimits()


class BadOp(ValueError):
    """An operation whose shape is wrong: the whole request is malformed (400)."""


def validate_op(op: object) -> dict[str, Any]:
    """Check the wire shape of one op (keys and types); raise `BadOp` naming what is wrong."""
    if not isinstance(op, dict):
        raise BadOp("an op is not an object")
    unknown = set(op) - {"id", "c", "k", "v", "p", "a", "t"}
    if unknown:
        raise BadOp(f"unknown op keys: {', '.join(sorted(unknown))}")
    for key in ("id", "c", "k"):
        if not isinstance(op.get(key), str) or not op[key] or len(op[key]) > 64:
            raise BadOp(f"op key {key!r} must be a non-empty string")
    if not isinstance(op.get("v"), int) or isinstance(op["v"], bool) or op["v"] < 0:
        raise BadOp(f"op {op['id']}: 'v' must be a version number")
    if not isinstance(op.get("p", {}), dict):
        raise BadOp(f"op {op['id']}: 'p' must be an object")
    for key in ("a", "t"):
        if key in op and op[key] is not None and not isinstance(op[key], str):
            raise BadOp(f"op {op['id']}: {key!r} must be a string")
    return op


def content_hash(op: dict[str, Any]) -> str:
    content = {k: v for k, v in op.items() if k != "id"}
    content.setdefault("p", {})
    text = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def apply_op(
    database: sqlite_utils.Database,
    office: Office,
    op: dict[str, Any],
    now: datetime,
    request: frozenset[str] = frozenset(),
    limits: FileLimits = DEFAULT_FILE_LIMITS,
) -> dict[str, Any]:
    """Apply one (shape-checked) op for `office` in its own transaction; returns its result.

    `request`: the ids of the ops pushed in the same request (for the effective base).

    The result is recorded with the op before the transaction commits, so a replay after a lost
    answer gets the same result and never a second effect.
    """
    digest = content_hash(op)
    with write_transaction(database):
        seen = database.execute(
            "SELECT content_sha256, result FROM applied_ops WHERE op_id = ?", [op["id"]]
        ).fetchone()
        if seen is not None:
            if seen[0] != digest:
                return _rejected(op, 409, "op_reused", t("central.op.reused", op=op["id"]))
            first: dict[str, Any] = json.loads(seen[1])
            if first.get("r") == "applied":
                first["r"] = "duplicate"
            return first
        result, eff_base = _judge(database, office, op, now, request, limits)
        database.execute(
            "INSERT INTO applied_ops (op_id, office, case_local_id, kind, base_version, eff_base, "
            "content_sha256, result, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                op["id"],
                office.name,
                op["c"],
                op["k"],
                op["v"],
                eff_base,
                digest,
                json.dumps(result, ensure_ascii=False, separators=(",", ":")),
                to_text(now),
            ],
        )
        return result


def _rejected(op: dict[str, Any], status: int, code: str, reason: str) -> dict[str, Any]:
    return {"id": op["id"], "r": "rejected", "s": status, "code": code, "reason": reason}


def _judge(
    database: sqlite_utils.Database,
    office: Office,
    op: dict[str, Any],
    now: datetime,
    request: frozenset[str],
    limits: FileLimits,
) -> tuple[dict[str, Any], int | None]:
    """The result of `op` (applying it when it may apply) and the effective base it was judged at.

    Runs inside the op's transaction; a refusal raised half-way rolls back to a savepoint so
    that nothing of the op is left but its recorded result.
    """
    # The effective base is recorded with every answer, refusals included: an op the desk
    # stacked on this one offline is judged from it (a refusal recorded without it made every
    # later op of that desk on the case "based on a version newer than the server's").
    base = None if op["k"] == "create" else effective_base(database, office, op, request)
    actor_or_refusal = _actor(database, office, op)
    if isinstance(actor_or_refusal, dict):
        return actor_or_refusal, base
    actor = actor_or_refusal
    at = _op_time(op, now)
    if at is None:
        return _rejected(op, 422, "invalid", t("central.op.time", value=op.get("t"))), base
    if op["k"] == "create":
        return _create(database, office, actor, op, at), None
    if op["k"] == "attach":
        return attach_op(database, office, actor, op, at, limits), base
    try:
        action = Action(op["k"])
    except ValueError:
        return _rejected(op, 422, "invalid", t("central.op.kind", kind=op["k"])), base
    payload: dict[str, Any] = op.get("p") or {}
    unknown = set(payload) - PAYLOAD_KEYS
    if unknown or not all(isinstance(v, str) for v in payload.values()):
        keys = ", ".join(sorted(unknown)) or "?"
        return _rejected(op, 422, "invalid", t("central.op.payload", keys=keys)), base
    row = database.execute("SELECT id FROM cases WHERE local_id = ?", [op["c"]]).fetchone()
    if row is None:
        return _rejected(op, 404, "unknown_case", t("central.op.unknown_case", ref=op["c"])), base
    case = find_case(database, int(row[0]))
    if not in_scope(database, office, case["id"]):
        reason = t("central.op.scope", ref=_label(case), office=office.name)
        return _rejected(op, 403, "scope", reason), base

    assert base is not None
    server = int(case["version"])
    status = Status(case["status"])
    if base > server:
        reason = t("central.op.ahead", base=op["v"], server=server)
        return _rejected(op, 422, "invalid", reason), base
    rule = ACTIONS[action]
    allowed_now = status in rule.sources
    overlap: list[str] = []
    if base < server:
        if action in APPENDING:
            overlap = [] if allowed_now else ["status"]
        else:
            overlap = [
                f for f in op_fields(action, payload) if f in changed_since(database, case, base)
            ]
            if not overlap and not allowed_now:
                overlap = ["status"]
    if (overlap or not allowed_now) and in_place(database, action, payload, case):
        # It cannot apply as it stands, but what it meant to do is done already (a close
        # against a close, a disposition to the unit the case is at): not a conflict.
        return {"id": op["id"], "r": "same", "v": server}, base
    if overlap:
        # The fields where the outcomes differ: what the op means against what the server has,
        # and the status when the rules refuse the intent from the server's status (as "keep
        # mine" would redo it: sending to a unit is a verify from baru, a dispose after it).
        differ = set(differing_fields(database, action, payload, case))
        if status not in ACTIONS[redo_action(action, status)].sources:
            differ.add("status")
        conflict = {
            "id": op["id"],
            "r": "conflict",
            "s": 409,
            "v": server,
            "fields": [f for f in MERGE_FIELDS if f in differ] or overlap,
            "case": case_json(database, case, office),
        }
        return conflict, base
    if not allowed_now:  # the desk acted on this very version: the rules refuse it
        reason = refusal(actor, action, status, case["unit_code"]) or ""
        return _rejected(op, 422, "invalid", reason), base
    why = refusal(actor, action, status, case["unit_code"])
    if why is not None:
        return _rejected(op, 403, "role", why), base
    try:
        with write_transaction(database):  # a savepoint: a refusal leaves nothing behind
            applied = apply_action(
                database,
                actor,
                action,
                case,
                reason=payload.get("reason"),
                text=payload.get("text"),
                unit_code=payload.get("unit"),
                officer_nip=payload.get("assignee"),
                duplicate_of=payload.get("duplicate_of"),
                now=at,
                uid=op["id"],
            )
            audit.append(
                database,
                at=to_text(now),
                actor_nip=actor.nip,
                action=action.value,
                case_id=case["id"],
                detail={**applied.audit_detail(), "office": office.name},
            )
    except DeskError as error:
        return _rejected(op, 422, "invalid", str(error)), base
    return {"id": op["id"], "r": "applied", "v": int(applied.case["version"])}, base


def _label(case: dict[str, Any]) -> str:
    return f"#{case['tracking_no']}" if case.get("tracking_no") else str(case["local_id"])


def _actor(
    database: sqlite_utils.Database, office: Office, op: dict[str, Any]
) -> Actor | dict[str, Any]:
    """The officer the op names, or the rejection when the server does not accept them."""
    nip = (op.get("a") or "").strip()
    row = database.execute(
        "SELECT nip, name, role, unit_code, active FROM officers WHERE nip = ?", [nip]
    ).fetchone()
    if row is None:
        return _rejected(op, 403, "role", t("notfound.officer", nip=nip or "-"))
    if not row[4]:
        return _rejected(op, 403, "role", t("refuse.inactive", nip=nip))
    units = set(office.units)
    if row[3] not in units:
        return _rejected(op, 403, "scope", t("central.op.actor_scope", nip=nip, office=office.name))
    return Actor(nip=row[0], name=row[1], role=Role(row[2]), unit_code=row[3])


def _op_time(op: dict[str, Any], now: datetime) -> datetime | None:
    """When the officer acted (the op's `t`), never later than the server's clock."""
    text = op.get("t")
    if not text:
        return now
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        return None
    return min(at.astimezone(UTC), now)


def effective_base(
    database: sqlite_utils.Database,
    office: Office,
    op: dict[str, Any],
    request: frozenset[str] = frozenset(),
) -> int:
    """The server version the op's base stands for (see the module's docstring).

    The op X that made desk version `b` (same office, same case, base `b - 1`):
    - applied: `b` is what X became on the server;
    - refused in this same request: the op was stacked on X offline, so it is judged from
      what X was judged from;
    - a conflict answered earlier whose server version was `b`: the desk took the server's
      case ("keep mine" re-sends on the server's version), so `b` is a server version;
    - otherwise refused earlier: stacked on X, judged from X's effective base.
    """
    base = int(op["v"])
    # An `attach` changes no version on either side: it never made a desk version.
    row = database.execute(
        "SELECT op_id, result, eff_base FROM applied_ops WHERE office = ? AND case_local_id = ? "
        "AND base_version = ? AND kind != 'attach' ORDER BY rowid DESC LIMIT 1",
        [office.name, op["c"], base - 1],
    ).fetchone()
    if row is None:
        return base
    op_id, text, eff_base = row
    result = json.loads(text)
    if result.get("r") in ("applied", "same") and isinstance(result.get("v"), int):
        return int(result["v"])
    if op_id not in request and result.get("r") == "conflict" and result.get("v") == base:
        return base
    return int(eff_base) if eff_base is not None else base


def op_fields(action: Action, payload: dict[str, Any]) -> list[str]:
    """The merge-relevant fields an action changes."""
    rule = ACTIONS[action]
    fields = []
    if rule.target is not None or action is Action.REPORTER_REPLY:
        fields.append("status")
    if rule.needs_unit:
        fields += ["unit_code", "assignee_nip"]
    if rule.needs_officer:
        fields.append("assignee_nip")
    if action is Action.ARCHIVE and payload.get("duplicate_of"):
        fields.append("duplicate_of")
    return fields


def intended(
    database: sqlite_utils.Database, action: Action, payload: dict[str, Any]
) -> dict[str, Any]:
    """What an op means the merge-relevant fields to be, as the server's case holds them.

    The status an action leads to (a reporter's reply: the one the desk computed), the unit of
    a disposition, the officer of an assignment, the original of a duplicate (as a row id).
    A disposition also clears the assignee, but that is its consequence, not its intent.
    """
    rule = ACTIONS[action]
    values: dict[str, Any] = {}
    if rule.target is not None:
        values["status"] = rule.target.value
    elif action is Action.REPORTER_REPLY and payload.get("status"):
        values["status"] = payload["status"]
    if rule.needs_unit:
        values["unit_code"] = payload.get("unit")
    if rule.needs_officer:
        values["assignee_nip"] = payload.get("assignee")
    if action is Action.ARCHIVE and payload.get("duplicate_of"):
        row = database.execute(
            "SELECT id FROM cases WHERE local_id = ? OR tracking_no = ?",
            [payload["duplicate_of"], payload["duplicate_of"]],
        ).fetchone()
        values["duplicate_of"] = row[0] if row else payload["duplicate_of"]
    return values


def redo_action(action: Action, status: Status) -> Action:
    """The action that carries an op's intent from `status` (the desk's "keep mine" does the
    same): sending a case to a unit is `verify` from baru and `dispose` after it."""
    if action is Action.VERIFY and status is not Status.BARU:
        return Action.DISPOSE
    if action is Action.DISPOSE and status is Status.BARU:
        return Action.VERIFY
    return action


def differing_fields(
    database: sqlite_utils.Database, action: Action, payload: dict[str, Any], case: dict[str, Any]
) -> list[str]:
    """The merge-relevant fields whose value the op intends and the server's case does not hold."""
    return [
        name
        for name, value in intended(database, action, payload).items()
        if case.get(name) != value
    ]


def in_place(
    database: sqlite_utils.Database, action: Action, payload: dict[str, Any], case: dict[str, Any]
) -> bool:
    """Whether the op's outcome is already the server's state (never for ops that append text:
    their text is their outcome, and it is not on the server)."""
    if action in APPENDING:
        return False
    values = intended(database, action, payload)
    return bool(values) and not differing_fields(database, action, payload, case)


def changed_since(database: sqlite_utils.Database, case: dict[str, Any], base: int) -> set[str]:
    """The merge-relevant fields the server changed after version `base` of `case`.

    Versions the server has no record of (history from before the change log, e.g. seeded)
    count as having changed every field: a conflict is recoverable, a wrong merge is not.
    """
    rows = database.execute(
        "SELECT status, unit_code, assignee_nip, duplicate_of FROM case_versions "
        "WHERE case_id = ? AND version > ?",
        [case["id"], base],
    ).fetchall()
    if len(rows) < int(case["version"]) - base:
        return set(MERGE_FIELDS)
    return {
        name for row in rows for name, changed in zip(MERGE_FIELDS, row, strict=True) if changed
    }


def _next_tracking_no(database: sqlite_utils.Database) -> str:
    """The next tracking number; the last one given is kept, so this is not a table scan."""
    row = database.execute(
        "SELECT value FROM central_meta WHERE key = 'last_tracking_no'"
    ).fetchone()
    if row is None:
        row = database.execute(
            "SELECT max(CAST(tracking_no AS INTEGER)) FROM cases WHERE tracking_no GLOB '[0-9]*'"
        ).fetchone()
    number = max(FIRST_TRACKING_NO, int(row[0] or 0) + 1)
    # Numbers given elsewhere (an import) may have caught up: skip the ones already taken.
    while database.execute("SELECT 1 FROM cases WHERE tracking_no = ?", [str(number)]).fetchone():
        number += 1
    database.execute(
        "INSERT OR REPLACE INTO central_meta (key, value) VALUES ('last_tracking_no', ?)",
        [str(number)],
    )
    return str(number)


def _create(
    database: sqlite_utils.Database,
    office: Office,
    actor: Actor,
    op: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    """Record a case made at a desk: status baru, its local id, a new tracking number."""
    if actor.role is Role.PIMPINAN:
        return _rejected(op, 403, "role", t("central.op.create_role"))
    payload = dict(op.get("p") or {})
    reporter = payload.pop("reporter", None)
    received = payload.pop("received_at", None)
    provisional = payload.pop("provisional_no", None)
    unknown = set(payload) - set(CASE_FIELDS) - {"format", "local_id"}
    if (
        unknown
        or not isinstance(payload.get("title"), str)
        or not isinstance(payload.get("body"), str)
        or not (reporter is None or isinstance(reporter, dict))
        or payload.get("local_id", op["c"]) != op["c"]
        or not (provisional is None or (isinstance(provisional, str) and len(provisional) <= 40))
    ):
        keys = ", ".join(sorted(unknown)) or "title, body"
        return _rejected(op, 422, "invalid", t("central.op.payload", keys=keys))
    if database.execute("SELECT 1 FROM cases WHERE local_id = ?", [op["c"]]).fetchone():
        return _rejected(op, 422, "invalid", t("central.op.exists", ref=op["c"]))
    received_at = at
    if isinstance(received, str):
        parsed = _op_time({"t": received}, at)
        received_at = parsed or at
    tracking_no = _next_tracking_no(database)
    values = {
        **{name: payload.get(name) for name in CASE_FIELDS},
        "local_id": op["c"],
        "tracking_no": tracking_no,
        "status": Status.BARU.value,
        "received_at": to_text(received_at),
        "updated_at": to_text(at),
        "version": 1,
        "source": "desk",
        **verification_clock(database, received_at).as_columns(),
    }
    values["anonymous"] = int(bool(payload.get("anonymous")))
    values["confidential"] = int(bool(payload.get("confidential")))
    values["classification"] = payload.get("classification") or "pengaduan"
    values["channel"] = payload.get("channel") or "loket"
    # The number on the citizen's receipt (docs/intake.md). Desks make them independently, so
    # one another case already holds is not stored rather than refusing the case.
    if (
        provisional
        and not database.execute(
            "SELECT 1 FROM cases WHERE provisional_no = ?", [provisional]
        ).fetchone()
    ):
        values["provisional_no"] = provisional
    try:
        with write_transaction(database):
            cursor = database.execute(
                f"INSERT INTO cases ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                list(values.values()),
            )
            case_id = int(cursor.lastrowid or 0)
            if reporter and any(reporter.get(name) for name in REPORTER_FIELDS):
                database.execute(
                    "INSERT INTO reporters (case_id, name, nik, phone, email, address) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [case_id, *(reporter.get(name) for name in REPORTER_FIELDS)],
                )
            database.execute(
                "INSERT INTO case_origin (case_id, office) VALUES (?, ?)", [case_id, office.name]
            )
            append_event(
                database,
                case_id=case_id,
                at=to_text(received_at),
                actor_kind="officer",
                actor_nip=actor.nip,
                kind="received",
                visibility="public",
                to_status=Status.BARU.value,
                uid=op["id"],
            )
            audit.append(
                database,
                at=to_text(at),
                actor_nip=actor.nip,
                action="create",
                case_id=case_id,
                detail={"case": f"#{tracking_no}", "source": "desk", "office": office.name},
            )
    except sqlite3.IntegrityError as error:  # a CHECK (bad classification...) refuses the row
        return _rejected(op, 422, "invalid", str(error))
    return {"id": op["id"], "r": "applied", "v": 1, "tracking": tracking_no}
