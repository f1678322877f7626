"""The audit witness (issue 15 point 5), against the real central server: the head of a desk's
audit chain is witnessed at each sync that changed it, so that cutting, deleting or rewriting
(hashes computed again) what was witnessed is found by `desk audit verify` (from the stored
receipt, and from the server when the receipts are gone too) and by the central system, whose
alarm never stops the sync of cases."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlite_utils
from typer.testing import CliRunner

from db import audit, open_database, write_transaction
from desk import services
from desk.central.store_api import CentralStore, open_store
from desk.central.testing import prepare_central, running_server
from desk.central.witness import REPORT_HEADER, Head, report_value
from desk.cli.main import app
from desk.sync.remote import Remote, save_remote
from desk.sync.run import SyncReport, run_sync
from desk.sync.transport import RetryPolicy
from desk.sync.witness import ALARM_KEY, RECEIPT_KEY, stored_alarm, stored_receipt
from desk.workflow import Action, Actor, Role
from tests.pg_support import central_query, central_store  # noqa: F401

FAST = RetryPolicy(attempts=3, base=0.01, cap=0.05)
runner = CliRunner()


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))


class World:
    def __init__(self, central: str, url: str, token: str, desk_path: Path) -> None:
        self.central, self.url, self.token, self.desk_path = central, url, token, desk_path
        self.desk = open_database(desk_path)
        save_remote(self.desk, desk_path, url, token)

    def sync(self) -> SyncReport:
        return run_sync(self.desk, Remote(self.url, self.token), policy=FAST)

    def entries(self, count: int, action: str = "login") -> None:
        for _ in range(count):
            with write_transaction(self.desk):
                audit.append(self.desk, at="2026-11-10T01:00:00Z", actor_nip=None, action=action)

    def head(self) -> tuple[int, str]:
        return audit.head(self.desk)

    def verify(self, *options: str) -> tuple[int, str]:
        result = runner.invoke(app, ["audit", "verify", "--db", str(self.desk_path), *options])
        return result.exit_code, result.output

    def store(self) -> CentralStore:
        return open_store(self.central, create=False)

    def alarms(self) -> list[tuple[str, str, int, int]]:
        central = self.store()
        try:
            return [(a.office, a.kind, a.seq, a.times) for a in central.alarms()]
        finally:
            central.close()

    def witnessed(self) -> tuple[int, str] | None:
        central = self.store()
        try:
            record = central.witness_record("prov")
        finally:
            central.close()
        return (record.seq, record.hash) if record else None


@pytest.fixture
def world(tmp_path: Path, central_store: str) -> Iterator[World]:  # noqa: F811
    prepare_central(central_store, cases=20)
    units = [r[0] for r in central_query(central_store, "SELECT code FROM units ORDER BY code")]
    store = open_store(central_store)
    try:
        token = store.add_office("prov", units, coordinator=True)
    finally:
        store.close()
    with running_server(central_store, rate=1000, burst=1000) as url:
        yield World(central_store, url, token, tmp_path / "desk.db")


# What someone holding the file does --------------------------------------------------------


def _raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def _without_triggers(path: Path, *statements: str, recompute: bool = False) -> None:
    """Drop the audit triggers, run `statements`, compute every hash again if asked, and put
    the triggers back as they were: the file then passes every check but the witness."""
    conn = _raw(path)
    try:
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        ).fetchall()
        assert len(triggers) == 2
        for name, _sql in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        for statement in statements:
            conn.execute(statement)
        if recompute:
            prev = audit.GENESIS
            rows = conn.execute(
                "SELECT seq, at, actor_nip, action, case_id, detail FROM audit_log ORDER BY seq"
            ).fetchall()
            for seq, at, actor, action, case_id, detail in rows:
                digest = audit.entry_hash(seq, at, actor, action, case_id, detail, prev)
                conn.execute(
                    "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?",
                    [prev, digest, seq],
                )
                prev = digest
        for _name, sql in triggers:
            conn.execute(sql)
    finally:
        conn.close()


def _chain_verifies(path: Path) -> bool:
    database = open_database(path)
    try:
        return audit.verify(database) is None
    finally:
        database.conn.close()


def _forget_receipts(world: World) -> None:
    with write_transaction(world.desk):
        world.desk.execute("DELETE FROM sync_state WHERE key IN (?, ?)", [RECEIPT_KEY, ALARM_KEY])


def _db_check(path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["db", "check", "--db", str(path)])
    return result.exit_code, result.output


# The witness on the wire ---------------------------------------------------------------------


def test_a_sync_has_its_head_witnessed_and_an_idle_sync_costs_nothing_more(world: World) -> None:
    world.entries(5)
    first = world.sync()
    assert first.outcome == "ok", first.error
    receipt = stored_receipt(world.desk)
    assert receipt is not None and receipt.status == "ok"
    assert (receipt.seq, receipt.hash) == world.head() == world.witnessed()

    idle = world.sync()
    assert idle.not_modified and idle.requests == 1
    # The head changed (an officer signed in, say): it rides on the same single request.
    world.entries(1)
    active = world.sync()
    assert active.not_modified and active.requests == 1
    assert stored_receipt(world.desk).seq == world.head()[0] == 6  # type: ignore[union-attr]
    assert world.witnessed() == world.head()
    again = world.sync()
    # Measured: an idle sync costs exactly what it cost before the witness (one 304, about
    # 0.3 KB); a sync whose head changed adds one request header (~110 B up) and one answer
    # header (~60 B down), and no request.
    assert (again.bytes_up, again.bytes_down) == (idle.bytes_up, idle.bytes_down)
    assert 0 < active.bytes_up - idle.bytes_up <= 120
    assert 0 < active.bytes_down - idle.bytes_down <= 70
    assert world.alarms() == []


def test_a_malformed_report_is_answered_bad_and_the_request_still_served(world: World) -> None:
    headers = {"Authorization": f"Bearer {world.token}", REPORT_HEADER: "1.not-a-hash"}
    response = httpx.get(f"{world.url}/sync/v1/changes", headers=headers)
    assert response.status_code == 200 and response.headers["X-Desk-Witness"] == "bad"
    good = report_value(Head(3, "ab" * 32), None)
    headers[REPORT_HEADER] = good
    response = httpx.get(f"{world.url}/sync/v1/changes", headers=headers)
    assert response.status_code == 200 and response.headers["X-Desk-Witness"].startswith("ok.3.")
    asked = httpx.get(
        f"{world.url}/sync/v1/witness",
        params={"x": "1"},
        headers={"Authorization": headers["Authorization"]},
    )
    assert asked.status_code == 400


# Found on the desk ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tampering", "left"),
    [
        ("DELETE FROM audit_log WHERE seq > 4", 4),  # the tail
        ("DELETE FROM audit_log", 0),  # every row
    ],
)
def test_cutting_what_was_witnessed_fails_verify_naming_the_entry(
    world: World, tampering: str, left: int
) -> None:
    world.entries(7)
    assert world.sync().outcome == "ok"
    witnessed_seq = world.head()[0]
    assert world.verify()[0] == 0
    _without_triggers(world.desk_path, tampering)
    assert _chain_verifies(world.desk_path)  # what the chain alone cannot tell
    assert _db_check(world.desk_path)[0] == 0

    code, output = world.verify("--offline")
    assert code == 1
    assert f"entri {witnessed_seq}" in output and f"sampai entri {left}" in output
    receipt = stored_receipt(world.desk)
    assert receipt is not None and receipt.at.replace("T", " ").replace("Z", "") in output

    # Deleting the receipts as well does not help while the server can be asked.
    _forget_receipts(world)
    assert world.verify("--offline")[0] == 0  # nothing left on the desk to compare with
    code, output = world.verify()
    assert code == 1 and f"entri {witnessed_seq}" in output and "server pusat" in output
    code, output = world.verify("--json")
    report = json.loads(output)
    assert code == 1 and not report["intact"] and report["first_broken"] == witnessed_seq
    assert report["chain_intact"] is True
    assert report["witness"]["central"]["head"]["seq"] == witnessed_seq


def test_an_entry_edited_and_every_hash_computed_again_fails_verify(world: World) -> None:
    world.entries(6)
    assert world.sync().outcome == "ok"
    witnessed_seq = world.head()[0]
    _without_triggers(
        world.desk_path, "UPDATE audit_log SET action = 'nothing' WHERE seq = 2", recompute=True
    )
    assert _chain_verifies(world.desk_path)
    assert _db_check(world.desk_path)[0] == 0

    code, output = world.verify("--offline")
    assert code == 1 and f"entri {witnessed_seq} bukan" in output and "ditulis ulang" in output
    _forget_receipts(world)
    code, output = world.verify("--online")
    assert code == 1 and f"entri {witnessed_seq} bukan" in output


def test_a_forged_receipt_is_recognised_by_the_server(world: World) -> None:
    world.entries(6)
    assert world.sync().outcome == "ok"
    _without_triggers(world.desk_path, "DELETE FROM audit_log WHERE seq > 3")
    seq, digest = audit.head(world.desk)
    forged = {
        "status": "ok",
        "seq": seq,
        "hash": digest,
        "at": "2026-11-10T02:00:00Z",
        "unix": 1794276000,
        "tag": "AAAAAAAAAAAAAAAAAAAAAA",
        "received_at": "2026-11-10T02:00:00Z",
    }
    with write_transaction(world.desk):
        world.desk.execute(
            "UPDATE sync_state SET value = ? WHERE key = ?", [json.dumps(forged), RECEIPT_KEY]
        )
    assert world.verify("--offline")[0] == 0  # the file alone agrees with itself
    code, output = world.verify()
    assert code == 1 and "dipalsukan" in output and "entri 6" in output


def test_online_is_required_with_online_and_said_when_not_possible(
    world: World, tmp_path: Path
) -> None:
    world.entries(2)
    lonely = tmp_path / "lonely.db"
    open_database(lonely).conn.close()
    result = runner.invoke(app, ["audit", "verify", "--db", str(lonely), "--online"])
    assert result.exit_code == 2
    result = runner.invoke(app, ["--lang", "en", "audit", "verify", "--db", str(lonely)])
    assert result.exit_code == 0 and "No central system is set" in result.output


# Found centrally -----------------------------------------------------------------------------


def _act(world: World) -> None:
    """An officer's action on a pulled case: an op to push and an audit entry."""
    nip, unit = world.desk.execute(
        "SELECT nip, unit_code FROM officers WHERE role = 'admin' AND active = 1 LIMIT 1"
    ).fetchone()
    case_id = world.desk.execute(
        "SELECT id FROM cases WHERE status IN ('terverifikasi', 'diproses', 'ditanggapi') "
        "ORDER BY id LIMIT 1"
    ).fetchone()[0]
    actor = Actor(nip, "Admin", Role.ADMIN, unit)
    services.perform(world.desk, actor, Action.NOTE, case_id, text="catatan saksi")


