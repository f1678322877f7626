"""Benchmark of `desk export` (issue 4): 1M cases to CSV, XLSX and JSON Lines.

    python bench/bench_export.py [--db bench/out/core.db] [--formats csv,xlsx,jsonl] [--query Q]

Each export is its own `desk export` process, timed as a whole (start-up included), with its
peak RSS read from the kernel when it ends (`os.wait4`). The database is bench/bench_core.py's
(`desk seed --cases 1000000`), made here only when it is missing. The load average of the
machine is printed before and after, since the figures depend on what else runs. Nothing here
is asserted: the figures go into bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
ADMIN_NIP = "198001012005011001"  # the seed's coordinating admin
console = Console()


def seed_if_missing(path: Path, cases: int) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    console.print(f"seeding {cases:,} cases into {path} ...")
    subprocess.run(
        [sys.executable, "-m", "desk.cli.main", "seed", "--cases", str(cases), "--db", str(path)],
        check=True,
        cwd=ROOT,
    )


def run_export(db: Path, target: Path, fmt: str, extra: list[str]) -> tuple[float, int, str]:
    """Seconds, peak RSS in MB and the summary line of one `desk export` process."""
    command = [
        sys.executable, "-m", "desk.cli.main", "--lang", "en", "export",
        "--db", str(db), "--as", ADMIN_NIP, "--format", fmt, "-o", str(target), *extra,
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as config:
        environment = {**os.environ, "DESK_CONFIG": str(Path(config) / "config.json")}
        start = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        # wait4 gives the rusage of this one child: its own peak RSS, not the largest so far.
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    out = process.stdout.read().decode() if process.stdout else ""
    err = process.stderr.read().decode() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"desk export --format {fmt} failed ({process.returncode}): {err}")
    return seconds, usage.ru_maxrss // 1024, out.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "core.db")
    parser.add_argument("--cases", type=int, default=1_000_000, help="when seeding")
    parser.add_argument("--formats", default="csv,xlsx,jsonl")
    parser.add_argument("--query", help="export only the cases of this search")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    seed_if_missing(args.db, args.cases)
    extra = ["--query", args.query] if args.query else []
    table = Table("format", "cases", "time", "cases/s", "peak RSS", "file size", "load (1 min)")
    for fmt in args.formats.split(","):
        target = args.out / f"export.{fmt}"
        load_before = os.getloadavg()[0]
        seconds, rss, summary = run_export(args.db, target, fmt, extra)
        load_after = os.getloadavg()[0]
        count = int(summary.split(" cases", 1)[0].replace(",", ""))
        table.add_row(
            fmt,
            f"{count:,}",
            f"{seconds:.1f} s",
            f"{count / seconds:,.0f}",
            f"{rss} MB",
            f"{target.stat().st_size / 1e6:,.0f} MB",
            f"{load_before:.2f} → {load_after:.2f}",
        )
        console.print(f"{fmt}: {seconds:.1f} s, {rss} MB — {summary}")
    console.print(table)


if __name__ == "__main__":
    main()
