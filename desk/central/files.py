"""Attachments on the central server: the `attach` op, and the files behind it.

An `attach` op carries only the metadata ({sha256, name, size, media_type}); it records the
attachment row and a timeline event (uid = op id, data = the metadata) through which the other
desks learn of it from the feed. The content comes separately, in chunks
(`PUT /sync/v1/files/{sha256}?offset=N`, docs/sync-protocol.md "Attachments") into
`<store>/tmp/<sha256>.up`, and is moved under its hash only when whole and its sha256 checked.

Scope and possession (issue 15): a hash is not a secret, so naming one in an `attach` op proves
nothing. Each attach op records a claim (case, sha256, office); the claim is verified once that
office has uploaded the whole content and it hashed right and matched its declared type.

- Upload (`HEAD`, `PUT`): only by an office that claimed the content, into its own area
  (`<store>/tmp/<office key>/<sha256>.up`): two offices never write the same file, and the
  offset an office is told is its own, never whether the server already holds the content
  from elsewhere. An office that already proved it holds a content is "complete" at once.
- Download (`GET`): only through a case the office may read (the feed's scope) whose
  attachment was made centrally (no claim) or claimed by an office that proved it; to anyone
  else the file is unknown (404) or not uploaded yet (404 `not_uploaded`).
- Bounds: a declared size above `max_file`, or an office's claims adding up past
  `office_quota`, are refused with the op (413 `too_large`); content whose signature does not
  match its declared type is dropped at the end of the upload (422 `wrong_type`).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from db import write_transaction
from db.timefmt import to_text
from desk.attachments import COPY_CHUNK, EVENT_KIND, OP_KIND, read_meta, store_root, stored_path
from desk.central.store import Office, scope_sql
from desk.i18n import t
from desk.services import case_label
from desk.workflow import Action, Actor, Role, refusal

if TYPE_CHECKING:
    from desk.central.apply import OpTransaction

DEFAULT_MAX_FILE = 25 * 1024 * 1024  # bytes one attachment may declare
DEFAULT_OFFICE_QUOTA = 2 * 1024**3  # bytes of distinct contents one office may claim in all


@dataclass(frozen=True)
class FileLimits:
    max_file: int = DEFAULT_MAX_FILE
    office_quota: int = DEFAULT_OFFICE_QUOTA


def attach_op(
    tx: OpTransaction,
    office: Office,
    actor: Actor,
    op: dict[str, Any],
    at: datetime,
    limits: FileLimits,
) -> dict[str, Any]:
    """Apply one `attach` op (inside its transaction `tx`, desk/central/apply.py); the result
    as the receipt gives it.

    Attaching changes no field of the case, so its version stays: `v` is the current version.
    """
    meta = read_meta(op.get("p"))
    if isinstance(meta, str):  # the key at fault, named in the refusal
        reason = t("central.file.bad_meta", key=meta)
        return {"id": op["id"], "r": "rejected", "s": 422, "code": "invalid", "reason": reason}
    if meta["size"] > limits.max_file:
        reason = t("central.file.too_large", size=meta["size"], limit=limits.max_file)
        return {"id": op["id"], "r": "rejected", "s": 413, "code": "too_large", "reason": reason}
    used = tx.claimed_bytes(office.name, meta["sha256"])
    if used + meta["size"] > limits.office_quota:
        reason = t("central.file.quota", office=office.name, limit=limits.office_quota)
        return {"id": op["id"], "r": "rejected", "s": 413, "code": "too_large", "reason": reason}
    case = tx.case_by_local_id(op["c"])
    if case is None:
        reason = t("central.op.unknown_case", ref=op["c"])
        return {"id": op["id"], "r": "rejected", "s": 404, "code": "unknown_case", "reason": reason}
    if not tx.in_scope(office, case["id"]):
        reason = t("central.op.scope", ref=case_label(case), office=office.name)
        return {"id": op["id"], "r": "rejected", "s": 403, "code": "scope", "reason": reason}
    why = _may_attach(tx, actor, case)
    if why is not None:
        return {"id": op["id"], "r": "rejected", "s": 403, "code": "role", "reason": why}
    when = to_text(at)
    with tx.savepoint():
        # The same content attached again (from another desk) adds no second row; the event
        # still records who attached it.
        tx.record_attachment(case["id"], meta, when, actor.nip)
        proven = tx.proven_by(office.name, meta["sha256"])
        tx.claim_attachment(case["id"], office.name, meta, proven)
        tx.append_event(
            case_id=case["id"],
            at=when,
            actor_kind="officer",
            actor_nip=actor.nip,
            kind=EVENT_KIND,
            visibility="internal",
            body=meta["name"],
            data=meta,
            uid=op["id"],
        )
        tx.append_audit(
            at=when,
            actor_nip=actor.nip,
            action=OP_KIND,
            case_id=case["id"],
            detail={"case": case_label(case), "op_id": op["id"], **meta, "office": office.name},
        )
    return {"id": op["id"], "r": "applied", "v": int(case["version"])}


def _may_attach(tx: OpTransaction, actor: Actor, case: dict[str, Any]) -> str | None:
    """desk.attachments.may_attach, reading through the op's transaction: the note rule, and
    the officer who took a complaint at the counter may add its photos before it is disposed."""
    why = refusal(actor, Action.NOTE, case["status"], case.get("unit_code"))
    counter_intake = case["status"] == "baru" and actor.role is not Role.PIMPINAN
    if why is not None and counter_intake and tx.recorder(case["id"]) == actor.nip:
        return None
    return why


def claimed_bytes(database: sqlite_utils.Database, office: str, *, excluding: str = "") -> int:
    """The bytes of the distinct contents `office` has claimed (its quota's use)."""
    row = database.execute(
        "SELECT coalesce(sum(size), 0) FROM (SELECT sha256, max(size) AS size "
        "FROM attachment_claims WHERE office = ? AND sha256 != ? GROUP BY sha256)",
        [office, excluding],
    ).fetchone()
    return int(row[0])


def proven_by(database: sqlite_utils.Database, office: str, sha256: str) -> str | None:
    """When `office` proved it holds this content (uploaded all of it), or None."""
    row = database.execute(
        "SELECT min(verified_at) FROM attachment_claims WHERE office = ? AND sha256 = ?",
        [office, sha256],
    ).fetchone()
    return str(row[0]) if row and row[0] else None


def upload_claim(database: sqlite_utils.Database, office: Office, sha256: str) -> int | None:
    """The size `office` declared for a content it claimed (it may upload it), else None."""
    row = database.execute(
        "SELECT max(size) FROM attachment_claims WHERE office = ? AND sha256 = ?",
        [office.name, sha256],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def declared_media_type(database: sqlite_utils.Database, office: Office, sha256: str) -> str:
    row = database.execute(
        "SELECT media_type FROM attachment_claims WHERE office = ? AND sha256 = ? LIMIT 1",
        [office.name, sha256],
    ).fetchone()
    return str(row[0]) if row else ""


def readable_size(database: sqlite_utils.Database, office: Office, sha256: str) -> int | None:
    """The size of a content `office` may download: attached to a case it may read, made
    centrally or claimed by an office that proved it holds the content; else None."""
    condition, params = scope_sql(office)
    row = database.execute(
        "SELECT attachments.size FROM attachments JOIN cases ON cases.id = attachments.case_id "
        f"WHERE attachments.sha256 = ? AND {condition} AND ("
        "NOT EXISTS (SELECT 1 FROM attachment_claims k WHERE k.case_id = attachments.case_id "
        "AND k.sha256 = attachments.sha256) OR EXISTS (SELECT 1 FROM attachment_claims k "
        "WHERE k.case_id = attachments.case_id AND k.sha256 = attachments.sha256 "
        "AND k.verified_at IS NOT NULL)) LIMIT 1",
        [sha256, *params],
    ).fetchone()
    return int(row[0]) if row else None


def visible(database: sqlite_utils.Database, office: Office, sha256: str) -> bool:
    """Whether a case `office` may read references this content at all."""
    condition, params = scope_sql(office)
    row = database.execute(
        "SELECT 1 FROM attachments JOIN cases ON cases.id = attachments.case_id "
        f"WHERE attachments.sha256 = ? AND {condition} LIMIT 1",
        [sha256, *params],
    ).fetchone()
    return row is not None


def mark_proven(database: sqlite_utils.Database, office: str, sha256: str, at: str) -> None:
    with write_transaction(database):
        database.execute(
            "UPDATE attachment_claims SET verified_at = ? WHERE office = ? AND sha256 = ? "
            "AND verified_at IS NULL",
            [at, office, sha256],
        )


def office_key(office: str) -> str:
    """A folder name for an office's uploads (office names are free text)."""
    return hashlib.sha256(office.encode("utf-8")).hexdigest()[:16]


def upload_path(root: Path, office: str, sha256: str) -> Path:
    return root / "tmp" / office_key(office) / f"{sha256}.up"


def held(root: Path, office: str, sha256: str, size: int, proven: bool) -> int:
    """Bytes of the content this office has given the server: `size` once it proved it holds
    it, else what it uploaded so far (never what other offices gave)."""
    if proven:
        return size
    part = upload_path(root, office, sha256)
    return part.stat().st_size if part.exists() else 0


def append_at(part: Path, offset: int, data: bytes) -> int:
    """Append `data` to the upload `part` if it holds exactly `offset` bytes; the bytes it holds
    afterwards (not `offset + len(data)` when another request got there first).

    Several server processes (`--workers`, or hosts sharing the folder) may take chunks of one
    upload at once, a retry racing its original: the check and the append happen under an
    exclusive lock on the file itself, so two chunks never interleave or land twice. A chunk
    is received whole before the lock is taken: a slow link never holds it."""
    with open(part, "ab") as handle:
        _lock(handle)
        end = handle.seek(0, os.SEEK_END)
        if end != offset:
            return end
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
        return offset + len(data)


def _lock(handle: Any) -> None:
    """An exclusive lock on an open file until it is closed (flock: per open file, so between
    threads too; on NFS v4 Linux maps it to a lock the server keeps)."""
    try:
        import fcntl
    except ImportError:  # Windows: a central server there is one process (SQLite)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)


def stored(root: Path, sha256: str, size: int) -> bool:
    final = stored_path(root, sha256)
    return final.exists() and final.stat().st_size == size


def hash_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def files_root(database: sqlite_utils.Database) -> Path:
    return store_root(database)
