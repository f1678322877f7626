"""Import benchmark (issue 4): `desk import` next to `sqlite3 .import` and `sqlite-utils insert`.

    python bench/bench_import.py [--rows 1000000] [--out bench/out/import] [--reuse] [--again]

Writes one LAPOR!-style CSV (semicolons, Indonesian headers, dates as dd/mm/yyyy HH:MM, status
labels, instansi names, reporters) whose texts come from a small `desk seed` database (realistic
Indonesian complaints; each seeded case is reused with a new tracking number), then, back to back
and each as its own process on a fresh database:

1. `desk import FILE --db ... --json` (the real command: detection, validation, upsert, clocks,
   timeline, stemmed search index);
2. the `sqlite3` shell's `.import` into a plain table of the same columns (the floor);
3. `sqlite-utils insert --csv` (the library's own CLI) into a plain table.

Prints rows/s for each side by side and the peak RSS of each process (from wait4).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADERS = [
    "No. Tiket",
    "Judul Laporan",
    "Isi Laporan",
    "Tanggal Laporan",
    "Tanggal Kejadian",
    "Kategori",
    "Sub Kategori",
    "Klasifikasi",
    "Kanal",
    "Instansi",
    "Status",
    "Nama Pelapor",
    "NIK",
    "No. HP",
    "Email",
    "Anonim",
    "Rahasia",
    "Lokasi Kejadian",
]
STATUS_TEXT = {
    "baru": "Belum Terverifikasi",
    "tunda": "Ditunda",
    "terverifikasi": "Terdisposisi ke {unit}",
    "dikembalikan": "Bukan Wewenang",
    "diproses": "Ditindaklanjuti",
    "ditanggapi": "Ditanggapi Pelapor",
    "selesai": "Selesai",
    "diarsipkan": "Diarsipkan",
}
CLASSIFICATION_TEXT = {
    "pengaduan": "Pengaduan",
    "aspirasi": "Aspirasi",
    "permintaan_informasi": "Permintaan Informasi",
}


def make_csv(path: Path, rows: int) -> None:
    """The benchmark file: seeded complaints, reused with fresh tracking numbers."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from db import open_database
    from desk.seed import seed_database

    template_db = path.with_suffix(".templates.db")
    template_db.unlink(missing_ok=True)
    database = open_database(template_db)
    seed_database(database, min(rows, 20_000), seed=4, now=datetime(2026, 11, 1, tzinfo=UTC))
    wita = ZoneInfo("Asia/Makassar")
    templates = []
    for row in database.query(
        "SELECT c.*, u.name AS unit_name, r.name AS r_name, r.nik, r.phone, r.email "
        "FROM cases c LEFT JOIN units u ON u.code = c.unit_code "
        "LEFT JOIN reporters r ON r.case_id = c.id ORDER BY c.id"
    ):
        received = datetime.fromisoformat(row["received_at"].replace("Z", "+00:00"))
        incident = row["incident_date"]
        templates.append(
            [
                None,
                row["title"],
                row["body"],
                received.astimezone(wita).strftime("%d/%m/%Y %H:%M"),
                f"{incident[8:10]}-{incident[5:7]}-{incident[:4]}" if incident else "",
                row["category"] or "",
                row["subcategory"] or "",
                CLASSIFICATION_TEXT[row["classification"]],
                row["channel"],
                row["unit_name"] or "",
                STATUS_TEXT[row["status"]].format(unit=row["unit_name"] or ""),
                row["r_name"] or "",
                row["nik"] or "",
                row["phone"] or "",
                row["email"] or "",
                "Ya" if row["anonymous"] else "Tidak",
                "Ya" if row["confidential"] else "Tidak",
                row["location"] or "",
            ]
        )
    database.conn.close()
    template_db.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{template_db}{suffix}").unlink(missing_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(HEADERS)
        for number in range(rows):
            row = templates[number % len(templates)]
            row[0] = str(8_000_000 + number)
            writer.writerow(row)


