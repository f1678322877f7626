"""Files attached to cases: a content-addressed store beside the database, and `attach`.

The store is a folder beside the database file, `<database>.files/`, holding each file once under
its sha256 (`ab/cdef…`): the same photo attached to two cases, or twice, takes its space once.
A file is copied in streaming (bounded memory), hashed as it goes, written under a temporary name
in `<store>/tmp/` and renamed into place only when whole and checked, so a crash never leaves a
half file under a hash name. Its type is judged from its content (magic bytes; office documents
by what their containers declare), never from the extension alone: a renamed program is refused.

`attach` records the attachment, a timeline event, an `attach` op for the central system (its
metadata: the content travels separately, docs/attachments.md) and an audit entry in one
transaction. Whoever may add a note to the case may attach a file to it (desk/workflow.py).

Listing and opening a case's files is reading the case: `attachments_for`, `pick` and
`read_attachment` ask desk/access.py first (a petugas of another unit is refused, audited), and
`read_attachment` writes the `attachment_read` audit entry before handing the file over.
`list_attachments` is the store's own listing, for sync and checks, with no officer involved.
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import sqlite_utils
from ulid import ULID

from db import audit, write_transaction
from db.connection import PRIVATE_FOLDER, database_path, private_folder, tighten
from db.timefmt import to_text, utc_now
from desk import attachment_texts as _texts  # noqa: F401  (registers the texts)
from desk.access import readable_case
from desk.errors import ActionRefused, DeskError, InvalidInput, NotFound
from desk.i18n import current_language, t
from desk.services import append_event, append_outbox, case_label, find_case
from desk.sync import state
from desk.workflow import Action, Actor, Role, refusal

DEFAULT_LIMIT = 10 * 1024 * 1024
LIMIT_KEY = "attachments.max_bytes"  # a settings row overrides the default limit
SMALL = 256 * 1024  # `desk sync --attachments small`: files up to this size
COPY_CHUNK = 64 * 1024
UPLOAD_PREFIX = "file_up:"  # sync_state: a file this desk must still upload → case local id
EVENT_KIND = "attachment"
OP_KIND = "attach"
NAME_LIMIT = 255

IMAGE_TYPES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WebP",
    "image/heic": "HEIC",
}
DOCUMENT_TYPES = {
    "application/pdf": "PDF",
    "application/msword": "DOC",
    "application/vnd.ms-excel": "XLS",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
}
MEDIA_TYPES = {**IMAGE_TYPES, **DOCUMENT_TYPES}
_SHA = re.compile(r"[0-9a-f]{64}")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}

State = Literal["here", "pending", "uploading", "missing", "corrupt"]


class AttachmentProblem(DeskError):
    """A stored file that is missing or does not match its hash."""


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int
    media_type: str
    new: bool  # False when the store already held this content

    @property
    def location(self) -> str:
        return location_of(self.sha256)


@dataclass(frozen=True)
class Attached:
    case: str  # the case's label
    name: str
    stored: Stored
    op_id: str
    event_id: int


@dataclass(frozen=True)
class Entry:
    """One attachment of a case, as listed."""

    id: int
    name: str
    size: int
    media_type: str
    sha256: str
    added_at: str
    added_by: str | None
    state: State
    path: Path | None  # where the content is (or will be) on this desk

    @property
    def kind(self) -> str:
        return MEDIA_TYPES.get(self.media_type, self.media_type)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "size": self.size,
            "media_type": self.media_type,
            "sha256": self.sha256,
            "added_at": self.added_at,
            "added_by": self.added_by,
            "state": self.state,
        }


# -- the store ---------------------------------------------------------------------------------


def store_root(database: sqlite_utils.Database) -> Path:
    """`<database>.files`, beside the database file: made here, owner-only (0700), so that
    every way into the store (attach, download, the central server) finds it closed to others
    whatever the modes of the files and folders inside it."""
    path = database_path(database)
    if not path:
        raise DeskError(t("att.no_store"))
    root = Path(path + ".files")
    with contextlib.suppress(OSError):  # a read-only place: whoever writes there will say so
        private_folder(root)
    return root


def location_of(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:]}"


def stored_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:]


def partial_path(root: Path, sha256: str) -> Path:
    """Where a download in progress keeps the bytes it has (resumed from its length)."""
    return root / "tmp" / f"{sha256}.down"


def size_limit(database: sqlite_utils.Database) -> int:
    row = database.execute("SELECT value FROM settings WHERE key = ?", [LIMIT_KEY]).fetchone()
    if row is not None and str(row[0]).strip().isdigit():
        return int(str(row[0]).strip())
    return DEFAULT_LIMIT


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            text = f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
            return text if current_language() == "en" else text.replace(".", ",")
        value /= 1024
    return f"{size} B"  # pragma: no cover - the loop always returns


def _sniff_head(head: bytes) -> str | None:
    """The media type the first bytes prove, or "ole"/"zip" for containers to look inside."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(_OLE):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _sniff_zip(path: Path) -> str | None:
    """ODF declares itself in `mimetype`; OOXML in `[Content_Types].xml`."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    declared = member.read(100).decode("ascii", "replace").strip()
                return declared if declared in DOCUMENT_TYPES else None
            if "[Content_Types].xml" in names:
                with archive.open("[Content_Types].xml") as member:
                    types = member.read(1024 * 1024).decode("utf-8", "replace")
                if "wordprocessingml.document.main+xml" in types:
                    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                if "spreadsheetml.sheet.main+xml" in types:
                    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    return None


def _sniff_ole(path: Path) -> str | None:
    """A legacy Office file names its main stream in its directory (UTF-16)."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
        if m.find("WordDocument".encode("utf-16-le")) >= 0:
            return "application/msword"
        if m.find("Workbook".encode("utf-16-le")) >= 0 or m.find("Book".encode("utf-16-le")) >= 0:
            return "application/vnd.ms-excel"
    return None


