"""Conflicts: the desk's version and the central one side by side, and the officer's choice.

"Mine" is what the officer's operations meant (the status they lead to, the unit, the officer),
"theirs" the server's values of the same fields; the fields that differ are marked. `m` keeps
mine (my action is redone on the central version, as a new operation; when the rules refuse
that from the central status, the screen says so beforehand), `T` keeps theirs (the central case
is taken; my operation stays recorded as superseded and its text goes to my draft, which the
screen says too). Both go through `desk.sync.conflicts.resolve`, the same as `desk sync resolve`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from desk.i18n import t
from desk.inbox import InboxSource
from desk.safety import printable
from desk.sync import texts as _texts  # noqa: F401  (registers the sync texts)
from desk.sync.conflicts import Conflict, list_conflicts, resolution_message, resolve
from desk.sync.texts import draft_label, field_label, field_value, op_label
from widgets.bindings import localize_bindings
from widgets.key_footer import KeyFooter
from widgets.worker_errors import notify_failure

LABELS = {"mine": "binding.sync_keep_mine", "theirs": "binding.sync_keep_theirs"}


def _side(conflict: Conflict, values: dict[str, Any], title: str) -> str:
    """One side: each field the conflict is about, `*` where the two sides differ."""
    lines = [title, ""]
    for name, value in values.items():
        mark = "*" if name in conflict.fields else " "
        shown = printable(field_value(name, value), keep_newlines=False)
        lines.append(f"{mark} {field_label(name)}: {shown}")
    return "\n".join(lines)


def _choices(conflict: Conflict) -> str:
    """The operations, their text, and what each choice will do with it."""
    ops = "; ".join(
        f"{op_label(op['kind'])}: "
        + printable(
            str(op["payload"].get("text") or op["payload"].get("reason") or ""),
            keep_newlines=False,
        )[:80]
        for op in conflict.ops
    )
    lines = [f"{t('sync.col.op')}: {ops}"]
    if conflict.keep_mine:
        lines.append(printable(t("sync.keep_mine_impossible", reason=conflict.keep_mine)))
    if conflict.texts:
        drafts = ", ".join(draft_label(kind) for kind in conflict.texts)
        lines.append(t("sync.keep_theirs_text", drafts=drafts))
    return "\n".join(lines)


class ConflictsScreen(Screen[bool]):
    DEFAULT_CSS = """
    ConflictsScreen #conflict-list { width: 30; border-right: solid $panel; }
    ConflictsScreen .side { width: 1fr; padding: 0 1; }
    ConflictsScreen #conflict-ops { height: auto; padding: 0 1; color: $text-muted; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Kembali", id="back"),
        Binding("m", "keep('mine')", "Pakai versi saya", id="mine"),
        Binding("T", "keep('theirs')", "Pakai versi pusat", id="theirs"),
    ]

    def __init__(self, source: InboxSource) -> None:
        super().__init__()
        localize_bindings(self, {"back": "binding.back", **LABELS})
        self.source = source
        self.conflicts: list[Conflict] = []
        self.changed = False

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield OptionList(id="conflict-list")
            with Vertical():
                with Horizontal():
                    yield Static("", id="mine", classes="side", markup=False)
                    yield Static("", id="theirs", classes="side", markup=False)
                yield Static("", id="conflict-ops", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_failure(self, event)

    @work(thread=True, group="conflicts", exclusive=True, exit_on_error=False)
    def load(self) -> None:
        conflicts = list_conflicts(self.source.database())
        self.app.call_from_thread(self._loaded, conflicts)

    def _loaded(self, conflicts: list[Conflict]) -> None:
        self.conflicts = conflicts
        options = self.query_one("#conflict-list", OptionList)
        options.clear_options()
        for index, conflict in enumerate(conflicts):
            options.add_option(
                Option(
                    f"{conflict.label}  {', '.join(field_label(f) for f in conflict.fields)}",
                    id=str(index),
                )
            )
        if conflicts:
            options.highlighted = 0
            self._show(conflicts[0])
        else:
            self.query_one("#mine", Static).update(t("sync.conflicts_none"))
            self.query_one("#theirs", Static).update("")
            self.query_one("#conflict-ops", Static).update("")
        options.focus()

    @on(OptionList.OptionHighlighted, "#conflict-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id is not None and int(event.option.id) < len(self.conflicts):
            self._show(self.conflicts[int(event.option.id)])

    def _show(self, conflict: Conflict) -> None:
        self.query_one("#mine", Static).update(_side(conflict, conflict.mine, t("sync.col.mine")))
        self.query_one("#theirs", Static).update(
            _side(conflict, conflict.theirs, t("sync.col.theirs"))
        )
        self.query_one("#conflict-ops", Static).update(_choices(conflict))

    def _current(self) -> Conflict | None:
        highlighted = self.query_one("#conflict-list", OptionList).highlighted
        if highlighted is None or highlighted >= len(self.conflicts):
            return None
        return self.conflicts[highlighted]

    def action_keep(self, keep: str) -> None:
        conflict = self._current()
        if conflict is not None:
            self._resolve(conflict, "mine" if keep == "mine" else "theirs")

    @work(thread=True, group="resolve", exclusive=True, exit_on_error=False)
    def _resolve(self, conflict: Conflict, keep: str) -> None:
        outcome = resolve(
            self.source.database(),
            conflict.case_id,
            "mine" if keep == "mine" else "theirs",
            self.source.actor,
        )
        self.app.call_from_thread(self._resolved, resolution_message(outcome, keep))

    def _resolved(self, message: str) -> None:
        self.changed = True
        self.notify(message, markup=False)
        self.load()

    def action_back(self) -> None:
        self.dismiss(self.changed)
