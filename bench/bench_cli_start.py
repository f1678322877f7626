"""How long `desk` takes to start (issue 16): `desk --help` and `desk case show N` on a small
seeded database, beside `python -c 'import typer'` (the floor any Typer CLI pays).

    .venv/bin/python bench/bench_cli_start.py [--runs 21]

Each command runs `--runs` times as a fresh process; the median wall time is printed. A table
for bench/README.md comes out at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent
DESK = str(VENV_BIN / "desk")
ADMIN = "198001012005011001"  # the seed's coordinating admin


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "small.db"
        env = {**os.environ, "DESK_CONFIG": str(Path(folder) / "config.json")}
        env.pop("DESK_DB", None)
        subprocess.run(
            [DESK, "seed", "--cases", "200", "--db", str(database)],
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
        listed = subprocess.run(
            [DESK, "case", "list", "--db", str(database), "--as", ADMIN, "--limit", "1", "--json"],
            env=env,
            capture_output=True,
            check=True,
            text=True,
        )
        import json

        number = json.loads(listed.stdout)[0]["tracking_no"]
        commands = {
            "python -c 'import typer'": [sys.executable, "-c", "import typer"],
            "desk --help": [DESK, "--help"],
            f"desk case show {number}": [DESK, "case", "show", number, "--db", str(database)],
        }
        for command in commands.values():  # warm the file cache and the bytecode
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        results = {name: median_seconds(command, runs, env) for name, command in commands.items()}
    floor = results["python -c 'import typer'"]
    print(f"median of {runs} runs, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print("| command | median start | over `import typer` |")
    print("|---|---|---|")
    for name, seconds in results.items():
        print(f"| `{name}` | {seconds:.3f} s | +{seconds - floor:.3f} s |")


if __name__ == "__main__":
    main()
