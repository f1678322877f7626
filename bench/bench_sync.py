"""Benchmark of sync (issue 5): bytes and time on the wire, desk client vs a naive client.

    python bench/bench_sync.py [--cases 1000] [--big 10000] [--server real|standin]

Everything goes through tests/sync_proxy.py, which counts the bytes that cross its sockets and
shapes the link (GPRS: 40 kbit/s up, 80 down, 300 ms each way; EDGE: 118/237 kbit/s, 150 ms).
The proxy adds latency per chunk of data, not to the TCP handshake (both ends are local), so
a new connection costs no round trip here: real links pay one more RTT per connection.

The naive client sends one uncompressed JSON POST per operation and fetches one case per GET
(`limit=1`, `Accept-Encoding: identity`), with httpx's default headers. Nothing is asserted:
the table goes into bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db import open_database  # noqa: E402
from db.timefmt import utc_now  # noqa: E402
from desk import services  # noqa: E402
from desk.sync.remote import Remote  # noqa: E402
from desk.sync.run import run_sync  # noqa: E402
from desk.workflow import Action, Actor, Role  # noqa: E402
from tests.sync_proxy import EDGE, GPRS, Faults, SyncProxy  # noqa: E402

console = Console()


# -- the central server ---------------------------------------------------------------------


@contextlib.contextmanager
def real_central(folder: Path, cases: int) -> Iterator[tuple[int, str]]:
    """`desk central` with `cases` seeded cases plus 300 new reports to triage, and one
    coordinating office over every unit; yields (port, token)."""
    from desk.central.testing import prepare_central, running_server
    from tests.test_sync_server import add_new_reports, add_offices

    db = folder / "central.db"
    prepare_central(db, cases=cases)
    add_new_reports(db, 300)
    token = add_offices(db, "bench")["bench"]
    with running_server(db, rate=1000, burst=1000) as base_url:
        yield int(base_url.rsplit(":", 1)[1]), token


@contextlib.contextmanager
def standin_central(folder: Path, cases: int) -> Iterator[tuple[int, str]]:
    """The tests' stand-in server (tests/test_sync_wire.py), for when the real one is absent."""
    import threading

    from tests.conftest import make_office, new_case
    from tests.test_sync_client import TOKEN, FakeCentral
    from tests.test_sync_wire import _Server

    fake = FakeCentral()
    source = open_database(folder / "source.db")
    make_office(source)
    for i in range(cases):
        fake.seed(new_case(source, f"9{i:06d}"))
    server = _Server(fake)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server.server_address[1], TOKEN
    finally:
        server.shutdown()


# -- measurements -----------------------------------------------------------------------------


def fresh_desk(folder: Path, name: str) -> Any:
    from tests.conftest import make_office

    database = open_database(folder / f"{name}.db")
    make_office(database)
    return database


def admin_of(database: Any) -> Actor:
    row = database.execute(
        "SELECT nip, name, unit_code FROM officers WHERE role = 'admin' AND active = 1 LIMIT 1"
    ).fetchone()
    return Actor(row[0], row[1], Role.ADMIN, row[2])


def triage(database: Any, count: int) -> int:
    """`count` verify-and-dispose edits on cases still unverified; returns how many were made."""
    actor = admin_of(database)
    unit = database.execute(
        "SELECT code FROM units WHERE code != ? AND active = 1 LIMIT 1", [actor.unit_code]
    ).fetchone()[0]
    ids = [
        r[0]
        for r in database.execute(
            "SELECT id FROM cases WHERE status = 'baru' ORDER BY id LIMIT ?", [count]
        ).fetchall()
    ]
    for case_id in ids:
        # An officer's edits are seconds apart: each op id gets fresh randomness. (ULIDs made
        # within one millisecond are monotonic and would compress unrealistically well.)
        time.sleep(0.002)
        services.perform(database, actor, Action.VERIFY, case_id, unit_code=unit)
    return len(ids)


def measure(proxy: SyncProxy, run: Any) -> tuple[int, int, int, float]:
    proxy.reset_counters()
    start = time.perf_counter()
    run()
    return proxy.bytes_up, proxy.bytes_down, proxy.requests, time.perf_counter() - start


def naive_push(url: str, token: str, database: Any) -> None:
    ops = database.execute(
        "SELECT op_id, case_local_id, kind, base_version, payload, actor_nip, created_at "
        "FROM outbox WHERE state = 'pending'"
    ).fetchall()
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
        for op_id, case, kind, base, payload, actor, at in ops:
            op = {
                "id": op_id,
                "c": case,
                "k": kind,
                "v": base,
                "p": json.loads(payload),
                "a": actor,
                "t": at,
            }
            client.post(url + "/sync/v1/push", json={"ops": [op]})


