"""Choosing who is at the keyboard, when `--as` was not given and nobody used this database yet."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from desk.i18n import CATALOG, extend, role_label, t
from desk.safety import printable
from desk.workflow import Actor, Role
from widgets.bindings import localize_bindings
from widgets.dialogs import PinDialog, fuzzy_filter
from widgets.key_footer import KeyFooter

TEXTS: dict[str, tuple[str, str]] = {
    "picker.filter": (
        "ketik nama, NIP atau unit untuk menyaring…",
        "type a name, NIP or unit to filter…",
    ),
    "picker.count": ("{shown} dari {total} petugas", "{shown} of {total} officers"),
    "picker.count_one": ("1 dari {total} petugas", "1 of {total} officers"),
}
if "picker.filter" not in CATALOG:
    extend(TEXTS)


class OfficerPicker(Screen[Actor | None]):
    """Who is at the keyboard: typing filters the officers (a name, a NIP, a unit), ↑↓ move,
    Enter chooses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Batal", id="picker-cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
        Binding("pagedown", "move(10)", show=False),
        Binding("pageup", "move(-10)", show=False),
    ]
    DEFAULT_CSS = """
    OfficerPicker { align: center middle; }
    OfficerPicker > Vertical { width: 80; max-width: 100%; height: auto; max-height: 90%;
                               border: round $accent; padding: 0 1; }
    OfficerPicker #officers { height: auto; max-height: 20; }
    OfficerPicker #officer-count { color: $text-muted; }
    """
    AUTO_FOCUS = "#officer-filter"

    def __init__(self, officers: list[dict[str, Any]], db_path: Path) -> None:
        super().__init__()
        localize_bindings(self, {"picker-cancel": "binding.cancel"})
        self.officers = [o for o in officers if o.get("active", 1)]
        self.db_path = db_path
        self.items = [
            (
                o["nip"],
                f"{printable(o['name'], keep_newlines=False)}  "
                f"{printable(o['unit_code'], keep_newlines=False)}  {role_label(o['role'])}",
            )
            for o in self.officers
        ]
        self.shown = list(self.items)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("picker.title"), markup=False)
            yield Input(placeholder=t("picker.filter"), id="officer-filter")
            yield OptionList(id="officers")
            yield Static("", id="officer-count", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        self.shown = fuzzy_filter(query, self.items)
        options = self.query_one("#officers", OptionList)
        options.set_options(Option(Content(f"{nip}  {label}"), id=nip) for nip, label in self.shown)
        options.highlighted = 0 if self.shown else None
        total = len(self.items)
        count = (
            t("picker.count_one", total=total)
            if len(self.shown) == 1
            else t("picker.count", shown=len(self.shown), total=total)
        )
        self.query_one("#officer-count", Static).update(count)

    @on(Input.Changed, "#officer-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#officer-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        option = self.query_one("#officers", OptionList).highlighted_option
        if option is not None and option.id is not None:
            self._choose(option.id)

    def action_move(self, delta: int) -> None:
        options = self.query_one("#officers", OptionList)
        if not self.shown:
            return
        current = options.highlighted if options.highlighted is not None else 0
        options.highlighted = max(0, min(len(self.shown) - 1, current + delta))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self._choose(event.option.id)

    def _choose(self, nip: str) -> None:
        officer = next(o for o in self.officers if o["nip"] == nip)
        actor = Actor(officer["nip"], officer["name"], Role(officer["role"]), officer["unit_code"])
        if not officer.get("has_pin"):
            self.dismiss(actor)
            return

        def signed_in(pin: str | None) -> None:
            if pin is not None:
                self.dismiss(actor)

        title = t("picker.pin_title", name=printable(actor.name, keep_newlines=False))
        self.app.push_screen(PinDialog(title, run=partial(self._sign_in, actor)), signed_in)

    def _sign_in(self, actor: Actor, pin: str) -> None:
        """Check the PIN (in the dialog's worker: scrypt takes a moment), auditing the attempt."""
        from db import open_database
        from desk.officers import sign_in

        database = open_database(self.db_path, migrate=False)
        try:
            sign_in(database, actor, pin)
        finally:
            database.conn.close()

    def action_cancel(self) -> None:
        self.dismiss(None)
