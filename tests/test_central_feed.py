"""The changes feed over real HTTP: pages, cursors, 304, 410, tombstones, reference, privacy.

Every test runs on both central stores (`central_store`, tests/pg_support.py). The starting
central is built with the desk's own services on a SQLite file (`build`, `case_in`) and, for
PostgreSQL, copied exactly into the test's database (`desk central migrate`, `settle`); what
happens after the server starts goes through the server (pushes) or the store's API, and what
a test reads of the rows, through `central_query`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlite_utils
from ulid import ULID

from db.timefmt import to_text
from desk import services
from desk.central.store import add_office, open_central
from desk.central.store_api import kind_of, open_store
from desk.central.testing import running_server
from desk.workflow import Action, Actor
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, case_in, make_office
from tests.pg_support import central_execute, central_query, central_store  # noqa: F401

CHANGES = "/sync/v1/changes"
PUSH = "/sync/v1/push"


@dataclass
class Central:
    url: str
    location: str
    tokens: dict[str, str]

    def client(self, office: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.tokens[office]}"}
        )

    def case(self, tracking_no: str) -> dict[str, Any]:
        """The case's row as the store holds it now (the columns the tests look at)."""
        return case_row(self.location, tracking_no)

    def act(
        self, office: str, actor: Actor, kind: str, tracking_no: str, **payload: str
    ) -> dict[str, Any]:
        """`actor` takes `kind` on the case, pushed by `office` as a desk would: the result."""
        case = self.case(tracking_no)
        op = {
            "id": str(ULID()),
            "c": case["local_id"],
            "k": kind,
            "v": case["version"],
            "p": payload,
            "a": actor.nip,
            "t": to_text(NOW),
        }
        with self.client(office) as client:
            response = client.post(PUSH, json={"ops": [op]})
        assert response.status_code == 200, response.text
        [result] = response.json()["results"]
        assert result["r"] == "applied", result
        return dict(result)


def case_row(location: str, tracking_no: str) -> dict[str, Any]:
    """A case of the central store at `location`, by its number: its id, local_id, version,
    status and unit."""
    [(case_id, local_id, version, status, unit)] = central_query(
        location,
        "SELECT id, local_id, version, status, unit_code FROM cases WHERE tracking_no = ?",
        [tracking_no],
    )
    return {
        "id": case_id,
        "local_id": local_id,
        "version": version,
        "status": status,
        "unit_code": unit,
    }


def source(location: str, tmp_path: Path) -> Path:
    """Where to build the central for the store at `location` with the desk's services: the
    SQLite store's own file, or a SQLite file `settle` copies into PostgreSQL."""
    return Path(location) if kind_of(location) == "sqlite" else tmp_path / "built.db"


def settle(location: str, built: Path) -> str:
    """The central built at `built` as the store at `location`: the file itself, or its exact
    copy in the PostgreSQL database (`desk central migrate`: same ids, numbers, epoch)."""
    if kind_of(location) == "sqlite":
        assert Path(location) == built
        return location
    from desk.central.migrate import migrate

    migrate(built, location)
    return location


def build(path: Path) -> tuple[sqlite_utils.Database, dict[str, str]]:
    database = open_central(path)
    make_office(database)
    tokens = {
        "prov": add_office(database, "prov", ["SETDA"], coordinator=True),
        "pupr": add_office(database, "pupr", ["PUPR"]),
        "dinkes": add_office(database, "dinkes", ["DINKES"]),
    }
    return database, tokens


@pytest.fixture
def central(central_store: str, tmp_path: Path) -> Iterator[Central]:  # noqa: F811
    path = source(central_store, tmp_path)
    database, tokens = build(path)
    for number, status in enumerate(("diproses", "terverifikasi", "ditanggapi", "baru", "selesai")):
        case_in(database, status, str(8_000_000 + number))
    dinkes = case_in(database, "baru", "8100000")
    services.perform(database, ADMIN, Action.VERIFY, dinkes["id"], unit_code="DINKES", now=NOW)
    database.conn.close()
    location = settle(central_store, path)
    with running_server(location, clock=lambda: NOW) as url:
        yield Central(url, location, tokens)