def media_type_of(path: Path) -> str | None:
    """The accepted media type of the file's content, or None when it is not one."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    found = _sniff_head(head)
    if found == "zip":
        return _sniff_zip(path)
    if found == "ole":
        return _sniff_ole(path)
    return found


def _copy_hashing(source: Path, target: Any, limit: int) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            size += len(chunk)
            if size > limit:
                raise InvalidInput(t("att.too_large", path=source, limit=human_size(limit)))
            digest.update(chunk)
            target.write(chunk)
    return digest.hexdigest(), size


@contextlib.contextmanager
def temporary(root: Path, prefix: str) -> Iterator[tuple[Path, Any]]:
    """A temporary file in the store (same file system: the rename is atomic), removed unless
    the caller moved it away."""
    folder = root / "tmp"
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, prefix=prefix, suffix=".part")  # 0600
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            yield path, target
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def settle(root: Path, source: Path, sha256: str) -> bool:
    """Move a complete, checked file into place under its hash; False if it was there already."""
    final = stored_path(root, sha256)
    if final.exists() and final.stat().st_size == source.stat().st_size:
        source.unlink()
        return False
    final.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    tighten(source)  # a download written by another path may have the usual mode
    os.replace(source, final)
    return True


def ingest(root: Path, source: Path, limit: int = DEFAULT_LIMIT) -> Stored:
    """Copy `source` into the store (once per content); refuse what is not accepted."""
    if not source.is_file():
        raise InvalidInput(t("att.no_file", path=source))
    try:
        declared = source.stat().st_size
    except OSError as error:
        raise InvalidInput(t("att.unreadable", path=source, reason=error.strerror)) from None
    if declared > limit:  # refuse before copying a word of it
        raise InvalidInput(t("att.too_large", path=source, limit=human_size(limit)))
    with temporary(root, "in-") as (temp, target):
        try:
            sha256, size = _copy_hashing(source, target, limit)
            target.flush()
            os.fsync(target.fileno())
        except OSError as error:
            raise InvalidInput(t("att.unreadable", path=source, reason=error.strerror)) from None
        target.close()
        if size == 0:
            raise InvalidInput(t("att.empty", path=source))
        media_type = media_type_of(temp)
        if media_type is None:
            raise InvalidInput(t("att.bad_type", path=source))
        new = settle(root, temp, sha256)
    return Stored(sha256, size, media_type, new)


def verify(path: Path, sha256: str, *, name: str = "") -> None:
    """Check a stored file against its hash; raise `AttachmentProblem` when missing or corrupt."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(COPY_CHUNK):
                digest.update(chunk)
    except FileNotFoundError:
        raise AttachmentProblem(t("att.missing", name=name or sha256[:12], path=path)) from None
    except OSError as error:
        raise AttachmentProblem(
            t("att.unreadable", path=path, reason=error.strerror or error)
        ) from None
    if digest.hexdigest() != sha256:
        raise AttachmentProblem(t("att.corrupt", name=name or sha256[:12], path=path))


# -- metadata ----------------------------------------------------------------------------------


