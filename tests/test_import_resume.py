"""A killed import leaves whole chunks only, and running it again completes the file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from desk.importing import ImportOptions, import_files

ROWS = 20_000
CHUNK = 200


def _write_file(path: Path) -> None:
    lines = ["No. Tiket;Judul Laporan;Isi Laporan;Tanggal Laporan;Status"]
    lines += [
        f"{7_000_000 + n};Jalan rusak nomor {n};Jalan di depan rumah {n} berlubang dan "
        f"belum diperbaiki;01/09/2025 08:00;Belum Terverifikasi"
        for n in range(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")


def _count(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet, or no table yet
        return 0


def test_killed_import_leaves_whole_chunks_and_resumes(tmp_path: Path) -> None:
    source = tmp_path / "lapor.csv"
    database_path = tmp_path / "desk.db"
    _write_file(source)
    environment = {
        **os.environ,
        "DESK_IMPORT_CHUNK": str(CHUNK),
        "DESK_CONFIG": str(tmp_path / "c.json"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "desk.cli.main", "import", str(source), "--db", str(database_path)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _count(database_path) < 3 * CHUNK:
            assert process.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    partial = _count(database_path)
    assert 0 < partial < ROWS
    assert partial % CHUNK == 0  # whole chunks only

    from db import open_database

    database = open_database(database_path)
    triggers = database.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cases_search_%'"
    ).fetchone()
    assert triggers == (3,)  # the chunk that was cut off rolled back its trigger swap too
    summary = import_files(database, [source], ImportOptions(chunk_size=CHUNK), actor=None)
    assert (summary.total("inserted"), summary.total("unchanged")) == (ROWS - partial, partial)
    assert database.execute(
        "SELECT count(*), count(DISTINCT tracking_no) FROM cases"
    ).fetchone() == (
        ROWS,
        ROWS,
    )
    assert database.execute("SELECT count(*) FROM events").fetchone() == (ROWS,)
    assert database.execute("SELECT count(*) FROM reporters").fetchone() == (0,)
    indexed = database.execute(
        "SELECT count(*) FROM case_search WHERE case_search MATCH 'rusak'"
    ).fetchone()
    assert indexed == (ROWS,)
