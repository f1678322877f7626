"""Keys that answer everywhere in the desk: quitting from a dialog, the palette and `?` in the
officer's language, the officer picker that filters, and Tab with keys that arrive together."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.command import CommandPalette
from textual.widgets import Input, OptionList, TextArea

from db import open_database
from desk.app import DeskApp
from desk.i18n import set_language
from desk.inbox import InboxSource
from desk.workflow import Actor
from screens.case_detail import CaseScreen
from screens.intake import IntakeScreen
from screens.officer_picker import OfficerPicker
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, case_in, make_office
from tests.test_tui_case import settle, visible_text
from widgets.dialogs import KeysDialog, ReasonDialog


@pytest.fixture(autouse=True)
def language() -> Iterator[None]:
    set_language("id")
    yield
    set_language("id")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    database = open_database(tmp_path / "desk.db")
    make_office(database)
    case_in(database, "terverifikasi")
    database.conn.close()
    return tmp_path / "desk.db"


class CaseDesk(DeskApp):
    """The desk app, opened straight on a case (or on a given screen) instead of the inbox."""

    def __init__(self, path: Path, actor: Actor = PETUGAS_PUPR, *, intake: bool = False) -> None:
        super().__init__(path, actor, office_tz="Asia/Makassar", clock=lambda: NOW)
        self.intake = intake

    def _open_inbox(self, actor: Actor) -> None:
        source = InboxSource(self.db_path, actor, clock=lambda: NOW)
        if self.intake:
            self.push_screen(IntakeScreen(source, self.db_path))
        else:
            self.push_screen(CaseScreen(source, 1))


def command_titles(app: DeskApp) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


# Textual's own entries: its system commands (titles without a key) and its widgets' bindings.
GENERIC = ("Scroll", "Focus", "Theme", "Screenshot", "Maximize", "Keys", "palette", "Cursor")


# ---------------------------------------------------------------------------------------------
# ctrl+q and ctrl+c


async def test_ctrl_q_quits_with_a_dialog_open(path: Path) -> None:
    app = CaseDesk(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app)
        await pilot.press("n")  # the note dialog: a text field has the focus
        await settle(app)
        assert isinstance(app.screen, ReasonDialog)
        assert isinstance(app.focused, TextArea)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running or app._exit_renderables is not None
    assert app.return_code == 0


async def test_ctrl_c_says_how_to_quit_in_indonesian(path: Path) -> None:
    app = CaseDesk(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app)
        app.action_help_quit()
        await pilot.pause()
        messages = [n.message + n.title for n in app._notifications]
        assert any("ctrl+q untuk keluar" in m for m in messages)
        assert not any("Do you want to quit" in m for m in messages)


# ---------------------------------------------------------------------------------------------
# The palette and `?`


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_palette_lists_each_command_once_in_the_officers_language(
    path: Path, lang: str
) -> None:
    set_language(lang)
    app = CaseDesk(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        titles = command_titles(app)
        assert len(titles) == len(set(titles))
        descriptions = [title.rsplit(" (", 1)[0] for title in titles]
        assert len(descriptions) == len(set(descriptions)), descriptions
        for generic in GENERIC:
            assert not any(generic in title for title in titles), (generic, titles)
        assert all(title.endswith(")") for title in titles)  # each with its key: desk's own
        if lang == "id":
            assert "Balas (r)" in titles and "Keluar (^q)" in titles and "Bantuan (?)" in titles
        else:
            assert "Reply (r)" in titles and "Quit (^q)" in titles and "Help (?)" in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        field = palette.query_one(Input)
        expected = "Cari perintah…" if lang == "id" else "Search for commands…"
        assert field.placeholder == expected
        await pilot.press(*"qqzzxx")
        await pilot.pause(0.9)  # Textual waits a moment before saying nothing matched
        shown = visible_text(app)
        assert ("Tidak ada perintah yang cocok" if lang == "id" else "No matching command") in shown
        assert "No matches found" not in shown


async def test_the_palette_runs_the_screens_action(path: Path) -> None:
    app = CaseDesk(path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("ctrl+p", *"catatan")
        await pilot.pause(0.6)
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, ReasonDialog)


async def test_question_mark_lists_the_keys_once_and_runs_one(path: Path) -> None:
    app = CaseDesk(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app)
        await pilot.press("question_mark")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, KeysDialog)
        shown = visible_text(app)
        assert "Tombol di layar ini" in shown and "Balas" in shown and "Kembali" in shown
        for generic in GENERIC:
            assert generic not in shown, generic
        descriptions = [command.description for command in dialog.commands]
        assert len(descriptions) == len(set(descriptions))
        # Enter runs the highlighted command on the case screen: the note dialog here.
        index = descriptions.index("Catatan")
        dialog.query_one(OptionList).highlighted = index
        await pilot.press("enter")
        await settle(app)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press("escape", "question_mark")
        await pilot.pause()
        assert isinstance(app.screen, KeysDialog)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, CaseScreen)


# ---------------------------------------------------------------------------------------------
# The officer picker


def officers(count: int) -> list[dict[str, Any]]:
    names = ["Sri Wahyuni", "Agus Salim", "Made Wirawan", "Yohana Pasaribu", "Rudi Hartono"]
    return [
        {
            "nip": f"19800101200501{index:04d}",
            "name": f"{names[index % len(names)]} {index}",
            "unit_code": ["PUPR", "DINKES", "SETDA"][index % 3],
            "role": "petugas",
            "has_pin": 0,
        }
        for index in range(count)
    ]


class PickerApp(App[None]):
    def __init__(self, people: list[dict[str, Any]]) -> None:
        super().__init__()
        self.people = people
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(OfficerPicker(self.people, Path("desk.db")), self.results.append)


@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_officer_picker_filters_as_you_type(lang: str) -> None:
    set_language(lang)
    people = officers(150)
    app = PickerApp(people)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, OfficerPicker)
        assert isinstance(app.focused, Input)
        assert len(picker.shown) == 150
        await pilot.press(*"made 117")
        await pilot.pause()
        assert [nip for nip, _ in picker.shown] == [people[117]["nip"]]
        shown = visible_text(app)
        assert "Made Wirawan 117" in shown
        assert ("1 dari 150 petugas" if lang == "id" else "1 of 150 officers") in shown
        await pilot.press("enter")
        await pilot.pause()
    assert [getattr(actor, "nip", None) for actor in app.results] == [people[117]["nip"]]


async def test_the_officer_picker_moves_with_arrows_while_typing() -> None:
    people = officers(150)
    app = PickerApp(people)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*"pasaribu", "down", "down", "enter")
        await pilot.pause()
    pasaribu = [p["nip"] for p in people if "Pasaribu" in p["name"]]
    assert len(pasaribu) == 30
    assert [getattr(actor, "nip", None) for actor in app.results] == [pasaribu[2]]


# ---------------------------------------------------------------------------------------------
# Tab with keys that arrive together


def arrive_together(app: App[Any], *keys: str) -> None:
    """Queue keys at once, as a paste, a barcode scanner or a slow SSH link delivers them."""
    for key in keys:
        character = key if len(key) == 1 else {"tab": "\t", "space": " "}.get(key)
        app.post_message(events.Key(key, character))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_keys_after_tab_go_to_the_field_tab_moved_to(
    path: Path, size: tuple[int, int]
) -> None:
    app = CaseDesk(path, ADMIN, intake=True)
    async with app.run_test(size=size) as pilot:
        await settle(app)
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        assert app.focused is screen.query_one("#f-title")
        arrive_together(app, *"Jalan", "tab", *"rusak")
        await pilot.pause(0.2)
        assert screen.query_one("#f-title", Input).value == "Jalan"
        assert screen.query_one("#f-text", TextArea).text == "rusak"
        # Further down the form, and backwards: the date, then shift+tab to the place.
        screen.query_one("#f-incident_date", Input).focus()
        await pilot.pause()
        arrive_together(app, *"09/11/2026", "shift+tab", *"Juanda")
        await pilot.pause(0.2)
        assert screen.query_one("#f-place", Input).value == "Juanda"
        assert screen.query_one("#f-incident_date", Input).value == "09/11/2026"


async def test_tab_still_reaches_a_widget_that_uses_it(path: Path) -> None:
    """A text area that indents with Tab keeps its Tab (the priority binding steps aside)."""
    app = CaseDesk(path, ADMIN, intake=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        body = app.screen.query_one("#f-text", TextArea)
        body.tab_behavior = "indent"
        body.focus()
        await pilot.pause()
        arrive_together(app, "a", "tab", "b")
        await pilot.pause(0.2)
        assert app.focused is body
        assert body.text.replace(" ", "") == "ab" and " " in body.text
