"""The case screen and the reply composer as an officer uses them, and the model behind them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from textual.app import App
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static, TextArea

from db import open_database
from desk import services
from desk.case_view import load_case_view, mask, possible_duplicates, reporter_view
from desk.drafts import (
    DEFAULT_TEMPLATES,
    discard_draft,
    fill_template,
    load_draft,
    save_draft,
    templates,
)
from desk.i18n import set_language
from desk.inbox import InboxSource
from desk.workflow import Action, Actor
from screens.case_detail import CaseScreen
from screens.reply import ReplyScreen, ReviewDialog
from tests.conftest import (
    ADMIN,
    NOW,
    PETUGAS_DINKES,
    PETUGAS_PUPR,
    PIMPINAN,
    case_in,
    make_office,
    new_case,
)
from widgets.dialogs import ConfirmDialog, FilterPicker, ReasonDialog, fuzzy_filter

HOSTILE = (
    "[bold]x[/bold] [/x] [link=http://evil]klik[/link] \x1b[2J \x1b]52;c;SGVsbG8=\x07 \u202eabc"
)
REPORTER = {"name": "Andi Wijaya", "nik": "6471010101900003", "phone": "081234567890"}


@pytest.fixture(autouse=True)
def language() -> Iterator[None]:
    set_language("id")
    yield
    set_language("id")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "desk.db"


def office(path: Path) -> sqlite_utils.Database:
    database = open_database(path)
    make_office(database)
    return database


def anonymous_case(database: sqlite_utils.Database, number: str = "8112840") -> dict[str, Any]:
    case = services.create_case(
        database,
        {
            "tracking_no": number,
            "title": "Pungutan liar di loket",
            "body": "Diminta uang.",
            "anonymous": True,
        },
        reporter=REPORTER,
        received_at=NOW,
        now=NOW,
    )
    return services.perform(
        database, ADMIN, Action.VERIFY, case["id"], unit_code="PUPR", now=NOW
    ).case


def rows(database_path: Path, sql: str, params: list[Any] | None = None) -> list[Any]:
    database = open_database(database_path)
    try:
        return database.execute(sql, params or []).fetchall()
    finally:
        database.conn.close()


class DeskTestApp(App[None]):
    """Opens one case (or its reply composer) on a database, as the desk would."""

    def __init__(self, path: Path, actor: Actor, case_id: int, *, reply: bool = False) -> None:
        super().__init__()
        self.source = InboxSource(path, actor, clock=lambda: NOW)
        self.case_id = case_id
        self.reply = reply
        self.results: list[object] = []

    def on_mount(self) -> None:
        screen: Screen[bool] = (
            ReplyScreen(self.source, self.case_id)
            if self.reply
            else CaseScreen(self.source, self.case_id)
        )
        self.push_screen(screen, self.results.append)


async def settle(app: App[Any]) -> None:
    """Wait until every worker (and what their results started) has finished."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await app.workers.wait_for_complete()
        from textual.pilot import Pilot

        await Pilot(app).pause()


def rendered(widget: Widget) -> str:
    """The text a widget draws on screen, line by line."""
    width, height = widget.size
    lines = widget.render_lines(Region(0, 0, width, height))
    return "\n".join(strip.text.rstrip() for strip in lines)


def write(app: App[Any], text: str) -> None:
    """Type `text` into the focused field at once (a key press per letter is slow in tests)."""
    field = app.focused
    if isinstance(field, TextArea):
        field.insert(text)
    else:
        assert isinstance(field, Input)
        field.insert_text_at_cursor(text)


def visible_text(app: App[Any]) -> str:
    """What the terminal shows now, as text: one line per row (what an officer reads)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text(styles=False)


def screen_text(screen: Screen[Any]) -> str:
    return "\n".join(rendered(widget) for widget in screen.query(Static) if widget.display)


def case_keys(screen: Screen[Any]) -> set[str]:
    """The keys of the screen's own bindings that are offered right now."""
    return {
        key
        for key, active in screen.active_bindings.items()
        if active.node is screen
        and active.enabled
        and (active.binding.id or "").startswith("case-")
    }


