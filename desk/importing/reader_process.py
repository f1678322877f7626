"""The reader process of a large import: `python -m desk.importing.reader_process`.

It reads what to read (a pickled `(FileInfo, sheet, WorkerSetup)`) from standard input, then
reads, checks and stems the file's rows and writes them to standard output as frames
(`desk.importing.parallel.write_frame`): batches of rows, then "done" (or "failed" with the
error). A thread writes the frames, so that reading goes on while the pipe is full, at most
IN_FLIGHT batches ahead. The importing process starts it (desk/importing/parallel.py); nothing
else should.

It stops by itself when the importing process goes away: writing to a pipe nobody reads fails,
and the process exits at once (no orphan waiting forever). It ignores Ctrl-C: the importing
process gets it and stops this one.
"""

# ruff: noqa: E402  (the imports below come after redirecting standard output, on purpose)
from __future__ import annotations

import os

# Run as the reader, standard output carries the frames alone: they go to a private copy of
# it, and whatever else would be written there (a print, a library's message) goes to standard
# error instead. Imported (tests), nothing is redirected.
_FRAMES_FD = -1
if __name__ == "__main__":
    _FRAMES_FD = os.dup(1)
    os.dup2(2, 1)

import gc
import pickle
import queue
import signal
import sys
import threading
import traceback
from typing import IO, Any

from desk.errors import DeskError
from desk.i18n import set_language
from desk.importing import parallel
from desk.importing.readers import FileInfo, records
from desk.importing.rows import RowError, RowReader
from desk.importing.stems import stem_text
from desk.importing.values import Categories

_DONE = object()  # ends the frames queue


def serve(source: IO[bytes], sink: IO[bytes]) -> None:
    """Read the request from `source`, write the file's rows as frames to `sink`."""
    info, sheet, setup = pickle.load(source)
    assert isinstance(info, FileInfo) and isinstance(setup, parallel.WorkerSetup)
    set_language(setup.language)
    frames: queue.Queue[Any] = queue.Queue(parallel.IN_FLIGHT)
    writer = threading.Thread(target=_write_frames, args=(frames, sink), daemon=True)
    writer.start()

    def send(kind: str, payload: object) -> None:
        frames.put(pickle.dumps((kind, payload, info.lines_read), pickle.HIGHEST_PROTOCOL))

    def tz_for(text: str | None) -> str:
        if not text:
            return setup.office_tz
        return setup.unit_tz.get(" ".join(text.lower().split()), setup.office_tz)

    reader = RowReader(setup.overrides, Categories(), tz_for)
    batch: list[tuple[int, Any]] = []
    send("ready", None)  # started: from here on, ending early is reported, not read around
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
            if len(batch) >= parallel.BATCH:
                send("rows", batch)
                batch = []
        send("rows", batch)
        send("done", list(reader.unknown_columns))
    except (DeskError, OSError) as error:  # the rows before it are imported, as in one process
        send("rows", batch)
        send("failed", error)
    except Exception:  # a fault here: the importing process shows it, with where it happened
        send("rows", batch)
        send("failed", RuntimeError(traceback.format_exc()))
    frames.put(_DONE)
    writer.join()


def _write_frames(frames: queue.Queue[Any], sink: IO[bytes]) -> None:
    while (frame := frames.get()) is not _DONE:
        try:
            parallel.write_frame(sink, frame)
        except OSError:  # the importing process is gone (broken pipe): nothing left to do
            os._exit(0)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()  # what was there before is not garbage: later collections skip it
    gc.set_threshold(20_000, 20, 100)  # batches of new objects, rarely cycles
    with os.fdopen(_FRAMES_FD, "wb") as sink:
        serve(sys.stdin.buffer, sink)


if __name__ == "__main__":
    main()
