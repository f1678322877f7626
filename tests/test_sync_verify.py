"""`desk sync verify` and `POST /sync/v1/digest` against the real central server: a desk that
holds exactly the central cases of its scope is identical for one small request; every kind of
divergence is found and named; `--repair` fetches exactly what differs; unsent work is pending,
not a difference; the periodic check of a sync repairs on its own."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlite_utils
from typer.testing import CliRunner

from db import open_database, write_transaction
from db.timefmt import utc_now
from desk import services
from desk.central.digest import (
    EMPTY,
    DigestQuery,
    bucket_key,
    case_entry,
    entry_digest,
)
from desk.central.store_api import open_store
from desk.central.testing import prepare_central, running_server
from desk.cli.main import app
from desk.sync.remote import Remote, save_remote
from desk.sync.run import run_sync
from desk.sync.state import GONE_PREFIX
from desk.sync.transport import RetryPolicy, Transport
from desk.sync.verify import Difference, VerifyResult, last_check, periodic_check, verify
from desk.workflow import Action, Actor, Role
from tests.pg_support import central_execute, central_query, central_store  # noqa: F401

FAST = RetryPolicy(attempts=3, base=0.01, cap=0.05)
runner = CliRunner()


class World:
    def __init__(self, path: str, url: str, tokens: dict[str, str], unit: str) -> None:
        self.path, self.url, self.tokens, self.unit = path, url, tokens, unit

    def desk(self, tmp_path: Path, office: str = "prov") -> tuple[sqlite_utils.Database, Path]:
        path = tmp_path / f"{office}.db"
        database = open_database(path)
        save_remote(database, path, self.url, self.tokens[office])
        report = run_sync(database, self.remote(office), policy=FAST)
        assert report.outcome == "ok", report.error
        return database, path

    def remote(self, office: str = "prov") -> Remote:
        return Remote(self.url, self.tokens[office])

    def transport(self, office: str = "prov") -> Transport:
        return Transport(self.remote(office), policy=FAST)

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return central_query(self.path, sql, params or [])


@pytest.fixture
def world(central_store: str) -> Iterator[World]:  # noqa: F811
    prepare_central(central_store, cases=150)
    units = [r[0] for r in central_query(central_store, "SELECT code FROM units ORDER BY code")]
    [(busiest,)] = central_query(
        central_store,
        "SELECT unit_code FROM cases WHERE unit_code IS NOT NULL GROUP BY unit_code "
        "ORDER BY count(*) DESC, unit_code LIMIT 1",
    )
    store = open_store(central_store)
    try:
        tokens = {
            "prov": store.add_office("prov", units, coordinator=True),
            "unit": store.add_office("unit", [busiest]),
        }
    finally:
        store.close()
    with running_server(central_store, rate=1000, burst=1000) as url:
        yield World(central_store, url, tokens, busiest)


def check(database: sqlite_utils.Database, world: World, office: str = "prov", **kw: Any) -> Any:
    transport = world.transport(office)
    try:
        return verify(database, transport, **kw)
    finally:
        transport.close()


def by_case(result: VerifyResult) -> dict[str, Difference]:
    return {d.local_id: d for d in result.differences}


def some_cases(database: sqlite_utils.Database, count: int) -> list[dict[str, Any]]:
    """Cases with a tracking number, at least two events with a uid and a status not 'diproses'."""
    return list(
        database.query(
            "SELECT * FROM cases c WHERE tracking_no IS NOT NULL AND status != 'diproses' AND "
            "(SELECT count(*) FROM events e WHERE e.case_id = c.id AND e.uid IS NOT NULL) >= 2 "
            "ORDER BY local_id LIMIT ?",
            [count],
        )
    )


def events_of(database: sqlite_utils.Database, case_id: int) -> int:
    row = database.execute(
        "SELECT count(*) FROM events WHERE case_id = ? AND uid IS NOT NULL", [case_id]
    ).fetchone()
    return int(row[0])


def tamper(database: sqlite_utils.Database) -> dict[str, str]:
    """Six kinds of divergence, one case each; returns local id -> what was done."""
    status, version, lost, stray, deleted = some_cases(database, 5)
    done = {}
    with write_transaction(database):
        database.execute("UPDATE cases SET status = 'diproses' WHERE id = ?", [status["id"]])
        done[status["local_id"]] = "status"
        database.execute("UPDATE cases SET version = version + 5 WHERE id = ?", [version["id"]])
        done[version["local_id"]] = "version"
        database.execute(
            "DELETE FROM events WHERE id = (SELECT max(id) FROM events WHERE case_id = ?)",
            [lost["id"]],
        )
        done[lost["local_id"]] = "event lost"
        database.execute(
            "INSERT INTO events (case_id, at, actor_kind, kind, visibility, uid) VALUES "
            "(?, '2026-12-01T00:00:00Z', 'officer', 'note', 'internal', "
            "'01STRAYEVENT000000000000')",
            [stray["id"]],
        )
        done[stray["local_id"]] = "event extra"
        for table in ("events", "reporters", "attachments", "case_clocks"):
            database.execute(f"DELETE FROM {table} WHERE case_id = ?", [deleted["id"]])
        database.execute("DELETE FROM cases WHERE id = ?", [deleted["id"]])
        done[deleted["local_id"]] = "deleted"
        database.execute(
            "INSERT INTO cases (local_id, title, body, status, received_at, updated_at, source) "
            "VALUES ('01EXTRACASE0000000000000000', 'Laporan lokal', 'Isi', 'baru', "
            "'2026-11-01T00:00:00Z', '2026-11-01T00:00:00Z', 'import')"
        )
        done["01EXTRACASE0000000000000000"] = "extra"
    return done


# -- the protocol ---------------------------------------------------------------------------


def test_both_sides_digest_a_case_alike() -> None:
    entry = case_entry(
        "01JD0000000000000000000000", 3, "diproses", "8112829", "PUPR", None, None, "b\x1fa"
    )
    assert entry[7] == case_entry("x", 1, "baru", None, None, None, None, "a\x1fb")[7]
    assert entry[8] == 2
    changed = list(entry)
    changed[2] = "selesai"
    assert entry_digest(entry) != entry_digest(changed)
    assert len(bucket_key("01JD0000000000000000000000")) == 16
    assert EMPTY == "0" * 16


def test_a_clean_desk_is_identical_for_one_small_request(world: World, tmp_path: Path) -> None:
    desk, _path = world.desk(tmp_path)

    result = check(desk, world)

    assert result.identical and result.differences == []
    assert result.compared == result.central == 150
    assert result.requests == 1
    assert result.bytes_up + result.bytes_down < 700  # one request, headers included
    recorded = last_check(desk)
    assert recorded is not None and recorded["identical"] is True


def test_every_kind_of_divergence_is_reported_precisely(world: World, tmp_path: Path) -> None:
    desk, _path = world.desk(tmp_path)
    before = {row["local_id"]: row for row in desk.query("SELECT * FROM cases")}
    done = tamper(desk)

    result = check(desk, world)

    found = by_case(result)
    assert set(found) == set(done)
    kinds = {what: found[local_id] for local_id, what in done.items()}
    status = kinds["status"]
    assert status.kind == "differs" and status.fields == ["status"]
    assert status.desk["status"] == "diproses"
    assert status.central["status"] == before[status.local_id]["status"]
    assert status.label == f"#{before[status.local_id]['tracking_no']}"
    version = kinds["version"]
    assert version.fields == ["version"]
    assert version.desk["version"] == version.central["version"] + 5
    lost, stray = kinds["event lost"], kinds["event extra"]
    assert lost.fields == ["events"] and lost.desk["events"] == lost.central["events"] - 1
    assert stray.fields == ["events"] and stray.desk["events"] == stray.central["events"] + 1
    deleted = kinds["deleted"]
    assert deleted.kind == "missing"
    assert deleted.label == f"#{before[deleted.local_id]['tracking_no']}"
    assert kinds["extra"].kind == "extra"
    assert result.compared == 150 and result.central == 150
    assert not result.identical and result.exit_code == 1
    assert result.remaining == result.differences
    # Narrowed down, not listed whole: a few requests, a few KB.
    assert result.requests <= 6
    assert result.bytes_down < 12_000


def test_repair_fetches_what_differs_and_then_the_desk_is_identical(
    world: World, tmp_path: Path
) -> None:
    desk, _path = world.desk(tmp_path)
    done = tamper(desk)

    repaired = check(desk, world, repair=True)

    assert len(repaired.differences) == len(done)
    assert repaired.remaining == [] and repaired.identical
    assert repaired.repaired == len(done)
    again = check(desk, world)
    assert again.identical and again.requests == 1
    assert desk.execute("SELECT count(*) FROM cases").fetchone()[0] == 151
    # The case only the desk had is kept, read-only (as a tombstone leaves it), never deleted.
    gone = desk.execute(
        "SELECT 1 FROM sync_state WHERE key = ?", [GONE_PREFIX + "01EXTRACASE0000000000000000"]
    ).fetchone()
    assert gone is not None
    stray = "SELECT count(*) FROM events WHERE uid = '01STRAYEVENT000000000000'"
    assert desk.execute(stray).fetchone()[0] == 0


def test_a_read_only_copy_of_a_case_still_in_scope_is_missing_and_repaired(
    world: World, tmp_path: Path
) -> None:
    desk, _path = world.desk(tmp_path)
    case = some_cases(desk, 1)[0]
    with write_transaction(desk):
        desk.execute(
            "INSERT INTO sync_state (key, value) VALUES (?, '{}')", [GONE_PREFIX + case["local_id"]]
        )

    found = check(desk, world)

    assert [(d.local_id, d.kind, d.desk) for d in found.differences] == [
        (case["local_id"], "missing", {"read_only": True})
    ]
    assert found.compared == 149 and found.central == 150
    assert check(desk, world, repair=True).identical
    gone = desk.execute("SELECT 1 FROM sync_state WHERE key = ?", [GONE_PREFIX + case["local_id"]])
    assert gone.fetchone() is None  # writable again


def test_a_case_with_an_unsent_operation_is_pending_not_a_difference(
    world: World, tmp_path: Path
) -> None:
    desk, _path = world.desk(tmp_path)
    case = some_cases(desk, 1)[0]
    nip, name, unit = desk.execute(
        "SELECT nip, name, unit_code FROM officers WHERE role = 'admin' AND active = 1 "
        "ORDER BY nip LIMIT 1"
    ).fetchone()
    services.perform(
        desk, Actor(nip, name, Role.ADMIN, unit), Action.NOTE, case["id"], text="Cek lapangan."
    )

    result = check(desk, world, repair=True)

    assert result.identical and result.differences == []
    assert [(p.local_id, p.ops) for p in result.pending] == [(case["local_id"], 1)]
    assert result.compared == result.central == 149  # left out on both sides
    assert result.requests == 1
    note = desk.execute("SELECT count(*) FROM events WHERE body = 'Cek lapangan.'").fetchone()
    assert note[0] == 1  # the repair did not touch unsent work


def test_a_unit_office_compares_only_its_scope(world: World, tmp_path: Path) -> None:
    desk, _path = world.desk(tmp_path, "unit")
    in_scope = world.query("SELECT count(*) FROM cases WHERE unit_code = ?", [world.unit])[0][0]

    result = check(desk, world, "unit")

    assert result.identical, result.differences
    assert result.central == in_scope < 150
    # A case of another unit on this desk is only on the desk.
    other = world.query(
        "SELECT local_id, tracking_no FROM cases WHERE unit_code != ? LIMIT 1", [world.unit]
    )[0]
    with write_transaction(desk):
        desk.execute(
            "INSERT INTO cases (local_id, tracking_no, title, body, status, received_at, "
            "updated_at) VALUES (?, ?, 't', 'b', 'selesai', '2026-01-01T00:00:00Z', "
            "'2026-01-01T00:00:00Z')",
            list(other),
        )
    # ...and a change on the central side that this desk has not pulled yet differs.
    changed = world.query(
        "SELECT local_id FROM cases WHERE unit_code = ? ORDER BY local_id LIMIT 1", [world.unit]
    )[0][0]
    central_execute(
        world.path, "UPDATE cases SET version = version + 1 WHERE local_id = ?", [changed]
    )

    found = by_case(check(desk, world, "unit"))

    assert set(found) == {other[0], changed}
    assert found[other[0]].kind == "extra" and found[other[0]].label == f"#{other[1]}"
    assert found[changed].fields == ["version"]
    assert run_sync(desk, world.remote("unit"), policy=FAST).outcome == "ok"
    after = check(desk, world, "unit", repair=True)
    assert after.identical
    assert [d.local_id for d in after.differences] == [other[0]]  # the pull brought the other


def test_the_server_leaves_out_what_the_desk_asks_and_lists_small_buckets(
    world: World,
) -> None:
    store = open_store(world.path, create=False)
    try:
        office = next(o for o in store.list_offices() if o.name == "prov")
        whole = store.digests(office, DigestQuery(("",), 1, ("",)))
        listed = whole["cases"][0]
        assert sum(whole["buckets"][0]["n"]) == len(listed) == 150
        first = str(listed[0][0])
        skipped = store.digests(office, DigestQuery(("",), 0, ("",), frozenset([first])))
        assert skipped["buckets"][0]["n"] == [149]
        assert first not in {e[0] for e in skipped["cases"][0]}
        prefix = bucket_key(first)[:2]
        narrow = store.digests(office, DigestQuery((prefix,), 1, (prefix,)))
        assert first in {e[0] for e in narrow["cases"][0]}
        assert all(bucket_key(str(e[0])).startswith(prefix) for e in narrow["cases"][0])
    finally:
        store.close()


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"nope": 1},
        {"buckets": "a"},
        {"buckets": ["G"]},
        {"buckets": ["A"]},
        {"buckets": ["a", "a"]},
        {"buckets": [""], "depth": 4},
        {"buckets": [""], "depth": True},
        {"buckets": ["0", "1"], "depth": 3},
        {"cases": [1]},
        {"skip": "x"},
        {"skip": [""]},
    ],
)
def test_a_malformed_digest_request_is_a_400(world: World, body: object) -> None:
    response = httpx.post(
        f"{world.url}/sync/v1/digest",
        json=body,
        headers={"Authorization": f"Bearer {world.tokens['prov']}"},
    )
    assert response.status_code == 400
    assert response.json()["type"] == "desk-sync/error"


def test_listing_more_cases_than_an_answer_may_is_a_413(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.central import digest

    monkeypatch.setattr(digest, "MAX_CASES", 10)
    response = httpx.post(
        f"{world.url}/sync/v1/digest",
        json={"cases": [""]},
        headers={"Authorization": f"Bearer {world.tokens['prov']}"},
    )
    assert response.status_code == 413


def test_a_digest_request_needs_a_token(world: World) -> None:
    response = httpx.post(f"{world.url}/sync/v1/digest", json={"buckets": [""]})
    assert response.status_code == 401


# -- the periodic check -----------------------------------------------------------------------


def test_the_periodic_check_is_one_small_request_and_repairs_on_its_own(
    world: World, tmp_path: Path
) -> None:
    desk, _path = world.desk(tmp_path)
    now = utc_now()
    transport = world.transport()
    try:
        assert periodic_check(desk, transport, now) is None  # the first call starts the clock
        assert transport.counters.requests == 0
        first = periodic_check(desk, transport, now + timedelta(hours=6))
        assert first is not None and first.identical and first.periodic
        assert first.requests == 1 and first.bytes_up + first.bytes_down < 700
        assert periodic_check(desk, transport, now + timedelta(hours=7)) is None  # too soon
        done = tamper(desk)
        later = periodic_check(desk, transport, now + timedelta(hours=12))
    finally:
        transport.close()
    assert later is not None
    assert {d.local_id for d in later.differences} == set(done)
    assert later.identical and later.repaired == len(done)
    recorded = last_check(desk)
    assert recorded is not None and recorded["periodic"] and recorded["differences"] == len(done)


def test_the_periodic_check_records_a_link_failure_without_raising(tmp_path: Path) -> None:
    desk = open_database(tmp_path / "desk.db")
    transport = Transport(Remote(f"http://127.0.0.1:{free_port()}", "t"), policy=FAST)
    try:
        assert periodic_check(desk, transport, utc_now() - timedelta(days=1)) is None
        result = periodic_check(desk, transport, utc_now())
    finally:
        transport.close()
    assert result is not None and result.error and not result.identical
    recorded = last_check(desk)
    assert recorded is not None and recorded["error"]


# -- the command ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_command_reports_repairs_and_exits_by_outcome(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.cli import sync_verify_cmd

    monkeypatch.setattr(sync_verify_cmd, "POLICY", FAST)
    desk, path = world.desk(tmp_path)
    args = ["--lang", "en", "sync", "verify", "--db", str(path)]

    clean = runner.invoke(app, args)
    assert clean.exit_code == 0, clean.output
    assert "Identical to the central system: 150 cases compared." in clean.output

    done = tamper(desk)
    status_case = next(k for k, v in done.items() if v == "status")
    label = (
        "#"
        + desk.execute(
            "SELECT tracking_no FROM cases WHERE local_id = ?", [status_case]
        ).fetchone()[0]
    )
    found = runner.invoke(app, args)
    assert found.exit_code == 1, found.output
    assert f"{label}  differs: status (desk diproses, central " in found.output
    assert "missing on the desk" in found.output and "only on the desk" in found.output
    assert "Different from the central system: 6 cases" in found.output
    assert "Traceback" not in found.output

    as_json = runner.invoke(app, [*args, "--json"])
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    assert data["identical"] is False
    assert {d["local_id"] for d in data["differences"]} == set(done)
    assert {d["kind"] for d in data["differences"]} == {"missing", "extra", "differs"}

    repaired = runner.invoke(app, [*args, "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "Repaired: 6 cases fetched again" in repaired.output
    indonesian = runner.invoke(app, ["sync", "verify", "--db", str(path)])
    assert indonesian.exit_code == 0 and "Identik dengan pusat" in indonesian.output


def test_the_command_says_why_it_cannot_compare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk.cli import sync_verify_cmd

    monkeypatch.setattr(sync_verify_cmd, "POLICY", FAST)
    path = tmp_path / "desk.db"
    database = open_database(path)
    no_remote = runner.invoke(app, ["--lang", "en", "sync", "verify", "--db", str(path)])
    assert no_remote.exit_code == 2 and "desk remote set" in no_remote.output
    save_remote(database, path, f"http://127.0.0.1:{free_port()}", "token")
    database.conn.close()

    down = runner.invoke(app, ["--lang", "en", "sync", "verify", "--db", str(path)])
    assert down.exit_code == 2
    assert "Cannot compare with the central system" in down.output
    assert "Traceback" not in down.output
    as_json = runner.invoke(app, ["--lang", "en", "sync", "verify", "--json", "--db", str(path)])
    assert as_json.exit_code == 2
    assert json.loads(as_json.stdout)["identical"] is False
