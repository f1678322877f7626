"""How long `desk` takes to start (issue 16): `desk --help` and `desk case show N` on a small
seeded database, beside `python -c 'import typer'` (the floor any Typer CLI pays).

    .venv/bin/python bench/bench_cli_start.py [--runs 21] [--before DIR] [--no-bytecode]

Each command runs `--runs` times as a fresh process; the median wall time is printed. A table
for bench/README.md comes out at the end. `--before DIR` also times the desk commands with DIR
first on PYTHONPATH (a copy of `desk/` and `db/` as they were before a change), the two
versions' runs taking turns so that the machine's load weighs on both alike.

Bytecode: the commands run as an installed desk does, from cached bytecode (written by the
warm-up run to a folder of the temporary directory, `PYTHONPYCACHEPREFIX`); a
`PYTHONDONTWRITEBYTECODE` in the caller's environment would otherwise have every run compile
desk's modules from source again (~0.05 s). `--no-bytecode` measures that case.
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


def median_seconds(
    commands: dict[str, tuple[list[str], dict[str, str]]], runs: int
) -> dict[str, float]:
    """The median wall time of each command; one run of each in turn, `runs` times."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (command, env) in commands.items():
            started = time.perf_counter()
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(taken) for name, taken in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--before", type=Path, help="a copy of desk/ and db/ to compare with")
    parser.add_argument("--no-bytecode", action="store_true", help="compile from source each run")
    arguments = parser.parse_args()
    runs, before = arguments.runs, arguments.before
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "small.db"
        env = {**os.environ, "DESK_CONFIG": str(Path(folder) / "config.json")}
        env.pop("DESK_DB", None)
        if arguments.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "bytecode")
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
        desk_commands = {
            "desk --help": [DESK, "--help"],
            f"desk case show {number}": [DESK, "case", "show", number, "--db", str(database)],
        }
        commands = {"python -c 'import typer'": ([sys.executable, "-c", "import typer"], env)}
        for name, command in desk_commands.items():
            commands[name] = (command, env)
            if before is not None:
                old_env = {**env, "PYTHONPATH": str(before.resolve())}
                commands[f"{name} (before)"] = (command, old_env)
        for command, command_env in commands.values():  # warm the file cache and the bytecode
            subprocess.run(command, env=command_env, stdout=subprocess.DEVNULL, check=True)
        load_at_start = os.getloadavg()[0]
        results = median_seconds(commands, runs)
    floor = results["python -c 'import typer'"]
    print(
        f"median of {runs} runs, {os.cpu_count()} CPUs, "
        f"load {load_at_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, "
        + ("compiled from source each run" if arguments.no_bytecode else "cached bytecode")
    )
    print("| command | median start | over `import typer` |")
    print("|---|---|---|")
    for name, seconds in results.items():
        print(f"| `{name}` | {seconds:.3f} s | +{seconds - floor:.3f} s |")


if __name__ == "__main__":
    main()
