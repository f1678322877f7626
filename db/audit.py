"""The audit log: append-only (triggers refuse UPDATE and DELETE) and hash-chained.

Each entry's hash covers its own fields and the previous entry's hash, so removing, reordering or
editing an entry (even with the triggers dropped) breaks the chain from that entry on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

GENESIS = "0" * 64


def entry_hash(
    seq: int,
    at: str,
    actor_nip: str | None,
    action: str,
    case_id: int | None,
    detail: str,
    prev: str,
) -> str:
    canonical = json.dumps(
        [seq, at, actor_nip, action, case_id, detail, prev],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    database: sqlite_utils.Database,
    *,
    at: str,
    actor_nip: str | None,
    action: str,
    case_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one entry; call inside the write transaction of the action it records."""
    last = database.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    detail_text = json.dumps(
        detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    digest = entry_hash(seq, at, actor_nip, action, case_id, detail_text, prev)
    database.execute(
        "INSERT INTO audit_log (seq, at, actor_nip, action, case_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [seq, at, actor_nip, action, case_id, detail_text, prev, digest],
    )
    return seq


@dataclass(frozen=True)
class ChainBreak:
    seq: int  # the first entry that is missing or does not match
    problem: str


def verify(database: sqlite_utils.Database) -> ChainBreak | None:
    """The first broken or missing entry, or None when the whole chain holds."""
    expected_seq, prev = 1, GENESIS
    rows = database.execute(
        "SELECT seq, at, actor_nip, action, case_id, detail, prev_hash, hash "
        "FROM audit_log ORDER BY seq"
    )
    for seq, at, actor, action, case_id, detail, prev_hash, digest in rows:
        if seq != expected_seq:
            return ChainBreak(expected_seq, f"entry {expected_seq} is missing")
        if prev_hash != prev:
            return ChainBreak(seq, f"entry {seq} does not follow entry {seq - 1}")
        if entry_hash(seq, at, actor, action, case_id, detail, prev_hash) != digest:
            return ChainBreak(seq, f"entry {seq} was altered")
        expected_seq, prev = seq + 1, digest
    return None