def pull_all(
    client: httpx.Client, cursor: str = "", limit: int = 200
) -> tuple[list[dict[str, Any]], str]:
    pages: list[dict[str, Any]] = []
    while True:
        response = client.get(CHANGES, params={"cursor": cursor, "limit": limit})
        assert response.status_code == 200, response.text
        page = response.json()
        assert page["type"] == "desk-sync/changes"
        pages.append(page)
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return pages, cursor


def case_ids(pages: list[dict[str, Any]]) -> list[str]:
    return [c["case"]["tracking_no"] for page in pages for c in page["changes"] if "case" in c]


def test_a_full_pull_pages_through_the_offices_cases_once(central: Central) -> None:
    with central.client("pupr") as client:
        pages, _ = pull_all(client, limit=2)
    numbers = case_ids(pages)
    assert sorted(numbers) == ["8000000", "8000001", "8000002", "8000004"]  # PUPR's, not baru
    assert len(pages) == 2 and pages[0]["has_more"] and not pages[-1]["has_more"]
    # The reference data comes with the first page only: the office's unit and its officers.
    assert "reference" not in pages[1]
    reference = pages[0]["reference"]
    assert [u["code"] for u in reference["units"]] == ["PUPR"]
    assert {o["nip"] for o in reference["officers"]} >= {PETUGAS_PUPR.nip}
    assert all(o["unit_code"] == "PUPR" and "pin_hash" not in o for o in reference["officers"])
    # Each case comes with its whole timeline on a full pull, every event with a uid.
    first = next(c for c in pages[0]["changes"] if "case" in c)
    assert first["events"][0]["kind"] == "received"
    version = first["case"]["version"]
    assert len(first["events"]) == version  # one "received" plus one event per action
    # The events were written without uids (the desk's services): the server's start gave them
    # theirs, on PostgreSQL too (its automatic round once forgot to).
    events = [e for page in pages for c in page["changes"] if "case" in c for e in c["events"]]
    assert events and all(len(e.get("uid") or "") == 26 for e in events)


def events_by_case(pages: list[dict[str, Any]]) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for page in pages:
        for change in page["changes"]:
            if "case" in change:
                uids = result.setdefault(change["case"]["local_id"], set())
                uids.update(e["uid"] for e in change["events"])
    return result


def all_events(location: str, unit: str) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for local_id, uid in central_query(
        location,
        "SELECT c.local_id, e.uid FROM events e JOIN cases c ON c.id = e.case_id "
        "WHERE c.unit_code = ?",
        [unit],
    ):
        result.setdefault(local_id, set()).add(uid)
    return result


@pytest.mark.parametrize("limit", [1, 2, 3])
def test_a_case_changed_on_both_sides_of_a_page_boundary_keeps_every_event(
    central: Central, limit: int
) -> None:
    # Issue 14, defect 1: the first case of the log changes again after the others, so it
    # comes in a later page than its first events; it used to arrive with only the events
    # after that page's cursor ("one case showed 1 of its 8 events").
    [(first,)] = central_query(
        central.location,
        "SELECT tracking_no FROM cases WHERE unit_code = 'PUPR' AND status = 'diproses' "
        "ORDER BY id LIMIT 1",
    )
    central.act("pupr", PETUGAS_PUPR, "note", first, text="later")
    with central.client("pupr") as client:
        pages, cursor = pull_all(client, limit=limit)
        assert len(pages) > 1
        assert events_by_case(pages) == all_events(central.location, "PUPR")
        # And a pull resumed from a cursor in the middle of it (a desk cut off between pages)
        # still ends with every event.
        middle = pages[0]["next_cursor"]
        rest, _ = pull_all(client, cursor=middle, limit=limit)
    combined = events_by_case([pages[0], *rest])
    assert combined == all_events(central.location, "PUPR")
    assert cursor.count(".") == 1  # the pull is over: the cursor carries no base


