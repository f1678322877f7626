"""Small keyboard-only dialogs that return a value: a reason, a unit, an officer, a yes or no.

Each dialog is a `ModalScreen`; Escape cancels it (it returns None, or False for a question).
Given `run`, a dialog applies the chosen value itself: `run(value)` runs in a thread worker
(it may use SQLite), and the dialog closes only when it succeeded. When it fails, the error is
shown at the field and as a notification, and the dialog stays open with what the officer
typed, so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from desk.errors import describe
from desk.i18n import CATALOG, extend, t
from desk.safety import printable
from widgets.bindings import localize_bindings

__all__ = [
    "ActionDialog",
    "AssigneePicker",
    "Command",
    "ConfirmDialog",
    "FilterPicker",
    "KeysDialog",
    "PinDialog",
    "ReasonDialog",
    "UnitPicker",
    "fuzzy_filter",
    "fuzzy_score",
    "localize_bindings",
    "screen_commands",
]

TEXTS: dict[str, tuple[str, str]] = {
    "keys.title": ("Tombol di layar ini", "Keys on this screen"),
    "keys.hint": (
        "↑↓ pilih · Enter jalankan · Esc atau ? tutup",
        "↑↓ choose · Enter runs it · Esc or ? closes",
    ),
    "keys.none": ("Tidak ada perintah di sini.", "No commands here."),
}
if "keys.title" not in CATALOG:
    extend(TEXTS)

ValueT = TypeVar("ValueT")


# ---------------------------------------------------------------------------------------------
# The commands of a screen, for the palette and the keys dialog


@dataclass(frozen=True)
class Command:
    """One action offered on a screen: its keys as shown, its description, where it runs."""

    keys: str  # "ctrl+j / alt+enter" as the terminal shows them: "^j / alt+⏎"
    description: str
    node: DOMNode
    action: str


def screen_commands(screen: Screen[Any]) -> list[Command]:
    """The desk's own commands active on `screen` now, each once, in the officer's language.

    Only bindings desk gives an id (and so a text in both languages): Textual's generic ones
    (scroll, focus next, copy, a text field's cursor keys) are the widgets' business, shown
    nowhere. Several keys for one action are listed together.
    """
    app = screen.app
    found: dict[tuple[int, str], tuple[list[str], str, DOMNode, str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if not active.enabled or not binding.id or not binding.description:
            continue
        slot = (id(active.node), binding.action)
        keys = app.get_key_display(binding)
        if slot in found:
            if keys not in found[slot][0]:
                found[slot][0].append(keys)
            continue
        found[slot] = ([keys], binding.description, active.node, binding.action)
    return [
        Command(" / ".join(keys), description, node, action)
        for keys, description, node, action in found.values()
    ]


# ---------------------------------------------------------------------------------------------
# Fuzzy filtering


def fuzzy_score(query: str, text: str) -> int | None:
    """How well `text` matches `query`, case-insensitively: lower is better, None if not at all.

    0: `text` starts with the query; 1: a word of it does ("jalan" in "INFRASTRUKTUR JALAN");
    2: contains it ("jalan" in "MENJALANKAN"); 3: contains its letters in order ("pupr" in
    "Dinas PUPR-PERA", "dnks" in "DINKES Dinas Kesehatan").
    """
    query = " ".join(query.lower().split())
    text = text.lower()
    if not query:
        return 0
    if text.startswith(query):
        return 0
    if re.search(r"(?<!\w)" + re.escape(query), text):
        return 1
    if query in text:
        return 2
    position = 0
    for character in query:
        if character == " ":
            continue
        position = text.find(character, position)
        if position < 0:
            return None
        position += 1
    return 3


def fuzzy_filter(query: str, items: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (value, label) items whose value and label match `query`, best first, stable."""
    scored = []
    for index, (value, label) in enumerate(items):
        score = fuzzy_score(query, f"{value} {label}")
        if score is not None:
            scored.append((score, index, value, label))
    return [(value, label) for _, _, value, label in sorted(scored)]


# ---------------------------------------------------------------------------------------------
# The common frame


class ActionDialog(ModalScreen[ValueT | None], Generic[ValueT]):
    """A dialog with a title, a body, a place for an error and a line of key hints."""

    DEFAULT_CSS = """
    ActionDialog { align: center middle; background: $background 60%; }
    ActionDialog > #dialog {
        width: 80; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    ActionDialog #dialog-title { text-style: bold; margin-bottom: 1; }
    ActionDialog #dialog-prompt { color: $text-muted; }
    ActionDialog #dialog-error { color: $error; text-style: bold; display: none; }
    ActionDialog #dialog-error.visible { display: block; }
    ActionDialog #dialog-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Batal", id="dialog-cancel"),
    ]
    LABELS: ClassVar[dict[str, str]] = {"dialog-cancel": "binding.cancel"}

    def __init__(
        self, title: str, hint: str, *, run: Callable[[ValueT], object] | None = None
    ) -> None:
        super().__init__()
        localize_bindings(self, {**ActionDialog.LABELS, **self.LABELS})
        self.dialog_title = title
        self.hint = hint
        self.run = run
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(printable(self.dialog_title), id="dialog-title", markup=False)
            yield from self.compose_body()
            yield Static("", id="dialog-error", markup=False)
            yield Static(self.hint, id="dialog-hint", markup=False)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def show_error(self, message: str) -> None:
        """Show `message` under the field (an empty message hides it)."""
        error = self.query_one("#dialog-error", Static)
        error.update(message)
        error.set_class(bool(message), "visible")

    def submit(self, value: ValueT) -> None:
        """Return `value`; with `run`, only after `run(value)` succeeded in a worker."""
        if self.busy:
            return
        if self.run is None:
            self.dismiss(value)
            return
        self.busy = True
        self.query_one("#dialog-hint", Static).update(t("dialog.working"))
        self._apply(value)

    @work(thread=True, exit_on_error=False, group="dialog-run")
    def _apply(self, value: ValueT) -> None:
        assert self.run is not None
        try:
            self.run(value)
        except Exception as error:  # every failure is the officer's to see; the input stays
            self.app.call_from_thread(self._failed, error)
        else:
            self.app.call_from_thread(self._succeeded, value)

    def _failed(self, error: Exception) -> None:
        self.busy = False
        message = describe(error)
        self.query_one("#dialog-hint", Static).update(self.hint)
        self.show_error(message)
        self.notify(message, severity="error", markup=False, timeout=10)

    def _succeeded(self, value: ValueT) -> None:
        self.busy = False
        self.dismiss(value)

    def action_cancel(self) -> None:
        if not self.busy:  # a write under way finishes; the dialog closes when it has
            self.dismiss(None)


# ---------------------------------------------------------------------------------------------
# A reason or a text


class ReasonDialog(ActionDialog[str]):
    """Asks for a reason (one line, Enter saves) or a text (several lines, Ctrl+S saves).

    Returns the text, stripped, or None when cancelled. A required text is never empty: saving
    an empty one says so at the field.
    """

    DEFAULT_CSS = """
    ReasonDialog TextArea { height: 8; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,alt+enter,ctrl+j", "save", "Simpan", id="dialog-save"),
    ]
    LABELS: ClassVar[dict[str, str]] = {"dialog-save": "binding.save"}

    def __init__(
        self,
        title: str,
        prompt: str,
        required: bool = True,
        *,
        multiline: bool = False,
        initial: str = "",
        run: Callable[[str], object] | None = None,
    ) -> None:
        hint = t("dialog.hint.text") if multiline else t("dialog.hint.line")
        super().__init__(title, hint, run=run)
        self.prompt = prompt
        self.required = required
        self.multiline = multiline
        self.initial = initial

    def compose_body(self) -> ComposeResult:
        if self.prompt:
            yield Static(self.prompt, id="dialog-prompt", markup=False)
        if self.multiline:
            yield TextArea(self.initial, id="reason", soft_wrap=True, tab_behavior="focus")
        else:
            yield Input(self.initial, id="reason")

    def on_mount(self) -> None:
        self.query_one("#reason").focus()

    @property
    def text(self) -> str:
        field = self.query_one("#reason")
        return field.text if isinstance(field, TextArea) else self.query_one(Input).value

    @on(Input.Submitted, "#reason")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Input.Changed, "#reason")
    @on(TextArea.Changed, "#reason")
    def _changed(self) -> None:
        if self.text.strip():
            self.show_error("")

    def action_save(self) -> None:
        text = self.text.strip()
        if self.required and not text:
            self.show_error(t("dialog.required"))
            self.query_one("#reason").focus()
            return
        self.submit(text)


