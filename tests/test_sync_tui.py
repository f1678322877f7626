"""Sync in the TUI: the key runs the same sync in a worker; conflicts are shown side by side."""

from __future__ import annotations

from pathlib import Path

from db import open_database
from desk.app import DeskApp
from desk.sync.remote import save_remote
from screens.conflicts import ConflictsScreen
from tests.conftest import ADMIN, NOW, make_office
from tests.test_sync_client import TOKEN, FakeCentral
from tests.test_sync_wire import central, queue_ops  # noqa: F401  (fixture)
from widgets.status_line import StatusLine


def office_with_ops(path: Path, fake: FakeCentral, port: int, count: int) -> list[str]:
    database = open_database(path)
    make_office(database)
    ids = queue_ops(database, fake, count)
    save_remote(database, path, f"http://127.0.0.1:{port}", TOKEN)
    database.conn.close()
    return ids


async def settle(app: DeskApp) -> None:
    for _ in range(4):
        await app.workers.wait_for_complete()


def status_text(app: DeskApp) -> str:
    return str(app.screen.query_one(StatusLine).render())


async def test_the_sync_key_sends_the_outbox_and_the_status_line_follows(
    tmp_path: Path,
    central: tuple[FakeCentral, int],  # noqa: F811
) -> None:
    fake, port = central
    path = tmp_path / "desk.db"
    office_with_ops(path, fake, port, 3)
    app = DeskApp(path, ADMIN, office_tz="Asia/Makassar", clock=lambda: NOW)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(app)
        assert "antrean kirim: 3" in status_text(app)
        palette = [command.title for command in app.get_system_commands(app.screen)]
        assert "Sinkron (S)" in palette and "Konflik sinkron (K)" in palette
        await pilot.press("S")
        await settle(app)
        await pilot.pause()
        await settle(app)
        assert "antrean kirim: 0" in status_text(app)
        assert "sinkron terakhir" in status_text(app)
    assert sorted(fake.applications.values()) == [1, 1, 1]


async def test_a_conflict_is_shown_side_by_side_and_resolved_with_keep_theirs(
    tmp_path: Path,
    central: tuple[FakeCentral, int],  # noqa: F811
) -> None:
    fake, port = central
    path = tmp_path / "desk.db"
    (local_id,) = office_with_ops(path, fake, port, 1)
    fake.server_edit(local_id, unit_code="DINKES")
    app = DeskApp(path, ADMIN, office_tz="Asia/Makassar", clock=lambda: NOW)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(app)
        await pilot.press("S")
        await settle(app)
        await pilot.pause()
        await settle(app)
        assert "konflik: 1" in status_text(app)
        await pilot.press("K")
        await settle(app)
        await pilot.pause()
        assert isinstance(app.screen, ConflictsScreen)
        mine = str(app.screen.query_one("#mine").render())
        theirs = str(app.screen.query_one("#theirs").render())
        assert "* Unit: PUPR" in mine and "* Unit: DINKES" in theirs
        await pilot.press("T")
        await settle(app)
        await pilot.pause()
        await pilot.press("escape")
        await settle(app)
        await pilot.pause()
        assert "konflik" not in status_text(app)
    database = open_database(path)
    row = database.execute("SELECT unit_code, conflict FROM cases").fetchone()
    assert row == ("DINKES", None)


async def test_a_refused_action_is_counted_on_the_status_line_and_named_after_the_sync(
    tmp_path: Path,
    central: tuple[FakeCentral, int],  # noqa: F811
) -> None:
    from desk import services
    from desk.drafts import load_draft
    from desk.workflow import Action
    from tests.conftest import PETUGAS_PUPR

    fake, port = central
    path = tmp_path / "desk.db"
    (local_id,) = office_with_ops(path, fake, port, 1)
    database = open_database(path)
    case = services.find_case(database, local_id)
    services.perform(
        database, PETUGAS_PUPR, Action.FOLLOW_UP, case["id"], text="Sudah dikerjakan.", now=NOW
    )
    database.conn.close()
    fake.disabled.add(PETUGAS_PUPR.nip)
    app = DeskApp(path, ADMIN, office_tz="Asia/Makassar", clock=lambda: NOW)
    messages: list[str] = []
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(app)
        original = app.notify

        def notify(message: str, *args: object, **kwargs: object) -> None:
            messages.append(message)
            original(message, *args, **kwargs)  # type: ignore[arg-type]

        app.notify = notify  # type: ignore[method-assign]
        await pilot.press("S")
        await settle(app)
        await pilot.pause()
        await settle(app)
        assert "ditolak pusat: 1" in status_text(app)
    told = "\n".join(messages)
    assert "#8200000 tindak lanjut" in told and "draf tindak lanjut" in told
    database = open_database(path)
    row = database.execute("SELECT status FROM cases WHERE id = ?", [case["id"]]).fetchone()
    assert row[0] == "terverifikasi"  # the server's: the follow-up never happened there
    draft = load_draft(database, case["id"], PETUGAS_PUPR.nip)
    assert draft is not None and draft.body == "Sudah dikerjakan."