def test_a_truncated_chain_raises_one_alarm_centrally_and_cases_still_sync(
    world: World,
) -> None:
    world.entries(8)
    assert world.sync().outcome == "ok"
    witnessed_seq = world.head()[0]
    _without_triggers(world.desk_path, "DELETE FROM audit_log WHERE seq > 2")
    _act(world)  # seq 3 now, below the witnessed 8

    report = world.sync()
    assert report.outcome == "ok", report.error
    assert report.ops_applied == 1  # the public's complaints keep flowing
    assert world.alarms() == [("prov", "truncated", witnessed_seq, 1)]
    told = stored_alarm(world.desk)
    assert told is not None and told["seq"] == witnessed_seq
    assert world.witnessed()[0] == witnessed_seq  # type: ignore[index]

    _act(world)
    assert world.sync().ops_applied == 1
    assert world.alarms() == [("prov", "truncated", witnessed_seq, 2)]  # one alarm, counted
    # The officer who syncs reads it, on the terminal and in --json, every time until resolved.
    shown = runner.invoke(app, ["sync", "--db", str(world.desk_path)])
    assert "PERINGATAN" in shown.stderr and f"entri {witnessed_seq}" in shown.stderr, shown.output
    as_json = runner.invoke(app, ["sync", "--json", "--db", str(world.desk_path)])
    assert json.loads(as_json.stdout)["audit_alarm"]["seq"] == witnessed_seq

    listing = runner.invoke(app, ["central", "audit", "alarms", "--db", world.central])
    assert listing.exit_code == 1 and "prov" in listing.output and "dipotong" in listing.output
    offices = runner.invoke(app, ["central", "office", "list", "--db", world.central])
    assert offices.exit_code == 0 and "Alarm audit" in offices.output
    code, output = world.verify()
    assert code == 1 and "Alarm terbuka" in output

    [(logged,)] = central_query(
        world.central, "SELECT count(*) FROM audit_log WHERE action = 'audit_witness_alarm'"
    )
    assert logged == 1

    # Investigated (a desk restored from an old backup, say) and resolved: the witness starts
    # again from the head the desk reports next, and the desk hears it is whole again.
    (alarm_id,) = [a["id"] for a in json.loads(_alarms_json(world))]
    refused = runner.invoke(
        app, ["central", "audit", "resolve", str(alarm_id), "--db", world.central]
    )
    assert refused.exit_code != 0
    resolved = runner.invoke(
        app,
        [
            "central",
            "audit",
            "resolve",
            str(alarm_id),
            "--note",
            "dipulihkan",
            "--db",
            world.central,
        ],
    )
    assert resolved.exit_code == 0, resolved.output
    assert world.sync().outcome == "ok"
    assert world.alarms() == [] and world.witnessed() == world.head()
    assert stored_alarm(world.desk) is None
    assert world.verify()[0] == 0


