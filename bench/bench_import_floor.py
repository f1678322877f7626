"""Import floor (issue 4): what writing the imported rows costs SQLite alone, with no importer.

    python bench/bench_import_floor.py [--rows 200000] [--out bench/out/import]

The import targets compare `desk import` with `sqlite3 .import` and `sqlite-utils insert
--csv`. This measures the part of an import that no importer can avoid: SQLite writing the rows
that `desk import` writes (cases, reporters, the two timeline events per row, the stemmed search
rows), into the same schema, with the same bulk-load settings (secondary indexes dropped and
built at the end, search triggers dropped, search merging paused, chunks of 5,000 rows per
transaction, search index merged at the end). On the same N-row CSV as bench_import.py, back to
back in one run:

1. `desk import` of the file (the real command), whose written rows are then copied into plain
   tables of a staging file (not timed);
2. those rows written into a fresh database by `executemany` from Python lists already in
   memory (no reading, no validation: only binding the values and SQLite's own work);
3. the same rows written by `INSERT ... SELECT` from the attached staging file: SQLite alone,
   no Python per row at all — the floor of any importer, in any language, on this schema;
4. `sqlite3 .import` and `sqlite-utils insert --csv` of the same file (the issue's baselines).

Prints each step's µs per row and the rows/s of each line next to the targets.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_import import dot_import, fresh, run_with_rss, sqlite_utils_insert  # noqa: E402
from db import bulk_load, open_database  # noqa: E402
from db.case_clocks import INSERT_TRIGGER, clock_trigger  # noqa: E402
from db.case_columns import CASE_COLUMNS  # noqa: E402
from db.search_index import merge_search_index, search_triggers  # noqa: E402
from desk.importing.stems import stem_text  # noqa: E402
from desk.importing.upsert import INSERT_CASE, INSERT_EVENT, INSERT_REPORTER  # noqa: E402

CHUNK = 5_000
INSERT_SEARCH = "INSERT INTO case_search (rowid, title, body) VALUES (?, ?, ?)"
EVENT_COLUMNS = (
    "case_id, at, actor_kind, actor_nip, kind, visibility, from_status, to_status, unit_code, "
    "body, data"
)
REPORTER_COLUMNS = "case_id, name, nik, phone, email, address"
# table -> (columns read from the imported database, INSERT of the importer)
TABLES = {
    "cases": (", ".join(CASE_COLUMNS), INSERT_CASE),
    "reporters": (REPORTER_COLUMNS, INSERT_REPORTER),
    "events": (EVENT_COLUMNS, INSERT_EVENT),
    "case_search": ("rowid, title, body", INSERT_SEARCH),
}


def stage(imported: Path, staging: Path) -> int:
    """Copy the rows the import wrote into plain tables of `staging`; return the case count."""
    fresh(staging)
    conn = sqlite3.connect(staging, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute(f"ATTACH '{imported}' AS imported")
    conn.execute("BEGIN")
    for table in ("cases", "reporters", "events"):
        columns = TABLES[table][0]
        conn.execute(
            f"CREATE TABLE {table} AS SELECT {columns} FROM imported.{table} "
            f"ORDER BY {'id' if table != 'reporters' else 'case_id'}"
        )
    conn.execute("CREATE TABLE units AS SELECT * FROM imported.units")
    conn.execute("CREATE TABLE case_search (rowid_ INTEGER, title TEXT, body TEXT)")
    conn.executemany(
        "INSERT INTO case_search VALUES (?, ?, ?)",
        (
            (case_id, stem_text(title), stem_text(body))
            for case_id, title, body in conn.execute(
                "SELECT id, title, body FROM cases ORDER BY id"
            ).fetchall()
        ),
    )
    for table, key in (
        ("cases", "id"),
        ("reporters", "case_id"),
        ("events", "case_id"),
        ("case_search", "rowid_"),
    ):
        conn.execute(f"CREATE INDEX {table}_key ON {table}({key})")
    conn.execute("COMMIT")
    count = int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    conn.close()
    return count


Writer = Callable[[sqlite3.Connection, str, int, int], None]


def write_all(target: Path, staging: Path, rows: int, write: Writer) -> dict[str, float]:
    """Write every staged row into a fresh desk database as a bulk import does; step seconds."""
    database = open_database(fresh(target))
    conn = database.conn
    conn.execute(f"ATTACH '{staging}' AS staged")
    with conn:
        conn.execute("INSERT OR IGNORE INTO units SELECT * FROM staged.units")
    conn.execute("PRAGMA wal_autocheckpoint = 50000")  # as desk import does
    triggers = search_triggers(database)
    clock = clock_trigger(database)
    assert triggers is not None and clock is not None
    steps: dict[str, float] = dict.fromkeys([*TABLES, "commit", "indexes", "merge"], 0.0)
    started = time.perf_counter()
    bulk_load.drop_indexes(database)
    for first in range(1, rows + 1, CHUNK):
        conn.execute("BEGIN IMMEDIATE")
        for name in (*triggers, INSERT_TRIGGER):
            conn.execute(f"DROP TRIGGER {name}")
        for table in TABLES:
            begun = time.perf_counter()
            write(conn, table, first, first + CHUNK)
            steps[table] += time.perf_counter() - begun
        for sql in (*triggers.values(), clock):
            conn.execute(sql)
        begun = time.perf_counter()
        conn.execute("COMMIT")
        steps["commit"] += time.perf_counter() - begun
    begun = time.perf_counter()
    bulk_load.restore_indexes(database, force=True)
    steps["indexes"] = time.perf_counter() - begun
    begun = time.perf_counter()
    merge_search_index(database)
    steps["merge"] = time.perf_counter() - begun
    steps["total"] = time.perf_counter() - started
    conn.close()
    return steps


def _key(table: str) -> str:
    return {"cases": "id", "case_search": "rowid_"}.get(table, "case_id")


def sql_writer(conn: sqlite3.Connection, table: str, first: int, end: int) -> None:
    """SQLite alone: INSERT ... SELECT from the staging file."""
    columns = TABLES[table][0]
    key = _key(table)
    select = "rowid_, title, body" if table == "case_search" else columns
    conn.execute(
        f"INSERT INTO {table} ({columns}) SELECT {select} FROM staged.{table} "
        f"WHERE {key} >= ? AND {key} < ? ORDER BY {key}",
        [first, end],
    )


def python_writer(staging: Path, rows: int) -> Writer:
    """`executemany` of rows already in memory: every chunk is read before the timing starts."""
    conn = sqlite3.connect(staging)
    loaded: dict[tuple[str, int], list[tuple[object, ...]]] = {}
    for table in TABLES:
        select = "rowid_, title, body" if table == "case_search" else TABLES[table][0]
        key = _key(table)
        for first in range(1, rows + 1, CHUNK):
            loaded[(table, first)] = conn.execute(
                f"SELECT {select} FROM {table} WHERE {key} >= ? AND {key} < ? ORDER BY {key}",
                [first, first + CHUNK],
            ).fetchall()
    conn.close()

    def write(target: sqlite3.Connection, table: str, first: int, end: int) -> None:
        target.executemany(TABLES[table][1], loaded.pop((table, first)))

    return write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "import")
    arguments = parser.parse_args()
    out: Path = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    source = out / f"lapor-{arguments.rows}.csv"
    if not source.exists():
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "bench_import.py"),
                "--rows",
                str(arguments.rows),
                "--make-only",
                str(source),
            ],
            check=True,
        )
    bin_dir = Path(sys.executable).parent
    lines: list[tuple[str, float, str]] = []

    imported = fresh(out / "floor-import.db")
    load = os.getloadavg()[0]
    seconds, _, _, stderr, status = run_with_rss(
        [str(bin_dir / "desk"), "import", str(source), "--db", str(imported), "--json"],
        env={**os.environ, "DESK_CONFIG": str(out / "config.json")},
    )
    if status not in (0, 1):
        sys.exit(f"desk import failed ({status}): {stderr.decode()[-2000:]}")
    lines.append(("desk import (the real command)", seconds, f"load {load:.2f}"))
    staging = out / "floor-staged.db"
    rows = stage(imported, staging)

    write = python_writer(staging, rows)
    load = os.getloadavg()[0]
    by_python = write_all(out / "floor-python.db", staging, rows, write)
    lines.append(("rows written by executemany", by_python["total"], f"load {load:.2f}"))
    load = os.getloadavg()[0]
    by_sqlite = write_all(out / "floor-sqlite.db", staging, rows, sql_writer)
    lines.append(("rows written by SQLite alone", by_sqlite["total"], f"load {load:.2f}"))

    load = os.getloadavg()[0]
    seconds, _ = dot_import(source, fresh(out / "floor.db"))
    lines.append(("sqlite3 .import", seconds, f"load {load:.2f}"))
    dot_import_rate = rows / seconds
    load = os.getloadavg()[0]
    seconds, _ = sqlite_utils_insert(source, fresh(out / "sqlite-utils.db"))
    lines.append(("sqlite-utils insert --csv", seconds, f"load {load:.2f}"))
    sqlite_utils_rate = rows / seconds

    print(f"\n{rows:,} rows of {source.name}")
    print(f"{'step (µs per row)':<16}{'executemany':>14}{'SQLite alone':>14}")
    for step in (*TABLES, "commit", "indexes", "merge", "total"):
        print(
            f"{step:<16}{by_python[step] / rows * 1e6:>14.1f}{by_sqlite[step] / rows * 1e6:>14.1f}"
        )
    print(f"\n{'':<34}{'seconds':>9}{'rows/s':>10}")
    for name, seconds, note in lines:
        print(f"{name:<34}{seconds:>9.1f}{rows / seconds:>10,.0f}  {note}")
    print(
        f"\ntargets: half of .import = {dot_import_rate / 2:,.0f} rows/s; "
        f"3x sqlite-utils = {3 * sqlite_utils_rate:,.0f} rows/s"
    )


if __name__ == "__main__":
    main()