# ---------------------------------------------------------------------------------------------
# The read model


def test_privacy_of_the_reporter_by_role() -> None:
    admin = reporter_view(ADMIN, REPORTER, anonymous=False)
    assert (admin.name, admin.nik, admin.phone) == (
        "Andi Wijaya",
        REPORTER["nik"],
        REPORTER["phone"],
    )
    petugas = reporter_view(PETUGAS_PUPR, REPORTER, anonymous=False)
    assert (petugas.name, petugas.nik, petugas.phone) == (
        "Andi Wijaya",
        "6471********0003",
        "0812****7890",
    )
    head = reporter_view(PIMPINAN, REPORTER, anonymous=False)
    assert head.name == "A. W." and head.withheld
    assert head.nik is head.phone is head.email is head.address is head.full_name is None
    for actor in (PETUGAS_PUPR, PIMPINAN):
        hidden = reporter_view(actor, REPORTER, anonymous=True)
        assert hidden.name == "Anonim" and hidden.nik is None and hidden.phone is None
        assert hidden.full_name is None
    # An admin verifies identities, anonymous or not.
    assert reporter_view(ADMIN, REPORTER, anonymous=True).nik == REPORTER["nik"]
    assert reporter_view(PIMPINAN, None, anonymous=False).name == "Pelapor"
    assert mask("1234") == "****" and mask(None) is None


def test_duplicates_by_text_and_by_reporter(path: Path) -> None:
    database = office(path)
    first = new_case(database, "8112829")
    same_reporter = services.create_case(
        database,
        {"tracking_no": "8112830", "title": "Puskesmas tutup siang", "body": "Tutup."},
        reporter={"nik": REPORTER["nik"]},
        now=NOW,
    )
    similar = services.create_case(
        database,
        {"tracking_no": "8112831", "title": "Jalan Juanda rusak parah", "body": "Berlubang."},
        reporter={"name": "Orang Lain", "nik": "6471999999990001"},
        now=NOW,
    )
    services.create_case(
        database,
        {"tracking_no": "8112832", "title": "Lampu taman mati", "body": "Gelap."},
        reporter={"name": "Orang Ketiga"},
        now=NOW,
    )
    found = possible_duplicates(database, first, REPORTER, reader=ADMIN)
    assert [(d.case_id, d.reason) for d in found] == [
        (same_reporter["id"], "reporter"),
        (similar["id"], "text"),
    ]
    assert first["id"] not in {d.case_id for d in found}
    view = load_case_view(database, ADMIN, first["id"], NOW)
    assert [d.label for d in view.duplicates] == ["#8112830", "#8112831"]


def test_a_title_of_fts_syntax_is_only_words(path: Path) -> None:
    database = office(path)
    case = services.create_case(
        database,
        {"title": 'NEAR( "x" OR * -jalan: AND', "body": "isi"},
        now=NOW,
    )
    assert possible_duplicates(database, case, None, reader=ADMIN) == []


def test_the_view_has_clocks_timeline_and_allowed_actions(path: Path) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    view = load_case_view(database, PETUGAS_PUPR, case["id"], NOW)
    assert [c.kind for c in view.clocks] == ["tindak_lanjut"]
    assert view.clocks[0].deadline == "Sel, 17/11/2026 23:59 WITA"
    assert view.clocks[0].remaining == "sisa 5 HK"
    assert [(e.kind, e.actor, e.visibility) for e in view.events] == [
        ("received", "Sistem", "public"),
        ("verify", "Admin Koordinator", "public"),
    ]
    assert Action.FOLLOW_UP in view.allowed and Action.VERIFY not in view.allowed
    assert load_case_view(database, PIMPINAN, case["id"], NOW).allowed == []
    set_language("en")
    assert load_case_view(database, PETUGAS_PUPR, case["id"], NOW).clocks[0].deadline == (
        "Tue, 17/11/2026 23:59 WITA"
    )


# ---------------------------------------------------------------------------------------------
# Drafts and templates


