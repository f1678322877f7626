"""A field office's week offline, synced over a bad link (issue 14: "tried as a field office").

    python bench/bench_field_office.py [--actions 500] [--central 2000] [--cases 4000]
                                       [--down 40000] [--up 20000] [--latency 0.3] [--cut 60000]

A real central server (desk/central, uvicorn on 127.0.0.1) is seeded with `--cases` cases and one
unit office. Its desk syncs once, then works a week offline: `--actions` officer actions (notes,
follow-ups, assignments, closes) by two officers of the unit. Meanwhile the central side makes
`--central` changes on the unit's cases (notes and follow-ups by its other officers, some closes)
and disables one of the desk's two officers, whose queued actions the server must then refuse.

The desk then syncs with the real CLI (`desk sync --json`, a separate process) through the
project's fault-injecting proxy (tests/sync_proxy.py): `--down`/`--up` bits per second,
`--latency` seconds each way, every connection cut after `--cut` bytes. Then `desk sync verify`
must say identical, `desk sync rejected` lists what was refused, and the refused officer's texts
are in their drafts. Everything printed is what an officer or an admin would see; nothing is
asserted (the figures go into bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import open_database  # noqa: E402
from db.timefmt import utc_now  # noqa: E402
from desk import services  # noqa: E402
from desk.central.store import add_office, fill_event_uids, open_central  # noqa: E402
from desk.central.testing import prepare_central, running_server  # noqa: E402
from desk.errors import DeskError  # noqa: E402
from desk.sync.remote import Remote, save_remote  # noqa: E402
from desk.sync.run import run_sync  # noqa: E402
from desk.workflow import Action, Actor, Role  # noqa: E402
from tests.sync_proxy import Faults, SyncProxy  # noqa: E402

WORKING = ("terverifikasi", "diproses", "ditanggapi")


def busiest_unit(central: Path) -> str:
    database = open_central(central)
    try:
        return str(
            database.execute(
                "SELECT unit_code FROM cases WHERE status IN (?, ?, ?) AND unit_code IN "
                "(SELECT unit_code FROM officers WHERE role = 'petugas' AND active = 1 "
                "GROUP BY unit_code HAVING count(*) >= 3) "
                "GROUP BY unit_code ORDER BY count(*) DESC LIMIT 1",
                list(WORKING),
            ).fetchone()[0]
        )
    finally:
        database.conn.close()


def officers(database: Any, unit: str) -> list[Actor]:
    rows = database.execute(
        "SELECT nip, name FROM officers WHERE unit_code = ? AND role = 'petugas' AND active = 1 "
        "ORDER BY nip",
        [unit],
    ).fetchall()
    return [Actor(nip, name, Role.PETUGAS, unit) for nip, name in rows]


def act(database: Any, actor: Actor, rng: random.Random, when: Any) -> str | None:
    """One action a petugas would take on a case of the unit; its kind, or None if refused.

    Mostly notes and follow-ups, some assignments, few closes (a closed case takes only notes,
    so closes would soon leave nothing else to do)."""
    case_id, status = database.execute(
        "SELECT id, status FROM cases WHERE unit_code = ? ORDER BY random() LIMIT 1",
        [actor.unit_code],
    ).fetchone()
    choices = [Action.NOTE] * 4
    if status in WORKING:
        choices += [Action.FOLLOW_UP] * 3 + [Action.ASSIGN] * 2
    if status in ("diproses", "ditanggapi"):
        choices.append(Action.CLOSE)
    action = rng.choice(choices)
    options: dict[str, Any] = {}
    if action is Action.NOTE:
        options["text"] = f"Catatan lapangan: dicek {rng.randint(1, 999)} m dari lokasi."
    elif action is Action.FOLLOW_UP:
        options["text"] = "Tim sudah turun ke lokasi; perbaikan dijadwalkan minggu depan."
    elif action is Action.ASSIGN:
        options["officer_nip"] = actor.nip
    try:
        services.perform(database, actor, action, case_id, now=when, **options)
    except DeskError:
        return None
    return action.value


def desk_cli(*args: str, db: Path, config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desk.cli.main", *args, "--db", str(db)],
        env={**os.environ, "DESK_CONFIG": str(config)},
        capture_output=True,
        text=True,
        check=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=500)
    parser.add_argument("--central", type=int, default=2000)
    parser.add_argument("--cases", type=int, default=6000)
    parser.add_argument("--down", type=float, default=40_000, help="bits/s to the desk")
    parser.add_argument("--up", type=float, default=20_000, help="bits/s from the desk")
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument("--cut", type=int, default=60_000, help="cut each connection after")
    parser.add_argument("--seed", type=int, default=14)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        central_path = folder / "central.db"
        prepare_central(central_path, cases=options.cases)
        unit = busiest_unit(central_path)
        central = open_central(central_path)
        token = add_office(central, "lapangan", [unit])
        central.conn.close()
        desk_path = folder / "desk.db"
        config = folder / "config.json"
        with running_server(central_path, rate=1000, burst=1000) as url:
            desk = open_database(desk_path)
            first = run_sync(desk, Remote(url, token))
            cases = desk.execute("SELECT count(*) FROM cases").fetchone()[0]
            print(f"unit {unit}: the desk's first sync brought {cases} cases ({first.outcome})")

            # A week offline: two officers of the desk work; the second is disabled centrally.
            team = officers(desk, unit)
            worker, leaver = team[0], team[1]
            start = utc_now() - timedelta(days=7)
            done: dict[str, int] = {}
            for number in range(options.actions * 5):  # bounded: an action may be refused
                if sum(done.values()) >= options.actions:
                    break
                actor = leaver if number % 25 == 0 else worker
                when = start + timedelta(minutes=10 * number)
                kind = act(desk, actor, rng, when)
                if kind:
                    done[kind] = done.get(kind, 0) + 1
            queued = desk.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[
                0
            ]
            by_leaver = desk.execute(
                "SELECT count(*) FROM outbox WHERE state = 'pending' AND actor_nip = ?",
                [leaver.nip],
            ).fetchone()[0]
            print(f"offline: {queued} actions queued {done}; {by_leaver} by {leaver.nip}")

            central = open_central(central_path)
            others = [o for o in officers(central, unit) if o.nip not in (worker.nip, leaver.nip)]
            made = 0
            for attempt in range(options.central * 5):  # bounded: cases may run out
                if made >= options.central:
                    break
                actor = rng.choice(others)
                if act(central, actor, rng, start + timedelta(minutes=3 * attempt)):
                    made += 1
            central.execute("UPDATE officers SET active = 0 WHERE nip = ?", [leaver.nip])
            central.conn.commit()
            fill_event_uids(central)
            central.conn.close()
            print(f"central: {made} changes on {unit}'s cases; {leaver.nip} disabled")

            # Back online, over the bad link, with the real CLI.
            faults = Faults(
                down_bps=options.down,
                up_bps=options.up,
                latency=options.latency,
                cut_connection_after=options.cut,
            )
            with SyncProxy(int(url.rsplit(":", 1)[1]), faults) as proxy:
                save_remote(desk, desk_path, proxy.url, token)
                desk.conn.close()
                began = time.monotonic()
                synced = desk_cli("sync", "--json", db=desk_path, config=config)
                seconds = time.monotonic() - began
                report = json.loads(synced.stdout or "{}")
                print(
                    f"sync: exit {synced.returncode}, {seconds:.0f} s, "
                    f"{report.get('requests')} requests, {report.get('retries')} retries, "
                    f"{proxy.cuts} cuts; up {report.get('bytes_up', 0) / 1024:.1f} KB, "
                    f"down {report.get('bytes_down', 0) / 1024:.1f} KB (socket: "
                    f"{proxy.bytes_up / 1024:.1f} / {proxy.bytes_down / 1024:.1f} KB)"
                )
                print(
                    f"      ops sent {report.get('ops_sent')}, applied "
                    f"{report.get('ops_applied')}, refused {report.get('ops_rejected')}, "
                    f"conflicts {report.get('ops_conflict')}, same "
                    f"{len(report.get('same') or [])}; pulled {report.get('changes_pulled')} "
                    f"in {report.get('pages')} pages; fetched back "
                    f"{report.get('cases_refreshed')}"
                )
                for refusal in (report.get("refused") or [])[:3]:
                    print(
                        f"      refused: {refusal.get('case')} {refusal.get('action')}: "
                        f"{refusal.get('reason')} -> draft {refusal.get('draft')}"
                    )
                again = desk_cli("sync", db=desk_path, config=config)
                print(f"second sync: exit {again.returncode}: {again.stdout.strip()[:200]}")
                checked = desk_cli("sync", "verify", db=desk_path, config=config)
                print(f"verify: exit {checked.returncode}: {checked.stdout.strip()[:300]}")
            listed = desk_cli("sync", "rejected", db=desk_path, config=config)
            lines = listed.stdout.strip().splitlines()
            print(f"desk sync rejected: {len(lines)} lines, first: {lines[:2]}")
            desk = open_database(desk_path)
            drafts = desk.execute(
                "SELECT count(*), sum(length(body)) FROM drafts WHERE officer_nip = ?",
                [leaver.nip],
            ).fetchone()
            print(f"drafts of {leaver.nip}: {drafts[0]} holding {drafts[1] or 0} characters")


if __name__ == "__main__":
    main()
