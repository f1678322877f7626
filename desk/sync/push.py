"""Push: the outbox in batches, each operation answered on its own.

An op is marked `sending` (in a committed transaction) before the request that carries it and
`done` only from the receipt, so a crash or a kill leaves it `sending`; the next push puts such
ops back to `pending` and sends them again with the same id, which the server answers with
`duplicate`. The receipt is applied in one transaction.

Batches start at `batch_ops` operations, are cut to `batch_bytes` compressed, halve on 413, on
timeouts and on a 400 (to isolate the one op the server cannot read), and grow back after a
success.

An op the server refuses for good (`rejected`, or a 400/413 for that op alone) is undone on the
desk, in the receipt's transaction: its event is removed, its text goes to a draft of the
officer who wrote it (desk/drafts.py), a file it announced is no longer offered, and the case is
marked for a refresh (desk/sync/refresh.py), which gives it back the server's state at the end of
the same sync, keeping what its still-unsent ops did. An op whose outcome the server has already
(`same`) is dropped the same way. A case made at this desk that the server never recorded
(`create` not done) has no central state to go back to: it is left as it is. Either way the
officer is told: a notice (`sync_state` key `notice:<op id>`) stays until they dismiss it on the
case, and the op keeps the server's answer with what the desk did (`outbox.result`, key `desk`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from db import write_transaction
from desk.drafts import draft_kind, keep_text
from desk.sync import state
from desk.sync.apply import UNSENT
from desk.sync.errors import PayloadTooLarge, RequestRejected, SyncError
from desk.sync.refresh import mark_for_refresh
from desk.sync.transport import Transport, encode_body

PUSH_PATH = "/sync/v1/push"
START_OPS = 200
START_BYTES = 64 * 1024
NOTICE_PREFIX = "notice:"  # sync_state: an answer the officer has not dismissed yet → case


@dataclass
class PushResult:
    sent: int = 0
    applied: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0
    same: int = 0  # ops whose outcome the server had already: dropped, their text in a draft
    batches: int = 0
    conflict_cases: set[str] = field(default_factory=set)
    # What an officer must see: (case local id, op kind, the server's reason), per op refused.
    refused: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class _Op:
    rowid: int
    op_id: str
    case_id: int
    base_version: int
    wire: dict[str, Any]


def reset_interrupted(database: sqlite_utils.Database) -> int:
    """Ops left `sending` by a sync that died: back to `pending`, to be sent again (same id)."""
    with write_transaction(database):
        cursor = database.execute("UPDATE outbox SET state = 'pending' WHERE state = 'sending'")
        return int(cursor.rowcount or 0)


def pending_count(database: sqlite_utils.Database) -> int:
    row = database.execute(
        "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')"
    ).fetchone()
    return int(row[0])


def _load(database: sqlite_utils.Database, after: int, limit: int) -> list[_Op]:
    rows = database.execute(
        "SELECT rowid, op_id, case_id, case_local_id, kind, base_version, payload, actor_nip, "
        "created_at FROM outbox WHERE state = 'pending' AND rowid > ? ORDER BY rowid LIMIT ?",
        [after, limit],
    ).fetchall()
    ops = []
    for rowid, op_id, case_id, local_id, kind, base, payload, actor, created in rows:
        # Short keys: a triage edit should cost under 60 bytes on the wire.
        wire: dict[str, Any] = {"id": op_id, "c": local_id, "k": kind, "v": base}
        wire["p"] = json.loads(payload) if payload else {}
        if actor:
            wire["a"] = actor
        wire["t"] = created
        ops.append(_Op(rowid, op_id, case_id, base, wire))
    return ops


def push(
    database: sqlite_utils.Database,
    transport: Transport,
    *,
    batch_ops: int = START_OPS,
    batch_bytes: int = START_BYTES,
    progress: Callable[[int, int], None] | None = None,
    result: PushResult | None = None,
) -> PushResult:
    """Send every pending op; `result` (when given) is filled as it goes, even if it fails."""
    result = result if result is not None else PushResult()
    reset_interrupted(database)
    total = pending_count(database)
    limit = batch_ops
    high_water = 0  # ops at or below it were answered (or skipped) in this sync
    try:
        while True:
            batch = _load(database, high_water, limit)
            if not batch:
                return result

            def body(batch: list[_Op] = batch) -> dict[str, Any]:
                while len(batch) > 1 and _size(batch, transport) > batch_bytes:
                    del batch[(len(batch) + 1) // 2 :]
                _mark_sending(database, batch)
                return {"ops": [op.wire for op in batch]}

            def shrink(batch: list[_Op] = batch) -> bool:
                nonlocal limit
                if len(batch) <= 1:
                    return False
                _back_to_pending(database, batch[(len(batch) + 1) // 2 :])
                del batch[(len(batch) + 1) // 2 :]
                limit = len(batch)
                return True

            try:
                reply = transport.call(
                    "POST", PUSH_PATH, expect="desk-sync/receipt", body=body, shrink=shrink
                )
            except PayloadTooLarge:
                # Even one op is too large: it can never go; keep it, visibly.
                with write_transaction(database):
                    _refuse(database, batch[0], "413 too_large", {"r": "rejected", "s": 413})
                result.rejected += 1
                result.refused.append((batch[0].wire["c"], batch[0].wire["k"], "413 too_large"))
                high_water = batch[0].rowid
                continue
            except RequestRejected as error:
                if len(batch) > 1:
                    # Isolate the op the server cannot read; the others go in smaller batches.
                    _back_to_pending(database, batch)
                    limit = max(1, len(batch) // 2)
                    continue
                with write_transaction(database):
                    _refuse(database, batch[0], f"400 {error}", {"r": "rejected", "s": 400})
                result.rejected += 1
                result.refused.append((batch[0].wire["c"], batch[0].wire["k"], f"400 {error}"))
                high_water = batch[0].rowid
                continue
            result.batches += 1
            _apply_receipt(database, batch, reply.body or {}, result)
            high_water = batch[-1].rowid
            limit = min(batch_ops, limit * 2)
            if progress is not None:
                progress(result.sent, total)
    finally:
        # Whatever was in flight and not answered goes back to the queue.
        reset_interrupted(database)


def _size(batch: list[_Op], transport: Transport) -> int:
    return len(encode_body({"ops": [op.wire for op in batch]}, transport.request_encoding))


def _mark_sending(database: sqlite_utils.Database, batch: list[_Op]) -> None:
    with write_transaction(database):
        for op in batch:
            database.execute(
                "UPDATE outbox SET state = 'sending', attempts = attempts + 1 "
                "WHERE op_id = ? AND state IN ('pending', 'sending')",
                [op.op_id],
            )


def _back_to_pending(database: sqlite_utils.Database, ops: list[_Op]) -> None:
    with write_transaction(database):
        for op in ops:
            database.execute(
                "UPDATE outbox SET state = 'pending' WHERE op_id = ? AND state = 'sending'",
                [op.op_id],
            )


def _apply_receipt(
    database: sqlite_utils.Database, batch: list[_Op], body: dict[str, Any], result: PushResult
) -> None:
    results = body.get("results")
    if not isinstance(results, list):
        raise SyncError("the server's receipt has no results")
    # One result per op, in the order sent; a result that names its op (conflicts and
    # rejections do) must name that one, or the receipt is not trusted at all.
    if len(results) != len(batch) or any(
        not isinstance(answer, dict) or answer.get("id", op.op_id) != op.op_id
        for op, answer in zip(batch, results, strict=False)
    ):
        raise SyncError("the server's receipt does not match the operations sent")
    with write_transaction(database):
        for op, answer in zip(batch, results, strict=True):
            kind = answer.get("r")
            text = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
            if kind in ("applied", "duplicate"):
                _done(database, op, answer.get("v"), text)
                if kind == "applied":
                    result.applied += 1
                else:
                    result.duplicate += 1
            elif kind == "same":
                _same(database, op, answer)
                result.same += 1
            elif kind == "conflict":
                _conflict(database, op, answer)
                result.conflict += 1
                result.conflict_cases.add(str(op.wire["c"]))
                fields = ", ".join(str(f) for f in answer.get("fields") or [])
                result.refused.append((str(op.wire["c"]), str(op.wire["k"]), f"conflict: {fields}"))
            elif kind == "rejected":
                reason = (
                    f"{answer.get('s', '')} {answer.get('code', '')}: {answer.get('reason', '')}"
                )
                _refuse(database, op, reason.strip(), answer)
                result.rejected += 1
                result.refused.append((str(op.wire["c"]), str(op.wire["k"]), reason.strip()))
            else:
                continue  # an answer desk does not know: the op stays queued
            result.sent += 1
        tracking = body.get("tracking")
        if isinstance(tracking, dict):
            for local_id, number in tracking.items():
                _set_tracking(database, str(local_id), str(number))


def _forget_upload(database: sqlite_utils.Database, op: _Op) -> None:
    from desk.attachments import UPLOAD_PREFIX

    payload = op.wire.get("p")
    sha256 = payload.get("sha256") if isinstance(payload, dict) else None
    if isinstance(sha256, str):
        database.execute(
            "DELETE FROM sync_state WHERE key = ? AND value = ?",
            [UPLOAD_PREFIX + sha256, str(op.wire["c"])],
        )


def _done(database: sqlite_utils.Database, op: _Op, version: Any, text: str) -> None:
    database.execute(
        "UPDATE outbox SET state = 'done', last_error = NULL, result = ? "
        "WHERE op_id = ? AND state = 'sending'",
        [text, op.op_id],
    )
    _adopt_version(database, op, version)


def _adopt_version(database: sqlite_utils.Database, op: _Op, version: Any) -> None:
    if not isinstance(version, int):
        return
    # Adopt the server's version only when nothing newer is waiting on this case: an op made
    # while this one was in flight was based on the local version, and still has to go.
    others = database.execute(
        f"SELECT 1 FROM outbox WHERE case_id = ? AND op_id != ? AND state IN "
        f"({', '.join('?' * len(UNSENT))}) LIMIT 1",
        [op.case_id, op.op_id, *UNSENT],
    ).fetchone()
    if others is None:
        database.execute(
            "UPDATE cases SET version = ? WHERE id = ? AND version = ?",
            [version, op.case_id, op.base_version + 1],
        )


def _sync_id(database: sqlite_utils.Database) -> int | None:
    """The sync this push belongs to (its `sync_log` row, the latest one)."""
    row = database.execute("SELECT max(id) FROM sync_log").fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _record(answer: dict[str, Any], **desk: Any) -> str:
    """The op's `result`: the server's answer, and what the desk did with it (key `desk`)."""
    return json.dumps({**answer, "desk": desk}, ensure_ascii=False, separators=(",", ":"))


def _notify(database: sqlite_utils.Database, op: _Op) -> None:
    """The officer is to be told of this op's answer (until they dismiss it)."""
    state.put(database, NOTICE_PREFIX + op.op_id, str(op.wire["c"]))


