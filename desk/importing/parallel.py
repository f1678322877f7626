"""Reading a large file in a second process: rows parsed and stemmed while this process writes.

An import spends about as long reading rows (CSV, values, stems) as writing them. For a large
file on a machine with a second core, one reader process (desk/importing/reader_process.py)
reads the file itself and sends the rows back in batches of 1,000, in file order, through its
standard output; this process only writes. The rows do not depend on where they were read: the
reader runs the same `RowReader`.

The reader is a fresh `python -m desk.importing.reader_process` (not `multiprocessing`): it
never re-runs the program that imports, holds nothing of this process's memory, and only it
holds the pipe's writing end, so each side learns at once when the other is gone — this side
sees the pipe end (the reader died: `ReaderStopped`), the reader gets a broken pipe and exits
(this process died: no orphan). It runs in its own session, so Ctrl-C reaches only this process,
which then stops it. A `multiprocessing.Pool` (tried first) shipped every record to a worker and
back and received the results in a helper thread that fought the writing thread for the
interpreter lock: slower than one process (bench/README.md). At most IN_FLIGHT batches wait
ahead, so memory stays bounded whatever the file's size.

$DESK_IMPORT_WORKERS=0 reads in this process, =1 always in a reader process; unset, a reader
process is used for files of READER_FROM_BYTES and more when there is a second core. If the
reader cannot start, or ends before sending anything, the file is read in this process.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import site
import struct
import subprocess
import sys
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from desk.errors import DeskError
from desk.i18n import current_language, t
from desk.importing.readers import FileInfo, Record, records
from desk.importing.rows import CaseRow, RowError, RowReader

BATCH = 1_000  # rows per message from the reader process
# Batches the reader may have read ahead: more than a chunk (5,000 rows), so that it reads on
# while this process writes a chunk; ~1.2 MB each for LAPOR! rows.
IN_FLIGHT = 8
PIPE_BYTES = 1 << 20  # the pipe from the reader: about one batch
# About 20,000 LAPOR! rows: below, starting the reader (~0.4 s) costs about what it saves.
READER_FROM_BYTES = 16_000_000

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
) -> Generator[Prepared, None, None]:
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
    process: subprocess.Popen[bytes] | None = None
    try:
        try:
            process = _start_reader(info, sheet, setup)
        except OSError:  # no interpreter to start (an embedded Python): read here
            yield from _read_here(reader, records(info, sheet, setup.overrides))
            return
        assert process.stdout is not None
        started = False
        for kind, payload, lines_read in _frames(process.stdout):
            info.lines_read = lines_read  # the progress bar's estimate
            if kind == "ready":
                started = True
            elif kind == "rows":
                for number, item in payload:
                    yield number, item if isinstance(item, CaseRow) else RowError(*item)
            elif kind == "done":
                for header in payload:
                    reader.unknown_columns.setdefault(header)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(5)  # it only has to exit
                return
            else:  # "failed": the file could not be read further (or a fault in the reader)
                raise payload
        code = process.wait()
        if not started:  # it could not even start (no `desk` to import there): read here
            yield from _read_here(reader, records(info, sheet, setup.overrides))
            return
        raise ReaderStopped(_stopped_text(info, code))
    finally:
        if process is not None:
            _stop(process)


def _start_reader(info: FileInfo, sheet: str | None, setup: WorkerSetup) -> subprocess.Popen[bytes]:
    environment = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])  # where this `desk` is
    if root not in _site_packages():  # a source checkout: the reader must find the same code
        paths = [root, *filter(None, [os.environ.get("PYTHONPATH")])]
        environment["PYTHONPATH"] = os.pathsep.join(paths)
    process = subprocess.Popen(
        # -P: not the current directory first on the path (another `desk`, a `queue.py` there)
        [sys.executable, "-P", "-m", "desk.importing.reader_process"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=environment,
        start_new_session=True,  # Ctrl-C is for this process; it stops the reader
    )
    assert process.stdin is not None and process.stdout is not None
    _widen_pipe(process.stdout)
    try:
        process.stdin.write(pickle.dumps((info, sheet, setup), pickle.HIGHEST_PROTOCOL))
        process.stdin.close()
    except OSError:  # it ended at once; reading its output says so
        pass
    return process


def _site_packages() -> set[str]:
    folders = [*site.getsitepackages(), site.getusersitepackages()]
    return {str(Path(folder).resolve()) for folder in folders}


def _widen_pipe(stream: IO[bytes]) -> None:
    """Let the pipe hold a whole batch (Linux; elsewhere the default is kept)."""
    try:
        import fcntl

        if hasattr(fcntl, "F_SETPIPE_SZ"):
            fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (ImportError, OSError):
        pass


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:  # stopped early: --on-error abort, an error, Ctrl-C
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


def _stopped_text(info: FileInfo, code: int) -> str:
    if code == -getattr(signal, "SIGKILL", 9):  # how the kernel ends a process out of memory
        return t("import.reader.killed", path=info.path)
    return t("import.reader.stopped", path=info.path, code=code)


# -- frames: what the reader writes to its standard output ----------------------------------------

_MAGIC = b"DSK1"  # each frame starts so: anything else on the pipe is not a frame
_HEADER = struct.Struct(">4sQ")  # the magic, the length of the pickled message that follows
_LARGEST = 1 << 30


def write_frame(sink: IO[bytes], message: bytes) -> None:
    sink.write(_HEADER.pack(_MAGIC, len(message)))
    sink.write(message)
    sink.flush()


def _frames(source: IO[bytes]) -> Iterator[tuple[str, Any, int]]:
    """The messages of a reader, until its output ends, is cut short or is not frames."""
    while len(header := source.read(_HEADER.size)) == _HEADER.size:
        magic, length = _HEADER.unpack(header)
        if magic != _MAGIC or length > _LARGEST:
            return
        message = source.read(length)
        if len(message) < length:
            return
        try:
            kind, payload, lines_read = pickle.loads(message)
        except Exception:  # not what a reader writes: the same as a reader gone
            return
        yield kind, payload, lines_read