def _tree_rss(pid: int) -> int:
    """Resident memory (KB) of a process and its children (worker processes), now."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    pending.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_with_rss(
    command: list[str], env: dict[str, str] | None = None, stdin: bytes | None = None
) -> tuple[float, int, bytes, bytes, int]:
    """Run a process, return seconds, peak RSS in MB, stdout, stderr, exit status.

    The peak is the larger of the process's own (wait4) and the sum over it and its children
    sampled every 0.2 s (worker processes are not in the parent's wait4 figure).
    """
    import threading

    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.wait(0.2):
            peak_tree = max(peak_tree, _tree_rss(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    if stdin is not None:
        assert process.stdin is not None
        process.stdin.write(stdin)
        process.stdin.close()
    assert process.stdout is not None and process.stderr is not None
    stdout = process.stdout.read()
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    peak = max(usage.ru_maxrss, peak_tree) // 1024
    return seconds, peak, stdout, stderr, process.returncode


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def dot_import(source: Path, target: Path) -> tuple[float, int]:
    """The `sqlite3` shell's `.import` of `source` into a plain table: seconds, peak RSS (MB)."""
    columns = ", ".join(f'"{header}" TEXT' for header in HEADERS)
    script = (
        f"CREATE TABLE cases ({columns});\n.mode csv\n.separator ;\n"
        f".import --skip 1 '{source}' cases\n"
    ).encode()
    seconds, rss, _, stderr, status = run_with_rss(["sqlite3", str(target)], stdin=script)
    if status:
        sys.exit(f"sqlite3 failed: {stderr.decode()[-2000:]}")
    return seconds, rss


def sqlite_utils_insert(source: Path, target: Path) -> tuple[float, int]:
    """`sqlite-utils insert --csv` of `source` into a plain table: seconds, peak RSS (MB)."""
    command = [str(Path(sys.executable).parent / "sqlite-utils"), "insert", str(target), "cases"]
    seconds, rss, _, stderr, status = run_with_rss(
        [*command, str(source), "--csv", "--delimiter", ";"]
    )
    if status:
        sys.exit(f"sqlite-utils failed: {stderr.decode()[-2000:]}")
    return seconds, rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "import")
    parser.add_argument("--reuse", action="store_true", help="keep an existing CSV of that size")
    parser.add_argument("--skip", default="", help="comma-separated: desk,sqlite3,sqlite-utils")
    parser.add_argument(
        "--again",
        action="store_true",
        help="then import the same file into the same database again (all rows unchanged)",
    )
    parser.add_argument("--make-only", type=Path, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.make_only:
        make_csv(arguments.make_only, arguments.rows)
        return
    out: Path = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    source = out / f"lapor-{arguments.rows}.csv"
    if not (arguments.reuse and source.exists()):
        started = time.perf_counter()
        # In a child process: this one stays small, so its children's peak RSS is their own.
        subprocess.run(
            [sys.executable, __file__, "--rows", str(arguments.rows), "--make-only", str(source)],
            check=True,
        )
        print(
            f"wrote {source} ({source.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
    skip = set(filter(None, arguments.skip.split(",")))
    rows = arguments.rows
    results: list[tuple[str, float, int, str]] = []
    bin_dir = Path(sys.executable).parent

    if "desk" not in skip:
        target = fresh(out / "desk.db")
        environment = {**os.environ, "DESK_CONFIG": str(out / "config.json")}
        command = [
            str(bin_dir / "desk"),
            "import",
            str(source),
            "--db",
            str(target),
            "--json",
            "--errors",
            str(out / "desk-errors.csv"),
        ]
        runs = [("desk import", "validate, upsert, clocks, timeline, FTS")]
        if arguments.again:
            runs.append(("desk import again", "the same file again: all unchanged"))
        for name, what in runs:
            load = os.getloadavg()[0]
            seconds, rss, stdout, stderr, status = run_with_rss(command, env=environment)
            if status not in (0, 1):
                sys.exit(f"desk import failed ({status}): {stderr.decode()[-2000:]}")
            print(stdout.decode().strip()[:400], flush=True)
            results.append((name, seconds, rss, f"{what} (load {load:.2f})"))

    if "sqlite3" not in skip:
        load = os.getloadavg()[0]
        seconds, rss = dot_import(source, fresh(out / "floor.db"))
        results.append(
            ("sqlite3 .import", seconds, rss, f"plain table, no validation (load {load:.2f})")
        )

    if "sqlite-utils" not in skip:
        load = os.getloadavg()[0]
        seconds, rss = sqlite_utils_insert(source, fresh(out / "sqlite-utils.db"))
        results.append(
            (
                "sqlite-utils insert --csv",
                seconds,
                rss,
                f"plain table, no validation (load {load:.2f})",
            )
        )

    print(f"\n{rows:,} rows, {source.stat().st_size / 1e6:.0f} MB, load {os.getloadavg()[0]:.2f}")
    print(f"{'tool':<28}{'seconds':>10}{'rows/s':>12}{'peak RSS':>12}  what it does")
    for name, seconds, rss, what in results:
        print(f"{name:<28}{seconds:>10.1f}{rows / seconds:>12,.0f}{rss:>9,} MB  {what}")


if __name__ == "__main__":
    main()