def test_drafts_are_saved_replaced_and_discarded(path: Path) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    nip = PETUGAS_PUPR.nip
    assert load_draft(database, case["id"], nip) is None
    save_draft(database, case["id"], nip, "satu", now=NOW)
    save_draft(database, case["id"], nip, "dua", "butuh-data", now=NOW)
    draft = load_draft(database, case["id"], nip)
    assert draft is not None and (draft.body, draft.template_code) == ("dua", "butuh-data")
    assert database.execute("SELECT count(*) FROM drafts").fetchone()[0] == 1
    save_draft(database, case["id"], nip, "   ", now=NOW)  # emptied: nothing to come back to
    assert load_draft(database, case["id"], nip) is None
    save_draft(database, case["id"], nip, "tiga", now=NOW)
    discard_draft(database, case["id"], nip)
    assert load_draft(database, case["id"], nip) is None


def test_templates_fill_known_variables_only(path: Path) -> None:
    database = office(path)
    assert templates(database) == list(DEFAULT_TEMPLATES)
    case = case_in(database, "terverifikasi")
    view = load_case_view(database, PETUGAS_PUPR, case["id"], NOW)
    text = fill_template(
        "{sapaan} {nomor} {unit} {tanggal} {tanggal_laporan} {petugas} {tidak_ada} {0} {{x}}",
        view,
        PETUGAS_PUPR,
        NOW,
    )
    assert text == (
        "Bapak/Ibu Andi Wijaya #8112829 Dinas PUPR-PERA 10/11/2026 10/11/2026 Siti Rahmawati "
        "{tidak_ada} {0} {{x}}"
    )
    anonymous = load_case_view(database, PETUGAS_PUPR, anonymous_case(database)["id"], NOW)
    assert fill_template("Yth. {sapaan},", anonymous, PETUGAS_PUPR, NOW) == "Yth. Bapak/Ibu,"
    database["reply_templates"].insert({"code": "x", "title": "X", "body": "{nomor}"})
    assert [tpl.code for tpl in templates(database)] == ["x"]


def test_fuzzy_filter_matches_letters_in_order() -> None:
    units = [("DINKES", "Dinas Kesehatan"), ("PUPR", "Dinas PUPR-PERA"), ("SETDA", "Sekretariat")]
    assert fuzzy_filter("pupr", units)[0][0] == "PUPR"
    assert [code for code, _ in fuzzy_filter("dnks", units)] == ["DINKES"]
    assert [code for code, _ in fuzzy_filter("sek", units)] == ["SETDA"]
    # A word that starts with the query ranks above one that merely contains it.
    categories = [("a", "TIDAK MENJALANKAN PROGRAM"), ("b", "INFRASTRUKTUR JALAN")]
    assert [code for code, _ in fuzzy_filter("jalan", categories)] == ["b", "a"]
    assert fuzzy_filter("", units) == units
    assert fuzzy_filter("zzz", units) == []


# ---------------------------------------------------------------------------------------------
# The case screen


