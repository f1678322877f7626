"""The desk client against the REAL central server (desk/central, uvicorn on 127.0.0.1), through
the fault-injecting proxy: the scenarios issue 5 names, end to end, on either central store
(`central_store`: SQLite, then PostgreSQL).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from db import open_database
from desk import services
from desk.central.store import fill_event_uids, open_central
from desk.central.store_api import CentralStore, kind_of, open_store
from desk.central.testing import prepare_central, running_server
from desk.errors import ActionRefused
from desk.sync.conflicts import list_conflicts, resolve
from desk.sync.remote import Remote, save_remote
from desk.sync.run import SyncReport, run_sync
from desk.sync.transport import RetryPolicy
from desk.sync.verify import verify_remote
from desk.workflow import Action, Actor, Role
from tests.pg_support import central_query, central_store  # noqa: F401
from tests.sync_proxy import Faults, SyncProxy

FAST = RetryPolicy(attempts=8, base=0.01, cap=0.05)
CAPTIVE_PORTAL = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 58\r\nConnection: close\r\n\r\n"
    b"<html><body>Silakan login ke WiFi gratis dulu.</body></html>"[:58]
)
GATEWAY_DOWN = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class Central:
    """A running central server: its store's location (a SQLite file or a PostgreSQL URL), its
    URL and the offices' tokens."""

    def __init__(self, path: str | Path, url: str, tokens: dict[str, str]) -> None:
        self.path, self.url, self.tokens = path, url, tokens
        self.location = str(path)
        self.port = int(url.rsplit(":", 1)[1])

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return central_query(self.location, sql, params or [])

    @contextlib.contextmanager
    def store(self) -> Iterator[CentralStore]:
        """The store itself, as `desk central` opens it beside the running server."""
        store = open_store(self.location)
        try:
            yield store
        finally:
            store.close()

    def times_applied(self, op_ids: list[str]) -> dict[str, int]:
        """How many events each op made centrally (the op's event has uid = op id)."""
        marks = ", ".join("?" * len(op_ids))
        counts = dict(
            self.query(
                f"SELECT uid, count(*) FROM events WHERE uid IN ({marks}) GROUP BY uid", op_ids
            )
        )
        return {op_id: int(counts.get(op_id, 0)) for op_id in op_ids}


@contextlib.contextmanager
def sqlite_first(location: str | Path) -> Iterator[Path]:
    """A SQLite central file to fill with code that writes SQLite only (the desk's own
    `services.create_case`, as an import does): the store itself when it is SQLite; for
    PostgreSQL a scratch file, copied into the (empty) store when the block ends by `desk
    central migrate`, as the PostgreSQL store's own seed copies its rows in."""
    if kind_of(location) == "sqlite":
        yield Path(location)
        return
    from desk.central.migrate import migrate

    with tempfile.TemporaryDirectory(prefix="central-") as scratch:
        path = Path(scratch) / "central.db"
        yield path
        migrate(path, str(location))


def add_new_reports(path: str | Path, count: int) -> None:
    """Fresh unverified reports on the central side (the seed's history is mostly closed), in a
    SQLite central file (see `sqlite_first` for a PostgreSQL store)."""
    assert kind_of(path) == "sqlite", "a SQLite file only: fill a PostgreSQL store sqlite_first"
    database = open_central(path)
    try:
        for number in range(count):
            services.create_case(
                database,
                {
                    "title": f"Laporan baru {number}",
                    "body": "Lampu jalan mati sejak minggu lalu di Jl. Pahlawan.",
                    "category": "INFRASTRUKTUR",
                },
                reporter={"name": f"Warga {number}", "phone": "0812345678"},
                source="import",
            )
        fill_event_uids(database)
    finally:
        database.conn.close()


def add_offices(location: str | Path, *names: str) -> dict[str, str]:
    """Coordinating offices over every unit: each sees every case. Returns their tokens."""
    codes = [r[0] for r in central_query(str(location), "SELECT code FROM units ORDER BY code")]
    store = open_store(location)
    try:
        return {name: store.add_office(name, codes, coordinator=True) for name in names}
    finally:
        store.close()


@pytest.fixture
def central(central_store: str) -> Iterator[Central]:  # noqa: F811
    with sqlite_first(central_store) as path:
        prepare_central(path, cases=30)
        add_new_reports(path, 30)
    tokens = add_offices(central_store, "prov", "kota", "spare")
    with running_server(central_store, rate=1000, burst=1000) as url:
        yield Central(central_store, url, tokens)


