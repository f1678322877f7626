"""Applying the operations desks push: each one at most once, judged by the desk's own rules.

For every op (docs/sync-protocol.md, "Push" and "Conflicts"), in its own transaction:

1. Seen before? Only the sending office's ops count: an id another office used is `rejected`
   409 `op_reused` whatever its content, and says nothing of that op. Same id and same
   content: the first answer again (`duplicate` when it was applied). Same id, different
   content: `rejected` 409 `op_reused`. Then every value is checked before anything is
   written (a `create` field by field, times from 2000-01-01 on): a value a desk cannot have
   sent is `rejected` 422 `invalid` naming the field, never a 500.
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
4. The same core as the desk (`desk.services.plan_action`) validates, so the desk and
   the server can never disagree about what an action may do; its event gets uid = op id.

Effective base: a desk numbers the versions its own actions make by adding one to what it had,
so after two offline actions on a case its second op says "base 6" where 6 is the desk's own
version, not the server's. The server knows which op made that desk version (the same office's
op on the same case with base 5) and what it became on the server: the version that op produced
when applied (or the version it was judged at when its outcome was in place, `same`), or, when
it was refused, that op's own effective base (so a stacked op is judged against what the desk
really saw from the server). Every answer records the op's effective base, refusals of the
officer or the scope included.

Stores: the rules here read and write only through an `OpTransaction`, the statements of one
op inside its transaction. `apply_op` runs an op on a SQLite central store (`SqliteOps`,
desk/central/sqlite_ops.py: the statements it always ran, in a transaction of its own);
`judge_op` is the same for any store, called by the PostgreSQL store (`PgOps`,
desk/central/pg_ops.py) for each op of a push inside the push's one transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, TypeAlias

import sqlite_utils

from db import write_transaction
from db.timefmt import to_text
from desk.central.files import FileLimits, attach_op
from desk.central.sqlite_ops import RowRefused, SqliteOps
from desk.central.store import Office
from desk.clocks import ReferenceData, verification_clock
from desk.errors import DeskError
from desk.i18n import t
from desk.intake import CHANNELS, LIMITS
from desk.services import CASE_FIELDS, REPORTER_FIELDS, Applied, Plan, plan_action
from desk.workflow import ACTIONS, Action, Actor, Role, Status, refusal

# The merge-relevant fields (sync-protocol.md): clocks follow the status and are not compared.
MERGE_FIELDS = ("status", "unit_code", "assignee_nip", "duplicate_of")
# Operations that append text: their text never conflicts (rule 3).
APPENDING = frozenset({Action.NOTE, Action.FOLLOW_UP, Action.REPORTER_REPLY})
PAYLOAD_KEYS = frozenset({"status", "unit", "assignee", "duplicate_of", "reason", "text"})
FIRST_TRACKING_NO = 9_000_001  # numbers the central server gives cases created at a desk
DEFAULT_FILE_LIMITS = FileLimits()
MAX_VERSION = 2**63 - 1  # what SQLite stores: a larger `v` was an OverflowError, a 500
MAX_KEY = 64  # characters of an op's id, case, kind, officer and time
# No op or case of this system is older: a time before it is a desk clock gone wrong (a flat
# CMOS battery gives 1970) or a hostile value, never an officer's real act.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
# A case received more than this after the server's clock is impossible, not a clock skew.
FUTURE_SLACK = timedelta(days=1)
CLASSIFICATIONS = ("pengaduan", "aspirasi", "permintaan_informasi")  # the cases table's CHECK
# What a `create` payload may hold beside the case fields, and which of them are text.
CREATE_EXTRA = frozenset({"format", "local_id", "reporter", "received_at", "provisional_no"})
CREATE_TEXT = (
    "complaint_id",
    "category",
    "subcategory",
    "location",
    "incident_date",
    "classification",
    "channel",
    "tracking_no",
    "format",
    "local_id",
    "received_at",
    "provisional_no",
)
# The unique key on cases.local_id as PostgreSQL names it (a create racing its twin).
CASE_LOCAL_ID_KEY = "cases_local_id_key"
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


# What an op id's first answer was: (office, content_sha256, result as recorded).
Seen: TypeAlias = tuple[str, str, str]


@dataclass(frozen=True)
class OpRecord:
    """What `applied_ops` records of an op besides its answer."""

    op_id: str
    office: str
    case_local_id: str
    kind: str
    base_version: int
    content_sha256: str
    at: str


class OpTransaction(Protocol):
    """The reads and writes of one op inside its transaction: everything the rules here (and
    files.attach_op) ask of a store. `SqliteOps` (desk/central/sqlite_ops.py) and `PgOps`
    (desk/central/pg_ops.py) implement it; the rules never run SQL of their own."""

    def claim_op(self, record: OpRecord) -> Seen | None:
        """The op id's recorded answer when it is known; None when this op is ours to judge.
        (PostgreSQL claimed the push's ids before its first op was judged, `PgOps.prepare`,
        so that a racing twin waits and then finds them; it answers from that.)"""
        ...

    def finish_op(self, record: OpRecord, result: str, eff_base: int | None) -> None:
        """Record the op's answer (JSON text) and effective base with it."""
        ...

    def last_op(
        self, office: str, case_local_id: str, base: int
    ) -> tuple[str, str, int | None] | None:
        """The latest non-attach op of `office` on the case with base `base`: (op id, result,
        effective base), this transaction's earlier ops included. (PostgreSQL: only for the
        office of the push it prepared.)"""
        ...

    def officer(self, nip: str) -> tuple[str, str, str, str | None, int] | None:
        """(nip, name, role, unit_code, active) of the officer."""
        ...

    def case_by_local_id(self, local_id: str) -> dict[str, Any] | None:
        """The case row, locked against other ops until the transaction ends (PostgreSQL)."""
        ...

    def in_scope(self, office: Office, case_id: int) -> bool: ...

    def versions_since(self, case_id: int, base: int) -> list[tuple[int, int, int, int]]:
        """The (status, unit_code, assignee_nip, duplicate_of) change flags of each recorded
        version of the case after `base`."""
        ...

    def case_id_of(self, reference: str) -> int | None:
        """The row id of the case with this local id or tracking number."""
        ...

    def reference(self) -> ReferenceData:
        """What the workflow and clock code read (desk/clocks.py)."""
        ...

    def case_json(self, case: dict[str, Any], office: Office) -> dict[str, Any]:
        """The case as a conflict answer sends it (desk/central/cases.py)."""
        ...

    def local_id_taken(self, local_id: str) -> bool: ...

    def provisional_taken(self, provisional_no: str) -> bool: ...

    def savepoint(self) -> AbstractContextManager[None]:
        """A block whose writes are undone when it raises; a row the database refuses is
        raised as `RowRefused`."""
        ...

    def write_plan(self, plan: Plan) -> Applied:
        """Carry out a judged action: the case updated under the version it was judged at,
        its event appended; what it did, the case read back."""
        ...

    def next_tracking_no(self, first: int) -> str:
        """Take the next tracking number (at least `first`), given back if the block fails."""
        ...

    def insert_case(self, values: dict[str, Any], reporter: list[Any] | None, office: str) -> int:
        """Insert a case (its reporter's REPORTER_FIELDS values, its origin office); its id."""
        ...

    def append_event(self, **fields: Any) -> int: ...

    def append_audit(
        self,
        *,
        at: str,
        actor_nip: str | None,
        action: str,
        case_id: int | None,
        detail: dict[str, Any],
    ) -> None:
        """Add an entry to the audit chain (on PostgreSQL at commit, in commit order)."""
        ...

    def claimed_bytes(self, office: str, excluding: str) -> int: ...

    def proven_by(self, office: str, sha256: str) -> str | None: ...

    def recorder(self, case_id: int) -> str | None:
        """The officer of the case's first `received` event (who took it at the counter)."""
        ...

    def record_attachment(self, case_id: int, meta: dict[str, Any], at: str, by: str) -> None:
        """Add the attachment row unless the case holds this content already."""
        ...

    def claim_attachment(
        self, case_id: int, office: str, meta: dict[str, Any], proven: str | None
    ) -> None: ...