async def test_opening_a_case_shows_its_text_and_timeline(path: Path) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.conn.close()
    app = DeskTestApp(path, ADMIN, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        text = screen_text(app.screen)
        assert "#8112829" in text and "Terdisposisi" in text
        assert "Jalan berlubang besar dan belum diperbaiki sejak Agustus." in text
        assert "sisa 5 HK" in text and "17/11/2026 23:59 WITA" in text
        assert "verifikasi dan disposisi" in text
        assert "6471010101900003" in text  # an admin sees the identity
        await pilot.press("escape")
        assert app.results == [False]


async def test_verify_and_dispose_with_the_unit_picker(path: Path) -> None:
    database = office(path)
    case = new_case(database)
    database.conn.close()
    app = DeskTestApp(path, ADMIN, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        assert {"v", "t", "z"} <= case_keys(app.screen) and "r" not in case_keys(app.screen)
        await pilot.press("v")
        assert isinstance(app.screen, FilterPicker)
        await pilot.press(*"pupr", "enter")
        await settle(app)
        assert isinstance(app.screen, CaseScreen)
        assert "Terdisposisi" in screen_text(app.screen)
        await pilot.press("escape")
    assert app.results == [True]
    assert rows(path, "SELECT status, unit_code FROM cases") == [("terverifikasi", "PUPR")]
    assert rows(path, "SELECT kind FROM events ORDER BY id") == [("received",), ("verify",)]
    assert rows(path, "SELECT kind FROM outbox") == [("verify",)]


async def test_dispose_again_offers_only_other_units(path: Path) -> None:
    database = office(path)
    case = case_in(database, "dikembalikan")
    database.conn.close()
    app = DeskTestApp(path, ADMIN, case["id"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app)
        await pilot.press("v")
        picker = app.screen
        assert isinstance(picker, FilterPicker)
        assert "PUPR" not in {code for code, _ in picker.items}
        await pilot.press(*"dnks", "enter")
        await settle(app)
    assert rows(path, "SELECT status, unit_code FROM cases") == [("terverifikasi", "DINKES")]
    assert rows(path, "SELECT kind FROM outbox ORDER BY op_id DESC LIMIT 1") == [("dispose",)]


async def test_the_inbox_opens_a_case_and_comes_back(path: Path) -> None:
    from desk.app import DeskApp
    from screens.inbox import InboxScreen

    database = office(path)
    new_case(database)
    database.conn.close()
    app = DeskApp(path, ADMIN, office_tz="Asia/Makassar", clock=lambda: NOW)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, CaseScreen)
        assert "Jalan berlubang besar" in screen_text(app.screen)
        await pilot.press("escape")
        await settle(app)
        assert isinstance(app.screen, InboxScreen)


async def test_return_needs_a_reason(path: Path) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("b", "enter")
        await settle(app)
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        assert "Wajib diisi." in rendered(dialog.query_one("#dialog-error", Static))
        assert rows(path, "SELECT status FROM cases") == [("terverifikasi",)]
        write(app, "Jalan nasional")
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, CaseScreen)
        assert "Bukan Wewenang" in screen_text(app.screen)
    assert rows(path, "SELECT status FROM cases") == [("dikembalikan",)]
    assert rows(path, "SELECT body FROM events WHERE kind = 'return'") == [("Jalan nasional",)]


async def test_a_refused_action_keeps_the_dialog_and_the_text(path: Path) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        other = open_database(path)  # someone else acts first
        services.perform(other, ADMIN, Action.NOTE, case["id"], text="Cek", now=NOW)
        other.conn.close()
        await pilot.press("b")
        write(app, "Bukan kami")
        await pilot.press("enter")
        await settle(app)
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog) and dialog.text == "Bukan kami"
        assert any("berubah" in n.message for n in app._notifications)
        await pilot.press("enter")  # the case was read again: now it goes through
        await settle(app)
        assert isinstance(app.screen, CaseScreen)
    assert rows(path, "SELECT status FROM cases") == [("dikembalikan",)]


async def test_a_note_shows_as_internal(path: Path) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("n")
        write(app, "Cek lapangan\nSenin")
        await pilot.press("ctrl+s")
        await settle(app)
        events = list(app.screen.query(".event"))
        assert len(events) == 3  # received, verify, note: read again, not appended twice
        note = events[-1]
        assert note.has_class("internal") and not note.has_class("public")
        lines = [line.lstrip("▌ ") for line in rendered(note).splitlines()]
        assert lines[1:] == ["Cek lapangan", "Senin"] and "[Internal]" in lines[0]
        assert events[0].has_class("public")
    assert rows(path, "SELECT kind, visibility FROM events ORDER BY id DESC LIMIT 1") == [
        ("note", "internal")
    ]


async def test_close_asks_first(path: Path) -> None:
    database = office(path)
    case = case_in(database, "ditanggapi")
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(app)
        assert rows(path, "SELECT status FROM cases") == [("ditanggapi",)]
        await pilot.press("x", "y")
        await settle(app)
        assert "Selesai" in screen_text(app.screen)
        assert "x" not in case_keys(app.screen)
    assert rows(path, "SELECT status FROM cases") == [("selesai",)]


async def test_assign_to_an_officer_of_the_unit(path: Path) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("a")
        picker = app.screen
        assert isinstance(picker, FilterPicker)
        assert [nip for nip, _ in picker.shown] == ["199003032015031003", PETUGAS_PUPR.nip]
        assert PETUGAS_DINKES.nip not in {nip for nip, _ in picker.items}
        await pilot.press(*"budi", "enter")
        await settle(app)
    assert rows(path, "SELECT assignee_nip FROM cases") == [("199003032015031003",)]


