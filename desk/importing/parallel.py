"""Reading rows in worker processes: values parsed and texts stemmed while this process writes.

With $DESK_IMPORT_WORKERS set, worker processes parse rows and stem their title and body while
the main process writes. The rows come back in file order, a few batches in flight at most
(bounded memory). The data do not depend on the number of workers: a worker runs the same
`RowReader` the main process runs without them.
"""

from __future__ import annotations

import collections
import multiprocessing
import multiprocessing.context
import multiprocessing.pool
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult

from desk.i18n import current_language, set_language
from desk.importing.readers import Record
from desk.importing.rows import CaseRow, RowError, RowReader
from desk.importing.stems import stem_text
from desk.importing.values import Categories

BATCH = 2_000  # rows per task sent to a worker

# What a worker returns per row: the case, or a row error as (column, value, reason).
Prepared = tuple[int, CaseRow | RowError]
_Result = tuple[list[tuple[int, CaseRow | tuple[str, str, str]]], list[str]]


def default_workers() -> int:
    """$DESK_IMPORT_WORKERS worker processes; none by default.

    Off by default: on the project's 2-core machine one worker made a 200,000-row import slower
    (8,000 against 8,900 rows/s), because sending the parsed rows back to the main process costs
    about what the worker saves it. See bench/README.md.
    """
    configured = os.environ.get("DESK_IMPORT_WORKERS", "").strip()
    return int(configured) if configured.isdigit() else 0


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker needs to read rows as the main process would."""

    overrides: dict[str, str]
    unit_tz: dict[str, str]  # unit code or name (lower case, single spaces) -> time zone
    office_tz: str
    language: str


def prepared_rows(
    reader: RowReader, records: Iterable[Record], workers: int, setup: WorkerSetup
) -> Iterator[Prepared]:
    """(row number, case or row error) for every record, in file order."""
    if workers <= 0:
        for record in records:
            try:
                yield record.row, reader.read(record)
            except RowError as error:
                yield record.row, error
        return
    pool = _context().Pool(workers, _start_worker, (setup,))
    try:
        pending: collections.deque[AsyncResult[_Result]] = collections.deque()
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                while len(pending) > workers:  # a few batches in flight, no more
                    yield from _unpack(reader, pending.popleft().get())
                pending.append(pool.apply_async(_read_batch, (batch,)))
                batch = []
        if batch:
            pending.append(pool.apply_async(_read_batch, (batch,)))
        while pending:
            yield from _unpack(reader, pending.popleft().get())
        pool.close()
        pool.join()
    finally:
        pool.terminate()  # also when the caller stops early (--on-error abort)
        pool.join()


def _unpack(reader: RowReader, result: _Result) -> Iterator[Prepared]:
    rows, unknown = result
    for header in unknown:
        reader.unknown_columns.setdefault(header)
    for number, item in rows:
        yield number, item if isinstance(item, CaseRow) else RowError(*item)


def _context() -> multiprocessing.context.BaseContext:
    """Fork when it is safe (one thread); spawn when other threads run (a progress bar, a TUI)."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


# A worker process keeps its reader between batches.
_worker_reader: RowReader | None = None


def _start_worker(setup: WorkerSetup) -> None:
    global _worker_reader
    set_language(setup.language)

    def tz_for(text: str | None) -> str:
        if not text:
            return setup.office_tz
        return setup.unit_tz.get(" ".join(text.lower().split()), setup.office_tz)

    _worker_reader = RowReader(setup.overrides, Categories(), tz_for)


def _read_batch(batch: list[Record]) -> _Result:
    reader = _worker_reader
    if reader is None:
        raise RuntimeError("import worker not started")
    rows: list[tuple[int, CaseRow | tuple[str, str, str]]] = []
    for record in batch:
        try:
            case_row = reader.read(record)
        except RowError as error:  # exceptions do not always survive pickling: send the parts
            rows.append((record.row, (error.column, error.value, error.reason)))
            continue
        case_row.stems = (
            stem_text(case_row.fields["title"]),
            stem_text(case_row.fields["body"]),
        )
        rows.append((record.row, case_row))
    return rows, list(reader.unknown_columns)


def worker_setup(overrides: dict[str, str], unit_tz: dict[str, str], office_tz: str) -> WorkerSetup:
    return WorkerSetup(overrides, unit_tz, office_tz, current_language())
