"""Attachment files in a sync: after the text, uploads then downloads, in resumable chunks.

Text first: the `attach` ops went with the push, and the metadata of other desks' files came
with the pull, so a case is complete and workable before any photo moves. Then:

- **Uploads**: every file this desk attached and has not finished sending (`sync_state`
  `file_up:<sha256>`). `HEAD /sync/v1/files/{sha256}` says how many bytes the server holds;
  chunks go from there (`PUT ...?offset=N`). After a cut the next attempt asks again, so bytes
  the server acknowledged are never sent twice (the server keeps even a chunk cut half-way).
- **Downloads**: every attachment whose file is not here. The bytes are written to
  `<store>/tmp/<sha256>.down` as they arrive and the request asks for the rest
  (`Range: bytes=N-M`); the whole file is checked against its sha256 before it is moved in place.

`mode` (`none`, `small`: files up to 256 KB, `all`) chooses which files move, and `budget` caps
the file bytes one sync moves (both ways): a GPRS office syncs the text of a hundred cases
without waiting for photos, and what did not fit continues at the next sync.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import sqlite_utils

from db import write_transaction
from desk.attachments import (
    SMALL,
    UPLOAD_PREFIX,
    AttachmentProblem,
    partial_path,
    pending_uploads,
    settle,
    size_limit,
    store_root,
    stored_path,
    verify,
)
from desk.errors import DeskError
from desk.i18n import t
from desk.sync.errors import LinkFailed
from desk.sync.transport import Retryable, Transport

Mode = Literal["none", "small", "all"]
MODES: tuple[Mode, ...] = ("none", "small", "all")
FILE_CHUNK = 64 * 1024  # an upload chunk: about 13 s of GPRS airtime, the most a cut costs


@dataclass
class FileResult:
    uploaded: int = 0  # files completed this sync
    downloaded: int = 0
    bytes_up: int = 0  # file content moved (the budget counts these)
    bytes_down: int = 0
    waiting: int = 0  # files left for a later sync (mode, budget, not on the server yet)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)

    @property
    def moved(self) -> int:
        return self.bytes_up + self.bytes_down


@dataclass
class _File:
    sha256: str
    name: str
    size: int


class _Budget:
    def __init__(self, limit: int | None) -> None:
        self.left = limit

    def allow(self, wanted: int) -> int:
        return wanted if self.left is None else max(0, min(wanted, self.left))

    def spend(self, count: int) -> None:
        if self.left is not None:
            self.left = max(0, self.left - count)

    @property
    def spent(self) -> bool:
        return self.left is not None and self.left <= 0


def _wanted(size: int, mode: Mode) -> bool:
    return mode == "all" or (mode == "small" and size <= SMALL)


def _uploads(database: sqlite_utils.Database) -> list[_File]:
    shas = pending_uploads(database)
    rows = database.execute(
        "SELECT sha256, min(name), min(size), min(id) FROM attachments GROUP BY sha256 "
        "ORDER BY min(id)"
    ).fetchall()
    return [_File(r[0], r[1], int(r[2])) for r in rows if r[0] in shas]


def _downloads(database: sqlite_utils.Database, root: Path) -> list[_File]:
    shas = pending_uploads(database)
    rows = database.execute(
        "SELECT sha256, min(name), min(size), min(id) FROM attachments GROUP BY sha256 "
        "ORDER BY min(id)"
    ).fetchall()
    return [
        _File(r[0], r[1], int(r[2]))
        for r in rows
        if r[0] not in shas and not stored_path(root, r[0]).exists()
    ]


def transfer_files(
    database: sqlite_utils.Database,
    transport: Transport,
    *,
    upload: bool,
    download: bool,
    mode: Mode = "all",
    budget: int | None = None,
    chunk: int = FILE_CHUNK,
    result: FileResult | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FileResult:
    """Move the files due in this sync; raises `LinkFailed` when the link gives up."""
    result = result if result is not None else FileResult()
    if not (upload or download):
        return result
    try:
        root = store_root(database)
    except DeskError:  # a database in memory has no store, and so no files
        return result
    allowance = _Budget(budget)
    # What a sync may fetch unasked is bounded by the desk's own limit for a file (the one that
    # bounds what an officer may attach, `attachments.max_bytes`): a server, or whoever answers
    # in its name, cannot fill the desk's disk by announcing huge files.
    largest = size_limit(database)
    queue = [("up", f) for f in _uploads(database)] if upload else []
    if download:
        queue += [("down", f) for f in _downloads(database, root)]
    total = len(queue)
    for done, (direction, item) in enumerate(queue):
        too_large = direction == "down" and item.size > largest
        if too_large or not _wanted(item.size, mode) or allowance.spent:
            result.waiting += 1
            continue
        if direction == "up":
            finished = _upload(database, transport, root, item, allowance, chunk, result)
        else:
            finished = _download(transport, root, item, allowance, result)
        if not finished:
            result.waiting += 1
        if progress is not None:
            progress(done + 1, total)
    return result


def _status(transport: Transport, item: _File) -> int | None:
    """Bytes the server holds (None: it does not know the file in this office's cases)."""
    reply = transport.raw("HEAD", f"/sync/v1/files/{item.sha256}")
    if reply.status == 404:
        return None
    offset = reply.headers.get("X-Desk-Offset", "")
    if reply.status != 200 or not offset.isdigit():
        raise Retryable(f"HEAD answered {reply.status}")
    return int(offset)


def _upload(
    database: sqlite_utils.Database,
    transport: Transport,
    root: Path,
    item: _File,
    allowance: _Budget,
    chunk: int,
    result: FileResult,
) -> bool:
    """Send what the server lacks of one file, within the budget; True once it has it all."""
    path = stored_path(root, item.sha256)
    try:
        verify(path, item.sha256, name=item.name)  # never send a corrupt copy
    except AttachmentProblem as problem:
        result.failed.append((item.name, str(problem)))
        return False
    attempt = 0
    offset: int | None = None
    with open(path, "rb") as handle:
        while True:
            try:
                if offset is None:
                    offset = _status(transport, item)
                    if offset is None:  # its attach op has not been applied (yet)
                        return False
                if offset >= item.size:
                    break
                size = allowance.allow(min(chunk, item.size - offset))
                if size <= 0:
                    return False
                handle.seek(offset)
                piece = handle.read(size)
                allowance.spend(len(piece))
                result.bytes_up += len(piece)
                reply = transport.raw(
                    "PUT",
                    f"/sync/v1/files/{item.sha256}",
                    params={"offset": str(offset)},
                    content=piece,
                )
                if reply.status == 409 or reply.status == 422:
                    # Out of step (409: the server says where it is) or the whole file failed
                    # its check (422: the server dropped it): ask again and go from there.
                    offset = None
                    attempt += 1
                    if attempt >= transport.policy.attempts:
                        raise LinkFailed(t("sync.link_failed", attempts=attempt, reason="files"))
                    continue
                if (
                    reply.status != 200
                    or reply.body is None
                    or reply.body.get("type") != ("desk-sync/file")
                ):
                    raise Retryable(f"PUT answered {reply.status}")
                offset = int(reply.body.get("offset", 0))
                attempt = 0
            except Retryable as failure:
                attempt += 1
                if attempt >= transport.policy.attempts:
                    raise LinkFailed(
                        t("sync.link_failed", attempts=attempt, reason=failure.reason)
                    ) from None
                transport.pause(attempt, failure.reason, failure.wait)
                offset = None  # resume from what the server acknowledged, not what was sent
    with write_transaction(database):
        database.execute("DELETE FROM sync_state WHERE key = ?", [UPLOAD_PREFIX + item.sha256])
    result.uploaded += 1
    return True


class _Sink:
    """Appends a download's bytes to its partial file as they arrive (a cut keeps them)."""

    def __init__(self, handle: BinaryIO, room: int) -> None:
        self.handle, self.room, self.received = handle, room, 0

    def __call__(self, data: bytes) -> bool:
        """Keep the bytes; False once all that was asked for is here."""
        data = data[: self.room - self.received]  # never more than asked for
        self.handle.write(data)
        self.received += len(data)
        return self.received < self.room


def _download(
    transport: Transport,
    root: Path,
    item: _File,
    allowance: _Budget,
    result: FileResult,
) -> bool:
    """Fetch the rest of one file within the budget; True once it is here and checked."""
    part = partial_path(root, item.sha256)
    part.parent.mkdir(parents=True, exist_ok=True)
    attempt = 0
    while True:
        have = part.stat().st_size if part.exists() else 0
        if have > item.size:
            part.unlink()
            continue
        if have == item.size:
            break
        wanted = allowance.allow(item.size - have)
        if wanted <= 0:
            return False
        end = have + wanted - 1
        try:
            with open(part, "ab") as handle:
                sink = _Sink(handle, wanted)
                try:
                    reply = transport.raw(
                        "GET",
                        f"/sync/v1/files/{item.sha256}",
                        headers={"Range": f"bytes={have}-{end}"},
                        sink=sink,
                    )
                finally:
                    allowance.spend(sink.received)
                    result.bytes_down += sink.received
            if reply.status in (404, 416):  # not uploaded yet, or not ours to read: later
                if reply.status == 416:
                    part.unlink()
                return False
            if reply.status not in (200, 206):
                raise Retryable(f"GET answered {reply.status}")
            if reply.status == 200 and have:
                # A server that ignored the Range sent the whole file after what we had.
                part.unlink()
                raise Retryable("the server ignored Range")
            attempt = 0
        except Retryable as failure:
            attempt += 1
            if attempt >= transport.policy.attempts:
                raise LinkFailed(
                    t("sync.link_failed", attempts=attempt, reason=failure.reason)
                ) from None
            transport.pause(attempt, failure.reason, failure.wait)
    digest = hashlib.sha256()
    with open(part, "rb") as handle:
        while block := handle.read(64 * 1024):
            digest.update(block)
    if digest.hexdigest() != item.sha256:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        result.failed.append((item.name, t("att.corrupt", name=item.name, path=part)))
        return False
    settle(root, part, item.sha256)
    result.downloaded += 1
    return True