async def test_pimpinan_reads_without_actions_or_personal_data(path: Path) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.conn.close()
    app = DeskTestApp(path, PIMPINAN, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        assert case_keys(app.screen) == {"escape", "ctrl+r"}  # back and reload only
        text = screen_text(app.screen)
        assert "A. W." in text and "Andi" not in text
        assert "6471" not in text and "0812" not in text
        await pilot.press("n", "b", "r")  # offered or not, nothing happens
        await settle(app)
        assert isinstance(app.screen, CaseScreen)
    assert rows(path, "SELECT count(*) FROM events") == [(2,)]


async def test_an_anonymous_reporter_is_anonim_to_a_petugas(path: Path) -> None:
    database = office(path)
    case = anonymous_case(database)
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        text = screen_text(app.screen)
        assert "Anonim" in text
        assert "Andi" not in text and "6471" not in text and "0812" not in text
        await pilot.press("escape")


async def test_hostile_text_is_shown_literally(path: Path) -> None:
    database = office(path)
    case = services.create_case(
        database,
        {
            "tracking_no": "8112829",
            "title": HOSTILE,
            "body": f"Isi: {HOSTILE}\nbaris 2",
            "location": HOSTILE,
        },
        reporter={"name": HOSTILE},
        received_at=NOW,
        now=NOW,
    )
    services.perform(database, ADMIN, Action.VERIFY, case["id"], unit_code="PUPR", now=NOW)
    services.perform(database, ADMIN, Action.NOTE, case["id"], text=HOSTILE, now=NOW)
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(app)
        screen = app.screen
        assert isinstance(screen, CaseScreen) and screen.view is not None
        for selector in ("#case-title", "#case-body", "#facts", "#reporter"):
            text = rendered(screen.query_one(selector, Static))
            assert "[bold]x[/bold]" in text and "[/x]" in text, selector
            assert "[link=http://evil]klik[/link]" in text, selector
        note = rendered(list(screen.query(".event"))[-1])
        assert "[bold]x[/bold]" in note
        everything = screen_text(screen) + app.export_screenshot()
        assert "\x1b" not in everything and "\x07" not in everything
        assert "\u202e" not in everything
        await pilot.press("r")
        await settle(app)
        assert isinstance(app.screen, ReplyScreen)
        assert "[bold]x[/bold]" in rendered(app.screen.query_one("#reply-header", Static))


async def test_archive_as_a_duplicate_of_the_highlighted_case(path: Path) -> None:
    database = office(path)
    first = new_case(database, "8112829")
    second = new_case(database, "8112830")
    database.conn.close()
    app = DeskTestApp(path, ADMIN, second["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        duplicates = app.screen.query_one("#duplicates", OptionList)
        assert duplicates.option_count == 1 and "D" in case_keys(app.screen)
        await pilot.press("D", "y")
        await settle(app)
    rows_ = rows(path, "SELECT status, duplicate_of FROM cases WHERE id = ?", [second["id"]])
    assert rows_ == [("diarsipkan", first["id"])]
    assert rows(path, "SELECT body FROM events WHERE kind = 'archive'") == [
        ("Duplikat dari #8112829",)
    ]


async def test_english_labels(path: Path) -> None:
    set_language("en")
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app)
        descriptions = {
            active.binding.description
            for active in app.screen.active_bindings.values()
            if active.enabled
        }
        assert {"Reply", "Not ours", "Note"} <= descriptions
        assert "5 WD left" in screen_text(app.screen)
        await pilot.press("escape")


# ---------------------------------------------------------------------------------------------
# The reply composer


@pytest.fixture
def quick_drafts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ReplyScreen, "DEBOUNCE", 0.05)


async def type_reply(app: DeskTestApp, pilot: Any, text: str) -> None:
    await settle(app)
    composer = app.screen.query_one("#composer", TextArea)
    assert composer.has_focus
    write(app, text)
    await pilot.pause(0.15)  # past the debounce
    await settle(app)


async def test_a_draft_survives_a_restart(path: Path, quick_drafts: None) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"], reply=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await type_reply(app, pilot, "Sedang dicek")
        # Saved while the officer is still typing, not only on the way out.
        assert rows(path, "SELECT body FROM drafts") == [("Sedang dicek",)]
    again = DeskTestApp(path, PETUGAS_PUPR, case["id"], reply=True)
    async with again.run_test(size=(80, 24)):
        await settle(again)
        assert again.screen.query_one("#composer", TextArea).text == "Sedang dicek"


async def test_review_shows_the_exact_text_and_n_keeps_the_draft(
    path: Path, quick_drafts: None
) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"], reply=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("ctrl+j")  # nothing written yet: no review
        await settle(app)
        assert isinstance(app.screen, ReplyScreen)
        assert any("kosong" in n.message for n in app._notifications)
        await type_reply(app, pilot, "Baik [b]Pak[/b]")
        await pilot.press("enter", *"Terima", "ctrl+j")
        review = app.screen
        assert isinstance(review, ReviewDialog)
        assert review.text == "Baik [b]Pak[/b]\nTerima"
        shown = rendered(review.query_one("#review-body", Static))
        assert shown.splitlines()[:2] == ["Baik [b]Pak[/b]", "Terima"]
        assert "Pelapor — Andi Wijaya" in rendered(review.query_one("#review-to", Static))
        await pilot.press("e")
        assert isinstance(app.screen, ReplyScreen)
        await pilot.press("ctrl+j", "n")
        await settle(app)
    assert app.results == [False]
    for thread in threading.enumerate():  # the last save runs as the composer closes
        if thread.name == "desk-draft-save":
            thread.join(5)
    assert rows(path, "SELECT body FROM drafts") == [("Baik [b]Pak[/b]\nTerima",)]
    assert rows(path, "SELECT status FROM cases") == [("terverifikasi",)]


async def test_sending_a_reply_from_the_case_screen(path: Path, quick_drafts: None) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    save_draft(database, case["id"], PETUGAS_PUPR.nip, "Perbaikan dijadwalkan.", now=NOW)
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("r")
        await settle(app)
        assert isinstance(app.screen, ReplyScreen)
        await pilot.press("ctrl+j")
        assert isinstance(app.screen, ReviewDialog)
        await pilot.press("y")
        await settle(app)
        assert isinstance(app.screen, CaseScreen)
        text = screen_text(app.screen)
        assert "Ditindaklanjuti" in text and "Perbaikan dijadwalkan." in text
        await pilot.press("escape")
    assert app.results == [True]
    assert rows(path, "SELECT status FROM cases") == [("diproses",)]
    assert rows(path, "SELECT visibility, body FROM events WHERE kind = 'follow_up'") == [
        ("public", "Perbaikan dijadwalkan.")
    ]
    assert rows(path, "SELECT kind FROM outbox ORDER BY op_id DESC LIMIT 1") == [("follow_up",)]
    assert rows(path, "SELECT count(*) FROM drafts") == [(0,)]


async def test_a_template_fills_the_composer(path: Path, quick_drafts: None) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"], reply=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("shift+tab", "enter")  # the first template
        composer = app.screen.query_one("#composer", TextArea)
        assert "Yth. Bapak/Ibu Andi Wijaya" in composer.text and "#8112829" in composer.text
        assert "{" not in composer.text
        await pilot.press("shift+tab", "down", "enter")
        assert isinstance(app.screen, ConfirmDialog)  # there is text already
        await pilot.press("n")
        assert "Yth. Bapak/Ibu Andi Wijaya" in composer.text
        await pilot.pause(0.15)
        await settle(app)
    assert rows(path, "SELECT template_code FROM drafts") == [(DEFAULT_TEMPLATES[0].code,)]


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("screen", ["case", "reply"])
def test_case_and_reply_snapshots(  # type: ignore[no-untyped-def]
    snap_compare, path: Path, screen: str, lang: str, size: tuple[int, int]
) -> None:
    database = open_database(path)
    make_office(database)
    case = case_in(database, "diproses")
    services.perform(
        database, PETUGAS_PUPR, Action.NOTE, case["id"], text="Cek lokasi hari Kamis", now=NOW
    )
    database.conn.close()
    set_language(lang)

    async def ready(pilot: Any) -> None:
        await settle(pilot.app)

    app = DeskTestApp(path, PETUGAS_PUPR, case["id"], reply=screen == "reply")
    assert snap_compare(app, terminal_size=size, run_before=ready)


# ---------------------------------------------------------------------------------------------
# What the central system did not take (issue 14)


class _Refusing:
    """A transport whose server refuses every op: its officer was disabled centrally."""

    request_encoding = "gzip"

    def call(self, method: str, path: str, **options: Any) -> Any:
        from types import SimpleNamespace

        ops = options["body"]()["ops"]
        results = [
            {"id": o["id"], "r": "rejected", "s": 403, "code": "role", "reason": "Petugas nonaktif"}
            for o in ops
        ]
        return SimpleNamespace(body={"type": "desk-sync/receipt", "results": results})


def refuse_the_outbox(database: sqlite_utils.Database) -> None:
    from desk.sync.push import push

    push(database, _Refusing())  # type: ignore[arg-type]


async def test_the_case_says_what_the_central_system_refused_and_c_dismisses_it(
    path: Path,
) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.execute("DELETE FROM outbox")  # as if synced
    services.perform(
        database, PETUGAS_PUPR, Action.FOLLOW_UP, case["id"], text="Sudah ditambal.", now=NOW
    )
    refuse_the_outbox(database)
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        text = screen_text(app.screen)
        assert "Sistem pusat tidak menerima" in text
        assert "tindak lanjut" in text and "Petugas nonaktif" in text
        assert "draf tindak lanjut" in text and "tekan r" in text
        assert "c" in case_keys(app.screen)
        await pilot.press("c")
        await settle(app)
        assert "Sistem pusat tidak menerima" not in screen_text(app.screen)
        assert "c" not in case_keys(app.screen)
    assert rows(path, "SELECT count(*) FROM sync_state WHERE key LIKE 'notice:%'") == [(0,)]
    assert rows(path, "SELECT count(*) FROM outbox WHERE state = 'rejected'") == [(1,)]


async def test_a_refused_note_comes_back_in_the_note_dialog(path: Path) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.execute("DELETE FROM outbox")
    services.perform(
        database, PETUGAS_PUPR, Action.NOTE, case["id"], text="Pelapor minta ditelepon.", now=NOW
    )
    refuse_the_outbox(database)
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        assert "draf catatan" in screen_text(app.screen)
        await pilot.press("n")
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog) and dialog.text == "Pelapor minta ditelepon."
        await pilot.press("ctrl+s")
        await settle(app)
        assert isinstance(app.screen, CaseScreen)
    notes = rows(path, "SELECT body FROM events WHERE kind = 'note' ORDER BY id")
    assert notes == [("Pelapor minta ditelepon.",)]  # the refused one was undone, sent again
    assert rows(path, "SELECT count(*) FROM drafts") == [(0,)]


