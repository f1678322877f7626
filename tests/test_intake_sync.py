"""A complaint taken at the desk reaches the REAL central server (desk/central under uvicorn) and
comes back with its tracking number, once, with one "received" event (docs/intake.md), on
either central store (`central_store`: SQLite, then PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from db import open_database
from db.inbox import CaseFilter
from desk.central.testing import prepare_central, running_server
from desk.intake import IntakeDraft, record_intake
from desk.receipt import receipt_for
from desk.services import find_case
from desk.sync.remote import Remote, save_remote
from desk.sync.run import run_sync
from desk.sync.transport import RetryPolicy
from desk.workflow import Actor, Role
from tests.pg_support import central_query, central_store  # noqa: F401

FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05)
DRAFT = IntakeDraft(
    title="Pungutan di loket KTP kecamatan",
    text="Petugas meminta Rp50.000 untuk mempercepat KTP.\nKejadian pagi tadi.",
    category="KEPENDUDUKAN",
    channel="loket",
    place="Kecamatan Samarinda Ulu",
    name="Rina Marlina",
    nik="6472014505900002",
    phone="0812 5555 0101",
    anonymous=True,
)


class Central:
    def __init__(self, location: str, url: str, token: str) -> None:
        self.location, self.url, self.token = location, url, token

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return central_query(self.location, sql, params or [])


@pytest.fixture
def central(central_store: str) -> Iterator[Central]:  # noqa: F811
    units = ["DISKOMINFO", "PUPR"]
    tokens = prepare_central(central_store, offices={"prov": (units, True)})
    with running_server(central_store, rate=1000, burst=1000) as url:
        yield Central(central_store, url, tokens["prov"])


def new_desk(tmp_path: Path, central: Central) -> sqlite_utils.Database:
    path = tmp_path / "desk.db"
    database = open_database(path)
    save_remote(database, path, central.url, central.token)
    assert sync(database, central).outcome == "ok"
    return database


def sync(database: sqlite_utils.Database, central: Central) -> Any:
    return run_sync(database, Remote(central.url, central.token), policy=FAST)


def desk_admin(database: sqlite_utils.Database) -> Actor:
    row = database.execute(
        "SELECT nip, name, unit_code FROM officers WHERE role = 'admin' AND active = 1 "
        "AND unit_code IN ('DISKOMINFO', 'PUPR') ORDER BY nip LIMIT 1"
    ).fetchone()
    return Actor(row[0], row[1], Role.ADMIN, row[2])


def test_a_desk_made_case_gets_its_tracking_number_and_keeps_one_received_event(
    tmp_path: Path, central: Central
) -> None:
    desk = new_desk(tmp_path, central)
    actor = desk_admin(desk)
    recorded = record_intake(desk, actor, DRAFT, datetime.now(UTC))
    assert recorded.case["tracking_no"] is None

    report = sync(desk, central)
    assert report.outcome == "ok", report.error
    assert report.ops_applied == 1

    case = find_case(desk, recorded.provisional_no)
    tracking_no = case["tracking_no"]
    assert tracking_no is not None and tracking_no.isdigit()
    assert case["provisional_no"] == recorded.provisional_no
    assert case["version"] == 1
    # The server holds the case whole: its text, flags, reporter and the desk's number.
    row = central.query(
        "SELECT c.title, c.body, c.anonymous, c.channel, c.category, c.provisional_no, r.nik, "
        "r.phone FROM cases AS c JOIN reporters AS r ON r.case_id = c.id WHERE c.local_id = ?",
        [case["local_id"]],
    )
    assert row == [
        (
            DRAFT.title,
            DRAFT.text,
            1,
            "loket",
            "KEPENDUDUKAN",
            recorded.provisional_no,
            "6472014505900002",
            "+6281255550101",
        )
    ]
    # The server's received event has the op id as its uid: pulled back, it is the same event.
    assert central.query(
        "SELECT e.uid FROM events AS e JOIN cases AS c ON c.id = e.case_id "
        "WHERE c.local_id = ? AND e.kind = 'received'",
        [case["local_id"]],
    ) == [(recorded.op_id,)]
    assert sync(desk, central).outcome == "ok"
    assert desk.execute(
        "SELECT kind, uid FROM events WHERE case_id = ?", [case["id"]]
    ).fetchall() == [("received", recorded.op_id)]

    # Both numbers find it: the receipt's and the real one.
    for number in (recorded.provisional_no, f"#{tracking_no}", tracking_no):
        assert find_case(desk, number)["id"] == case["id"]
    for number in (recorded.provisional_no, tracking_no):
        where, params = CaseFilter(tracking_no=number).where()
        ids = desk.execute(f"SELECT c.id FROM cases AS c WHERE {where}", params).fetchall()
        assert ids == [(case["id"],)]
    # The receipt now carries the real number, and the provisional one beside it.
    text = receipt_for(desk, desk_admin(desk), recorded.provisional_no)
    assert f"#{tracking_no}" in text and recorded.provisional_no in text


def test_a_replayed_create_is_a_duplicate_and_makes_no_second_case(
    tmp_path: Path, central: Central
) -> None:
    desk = new_desk(tmp_path, central)
    recorded = record_intake(desk, desk_admin(desk), DRAFT, datetime.now(UTC))
    assert sync(desk, central).outcome == "ok"
    # The answer was lost: the op goes again with the same id.
    desk.execute("UPDATE outbox SET state = 'pending' WHERE op_id = ?", [recorded.op_id])
    desk.conn.commit()
    report = sync(desk, central)
    assert report.ops_duplicate == 1 and report.ops_applied == 0
    local_id = recorded.case["local_id"]
    assert central.query("SELECT count(*) FROM cases WHERE local_id = ?", [local_id]) == [(1,)]
    assert central.query(
        "SELECT count(*) FROM events AS e JOIN cases AS c ON c.id = e.case_id WHERE c.local_id = ?",
        [local_id],
    ) == [(1,)]


def test_an_action_taken_before_the_first_sync_follows_the_create(
    tmp_path: Path, central: Central
) -> None:
    from desk import services
    from desk.workflow import Action

    desk = new_desk(tmp_path, central)
    actor = desk_admin(desk)
    recorded = record_intake(desk, actor, DRAFT, datetime.now(UTC))
    services.perform(desk, actor, Action.VERIFY, recorded.provisional_no, unit_code="PUPR")
    report = sync(desk, central)
    assert report.outcome == "ok", report.error
    assert report.ops_applied == 2
    assert central.query(
        "SELECT status, unit_code FROM cases WHERE local_id = ?", [recorded.case["local_id"]]
    ) == [("terverifikasi", "PUPR")]


def test_another_desk_finds_the_case_by_its_receipt_number_and_a_clash_never_stops_a_pull(
    tmp_path: Path, central: Central
) -> None:
    for name in "abc":
        (tmp_path / name).mkdir()
    first, second = new_desk(tmp_path / "a", central), new_desk(tmp_path / "b", central)
    taken = record_intake(first, desk_admin(first), DRAFT, datetime.now(UTC))
    # The second desk numbered a complaint of its own the same way before syncing.
    own = record_intake(second, desk_admin(second), DRAFT, datetime.now(UTC))
    assert own.provisional_no == taken.provisional_no
    assert sync(first, central).outcome == "ok"
    assert sync(second, central).outcome == "ok"  # the clash does not refuse the page
    theirs = find_case(second, taken.case["local_id"])
    assert theirs["tracking_no"] is not None and theirs["provisional_no"] is None
    assert find_case(second, own.provisional_no)["local_id"] == own.case["local_id"]
    third = new_desk(tmp_path / "c", central)  # first in the feed, first to keep the number
    assert find_case(third, taken.provisional_no)["local_id"] == taken.case["local_id"]
