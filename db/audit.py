"""The audit log: append-only (triggers refuse UPDATE and DELETE) and hash-chained.

Each entry's hash covers its own fields and the previous entry's hash, so removing, reordering or
editing an entry (even with the triggers dropped) breaks the chain from that entry on.

The hashes are not keyed: whoever holds the file can cut its tail, or edit an entry and compute
every hash again, and the chain still verifies. What the central system witnessed (a head it was
shown at a sync, desk/sync/witness.py) is what such a chain can no longer match: `check_witness`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

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
    [row] = chained(last, [(at, actor_nip, action, case_id, detail)])
    database.execute(
        "INSERT INTO audit_log (seq, at, actor_nip, action, case_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        row,
    )
    return int(row[0])


# An entry to append: at, actor's NIP, action, case id, detail.
Entry = tuple[str, str | None, str, int | None, dict[str, Any] | None]


def chained(last: Sequence[Any] | None, entries: Sequence[Entry]) -> list[list[Any]]:
    """The audit_log rows of `entries` appended after the head `last` (its seq and hash, None
    for an empty log), each linked to the one before: what every store inserts."""
    seq, prev = (int(last[0]), str(last[1])) if last else (0, GENESIS)
    rows = []
    for at, actor_nip, action, case_id, detail in entries:
        seq += 1
        detail_text = detail_json(detail)
        digest = entry_hash(seq, at, actor_nip, action, case_id, detail_text, prev)
        rows.append([seq, at, actor_nip, action, case_id, detail_text, prev, digest])
        prev = digest
    return rows


def detail_json(detail: dict[str, Any] | None) -> str:
    """An entry's detail as the text stored and hashed: one spelling on every store."""
    return json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record(
    database: sqlite_utils.Database,
    *,
    at: str,
    actor_nip: str | None,
    action: str,
    case_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one entry in a transaction of its own: for what is recorded on its own (a
    refusal raised right after, a file's summary), not as part of an action's writes."""
    from db.connection import write_transaction

    with write_transaction(database):
        return append(
            database, at=at, actor_nip=actor_nip, action=action, case_id=case_id, detail=detail
        )


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


def head(database: sqlite_utils.Database) -> tuple[int, str]:
    """The chain's last entry as (seq, hash); (0, GENESIS) for an empty log."""
    last = database.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(last[0]), str(last[1])) if last else (0, GENESIS)


def hash_at(database: sqlite_utils.Database, seq: int) -> str | None:
    """The stored hash of entry `seq` (GENESIS for 0); None when the log has no such entry."""
    if seq == 0:
        return GENESIS
    row = database.execute("SELECT hash FROM audit_log WHERE seq = ?", [seq]).fetchone()
    return str(row[0]) if row else None


@dataclass(frozen=True)
class Witness:
    """The central system saw this chain hold entry `seq` with `hash`, at `at` (UTC text)."""

    seq: int
    hash: str
    at: str


@dataclass(frozen=True)
class WitnessBreak:
    """The chain no longer holds what was witnessed: entry `seq` is `missing` (the log ends at
    `last`) or `differs` (the log was rewritten and its hashes computed again)."""

    seq: int
    at: str
    kind: Literal["missing", "differs"]
    last: int

    @property
    def problem(self) -> str:
        if self.kind == "missing":
            return (
                f"entry {self.seq}, witnessed by the central system at {self.at}, is missing: "
                f"the log ends at entry {self.last}"
            )
        return (
            f"entry {self.seq} is not the one the central system witnessed at {self.at}: "
            "the log was rewritten"
        )


def check_witness(database: sqlite_utils.Database, witness: Witness) -> WitnessBreak | None:
    """Whether the chain still holds the witnessed entry. Together with `verify` this covers
    every entry up to it: each hash covers the one before."""
    found = hash_at(database, witness.seq)
    if found is None:
        return WitnessBreak(witness.seq, witness.at, "missing", head(database)[0])
    if found != witness.hash:
        return WitnessBreak(witness.seq, witness.at, "differs", head(database)[0])
    return None