def test_a_coordinator_sees_every_case_and_unit(central: Central) -> None:
    with central.client("prov") as client:
        pages, _ = pull_all(client)
    assert len(case_ids(pages)) == 6
    assert len(pages[0]["reference"]["units"]) == 4


def test_an_idle_pull_is_a_304_and_a_change_comes_with_only_its_new_events(
    central: Central,
) -> None:
    with central.client("pupr") as client:
        _, cursor = pull_all(client)
        idle = client.get(
            CHANGES, params={"cursor": cursor}, headers={"If-None-Match": f'"{cursor}"'}
        )
        assert idle.status_code == 304 and idle.content == b""
        # A change in another office's scope changes nothing for this one.
        central.act("prov", ADMIN, "note", "8100000", text="x")
        again = client.get(
            CHANGES, params={"cursor": cursor}, headers={"If-None-Match": f'"{cursor}"'}
        )
        assert again.status_code == 304
        # A change in scope: the case, whole, with just the new event.
        case = central.case("8000000")
        central.act("pupr", PETUGAS_PUPR, "note", "8000000", text="Baru")
        fresh = client.get(
            CHANGES, params={"cursor": cursor}, headers={"If-None-Match": f'"{cursor}"'}
        )
    assert fresh.status_code == 200
    page = fresh.json()
    [change] = page["changes"]
    assert change["case"]["tracking_no"] == "8000000"
    assert change["case"]["version"] == case["version"] + 1
    assert [e["body"] for e in change["events"]] == ["Baru"]
    assert "reference" not in page
    assert page["next_cursor"] != cursor


def test_unknown_cursors_answer_410(central: Central) -> None:
    with central.client("pupr") as client:
        _, cursor = pull_all(client)
        epoch, _, seq = cursor.partition(".")
        for bad in ("nonsense", f"{epoch}.{int(seq) + 1000}", f"zz{epoch}.{seq}"):
            gone = client.get(CHANGES, params={"cursor": bad})
            assert gone.status_code == 410
            assert gone.json()["type"] == "desk-sync/error"
        store = open_store(central.location)
        try:
            store.new_epoch()
        finally:
            store.close()
        assert client.get(CHANGES, params={"cursor": cursor}).status_code == 410
        # An empty cursor always works: the full re-pull.
        pages, fresh = pull_all(client)
    assert len(case_ids(pages)) == 4 and not fresh.startswith(epoch)


def test_a_case_disposed_away_becomes_a_tombstone_and_arrives_whole_elsewhere(
    central: Central,
) -> None:
    case = central.case("8000001")  # terverifikasi at PUPR
    assert (case["status"], case["unit_code"]) == ("terverifikasi", "PUPR")
    with central.client("pupr") as pupr, central.client("dinkes") as dinkes:
        _, pupr_cursor = pull_all(pupr)
        _, dinkes_cursor = pull_all(dinkes)
        central.act("prov", ADMIN, "dispose", "8000001", unit="DINKES")
        pupr_pages, _ = pull_all(pupr, pupr_cursor)
        dinkes_pages, _ = pull_all(dinkes, dinkes_cursor)
    assert pupr_pages[0]["changes"] == [{"gone": case["local_id"], "reason": "out_of_scope"}]
    [arrived] = dinkes_pages[0]["changes"]
    assert arrived["case"]["unit_code"] == "DINKES"
    # New to this office: the whole timeline, not only the dispose event.
    assert [e["kind"] for e in arrived["events"]] == ["received", "verify", "dispose"]