# ---------------------------------------------------------------------------------------------
# Choosing one of many


class FilterPicker(ActionDialog[str]):
    """Choose one of many (value, label) items: typing filters, ↑↓ move, Enter chooses."""

    DEFAULT_CSS = """
    FilterPicker OptionList { height: auto; max-height: 14; margin-top: 1; }
    FilterPicker #dialog-empty { color: $text-muted; display: none; margin-top: 1; }
    FilterPicker #dialog-empty.visible { display: block; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "Turun", show=False),
        Binding("up", "move(-1)", "Naik", show=False),
        Binding("pagedown", "move(10)", "Halaman turun", show=False),
        Binding("pageup", "move(-10)", "Halaman naik", show=False),
    ]

    def __init__(
        self,
        title: str,
        items: Sequence[tuple[str, str]],
        *,
        run: Callable[[str], object] | None = None,
    ) -> None:
        super().__init__(title, t("dialog.hint.pick"), run=run)
        self.items = [(value, printable(label, keep_newlines=False)) for value, label in items]
        self.shown: list[tuple[str, str]] = list(self.items)

    def compose_body(self) -> ComposeResult:
        yield Input(placeholder=t("dialog.filter"), id="filter")
        yield OptionList(id="choices")
        yield Static(t("dialog.no_match"), id="dialog-empty", markup=False)

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#filter", Input).focus()

    def _fill(self, query: str) -> None:
        self.shown = fuzzy_filter(query, self.items)
        choices = self.query_one("#choices", OptionList)
        choices.set_options(Option(Content(label), id=value) for value, label in self.shown)
        choices.highlighted = 0 if self.shown else None
        choices.display = bool(self.shown)
        self.query_one("#dialog-empty", Static).set_class(not self.shown, "visible")

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.show_error("")
        self._fill(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        choices = self.query_one("#choices", OptionList)
        option = choices.highlighted_option
        if option is not None and option.id is not None:
            self.submit(option.id)

    @on(OptionList.OptionSelected, "#choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.submit(event.option.id)

    def action_move(self, delta: int) -> None:
        choices = self.query_one("#choices", OptionList)
        if not self.shown:
            return
        current = choices.highlighted if choices.highlighted is not None else 0
        choices.highlighted = max(0, min(len(self.shown) - 1, current + delta))


class UnitPicker(FilterPicker):
    """Choose a unit: `units` are (code, name); returns the code, or None."""

    def __init__(
        self,
        units: Sequence[tuple[str, str]],
        *,
        title: str | None = None,
        run: Callable[[str], object] | None = None,
    ) -> None:
        width = max((len(code) for code, _ in units), default=0) + 2
        super().__init__(
            title or t("dialog.unit.title"),
            [(code, f"{code:<{width}}{name}") for code, name in units],
            run=run,
        )


class AssigneePicker(FilterPicker):
    """Choose an officer: `officers` are (nip, name); returns the NIP, or None."""

    def __init__(
        self,
        officers: Sequence[tuple[str, str]],
        *,
        title: str | None = None,
        run: Callable[[str], object] | None = None,
    ) -> None:
        super().__init__(
            title or t("dialog.assignee.title"),
            [(nip, f"{name}  ·  {nip}") for nip, name in officers],
            run=run,
        )


# ---------------------------------------------------------------------------------------------
# Yes or no


class ConfirmDialog(ActionDialog[bool]):
    """A yes/no question: `y` returns True, `n` or Escape returns False."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "yes", "Ya", id="dialog-yes"),
        Binding("n", "cancel", "Tidak", id="dialog-no"),
    ]
    LABELS: ClassVar[dict[str, str]] = {"dialog-yes": "binding.yes", "dialog-no": "binding.no"}

    def __init__(
        self,
        message: str,
        *,
        title: str | None = None,
        run: Callable[[bool], object] | None = None,
    ) -> None:
        super().__init__(title or t("dialog.confirm.title"), t("dialog.hint.confirm"), run=run)
        self.message = message

    def compose_body(self) -> ComposeResult:
        yield Static(printable(self.message), id="dialog-message", markup=False)

    def action_yes(self) -> None:
        self.submit(True)

    def action_cancel(self) -> None:
        if not self.busy:
            self.dismiss(False)