def clean_name(name: str) -> str:
    """A file name as the public gave it, without folders, NULs or excess length."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].replace("\x00", "").strip()
    return (base or "lampiran")[:NAME_LIMIT]


def check_meta(meta: Any) -> dict[str, Any] | None:
    """The metadata of an attachment as it travels ({sha256, name, size, media_type}), checked;
    None when it is not well formed."""
    read = read_meta(meta)
    return read if isinstance(read, dict) else None


def read_meta(meta: Any) -> dict[str, Any] | str:
    """`check_meta`, saying what is wrong: the checked metadata, or the name of the first key
    that is missing, unknown or not what a desk sends (so a refusal can name it)."""
    if not isinstance(meta, dict):
        return "p"
    unknown = sorted(set(meta) - {"sha256", "name", "size", "media_type"})
    if unknown:
        return ", ".join(str(key)[:40] for key in unknown[:5])
    sha, name, size, kind = (meta.get(k) for k in ("sha256", "name", "size", "media_type"))
    if not isinstance(sha, str) or not _SHA.fullmatch(sha):
        return "sha256"
    if not isinstance(name, str) or not name.strip():
        return "name"
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        return "size"
    if not isinstance(kind, str) or kind not in MEDIA_TYPES:  # a list or dict cannot be looked up
        return "media_type"
    return {"sha256": sha, "name": clean_name(name), "size": size, "media_type": kind}


def record(
    database: sqlite_utils.Database,
    case_id: int,
    meta: dict[str, Any],
    *,
    at: str,
    by: str | None,
) -> bool:
    """Add an attachment row unless the case has this content already; returns whether added.
    Call inside a transaction."""
    exists = database.execute(
        "SELECT 1 FROM attachments WHERE case_id = ? AND sha256 = ?", [case_id, meta["sha256"]]
    ).fetchone()
    if exists:
        return False
    database.execute(
        "INSERT INTO attachments (case_id, name, size, sha256, media_type, location, added_at, "
        "added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            case_id,
            meta["name"],
            meta["size"],
            meta["sha256"],
            meta["media_type"],
            location_of(meta["sha256"]),
            at,
            by,
        ],
    )
    return True


def record_from_event(database: sqlite_utils.Database, case_id: int, event: dict[str, Any]) -> bool:
    """A pulled `attachment` event brings the attachment's metadata (the file comes later)."""
    if event.get("kind") != EVENT_KIND:
        return False
    meta = check_meta(event.get("data"))
    if meta is None:
        return False
    return record(database, case_id, meta, at=str(event["at"]), by=event.get("actor_nip"))


def restore(
    database: sqlite_utils.Database,
    case_id: int,
    metas: list[dict[str, Any]],
    *,
    at: str,
) -> int:
    """Put back the attachment rows of an imported desk-case/1 record (checked metadata);
    returns how many were new. The files come with the store folder or from the central
    server. Call inside the import's transaction."""
    return sum(record(database, case_id, meta, at=at, by=None) for meta in metas)


# -- attaching ---------------------------------------------------------------------------------


def may_attach(database: sqlite_utils.Database, actor: Actor, case: dict[str, Any]) -> str | None:
    """Why `actor` may not attach a file to `case` (None if they may): the note rule, and the
    officer who took a complaint at the counter may add its photos before it is disposed (the
    citizen hands them over with the complaint)."""
    why = refusal(actor, Action.NOTE, case["status"], case.get("unit_code"))
    if why is not None and case["status"] == "baru" and actor.role is not Role.PIMPINAN:
        recorder = database.execute(
            "SELECT actor_nip FROM events WHERE case_id = ? AND kind = 'received' "
            "ORDER BY id LIMIT 1",
            [case["id"]],
        ).fetchone()
        if recorder is not None and recorder[0] == actor.nip:
            return None
    return why


def attach(
    database: sqlite_utils.Database,
    actor: Actor,
    reference: str | int,
    path: str | os.PathLike[str],
    now: datetime | None = None,
) -> Attached:
    """Attach the file at `path` to a case, in one transaction; raise a `DeskError` if refused."""
    now = now or utc_now()
    case = find_case(database, reference)
    why = may_attach(database, actor, case)
    if why is not None:
        raise ActionRefused(why)
    source = Path(path)
    # The copy happens before the transaction: a 10 MB file must not hold the write lock.
    stored = ingest(store_root(database), source, size_limit(database))
    name = clean_name(source.name)
    at = to_text(now)
    meta = {"sha256": stored.sha256, "name": name, "size": stored.size}
    meta["media_type"] = stored.media_type
    with write_transaction(database):
        case = find_case(database, case["id"])
        why = may_attach(database, actor, case)
        if why is not None:
            raise ActionRefused(why)
        if not record(database, case["id"], meta, at=at, by=actor.nip):
            raise InvalidInput(t("att.already", name=name, case=case_label(case)))
        op_id = str(ULID())
        # The event travels with uid = op id, like every action's; its data is the metadata,
        # which is how the other desks learn of the attachment from the feed.
        event_id = append_event(
            database,
            case_id=case["id"],
            at=at,
            actor_kind="officer",
            actor_nip=actor.nip,
            kind=EVENT_KIND,
            visibility="internal",
            body=name,
            data=meta,
            uid=op_id,
        )
        append_outbox(
            database,
            case=case,
            kind=OP_KIND,
            payload=meta,
            actor_nip=actor.nip,
            at=at,
            op_id=op_id,
        )
        audit.append(
            database,
            at=at,
            actor_nip=actor.nip,
            action=OP_KIND,
            case_id=case["id"],
            detail={"case": case_label(case), "op_id": op_id, **meta},
        )
        state.put(database, UPLOAD_PREFIX + stored.sha256, str(case["local_id"]))
    return Attached(case_label(case), name, stored, op_id, event_id)


