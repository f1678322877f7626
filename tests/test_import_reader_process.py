"""A large file is read in a reader process (desk/importing/parallel.py): the same import, and
a reader that fails or dies is reported, never a half-told story."""

from __future__ import annotations

import csv
import io
import os
import pickle
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import desk.importing.parallel as parallel
from db import open_database
from desk.importing import FileUnreadable, ImportOptions, ImportSummary, import_files
from desk.importing.readers import FileInfo
from tests.conftest import ADMIN, NOW, make_office

CORPUS = Path(__file__).parent / "corpus" / "import"
MESSY = (
    "lapor_cp1252.csv",
    "broken_rows.csv",
    "rows.jsonl",
    "duplicates.csv",
    "array.json",
    "excel_unicode.txt",
    "utf8_bom_multiline.csv",
)


def _workbook(path: Path) -> Path:
    """A spreadsheet kept by hand: a title row above the header, a date and an Excel serial."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Rekap Pengaduan"])
    sheet.append(["No. Tiket", "Judul", "Isi Laporan", "Tanggal Laporan", "Status", "OPD"])
    sheet.append([8700001, "Jalan rusak", "Isi satu", datetime(2025, 7, 14, 9, 30), "Selesai"])
    sheet.append([8700002, "Lampu", "Isi dua", 45852.5, "Belum Terverifikasi", "DINKES"])
    book.save(path)
    return path


def _import(
    tmp_path: Path, name: str, paths: list[Path], chunk_size: int = 3
) -> tuple[ImportSummary, list[tuple[Any, ...]], list[list[str]]]:
    database = open_database(tmp_path / f"{name}.db")
    make_office(database)
    errors = tmp_path / f"{name}-errors.csv"
    summary = import_files(
        database,
        paths,
        ImportOptions(chunk_size=chunk_size, errors_path=errors),
        actor=ADMIN,
        now=NOW,
    )
    stored = database.execute(
        "SELECT c.tracking_no, c.title, c.body, c.status, c.unit_code, c.received_at, c.due_at, "
        "c.extra, c.version, r.name, r.nik, "
        "(SELECT group_concat(kind || '@' || at, ' ') FROM events WHERE case_id = c.id) "
        "FROM cases c LEFT JOIN reporters r ON r.case_id = c.id ORDER BY c.id"
    ).fetchall()
    rejected = []
    if errors.exists():
        with errors.open(encoding="utf-8-sig", newline="") as handle:
            rejected = [row[1:] for row in csv.reader(handle)]  # without the file's own path
    database.conn.close()
    return summary, stored, rejected


def _per_file(summary: ImportSummary) -> list[tuple[Any, ...]]:
    return [
        (file.rows, file.inserted, file.updated, file.rejected, file.masked, file.unknown_columns)
        for file in summary.files
    ]


def test_the_reader_process_imports_what_this_process_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [*(CORPUS / name for name in MESSY), _workbook(tmp_path / "rekap.xlsx")]
    monkeypatch.setenv("DESK_IMPORT_WORKERS", "0")
    here = _import(tmp_path, "here", paths)
    monkeypatch.setenv("DESK_IMPORT_WORKERS", "1")

    def not_here(*args: object) -> None:
        raise AssertionError("read in this process: the reader did not run")

    monkeypatch.setattr(parallel, "_read_here", not_here)
    apart = _import(tmp_path, "apart", paths)
    assert apart[1] == here[1]  # cases, reporters, timelines
    assert {"8700001", "8700002", "8600001"} <= {row[0] for row in here[1]}  # XLSX, JSON too
    assert apart[2] == here[2] and len(here[2]) > 10  # the errors CSV, row for row
    assert _per_file(apart[0]) == _per_file(here[0])
    assert any(file.unknown_columns for file in apart[0].files)  # sent back by the reader
    assert apart[0].unknown_categories == here[0].unknown_categories


def _run_with_a_reader(script: Path) -> subprocess.CompletedProcess[str]:
    """Run a Python script that imports, as its own program, always with a reader process."""
    return subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DESK_IMPORT_WORKERS": "1"},
        cwd=Path(__file__).parent.parent,
    )


def test_the_reader_never_runs_the_importing_program_again(tmp_path: Path) -> None:
    """A script without `if __name__ == "__main__"` imports a file in a reader process: its
    top-level code runs once (multiprocessing's spawn ran it again in the reader)."""
    runs = tmp_path / "runs.txt"
    script = tmp_path / "load.py"
    script.write_text(
        "import os\n"
        "from pathlib import Path\n"
        "from db import open_database\n"
        "from desk.importing import ImportOptions, import_files\n"
        f"with open({str(runs)!r}, 'a') as runs:\n"
        "    runs.write('ran\\n')\n"
        f"database = open_database({str(tmp_path / 'desk.db')!r})\n"
        f"summary = import_files(database, [Path({str(CORPUS / 'lapor_cp1252.csv')!r})],\n"
        "                       ImportOptions(), actor=None)\n"
        "print(summary.total('inserted'))\n",
        "utf-8",
    )
    done = _run_with_a_reader(script)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "4"
    assert runs.read_text() == "ran\n"


def test_reader_process_by_default_only_for_large_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DESK_IMPORT_WORKERS", raising=False)
    small = FileInfo(Path("a.csv"), "csv", "utf-8", "", size=200_000)
    large = FileInfo(Path("b.csv"), "csv", "utf-8", "", size=parallel.READER_FROM_BYTES)
    assert not parallel.use_reader_process(small)
    assert parallel.use_reader_process(large) == (parallel.usable_cores() >= 2)
    monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
    assert not parallel.use_reader_process(large)  # one core: reading beside writing gains nothing
    monkeypatch.setenv("DESK_IMPORT_WORKERS", "0")
    assert not parallel.use_reader_process(large)
    monkeypatch.setenv("DESK_IMPORT_WORKERS", "1")
    assert parallel.use_reader_process(small)


def _big_file(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["No. Tiket", "Judul", "Isi Laporan", "Tanggal Laporan", "Status"])
        for number in range(rows):
            writer.writerow(
                [f"T{number}", "Jalan rusak", f"Lubang ke-{number}", "2026-11-02 09:00", "Baru"]
            )
    return path


def test_a_file_that_changes_under_the_reader_is_reported_and_the_rows_before_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked whole before the import, the file then gets bytes that are not UTF-8: the
    reader says so in words, as reading here would, and the whole chunks before stay."""
    source = _big_file(tmp_path / "lapor.csv", 2_000)  # the bad bytes far past the first block
    start = parallel._start_reader

    def change_then_start(*args: Any) -> Any:
        with source.open("ab") as handle:
            handle.write(b"T99;Judul;Isi \xff\xfe rusak;2026-11-02 09:00;Baru\n")
        return start(*args)

    monkeypatch.setattr(parallel, "_start_reader", change_then_start)
    monkeypatch.setenv("DESK_IMPORT_WORKERS", "1")
    database = open_database(tmp_path / "desk.db")
    with pytest.raises(FileUnreadable, match=r"lapor\.csv: bukan teks utf-8"):
        import_files(database, [source], ImportOptions(chunk_size=100), actor=None, now=NOW)
    stored = database.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert 1_800 <= stored <= 2_000 and stored % 100 == 0  # whole chunks of the rows before
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _children() -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        found += [int(pid) for pid in (task / "children").read_text().split()]
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_a_reader_process_that_is_killed_is_reported_and_the_import_can_be_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed (as out of memory) while the writer is busy: the rows it sent are written in
    whole chunks, the message says what happened, and running the import again completes it."""
    source = _big_file(tmp_path / "lapor.csv", 30_000)  # 30 batches: it is still reading
    killed: list[int] = []

    def kill_the_reader(name: str, done: int, total: int | None) -> None:
        if not killed:
            killed.extend(_children())
            for pid in killed:
                os.kill(pid, signal.SIGKILL)

    monkeypatch.setenv("DESK_IMPORT_WORKERS", "1")
    database = open_database(tmp_path / "desk.db")
    options = ImportOptions(chunk_size=1_000)
    with pytest.raises(parallel.ReaderStopped) as stopped:
        import_files(database, [source], options, actor=None, now=NOW, progress=kill_the_reader)
    assert killed
    message = str(stopped.value)
    assert str(source) in message and "kehabisan memori" in message
    assert "jalankan impor lagi" in message
    stored = database.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert 1_000 <= stored < 30_000 and stored % 1_000 == 0  # whole chunks only

    summary = import_files(database, [source], options, actor=None, now=NOW)
    assert (summary.total("inserted"), summary.total("unchanged")) == (30_000 - stored, stored)
    assert database.execute("SELECT count(DISTINCT tracking_no) FROM cases").fetchone() == (30_000,)


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_the_reader_process_ends_when_the_importing_process_is_killed(tmp_path: Path) -> None:
    """kill -9 of the importer (or out of memory): its reader does not wait forever."""
    source = _big_file(tmp_path / "lapor.csv", 30_000)
    script = tmp_path / "killed.py"
    script.write_text(
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from db import open_database\n"
        "from desk.importing import ImportOptions, import_files\n"
        "def die(name, done, total):\n"
        "    tasks = Path(f'/proc/{os.getpid()}/task').iterdir()\n"
        "    pids = [p for t in tasks for p in (t / 'children').read_text().split()]\n"
        "    print(' '.join(pids), flush=True)\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
        "if __name__ == '__main__':\n"
        f"    database = open_database({str(tmp_path / 'desk.db')!r})\n"
        f"    import_files(database, [Path({str(source)!r})], ImportOptions(chunk_size=1000),\n"
        "                 actor=None, progress=die)\n",
        "utf-8",
    )
    done = _run_with_a_reader(script)
    assert done.returncode == -signal.SIGKILL
    readers = [int(pid) for pid in done.stdout.split()]
    assert readers
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_running(pid) for pid in readers):
        time.sleep(0.1)
    assert not any(_running(pid) for pid in readers)


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_only_frames_are_read_from_the_reader() -> None:
    """Anything else on the pipe (a stray message, a cut-off frame) ends the reading: it is
    taken as a reader gone, never unpickled as rows."""
    frame = io.BytesIO()
    parallel.write_frame(frame, pickle.dumps(("rows", [], 7)))
    good = frame.getvalue()
    assert list(parallel._frames(io.BytesIO(good))) == [("rows", [], 7)]
    assert list(parallel._frames(io.BytesIO(b"Warning: something\n" + good))) == []
    assert list(parallel._frames(io.BytesIO(good + good[:-3]))) == [("rows", [], 7)]
    assert list(parallel._frames(io.BytesIO(good[:12] + b"not a pickle"))) == []
