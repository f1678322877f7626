"""Push: the outbox in batches, each operation answered on its own.

An op is marked `sending` (in a committed transaction) before the request that carries it and
`done` only from the receipt, so a crash or a kill leaves it `sending`; the next push puts such
ops back to `pending` and sends them again with the same id, which the server answers with
`duplicate`. The receipt is applied in one transaction.

Batches start at `batch_ops` operations, are cut to `batch_bytes` compressed, halve on 413, on
timeouts and on a 400 (to isolate the one op the server cannot read), and grow back after a
success.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from db import write_transaction
from desk.sync.apply import UNSENT
from desk.sync.errors import PayloadTooLarge, RequestRejected, SyncError
from desk.sync.transport import Transport, encode_body

PUSH_PATH = "/sync/v1/push"
START_OPS = 200
START_BYTES = 64 * 1024


@dataclass
class PushResult:
    sent: int = 0
    applied: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0
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
                _reject(database, batch[0], "413 too_large")
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
                _reject(database, batch[0], f"400 {error}")
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


def _reject(database: sqlite_utils.Database, op: _Op, reason: str) -> None:
    with write_transaction(database):
        database.execute(
            "UPDATE outbox SET state = 'rejected', last_error = ? WHERE op_id = ?",
            [reason[:500], op.op_id],
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
            elif kind == "conflict":
                _conflict(database, op, answer, text)
                result.conflict += 1
                result.conflict_cases.add(str(op.wire["c"]))
                fields = ", ".join(str(f) for f in answer.get("fields") or [])
                result.refused.append((str(op.wire["c"]), str(op.wire["k"]), f"conflict: {fields}"))
            elif kind == "rejected":
                reason = (
                    f"{answer.get('s', '')} {answer.get('code', '')}: {answer.get('reason', '')}"
                )
                database.execute(
                    "UPDATE outbox SET state = 'rejected', last_error = ?, result = ? "
                    "WHERE op_id = ? AND state = 'sending'",
                    [reason.strip()[:500], text, op.op_id],
                )
                result.rejected += 1
                result.refused.append((str(op.wire["c"]), str(op.wire["k"]), reason.strip()))
                if op.wire["k"] == "attach":
                    # The server will never hold this file for the case: stop offering it.
                    _forget_upload(database, op)
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


def _conflict(database: sqlite_utils.Database, op: _Op, answer: dict[str, Any], text: str) -> None:
    database.execute(
        "UPDATE outbox SET state = 'conflict', last_error = ?, result = ? "
        "WHERE op_id = ? AND state = 'sending'",
        [",".join(str(f) for f in answer.get("fields") or []) or "conflict", text, op.op_id],
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