def new_desk(
    tmp_path: Path, name: str, central: Central, office: str = "prov"
) -> sqlite_utils.Database:
    """A brand-new desk (empty database) after its first sync: usable at once."""
    path = tmp_path / f"{name}.db"
    database = open_database(path)
    save_remote(database, path, central.url, central.tokens[office])
    report = run_sync(database, Remote(central.url, central.tokens[office]), policy=FAST)
    assert report.outcome == "ok", report.error
    return database


def admin(database: sqlite_utils.Database) -> Actor:
    row = database.execute(
        "SELECT nip, name, unit_code FROM officers WHERE role = 'admin' AND active = 1 "
        "ORDER BY nip LIMIT 1"
    ).fetchone()
    return Actor(row[0], row[1], Role.ADMIN, row[2])


def units(database: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in database.execute("SELECT code FROM units WHERE active = 1 ORDER BY code")]


def unverified(database: sqlite_utils.Database, count: int) -> list[dict[str, Any]]:
    return list(
        database.query(
            "SELECT * FROM cases WHERE status = 'baru' AND conflict IS NULL "
            "ORDER BY local_id LIMIT ?",
            [count],
        )
    )


def triage(database: sqlite_utils.Database, count: int, unit_index: int = 1) -> list[str]:
    actor, unit = admin(database), units(database)[unit_index]
    cases = unverified(database, count)
    assert len(cases) == count, "the seed has too few unverified cases"
    return [
        services.perform(database, actor, Action.VERIFY, case["id"], unit_code=unit).op_id
        for case in cases
    ]


def states(database: sqlite_utils.Database) -> dict[str, int]:
    return dict(database.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())


def sync(database: sqlite_utils.Database, url: str, token: str, **options: Any) -> SyncReport:
    options.setdefault("policy", FAST)
    return run_sync(database, Remote(url, token), **options)


def assert_identical(database: sqlite_utils.Database, url: str, token: str) -> None:
    """After a scenario: `desk sync verify` finds the desk equal to the central system for its
    office (cases, versions, statuses, event ids), nothing left to repair."""
    result = verify_remote(database, Remote(url, token), policy=FAST)
    assert result.identical, [dataclasses.asdict(d) for d in result.remaining]
    assert not result.pending


# -- lost acknowledgements, cuts, kills --------------------------------------------------------


def test_every_first_response_dropped_gives_zero_duplicates_centrally(
    tmp_path: Path, central: Central
) -> None:
    desk = new_desk(tmp_path, "desk", central)
    op_ids = triage(desk, 25)
    with SyncProxy(central.port, Faults(drop_first_response=True)) as proxy:
        report = sync(desk, proxy.url, central.tokens["prov"], batch_ops=10)
    assert report.outcome == "ok", report.error
    assert proxy.dropped >= 3  # every batch's first answer, and the pull's
    assert report.ops_applied + report.ops_duplicate == 25 and report.ops_duplicate >= 10
    assert states(desk) == {"done": 25}
    assert set(central.times_applied(op_ids).values()) == {1}
    applied = central.query(
        f"SELECT count(*) FROM applied_ops WHERE op_id IN ({', '.join('?' * 25)})", op_ids
    )
    assert applied[0][0] == 25
    assert_identical(desk, central.url, central.tokens["prov"])


def test_a_cut_in_the_middle_of_a_pull_refetches_at_most_one_page(
    tmp_path: Path, central: Central
) -> None:
    desk = open_database(tmp_path / "desk.db")
    # The fourth answer is cut after 300 bytes: before its first checkpoint.
    with SyncProxy(central.port, Faults(cut_response_after=300, cut_from_request=4)) as proxy:
        token = central.tokens["prov"]
        cut = sync(desk, proxy.url, token, page_limit=10, policy=RetryPolicy(attempts=1))
        assert cut.outcome == "failed" and cut.changes_pulled == 30
        assert proxy.cuts == 1
        # What the cut page cost is counted too: the log agrees with the socket.
        assert abs(cut.bytes_down - proxy.bytes_down) <= 0.05 * proxy.bytes_down
        resumed = sync(desk, proxy.url, token, page_limit=10)
    assert resumed.outcome == "ok", resumed.error
    assert resumed.changes_pulled == 30  # the other 30: nothing applied before is fetched again
    assert desk.execute("SELECT count(*) FROM cases").fetchone()[0] == 60
    assert_identical(desk, central.url, token)


