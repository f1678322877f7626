"""Benchmark of `desk report` (issue 6) on the million-case database.

    python bench/bench_report.py [--db bench/out/core.db] [--repeat 3]
                                 [--periods 2026-11,2026-Q4,2026] [--no-baseline]

Reads `bench/out/core.db` (made by bench_core.py; upgraded to the current schema if it is older,
otherwise never written here: the report only creates temporary tables). For each period it
times `desk.metrics.compute_report` (median of --repeat runs) as `desk report` runs it (half
of a period longer than a month in a forked process, on a second core) and in one process, then each
output format rendered
from the computed report, then the whole command as a new process (`desk report -f json`). The
baseline is the obvious way to compute the same figures: read every case of the period with its
events in Python, row by row, and count working days with
`WorkingCalendar.working_days_between` per case. It computes only the cohort's figures
(received, followed up, medians; not the "now" figures, which the report also computes), and its
figures are compared with the report's so that the two are known to measure the same thing.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import open_database  # noqa: E402
from db.timefmt import from_text  # noqa: E402
from desk.clocks import calendar_for, office_time_zone  # noqa: E402
from desk.metrics import Report, compute_report, fork_pays, parse_period  # noqa: E402

NOW = "2026-11-29T05:00:00Z"  # pinned: the same "now" figures on every run


def timed(function: Any, repeat: int) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def render(report: Report, format_name: str) -> None:
    from desk.cli import report_cmd

    if format_name == "table":
        from rich.console import Console

        console = Console(file=io.StringIO(), width=200)
        saved = report_cmd.console
        report_cmd.console = console
        try:
            report_cmd._print_table(report, None)
        finally:
            report_cmd.console = saved
    elif format_name == "xlsx":
        from desk.report_xlsx import write_xlsx

        with tempfile.TemporaryDirectory() as folder:
            write_xlsx(report, Path(folder) / "r.xlsx")
    else:
        report_cmd._render(report, format_name)


def naive(path: Path, period_text: str, now: datetime) -> dict[str, Any]:
    """The baseline: every case and event through Python, working days per case by calendar."""
    database = open_database(path, migrate=False)
    office_tz = office_time_zone(database)
    period = parse_period(period_text, now.date())
    low, high = period.bounds(office_tz)
    zones = {code: tz for code, tz in database.execute("SELECT code, tz FROM units")}
    office_calendar = calendar_for(database, None)
    calendars = {code: calendar_for(database, code) for code in zones}
    received: dict[str, int] = defaultdict(int)
    followed: dict[str, int] = defaultdict(int)
    follow_hks: dict[str, list[int]] = defaultdict(list)
    verify_hks: list[int] = []

    def local(text: str, tz: str) -> date:
        return from_text(text).astimezone(ZoneInfo(tz)).date()

    def hk(calendar: Any, start: date, end: date) -> int:
        first = calendar.next_working_day(start)
        return max(0, calendar.working_days_between(first, calendar.next_working_day(end)))

    cases = database.execute(
        "SELECT id, unit_code, status, received_at FROM cases "
        "WHERE received_at >= ? AND received_at < ? ORDER BY received_at, id",
        [low, high],
    ).fetchall()
    for case_id, unit, status, received_at in cases:
        events = database.execute(
            "SELECT at, kind, from_status, to_status FROM events WHERE case_id = ? ORDER BY at, id",
            [case_id],
        ).fetchall()
        verified = next((at for at, kind, _f, _t in events if kind == "verify"), None)
        disposed = [at for at, kind, _f, _t in events if kind in ("verify", "dispose")]
        first_follow = next((at for at, kind, _f, _t in events if kind == "follow_up"), None)
        if verified is not None:
            days = hk(office_calendar, local(received_at, office_tz), local(verified, office_tz))
            paused, started = 0, None
            for at, _kind, old, new in events:
                if at > verified:
                    break
                if new in ("tunda", "diarsipkan") and old == "baru":
                    started = at
                elif old in ("tunda", "diarsipkan") and new == "baru" and started is not None:
                    paused += hk(office_calendar, local(started, office_tz), local(at, office_tz))
                    started = None
            verify_hks.append(max(0, days - paused))
        if status in ("terverifikasi", "diproses", "ditanggapi", "selesai") and unit in zones:
            received[unit] += 1
            if first_follow is not None and disposed:
                followed[unit] += 1
                tz = zones[unit]
                follow_hks[unit].append(
                    hk(calendars[unit], local(disposed[-1], tz), local(first_follow, tz))
                )
    database.conn.close()
    return {
        "cases": len(cases),
        "received": dict(received),
        "followed": dict(followed),
        "median_follow": {
            unit: statistics.median(values) for unit, values in follow_hks.items() if values
        },
        "median_verify": statistics.median(verify_hks) if verify_hks else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "core.db")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--periods", default="2026-11,2026-Q4,2026")
    parser.add_argument("--no-baseline", action="store_true")
    options = parser.parse_args()
    if not options.db.exists():
        sys.exit(f"{options.db} does not exist: run bench/bench_core.py first")
    now = from_text(NOW)
    # A database seeded by an older desk is upgraded once here (schema v6 folds every timeline
    # into case_clocks: seconds on a million cases), never inside a timed run.
    database = open_database(options.db)
    total = database.execute("SELECT count(*) FROM cases").fetchone()[0]
    events = database.execute("SELECT max(id) FROM events").fetchone()[0]
    print(f"database: {options.db} ({total:,} cases, ~{events:,} events); now = {NOW}")
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores, shared)")
    print()
    print(
        "| period | cases | compute (median) | one process | table | csv | json | html | xlsx "
        "| command (json) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    computed: list[tuple[str, float, Report]] = []
    for period_text in options.periods.split(","):
        period = parse_period(period_text, now.date())
        compute, report = timed(
            # As `desk report` computes: a long period half in a forked process.
            lambda period=period: compute_report(
                database, period, now=now, child_process=fork_pays(period)
            ),
            options.repeat,
        )
        alone, same = timed(
            lambda period=period: compute_report(database, period, now=now), options.repeat
        )
        assert same.as_dict() == report.as_dict(), "one process and two disagree"
        computed.append((period_text, compute, report))
        formats = {
            name: timed(lambda name=name, report=report: render(report, name), options.repeat)[0]
            for name in ("table", "csv", "json", "html", "xlsx")
        }
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "desk.cli.main",
                "report",
                "--db",
                str(options.db),
                "-p",
                period_text,
                "-f",
                "json",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "DESK_REPORT_NOW": NOW},
            cwd=ROOT,
        )
        command = time.perf_counter() - started
        print(
            f"| {period_text} | {report.office.received:,} | {compute:.2f} s | {alone:.2f} s | "
            + " | ".join(f"{formats[name] * 1000:.0f} ms" for name in formats)
            + f" | {command:.2f} s |"
        )
    if options.no_baseline:
        return
    print()
    print("| period | report (compute) | baseline: Python row by row | ratio | same figures |")
    print("|---|---|---|---|---|")
    for period_text, compute, report in computed:
        started = time.perf_counter()
        baseline = naive(options.db, period_text, now)
        seconds = time.perf_counter() - started
        mismatches = []
        for row in report.units:
            expected = (
                baseline["received"].get(row.code, 0),
                baseline["followed"].get(row.code, 0),
                baseline["median_follow"].get(row.code),
            )
            got = (row.received, row.followed_up, row.median_follow_up_hk)
            if expected != got:
                mismatches.append(f"{row.code}: report {got}, baseline {expected}")
        if report.office.median_verify_hk != baseline["median_verify"]:
            mismatches.append(
                f"median HK to verify: report {report.office.median_verify_hk}, "
                f"baseline {baseline['median_verify']}"
            )
        same = "yes" if not mismatches else "NO: " + "; ".join(mismatches[:3])
        print(
            f"| {period_text} | {compute:.2f} s | {seconds:.2f} s | {seconds / compute:.1f}× | "
            f"{same} |"
        )


if __name__ == "__main__":
    main()
