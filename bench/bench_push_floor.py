"""What one pushed op costs each part, without HTTP: the floor under the push figures (issue 17).

    .venv/bin/python bench/bench_push_floor.py [--cases 3000] [--pushes 100]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres]

bench_central.py measures the central servers through HTTP with the load on the same two CPUs.
This one takes HTTP away and asks, in one process, back to back, on copies of one province:

1. the SQLite store: `SqliteStore.apply_ops` with batches of 20 notes (one office, cases of
   its unit); ops a second and the CPU of this process per op, which is all the work;
2. the PostgreSQL store: `PgStore.apply_ops` with the same batches; ops a second, the CPU of
   this process per op (the server's Python: the shared rules and psycopg) and the CPU of
   PostgreSQL's processes per op (read from /proc);
3. PostgreSQL's cost of writing a note: only the statement the store writes one with (its
   case's update and its event in one statement, with the change log's and case_versions'
   triggers), 20 a transaction, nothing judged, claimed or audited: CPU per op of both sides;
4. the same 20 notes written in one statement (20 distinct cases), as a store writing a push's
   actions together would.

Then what these give on this machine: 1.5× the SQLite store (one process, so one CPU) leaves
the PostgreSQL store CPUs / 1.5 times the SQLite store's CPU per op; beside it, what the
PostgreSQL store spends per op on everything but its writes, and on its writes.
Nothing is asserted: the figures go into bench/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import psycopg  # noqa: E402
from bench_central import build_province, note_batches, postgresql_copy  # noqa: E402

from db.timefmt import utc_now  # noqa: E402
from desk.central.files import FileLimits  # noqa: E402
from desk.central.store_api import open_store  # noqa: E402
from desk.services import EVENT_ROW  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
WARM_UP = 5  # pushes before the clock starts (connections, prepared statements)


def postgresql_cpu() -> float:
    """CPU seconds used so far by PostgreSQL's processes on this machine."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if not (entry / "cmdline").read_bytes().startswith(b"postgres"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICKS


class Figure:
    """Ops a second and CPU microseconds per op, in this process and in PostgreSQL."""

    def __init__(self, label: str, ops: int, wall: float, here: float, postgres: float) -> None:
        self.label = label
        self.rate = ops / wall
        self.here = here / ops * 1e6
        self.postgres = postgres / ops * 1e6

    def line(self) -> str:
        return (
            f"| {self.label} | {self.rate:,.0f} | {self.here:.0f} | {self.postgres:.0f} | "
            f"{self.here + self.postgres:.0f} |"
        )


def timed(label: str, run: Any, ops: int) -> Figure:
    wall, here, postgres = time.perf_counter(), time.process_time(), postgresql_cpu()
    run()
    return Figure(
        label,
        ops,
        time.perf_counter() - wall,
        time.process_time() - here,
        postgresql_cpu() - postgres,
    )


def store_pushes(location: str | Path, files: Path, office: Any, pushes: int) -> Figure:
    store = open_store(location, files=files)
    try:
        admitted = store.authenticate(office.token)
        assert admitted is not None, "the province's office"
        batches = note_batches(office, "floor")
        limits = FileLimits()

        def push(count: int) -> None:
            for batch in itertools.islice(batches, count):
                ids = frozenset(op["id"] for op in batch)
                answers = store.apply_ops(admitted, batch, utc_now, ids, limits)
                assert all(answer["r"] == "applied" for answer in answers), answers

        push(WARM_UP)
        label = "SQLite store" if store.kind == "sqlite" else "PostgreSQL store"
        return timed(label, lambda: push(pushes), pushes * 20)
    finally:
        store.close()


def note_writes(dsn: str, unit: str, pushes: int) -> Figure:
    """Only the write of each note: `PgOps.write_plan`'s statement, 20 a transaction."""
    columns = ", ".join(EVENT_ROW)
    values = {
        "case_id": "%(id)s",
        "at": "%(at)s",
        "actor_kind": "'officer'",
        "kind": "'note'",
        "visibility": "'internal'",
        "body": "%(body)s",
        "uid": "%(uid)s",
    }
    selected = ", ".join(values.get(name, "NULL") for name in EVENT_ROW)
    statement = (
        "WITH updated AS (UPDATE cases SET updated_at = %(at)s, version = version + 1 "
        "WHERE id = %(id)s RETURNING *), appended AS (INSERT INTO events "
        f"({columns}) SELECT {selected} FROM updated RETURNING id) "
        "SELECT updated.*, appended.id AS appended_event_id FROM updated, appended"
    )
    with psycopg.connect(dsn) as conn:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM cases WHERE unit_code = %s ORDER BY id LIMIT 200", [unit]
            )
        ]
        conn.commit()
        counter = itertools.count()

        def write(count: int) -> None:
            for _ in range(count):
                for _ in range(20):
                    number = next(counter)
                    conn.execute(
                        statement,
                        {
                            "id": ids[number % len(ids)],
                            "at": "2026-12-04T00:00:00Z",
                            "body": f"floor {number}",
                            "uid": f"floor-{number}",
                        },
                    ).fetchone()
                conn.commit()

        write(WARM_UP)
        return timed("PostgreSQL, the note's write alone", lambda: write(pushes), pushes * 20)