async def test_another_officer_is_told_whose_draft_holds_the_refused_text(path: Path) -> None:
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.execute("DELETE FROM outbox")
    services.perform(
        database, PETUGAS_PUPR, Action.NOTE, case["id"], text="Pelapor minta ditelepon.", now=NOW
    )
    refuse_the_outbox(database)
    database.conn.close()
    app = DeskTestApp(path, ADMIN, case["id"])
    async with app.run_test(size=(120, 40)):
        await settle(app)
        text = screen_text(app.screen)
        # Not "your text": the admin reading it is told it is the petugas's draft, and is not
        # promised that `n` brings it back (it would not: drafts are each officer's own).
        assert f"milik petugas {PETUGAS_PUPR.nip}" in " ".join(text.split())
        assert "teks Anda" not in text and "tekan n" not in text


# ---------------------------------------------------------------------------------------------
# Writing the follow-up with the complaint in view (issue "An officer's day", point 5)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_composer_shows_the_complaint_and_the_reporters_latest_reply(
    path: Path, size: tuple[int, int]
) -> None:
    database = office(path)
    case = case_in(database, "diproses")
    for text in ("Balasan pertama.", f"Masih rusak {HOSTILE}"):
        services.perform(
            database, PETUGAS_PUPR, Action.REPORTER_REPLY, case["id"], text=text, now=NOW
        )
        if text.startswith("Balasan"):
            services.perform(
                database, PETUGAS_PUPR, Action.FOLLOW_UP, case["id"], text="Dicek.", now=NOW
            )
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"], reply=True)
    async with app.run_test(size=size) as pilot:
        await settle(app)
        shown = visible_text(app)
        assert "Jalan rusak di Jl. Juanda" in shown  # the title
        assert "Jalan berlubang besar" in shown  # the body
        assert "Tanggapan terakhir pelapor" in shown and "Masih rusak" in shown
        assert "Balasan pertama." not in shown  # the latest one only
        assert app.focused is app.screen.query_one("#composer")
        reply = rendered(app.screen.query_one("#reporter-reply", Static))
        assert "[bold]x[/bold]" in reply and "\x1b" not in reply  # literally, never as markup
        complaint = app.screen.query_one("#complaint")
        assert complaint.can_focus  # scrollable from the keyboard (shift+tab twice)
        await pilot.press("shift+tab", "shift+tab")
        assert app.focused is complaint
        await pilot.press("end")
        await pilot.pause()
        if complaint.max_scroll_y:
            assert complaint.scroll_y == complaint.max_scroll_y


