"""A list of cases that holds only what is near the screen.

Rows arrive a page at a time from a loader running in a worker thread (keyset pages, see
desk/inbox.py); the widget keeps a window of at most a few pages around the cursor and draws
each visible line itself (Textual's line API), so a million-case view costs what a hundred does.
Complaint text is drawn as plain segments after `printable()`: it is never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget
from textual.worker import Worker, WorkerState, get_current_worker

from db.inbox import PageKey
from db.timefmt import from_text
from desk.i18n import clock_text, current_language, status_label, t
from desk.safety import printable
from widgets.bindings import localize_bindings
from widgets.worker_errors import notify_failure

PAGE = 100
# The first page only has to fill the screen (the next one is asked for at the first move): with
# a common search word every row costs an index probe, so each row beyond the screen delays it.
FIRST_PAGE = 30
MAX_ROWS = 6 * PAGE  # rows kept around the cursor

Loader = Callable[..., list[dict[str, Any]]]


@dataclass(frozen=True)
class Column:
    key: str
    title_id: str
    title_en: str
    width: int  # 0: takes the remaining width
    min_terminal: int  # shown only when the widget is at least this wide


COLUMNS = (
    Column("mark", "", "", 2, 0),
    Column("number", "Nomor", "Number", 9, 0),
    Column("clock", "Batas", "Clock", 14, 0),
    Column("status", "Status", "Status", 19, 60),
    Column("category", "Kategori", "Category", 16, 125),
    Column("unit", "Unit", "Unit", 11, 80),
    Column("title", "Judul", "Title", 0, 0),
    Column("reporter", "Pelapor", "Reporter", 16, 105),
    Column("channel", "Kanal", "Channel", 9, 140),
    Column("received", "Diterima", "Received", 10, 95),
)


def visible_columns(width: int) -> list[tuple[Column, int]]:
    """The columns that fit `width`, with the title column taking what the others leave."""
    chosen = [c for c in COLUMNS if width >= c.min_terminal]
    fixed = sum(c.width + 1 for c in chosen if c.width)
    return [(c, c.width or max(10, width - fixed - 1)) for c in chosen]


def fit(text: str, width: int) -> str:
    """`text` on one line, cut with an ellipsis or padded to exactly `width` cells."""
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


class CaseList(Widget, can_focus=True):
    """The inbox list: cursor, marks, keyset paging in workers."""

    DEFAULT_CSS = """
    CaseList { height: 1fr; }
    CaseList > .case-list--header { text-style: bold; background: $panel; }
    CaseList > .case-list--cursor { background: $accent 40%; }
    CaseList:focus > .case-list--cursor { background: $accent; color: $text; }
    CaseList > .case-list--overdue { color: $error; text-style: bold; }
    CaseList > .case-list--today { color: $warning; text-style: bold; }
    CaseList > .case-list--soon { color: $warning; }
    CaseList > .case-list--marked { color: $success; text-style: bold; }
    CaseList > .case-list--dim { color: $text-muted; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "case-list--header",
        "case-list--cursor",
        "case-list--overdue",
        "case-list--today",
        "case-list--soon",
        "case-list--marked",
        "case-list--dim",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("home,g", "first", "Top", show=False),
        Binding("end,G", "last", "Bottom", show=False),
        Binding("space", "toggle_mark", "Tandai", id="mark"),
        Binding("V", "mark_all", "Tandai semua", show=False, id="mark-view"),
        Binding("enter", "open", "Buka", id="open-case"),
    ]

    class Highlighted(Message):
        def __init__(self, case: dict[str, Any] | None, position: int | None) -> None:
            super().__init__()
            self.case = case
            self.position = position

    class Opened(Message):
        def __init__(self, case: dict[str, Any]) -> None:
            super().__init__()
            self.case = case

    class MarkAll(Message):
        """The officer asked to mark every case of the view (the screen knows how many)."""

    loading_rows: reactive[bool] = reactive(False, layout=False)

    def __init__(self, *, office_tz: str = "Asia/Makassar", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        localize_bindings(
            self,
            {"mark": "binding.mark", "mark-view": "binding.mark_view", "open-case": "binding.open"},
        )
        self.rows: list[dict[str, Any]] = []
        self.first_index = 0  # position in the whole list of rows[0]
        self.total = 0
        self.cursor = 0  # index into rows
        self.top = 0  # index into rows of the first visible line
        self.at_start = True
        self.at_end = True
        self.marked: dict[int, dict[str, Any]] = {}
        self.loader: Loader | None = None
        self.position_changed: Callable[[], None] | None = None
        self.zone = ZoneInfo(office_tz)
        self._generation = 0  # bumps on every reset; stale pages are dropped

    # -- loading ---------------------------------------------------------------------------

    def reset(
        self, loader: Loader, total: int, *, keep_case_id: int | None = None, quiet: bool = False
    ) -> None:
        """Show a new list (another view, search or order), starting from its top.

        `quiet`: leave the screen as it is until the rows arrive (the caller redraws it then).
        """
        self._generation += 1
        self.loader = loader
        self.total = total
        self.rows, self.first_index, self.cursor, self.top = [], 0, 0, 0
        self.at_start, self.at_end = True, False
        self._load(self._generation, "first", None)
        if not quiet:
            self.refresh()

    def refresh_rows(self) -> None:
        """Read the rows on screen again (after an action changed them), keeping the place."""
        if not self.rows or self.loader is None:
            return
        self._generation += 1
        keep = self.current["id"] if self.current else None
        before_top = self.rows[self.top - 1]["key"] if self.top > 0 else None
        self._reload_at(self._generation, before_top, keep)

    @work(thread=True, group="case-pages", exit_on_error=False)
    def _reload_at(self, generation: int, key: PageKey | None, keep: int | None) -> None:
        assert self.loader is not None
        rows = self.loader(after=key, limit=PAGE) if key else self.loader(limit=PAGE)
        self.app.call_from_thread(self._reloaded, generation, key, rows, keep)

    def _reloaded(
        self, generation: int, key: PageKey | None, rows: list[dict[str, Any]], keep: int | None
    ) -> None:
        if generation != self._generation:
            return
        if key is not None:
            self.first_index += self.top
        else:
            self.first_index = 0
        self.at_start = key is None
        self.at_end = len(rows) < PAGE
        cursor_offset = self.cursor - self.top
        self.rows, self.top = rows, 0
        ids = [row["id"] for row in rows]
        self.cursor = ids.index(keep) if keep in ids else cursor_offset
        self._clamp()
        self.refresh()
        self._announce()

    def set_total(self, total: int) -> None:
        self.total = total
        if self.at_end and not self.at_start:
            # Rows read from the end before the count arrived: place them now it is known.
            self.first_index = max(0, total - len(self.rows))
        self.refresh()

    @work(thread=True, group="case-pages", exit_on_error=False)
    def _load(self, generation: int, where: str, key: PageKey | None) -> None:
        if self.loader is None:
            return
        first = max(FIRST_PAGE, self.size.height + 2)  # a tall terminal is still filled
        limit = first if where in ("first", "last") else PAGE
        if where == "first":
            rows = self.loader(limit=limit)
        elif where == "last":
            rows = self.loader(from_end=True, limit=limit)
        elif where == "after":
            rows = self.loader(after=key, limit=limit)
        else:
            rows = self.loader(before=key, limit=limit)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._receive, generation, where, rows, limit)

    def _receive(self, generation: int, where: str, rows: list[dict[str, Any]], limit: int) -> None:
        self.loading_rows = False
        if generation != self._generation:
            return
        if where in ("first", "last"):
            self.rows = rows
            self.at_start = where == "first" or len(rows) < limit
            self.at_end = where == "last" or len(rows) < limit
            self.first_index = 0 if where == "first" else max(0, self.total - len(rows))
            self.cursor = 0 if where == "first" else max(0, len(rows) - 1)
            self.top = 0 if where == "first" else max(0, len(rows) - self.size.height + 1)
        elif where == "after":
            self.rows.extend(rows)
            self.at_end = len(rows) < limit
            if len(self.rows) > MAX_ROWS:
                drop = len(self.rows) - MAX_ROWS
                self.rows = self.rows[drop:]
                self.first_index += drop
                self.cursor -= drop
                self.top -= drop
                self.at_start = False
        else:
            self.rows[:0] = rows
            self.first_index -= len(rows)
            self.cursor += len(rows)
            self.top += len(rows)
            self.at_start = len(rows) < limit
            if self.at_start:
                self.first_index = 0
            if len(self.rows) > MAX_ROWS:
                del self.rows[MAX_ROWS:]
                self.at_end = False
        self._clamp()
        self.refresh()
        self._announce()

    def _prefetch(self) -> None:
        """Ask for the next page early, while the officer still has rows to read."""
        if self.loading_rows or not self.rows:
            return
        if not self.at_end and len(self.rows) - self.cursor < PAGE // 2:
            self.loading_rows = True
            self._load(self._generation, "after", self.rows[-1]["key"])
        elif not self.at_start and self.cursor < PAGE // 2:
            self.loading_rows = True
            self._load(self._generation, "before", self.rows[0]["key"])

    # -- cursor ----------------------------------------------------------------------------

    @property
    def current(self) -> dict[str, Any] | None:
        return self.rows[self.cursor] if self.rows else None

    @property
    def position(self) -> int | None:
        return self.first_index + self.cursor if self.rows else None

    def _clamp(self) -> None:
        if not self.rows:
            self.cursor = self.top = 0
            return
        self.cursor = max(0, min(self.cursor, len(self.rows) - 1))
        height = max(1, self.size.height - 1)
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + height:
            self.top = self.cursor - height + 1
        self.top = max(0, min(self.top, max(0, len(self.rows) - 1)))

    def _move(self, delta: int) -> None:
        if not self.rows:
            return
        self.cursor += delta
        self._clamp()
        self.refresh()
        self._announce()
        self._prefetch()

    def _announce(self) -> None:
        if self.position_changed is not None:
            self.position_changed()  # in this frame: a message would arrive a frame later
        self.post_message(self.Highlighted(self.current, self.position))

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_page_down(self) -> None:
        self._move(max(1, self.size.height - 2))

    def action_page_up(self) -> None:
        self._move(-max(1, self.size.height - 2))

    def action_first(self) -> None:
        if self.at_start:
            self._move(-self.cursor)
        else:
            self._generation += 1
            self._load(self._generation, "first", None)

    def action_last(self) -> None:
        if self.at_end:
            self._move(len(self.rows) - 1 - self.cursor)
        else:
            self._generation += 1
            self._load(self._generation, "last", None)

    def action_toggle_mark(self) -> None:
        case = self.current
        if case is None:
            return
        if case["id"] in self.marked:
            del self.marked[case["id"]]
        else:
            self.marked[case["id"]] = case
        self._move(1)

    def action_mark_all(self) -> None:
        self.post_message(self.MarkAll())

    def clear_marks(self) -> None:
        if self.marked:
            self.marked.clear()
            self.refresh()

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self.current))

    def on_resize(self) -> None:
        self._clamp()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.loading_rows = False  # the next key may try again
        notify_failure(self, event)

    # -- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        columns = visible_columns(width)
        if y == 0:
            style = self.get_component_rich_style("case-list--header")
            english = current_language() == "en"
            text = " ".join(fit(c.title_en if english else c.title_id, w) for c, w in columns)
            return Strip([Segment(fit(text, width), style)], width)
        index = self.top + y - 1
        if index >= len(self.rows):
            if index == len(self.rows) and not self.rows:
                message = t("inbox.loading") if self.loading_rows else t("inbox.empty")
                dim = self.get_component_rich_style("case-list--dim")
                return Strip([Segment(fit("  " + message, width), dim)], width)
            return Strip.blank(width, self.rich_style)
        row = self.rows[index]
        base = self.rich_style
        if index == self.cursor:
            base = base + self.get_component_rich_style("case-list--cursor")
        segments: list[Segment] = []
        for column, cell_width in columns:
            text, cell_style = self._cell(column.key, row)
            segments.append(
                Segment(fit(text, cell_width), base + cell_style if cell_style else base)
            )
            segments.append(Segment(" ", base))
        return Strip(segments, width).crop_extend(0, width, base)

    def _cell(self, key: str, row: dict[str, Any]) -> tuple[str, Style | None]:
        if key == "mark":
            if row["id"] in self.marked:
                return "●", self.get_component_rich_style("case-list--marked")
            return "", None
        if key == "number":
            number = row["tracking_no"]
            if number:
                return f"#{number}", None
            # Made at this desk and not synced yet: the number on the citizen's receipt.
            return printable(row.get("provisional_no") or "lokal", keep_newlines=False), None
        if key == "clock":
            days = row.get("days_left")
            if days is None:
                return "—", self.get_component_rich_style("case-list--dim")
            name = (
                "case-list--overdue"
                if days < 0
                else "case-list--today"
                if days == 0
                else "case-list--soon"
                if days == 1
                else None
            )
            return clock_text(days), self.get_component_rich_style(name) if name else None
        if key == "status":
            return status_label(row["status"]), None
        if key == "category":
            return printable(
                row.get("subcategory") or row.get("category") or "", keep_newlines=False
            ), None
        if key == "unit":
            return printable(row.get("unit_code") or "", keep_newlines=False), None
        if key == "title":
            return printable(row["title"], keep_newlines=False), None
        if key == "reporter":
            if row["anonymous"]:
                return "Anonim", self.get_component_rich_style("case-list--dim")
            return printable(row.get("reporter_name") or "", keep_newlines=False), None
        if key == "channel":
            return row.get("channel") or "", None
        if key == "received":
            local = from_text(row["received_at"]).astimezone(self.zone)
            return local.strftime("%d/%m/%Y"), None
        return "", None