def note_waves(dsn: str, unit: str, pushes: int) -> Figure:
    """The 20 notes of a push written in one statement (20 distinct cases): what a store that
    wrote a push's actions together, rather than one statement each, would pay."""
    statement = (
        "WITH wave AS (SELECT * FROM unnest(%(ids)s::bigint[], %(versions)s::bigint[], "
        "%(bodies)s::text[], %(uids)s::text[]) WITH ORDINALITY AS w (id, expected, body, uid, "
        "place)), updated AS (UPDATE cases SET updated_at = %(at)s, version = wave.expected + 1 "
        "FROM wave WHERE cases.id = wave.id AND cases.version = wave.expected "
        "RETURNING cases.id, cases.version), appended AS (INSERT INTO events (case_id, at, "
        "actor_kind, kind, visibility, body, uid) SELECT wave.id, %(at)s, 'officer', 'note', "
        "'internal', wave.body, wave.uid FROM wave JOIN updated ON updated.id = wave.id "
        "ORDER BY wave.place RETURNING id, case_id) "
        "SELECT updated.id, updated.version, appended.id AS event_id "
        "FROM updated JOIN appended ON appended.case_id = updated.id"
    )
    with psycopg.connect(dsn) as conn:
        versions: dict[int, int] = dict(
            conn.execute(
                "SELECT id, version FROM cases WHERE unit_code = %s ORDER BY id LIMIT 200", [unit]
            ).fetchall()
        )
        conn.commit()
        ids = list(versions)
        counter = itertools.count()

        def write(count: int) -> None:
            for _ in range(count):
                start = next(counter) * 20 % (len(ids) - 19)
                wave = ids[start : start + 20]
                numbers = [f"{start}-{next(counter)}" for _ in wave]
                rows = conn.execute(
                    statement,
                    {
                        "ids": wave,
                        "versions": [versions[case] for case in wave],
                        "bodies": [f"floor {n}" for n in numbers],
                        "uids": [f"wave-{n}" for n in numbers],
                        "at": "2026-12-04T00:00:00Z",
                    },
                ).fetchall()
                assert len(rows) == len(wave), "every case at the version read"
                versions.update((case, version) for case, version, _ in rows)
                conn.commit()

        write(WARM_UP)
        return timed(
            "PostgreSQL, the 20 notes' writes in one statement", lambda: write(pushes), pushes * 20
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--pushes", type=int, default=100)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-push-floor-") as folder:
        path, offices = build_province(Path(folder), args.cases, 10)
        office = offices[0]
        with sqlite3.connect(path) as raw:
            office.cases = raw.execute(
                "SELECT local_id, version FROM cases WHERE unit_code = ? ORDER BY id LIMIT 200",
                [office.unit],
            ).fetchall()
        files = Path(folder) / "files"
        with postgresql_copy(path, args.pg) as dsn:
            figures = [
                store_pushes(path, files, office, args.pushes),
                store_pushes(dsn, files, office, args.pushes),
                note_writes(dsn, office.unit, args.pushes),
                note_waves(dsn, office.unit, args.pushes),
            ]
    cpus = os.cpu_count() or 1
    print(f"{args.pushes} pushes of 20 notes, one office, no HTTP, {cpus} CPUs")
    print("| | ops / s | CPU µs / op here | CPU µs / op PostgreSQL | CPU µs / op in all |")
    print("|---|---|---|---|---|")
    for figure in figures:
        print(figure.line())
    sqlite_store, pg_store, write, wave = figures
    budget = cpus / 1.5 * sqlite_store.here
    print(
        f"The SQLite store uses one CPU: at most {1e6 / sqlite_store.here:,.0f} ops / s. "
        f"1.5× that on {cpus} CPUs leaves the PostgreSQL store {budget:.0f} µs of CPU per op."
    )
    rest = (pg_store.here - write.here) + (pg_store.postgres - write.postgres)
    print(
        f"The PostgreSQL store spends {rest:.0f} µs per op on everything but its writes "
        f"(the rules, claims, answers, audit, commit), and {write.here + write.postgres:.0f} "
        f"on its writes; written together they would cost {wave.here + wave.postgres:.0f}."
    )


if __name__ == "__main__":
    main()
