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
            for case_id, status, kind, auto_at, version, unit_code in due:
                source, target, event_kind = AUTOMATIC_MOVES[kind]
                if status != source.value:  # stale clock: clear it, move nothing
                    database.execute(
                        "UPDATE cases SET auto_at = NULL, auto_kind = NULL WHERE id = ?", [case_id]
                    )
                    continue
                database.execute(
                    "UPDATE cases SET status = ?, auto_at = NULL, auto_kind = NULL, due_at = NULL, "
                    "due_kind = NULL, hold_remaining_hk = NULL, version = ?, updated_at = ? "
                    "WHERE id = ?",
                    [target.value, version + 1, at, case_id],
                )
                append_event(
                    database,
                    case_id=case_id,
                    at=auto_at,
                    actor_kind="system",
                    actor_nip=None,
                    kind=event_kind,
                    visibility="public" if target is Status.SELESAI else "internal",
                    from_status=source.value,
                    to_status=target.value,
                    unit_code=unit_code,
                )
                audit.append(
                    database,
                    at=at,
                    actor_nip=None,
                    action=event_kind,
                    case_id=case_id,
                    detail={"from": source.value, "to": target.value, "due": auto_at},
                )
                if target is Status.SELESAI:
                    result.closed += 1
                else:
                    result.archived += 1
        if len(due) < CHUNK:
            return result