def test_anonymous_reporters_reach_only_coordinating_offices(central: Central) -> None:
    changed = central_execute(
        central.location,
        "UPDATE cases SET anonymous = 1, version = version + 1 WHERE tracking_no = ?",
        ["8000000"],
    )
    assert changed == 1
    with central.client("pupr") as pupr, central.client("prov") as prov:
        unit_view = next(
            c
            for p in pull_all(pupr)[0]
            for c in p["changes"]
            if c["case"]["tracking_no"] == "8000000"
        )
        hub_view = next(
            c
            for p in pull_all(prov)[0]
            for c in p["changes"]
            if c["case"]["tracking_no"] == "8000000"
        )
    assert unit_view["case"]["reporter"] is None
    assert unit_view["case"]["anonymous"] is True
    assert hub_view["case"]["reporter"]["nik"] == "6471010101900003"
    other = next(
        c
        for p in pull_all(central.client("pupr"))[0]
        for c in p["changes"]
        if c["case"]["tracking_no"] == "8000001"
    )
    assert other["case"]["reporter"]["name"] == "Andi Wijaya"


def test_limits_are_checked(central: Central) -> None:
    with central.client("pupr") as client:
        for limit in ("0", "1001", "x"):
            assert client.get(CHANGES, params={"limit": limit}).status_code == 400
        assert client.get(CHANGES, params={"since": "1"}).status_code == 400


def test_automatic_transitions_run_on_the_server_and_reach_the_feed(
    central_store: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = source(central_store, tmp_path)
    database, tokens = build(path)
    case = case_in(database, "diproses")  # followed up at NOW: closes by itself 10 HK later
    database.conn.close()
    location = settle(central_store, path)
    later = NOW + timedelta(days=30)
    with (
        running_server(location, clock=lambda: later) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['pupr']}"}) as client,
    ):
        pages, _ = pull_all(client)
    [change] = pages[0]["changes"]
    assert change["case"]["status"] == "selesai"
    last = change["events"][-1]
    assert (last["kind"], last["actor_kind"], last["to_status"]) == (
        "auto_close",
        "system",
        "selesai",
    )
    assert len(last["uid"]) == 26
    assert case_row(location, case["tracking_no"])["status"] == "selesai"


def test_automatic_transitions_keep_running_while_the_server_runs(
    central_store: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = source(central_store, tmp_path)
    database, tokens = build(path)
    case_in(database, "diproses")
    database.conn.close()
    location = settle(central_store, path)
    clock = [NOW]
    with (
        running_server(location, clock=lambda: clock[0], auto_interval=0.1) as url,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {tokens['pupr']}"}) as client,
    ):
        pages, cursor = pull_all(client)
        assert pages[0]["changes"][0]["case"]["status"] == "diproses"
        clock[0] = NOW + timedelta(days=30)  # the reporter never answered
        for _ in range(50):
            page = client.get(CHANGES, params={"cursor": cursor}).json()
            if page["changes"]:
                break
            time.sleep(0.05)
    [change] = page["changes"]
    assert change["case"]["status"] == "selesai"
    assert [e["kind"] for e in change["events"]] == ["auto_close"]


def test_a_cursor_at_the_end_of_the_log_is_an_idle_page_known_without_reading_the_log() -> None:
    """A desk's idle sync (most requests a server gets) is answered from the epoch and the end
    of the log alone, as the whole page would answer it; any other cursor reads the page."""
    from desk.central.feed import Page, idle_page

    assert idle_page("ep.40", "ep", 40) == Page(None, "ep.40")
    assert idle_page("ep.40.12", "ep", 40) == Page(None, "ep.40")  # the last page's base: done
    assert idle_page("ep.39", "ep", 40) is None  # a change after it: read the page
    assert idle_page("", "ep", 40) is None  # a first pull
    assert idle_page("old.40", "ep", 40) is None  # another epoch: the page says 410
    assert idle_page("ep.41", "ep", 40) is None  # from the future: 410 too
    assert idle_page("ep.0", "ep", 0) is None  # an empty log: reference data come first
