"""Issue 14, defects 2 and 3, against the REAL central server (uvicorn on 127.0.0.1):

- an operation the central system refuses is undone on the desk (the case is the server's again,
  in the same sync), the officer is told (the sync's JSON, `desk sync rejected`, a notice) and
  their text is kept as a draft; operations stacked on it are judged again, not refused whole;
- a conflict is reported only where the outcomes differ, with the fields that differ, and
  "keep theirs" keeps the officer's text; an outcome already in place is no conflict at all.

On either central store (`central_store`: SQLite, then PostgreSQL).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from typer.testing import CliRunner

from db import open_database
from desk import attachments, services
from desk.central.store import fill_event_uids, open_central
from desk.central.store_api import open_store
from desk.central.testing import prepare_central, running_server
from desk.cli.main import app as cli
from desk.drafts import NOTE, REASON, REPLY, SEPARATOR, load_draft, save_draft
from desk.errors import ActionRefused
from desk.sync.conflicts import list_conflicts, list_notices, list_rejected, resolve
from desk.sync.remote import Remote, save_remote
from desk.sync.run import SyncReport, run_sync
from desk.sync.transport import RetryPolicy
from desk.workflow import Action, Actor, Role
from tests.pg_support import central_execute, central_query, central_store  # noqa: F401
from tests.test_sync_server import sqlite_first

FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05)
runner = CliRunner()


class World:
    """A central server with fresh unverified reports and two coordinating offices."""

    def __init__(self, location: str, url: str, tokens: dict[str, str]) -> None:
        self.location, self.url, self.tokens = location, url, tokens

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return central_query(self.location, sql, params or [])

    def execute(self, sql: str, params: list[Any] | None = None) -> None:
        central_execute(self.location, sql, params or [])

    def case(self, local_id: str) -> tuple[Any, ...]:
        (row,) = self.query(
            "SELECT status, unit_code, assignee_nip, version FROM cases WHERE local_id = ?",
            [local_id],
        )
        return tuple(row)

    def event_uids(self, local_id: str) -> set[str]:
        rows = self.query(
            "SELECT e.uid FROM events e JOIN cases c ON c.id = e.case_id WHERE c.local_id = ?",
            [local_id],
        )
        return {str(r[0]) for r in rows}

    def disable(self, nip: str) -> None:
        self.execute("UPDATE officers SET active = 0 WHERE nip = ?", [nip])


@pytest.fixture
def world(central_store: str) -> Iterator[World]:  # noqa: F811
    # The reports are made as an import makes them (services.create_case, SQLite only): on
    # PostgreSQL in a scratch SQLite file that is then migrated in (tests/test_sync_server.py).
    with sqlite_first(central_store) as path:
        prepare_central(path, cases=10)
        database = open_central(path)
        try:
            for number in range(8):
                services.create_case(
                    database,
                    {
                        "title": f"Laporan baru {number}",
                        "body": "Lampu jalan mati di Jl. Pahlawan.",
                    },
                    reporter={"name": f"Warga {number}", "phone": "0812345678"},
                    source="import",
                )
            fill_event_uids(database)
        finally:
            database.conn.close()
    codes = [r[0] for r in central_query(central_store, "SELECT code FROM units ORDER BY code")]
    store = open_store(central_store)
    try:
        tokens = {name: store.add_office(name, codes, coordinator=True) for name in ("a", "b")}
    finally:
        store.close()
    with running_server(central_store, rate=1000, burst=1000) as url:
        yield World(central_store, url, tokens)


def new_desk(tmp_path: Path, world: World, office: str = "a") -> sqlite_utils.Database:
    path = tmp_path / f"{office}.db"
    database = open_database(path)
    save_remote(database, path, world.url, world.tokens[office])
    assert sync(database, world, office).outcome == "ok"
    return database


def sync(database: sqlite_utils.Database, world: World, office: str = "a", **kw: Any) -> SyncReport:
    kw.setdefault("policy", FAST)
    return run_sync(database, Remote(world.url, world.tokens[office]), **kw)


def officer(database: sqlite_utils.Database, role: str, unit: str | None = None) -> Actor:
    row = database.execute(
        "SELECT nip, name, unit_code FROM officers WHERE role = ? AND active = 1 "
        "AND (? IS NULL OR unit_code = ?) ORDER BY nip LIMIT 1",
        [role, unit, unit],
    ).fetchone()
    return Actor(row[0], row[1], Role(role), row[2])


def petugas(database: sqlite_utils.Database, unit: str) -> list[Actor]:
    rows = database.execute(
        "SELECT nip, name FROM officers WHERE role = 'petugas' AND active = 1 AND unit_code = ? "
        "ORDER BY nip",
        [unit],
    ).fetchall()
    return [Actor(nip, name, Role.PETUGAS, unit) for nip, name in rows]


def unit_with_two_officers(database: sqlite_utils.Database) -> str:
    return str(
        database.execute(
            "SELECT unit_code FROM officers WHERE role = 'petugas' AND active = 1 "
            "GROUP BY unit_code HAVING count(*) >= 2 ORDER BY unit_code LIMIT 1"
        ).fetchone()[0]
    )


def act(
    database: sqlite_utils.Database, actor: Actor, action: Action, local_id: str, **kw: Any
) -> str:
    case = services.find_case(database, local_id)
    return services.perform(database, actor, action, case["id"], **kw).op_id


def case_at(
    database: sqlite_utils.Database, world: World, status: str, unit: str, index: int = 0
) -> str:
    """A fresh report walked (and synced) to `status` at `unit`; returns its local id."""
    local_id = database.execute(
        "SELECT local_id FROM cases WHERE status = 'baru' AND title LIKE 'Laporan baru %' "
        "ORDER BY local_id LIMIT 1 OFFSET ?",
        [index],
    ).fetchone()[0]
    admin = officer(database, "admin")
    act(database, admin, Action.VERIFY, local_id, unit_code=unit)
    if status in ("diproses", "ditanggapi"):
        first = petugas(database, unit)[0]
        act(database, first, Action.FOLLOW_UP, local_id, text="Dijadwalkan minggu ini.")
    if status == "ditanggapi":
        act(database, admin, Action.REPORTER_REPLY, local_id, text="Belum ada yang datang.")
    assert sync(database, world).outcome == "ok"
    assert services.find_case(database, local_id)["status"] == status
    return str(local_id)


def desk_case(database: sqlite_utils.Database, local_id: str) -> tuple[Any, ...]:
    row = database.execute(
        "SELECT status, unit_code, assignee_nip, version FROM cases WHERE local_id = ?",
        [local_id],
    ).fetchone()
    return tuple(row)


def desk_uids(database: sqlite_utils.Database, local_id: str) -> set[str]:
    rows = database.execute(
        "SELECT e.uid FROM events e JOIN cases c ON c.id = e.case_id WHERE c.local_id = ?",
        [local_id],
    ).fetchall()
    return {str(r[0]) for r in rows}


def converged(database: sqlite_utils.Database, world: World, local_id: str) -> None:
    assert desk_case(database, local_id) == world.case(local_id)
    assert desk_uids(database, local_id) == world.event_uids(local_id)


# -- defect 2: a refused operation is undone on the desk ---------------------------------------


def test_a_follow_up_of_an_officer_disabled_centrally_is_undone_and_its_text_kept(
    tmp_path: Path, world: World
) -> None:
    desk = new_desk(tmp_path, world)
    unit = unit_with_two_officers(desk)
    local_id = case_at(desk, world, "terverifikasi", unit)
    writer = petugas(desk, unit)[0]
    text = "Jalan sudah kami tambal pada 3 Desember; mohon dicek kembali."
    op_id = act(desk, writer, Action.FOLLOW_UP, local_id, text=text)
    assert desk_case(desk, local_id)[0] == "diproses"
    world.disable(writer.nip)  # meanwhile, on the central system

    path = tmp_path / "a.db"
    result = runner.invoke(
        cli,
        ["--lang", "en", "sync", "--db", str(path), "--json"],
    )

    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    (refused,) = report["refused"]
    label = services.case_label(services.find_case(desk, local_id))
    assert (refused["case"], refused["action"], refused["result"]) == (
        label,
        "follow_up",
        "rejected",
    )
    assert "403 role" in refused["reason"] and writer.nip in refused["reason"]
    assert refused["draft"] == REPLY and refused["undone"] is True
    # The case is the server's again, in this same sync: status, version, timeline.
    desk.conn.close()
    desk = open_database(path)
    assert world.case(local_id)[0] == "terverifikasi"
    converged(desk, world, local_id)
    assert op_id not in desk_uids(desk, local_id)
    # Nothing is lost: the text is the officer's reply draft, and the officer is told.
    case_id = services.find_case(desk, local_id)["id"]
    draft = load_draft(desk, case_id, writer.nip)
    assert draft is not None and draft.body == text
    (notice,) = list_notices(desk, case_id)
    assert notice.op_id == op_id and notice.draft == REPLY
    (listed,) = list_rejected(desk)
    assert listed.op_id == op_id and listed.undone
    shown = runner.invoke(
        cli,
        ["--lang", "en", "sync", "rejected", "--db", str(path)],
    )
    words = " ".join(shown.output.split())  # the table wraps its columns
    assert "follow up" in words and "central copy" in words and "follow-up" in words
    # Later syncs stay quiet and later actions go through (no "base version newer").
    admin = officer(desk, "admin")
    note = act(desk, admin, Action.NOTE, local_id, text="Petugas lapangan diganti.")
    again = sync(desk, world)
    assert again.outcome == "ok", again.refused
    assert world.event_uids(local_id) >= {note}
    converged(desk, world, local_id)


@pytest.mark.parametrize("batch_ops", [200, 1], ids=["one-request", "one-op-per-request"])
def test_ops_stacked_on_a_refused_one_are_judged_again_and_the_case_converges(
    tmp_path: Path, world: World, batch_ops: int
) -> None:
    desk = new_desk(tmp_path, world)
    unit = unit_with_two_officers(desk)
    local_id = case_at(desk, world, "terverifikasi", unit)
    writer, other = petugas(desk, unit)[:2]
    admin = officer(desk, "admin")
    # Offline: a follow-up (refused: its officer is disabled centrally), then an assignment
    # and a close stacked on it.
    follow_up = act(desk, writer, Action.FOLLOW_UP, local_id, text="Sudah kami perbaiki.")
    assign = act(desk, admin, Action.ASSIGN, local_id, officer_nip=other.nip)
    close = act(desk, admin, Action.CLOSE, local_id)
    assert desk_case(desk, local_id)[0] == "selesai"
    world.disable(writer.nip)

    report = sync(desk, world, batch_ops=batch_ops)

    states = dict(desk.execute("SELECT op_id, state FROM outbox").fetchall())
    # The assignment is judged from what the desk saw of the server: it applies. The close was
    # made on the follow-up's status, which the server never had: judged again, refused.
    assert (states[follow_up], states[assign], states[close]) == ("rejected", "done", "rejected")
    reasons = {r.op_id: r.reason for r in list_rejected(desk)}
    assert "403 role" in reasons[follow_up] and "422 invalid" in reasons[close]
    assert report.ops_applied == 1 and report.ops_rejected == 2
    assert world.case(local_id)[:3] == ("terverifikasi", unit, other.nip)
    converged(desk, world, local_id)
    assert sync(desk, world).outcome == "ok"


def test_a_refused_attach_forgets_the_row_but_keeps_the_file(tmp_path: Path, world: World) -> None:
    desk = new_desk(tmp_path, world)
    unit = unit_with_two_officers(desk)
    local_id = case_at(desk, world, "terverifikasi", unit)
    writer = petugas(desk, unit)[0]
    picture = tmp_path / "jalan.jpg"
    picture.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(2000))
    done = attachments.attach(desk, writer, local_id, picture)
    world.disable(writer.nip)

    report = sync(desk, world)

    assert report.ops_rejected == 1
    case_id = services.find_case(desk, local_id)["id"]
    assert attachments.list_attachments(desk, case_id) == []
    assert attachments.stored_path(attachments.store_root(desk), done.stored.sha256).exists()
    converged(desk, world, local_id)
    (notice,) = list_notices(desk, case_id)
    assert notice.kind == "attach"


def test_a_refused_create_keeps_the_case_made_at_the_desk(tmp_path: Path, world: World) -> None:
    desk = new_desk(tmp_path, world)
    unit = unit_with_two_officers(desk)
    writer = petugas(desk, unit)[0]
    case = services.create_case(
        desk,
        {"title": "Lampu mati", "body": "Sejak Senin, di depan pasar.", "channel": "loket"},
        reporter={"name": "Rina"},
        source="desk",
        actor_nip=writer.nip,
    )
    uids = desk_uids(desk, case["local_id"])
    world.disable(writer.nip)

    report = sync(desk, world)

    assert report.ops_rejected == 1
    # It exists nowhere else: kept as the officer recorded it, and the officer is told.
    assert services.find_case(desk, case["local_id"])["title"] == "Lampu mati"
    assert desk_uids(desk, case["local_id"]) == uids
    (rejection,) = list_rejected(desk)
    assert rejection.kind == "create" and not rejection.undone
    assert [n.op_id for n in list_notices(desk, case["id"])] == [rejection.op_id]


def test_a_refused_text_never_overwrites_the_officers_draft(tmp_path: Path, world: World) -> None:
    desk = new_desk(tmp_path, world)
    unit = unit_with_two_officers(desk)
    local_id = case_at(desk, world, "terverifikasi", unit)
    writer = petugas(desk, unit)[0]
    case_id = services.find_case(desk, local_id)["id"]
    act(desk, writer, Action.FOLLOW_UP, local_id, text="Tim sudah ke lokasi.")
    act(desk, writer, Action.NOTE, local_id, text="Pelapor sulit dihubungi.")
    save_draft(desk, case_id, writer.nip, "Yth. Bapak/Ibu, kami sedang")  # a reply half-written
    world.disable(writer.nip)

    sync(desk, world)

    reply = load_draft(desk, case_id, writer.nip)
    assert reply is not None
    assert reply.body == "Yth. Bapak/Ibu, kami sedang" + SEPARATOR + "Tim sudah ke lokasi."
    note = load_draft(desk, case_id, writer.nip, kind=NOTE)
    assert note is not None and note.body == "Pelapor sulit dihubungi."
    converged(desk, world, local_id)


# -- defect 3: conflicts only where the outcomes differ ----------------------------------------


def test_a_follow_up_on_a_case_closed_centrally_is_an_honest_conflict_and_keeps_its_text(
    tmp_path: Path, world: World
) -> None:
    a = new_desk(tmp_path, world, "a")
    unit = unit_with_two_officers(a)
    local_id = case_at(a, world, "diproses", unit)
    b = new_desk(tmp_path, world, "b")
    writer = petugas(a, unit)[0]
    text = "Perbaikan selesai hari ini, terima kasih atas laporannya."
    act(a, writer, Action.FOLLOW_UP, local_id, text=text)  # diproses → diproses: no status
    act(b, officer(b, "admin"), Action.CLOSE, local_id)
    assert sync(b, world, "b").outcome == "ok"

    report = sync(a, world)

    assert report.ops_conflict == 1
    (conflict,) = list_conflicts(a)
    # What the follow-up meant (the case followed up) against what the server has (closed).
    assert conflict.fields == ["status"]
    assert (conflict.mine, conflict.theirs) == ({"status": "diproses"}, {"status": "selesai"})
    assert conflict.keep_mine is not None and conflict.texts == [REPLY]
    wide = {"COLUMNS": "200"}
    shown = runner.invoke(cli, ["sync", "conflicts", "--db", str(tmp_path / "a.db")], env=wide)
    words = " ".join(shown.output.split())
    # Mine and theirs side by side (a narrow terminal wraps the cells, so word by word).
    assert {"Ditindaklanjuti", "Selesai"} <= set(words.split()), words
    assert "Pakai versi saya tidak bisa" in words and "draf (tindak lanjut)" in words, words
    with pytest.raises(ActionRefused, match=r"keep theirs|pakai versi pusat"):
        resolve(a, local_id, "mine", officer(a, "admin"))
    assert [c.local_id for c in list_conflicts(a)] == [local_id]  # refused: nothing changed

    resolution = resolve(a, local_id, "theirs", officer(a, "admin"))

    assert resolution.drafts == [REPLY]
    draft = load_draft(a, services.find_case(a, local_id)["id"], writer.nip)
    assert draft is not None and draft.body == text
    assert sync(a, world).outcome == "ok"
    converged(a, world, local_id)


def test_a_close_against_a_close_is_no_conflict(tmp_path: Path, world: World) -> None:
    a = new_desk(tmp_path, world, "a")
    unit = unit_with_two_officers(a)
    local_id = case_at(a, world, "ditanggapi", unit)
    b = new_desk(tmp_path, world, "b")
    mine = act(a, officer(a, "admin"), Action.CLOSE, local_id)
    act(b, officer(b, "admin"), Action.CLOSE, local_id)
    assert sync(b, world, "b").outcome == "ok"

    report = sync(a, world)

    assert report.outcome == "ok" and report.ops_conflict == 0, report.refused
    assert list_conflicts(a) == []
    state, result = a.execute("SELECT state, result FROM outbox WHERE op_id = ?", [mine]).fetchone()
    assert state == "superseded" and json.loads(result)["r"] == "same"
    assert mine not in world.event_uids(local_id)  # it never happened centrally
    converged(a, world, local_id)


def test_a_hold_against_a_hold_keeps_its_reason_as_a_draft(tmp_path: Path, world: World) -> None:
    a = new_desk(tmp_path, world, "a")
    b = new_desk(tmp_path, world, "b")
    local_id = a.execute(
        "SELECT local_id FROM cases WHERE status = 'baru' AND title LIKE 'Laporan baru %' "
        "ORDER BY local_id LIMIT 1"
    ).fetchone()[0]
    admin = officer(a, "admin")
    act(a, admin, Action.HOLD, local_id, reason="Foto lokasi belum ada.")
    act(b, officer(b, "admin"), Action.HOLD, local_id, reason="Alamat kurang jelas.")
    assert sync(b, world, "b").outcome == "ok"

    report = sync(a, world)

    assert report.ops_conflict == 0 and report.ops_rejected == 0
    case_id = services.find_case(a, local_id)["id"]
    draft = load_draft(a, case_id, admin.nip, kind=REASON)
    assert draft is not None and draft.body == "Foto lokasi belum ada."
    assert [n.result for n in list_notices(a, case_id)] == ["same"]
    converged(a, world, local_id)
