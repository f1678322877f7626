"""Convergence at a larger size (issue 14): the property test of tests/test_convergence.py with
more desks, more cases, more actions and more rounds.

    .venv/bin/python bench/bench_convergence.py [--seed 1] [--seeds 1] [--rounds 20]
        [--unit-offices 4] [--cases 60] [--new 40] [--actions 6] [--central 6]
        [--suite-size] [--shrink] [--story] [--keep DIR] [--set NAME=VALUE]...

Each seed is one world (tests/sync_world.py): a real central server on 127.0.0.1, one
coordinating desk and up to four unit desks, `--rounds` rounds of random offline actions on
every desk (up to `--actions` each) and on the central side (up to `--central`: notes,
follow-ups, closes, re-dispositions between offices, new reports, officers disabled and
enabled), each desk then syncing (or not) through random faults: page and batch sizes, cut
responses, lost acknowledgements, reset connections, links that cut every connection after a
few KB, kills, officers acting during the sync, central changes between the pages of a pull.
Then every desk syncs until the whole world is quiet, conflicts resolved as an officer would,
and the invariant of tests/sync_world.py is checked.

It prints what each world did (actions, syncs, kills, conflicts, where the typed texts ended)
and whether it converged; on a failure, what diverged. `--suite-size` runs the size the test
suite uses, to replay a seed the suite reported. `--shrink` looks, for each failing seed, for
the fewest rounds that still fail (the first k rounds of a run are the same whatever the
number of rounds) and prints that run's story. Exit status 1 when a world did not converge.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.sync_world import Size, World, converge  # noqa: E402

SUITE = {"unit_offices": 3, "seeded_cases": 16, "new_reports": 14, "rounds": 5}


def size_of(args: argparse.Namespace, rounds: int | None = None) -> Size:
    if args.suite_size:
        values = dict(SUITE)
        if args.rounds_given:
            values["rounds"] = args.rounds
    else:
        values = {
            "unit_offices": args.unit_offices,
            "seeded_cases": args.cases,
            "new_reports": args.new,
            "rounds": args.rounds,
            "desk_actions": args.actions,
            "central_actions": args.central,
        }
    if rounds is not None:
        values["rounds"] = rounds
    for setting in args.set or []:
        name, _, text = setting.partition("=")
        kind = type(getattr(Size(), name))
        values[name] = kind(text)
    return Size(**values)


def run(seed: int, size: Size, keep: Path | None) -> tuple[list[str], World, float]:
    started = time.monotonic()
    if keep is not None:
        folder = keep / f"seed-{seed}"
        if folder.exists():
            raise SystemExit(f"{folder} exists; choose another --keep folder")
        problems, world = converge(folder, seed, size)
    else:
        with tempfile.TemporaryDirectory(prefix="desk-convergence-") as folder_name:
            problems, world = converge(Path(folder_name), seed, size)
    return problems, world, time.monotonic() - started


def shrink(seed: int, args: argparse.Namespace, failing_rounds: int) -> None:
    """The fewest rounds of this seed's run that still fail."""
    for rounds in range(0, failing_rounds):
        problems, world, seconds = run(seed, size_of(args, rounds), None)
        print(f"  {rounds} rounds: {len(problems)} problems ({seconds:.1f} s)")
        if problems:
            print(f"  smallest failing run: seed {seed}, {rounds} rounds")
            for line in problems:
                print(f"    {line}")
            print("  its story:")
            print("    " + world.story(10_000).replace("\n", "\n    "))
            return
    print(f"  smallest failing run: seed {seed}, {failing_rounds} rounds (the one above)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="the first seed")
    parser.add_argument("--seeds", type=int, default=1, help="how many seeds, from --seed on")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--unit-offices", type=int, default=4, choices=range(1, 5))
    parser.add_argument("--cases", type=int, default=60, help="seeded (mostly closed) cases")
    parser.add_argument("--new", type=int, default=40, help="fresh unverified reports")
    parser.add_argument("--actions", type=int, default=6, help="at most, per desk per round")
    parser.add_argument("--central", type=int, default=6, help="at most, per round")
    parser.add_argument("--suite-size", action="store_true", help="the test suite's size")
    parser.add_argument("--shrink", action="store_true", help="fewest failing rounds")
    parser.add_argument("--story", action="store_true", help="print every world's story")
    parser.add_argument("--keep", type=Path, help="keep the databases under this folder")
    parser.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="any field of tests/sync_world.py's Size, e.g. fault_rate=0.9 epoch_chance=0.1",
    )
    args = parser.parse_args()
    args.rounds_given = "--rounds" in sys.argv

    failed = []
    total = 0.0
    for seed in range(args.seed, args.seed + args.seeds):
        size = size_of(args)
        problems, world, seconds = run(seed, size, args.keep)
        total += seconds
        desks = ", ".join(f"{d.name} ({'/'.join(d.units) or 'all units'})" for d in world.desks)
        print(
            f"seed {seed}: {size.rounds} rounds, desks {desks}, {seconds:.1f} s\n"
            f"  {world.stats.line()}"
        )
        if args.story:
            print("  " + world.story(10_000).replace("\n", "\n  "))
        if problems:
            failed.append(seed)
            print(f"  DID NOT CONVERGE: {len(problems)} problems")
            for line in problems[:60]:
                print(f"    {line}")
            if args.shrink:
                shrink(seed, args, size.rounds)
        else:
            print("  converged: every desk equals the central system for its scope")
    count = args.seeds
    print(
        f"{count - len(failed)} of {count} worlds converged in {total:.1f} s"
        + (f"; failed seeds: {', '.join(map(str, failed))}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
