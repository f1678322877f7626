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
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
import sqlite_utils

from db import write_transaction
from db.timefmt import to_text, utc_now
from desk.errors import DeskError
from desk.i18n import count_text, decimal_text, t
from desk.sync import progress_texts as _progress_texts  # noqa: F401  (registers the texts)
from desk.sync import state, witness
from desk.sync.errors import SyncError, TokenRefused
from desk.sync.files import FILE_CHUNK, FileResult, Mode, transfer_files
from desk.sync.pull import DEFAULT_LIMIT, PullProgress, PullResult, pull
from desk.sync.push import START_BYTES, START_OPS, PushResult, pending_count, push
from desk.sync.refresh import RefreshResult, refresh_marked
from desk.sync.remote import Remote
from desk.sync.transport import RetryPolicy, Timeouts, Transport
from desk.sync.verify import CHECK_EVERY, VerifyResult, periodic_check, verify

Direction = Literal["both", "pull", "push"]


@dataclass(frozen=True)
class Progress:
    """What the sync is doing now, for a progress display (`text()` says it in one line)."""

    phase: Literal["push", "pull", "refresh", "files", "wait"]
    done: int = 0
    total: int | None = None
    seconds: float = 0.0  # for "wait": how long until the next attempt
    reason: str = ""
    bytes_up: int = 0  # what the sync has moved so far, on the wire
    bytes_down: int = 0
    seconds_left: float | None = None  # an estimate, where the total is known

    def text(self) -> str:
        """ "Mengambil 2.300/10.000 kasus · ↓ 512 KB · ± 3 mnt lagi": the phase, what it has
        done of how much, the bytes of the phase's direction, the time left when known."""
        if self.phase == "wait":
            return t("sync.phase.wait", seconds=f"{self.seconds:.0f}")
        done, total = count_text(self.done), count_text(self.total or 0)
        if self.phase == "pull":
            key = "sync.progress.pull_of" if self.total is not None else "sync.progress.pull"
            parts = [
                t(key, done=done, total=total),
                t("sync.progress.down", size=size_text(self.bytes_down)),
            ]
        elif self.phase == "push":
            parts = [
                t("sync.progress.push", done=done, total=total),
                t("sync.progress.up", size=size_text(self.bytes_up)),
            ]
        elif self.phase == "refresh":
            parts = [t("sync.progress.refresh", done=done)]
        else:
            parts = [t("sync.progress.files", done=done, total=total)]
        if self.seconds_left is not None and self.done:
            parts.append(t("sync.progress.left", time=_duration_text(self.seconds_left)))
        return " · ".join(parts)


def _duration_text(seconds: float) -> str:
    if seconds < 90:
        return t("sync.progress.seconds", count=max(1, round(seconds)))
    if seconds < 90 * 60:
        return t("sync.progress.minutes", count=round(seconds / 60))
    return t("sync.progress.hours", count=decimal_text(seconds / 3600))


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
    # The periodic convergence check, when this sync ran one (desk/sync/verify.py): whether
    # the desk was identical, how many cases differed and were fetched again, any error.
    check: dict[str, Any] | None = None
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
    # pulled cases stored without their tracking number: a desk-only record holds it
    numbers_held: list[str] = field(default_factory=list)
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

    def numbers_held_text(self) -> str | None:
        """What the officer must hear when pulled cases were stored without their number."""
        if not self.numbers_held:
            return None
        shown = ", ".join(self.numbers_held[:5])
        if len(self.numbers_held) > 5:
            shown += ", …"
        return t("sync.numbers_held", count=len(self.numbers_held), numbers=shown)


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
    verify_every: timedelta | None = CHECK_EVERY,
) -> SyncReport:
    """Sync this desk with `remote`; never raises for link or server trouble (see the report).

    Text first (push, pull), then attachment files (desk/sync/files.py): `attachments` says
    which (`none`, `small`, `all`), `budget` caps the file bytes moved in this sync.
    `verify_every`: how often a sync also checks that the desk holds what the server holds
    for its scope (one small request when it does; it repairs what differs); None: never.
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
    witness.ride(database, transport, clock)  # the audit head rides on the first request
    unexpected: BaseException | None = None
    pushed, pulled, moved = PushResult(), PullResult(), FileResult()
    refreshed = RefreshResult()

    def collect() -> None:
        _collect(report, pushed, pulled, refreshed, moved, transport)

    def checkpoint() -> None:
        """Bring the log row up to date; inside the caller's transaction when there is one."""
        collect()
        _write_log(database, report, clock, finished=False)

    def saved_checkpoint() -> None:
        with write_transaction(database):
            checkpoint()

    def tell(phase: Any, done: int, total: int | None, left: float | None = None) -> None:
        if progress is not None:
            counters = transport.counters
            progress(
                Progress(
                    phase,
                    done,
                    total,
                    bytes_up=counters.bytes_up,
                    bytes_down=counters.bytes_down,
                    seconds_left=left,
                )
            )

    def pushing(done: int, total: int) -> None:
        saved_checkpoint()  # after each receipt: what was answered is in the log
        tell("push", done, total)

    def pulling(event: PullProgress) -> None:
        tell("pull", event.received, event.total, event.seconds_left)

    last_files_checkpoint = [0.0]

    def moving(done: int, total: int) -> None:
        if time.monotonic() - last_files_checkpoint[0] >= 1.0:
            last_files_checkpoint[0] = time.monotonic()
            saved_checkpoint()
        tell("files", done, total)

    try:
        if direction in ("both", "push"):
            tell("push", 0, pending_count(database))
            push(
                database,
                transport,
                batch_ops=batch_ops,
                batch_bytes=batch_bytes,
                progress=pushing,
                result=pushed,
            )
        if direction in ("both", "pull"):
            pull(
                database,
                transport,
                limit=page_limit,
                progress=pulling,
                result=pulled,
                checkpoint=checkpoint,
            )
            # Cases that differ without having changed centrally (an op refused or found
            # already done): the server's copy, now that the pull has brought everything else.
            tell("refresh", 0, None)
            refresh_marked(database, transport, refreshed)
            checked: VerifyResult | None = None
            if state.get(database, state.RECONCILE):
                checked = _reconcile(database, transport, clock())
            elif verify_every is not None:
                checked = periodic_check(database, transport, clock(), verify_every)
            if checked is not None:
                report.check = {
                    "identical": checked.identical,
                    "differences": len(checked.differences),
                    "repaired": checked.repaired,
                    "error": checked.error,
                }
        transfer_files(
            database,
            transport,
            upload=direction in ("both", "push"),
            download=direction in ("both", "pull"),
            mode=attachments,
            budget=budget,
            chunk=file_chunk,
            result=moved,
            progress=moving,
        )
    except DeskError as error:
        report.outcome, report.error = "failed", str(error)
    except BaseException as error:  # a bug or an interrupt: logged, then raised
        report.outcome, report.error = "failed", f"{type(error).__name__}: {error}"
        unexpected = error
    finally:
        transport.close()
    collect()
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