# ---------------------------------------------------------------------------------------------
# Signing in


class PinDialog(ActionDialog[str]):
    """Asks an officer for their PIN (never echoed); `run` checks it in a worker.

    A wrong PIN is said under the field, which is cleared for the next try; the officer's
    lock, if the tries run out, is said the same way.
    """

    def __init__(self, title: str, *, run: Callable[[str], object]) -> None:
        super().__init__(title, t("dialog.hint.pin"), run=run)

    def compose_body(self) -> ComposeResult:
        yield Input(id="pin", password=True)

    def on_mount(self) -> None:
        self.query_one("#pin").focus()

    @on(Input.Submitted, "#pin")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value:
            self.submit(event.value)

    def _failed(self, error: Exception) -> None:
        super()._failed(error)
        self.query_one("#pin", Input).value = ""


# ---------------------------------------------------------------------------------------------
# Every key of a screen


class KeysDialog(ModalScreen[Command | None]):
    """The commands of the screen below, each once with its keys; Enter runs the highlighted one.

    Returns the chosen command (the caller runs it on the screen it belongs to), or None.
    """

    DEFAULT_CSS = """
    KeysDialog { align: center middle; background: $background 60%; }
    KeysDialog > #dialog {
        width: 72; max-width: 100%; height: auto; max-height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    KeysDialog #dialog-title { text-style: bold; margin-bottom: 1; }
    KeysDialog #keys { height: auto; max-height: 30; border: none; padding: 0; }
    KeysDialog #dialog-hint { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Tutup", id="keys-close"),
    ]

    def __init__(self, commands: Sequence[Command]) -> None:
        super().__init__()
        localize_bindings(self, {"keys-close": "binding.close"})
        self.commands = list(commands)

    def compose(self) -> ComposeResult:
        width = max((len(command.keys) for command in self.commands), default=0) + 2
        with Vertical(id="dialog"):
            yield Static(t("keys.title"), id="dialog-title", markup=False)
            if self.commands:
                yield OptionList(
                    *(
                        Option(
                            Content.assemble(
                                (f"{command.keys:<{width}}", "bold $accent"), command.description
                            ),
                            id=str(index),
                        )
                        for index, command in enumerate(self.commands)
                    ),
                    id="keys",
                )
            else:
                yield Static(t("keys.none"), id="keys-none", markup=False)
            yield Static(t("keys.hint"), id="dialog-hint", markup=False)

    @on(OptionList.OptionSelected, "#keys")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.commands[int(event.option.id or 0)])

    def action_close(self) -> None:
        self.dismiss(None)