def test_a_client_killed_mid_push_keeps_its_outbox_and_applies_each_op_once(
    tmp_path: Path, central: Central
) -> None:
    desk = new_desk(tmp_path, "desk", central)
    op_ids = triage(desk, 20)
    before = desk.execute(
        "SELECT op_id, payload, base_version FROM outbox ORDER BY op_id"
    ).fetchall()
    path = tmp_path / "desk.db"
    # The receipt crawls back at 2 kbit/s: the server has applied the batch long before.
    with SyncProxy(central.port, Faults(down_bps=2_000)) as proxy:
        save_remote(desk, path, proxy.url, central.tokens["prov"])
        child = subprocess.Popen(
            [sys.executable, "-m", "desk.cli.main", "sync", "--push-only", "--db", str(path)],
            env={**os.environ, "DESK_CONFIG": str(tmp_path / "config.json")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and set(central.times_applied(op_ids).values()) != {1}:
            time.sleep(0.05)
        assert child.poll() is None, "the sync ended before it could be killed"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    assert set(central.times_applied(op_ids).values()) == {1}
    after = desk.execute(
        "SELECT op_id, payload, base_version FROM outbox ORDER BY op_id"
    ).fetchall()
    assert after == before  # intact: every op, unchanged
    assert set(states(desk)) <= {"pending", "sending"}
    report = sync(desk, central.url, central.tokens["prov"])
    assert report.outcome == "ok", report.error
    assert report.ops_duplicate == 20
    assert_identical(desk, central.url, central.tokens["prov"])
    assert states(desk) == {"done": 20}
    assert set(central.times_applied(op_ids).values()) == {1}


# -- a bad link and bad middleboxes ------------------------------------------------------------


def test_portal_pages_gateway_errors_resets_and_cut_bodies_are_retried(
    tmp_path: Path, central: Central
) -> None:
    desk = new_desk(tmp_path, "desk", central)
    op_ids = triage(desk, 5)
    faults = Faults(canned=[CAPTIVE_PORTAL, GATEWAY_DOWN], reset_connections=1)
    with SyncProxy(central.port, faults) as proxy:
        waits: list[float] = []
        report = sync(desk, proxy.url, central.tokens["prov"], sleep=waits.append)
        assert report.outcome == "ok", report.error
        assert report.retries == 3 and len(waits) == 3
        # A truncated compressed answer (the receipt is cut after its headers and a few bytes).
        more = triage(desk, 5)
        proxy.faults.cut_response_after, proxy.faults.cut_times = 200, 1
        report = sync(desk, proxy.url, central.tokens["prov"], sleep=waits.append)
    assert report.outcome == "ok", report.error
    assert report.retries == 1 and report.ops_duplicate == 5
    assert states(desk) == {"done": 10}
    assert set(central.times_applied(op_ids + more).values()) == {1}
    assert_identical(desk, central.url, central.tokens["prov"])


def test_429_waits_as_long_as_retry_after_says(
    tmp_path: Path,
    central_store: str,  # noqa: F811
) -> None:
    prepare_central(central_store, cases=5)
    tokens = add_offices(central_store, "prov")
    with running_server(central_store, rate=0.5, burst=2) as url:
        desk = open_database(tmp_path / "desk.db")
        waits: list[float] = []

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            time.sleep(seconds)

        first = sync(desk, url, tokens["prov"], sleep=sleep)  # push (nothing) + pull: 1 request
        assert first.outcome == "ok"
        sync(desk, url, tokens["prov"], sleep=sleep)  # the bucket is empty now
        third = sync(desk, url, tokens["prov"], sleep=sleep)
    assert third.outcome == "ok", third.error
    assert waits and all(w >= 1 for w in waits)  # Retry-After, not the 0.01 s backoff
    rows = desk.execute("SELECT retries FROM sync_log ORDER BY id").fetchall()
    assert sum(r[0] for r in rows) == len(waits)


# -- tokens ------------------------------------------------------------------------------------


def test_a_wrong_then_a_revoked_token_stop_clearly_and_lose_nothing(
    tmp_path: Path, central: Central
) -> None:
    desk = new_desk(tmp_path, "desk", central, office="spare")
    op_ids = triage(desk, 3)
    wrong = sync(desk, central.url, "not-the-token")
    assert wrong.outcome == "failed" and wrong.exit_code == 2
    assert "token" in (wrong.error or "").lower() and wrong.requests == 1
    assert states(desk) == {"pending": 3}
    assert set(central.times_applied(op_ids).values()) == {0}

    with central.store() as store:
        store.revoke_office("spare")
    revoked = sync(desk, central.url, central.tokens["spare"])
    assert revoked.outcome == "failed" and revoked.requests == 1
    assert central.tokens["spare"] not in (revoked.error or "")
    assert states(desk) == {"pending": 3}
    assert set(central.times_applied(op_ids).values()) == {0}


# -- two desks ---------------------------------------------------------------------------------


def case_row(database: sqlite_utils.Database, local_id: str) -> tuple[Any, ...]:
    return tuple(
        database.execute(
            "SELECT status, unit_code, assignee_nip, version, conflict FROM cases "
            "WHERE local_id = ?",
            [local_id],
        ).fetchone()
    )


def event_uids(database: sqlite_utils.Database, local_id: str) -> set[str]:
    return {
        r[0]
        for r in database.execute(
            "SELECT e.uid FROM events e JOIN cases c ON c.id = e.case_id WHERE c.local_id = ?",
            [local_id],
        )
    }


def test_two_desks_merge_what_does_not_overlap_and_converge_after_resolving(
    tmp_path: Path, central: Central
) -> None:
    a = new_desk(tmp_path, "a", central, office="prov")
    b = new_desk(tmp_path, "b", central, office="kota")
    first, second, third = (c["local_id"] for c in unverified(a, 3))
    unit_a, unit_b = units(a)[1], units(a)[2]

    def act(database: sqlite_utils.Database, action: Action, local_id: str, **kw: Any) -> None:
        case = services.find_case(database, local_id)
        services.perform(database, admin(database), action, case["id"], **kw)

    # Offline on both desks:
    act(a, Action.VERIFY, first, unit_code=unit_a)  # status + unit
    act(b, Action.NOTE, first, text="Pelapor menelepon lagi.")  # appends only: no overlap
    act(a, Action.VERIFY, second, unit_code=unit_a)
    act(b, Action.VERIFY, second, unit_code=unit_b)  # same fields: a conflict
    act(a, Action.HOLD, third, reason="Lokasi belum jelas")
    act(b, Action.VERIFY, third, unit_code=unit_b)  # status both ways: a conflict

    token_a, token_b = central.tokens["prov"], central.tokens["kota"]
    assert sync(a, central.url, token_a).outcome == "ok"
    report_b = sync(b, central.url, token_b)
    assert report_b.outcome == "partial" and report_b.exit_code == 1
    assert report_b.ops_applied == 1 and report_b.ops_conflict == 2
    conflicts = {c.local_id: c for c in list_conflicts(b)}
    assert set(conflicts) == {second, third}
    assert conflicts[second].mine["unit_code"] == unit_b
    assert conflicts[second].theirs["unit_code"] == unit_a

    # The merge: A's disposition and B's note are both on the first case, on both desks.
    sync(a, central.url, token_a)
    assert case_row(a, first)[:2] == (("terverifikasi", unit_a))
    assert case_row(b, first)[:2] == (("terverifikasi", unit_a))
    assert event_uids(a, first) == event_uids(b, first)

    # B keeps theirs on the second, keeps mine on the third (re-disposed on the server's
    # version: from on hold, "send to a unit" is refused, so B's choice is refused too).
    resolve(b, second, "theirs", admin(b))
    with pytest.raises(ActionRefused):
        resolve(b, third, "mine", admin(b))
    assert [c.local_id for c in list_conflicts(b)] == [third]  # refused: nothing changed
    resolve(b, third, "theirs", admin(b))
    assert list_conflicts(b) == []
    assert sync(b, central.url, token_b).outcome == "ok"
    assert sync(a, central.url, token_a).outcome == "ok"
    for local_id in (first, second, third):
        assert case_row(a, local_id) == case_row(b, local_id)
        assert event_uids(a, local_id) == event_uids(b, local_id)
    assert case_row(a, second)[:2] == ("terverifikasi", unit_a)
    assert case_row(a, third)[0] == "tunda"
    assert_identical(a, central.url, token_a)
    assert_identical(b, central.url, token_b)


def test_keep_mine_wins_on_the_server_and_reaches_the_other_desk(
    tmp_path: Path, central: Central
) -> None:
    a = new_desk(tmp_path, "a", central, office="prov")
    b = new_desk(tmp_path, "b", central, office="kota")
    (case,) = unverified(a, 1)
    unit_a, unit_b = units(a)[1], units(a)[2]
    services.perform(a, admin(a), Action.VERIFY, case["id"], unit_code=unit_a)
    b_case = services.find_case(b, case["local_id"])
    services.perform(b, admin(b), Action.VERIFY, b_case["id"], unit_code=unit_b)
    assert sync(a, central.url, central.tokens["prov"]).outcome == "ok"
    assert sync(b, central.url, central.tokens["kota"]).ops_conflict == 1
    resolution = resolve(b, case["local_id"], "mine", admin(b))
    assert len(resolution.new_ops) == 1
    assert sync(b, central.url, central.tokens["kota"]).outcome == "ok"
    assert sync(a, central.url, central.tokens["prov"]).outcome == "ok"
    assert case_row(a, case["local_id"]) == case_row(b, case["local_id"])
    assert case_row(a, case["local_id"])[:2] == ("terverifikasi", unit_b)
    assert event_uids(a, case["local_id"]) == event_uids(b, case["local_id"])
    assert_identical(a, central.url, central.tokens["prov"])
    assert_identical(b, central.url, central.tokens["kota"])


def test_a_server_restored_from_backup_makes_a_full_pull_that_keeps_unsent_work(
    tmp_path: Path, central: Central
) -> None:
    desk = new_desk(tmp_path, "desk", central)
    (op_id,) = triage(desk, 1)
    local_id = desk.execute("SELECT case_local_id FROM outbox WHERE op_id = ?", [op_id]).fetchone()[
        0
    ]
    with central.store() as store:
        store.new_epoch()  # every cursor handed out before is now unknown: 410
    report = sync(desk, central.url, central.tokens["prov"], direction="pull")
    assert report.outcome == "ok", report.error
    assert report.full_repull and report.changes_pulled == 60
    assert states(desk) == {"pending": 1}
    assert case_row(desk, local_id)[0] == "terverifikasi"  # the desk's unsent change stays
    pushed = sync(desk, central.url, central.tokens["prov"])
    assert pushed.outcome == "ok" and pushed.ops_applied == 1
    assert set(central.times_applied([op_id]).values()) == {1}
    assert_identical(desk, central.url, central.tokens["prov"])


def test_a_case_disposed_out_of_an_offices_scope_stays_on_its_desk(
    tmp_path: Path, central: Central
) -> None:
    coordinator = new_desk(tmp_path, "prov", central, office="prov")
    (case,) = unverified(coordinator, 1)
    first_unit, other_unit = units(coordinator)[1], units(coordinator)[2]
    services.perform(
        coordinator, admin(coordinator), Action.VERIFY, case["id"], unit_code=first_unit
    )
    assert sync(coordinator, central.url, central.tokens["prov"]).outcome == "ok"
    # An office of that one unit sees the case come, then go when it is disposed elsewhere.
    with central.store() as store:
        token = store.add_office("unit-office", [first_unit])
    desk = new_desk(tmp_path, "unit", Central(central.path, central.url, {"u": token}), "u")
    assert case_row(desk, case["local_id"])[:2] == ("terverifikasi", first_unit)
    again = services.find_case(coordinator, case["local_id"])
    services.perform(
        coordinator, admin(coordinator), Action.DISPOSE, again["id"], unit_code=other_unit
    )
    assert sync(coordinator, central.url, central.tokens["prov"]).outcome == "ok"
    report = sync(desk, central.url, token)
    assert report.outcome == "ok", report.error
    assert case_row(desk, case["local_id"])[:2] == ("terverifikasi", first_unit)  # kept
    mark = desk.execute(
        "SELECT value FROM sync_state WHERE key = ?", [f"gone:{case['local_id']}"]
    ).fetchone()
    assert mark is not None
    assert_identical(desk, central.url, token)
    assert_identical(coordinator, central.url, central.tokens["prov"])


def test_remote_set_checks_the_token_with_the_server_when_it_can(
    tmp_path: Path, central: Central, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from desk.cli.main import app

    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))
    runner = CliRunner()
    path = tmp_path / "new.db"
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("this-is-not-the-token\n")
    args = ["--lang", "en", "remote", "set", central.url, "--db", str(path), "--token-file"]
    refused = runner.invoke(app, [*args, str(wrong)])
    assert refused.exit_code == 2 and "token" in refused.output
    assert not path.with_name("new.db.sync-token").exists()  # nothing stored
    right = tmp_path / "right.txt"
    right.write_text(central.tokens["kota"] + "\n")
    accepted = runner.invoke(app, [*args, str(right)])
    assert accepted.exit_code == 0, accepted.output
    assert "office kota" in accepted.output
    assert central.tokens["kota"] not in accepted.output
    synced = runner.invoke(app, ["--lang", "en", "sync", "--db", str(path), "--json"])
    assert synced.exit_code == 0, synced.output