def _alarms_json(world: World) -> str:
    return runner.invoke(
        app, ["central", "audit", "alarms", "--json", "--db", world.central]
    ).output


@pytest.mark.parametrize("grows", [False, True])
def test_a_rewritten_chain_raises_an_alarm_centrally(world: World, grows: bool) -> None:
    world.entries(5)
    assert world.sync().outcome == "ok"
    witnessed_seq = world.head()[0]
    _without_triggers(
        world.desk_path, "UPDATE audit_log SET action = 'x' WHERE seq = 1", recompute=True
    )
    if grows:  # a longer chain must prove it holds the witnessed entry: it cannot
        world.entries(3)
    report = world.sync()
    assert report.outcome == "ok", report.error
    assert world.alarms() == [("prov", "rewritten", witnessed_seq, 1)]
    assert world.witnessed()[0] == witnessed_seq  # type: ignore[index]


def test_an_honest_desk_raises_no_alarm_even_after_losing_its_receipt(world: World) -> None:
    world.entries(3)
    assert world.sync().outcome == "ok"
    for round_ in range(3):
        world.entries(2 + round_)
        _act(world)
        report = world.sync()
        assert report.outcome == "ok", report.error
        assert world.witnessed() == world.head()
    # A receipt lost (a cut answer): the next report cannot prove the chain extends what the
    # server holds; the server says which entry to prove, and the following request does.
    _forget_receipts(world)
    world.entries(1)
    _act(world)  # a push and a pull: the proof goes with the second request
    assert world.sync().outcome == "ok"
    assert world.witnessed() == world.head()
    assert stored_receipt(world.desk).status == "ok"  # type: ignore[union-attr]
    assert world.alarms() == []
    code, output = world.verify()
    assert code == 0, output
    assert "Server pusat" in output and f"entri {world.head()[0]}" in output


# desk db check ---------------------------------------------------------------------------------


def test_db_check_names_a_missing_audit_trigger(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    database: sqlite_utils.Database = open_database(path)
    database.conn.close()
    conn = _raw(path)
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.close()
    code, output = _db_check(path)
    assert code == 1 and "audit_log_no_delete" in output