async def test_without_a_reporter_reply_the_composer_says_so(path: Path) -> None:
    set_language("en")
    database = office(path)
    case = case_in(database, "terverifikasi")
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"], reply=True)
    async with app.run_test(size=(80, 24)):
        await settle(app)
        shown = visible_text(app)
        assert "The complaint" in shown and "No reply from the reporter yet." in shown


async def send_reply(app: DeskTestApp, pilot: Any) -> str:
    await settle(app)
    await pilot.press("r")
    await settle(app)
    write(app, "Perbaikan dijadwalkan.")
    await pilot.press("ctrl+j")
    await pilot.press("y")
    await settle(app)
    assert isinstance(app.screen, CaseScreen)
    return [n.message for n in app._notifications][-1]


@pytest.mark.parametrize(
    ("remote", "lang", "expected"),
    [
        (False, "id", "dicatat di desk ini saja"),
        (False, "en", "recorded on this desk only"),
        (True, "id", "terkirim ke sistem pusat pada sinkronisasi berikutnya"),
        (True, "en", "queued; it goes to the central system at the next sync"),
    ],
)
async def test_after_sending_the_message_says_what_really_happened(
    path: Path, quick_drafts: None, remote: bool, lang: str, expected: str
) -> None:
    set_language(lang)
    database = office(path)
    case = case_in(database, "terverifikasi")
    if remote:
        database.execute(
            "INSERT INTO sync_state (key, value) VALUES ('remote_url', 'https://lapor.example')"
        )
        database.conn.commit()
    database.conn.close()
    app = DeskTestApp(path, PETUGAS_PUPR, case["id"])
    async with app.run_test(size=(80, 24)) as pilot:
        message = await send_reply(app, pilot)
    assert expected in message
    assert "terkirim." not in message and " sent." not in message
    assert rows(path, "SELECT state FROM outbox WHERE kind = 'follow_up'") == [("pending",)]


def test_delivery_is_sent_only_once_the_central_system_has_it(path: Path) -> None:
    from screens.reply import delivery

    database = office(path)
    case = case_in(database, "terverifikasi")
    outcome = services.perform(
        database, PETUGAS_PUPR, Action.FOLLOW_UP, case["id"], text="Sudah.", now=NOW
    )
    assert delivery(database, outcome.op_id) == "local"
    database.execute("INSERT INTO sync_state (key, value) VALUES ('remote_url', 'https://x')")
    assert delivery(database, outcome.op_id) == "queued"
    database.execute("UPDATE outbox SET state = 'done' WHERE op_id = ?", [outcome.op_id])
    assert delivery(database, outcome.op_id) == "sent"