def _unanswered(database: sqlite_utils.Database, op: _Op) -> bool:
    """The op still waits for this answer (an answer is applied once)."""
    row = database.execute(
        "SELECT 1 FROM outbox WHERE op_id = ? AND state IN ('pending', 'sending')", [op.op_id]
    ).fetchone()
    return row is not None


def _local_only(database: sqlite_utils.Database, op: _Op) -> bool:
    """A case made at this desk that the server has not recorded: there is nothing to go back
    to, and nothing of it is undone (it exists nowhere else)."""
    row = database.execute(
        "SELECT 1 FROM outbox WHERE case_id = ? AND kind = 'create' AND state != 'done' LIMIT 1",
        [op.case_id],
    ).fetchone()
    return row is not None or op.wire["k"] == "create"


def _keep_text(database: sqlite_utils.Database, op: _Op) -> str | None:
    """The op's text (a follow-up, a note, a reason) into its author's draft; the draft kind."""
    payload = op.wire.get("p")
    kind = draft_kind(str(op.wire["k"]))
    nip = op.wire.get("a")
    if not isinstance(payload, dict) or kind is None or not isinstance(nip, str) or not nip:
        return None
    text = payload.get("text") or payload.get("reason")
    if not isinstance(text, str) or not text.strip():
        return None
    if not database.execute("SELECT 1 FROM officers WHERE nip = ?", [nip]).fetchone():
        return None
    return kind if keep_text(database, op.case_id, nip, text, kind=kind) else None


