"""The moves the system makes by itself when a clock runs out.

- Followed up (`diproses`) and no reply from the reporter within 10 HK: closed
  ("selesai otomatis").
- On hold (`tunda`) for 10 HK without the missing data: archived.

They are not queued for the central system: the central system applies the same rule as the system
of record, and sending both would make every automatic move a conflict (docs/workflow.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlite_utils

from db import audit, write_transaction
from db.timefmt import to_text, utc_now
from desk.services import append_event
from desk.workflow import Status

AUTOMATIC_MOVES = {
    "tutup_otomatis": (Status.DIPROSES, Status.SELESAI, "auto_close"),
    "arsip_otomatis": (Status.TUNDA, Status.DIARSIPKAN, "auto_archive"),
}
CHUNK = 500  # cases per transaction: short write locks, so officers are not kept waiting


@dataclass
class AutomaticResult:
    closed: int = 0
    archived: int = 0


@dataclass(frozen=True)
class Move:
    """One automatic move, worked out and not yet written (every store writes it alike)."""

    case_id: int
    version: int  # the version it was judged at: the update is guarded by it
    changes: dict[str, Any]  # column -> new value, `version` included
    event: dict[str, Any]  # the keyword arguments of `append_event`, `case_id` included
    audit: dict[str, Any]  # the keyword arguments of `audit.append`
    target: Status


# What a due case's row must hold for `plan_move`, in this order.
DUE_COLUMNS = ("id", "status", "auto_kind", "auto_at", "version", "unit_code")


def plan_move(row: dict[str, Any], at: str) -> Move | None:
    """The move due on `row` (DUE_COLUMNS) at `at`; None when its clock is stale (the case
    left the status the clock was set for): then the clock is only cleared."""
    source, target, event_kind = AUTOMATIC_MOVES[row["auto_kind"]]
    if row["status"] != source.value:
        return None
    changes = {
        "status": target.value,
        "auto_at": None,
        "auto_kind": None,
        "due_at": None,
        "due_kind": None,
        "hold_remaining_hk": None,
        "version": row["version"] + 1,
        "updated_at": at,
    }
    event = {
        "case_id": row["id"],
        "at": row["auto_at"],
        "actor_kind": "system",
        "actor_nip": None,
        "kind": event_kind,
        "visibility": "public" if target is Status.SELESAI else "internal",
        "from_status": source.value,
        "to_status": target.value,
        "unit_code": row["unit_code"],
    }
    entry = {
        "at": at,
        "actor_nip": None,
        "action": event_kind,
        "case_id": row["id"],
        "detail": {"from": source.value, "to": target.value, "due": row["auto_at"]},
    }
    return Move(row["id"], row["version"], changes, event, entry, target)


def count(result: AutomaticResult, move: Move) -> None:
    if move.target is Status.SELESAI:
        result.closed += 1
    else:
        result.archived += 1


def apply_automatic_transitions(
    database: sqlite_utils.Database, now: datetime | None = None
) -> AutomaticResult:
    """Apply every automatic move due at `now` (default: the current time)."""
    now = now or utc_now()
    at = to_text(now)
    result = AutomaticResult()
    while True:
        with write_transaction(database):
            due = database.execute(
                "SELECT id, status, auto_kind, auto_at, version, unit_code FROM cases "
                "WHERE auto_at IS NOT NULL AND auto_at <= ? ORDER BY auto_at LIMIT ?",
                [at, CHUNK],
            ).fetchall()
            for values in due:
                move = plan_move(dict(zip(DUE_COLUMNS, values, strict=True)), at)
                if move is None:  # stale clock: clear it, move nothing
                    database.execute(
                        "UPDATE cases SET auto_at = NULL, auto_kind = NULL WHERE id = ?",
                        [values[0]],
                    )
                    continue
                database.execute(
                    "UPDATE cases SET status = ?, auto_at = NULL, auto_kind = NULL, due_at = NULL, "
                    "due_kind = NULL, hold_remaining_hk = NULL, version = ?, updated_at = ? "
                    "WHERE id = ?",
                    [move.target.value, move.changes["version"], at, move.case_id],
                )
                append_event(database, **move.event)
                audit.append(database, **move.audit)
                count(result, move)
        if len(due) < CHUNK:
            return result
