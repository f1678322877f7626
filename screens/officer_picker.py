"""Choosing who is at the keyboard, when `--as` was not given and nobody used this database yet."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from desk.i18n import role_label, t
from desk.safety import printable
from desk.workflow import Actor, Role
from widgets.dialogs import PinDialog
from widgets.key_footer import KeyFooter


class OfficerPicker(Screen[Actor | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Batal")]
    DEFAULT_CSS = """
    OfficerPicker { align: center middle; }
    OfficerPicker > Vertical { width: 80; max-width: 100%; height: auto; max-height: 90%;
                               border: round $accent; padding: 0 1; }
    OfficerPicker OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, officers: list[dict[str, Any]], db_path: Path) -> None:
        super().__init__()
        self.officers = [o for o in officers if o.get("active", 1)]
        self.db_path = db_path

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(t("picker.title"), markup=False)
            yield OptionList(
                *(
                    Option(
                        Content(
                            f"{o['nip']}  {printable(o['name'], keep_newlines=False)}  "
                            f"{o['unit_code']}  {role_label(o['role'])}"
                        ),
                        id=o["nip"],
                    )
                    for o in self.officers
                )
            )
        yield KeyFooter()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        officer = next(o for o in self.officers if o["nip"] == event.option.id)
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
