"""Choosing who is at the keyboard, when `--as` was not given and nobody used this database yet."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from desk.i18n import role_label, t
from desk.safety import printable
from desk.workflow import Actor, Role


class OfficerPicker(Screen[Actor | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Batal")]
    DEFAULT_CSS = """
    OfficerPicker { align: center middle; }
    OfficerPicker > Vertical { width: 80; max-width: 100%; height: auto; max-height: 90%;
                               border: round $accent; padding: 0 1; }
    OfficerPicker OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, officers: list[dict[str, Any]]) -> None:
        super().__init__()
        self.officers = [o for o in officers if o.get("active", 1)]

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
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        officer = next(o for o in self.officers if o["nip"] == event.option.id)
        self.dismiss(
            Actor(officer["nip"], officer["name"], Role(officer["role"]), officer["unit_code"])
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
