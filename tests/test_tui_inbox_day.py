"""An officer's day in the inbox: the title gets the room, a preview follows the cursor, the list
follows changes made elsewhere, numbers read out on the phone are found, every key answers, and
the bottom line keeps what matters at 80 columns."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from db import open_database
from desk import services
from desk.app import DeskApp
from desk.i18n import set_language
from desk.workflow import Action
from screens.inbox import InboxScreen
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, PIMPINAN
from tests.test_tui_inbox import build_office, desk_app, settle
from widgets.case_list import CaseList, visible_columns
from widgets.case_preview import CasePreviewPane
from widgets.status_line import OUTBOX, PROBLEMS, SYNC, Part, StatusLine, fit_parts

LONG_TITLE = (
    "Jalan berlubang besar di depan SDN 012 Sempaja Utara membahayakan anak sekolah setiap pagi"
)


@pytest.fixture
def office(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    database = build_office(path)
    # A long title, and a case taken at the counter that has only its provisional number.
    database.execute("UPDATE cases SET title = ? WHERE tracking_no = '8100000'", [LONG_TITLE])
    database.execute(
        "UPDATE cases SET tracking_no = NULL, provisional_no = 'L-PUPR-0001', title = ? "
        "WHERE tracking_no = '8100002'",
        [LONG_TITLE + " (loket)"],
    )
    database.conn.close()
    return path


def lines(app: DeskApp) -> list[str]:
    cases = app.screen.query_one(CaseList)
    return [cases.render_line(y).text for y in range(cases.size.height)]


def status_text(app: DeskApp) -> str:
    return app.screen.query_one(StatusLine).text


async def until(condition, seconds: float = 4.0) -> bool:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if condition():
            return True
        await asyncio.sleep(0.05)
    return bool(condition())


# -- 2. the title gets the width -----------------------------------------------------------


@pytest.mark.parametrize(("size", "wanted"), [((120, 40), 50), ((80, 24), 30)])
async def test_the_title_gets_the_width_and_numbers_are_never_cut(
    office: Path, size: tuple[int, int], wanted: int
) -> None:
    app = desk_app(office)
    async with app.run_test(size=size) as pilot:
        await settle(app)
        await pilot.press("7")
        await settle(app)
        await pilot.pause()
        shown = "\n".join(lines(app))
        assert LONG_TITLE[:wanted] in shown  # at least `wanted` characters of the title
        assert "L-PUPR-0001" in shown  # the provisional number whole
        for line in lines(app)[1:]:
            assert "#81000" not in line or "…" not in line.split()[0]
        # Statuses as short labels, units as codes.
        assert "Baru" in shown and "PUPR" in shown


def test_columns_give_way_by_priority() -> None:
    def keys(width: int, number: int = 9, unit: int = 8) -> list[str]:
        return [column.key for column, _ in visible_columns(width, number, unit)]

    assert keys(80) == ["mark", "number", "clock", "status", "unit", "title"]
    assert "received" in keys(130) and "reporter" not in keys(130)
    assert keys(250)[-1] == "received" and "channel" in keys(250)
    # A long provisional number is never cut: the unit code gives way, the title keeps 30.
    widths = dict((c.key, w) for c, w in visible_columns(80, 14, 10))
    assert widths["number"] == 14 and widths["title"] >= 30 and widths["unit"] < 8


# -- 2. the preview ------------------------------------------------------------------------


async def test_the_preview_sits_beside_the_list_on_a_wide_terminal_and_follows_the_cursor(
    office: Path,
) -> None:
    app = desk_app(office)
    async with app.run_test(size=(180, 40)) as pilot:
        await settle(app)
        await pilot.press("7")
        await settle(app)
        preview = app.screen.query_one(CasePreviewPane)
        assert preview.display and app.screen.has_class("preview-beside")
        cases = app.screen.query_one(CaseList)
        first = cases.current
        assert first is not None
        assert await until(lambda: preview.shown is not None)
        await settle(app)
        assert preview.shown is not None and preview.shown.case_id == first["id"]
        text = str(preview.render())
        assert "Mohon segera diperbaiki." in text  # the body's first lines
        assert "HK" in text  # the clock
        await pilot.press("j")
        second = cases.current
        assert second is not None
        assert await until(
            lambda: preview.shown is not None and preview.shown.case_id == second["id"]
        )


async def test_the_preview_is_one_key_away_on_a_narrow_terminal(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app)
        preview = app.screen.query_one(CasePreviewPane)
        assert not preview.display
        await pilot.press("p")
        await pilot.pause()
        assert preview.display and app.screen.has_class("preview-below")
        assert await until(lambda: preview.shown is not None)
        await pilot.press("p")
        await pilot.pause()
        assert not preview.display


@pytest.mark.parametrize(
    ("actor", "seen", "unseen"),
    [(PIMPINAN, "W. 1.", "Warga 1"), (ADMIN, "Warga 1", None), (PETUGAS_PUPR, "Warga 1", None)],
)
async def test_the_preview_names_the_reporter_as_the_role_may_see_them(
    office: Path,
    actor,
    seen: str,
    unseen: str | None,  # type: ignore[no-untyped-def]
) -> None:
    app = desk_app(office, actor)
    async with app.run_test(size=(180, 40)) as pilot:
        await settle(app)
        await pilot.press("7")
        await settle(app)
        cases = app.screen.query_one(CaseList)
        # Case 8100001 (Warga 1, not anonymous, disposed to PUPR: every role may read it).
        index = next(i for i, row in enumerate(cases.rows) if row["tracking_no"] == "8100001")
        await pilot.press(*["j"] * index)
        preview = app.screen.query_one(CasePreviewPane)
        assert await until(lambda: preview.shown is not None and preview.shown.label == "#8100001")
        text = str(preview.render())
        assert seen in text
        if unseen:
            assert unseen not in text


async def test_hostile_text_in_the_preview_is_shown_literally(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(180, 40)) as pilot:
        await settle(app)
        await pilot.press("7")
        await settle(app)
        cases = app.screen.query_one(CaseList)
        index = next(i for i, row in enumerate(cases.rows) if row["tracking_no"] == "8100003")
        await pilot.press(*["j"] * index)
        preview = app.screen.query_one(CasePreviewPane)
        assert await until(lambda: preview.shown is not None and preview.shown.label == "#8100003")
        text = preview.render()
        plain = str(text)
        assert "[bold]Jalan[/bold]" in plain and "[/x]" in plain
        assert "\x1b" not in plain and "\x07" not in plain and "\u202e" not in plain


# -- 2. changes made elsewhere -------------------------------------------------------------


async def test_the_list_follows_changes_made_elsewhere_keeping_the_cursor(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("7")
        await settle(app)
        await pilot.press("j", "j", "j")
        cases = app.screen.query_one(CaseList)
        current = cases.current
        assert current is not None and current["status"] == "baru"
        # Another process (the CLI) disposes the highlighted case.
        other = open_database(office)
        services.perform(other, ADMIN, Action.VERIFY, current["id"], unit_code="DINKES", now=NOW)
        other.conn.close()

        def followed() -> bool:
            row = cases.current
            return row is not None and row["status"] == "terverifikasi"

        assert await until(followed, 2.5)  # within 2 seconds (and a poll), no ctrl+r
        assert cases.current is not None and cases.current["id"] == current["id"]
        assert "DINKES" in "\n".join(lines(app))


# -- 3. finding a case the way it is read out on the phone ---------------------------------


async def test_a_bare_number_in_the_view_narrows_the_list(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("slash", *"8100000", "enter")
        await settle(app)
        await pilot.pause()
        cases = app.screen.query_one(CaseList)
        assert [row["tracking_no"] for row in cases.rows] == ["8100000"]


async def test_a_number_outside_the_view_opens_the_case_and_says_where_it_is(
    office: Path,
) -> None:
    from screens.case_detail import CaseScreen

    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        # 8100001 was disposed to PUPR: not in "Perlu verifikasi", where the inbox opens.
        await pilot.press("slash", *"#8100001", "enter")
        await settle(app)
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)
        said = inbox.query_one(StatusLine).text
        assert "#8100001" in said and "Semua" in said and "Unit saya" not in said
        await pilot.press("escape")
        await settle(app)
        await pilot.press("slash", *"L-PUPR-0001", "enter")  # a provisional number
        await settle(app)
        await pilot.pause()
        cases = inbox.query_one(CaseList)
        assert [row["provisional_no"] for row in cases.rows] == ["L-PUPR-0001"]


async def test_a_number_the_officer_may_not_read_is_said_so(office: Path) -> None:
    database = open_database(office)
    database.execute("UPDATE cases SET unit_code = 'DINKES' WHERE tracking_no = '8100005'")
    database.conn.close()
    app = desk_app(office, PETUGAS_PUPR)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("slash", *"8100005", "enter")
        await settle(app)
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen)
        assert "8100005" in status_text(app) and "tidak ada" in status_text(app)


async def test_searching_every_case_is_one_key_away_and_says_its_scope(office: Path) -> None:
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("f")
        await pilot.pause()
        search = app.screen.query_one("#search")
        assert "Semua" in str(search.placeholder)  # type: ignore[attr-defined]
        await pilot.press(*"sampah", "enter")
        await settle(app)
        await pilot.pause()
        title = str(app.screen.query_one("#title").render())
        assert "cari di Semua: sampah" in title
        cases = app.screen.query_one(CaseList)
        assert cases.total == 5  # "Sampah" in every view (4 of them need verification)
        await pilot.press("escape", "1", "slash")
        await pilot.pause()
        assert "Perlu verifikasi" in str(search.placeholder)  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_status_labels_as_the_list_shows_them_and_unknown_units_are_errors(
    office: Path, lang: str
) -> None:
    set_language(lang)
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("7")
        await settle(app)
        label = "Terdisposisi" if lang == "id" else "disposed"
        await pilot.press("slash", *f"status:{label}", "enter")
        await settle(app)
        await pilot.pause()
        cases = app.screen.query_one(CaseList)
        assert cases.total == 8 and {row["status"] for row in cases.rows} == {"terverifikasi"}
        await settle(app)
        await pilot.pause(1.6)  # the known units are read in the background
        await settle(app)
        await pilot.press("escape", "slash", *"unit:PUPX", "enter")
        await settle(app)
        await pilot.pause()
        said = status_text(app)
        assert "PUPX" in said and "PUPR" in said  # the closest known unit
        assert cases.total == 30  # the list stays as it was, not an empty one


# -- 4. every key answers ------------------------------------------------------------------


async def test_a_head_is_offered_no_marking_or_bulk_keys_and_told_why(office: Path) -> None:
    app = desk_app(office, PIMPINAN)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        offered = {b.binding.key for b in app.screen.active_bindings.values() if b.enabled}
        assert not offered & {"space", "V", "v", "t", "A", "a"}
        await pilot.press("v")
        await pilot.pause()
        assert "pimpinan" in status_text(app)
        await pilot.press("space")
        await pilot.pause()
        assert "pimpinan" in status_text(app) and "Tanda" in status_text(app)
        assert not app.screen.query_one(CaseList).marked


async def test_a_key_the_cases_state_refuses_says_why(office: Path) -> None:
    database = open_database(office)
    database.execute("UPDATE cases SET status = 'selesai' WHERE tracking_no = '8100001'")
    database.conn.close()
    app = desk_app(office)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("8")  # closed cases
        await settle(app)
        await pilot.pause()
        await pilot.press("t")  # hold a closed case
        await pilot.pause()
        said = status_text(app)
        assert "#8100001" in said and "Selesai" in said
        assert isinstance(app.screen, InboxScreen)  # no dialog asked for a reason first


async def test_a_bulk_confirmation_names_the_unit_and_refused_cases_stay_marked(
    office: Path,
) -> None:
    app = desk_app(office)
    async with app.run_test(size=(180, 40)) as pilot:
        await settle(app)
        cases = app.screen.query_one(CaseList)
        await pilot.press("7")  # every case: a held one stays in the view
        await settle(app)
        await pilot.press("space", "space", "space", "space", "space")
        marked = list(cases.marked)
        new = [case_id for case_id, row in cases.marked.items() if row["status"] == "baru"]
        # Meanwhile another officer archives one of them: the rules will refuse it.
        other = open_database(office)
        services.perform(other, ADMIN, Action.ARCHIVE, new[0], reason="Ganda", now=NOW)
        other.conn.close()
        refused = new[0]
        await pilot.press("v")
        await settle(app)
        await pilot.press(*"dinkes", "enter")
        await pilot.pause()
        message = str(app.screen.query_one("#dialog-message").render())
        assert "5 kasus ke DINKES" in message
        await pilot.press("y")
        await settle(app)
        await pilot.pause()
        assert list(cases.marked) == [refused]  # the refused one, still marked
        assert refused in cases.refused and len(marked) == 5
        assert "ditolak" in status_text(app)
        # Its reason can be read: the preview of that case says it, beside its "!".
        index = next(i for i, row in enumerate(cases.rows) if row["id"] == refused)
        await pilot.press("g", *["j"] * index)
        assert cases.render_line(index + 1).text.startswith("!")
        preview = app.screen.query_one(CasePreviewPane)
        assert await until(lambda: preview.shown is not None and preview.shown.case_id == refused)
        assert "Ditolak" in str(preview.render()) and "Diarsipkan" in str(preview.render())


# -- 7. the bottom line at 80 columns ------------------------------------------------------


async def test_sync_progress_keeps_its_place_on_the_bottom_line_at_80_columns(
    office: Path,
) -> None:
    app = desk_app(office)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app)
        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        inbox._sync_progress("Mengambil 2.300/10.000 kasus · ↓ 512 KB · ± 3 mnt lagi …")
        await settle(app)
        await pilot.pause()
        said = status_text(app)
        assert "Mengambil 2.300/10.000 kasus" in said
        assert "belum pernah sinkron" in said and "antrean kirim: 8" in said
        assert len(said) <= 78


def test_the_bottom_line_gives_way_by_priority() -> None:
    parts = [
        Part("Admin Koordinator (admin koordinator, SETDA)", 6, short="Admin (SETDA)"),
        Part("desk.db", 7),
        Part("antrean kirim: 12", OUTBOX),
        Part("belum pernah sinkron", 2),
        Part("hanya lokal", 5),
        Part("konflik: 2", PROBLEMS),
        Part("ditolak pusat: 3", PROBLEMS),
        Part("sinkron gagal", SYNC),
    ]
    line = fit_parts(parts, 78)
    for kept in ("antrean kirim: 12", "belum pernah sinkron", "ditolak pusat: 3", "gagal"):
        assert kept in line, line
    assert "desk.db" not in line and len(line) <= 78
    wide = fit_parts(parts, 118)
    assert "ditolak pusat: 3" in wide and "Admin" in wide


def teardown_module() -> None:
    set_language("id")