def naive_pull(url: str, token: str, count: int) -> None:
    cursor = ""
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    with httpx.Client(headers=headers, timeout=60) as client:
        for _ in range(count):
            page = client.get(url + "/sync/v1/changes", params={"cursor": cursor, "limit": "1"})
            body = page.json()
            cursor = body["next_cursor"]
            if not body.get("has_more"):
                break


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000, help="cases for the byte figures")
    parser.add_argument("--big", type=int, default=10_000, help="cases for the EDGE pull")
    parser.add_argument("--server", choices=("real", "standin"), default="real")
    options = parser.parse_args()
    central = real_central if options.server == "real" else standin_central
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        with central(folder, options.cases) as (port, token), SyncProxy(port) as proxy:
            remote = Remote(proxy.url, token)
            desk = fresh_desk(folder, "desk")
            up, down, requests, _ = measure(proxy, lambda: run_sync(desk, remote))
            pulled = desk.execute("SELECT count(*) FROM cases").fetchone()[0]
            rows.append(
                (
                    "full case pulled (initial pull)",
                    f"{(up + down) / pulled:.0f} B",
                    f"{requests} requests for {pulled} cases",
                    "≤ 250 B",
                )
            )
            naive = fresh_desk(folder, "naive")
            n_up, n_down, n_req, _ = measure(proxy, lambda: naive_pull(proxy.url, token, 200))
            rows.append(
                (
                    "  naive: one GET per case (200 cases)",
                    f"{(n_up + n_down) / 200:.0f} B",
                    f"{n_req} requests",
                    "",
                )
            )
            up, down, requests, _ = measure(proxy, lambda: run_sync(desk, remote))
            rows.append(
                ("idle sync", f"{up + down} B", f"{requests} request(s)", "1 request < 1 KB")
            )
            # The same, when the periodic convergence check is due (every 6 hours): the
            # first sync above started its clock; seven hours later it runs.
            later = utc_now() + timedelta(hours=7)
            up, down, requests, _ = measure(
                proxy, lambda: run_sync(desk, remote, clock=lambda: later)
            )
            checked = desk.execute(
                "SELECT value FROM sync_state WHERE key = 'verify_last'"
            ).fetchone()
            rows.append(
                (
                    "idle sync with the periodic check (every 6 h)",
                    f"{up + down} B",
                    f"{requests} requests; check: {json.loads(checked[0]).get('identical')}"
                    if checked
                    else f"{requests} requests",
                    "small; ~4 a day",
                )
            )
            for batch in (20, 100):
                made = triage(desk, batch)
                up, down, requests, _ = measure(
                    proxy, lambda: run_sync(desk, remote, direction="push")
                )
                rows.append(
                    (
                        f"triage edit, batch of {made}",
                        f"{(up + down) / made:.0f} B",
                        f"{up} up / {down} down, {requests} request(s)",
                        "≤ 60 B",
                    )
                )
            made = triage(desk, 20)
            naive.execute("DELETE FROM outbox")
            n_up, n_down, n_req, _ = measure(proxy, lambda: naive_push(proxy.url, token, desk))
            desk.execute("UPDATE outbox SET state = 'done' WHERE state = 'pending'")
            rows.append(
                (
                    "  naive: one POST per edit",
                    f"{(n_up + n_down) / made:.0f} B",
                    f"{n_req} requests",
                    "",
                )
            )
            proxy.faults = Faults(**GPRS)
            made = triage(desk, 30)
            _, _, requests, seconds = measure(proxy, lambda: run_sync(desk, remote))
            rows.append(
                (
                    "30 edits over GPRS (push + pull)",
                    f"{seconds:.1f} s",
                    f"{requests} requests",
                    "< 5 s",
                )
            )
            # The naive client on the same 30 edits, for comparison (not applied twice:
            # the ops are fresh ones on other cases).
            made = triage(desk, 30)
            _, _, n_req, seconds = measure(proxy, lambda: naive_push(proxy.url, token, desk))
            rows.append(
                ("  naive: 30 POSTs over GPRS", f"{seconds:.1f} s", f"{n_req} requests", "")
            )
        if options.big:
            big = folder / "big"
            big.mkdir()
            with (
                central(big, options.big) as (port, token),
                SyncProxy(port, Faults(**EDGE)) as proxy,
            ):
                desk = fresh_desk(folder, "big-desk")
                up, down, requests, seconds = measure(
                    proxy, lambda: run_sync(desk, Remote(proxy.url, token))
                )
                pulled = desk.execute("SELECT count(*) FROM cases").fetchone()[0]
                rows.append(
                    (
                        f"initial pull of {pulled:,} cases over EDGE",
                        f"{seconds:.1f} s",
                        f"{down / 1024:.0f} KB down, {requests} requests",
                        "timed",
                    )
                )
                # Through a link that also cuts every connection at 60 KB (issue 14).
                proxy.faults = Faults(**EDGE, cut_connection_after=60_000)
                cut_desk = fresh_desk(folder, "cut-desk")
                report: list[Any] = []
                up, down, requests, seconds = measure(
                    proxy,
                    lambda: report.append(run_sync(cut_desk, Remote(proxy.url, token))),
                )
                pulled = cut_desk.execute("SELECT count(*) FROM cases").fetchone()[0]
                rows.append(
                    (
                        f"first pull of {pulled:,} cases over EDGE, every connection cut at 60 KB",
                        f"{seconds:.1f} s, {report[0].outcome}",
                        f"{down / 1024:.0f} KB down, {requests} requests, {proxy.cuts} cuts",
                        "completes",
                    )
                )
    table = Table(title=f"sync ({options.server} server)")
    for column in ("measure", "value", "detail", "target"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


if __name__ == "__main__":
    main()