def _undo(database: sqlite_utils.Database, op: _Op, reason: str) -> None:
    """What the op did on the desk, gone: its event, a file it announced; the case is marked
    for the server's copy (refresh.py), which the end of this sync brings."""
    database.execute("DELETE FROM events WHERE uid = ?", [op.op_id])
    if op.wire["k"] == "attach":
        _forget_attachment(database, op)
    mark_for_refresh(database, str(op.wire["c"]), reason)


def _refuse(database: sqlite_utils.Database, op: _Op, reason: str, answer: dict[str, Any]) -> None:
    """A refusal for good: the op is kept (`rejected`, with the reason) and undone on the desk,
    its text kept in a draft. Call inside a transaction."""
    if not _unanswered(database, op):
        return
    local = _local_only(database, op)
    draft = None if local else _keep_text(database, op)
    database.execute(
        "UPDATE outbox SET state = 'rejected', last_error = ?, result = ? WHERE op_id = ?",
        [
            reason[:500],
            _record(answer, sync=_sync_id(database), draft=draft, undone=not local),
            op.op_id,
        ],
    )
    if op.wire["k"] == "attach":
        # The server will never hold this file for the case: stop offering it.
        _forget_upload(database, op)
    if not local:
        _undo(database, op, "rejected")
    _notify(database, op)


