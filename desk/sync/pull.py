"""Pull: the changes feed in its streamed form, stored checkpoint by checkpoint.

Pages come as JSON lines with checkpoints (desk/central/stream.py). The changes up to a
checkpoint are applied with its cursor in one local transaction, so a cut link costs only what
came after the last checkpoint (about 3 KB), not the page; a kill costs at most what arrived
since the last commit (at most `COMMIT_SECONDS`). The next request goes on from the stored
cursor.

Page size adapts to the link (`next_size`): halved after a cut or a timeout that brought not
even one checkpoint, kept after a cut that stored part of the page (the part is kept; smaller
pages cost more bytes per case), doubled back after each page that arrived whole, never above
the size asked for. Attempts are counted as the protocol says (at most `RetryPolicy.attempts`
in a row, backoff with full jitter between them), but an attempt that stored something is
progress, not a failure: the count starts again, so a link that cuts every connection at 60 KB
still finishes a first pull of any size.

With a cursor, the first request carries `If-None-Match` so an idle sync is one small 304. A
410 (the server forgot the cursor) starts a full pull from an empty cursor; unsent local work is
safe because applying never overwrites what an unsent operation changed (`desk.sync.apply`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from db import write_transaction
from desk.i18n import t
from desk.sync import state
from desk.sync.apply import BadChange, apply_case, upsert_reference
from desk.sync.errors import CursorGone, LinkFailed, SyncError
from desk.sync.transport import Retryable, Transport

CHANGES_PATH = "/sync/v1/changes"
SERVER_DEFAULT_LIMIT = 200  # what the server uses when `limit` is not sent
# 500 cases a page: a page compresses better the more cases it holds (measured on the seed,
# with timelines: 258 B a case at 200, 220 B at 500, 205 B at 1000), and at ~110 KB it is
# about 11 s of GPRS airtime. Checkpoints inside the page bound what a cut costs.
DEFAULT_LIMIT = 500
MIN_LIMIT = 1
COMMIT_SECONDS = 1.0  # received changes wait at most this long before they are stored
COMMIT_CHANGES = 200  # ...or this many


@dataclass
class PullResult:
    pages: int = 0  # pages received whole
    changes: int = 0  # changes stored
    gone: int = 0
    checkpoints: int = 0  # commits (a page may be stored in several)
    cuts: int = 0  # requests cut off or failed, whose stored part was kept
    not_modified: bool = False
    restarted: bool = False  # a 410 made it start again from an empty cursor
    total: int | None = None  # changes of the whole pull, once the server said
    # tracking numbers of pulled cases stored without them: a desk-only record holds them
    numbers_held: list[str] = field(default_factory=list)
    limits: list[int] = field(default_factory=list)  # the page size of each request


@dataclass(frozen=True)
class PullProgress:
    """What the pull has done, for a progress display."""

    stored: int  # changes stored so far
    received: int  # changes received (stored or about to be)
    total: int | None  # the whole pull's changes, when known
    bytes_down: int  # bytes received by the sync so far, headers included
    seconds_left: float | None  # an estimate, when the total is known


class _PageReader:
    """Takes the lines of one streamed page and stores them checkpoint by checkpoint."""

    def __init__(self, pull: _Pull) -> None:
        self.pull = pull
        self.head: dict[str, Any] | None = None
        self.buffer: list[dict[str, Any]] = []  # after the last checkpoint: not storable yet
        self.ready: list[dict[str, Any]] = []  # up to the last checkpoint
        self.ready_cursor: str | None = None
        self.reference: dict[str, Any] | None = None
        self.stored_any = False
        self.ended = False  # the last checkpoint (the page's next_cursor) arrived
        self.last_commit = time.monotonic()

    def line(self, value: Any) -> None:
        if not isinstance(value, dict):
            raise BadChange("a line that is not an object")
        if self.head is None:
            if not isinstance(value.get("next_cursor"), str):
                raise BadChange("a page without a cursor")
            self.head = value
            reference = value.get("reference")
            self.reference = reference if isinstance(reference, dict) else None
            remaining = value.get("remaining")
            if isinstance(remaining, int) and remaining >= 0:
                self.pull.result.total = self.pull.result.changes + remaining
            changes = value.get("changes")
            if changes is not None:
                # The whole-JSON form of a page (a server that does not stream): its changes,
                # then its cursor as the one checkpoint.
                if not isinstance(changes, list):
                    raise BadChange("a page whose changes are not a list")
                for change in changes:
                    self.line(change)
                self.line({"k": value["next_cursor"]})
            return
        if "k" in value:
            cursor = value["k"]
            if not isinstance(cursor, str) or not cursor:
                raise BadChange("a checkpoint without a cursor")
            self.ready.extend(self.buffer)
            self.buffer.clear()
            self.ready_cursor = cursor
            self.ended = cursor == self.head["next_cursor"]
            due = time.monotonic() - self.last_commit >= COMMIT_SECONDS
            if self.ended or due or len(self.ready) >= COMMIT_CHANGES:
                self.store()
            return
        self.buffer.append(value)
        self.pull.received += 1
        self.pull.report()

    def store(self) -> None:
        """Apply what came up to the last checkpoint, with its cursor, in one transaction."""
        if self.ready_cursor is None:
            return
        changes, cursor = self.ready, self.ready_cursor
        self.ready, self.ready_cursor = [], None
        database = self.pull.database
        try:
            with write_transaction(database):
                held: list[str] = []
                applied, gone = store_changes(database, self.reference, changes, held)
                self.reference = None
                state.put(database, state.CURSOR, cursor)
                self.pull.result.changes += applied
                self.pull.result.gone += gone
                self.pull.result.checkpoints += 1
                self.pull.result.numbers_held.extend(held)
                if self.pull.checkpoint is not None:
                    self.pull.checkpoint()
        except (BadChange, TypeError, ValueError) as error:
            # The cursor did not move: nothing of these changes is half-applied.
            raise SyncError(f"a change from the server cannot be stored: {error}") from None
        self.pull.cursor = cursor
        self.stored_any = True
        self.last_commit = time.monotonic()
        self.pull.report()


@dataclass
class _Pull:
    database: sqlite_utils.Database
    transport: Transport
    result: PullResult
    progress: Callable[[PullProgress], None] | None
    checkpoint: Callable[[], None] | None
    cursor: str = ""
    received: int = 0
    started: float = field(default_factory=time.monotonic)
    last_report: float = 0.0

    def report(self, *, force: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if not force and now - self.last_report < 0.2:
            return
        self.last_report = now
        total = self.result.total
        left: float | None = None
        elapsed = now - self.started
        if total is not None and self.received > 0 and elapsed > 0:
            left = max(0, total - self.received) * elapsed / self.received
        self.progress(
            PullProgress(
                stored=self.result.changes,
                received=max(self.received, self.result.changes),
                total=total,
                bytes_down=self.transport.counters.bytes_down,
                seconds_left=left,
            )
        )


def pull(
    database: sqlite_utils.Database,
    transport: Transport,
    *,
    limit: int = DEFAULT_LIMIT,
    progress: Callable[[PullProgress], None] | None = None,
    result: PullResult | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> PullResult:
    """Pull until the feed has no more; `result` (when given) is filled as it goes.

    `checkpoint` is called inside each transaction that stores changes (the sync log's row is
    brought up to date there, so a killed sync still says what it had done).
    """
    result = result if result is not None else PullResult()
    run = _Pull(database, transport, result, progress, checkpoint)
    run.cursor = state.get(database, state.CURSOR) or ""
    size = max(MIN_LIMIT, limit)
    conditional = bool(run.cursor)  # If-None-Match while nothing says more is coming
    failures = 0
    run.report(force=True)
    while True:
        params = {"cursor": run.cursor, "stream": "1"}
        if size != SERVER_DEFAULT_LIMIT:
            params["limit"] = str(size)
        headers = {"If-None-Match": f'"{run.cursor}"'} if conditional and run.cursor else None
        page = _PageReader(run)
        result.limits.append(size)
        try:
            reply = transport.stream_lines(
                "GET",
                CHANGES_PATH,
                expect="desk-sync/changes",
                params=params,
                headers=headers,
                on_line=page.line,
                on_bytes=lambda count: run.report(),
            )
            if reply.status != 304 and not page.ended:
                # A body that ended well-formed but short (no compression to tell): a cut.
                raise Retryable("cut body (no last checkpoint)")
        except CursorGone:
            if result.restarted:
                raise
            result.restarted = True
            run.cursor, conditional, run.received = "", False, result.changes
            with write_transaction(database):
                state.put(database, state.CURSOR, "")
                state.put(database, state.RECONCILE, "1")
            continue
        except Retryable as failure:
            page.store()  # what came up to the last checkpoint is kept
            result.cuts += 1
            run.received = result.changes
            if page.stored_any:
                failures = 0  # progress, not a failing link
            failures += 1
            if failures >= transport.policy.attempts:
                raise LinkFailed(
                    t("sync.link_failed", attempts=transport.policy.attempts, reason=failure.reason)
                ) from None
            if failure.wait is None:  # a cut or a timeout, not a busy server
                size = next_size(size, limit, whole=False, stored=page.stored_any)
            if page.head is not None:
                conditional = False
            transport.pause(failures, failure.reason, failure.wait)
            continue
        if reply.status == 304:
            result.not_modified = True
            return result
        page.store()
        result.pages += 1
        failures = 0
        conditional = False
        size = next_size(size, limit, whole=True, stored=True)
        run.report(force=True)
        if not (page.head or {}).get("has_more"):
            return result


def next_size(size: int, limit: int, *, whole: bool, stored: bool) -> int:
    """The page size of the next request, after one that arrived whole or was cut.

    Doubled back (up to `limit`) after a whole page. Halved after a cut or a timeout that
    brought not one checkpoint: a smaller page ends sooner. Kept after a cut that stored part of
    the page: the part is kept, and a smaller page would only cost more bytes per case (each
    page is compressed on its own; measured on 10,000 seeded cases: 237 B a case in pages of
    500, 271 at 250, 320 at 125, 398 at 50). Through a link that cuts every connection at
    60 KB (at 2 Mbit/s), halving after every cut moved 3.58 MB for a first pull that takes
    2.37 MB uncut; keeping the size after a cut with progress moved 2.89 MB.
    """
    if whole:
        return min(max(MIN_LIMIT, limit), size * 2)
    if stored:
        return size
    return max(MIN_LIMIT, size // 2)


def store_changes(
    database: sqlite_utils.Database,
    reference: Any,
    changes: list[Any],
    numbers_held: list[str] | None = None,
) -> tuple[int, int]:
    """Apply a page's reference data (when given) and changes; returns (cases, tombstones).
    `numbers_held` gets the numbers of cases stored without theirs (`apply_case`).
    Call inside the transaction that also stores their cursor; raises `BadChange` (or a
    TypeError/ValueError) for what the desk cannot store, before anything is half-written."""
    if reference is not None:
        if not isinstance(reference, dict):
            raise BadChange("reference data that is not an object")
        upsert_reference(database, reference)
    applied = gone = 0
    for change in changes:
        if not isinstance(change, dict):
            raise BadChange("a change that is not an object")
        if "gone" in change:
            state.mark_gone(database, str(change["gone"]), str(change.get("reason") or ""))
            gone += 1
            continue
        case = change.get("case")
        events = change.get("events") or []
        if not isinstance(case, dict) or not isinstance(events, list):
            raise BadChange("a change without a case")
        try:
            apply_case(database, case, events, numbers_held=numbers_held)
        except (
            sqlite3.IntegrityError,
            sqlite3.ProgrammingError,
            TypeError,
            AttributeError,
        ) as error:
            # A value of the wrong type or outside the schema's rules (a list for a title, an
            # unknown status): the changes are refused whole, like any other malformed change.
            raise BadChange(f"case {str(case.get('local_id'))[:40]!r}: {error}") from error
        state.clear_gone(database, str(case["local_id"]))  # back in scope after a tombstone
        applied += 1
    return applied, gone