class BadOp(ValueError):
    """An operation whose shape is wrong: the whole request is malformed (400)."""


def validate_op(op: object) -> dict[str, Any]:
    """Check the wire shape of one op (keys and types); raise `BadOp` naming what is wrong."""
    if not isinstance(op, dict):
        raise BadOp("an op is not an object")
    unknown = set(op) - {"id", "c", "k", "v", "p", "a", "t"}
    if unknown:
        raise BadOp(f"unknown op keys: {names(unknown)}")
    for key in ("id", "c", "k"):
        if not isinstance(op.get(key), str) or not op[key] or len(op[key]) > MAX_KEY:
            raise BadOp(f"op key {key!r} must be a string of 1-{MAX_KEY} characters")
        if "\0" in op[key]:  # no desk makes one, and PostgreSQL text cannot hold it (a 500)
            raise BadOp(f"op key {key!r} must not hold a NUL character")
    version = op.get("v")
    if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version <= MAX_VERSION:
        raise BadOp(f"op {op['id']}: 'v' must be a version number (0 to 2^63-1)")
    if not isinstance(op.get("p", {}), dict):
        raise BadOp(f"op {op['id']}: 'p' must be an object")
    for key in ("a", "t"):
        value = op.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_KEY):
            raise BadOp(f"op {op['id']}: {key!r} must be a string of at most {MAX_KEY} characters")
        if value is not None and "\0" in value:
            raise BadOp(f"op {op['id']}: {key!r} must not hold a NUL character")
    return op