def _same(database: sqlite_utils.Database, op: _Op, answer: dict[str, Any]) -> None:
    """The server had the op's outcome already: the op never happened centrally. It is kept as
    `superseded`, its local event goes, its text goes to a draft, the case takes the server's
    copy. Call inside a transaction."""
    if not _unanswered(database, op):
        return
    draft = _keep_text(database, op)
    database.execute(
        "UPDATE outbox SET state = 'superseded', last_error = NULL, result = ? WHERE op_id = ?",
        [_record(answer, sync=_sync_id(database), draft=draft, undone=True), op.op_id],
    )
    _adopt_version(database, op, answer.get("v"))
    _undo(database, op, "same")
    if draft is not None:
        _notify(database, op)  # the officer's text moved: they must know where


def _forget_attachment(database: sqlite_utils.Database, op: _Op) -> None:
    """The attachment row the op made, unless another event of the case brought the same file.
    The file itself stays in this desk's store (desk/attachments.py): nothing is deleted."""
    payload = op.wire.get("p")
    sha256 = payload.get("sha256") if isinstance(payload, dict) else None
    if not isinstance(sha256, str):
        return
    others = database.execute(
        "SELECT 1 FROM events WHERE case_id = ? AND kind = 'attachment' AND uid IS NOT ? "
        "AND json_extract(data, '$.sha256') = ? LIMIT 1",
        [op.case_id, op.op_id, sha256],
    ).fetchone()
    if others is None:
        database.execute(
            "DELETE FROM attachments WHERE case_id = ? AND sha256 = ?", [op.case_id, sha256]
        )


def _conflict(database: sqlite_utils.Database, op: _Op, answer: dict[str, Any]) -> None:
    database.execute(
        "UPDATE outbox SET state = 'conflict', last_error = ?, result = ? "
        "WHERE op_id = ? AND state = 'sending'",
        [
            ",".join(str(f) for f in answer.get("fields") or []) or "conflict",
            _record(answer, sync=_sync_id(database)),
            op.op_id,
        ],
    )
    row = database.execute("SELECT conflict FROM cases WHERE id = ?", [op.case_id]).fetchone()
    previous: dict[str, Any] = {}
    if row and row[0]:
        try:
            previous = json.loads(row[0])
        except ValueError:
            previous = {}
    ops = [str(o) for o in previous.get("ops", []) if o != op.op_id] + [op.op_id]
    fields = sorted({*previous.get("fields", []), *(answer.get("fields") or [])})
    record = {"server": answer.get("case"), "fields": fields, "ops": ops, "v": answer.get("v")}
    database.execute(
        "UPDATE cases SET conflict = ? WHERE id = ?",
        [json.dumps(record, ensure_ascii=False, separators=(",", ":")), op.case_id],
    )


def _set_tracking(database: sqlite_utils.Database, local_id: str, number: str) -> None:
    holder = database.execute(
        "SELECT local_id FROM cases WHERE tracking_no = ?", [number]
    ).fetchone()
    if holder is None:
        database.execute(
            "UPDATE cases SET tracking_no = ? WHERE local_id = ? AND tracking_no IS NULL",
            [number, local_id],
        )