# -- listing -----------------------------------------------------------------------------------


def pending_uploads(database: sqlite_utils.Database) -> set[str]:
    rows = database.execute(
        "SELECT key FROM sync_state WHERE key LIKE ?", [UPLOAD_PREFIX + "%"]
    ).fetchall()
    return {str(r[0])[len(UPLOAD_PREFIX) :] for r in rows}


def state_of(root: Path | None, sha256: str, size: int, uploading: bool) -> State:
    """Cheap: the size, not the hash (the hash is checked before a file is opened or sent)."""
    if root is None:
        return "missing"
    path = stored_path(root, sha256)
    try:
        actual = path.stat().st_size
    except OSError:
        # Nobody else has a file this desk has not uploaded yet: then it is lost, not pending.
        return "missing" if uploading else "pending"
    if actual != size:
        return "corrupt"
    return "uploading" if uploading else "here"


def list_attachments(database: sqlite_utils.Database, case_id: int) -> list[Entry]:
    """The attachments of a case as the store holds them, with no read rule: for sync and the
    store's checks. An officer's listing is `attachments_for`."""
    try:
        root: Path | None = store_root(database)
    except DeskError:
        root = None
    uploads = pending_uploads(database)
    rows = database.execute(
        "SELECT id, name, size, media_type, sha256, added_at, added_by FROM attachments "
        "WHERE case_id = ? ORDER BY id",
        [case_id],
    ).fetchall()
    return [
        Entry(
            id=int(r[0]),
            name=str(r[1]),
            size=int(r[2]),
            media_type=str(r[3]),
            sha256=str(r[4]),
            added_at=str(r[5]),
            added_by=r[6],
            state=state_of(root, str(r[4]), int(r[2]), str(r[4]) in uploads),
            path=stored_path(root, str(r[4])) if root is not None else None,
        )
        for r in rows
    ]


def attachments_for(
    database: sqlite_utils.Database, actor: Actor, reference: str | int
) -> tuple[dict[str, Any], list[Entry]]:
    """A case and its attachments, when `actor` may read the case (`ReadRefused`, audited,
    otherwise)."""
    case = readable_case(database, actor, reference, purpose="attachments")
    return case, list_attachments(database, case["id"])


def pick(
    database: sqlite_utils.Database, actor: Actor, reference: str | int, which: str | None
) -> Entry:
    """One attachment of a case `actor` may read: by position (1, 2, …), name or sha256
    prefix; the first if `which` is None."""
    case = readable_case(database, actor, reference, purpose="attachment")
    entries = list_attachments(database, case["id"])
    if not entries:
        raise NotFound(t("att.open_none"))
    if which is None:
        return entries[0]
    if which.isdigit() and 1 <= int(which) <= len(entries):
        return entries[int(which) - 1]
    for entry in entries:
        if entry.name == which or (len(which) >= 6 and entry.sha256.startswith(which.lower())):
            return entry
    raise NotFound(t("att.not_found", case=case_label(case), which=which))


def read_attachment(
    database: sqlite_utils.Database,
    actor: Actor,
    reference: str | int,
    which: str | None,
    *,
    shown: str,
    now: datetime | None = None,
) -> tuple[Entry, Path]:
    """The checked file of one attachment of a case `actor` may read, after its audit entry.

    Reading a file a citizen sent is an officer's act: one `attachment_read` entry per read
    (who, which case, which file, how it is handed: `shown` "viewer" or "path"), written
    before the file is handed over. `AttachmentProblem` when the file is missing or altered.
    """
    entry = pick(database, actor, reference, which)
    path = checked_path(entry)
    case = find_case(database, reference)
    audit.record(
        database,
        at=to_text(now or utc_now()),
        actor_nip=actor.nip,
        action="attachment_read",
        case_id=int(case["id"]),
        detail={"name": entry.name, "sha256": entry.sha256, "as": shown},
    )
    return entry, path


def checked_path(entry: Entry) -> Path:
    """The file of an attachment after checking its hash (`AttachmentProblem` otherwise)."""
    if entry.path is None:
        raise AttachmentProblem(t("att.no_store"))
    if entry.state == "pending":
        raise AttachmentProblem(t("att.not_here", name=entry.name))
    verify(entry.path, entry.sha256, name=entry.name)
    return entry.path
