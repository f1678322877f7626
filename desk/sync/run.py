"""One sync, the same for the CLI and the TUI: push the outbox, then pull the changes feed.

Push first, so the pull that follows brings back the server's view of what was just applied
(and does not show a case as it was before the desk's own ops). Every sync leaves a row in
`sync_log`, whatever its end.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

import httpx
import sqlite_utils

from db import write_transaction
from db.timefmt import to_text, utc_now
from desk.errors import DeskError
from desk.i18n import decimal_text, t
from desk.sync import state
from desk.sync.errors import TokenRefused
from desk.sync.files import FILE_CHUNK, FileResult, Mode, transfer_files
from desk.sync.pull import DEFAULT_LIMIT, PullResult, pull
from desk.sync.push import START_BYTES, START_OPS, PushResult, pending_count, push
from desk.sync.refresh import RefreshResult, refresh_marked
from desk.sync.remote import Remote
from desk.sync.transport import RetryPolicy, Timeouts, Transport

Direction = Literal["both", "pull", "push"]


@dataclass(frozen=True)
class Progress:
    """What the sync is doing now, for a progress display."""

    phase: Literal["push", "pull", "files", "wait"]
    done: int = 0
    total: int | None = None
    seconds: float = 0.0  # for "wait": how long until the next attempt
    reason: str = ""


@dataclass
class SyncReport:
    direction: str
    outcome: str = "running"  # ok | partial | failed
    error: str | None = None
    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    retries: int = 0
    ops_sent: int = 0
    ops_applied: int = 0
    ops_duplicate: int = 0
    ops_conflict: int = 0
    ops_rejected: int = 0
    changes_pulled: int = 0
    cases_refreshed: int = 0  # cases replaced by the server's copy (after a refusal, a verify)
    pages: int = 0
    not_modified: bool = False
    full_repull: bool = False
    refused: list[tuple[str, str, str]] = field(default_factory=list)  # case, kind, reason
    pending: int = 0  # ops still waiting in the outbox after the sync
    conflicts: int = 0  # cases waiting for an officer's choice
    files_up: int = 0  # attachment files completed this sync, each way
    files_down: int = 0
    file_bytes: int = 0  # attachment content moved (what --budget counts)
    files_waiting: int = 0  # left for a later sync (--attachments, --budget, not uploaded yet)
    files_failed: list[tuple[str, str]] = field(default_factory=list)  # name, reason
    seconds: float = 0.0
    log_id: int = 0

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "partial": 1}.get(self.outcome, 2)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        """One line for the officer, in the current language (the CLI and the TUI show it)."""
        return t(
            "sync.summary",
            outcome=t(f"sync.outcome.{self.outcome}"),
            sent=self.ops_sent,
            applied=self.ops_applied,
            duplicate=self.ops_duplicate,
            conflict=self.ops_conflict,
            rejected=self.ops_rejected,
            pulled=self.changes_pulled,
            pending=self.pending,
            requests=self.requests,
            up=size_text(self.bytes_up),
            down=size_text(self.bytes_down),
            retries=self.retries,
            seconds=decimal_text(self.seconds),
        )


def size_text(count: int) -> str:
    """Bytes as an officer reads them: 375 B, 19,5 KB, 2,3 MB."""
    if count < 1024:
        return f"{count} B"
    if count < 1024 * 1024:
        return f"{decimal_text(count / 1024)} KB"
    return f"{decimal_text(count / 1024 / 1024)} MB"


def run_sync(
    database: sqlite_utils.Database,
    remote: Remote,
    *,
    direction: Direction = "both",
    progress: Callable[[Progress], None] | None = None,
    client: httpx.Client | None = None,
    policy: RetryPolicy | None = None,
    timeouts: Timeouts | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[float, float], float] = random.uniform,
    page_limit: int = DEFAULT_LIMIT,
    batch_ops: int = START_OPS,
    batch_bytes: int = START_BYTES,
    clock: Callable[[], datetime] = utc_now,
    attachments: Mode = "all",
    budget: int | None = None,
    file_chunk: int = FILE_CHUNK,
) -> SyncReport:
    """Sync this desk with `remote`; never raises for link or server trouble (see the report).

    Text first (push, pull), then attachment files (desk/sync/files.py): `attachments` says
    which (`none`, `small`, `all`), `budget` caps the file bytes moved in this sync.
    """
    report = SyncReport(direction=direction)
    started = time.monotonic()
    with write_transaction(database):
        cursor = database.execute(
            "INSERT INTO sync_log (started_at, direction) VALUES (?, ?)",
            [to_text(clock()), direction],
        )
        report.log_id = int(cursor.lastrowid or 0)

    def waiting(seconds: float, reason: str) -> None:
        if progress is not None:
            progress(Progress("wait", seconds=seconds, reason=reason))

    transport = Transport(
        remote,
        encodings=state.get(database, state.ENCODINGS) or "",
        client=client,
        policy=policy,
        timeouts=timeouts,
        sleep=sleep,
        rand=rand,
        on_wait=waiting,
    )
    unexpected: BaseException | None = None
    pushed, pulled, moved = PushResult(), PullResult(), FileResult()
    refreshed = RefreshResult()
    try:
        if direction in ("both", "push"):
            push(
                database,
                transport,
                batch_ops=batch_ops,
                batch_bytes=batch_bytes,
                progress=(lambda done, total: progress(Progress("push", done, total)))
                if progress
                else None,
                result=pushed,
            )
        if direction in ("both", "pull"):
            pull(
                database,
                transport,
                limit=page_limit,
                progress=(lambda done: progress(Progress("pull", done))) if progress else None,
                result=pulled,
            )
            # Cases that differ without having changed centrally (an op refused or found
            # already done): the server's copy, now that the pull has brought everything else.
            refresh_marked(database, transport, refreshed)
        transfer_files(
            database,
            transport,
            upload=direction in ("both", "push"),
            download=direction in ("both", "pull"),
            mode=attachments,
            budget=budget,
            chunk=file_chunk,
            result=moved,
            progress=(lambda done, total: progress(Progress("files", done, total)))
            if progress
            else None,
        )
    except DeskError as error:
        report.outcome, report.error = "failed", str(error)
    except BaseException as error:  # a bug or an interrupt: logged, then raised
        report.outcome, report.error = "failed", f"{type(error).__name__}: {error}"
        unexpected = error
    finally:
        transport.close()
    report.ops_sent, report.ops_applied = pushed.sent, pushed.applied
    report.ops_duplicate, report.ops_conflict = pushed.duplicate, pushed.conflict
    report.ops_rejected = pushed.rejected
    report.refused = pushed.refused
    report.changes_pulled, report.pages = pulled.changes, pulled.pages
    report.cases_refreshed = refreshed.fetched
    report.not_modified, report.full_repull = pulled.not_modified, pulled.restarted
    counters = transport.counters
    report.requests, report.bytes_up = counters.requests, counters.bytes_up
    report.bytes_down, report.retries = counters.bytes_down, counters.retries
    report.files_up, report.files_down = moved.uploaded, moved.downloaded
    report.file_bytes, report.files_waiting = moved.moved, moved.waiting
    report.files_failed = moved.failed
    report.pending = pending_count(database)
    report.conflicts = int(
        database.execute("SELECT count(*) FROM cases WHERE conflict IS NOT NULL").fetchone()[0]
    )
    if report.outcome == "running":
        unsent = report.pending if direction != "pull" else 0
        troubled = report.ops_conflict or report.ops_rejected or report.conflicts or unsent
        troubled = troubled or bool(report.files_failed)
        report.outcome = "partial" if troubled else "ok"
    report.seconds = round(time.monotonic() - started, 3)
    _finish(database, report, transport, clock)
    if unexpected is not None:
        raise unexpected
    return report


def _finish(
    database: sqlite_utils.Database,
    report: SyncReport,
    transport: Transport,
    clock: Callable[[], datetime],
) -> None:
    with write_transaction(database):
        if transport.encodings:
            state.put(database, state.ENCODINGS, ", ".join(sorted(transport.encodings)))
        if report.outcome != "failed":
            state.put(database, state.LAST_SYNC, to_text(clock()))
        database.execute(
            "UPDATE sync_log SET finished_at = ?, requests = ?, bytes_up = ?, bytes_down = ?, "
            "retries = ?, ops_sent = ?, ops_applied = ?, ops_duplicate = ?, ops_conflict = ?, "
            "ops_rejected = ?, changes_pulled = ?, outcome = ?, error = ? WHERE id = ?",
            [
                to_text(clock()),
                report.requests,
                report.bytes_up,
                report.bytes_down,
                report.retries,
                report.ops_sent,
                report.ops_applied,
                report.ops_duplicate,
                report.ops_conflict,
                report.ops_rejected,
                report.changes_pulled,
                report.outcome,
                report.error,
                report.log_id,
            ],
        )


def check_remote(
    remote: Remote, *, client: httpx.Client | None = None, timeout: float = 10.0
) -> dict[str, Any] | None:
    """Ask the server who the token belongs to (`GET /sync/v1/hello`), in one attempt.

    Returns the hello body, or None when the server cannot be reached now (a desk may well be
    set up offline); raises `TokenRefused` when the server refuses the token.
    """
    transport = Transport(
        remote,
        client=client,
        policy=RetryPolicy(attempts=1),
        timeouts=Timeouts(connect=timeout, read=timeout, write=timeout),
    )
    try:
        return transport.call("GET", "/sync/v1/hello", expect="desk-sync/hello").body
    except TokenRefused:
        raise
    except DeskError:
        return None
    finally:
        transport.close()
