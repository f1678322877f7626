"""The inbox as an officer uses it: views, counts, paging, search, marks — and hostile text."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlite_utils

from db import open_database
from desk import services
from desk.app import DeskApp
from desk.i18n import set_language
from desk.inbox import InboxSource
from desk.workflow import Action
from screens.inbox import InboxScreen
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, PIMPINAN, make_office
from widgets.case_list import PAGE, CaseList

HOSTILE_TITLE = "[bold]Jalan[/bold] \x1b[2J rusak [/x] \x1b]52;c;SGVsbG8=\x07 \u202eabc"


def build_office(path: Path, cases: int = 30) -> sqlite_utils.Database:
    database = open_database(path)
    make_office(database)
    titles = [
        "Jalan rusak di Jl. Juanda",
        "Lampu jalan mati",
        "Sampah menumpuk di pasar",
        "Puskesmas tutup",
        "Banjir di Sempaja",
    ]
    for number in range(cases):
        received = NOW - timedelta(days=number % 9, hours=number)
        case = services.create_case(
            database,
            {
                "tracking_no": str(8100000 + number),
                "title": HOSTILE_TITLE if number == 3 else titles[number % len(titles)],
                "body": "Mohon segera diperbaiki.",
                "category": "INFRASTRUKTUR",
                "channel": ("web", "sms", "whatsapp")[number % 3],
                "anonymous": number % 7 == 0,
            },
            reporter={"name": f"Warga {number}", "nik": "6471010101900003"},
            received_at=received,
            now=received,
        )
        if number % 4 == 1:
            services.perform(
                database, ADMIN, Action.VERIFY, case["id"], unit_code="PUPR", now=received
            )
    return database


@pytest.fixture
def office(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    build_office(path).conn.close()
    return path


@pytest.fixture(autouse=True)
def language() -> Iterator[None]:
    set_language("id")
    yield
    set_language("id")


def desk_app(path: Path, actor=ADMIN) -> DeskApp:  # type: ignore[no-untyped-def]
    return DeskApp(path, actor, office_tz="Asia/Makassar", clock=lambda: NOW)


async def settle(app: DeskApp) -> None:
    await app.workers.wait_for_complete()
    await app.workers.wait_for_complete()


def hold_pages(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make every page of cases wait until the returned event is set (a slow list)."""
    release = threading.Event()
    page = InboxSource.page

    def slow_page(self: InboxSource, *args, **kwargs):  # type: ignore[no-untyped-def]
        release.wait(5)
        return page(self, *args, **kwargs)

    monkeypatch.setattr(InboxSource, "page", slow_page)
    return release


def hold_counts(app: DeskApp) -> threading.Event:
    """Make the app's case counts wait until the returned event is set (a slow count)."""
    assert app.source is not None
    count_now = threading.Event()
    real_count = app.source.count

    def late_count(query):  # type: ignore[no-untyped-def]
        count_now.wait(10)
        return real_count(query)

    app.source.count = late_count  # type: ignore[method-assign]
    return count_now


async def test_the_inbox_opens_on_the_views_with_counts(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, InboxScreen)
        assert screen.counts["semua"] == 30
        assert screen.counts["verifikasi"] == 22  # 8 of 30 were verified to PUPR
        cases = screen.query_one(CaseList)
        assert cases.total == 22 and len(cases.rows) == 22
        # Most urgent first: the deadlines never go backwards down the list.
        dues = [row["due_sort"] for row in cases.rows]
        assert dues == sorted(dues)


async def test_number_keys_switch_views_and_petugas_start_on_their_unit(office: Path) -> None:
    app = desk_app(office, PETUGAS_PUPR)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        cases = app.screen.query_one(CaseList)
        assert cases.total == 8
        assert {row["unit_code"] for row in cases.rows} == {"PUPR"}
        await pilot.press("1")  # needs verification: none of PUPR's
        await settle(app)
        assert cases.total == 0
        await pilot.press("7")  # all: all that a petugas may read, their unit's (test_read_access)
        await settle(app)
        assert cases.total == 8


