"""The bottom line of every screen: who is working, on which database, and the sync state.

The line is one row, so its parts give way by priority when the terminal is narrow: a message
(a key's answer, "why not"), the sync's progress, waiting or failure come first, then the last
sync (or "never synced") and the outbox, then conflicts and refusals, and only then the officer
and the database file, which the officer knows already. A part that still does not fit is cut
with an ellipsis, never the parts before it. Everything is drawn as plain text (a `Text`), never
parsed as markup.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.timer import Timer
from textual.widgets import Static

SEPARATOR = " · "

# Priorities: lower is kept longer.
MESSAGE = 0
SYNC = 1  # progress, waiting, failure
LAST_SYNC = 2  # "never synced" or the last sync
OUTBOX = 3
PROBLEMS = 4  # conflicts, refused centrally
PLACE = 5  # local only
OFFICER = 6
DATABASE = 7
KEPT = OUTBOX  # these are shortened, never left out, while anything less important is shown


@dataclass(frozen=True)
class Part:
    """One part of the line: its text, a shorter form if it has one, and its priority."""

    text: str
    priority: int
    short: str | None = None


def fit_parts(parts: list[Part], width: int) -> str:
    """The parts, in their order, that fit `width` cells.

    From the least important: a part's short form, then the part left out, down to the outbox;
    then the short forms of what is left (the sync's progress keeps its first figure); then the
    least important left out after all (the first part always stays); then the end cut.
    """
    shown = list(parts)
    short: set[int] = set()

    def text() -> str:
        return SEPARATOR.join((p.short if id(p) in short and p.short else p.text) for p in shown)

    def fits() -> bool:
        return cell_len(text()) <= width

    for part in sorted(parts, key=lambda p: -p.priority):
        if fits() or part.priority <= KEPT:
            break
        if part.short:
            short.add(id(part))
        if not fits():
            shown.remove(part)
    for part in sorted(shown, key=lambda p: -p.priority):
        if fits():
            break
        if part.short:
            short.add(id(part))
    while len(shown) > 1 and not fits():
        shown.remove(max(shown, key=lambda p: p.priority))
    line = text()
    if cell_len(line) > width:
        line = set_cell_size(line, max(0, width - 1)) + "…"
    return line


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    StatusLine.-message { color: $text; background: $warning 30%; }
    StatusLine.-error { color: $text; background: $error 40%; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", markup=False, **kwargs)  # type: ignore[arg-type]
        self.parts: list[Part] = []
        self.message: str | None = None
        self._message_timer: Timer | None = None

    def show(self, parts: list[str | Part]) -> None:
        """Replace the line with `parts`; plain strings are kept in their order of importance
        (the first the longest). The parts are plain text, never markup."""
        self.parts = [
            part if isinstance(part, Part) else Part(part, OFFICER + index)
            for index, part in enumerate(parts)
        ]
        self.refresh()

    def say(self, message: str, *, error: bool = False, seconds: float = 8.0) -> None:
        """Put `message` first on the line for a while (a key's answer: why it did nothing)."""
        self.message = " ".join(message.split())
        self.set_class(not error, "-message")
        self.set_class(error, "-error")
        if self._message_timer is not None:
            self._message_timer.stop()
        self._message_timer = self.set_timer(seconds, self.clear_message)
        self.refresh()

    def clear_message(self) -> None:
        self.message = None
        self.remove_class("-message", "-error")
        self.refresh()

    @property
    def text(self) -> str:
        """The line as it is drawn now."""
        width = max(1, self.content_region.width or self.size.width or 80)
        parts = list(self.parts)
        if self.message:
            parts.insert(0, Part(self.message, MESSAGE))
        return fit_parts(parts, width)

    def render(self) -> Text:
        return Text(self.text, no_wrap=True, overflow="ellipsis")

    def on_resize(self) -> None:
        self.refresh()