def _reconcile(
    database: sqlite_utils.Database, transport: Transport, now: datetime
) -> VerifyResult:
    """After the full pull a 410 started: a full pull brings no tombstones, so compare with the
    server and fetch back what differs (cases that left the office's scope become read-only).
    Link or server trouble here does not fail the sync, whose pull is complete: the mark stays
    and the next sync tries again."""
    result = VerifyResult()
    try:
        verify(database, transport, repair=True, now=now, result=result)
    except TokenRefused:
        raise
    except SyncError as error:
        result.error = str(error)
        return result
    with write_transaction(database):
        database.execute("DELETE FROM sync_state WHERE key = ?", [state.RECONCILE])
    return result


def _collect(
    report: SyncReport,
    pushed: PushResult,
    pulled: PullResult,
    refreshed: RefreshResult,
    moved: FileResult,
    transport: Transport,
) -> None:
    """Copy what each phase has done so far into the report."""
    report.ops_sent, report.ops_applied = pushed.sent, pushed.applied
    report.ops_duplicate, report.ops_conflict = pushed.duplicate, pushed.conflict
    report.ops_rejected = pushed.rejected
    report.refused = pushed.refused
    report.changes_pulled, report.pages = pulled.changes, pulled.pages
    report.numbers_held = list(pulled.numbers_held)
    report.cases_refreshed = refreshed.fetched
    report.not_modified, report.full_repull = pulled.not_modified, pulled.restarted
    counters = transport.counters
    report.requests, report.bytes_up = counters.requests, counters.bytes_up
    report.bytes_down, report.retries = counters.bytes_down, counters.retries
    report.files_up, report.files_down = moved.uploaded, moved.downloaded
    report.file_bytes, report.files_waiting = moved.moved, moved.waiting
    report.files_failed = moved.failed


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
        _write_log(database, report, clock, finished=True)


def _write_log(
    database: sqlite_utils.Database,
    report: SyncReport,
    clock: Callable[[], datetime],
    *,
    finished: bool,
) -> None:
    """The sync's row in sync_log: at the end, and at each checkpoint on the way (a killed
    sync leaves its row `running`, which `desk sync log` shows as interrupted, with what it had
    done up to its last checkpoint). Call inside a transaction."""
    database.execute(
        "UPDATE sync_log SET finished_at = ?, checkpoint_at = ?, requests = ?, bytes_up = ?, "
        "bytes_down = ?, retries = ?, ops_sent = ?, ops_applied = ?, ops_duplicate = ?, "
        "ops_conflict = ?, ops_rejected = ?, changes_pulled = ?, pages = ?, cases_refreshed = ?, "
        "outcome = ?, error = ? WHERE id = ?",
        [
            to_text(clock()) if finished else None,
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
            report.pages,
            report.cases_refreshed,
            report.outcome if finished else "running",
            report.error if finished else None,
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
