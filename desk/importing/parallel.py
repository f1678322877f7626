"""Reading a large file in a second process: rows parsed and stemmed while this process writes.

An import spends about as long reading rows (CSV, values, stems) as writing them. For a large
file on a machine with a second core, one reader process reads the file itself and sends the
rows back in batches of 1,000, in file order; this process only writes. The rows do not depend
on where they were read: the reader runs the same `RowReader`.

Nothing but the results crosses between the two, through one queue that this process's main
thread reads itself: `multiprocessing.Pool` (tried first) ships every record to a worker and
back and receives the results in a helper thread, which then fights the writing thread for the
interpreter lock; that made imports slower, not faster (bench/README.md). At most IN_FLIGHT
batches wait in the queue, so memory stays bounded whatever the file's size.

$DESK_IMPORT_WORKERS=0 reads in this process, =1 always in a reader process; unset, a reader
process is used for files of READER_FROM_BYTES and more when there is a second core.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.context
import multiprocessing.queues
import os
import pickle
import queue
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from desk.errors import DeskError
from desk.i18n import current_language, set_language, t
from desk.importing.readers import FileInfo, Record, records
from desk.importing.rows import CaseRow, RowError, RowReader
from desk.importing.stems import stem_text
from desk.importing.values import Categories

BATCH = 1_000  # rows per message from the reader process
# Messages the reader may have sent ahead: more than a chunk (5,000 rows), so that it reads on
# while this process writes a chunk; ~1.2 MB each for LAPOR! rows.
IN_FLIGHT = 8
# About 20,000 LAPOR! rows: below, starting the reader (~0.4 s) costs about what it saves.
READER_FROM_BYTES = 16_000_000
START_METHOD = "spawn"  # see _context

# What the reader yields per row: the case, or a row error.
Prepared = tuple[int, CaseRow | RowError]


class ReaderStopped(DeskError):
    """The reader process ended without finishing the file (killed, out of memory)."""


@dataclass(frozen=True)
class WorkerSetup:
    """What a reader process needs to read rows as this process would."""

    overrides: dict[str, str]
    unit_tz: dict[str, str]  # unit code or name (lower case, single spaces) -> time zone
    office_tz: str
    language: str


def worker_setup(overrides: dict[str, str], unit_tz: dict[str, str], office_tz: str) -> WorkerSetup:
    return WorkerSetup(overrides, unit_tz, office_tz, current_language())


def use_reader_process(info: FileInfo) -> bool:
    """Whether to read `info`'s file in a reader process ($DESK_IMPORT_WORKERS, else its size
    and the cores this process may use)."""
    configured = os.environ.get("DESK_IMPORT_WORKERS", "").strip()
    if configured.isdigit():
        return int(configured) > 0
    return info.size >= READER_FROM_BYTES and usable_cores() >= 2


def usable_cores() -> int:
    """The cores this process may run on (all of the machine's where that cannot be asked)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def prepared_rows(
    reader: RowReader,
    info: FileInfo,
    sheet: str | None,
    setup: WorkerSetup,
    *,
    in_process: bool,
) -> Iterator[Prepared]:
    """(row number, case or row error) for every record of the file, in file order."""
    if in_process:
        yield from _read_here(reader, records(info, sheet, setup.overrides))
        return
    yield from _read_in_reader_process(reader, info, sheet, setup)


def _read_here(reader: RowReader, items: Iterable[Record]) -> Iterator[Prepared]:
    for record in items:
        try:
            yield record.row, reader.read(record)
        except RowError as error:
            yield record.row, error


def _read_in_reader_process(
    reader: RowReader, info: FileInfo, sheet: str | None, setup: WorkerSetup
) -> Iterator[Prepared]:
    context = _context()
    batches: multiprocessing.queues.Queue[bytes] = context.Queue(IN_FLIGHT)
    process = context.Process(
        target=_reader_main, args=(batches, info, sheet, setup), name="desk-import-reader"
    )
    process.start()
    try:
        while True:
            try:
                message = batches.get(timeout=1.0)
            except queue.Empty:
                if process.is_alive():
                    continue
                try:  # it may have ended just after sending its last message
                    message = batches.get(timeout=1.0)
                except queue.Empty:
                    raise ReaderStopped(
                        t("import.reader.stopped", path=info.path, code=process.exitcode)
                    ) from None
            kind, payload, lines_read = pickle.loads(message)
            info.lines_read = lines_read  # the progress bar's estimate
            if kind == "rows":
                for number, item in payload:
                    yield number, item if isinstance(item, CaseRow) else RowError(*item)
            elif kind == "done":
                for header in payload:
                    reader.unknown_columns.setdefault(header)
                process.join(5)  # it only has to hand over its queue and exit
                return
            else:  # "failed": the file could not be read further (or a fault in the reader)
                raise payload
    finally:
        if process.is_alive():  # stopped early: --on-error abort, an error, Ctrl-C
            process.terminate()
        process.join()
        batches.close()
        batches.cancel_join_thread()


def _context() -> multiprocessing.context.DefaultContext:
    """A fresh interpreter for the reader (spawn), never a fork of this process: a fork would
    copy this process's memory page by page as the reader touches it (a forked reader grew to
    180 MB where a spawned one stays at 65 MB), and this process holds SQLite connections and
    may run threads (the progress bar), which a fork must not inherit."""
    return cast(multiprocessing.context.DefaultContext, multiprocessing.get_context(START_METHOD))


def _reader_main(
    batches: multiprocessing.queues.Queue[bytes],
    info: FileInfo,
    sheet: str | None,
    setup: WorkerSetup,
) -> None:
    """The reader process: read the whole file, send it batch by batch, then "done"."""
    set_language(setup.language)
    gc.freeze()  # what was there before is not garbage: later collections skip it
    gc.set_threshold(20_000, 20, 100)  # batches of new objects, rarely cycles

    def tz_for(text: str | None) -> str:
        if not text:
            return setup.office_tz
        return setup.unit_tz.get(" ".join(text.lower().split()), setup.office_tz)

    reader = RowReader(setup.overrides, Categories(), tz_for)
    batch: list[tuple[int, Any]] = []

    def send(kind: str, payload: object) -> None:
        batches.put(pickle.dumps((kind, payload, info.lines_read), pickle.HIGHEST_PROTOCOL))

    try:
        for record in records(info, sheet, setup.overrides):
            try:
                case_row = reader.read(record)
            except RowError as error:  # sent as its parts: cheaper than pickling an exception
                batch.append((record.row, (error.column, error.value, error.reason)))
            else:
                case_row.stems = (
                    stem_text(case_row.fields["title"]),
                    stem_text(case_row.fields["body"]),
                )
                batch.append((record.row, case_row))
            if len(batch) >= BATCH:
                send("rows", batch)
                batch = []
        send("rows", batch)
        send("done", list(reader.unknown_columns))
    except KeyboardInterrupt:
        return  # Ctrl-C: the importing process stops too
    except (DeskError, OSError) as error:  # the rows before it are imported, as in one process
        send("rows", batch)
        send("failed", error)
    except Exception:  # a fault here: the importing process shows it, with where it happened
        send("rows", batch)
        send("failed", RuntimeError(traceback.format_exc()))
    finally:
        batches.close()  # and wait until the queue's thread has handed everything over
        batches.join_thread()
