"""A killed import leaves whole chunks only, and running it again completes the file."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

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


def _import_and_kill(
    source: Path, database_path: Path, tmp_path: Path, extra: dict[str, str] | None = None
) -> None:
    """Run `desk import` as its own process and SIGKILL it once three chunks are written."""
    environment = {
        **os.environ,
        "DESK_IMPORT_CHUNK": str(CHUNK),
        "DESK_CONFIG": str(tmp_path / "c.json"),
        **(extra or {}),
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


def test_killed_import_leaves_whole_chunks_and_resumes(tmp_path: Path) -> None:
    source = tmp_path / "lapor.csv"
    database_path = tmp_path / "desk.db"
    _write_file(source)
    _import_and_kill(source, database_path, tmp_path)
    partial = _count(database_path)
    assert 0 < partial < ROWS
    assert partial % CHUNK == 0  # whole chunks only

    from db import open_database

    database = open_database(database_path)
    triggers = database.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cases_search_%'"
    ).fetchone()
    assert triggers == (3,)  # the chunk that was cut off rolled back its trigger swap too
    _assert_completed(database, source, partial)
    assert database.execute("SELECT count(*) FROM reporters").fetchone() == (0,)


def _assert_completed(database: Any, source: Path, partial: int) -> None:
    """Importing the file again adds the rows the killed import did not write, once each."""
    summary = import_files(database, [source], ImportOptions(chunk_size=CHUNK), actor=None)
    assert (summary.total("inserted"), summary.total("unchanged")) == (ROWS - partial, partial)
    counted = database.execute("SELECT count(*), count(DISTINCT tracking_no) FROM cases")
    assert counted.fetchone() == (ROWS, ROWS)
    assert database.execute("SELECT count(*) FROM events").fetchone() == (ROWS,)
    indexed = database.execute("SELECT count(*) FROM case_search WHERE case_search MATCH 'rusak'")
    assert indexed.fetchone() == (ROWS,)


def _indexes(path: Path) -> dict[str, str]:
    with sqlite3.connect(path, timeout=5) as conn:
        return {
            name: sql
            for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            )
        }


def test_killed_bulk_load_gets_its_indexes_back(tmp_path: Path) -> None:
    """A bulk load drops the secondary indexes; killed before it builds them again, the next
    open of the database builds them (db/bulk_load.py), and the import resumes as usual."""
    from db import open_database
    from db.bulk_load import MARKER

    source = tmp_path / "lapor.csv"
    database_path = tmp_path / "desk.db"
    _write_file(source)
    before = _indexes_of_fresh_database(tmp_path / "fresh.db")
    _import_and_kill(source, database_path, tmp_path, {"DESK_IMPORT_BULK_MIN": "1000"})
    partial = _count(database_path)
    assert 0 < partial < ROWS
    assert partial % CHUNK == 0  # whole chunks only
    dropped = set(before) - set(_indexes(database_path))
    assert {"cases_by_due", "cases_by_received", "reporters_by_nik"} <= dropped
    assert "events_by_case" not in dropped  # kept: updates look events up by it
    assert not any(
        sql.startswith("CREATE UNIQUE") for name, sql in before.items() if name in dropped
    )
    assert _search_automerge(database_path) == 0  # paused for the load

    database = open_database(database_path)  # heals: the process that dropped them is dead
    assert _indexes(database_path) == before  # the same indexes, the same SQL
    assert _search_automerge(database_path) == 4  # FTS5's default again
    assert database.execute("SELECT count(*) FROM settings WHERE key = ?", [MARKER]).fetchone() == (
        0,
    )
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    plan = " ".join(
        str(row[-1])
        for row in database.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM cases WHERE status = 'baru' ORDER BY due_sort, id"
        )
    )
    assert "cases_by_status_due" in plan

    _assert_completed(database, source, partial)
    assert _indexes(database_path) == before
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def _search_automerge(path: Path) -> int | None:
    """The search index's stored `automerge` setting (None: FTS5's default, never set)."""
    with closing(sqlite3.connect(path)) as conn:
        row = conn.execute("SELECT v FROM case_search_config WHERE k = 'automerge'").fetchone()
        return None if row is None else int(row[0])


def _indexes_of_fresh_database(path: Path) -> dict[str, str]:
    from db import open_database

    open_database(path).conn.close()
    return _indexes(path)


def test_bulk_load_keeps_the_same_data_and_indexes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bulk-loaded import stores what a row-by-row one does; its indexes are all back."""
    from db import open_database

    source = tmp_path / "lapor.csv"
    _write_file(source)
    stored = []
    for bulk in ("1", str(10 * ROWS)):
        monkeypatch.setenv("DESK_IMPORT_BULK_MIN", bulk)
        path = tmp_path / f"desk-{bulk}.db"
        database = open_database(path)
        summary = import_files(database, [source], ImportOptions(chunk_size=5_000), actor=None)
        assert summary.total("inserted") == ROWS
        assert _indexes(path) == _indexes_of_fresh_database(tmp_path / "fresh.db")
        assert _search_automerge(path) in (None, 4)  # merging as usual after the load
        stored.append(
            [
                database.execute(
                    "SELECT tracking_no, title, status, due_at, received_at FROM cases ORDER BY id"
                ).fetchall(),
                database.execute("SELECT case_id, kind, at FROM events ORDER BY id").fetchall(),
                database.execute(
                    "SELECT rowid FROM case_search WHERE case_search MATCH 'baik' ORDER BY rowid"
                ).fetchall(),
            ]
        )
        database.conn.close()
    assert stored[0] == stored[1]


def test_open_leaves_a_live_bulk_load_alone(tmp_path: Path) -> None:
    """While the process that dropped the indexes runs, opening the database does not build
    them under it; once it is gone, the next open does."""
    from db import open_database
    from db.bulk_load import MARKER, drop_indexes, missing_indexes

    path = tmp_path / "desk.db"
    database = open_database(path)
    names = drop_indexes(database)
    assert names and set(missing_indexes(database)) == set(names)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        database.execute(
            "UPDATE settings SET value = json_set(value, '$.pid', ?) WHERE key = ?",
            [sleeper.pid, MARKER],
        )
        database.conn.commit()
        assert set(missing_indexes(open_database(path))) == set(names)  # left to the loader
    finally:
        sleeper.kill()
        sleeper.wait()
    assert missing_indexes(open_database(path)) == {}
