"""Attachments on the central server: the `attach` op, and the files behind it.

An `attach` op carries only the metadata ({sha256, name, size, media_type}); it records the
attachment row and a timeline event (uid = op id, data = the metadata) through which the other
desks learn of it from the feed. The content comes separately, in chunks
(`PUT /sync/v1/files/{sha256}?offset=N`, docs/sync-protocol.md "Attachments") into
`<store>/tmp/<sha256>.up`, and is moved under its hash only when whole and its sha256 checked.

Scope: an office may upload or download a file only when it is attached to a case the office may
read (the same scope as the feed); to anyone else the file does not exist (404).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from db import audit, write_transaction
from db.timefmt import to_text
from desk.attachments import (
    COPY_CHUNK,
    EVENT_KIND,
    OP_KIND,
    check_meta,
    may_attach,
    record,
    store_root,
    stored_path,
)
from desk.central.store import Office, in_scope, scope_sql
from desk.i18n import t
from desk.services import append_event, case_label, find_case
from desk.workflow import Actor


def attach_op(
    database: sqlite_utils.Database,
    office: Office,
    actor: Actor,
    op: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    """Apply one `attach` op (inside its transaction); the result as the receipt gives it.

    Attaching changes no field of the case, so its version stays: `v` is the current version.
    """
    meta = check_meta(op.get("p"))
    if meta is None:
        reason = t("central.op.payload", keys="sha256, name, size, media_type")
        return {"id": op["id"], "r": "rejected", "s": 422, "code": "invalid", "reason": reason}
    row = database.execute("SELECT id FROM cases WHERE local_id = ?", [op["c"]]).fetchone()
    if row is None:
        reason = t("central.op.unknown_case", ref=op["c"])
        return {"id": op["id"], "r": "rejected", "s": 404, "code": "unknown_case", "reason": reason}
    case = find_case(database, int(row[0]))
    if not in_scope(database, office, case["id"]):
        reason = t("central.op.scope", ref=case_label(case), office=office.name)
        return {"id": op["id"], "r": "rejected", "s": 403, "code": "scope", "reason": reason}
    why = may_attach(database, actor, case)
    if why is not None:
        return {"id": op["id"], "r": "rejected", "s": 403, "code": "role", "reason": why}
    when = to_text(at)
    with write_transaction(database):
        # The same content attached again (from another desk) adds no second row; the event
        # still records who attached it.
        record(database, case["id"], meta, at=when, by=actor.nip)
        append_event(
            database,
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
        audit.append(
            database,
            at=when,
            actor_nip=actor.nip,
            action=OP_KIND,
            case_id=case["id"],
            detail={"case": case_label(case), "op_id": op["id"], **meta, "office": office.name},
        )
    return {"id": op["id"], "r": "applied", "v": int(case["version"])}


def declared_size(database: sqlite_utils.Database, office: Office, sha256: str) -> int | None:
    """The size attach ops declared for this content on a case `office` may read; else None."""
    condition, params = scope_sql(office)
    row = database.execute(
        "SELECT attachments.size FROM attachments JOIN cases ON cases.id = attachments.case_id "
        f"WHERE attachments.sha256 = ? AND {condition} LIMIT 1",
        [sha256, *params],
    ).fetchone()
    return int(row[0]) if row else None


def upload_path(root: Path, sha256: str) -> Path:
    return root / "tmp" / f"{sha256}.up"


def held(root: Path, sha256: str, size: int) -> int:
    """Bytes of the file the server holds: `size` once complete, else what was acknowledged."""
    final = stored_path(root, sha256)
    if final.exists() and final.stat().st_size == size:
        return size
    part = upload_path(root, sha256)
    return part.stat().st_size if part.exists() else 0


def hash_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def files_root(database: sqlite_utils.Database) -> Path:
    return store_root(database)
