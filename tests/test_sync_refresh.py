"""`POST /sync/v1/cases` and the desk's authoritative refresh (desk/sync/refresh.py), against the
real central server: a case that differs on the desk without having changed centrally is made
the server's again, keeping only what unsent operations did. On either central store
(`central_store`: SQLite, then PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from db import open_database, write_transaction
from desk.central.store_api import open_store
from desk.central.testing import prepare_central, running_server
from desk.sync.refresh import mark_for_refresh, marked
from desk.sync.remote import Remote, save_remote
from desk.sync.run import run_sync
from desk.sync.state import GONE_PREFIX
from desk.sync.transport import RetryPolicy
from tests.pg_support import central_execute, central_query, central_store  # noqa: F401

FAST = RetryPolicy(attempts=3, base=0.01, cap=0.05)


@pytest.fixture
def world(central_store: str) -> Iterator[tuple[str, str, dict[str, str]]]:  # noqa: F811
    path = central_store
    prepare_central(path, cases=40)
    units = [r[0] for r in central_query(path, "SELECT code FROM units ORDER BY code")]
    # The unit office works the unit with the most cases and at least one other unit has
    # some (the seed's history depends on the day it is made: never assume which).
    ((busiest,),) = central_query(
        path,
        "SELECT unit_code FROM cases WHERE unit_code IS NOT NULL GROUP BY unit_code "
        "ORDER BY count(*) DESC, unit_code LIMIT 1",
    )
    store = open_store(path)
    try:
        tokens = {
            "prov": store.add_office("prov", units, coordinator=True),
            "unit": store.add_office("unit", [busiest]),
        }
    finally:
        store.close()
    with running_server(path, rate=1000, burst=1000) as url:
        yield path, url, tokens


def post_cases(url: str, token: str, ids: list[str]) -> httpx.Response:
    return httpx.post(
        f"{url}/sync/v1/cases",
        json={"ids": ids},
        headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
    )


def test_the_server_answers_named_cases_whole_and_hides_other_offices_cases(
    world: tuple[str, str, dict[str, str]],
) -> None:
    path, url, tokens = world
    ((unit,),) = central_query(path, "SELECT unit_code FROM office_units WHERE office = 'unit'")
    (mine,) = central_query(
        path, "SELECT id, local_id FROM cases WHERE unit_code = ? LIMIT 1", [unit]
    )
    ((other,),) = central_query(
        path, "SELECT local_id FROM cases WHERE unit_code != ? LIMIT 1", [unit]
    )
    (events,) = central_query(path, "SELECT count(*) FROM events WHERE case_id = ?", [mine[0]])

    answer = post_cases(url, tokens["unit"], [mine[1], other, "01NOSUCHCASE0000000000000"]).json()

    assert answer["type"] == "desk-sync/cases"
    first, second, third = answer["changes"]
    assert first["case"]["local_id"] == mine[1]
    assert len(first["events"]) == events[0]
    assert second == {"gone": other, "reason": "out_of_scope"}
    assert third == {"gone": "01NOSUCHCASE0000000000000", "reason": "unknown"}


@pytest.mark.parametrize("body", [{"ids": "x"}, {"ids": [1]}, {"ids": ["a", "a"]}, {"x": []}])
def test_a_malformed_fetch_is_a_400(world: tuple[str, str, dict[str, str]], body: object) -> None:
    _path, url, tokens = world
    response = httpx.post(
        f"{url}/sync/v1/cases", json=body, headers={"Authorization": f"Bearer {tokens['prov']}"}
    )
    assert response.status_code == 400


def test_a_marked_case_is_replaced_by_the_server_copy_at_the_next_sync(
    world: tuple[str, str, dict[str, str]], tmp_path: Path
) -> None:
    _path, url, tokens = world
    desk_path = tmp_path / "desk.db"
    desk = open_database(desk_path)
    save_remote(desk, desk_path, url, tokens["prov"])
    remote = Remote(url, tokens["prov"])
    assert run_sync(desk, remote, policy=FAST).outcome == "ok"
    case_id, local_id, status, version = desk.execute(
        "SELECT id, local_id, status, version FROM cases ORDER BY id LIMIT 1"
    ).fetchone()
    # The desk's copy drifts without any central change (as a refused op leaves it), and an
    # event appears that the server never had.
    with write_transaction(desk):
        desk.execute(
            "UPDATE cases SET status = 'selesai', version = version + 1 WHERE id = ?", [case_id]
        )
        desk.execute(
            "INSERT INTO events (case_id, at, actor_kind, kind, visibility, uid) VALUES "
            "(?, '2026-12-01T00:00:00Z', 'officer', 'close', 'public', '01STRAYEVENT000000000000')",
            [case_id],
        )
    before = run_sync(desk, remote, policy=FAST)
    assert before.not_modified  # the feed has nothing: only a refresh can bring it back
    assert desk.execute("SELECT status FROM cases WHERE id = ?", [case_id]).fetchone()[0] == (
        "selesai"
    )

    with write_transaction(desk):
        mark_for_refresh(desk, local_id, "test")
    report = run_sync(desk, remote, policy=FAST)

    assert report.outcome == "ok", report.error
    assert report.cases_refreshed == 1
    assert desk.execute("SELECT status, version FROM cases WHERE id = ?", [case_id]).fetchone() == (
        status,
        version,
    )
    stray = "SELECT count(*) FROM events WHERE uid = '01STRAYEVENT000000000000'"
    assert desk.execute(stray).fetchone()[0] == 0
    assert marked(desk) == []


def test_a_case_no_longer_readable_becomes_read_only_not_deleted(
    world: tuple[str, str, dict[str, str]], tmp_path: Path
) -> None:
    path, url, tokens = world
    desk_path = tmp_path / "desk.db"
    desk = open_database(desk_path)
    remote = Remote(url, tokens["unit"])
    save_remote(desk, desk_path, url, tokens["unit"])
    assert run_sync(desk, remote, policy=FAST).outcome == "ok"
    local_id = desk.execute("SELECT local_id FROM cases LIMIT 1").fetchone()[0]
    central_execute(path, "DELETE FROM office_units WHERE office = 'unit'")
    central_execute(
        path, "INSERT INTO office_units (office, unit_code) VALUES ('unit', 'NOSUCHUNIT')"
    )
    with write_transaction(desk):
        mark_for_refresh(desk, local_id, "test")

    run_sync(desk, remote, policy=FAST)

    assert desk.execute("SELECT 1 FROM cases WHERE local_id = ?", [local_id]).fetchone()
    gone = desk.execute("SELECT 1 FROM sync_state WHERE key = ?", [GONE_PREFIX + local_id])
    assert gone.fetchone()
