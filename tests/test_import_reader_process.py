"""A large file is read in a reader process (desk/importing/parallel.py): the same import, and
a reader that fails or dies is reported, never a half-told story."""

from __future__ import annotations

import csv
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import desk.importing.parallel as parallel
from db import open_database
from desk.importing import FileUnreadable, ImportOptions, ImportSummary, import_files
from desk.importing.readers import FileInfo, Record, records
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
    apart = _import(tmp_path, "apart", paths)
    assert apart[1] == here[1]  # cases, reporters, timelines
    assert {"8700001", "8700002", "8600001"} <= {row[0] for row in here[1]}  # XLSX, JSON too
    assert apart[2] == here[2] and len(here[2]) > 10  # the errors CSV, row for row
    assert _per_file(apart[0]) == _per_file(here[0])
    assert any(file.unknown_columns for file in apart[0].files)  # sent back by the reader
    assert apart[0].unknown_categories == here[0].unknown_categories


def test_the_reader_process_is_spawned_even_beside_other_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh interpreter, not a fork: a thread running here (the progress bar) is no matter."""
    monkeypatch.setenv("DESK_IMPORT_WORKERS", "1")
    stop = threading.Event()
    ticking = threading.Thread(target=stop.wait, daemon=True)
    ticking.start()
    try:
        assert parallel._context().get_start_method() == "spawn"
        summary, stored, _ = _import(tmp_path, "spawned", [CORPUS / "lapor_cp1252.csv"])
    finally:
        stop.set()
        ticking.join()
    assert summary.total("inserted") == len(stored) > 0


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


def test_a_file_that_breaks_off_in_the_reader_is_reported_as_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _big_file(tmp_path / "lapor.csv", 40)

    def breaking(info: FileInfo, sheet: str | None, overrides: Any = None) -> Iterator[Record]:
        for record in records(info, sheet, overrides):
            if record.row > 25:
                raise FileUnreadable(f"{info.path}: cannot read: disk error")
            yield record

    # A forked reader runs this test's `records` (a spawned one would import the real one).
    monkeypatch.setattr(parallel, "START_METHOD", "fork")
    monkeypatch.setattr(parallel, "records", breaking)
    monkeypatch.setenv("DESK_IMPORT_WORKERS", "1")
    database = open_database(tmp_path / "desk.db")
    with pytest.raises(FileUnreadable, match="disk error"):
        import_files(database, [source], ImportOptions(chunk_size=10), actor=None, now=NOW)
    stored = database.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert stored == 20  # the whole chunks before the break, nothing of the next
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_reader_process_that_dies_is_reported_and_the_import_can_be_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _big_file(tmp_path / "lapor.csv", 40)

    def dying(info: FileInfo, sheet: str | None, overrides: Any = None) -> Iterator[Record]:
        for record in records(info, sheet, overrides):
            if record.row > 25:
                time.sleep(0.5)  # the batches sent so far reach the pipe
                os._exit(9)  # then as if killed (out of memory)
            yield record

    monkeypatch.setattr(parallel, "START_METHOD", "fork")  # to run `dying`, as above
    monkeypatch.setattr(parallel, "records", dying)
    monkeypatch.setattr(parallel, "BATCH", 5)  # rows 2-21 reach this process, 22-25 die with it
    monkeypatch.setenv("DESK_IMPORT_WORKERS", "1")
    database = open_database(tmp_path / "desk.db")
    with pytest.raises(parallel.ReaderStopped) as stopped:
        import_files(database, [source], ImportOptions(chunk_size=10), actor=None, now=NOW)
    message = str(stopped.value)
    assert str(source) in message and "kode 9" in message and "jalankan impor lagi" in message
    assert database.execute("SELECT count(*) FROM cases").fetchone()[0] == 20

    monkeypatch.setattr(parallel, "records", records)
    summary = import_files(database, [source], ImportOptions(chunk_size=10), actor=None, now=NOW)
    assert (summary.total("inserted"), summary.total("unchanged")) == (20, 20)
    assert database.execute("SELECT count(DISTINCT tracking_no) FROM cases").fetchone() == (40,)
