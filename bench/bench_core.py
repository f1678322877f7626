"""Benchmark of the core (issue 2): seed, size, inbox pages, view counts and full-text search.

    python bench/bench_core.py [--cases 1000000] [--db bench/out/core.db] [--reuse]

Seeds a database with `desk seed` (timed as a whole process, start-up included), then times
each query many times on it and prints the median and the 95th percentile next to the target
the issue names. Nothing here is asserted: the figures go into bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from db import open_database
from db.inbox import CaseFilter, count_cases, fetch_page, key_of
from desk.services import load_actor
from desk.views import VIEW_CODES, view_filter

ROOT = Path(__file__).resolve().parent.parent
console = Console()


def timed(run: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds, after one warm-up run."""
    run()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def seed(path: Path, cases: int) -> float:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "desk.cli.main", "seed", "--cases", str(cases), "--db", str(path)],
        check=True,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "core.db")
    parser.add_argument("--reuse", action="store_true", help="time queries on an existing db")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    rows: list[tuple[str, str, str, str]] = []
    if not args.reuse:
        seconds = seed(args.db, args.cases)
        rows.append(
            (
                f"seed {args.cases:,} cases (desk seed, whole process)",
                f"{seconds:.1f} s",
                "",
                "≤ 90 s",
            )
        )
    size = sum(
        Path(f"{args.db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{args.db}{s}").exists()
    )
    rows.append(("database size", f"{size / 1_048_576:,.0f} MB", "", ""))

    database = open_database(args.db)
    total = count_cases(database, CaseFilter())
    now = datetime.now(UTC)
    admin_nip = database.execute("SELECT nip FROM officers WHERE role = 'admin' LIMIT 1").fetchone()
    admin = load_actor(database, admin_nip[0])

    for order in ("due", "received", "updated"):
        column = {"due": "due_sort", "received": "received_at", "updated": "updated_at"}[order]
        direction = "ASC" if order == "due" else "DESC"
        middle_row = database.execute(
            f"SELECT {column}, id FROM cases ORDER BY {column} {direction}, id {direction} "
            f"LIMIT 1 OFFSET ?",
            [total // 2],
        ).fetchone()
        middle = key_of({column: middle_row[0], "id": middle_row[1]}, order)
        for where, run in (
            ("start", lambda o=order: fetch_page(database, CaseFilter(), o, limit=50)),
            (
                "middle",
                lambda o=order, k=middle: fetch_page(database, CaseFilter(), o, after=k, limit=50),
            ),
            ("end", lambda o=order: fetch_page(database, CaseFilter(), o, from_end=True, limit=50)),
        ):
            median, p95 = timed(run, args.repeat)
            rows.append(
                (
                    f"inbox page of 50, order {order}, {where}",
                    f"{median:.2f} ms",
                    f"{p95:.2f} ms",
                    "< 5 ms",
                )
            )
    for code in VIEW_CODES:
        case_filter = view_filter(code, admin, now)
        median, p95 = timed(
            lambda f=case_filter: fetch_page(database, f, "due", limit=50), args.repeat
        )
        rows.append((f"view '{code}': first page", f"{median:.2f} ms", f"{p95:.2f} ms", "< 5 ms"))
        count = count_cases(database, case_filter)
        median, p95 = timed(
            lambda f=case_filter: count_cases(database, f), max(5, args.repeat // 5)
        )
        rows.append((f"view '{code}': count ({count:,})", f"{median:.1f} ms", f"{p95:.1f} ms", ""))
    for words, extra in (
        ("jalan", {}),
        ("diperbaiki", {}),
        ("jalan rusak", {}),
        ("sampah menumpuk", {}),
        ("puskesmas", {"statuses": ("baru",)}),
        ("banjir", {"channel": "sms"}),
        ("xyzzy", {}),
    ):
        search = CaseFilter(words=words, **extra)
        median, p95 = timed(lambda f=search: fetch_page(database, f, "due", limit=50), args.repeat)
        label = f"search '{words}'" + (f" + {extra}" if extra else "") + ": first page"
        rows.append((label, f"{median:.1f} ms", f"{p95:.1f} ms", "< 50 ms"))
        median, p95 = timed(lambda f=search: count_cases(database, f), max(5, args.repeat // 5))
        rows.append(
            (
                f"search '{words}': count ({count_cases(database, search):,})",
                f"{median:.1f} ms",
                f"{p95:.1f} ms",
                "< 50 ms",
            )
        )

    table = Table(title=f"desk core benchmark: {total:,} cases, {args.db}")
    for column in ("measure", "median", "p95", "target"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


if __name__ == "__main__":
    main()