def names(keys: Iterable[object], most: int = 5) -> str:
    """Names taken from a request, for a message: at most `most`, each cut to 40 characters."""
    shown = sorted(repr(str(key)[:40]) for key in keys)
    more = f" (+{len(shown) - most})" if len(shown) > most else ""
    return ", ".join(shown[:most]) + more


def _shown(value: object) -> str:
    """A value from a request, for a message: its repr, cut to 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "\u2026"


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
    """Apply one (shape-checked) op for `office` in its own transaction of the SQLite central
    store; returns its result (`judge_op`)."""
    with write_transaction(database):
        return judge_op(SqliteOps(database), office, op, now, request, limits)


def op_record(op: dict[str, Any], office: Office, now: datetime) -> OpRecord:
    """What `applied_ops` records of a (shape-checked) op pushed by `office` at `now`."""
    return OpRecord(
        op_id=op["id"],
        office=office.name,
        case_local_id=op["c"],
        kind=op["k"],
        base_version=op["v"],
        content_sha256=content_hash(op),
        at=to_text(now),
    )


def judge_op(
    tx: OpTransaction,
    office: Office,
    op: dict[str, Any],
    now: datetime,
    request: frozenset[str] = frozenset(),
    limits: FileLimits = DEFAULT_FILE_LIMITS,
    record: OpRecord | None = None,
) -> dict[str, Any]:
    """Apply one (shape-checked) op for `office` inside the caller's transaction `tx`.

    `request`: the ids of the ops pushed in the same request (for the effective base).
    `record`: the op's `op_record`, when the caller has made it already.

    The result is recorded with the op before the transaction commits, so a replay after a lost
    answer gets the same result and never a second effect.
    """
    record = record or op_record(op, office, now)
    seen = tx.claim_op(record)
    if seen is not None:
        return _answer_again(op, office, record, seen)
    result, eff_base = _judge(tx, office, op, now, request, limits)
    tx.finish_op(record, json.dumps(result, ensure_ascii=False, separators=(",", ":")), eff_base)
    return result


def _answer_again(
    op: dict[str, Any], office: Office, record: OpRecord, seen: Seen
) -> dict[str, Any]:
    """The answer to an op id seen before (the module's docstring, rule 1)."""
    first_office, first_digest, first_result = seen
    if first_office != office.name:
        # Another office's op id: the same refusal whatever the content, and nothing
        # recorded, so that no office learns what another's op was or what it gave.
        return _rejected(op, 409, "op_reused", t("central.op.id_taken", op=op["id"]))
    if first_digest != record.content_sha256:
        return _rejected(op, 409, "op_reused", t("central.op.reused", op=op["id"]))
    first: dict[str, Any] = json.loads(first_result)
    if first.get("r") == "applied":
        first["r"] = "duplicate"
    return first


def _rejected(op: dict[str, Any], status: int, code: str, reason: str) -> dict[str, Any]:
    return {"id": op["id"], "r": "rejected", "s": status, "code": code, "reason": reason}


def _judge(
    tx: OpTransaction,
    office: Office,
    op: dict[str, Any],
    now: datetime,
    request: frozenset[str],
    limits: FileLimits,
) -> tuple[dict[str, Any], int | None]:
    """The result of `op` (applying it when it may apply) and the effective base it was judged at.

    Runs inside the op's transaction; an action is judged before anything is written, and a
    create or an attach refused half-way rolls back to a savepoint, so that nothing of a
    refused op is left but its recorded result.
    """
    # The effective base is recorded with every answer, refusals included: an op the desk
    # stacked on this one offline is judged from it (a refusal recorded without it made every
    # later op of that desk on the case "based on a version newer than the server's").
    base = None if op["k"] == "create" else effective_base(tx, office, op, request)
    actor_or_refusal = _actor(tx, office, op)
    if isinstance(actor_or_refusal, dict):
        return actor_or_refusal, base
    actor = actor_or_refusal
    at = _op_time(op, now)
    if isinstance(at, str):
        return _rejected(op, 422, "invalid", at), base
    if _holds_nul(op.get("p")):
        # PostgreSQL's text cannot hold one, and no reader of a complaint needs one: refused
        # on every store alike, this op only (the desk keeps the officer's text as a draft).
        return _rejected(op, 422, "invalid", t("central.op.nul")), base
    if op["k"] == "create":
        return _create(tx, office, actor, op, at, now), None
    if op["k"] == "attach":
        # The metadata are text and a size: an object or a list where `check_meta` looks a
        # value up was a TypeError, a 500 (desk/attachments.py).
        nested = sorted(k for k, v in (op.get("p") or {}).items() if isinstance(v, dict | list))
        if nested:
            return _rejected(op, 422, "invalid", t("central.op.not_scalar", key=nested[0])), base
        return attach_op(tx, office, actor, op, at, limits), base
    try:
        action = Action(op["k"])
    except ValueError:
        return _rejected(op, 422, "invalid", t("central.op.kind", kind=op["k"])), base
    payload: dict[str, Any] = op.get("p") or {}
    unknown = set(payload) - PAYLOAD_KEYS
    if unknown:
        return _rejected(op, 422, "invalid", t("central.op.payload", keys=names(unknown))), base
    not_text = sorted(key for key, value in payload.items() if not isinstance(value, str))
    if not_text:
        return _rejected(op, 422, "invalid", t("central.op.not_text", key=not_text[0])), base
    case = tx.case_by_local_id(op["c"])
    if case is None:
        return _rejected(op, 404, "unknown_case", t("central.op.unknown_case", ref=op["c"])), base
    if not tx.in_scope(office, case["id"]):
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
            overlap = [f for f in op_fields(action, payload) if f in changed_since(tx, case, base)]
            if not overlap and not allowed_now:
                overlap = ["status"]
    if (overlap or not allowed_now) and in_place(tx, action, payload, case):
        # It cannot apply as it stands, but what it meant to do is done already (a close
        # against a close, a disposition to the unit the case is at): not a conflict.
        return {"id": op["id"], "r": "same", "v": server}, base
    if overlap:
        # The fields where the outcomes differ: what the op means against what the server has,
        # and the status when the rules refuse the intent from the server's status (as "keep
        # mine" would redo it: sending to a unit is a verify from baru, a dispose after it).
        differ = set(differing_fields(tx, action, payload, case))
        if status not in ACTIONS[redo_action(action, status)].sources:
            differ.add("status")
        conflict = {
            "id": op["id"],
            "r": "conflict",
            "s": 409,
            "v": server,
            "fields": [f for f in MERGE_FIELDS if f in differ] or overlap,
            "case": tx.case_json(case, office),
        }
        return conflict, base
    if not allowed_now:  # the desk acted on this very version: the rules refuse it
        reason = refusal(actor, action, status, case["unit_code"]) or ""
        return _rejected(op, 422, "invalid", reason), base
    why = refusal(actor, action, status, case["unit_code"])
    if why is not None:
        return _rejected(op, 403, "role", why), base
    try:
        # The desk's own rules judge it (desk/services.py), reading through the store; a
        # refusal is raised before anything is written, so it leaves nothing behind.
        plan = plan_action(
            tx.reference(),
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
    except DeskError as error:
        return _rejected(op, 422, "invalid", str(error)), base
    # No savepoint: nothing here is refused once judged. A row the database refused all the
    # same (a broken invariant) fails the whole push, and nothing of it is kept.
    applied = tx.write_plan(plan)
    tx.append_audit(
        at=to_text(now),
        actor_nip=actor.nip,
        action=action.value,
        case_id=case["id"],
        detail={**applied.audit_detail(), "office": office.name},
    )
    return {"id": op["id"], "r": "applied", "v": int(applied.case["version"])}, base


def _holds_nul(value: object) -> bool:
    """Whether a NUL character is in any text of a payload (keys included)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _label(case: dict[str, Any]) -> str:
    return f"#{case['tracking_no']}" if case.get("tracking_no") else str(case["local_id"])


def _actor(tx: OpTransaction, office: Office, op: dict[str, Any]) -> Actor | dict[str, Any]:
    """The officer the op names, or the rejection when the server does not accept them."""
    nip = (op.get("a") or "").strip()
    row = tx.officer(nip)
    if row is None:
        return _rejected(op, 403, "role", t("notfound.officer", nip=nip or "-"))
    if not row[4]:
        return _rejected(op, 403, "role", t("refuse.inactive", nip=nip))
    units = set(office.units)
    if row[3] not in units:
        return _rejected(op, 403, "scope", t("central.op.actor_scope", nip=nip, office=office.name))
    return Actor(nip=row[0], name=row[1], role=Role(row[2]), unit_code=row[3])


def _op_time(op: dict[str, Any], now: datetime) -> datetime | str:
    """When the officer acted (the op's `t`), never later than the server's clock (a desk
    clock running fast is clamped); the reason for a refusal when `t` is no possible time."""
    text = op.get("t")
    if not text:
        return now
    at = instant(text)
    if at is None:
        return t("central.op.time", value=_shown(text))
    if at < EARLIEST:
        return t(
            "central.op.too_old", key="t", value=_shown(text), earliest=EARLIEST.date().isoformat()
        )
    return min(at, now)


def instant(text: object) -> datetime | None:
    """An ISO 8601 time with its zone, in UTC; None for anything else, and for a time that
    leaves the calendar once in UTC (year 1 at +14:00 was an OverflowError, a 500)."""
    if not isinstance(text, str) or len(text) > MAX_KEY:
        return None
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return at.astimezone(UTC) if at.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None


def effective_base(
    tx: OpTransaction,
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
    row = tx.last_op(office.name, op["c"], base - 1)
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


def intended(tx: OpTransaction, action: Action, payload: dict[str, Any]) -> dict[str, Any]:
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
        found = tx.case_id_of(payload["duplicate_of"])
        values["duplicate_of"] = found if found is not None else payload["duplicate_of"]
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
    tx: OpTransaction, action: Action, payload: dict[str, Any], case: dict[str, Any]
) -> list[str]:
    """The merge-relevant fields whose value the op intends and the server's case does not hold."""
    return [
        name for name, value in intended(tx, action, payload).items() if case.get(name) != value
    ]


def in_place(
    tx: OpTransaction, action: Action, payload: dict[str, Any], case: dict[str, Any]
) -> bool:
    """Whether the op's outcome is already the server's state (never for ops that append text:
    their text is their outcome, and it is not on the server)."""
    if action in APPENDING:
        return False
    values = intended(tx, action, payload)
    return bool(values) and not differing_fields(tx, action, payload, case)


def changed_since(tx: OpTransaction, case: dict[str, Any], base: int) -> set[str]:
    """The merge-relevant fields the server changed after version `base` of `case`.

    Versions the server has no record of (history from before the change log, e.g. seeded)
    count as having changed every field: a conflict is recoverable, a wrong merge is not.
    """
    rows = tx.versions_since(case["id"], base)
    if len(rows) < int(case["version"]) - base:
        return set(MERGE_FIELDS)
    return {
        name for row in rows for name, changed in zip(MERGE_FIELDS, row, strict=True) if changed
    }


def _create(
    tx: OpTransaction,
    office: Office,
    actor: Actor,
    op: dict[str, Any],
    at: datetime,
    now: datetime,
) -> dict[str, Any]:
    """Record a case made at a desk: status baru, its local id, a new tracking number.

    Everything is checked before anything is written, and the number is taken in the same
    savepoint as the case: a refused `create` uses up no tracking number.
    """
    if actor.role is Role.PIMPINAN:
        return _rejected(op, 403, "role", t("central.op.create_role"))
    checked = _create_fields(op, at, now)
    if isinstance(checked, str):
        return _rejected(op, 422, "invalid", checked)
    payload, reporter, received_at = checked
    exists = _rejected(op, 422, "invalid", t("central.op.exists", ref=op["c"]))
    if tx.local_id_taken(op["c"]):
        return exists
    values = {
        **{name: payload.get(name) for name in CASE_FIELDS},
        "local_id": op["c"],
        "status": Status.BARU.value,
        "received_at": to_text(received_at),
        "updated_at": to_text(at),
        "version": 1,
        "source": "desk",
        **verification_clock(tx.reference(), received_at).as_columns(),
    }
    values["anonymous"] = int(bool(payload.get("anonymous")))
    values["confidential"] = int(bool(payload.get("confidential")))
    values["classification"] = payload.get("classification") or "pengaduan"
    values["channel"] = payload.get("channel") or "loket"
    provisional = payload.get("provisional_no")
    # The number on the citizen's receipt (docs/intake.md). Desks make them independently, so
    # one another case already holds is not stored rather than refusing the case.
    if provisional and not tx.provisional_taken(provisional):
        values["provisional_no"] = provisional
    known = None
    if reporter and any(reporter.get(name) for name in REPORTER_FIELDS):
        known = [reporter.get(name) for name in REPORTER_FIELDS]
    try:
        with tx.savepoint():  # a refusal gives the number back
            tracking_no = tx.next_tracking_no(FIRST_TRACKING_NO)
            values["tracking_no"] = tracking_no
            case_id = tx.insert_case(values, known, office.name)
            tx.append_event(
                case_id=case_id,
                at=to_text(received_at),
                actor_kind="officer",
                actor_nip=actor.nip,
                kind="received",
                visibility="public",
                to_status=Status.BARU.value,
                uid=op["id"],
            )
            tx.append_audit(
                at=to_text(at),
                actor_nip=actor.nip,
                action="create",
                case_id=case_id,
                detail={"case": f"#{tracking_no}", "source": "desk", "office": office.name},
            )
    except RowRefused as error:  # a CHECK (bad classification...) refuses the row
        if error.constraint == CASE_LOCAL_ID_KEY:
            return exists  # the same case created at this moment by a push on another worker
        return _rejected(op, 422, "invalid", str(error))
    return {"id": op["id"], "r": "applied", "v": 1, "tracking": tracking_no}


# The limits the desk's intake form applies (desk/intake.py LIMITS): a case the desk could not
# have made is not one the central system keeps either.
_CREATE_LIMITS = {"title": LIMITS["title"], "body": LIMITS["text"], "location": LIMITS["place"]}
_REPORTER_LIMITS = {name: LIMITS[name] for name in ("name", "email", "address")}
# Any other text (category, NIK, phone...): far shorter when valid; the bound keeps rows small.
_OTHER_TEXT_LIMIT = 200


def _create_fields(
    op: dict[str, Any], at: datetime, now: datetime
) -> tuple[dict[str, Any], dict[str, Any] | None, datetime] | str:
    """The payload of a `create` checked field by field (the case fields, the reporter, when
    it was received); the reason for a refusal when any of it is not what a desk sends."""
    payload: dict[str, Any] = op.get("p") or {}
    unknown = set(payload) - set(CASE_FIELDS) - CREATE_EXTRA
    if unknown:
        return t("central.op.payload", keys=names(unknown))
    for name in ("title", "body"):
        if not isinstance(payload.get(name), str):
            return t("central.op.not_text", key=name)
        if not payload[name].strip():
            return t("central.op.required", key=name)
    for name in CREATE_TEXT:
        if payload.get(name) is not None and not isinstance(payload[name], str):
            return t("central.op.not_text", key=name)
    for name in ("title", "body", *CREATE_TEXT):
        limit = _CREATE_LIMITS.get(name, _OTHER_TEXT_LIMIT)
        if len(payload.get(name) or "") > limit:
            return t("central.op.too_long", key=name, limit=limit)
    for name in ("anonymous", "confidential"):
        if payload.get(name) is not None and not isinstance(payload[name], bool):
            return t("central.op.not_flag", key=name)
    rating = payload.get("rating")
    if rating is not None and (
        not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5
    ):
        return t("central.op.rating", value=_shown(rating))
    if payload.get("local_id", op["c"]) != op["c"]:
        return t("central.op.local_id", value=_shown(payload["local_id"]), ref=op["c"])
    if len(payload.get("provisional_no") or "") > 40:
        return t("central.op.too_long", key="provisional_no", limit=40)
    classification = payload.get("classification") or "pengaduan"
    if classification not in CLASSIFICATIONS:
        return t(
            "central.op.classification",
            value=_shown(classification),
            choices=", ".join(CLASSIFICATIONS),
        )
    channel = payload.get("channel") or "loket"
    if channel not in CHANNELS:
        return t("central.op.channel", value=_shown(channel), choices=", ".join(CHANNELS))
    reporter = payload.get("reporter")
    if reporter is not None:
        if not isinstance(reporter, dict):
            return t("central.op.not_object", key="reporter")
        extra = set(reporter) - set(REPORTER_FIELDS)
        if extra:
            return t("central.op.payload", keys=names(f"reporter.{key}" for key in extra))
        for name, value in reporter.items():
            if value is not None and not isinstance(value, str):
                return t("central.op.not_text", key=f"reporter.{name}")
            limit = _REPORTER_LIMITS.get(name, _OTHER_TEXT_LIMIT)
            if len(value or "") > limit:
                return t("central.op.too_long", key=f"reporter.{name}", limit=limit)
    received_at = at
    if payload.get("received_at") is not None:
        text = payload["received_at"]
        received = instant(text)
        if received is None:
            return t("central.op.date", key="received_at", value=_shown(text))
        if received < EARLIEST:
            return t(
                "central.op.too_old",
                key="received_at",
                value=_shown(text),
                earliest=EARLIEST.date().isoformat(),
            )
        if received > now + FUTURE_SLACK:
            return t("central.op.future", key="received_at", value=_shown(text))
        received_at = min(received, at)  # a desk clock a little fast: clamped, as `t`
    day = payload.get("incident_date")
    if day:
        try:
            incident = date.fromisoformat(day) if _DAY.fullmatch(day) else None
        except ValueError:
            incident = None
        if incident is None or incident.year < 1900:
            return t("central.op.date", key="incident_date", value=_shown(day))
        # The desk refuses a day after the office's own; a day ahead of UTC is the most a
        # time zone of this country can make of it.
        if incident > received_at.date() + timedelta(days=1):
            return t("central.op.future", key="incident_date", value=_shown(day))
    return payload, reporter, received_at