async def test_paging_through_many_cases_keeps_only_a_window(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    build_office(path, cases=PAGE * 8).conn.close()
    app = desk_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app)
        await pilot.press("7")
        await settle(app)
        cases = app.screen.query_one(CaseList)
        seen = set()
        for _ in range(PAGE * 8 // 25 + 5):
            await pilot.press("pagedown")
            await settle(app)
            seen.update(row["id"] for row in cases.rows)
            assert len(cases.rows) <= 6 * PAGE
        assert cases.position == PAGE * 8 - 1  # the last case, reached by paging
        assert len(seen) == PAGE * 8
        await pilot.press("g")
        await settle(app)
        assert cases.position == 0
        await pilot.press("G")
        await settle(app)
        assert cases.position == PAGE * 8 - 1
        await pilot.press("k")
        assert cases.position == PAGE * 8 - 2


async def test_search_with_words_and_qualifiers(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("7", "slash")
        await pilot.press(*"sampah kanal:sms")
        await pilot.press("enter")
        await settle(app)
        cases = app.screen.query_one(CaseList)
        assert cases.total > 0
        assert all("Sampah" in row["title"] and row["channel"] == "sms" for row in cases.rows)
        await pilot.press("escape")
        await settle(app)
        assert cases.total == 30


async def test_a_search_changes_the_screen_once_its_rows_are_there(
    office: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The list keeps the old rows and the input keeps the focus while the first page is read
    # (a repaint meanwhile would slow the query down); a slow search shows after LIST_QUIET.

    from screens import inbox as inbox_screen
    from widgets.search_input import SearchInput

    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("7", "slash", *"sampah")
        await settle(app)
        screen = app.screen
        cases = screen.query_one(CaseList)
        shown = [row["id"] for row in cases.rows]
        page = InboxSource.page
        release = hold_pages(monkeypatch)
        monkeypatch.setattr(inbox_screen, "LIST_QUIET", 1.0)  # long enough for a slow test run
        await pilot.press("enter")
        await pilot.pause(0.05)
        assert isinstance(app.focused, SearchInput)  # nothing changed yet
        await pilot.pause(1.2)
        assert app.focused is cases  # slow: the screen says the search runs
        assert "sampah" in str(screen.query_one("#title").render())
        release.set()
        await settle(app)
        await pilot.pause()
        assert cases.rows and [row["id"] for row in cases.rows] != shown
        assert all("Sampah" in row["title"] for row in cases.rows)

        monkeypatch.setattr(InboxSource, "page", page)
        await pilot.press("slash", *"jalan", "enter")
        await settle(app)
        await pilot.pause()
        assert app.focused is cases  # fast: focused in the frame that drew the rows
        assert cases.rows and all("jalan" in row["title"].lower() for row in cases.rows)


async def test_a_view_switch_redraws_once_its_rows_are_there(
    office: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    from textual.widgets import OptionList

    from screens import inbox as inbox_screen

    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        views = app.screen.query_one("#views", OptionList)
        before = views.highlighted
        release = hold_pages(monkeypatch)
        monkeypatch.setattr(inbox_screen, "LIST_QUIET", 5.0)
        await pilot.press("7")
        await pilot.pause(0.05)
        assert views.highlighted == before  # the old view still shown while its rows load
        release.set()
        await settle(app)
        await pilot.pause()
        assert views.highlighted == 6 and app.screen.query_one(CaseList).total == 30


async def test_a_bad_search_says_why_and_keeps_the_list(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("slash", *"warna:merah", "enter")
        await settle(app)
        assert app.screen.query_one(CaseList).total == 22
        notes = [n.message for n in app._notifications]
        assert any("warna" in message for message in notes)


async def test_marking_cases(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("space", "space", "j", "space")
        cases = app.screen.query_one(CaseList)
        assert len(cases.marked) == 3
        await pilot.press("k", "space")
        assert len(cases.marked) == 2


async def test_hostile_text_is_shown_literally(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(250, 40)) as pilot:
        await settle(app)
        await pilot.press("7")
        await settle(app)
        lines = [app.screen.query_one(CaseList).render_line(y).text for y in range(1, 32)]
        hostile = next(line for line in lines if "Jalan[/bold]" in line)
        assert "[bold]Jalan[/bold]" in hostile and "[/x]" in hostile
        assert "\x1b" not in hostile and "\x07" not in hostile and "\u202e" not in hostile


async def test_pimpinan_sees_initials_not_names(office: Path) -> None:
    app = desk_app(office, PIMPINAN)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app)
        await pilot.press("7")
        await settle(app)
        names = {row["reporter_name"] for row in app.screen.query_one(CaseList).rows}
        names.discard(None)  # anonymous cases: no name in the row at all
        assert "W. 1." in names and not any(name.startswith("Warga") for name in names)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_inbox_snapshot(snap_compare, office: Path, size: tuple[int, int], lang: str) -> None:  # type: ignore[no-untyped-def]
    set_language(lang)

    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot.app)
        await pilot.press("7")
        await settle(pilot.app)
        await pilot.press("j", "space")
        await pilot.pause()

    assert snap_compare(desk_app(office), terminal_size=size, run_before=ready)


async def test_the_palette_lists_the_screen_actions(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert any(title.startswith("Cari") for title in titles)
        assert any(title.startswith("Urutan") for title in titles)
        await pilot.press("question_mark")
        await pilot.pause()
        # Every key of the screen: Textual's help panel, or the desk's own list of keys.
        assert app.screen.query("HelpPanel") or type(app.screen).__name__ == "KeysDialog"


async def test_a_locked_database_is_a_notification_not_a_crash(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        cases = app.screen.query_one(CaseList)
        await pilot.press("space")  # a mark the officer must not lose

        def locked(**kwargs: object) -> list[dict[str, object]]:
            import sqlite3

            raise sqlite3.OperationalError("database is locked")

        cases.loader = locked
        cases.at_end = False
        await pilot.press("G")
        await settle(app)
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("sedang dipakai" in m for m in messages), messages  # Indonesian by default
        assert len(cases.marked) == 1 and cases.rows  # marks and rows are still there


async def test_marked_cases_are_disposed_together_after_confirming_the_count(
    office: Path,
) -> None:
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("space", "space", "space", "space")  # four new cases
        await pilot.press("v")
        await settle(app)
        await pilot.press(*"dinkes", "enter")
        await pilot.pause()
        assert "4" in str(app.screen.query_one("#dialog-message").render())
        await pilot.press("y")
        await settle(app)
        await pilot.pause()
    database = open_database(office)
    disposed = database.execute(
        "SELECT count(*) FROM cases WHERE unit_code = 'DINKES' AND status = 'terverifikasi'"
    ).fetchone()[0]
    assert disposed == 4
    ops = database.execute("SELECT count(*) FROM outbox WHERE kind = 'verify'").fetchone()[0]
    assert ops == 8 + 4  # the fixture's own verifications and these four


async def test_mark_the_whole_view(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("V")
        await settle(app)
        assert len(app.screen.query_one(CaseList).marked) == 22


async def test_jumping_to_the_end_before_the_count_arrives_still_says_where(
    tmp_path: Path,
) -> None:
    path = tmp_path / "desk.db"
    build_office(path, cases=PAGE * 3).conn.close()
    app = desk_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app)
        count_now = hold_counts(app)
        cases = app.screen.query_one(CaseList)
        assert isinstance(app.screen, InboxScreen)
        app.screen.counts = {}  # the side list's counts not known yet either
        await pilot.press("7", "G")
        for _ in range(100):  # the last page arrives while the count is still held back
            await pilot.pause(0.02)
            if cases.rows and cases.at_end and not cases.at_start:
                break
        assert cases.total == 0 and cases.rows
        count_now.set()
        await settle(app)
        assert cases.position == PAGE * 3 - 1


async def test_a_view_shows_the_side_lists_count_before_its_own(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    build_office(path, cases=PAGE * 3).conn.close()
    app = desk_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app)
        count_now = hold_counts(app)
        cases = app.screen.query_one(CaseList)
        await pilot.press("7")
        for _ in range(100):
            await pilot.pause(0.02)
            if cases.rows and cases.rows[0]["id"]:
                break
        assert cases.total == PAGE * 3  # from the side list, while the count is held back
        assert "300" in str(app.screen.query_one("#title").render())
        count_now.set()
        await settle(app)
        assert cases.total == PAGE * 3


def test_worker_threads_reuse_connections(office: Path) -> None:
    source = InboxSource(office, ADMIN)
    seen: list[object] = []  # the connections themselves: kept alive, never confused by id()

    def work() -> None:
        seen.append(source.database().conn)

    for _ in range(5):
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    assert all(conn is seen[0] for conn in seen)  # one connection, lent to each thread in turn


async def test_the_picker_asks_for_a_pin_and_refuses_a_wrong_one(
    office: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk import officers
    from widgets.dialogs import PinDialog

    monkeypatch.setattr(officers, "SCRYPT_N", 2**10)  # the same code path, cheaper
    monkeypatch.setenv("DESK_CONFIG", str(office.parent / "config.json"))
    database = open_database(office)
    officers.set_pin(database, ADMIN, PETUGAS_PUPR.nip, "siti-2026")
    listed = [
        {**row, "has_pin": row["nip"] == PETUGAS_PUPR.nip}
        for row in database.query("SELECT nip, name, unit_code, role, active FROM officers")
    ]
    database.conn.close()
    app = DeskApp(office, None, listed, office_tz="Asia/Makassar", clock=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        picker = app.screen
        options = [o.id for o in picker.query_one("OptionList").options]  # type: ignore[attr-defined]
        await pilot.press(*["down"] * options.index(PETUGAS_PUPR.nip), "enter")
        await pilot.pause()
        assert isinstance(app.screen, PinDialog)
        await pilot.press(*"salah-1", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PinDialog)  # still asking, the failure said at the field
        assert "PIN salah" in str(app.screen.query_one("#dialog-error").render())
        await pilot.press(*"siti-2026", "enter")
        await settle(app)
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen) and app.actor == PETUGAS_PUPR
    attempts = open_database(office).execute(
        "SELECT action FROM audit_log WHERE actor_nip = ? AND action LIKE 'login%' ORDER BY seq",
        [PETUGAS_PUPR.nip],
    )
    assert [row[0] for row in attempts] == ["login_failed", "login"]
