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
from desk.i18n import clock_text, current_language, t
from desk.inbox import short_status_label
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


# Always shown, in this order; the title takes what they leave.
MARK = Column("mark", "", "", 2)
NUMBER = Column("number", "Nomor", "Number", 9)  # widened to the longest number on screen
CLOCK = Column("clock", "Batas", "Clock", 14)
STATUS = Column("status", "Status", "Status", 10)  # a short coloured label
UNIT = Column("unit", "Unit", "Unit", 8)  # widened to the longest code where there is room
TITLE = Column("title", "Judul", "Title", 0)
# Shown when there is room, in this order, each only if the title keeps its share.
OPTIONAL = (
    Column("received", "Diterima", "Received", 10),
    Column("reporter", "Pelapor", "Reporter", 16),
    Column("category", "Kategori", "Category", 16),
    Column("channel", "Kanal", "Channel", 9),
)
ORDER = ("mark", "number", "clock", "status", "category", "unit", "title", "reporter", "channel")
# Cells the title keeps however narrow the list (30 characters and the ellipsis of a longer one),
# and on the list of a 120-column terminal (50 and the ellipsis).
TITLE_MIN = 31
TITLE_WANTED = 51
UNIT_MIN = 4
UNIT_MAX = 14


def title_floor(width: int) -> int:
    """The cells the title keeps before the unit code is cut: 31 on an 80-column list, 51 from
    a 100-column one (a 120-column terminal beside the side list)."""
    return max(TITLE_MIN, min(TITLE_WANTED, width - 49))


def title_share(width: int) -> int:
    """The cells the title keeps before an optional column is shown: about half a wide list."""
    return max(title_floor(width), width // 2)


def visible_columns(
    width: int, number_width: int = NUMBER.width, unit_width: int = UNIT.width
) -> list[tuple[Column, int]]:
    """The columns that fit `width`, each with its width; the title takes what the others
    leave. Numbers are never cut (`number_width` is the longest on screen); the unit code
    (`unit_width`, the longest on screen) is widened where the title keeps its share and cut
    before the title drops under its floor; the optional columns come in only where the title
    keeps its share."""
    widths = {
        "mark": MARK.width,
        "number": max(NUMBER.width, number_width),
        "clock": CLOCK.width,
        "status": STATUS.width,
        "unit": UNIT.width,
    }

    def title_width(extra: dict[str, int]) -> int:
        return width - sum(w + 1 for w in widths.values()) - sum(w + 1 for w in extra.values())

    floor = title_floor(width)
    while title_width({}) < floor and widths["unit"] > UNIT_MIN:
        widths["unit"] -= 1
    while widths["unit"] < min(unit_width, UNIT_MAX) and title_width({}) > title_share(width):
        widths["unit"] += 1
    extra: dict[str, int] = {}
    for column in OPTIONAL:
        trial = {**extra, column.key: column.width}
        if title_width(trial) >= title_share(width):
            extra = trial
        else:
            break
    title = max(10, title_width(extra))
    by_key = {c.key: c for c in (MARK, NUMBER, CLOCK, STATUS, UNIT, TITLE, *OPTIONAL)}
    chosen = {**widths, **extra, "title": title}
    keys = [key for key in ORDER if key in chosen]
    if "received" in chosen:
        keys.append("received")
    return [(by_key[key], chosen[key]) for key in keys]


def fit(text: str, width: int) -> str:
    """`text` on one line, cut with an ellipsis or padded to exactly `width` cells."""
    from rich.cells import cell_len, set_cell_size

    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def number_label(row: dict[str, Any]) -> str:
    """How a row names its case: "#8112829", or the provisional number given at the counter."""
    number = row.get("tracking_no")
    if number:
        return f"#{number}"
    return printable(row.get("provisional_no") or "lokal", keep_newlines=False)


# The status label's colour, by status (component classes below).
STATUS_STYLES = {
    "baru": "case-list--status-new",
    "tunda": "case-list--status-waiting",
    "terverifikasi": "case-list--status-unit",
    "dikembalikan": "case-list--status-returned",
    "diproses": "case-list--status-waiting",
    "ditanggapi": "case-list--status-replied",
    "selesai": "case-list--status-closed",
    "diarsipkan": "case-list--status-closed",
}


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
    CaseList > .case-list--refused { color: $error; text-style: bold; }
    CaseList > .case-list--status-new { color: $warning; text-style: bold; }
    CaseList > .case-list--status-unit { color: $accent; }
    CaseList > .case-list--status-returned { color: $error; }
    CaseList > .case-list--status-replied { color: $warning; }
    CaseList > .case-list--status-waiting { color: $text-muted; }
    CaseList > .case-list--status-closed { color: $success; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "case-list--header",
        "case-list--cursor",
        "case-list--overdue",
        "case-list--today",
        "case-list--soon",
        "case-list--marked",
        "case-list--dim",
        "case-list--refused",
        "case-list--status-new",
        "case-list--status-unit",
        "case-list--status-returned",
        "case-list--status-replied",
        "case-list--status-waiting",
        "case-list--status-closed",
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
        # Why the last bulk action refused a marked case (case id → reason): shown as "!".
        self.refused: dict[int, str] = {}
        self.can_mark = True  # a role that can take no bulk action is offered no marks
        self.number_width = NUMBER.width
        self.unit_width = UNIT.width
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
        self._measure()
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
        self._measure()
        self._clamp()
        self.refresh()
        self._announce()

    def _measure(self) -> None:
        """The number column is as wide as the longest number held: never cut."""
        longest = max(
            (len(row.get("provisional_no") or "") for row in self.rows if not row["tracking_no"]),
            default=0,
        )
        self.number_width = max(NUMBER.width, longest)
        self.unit_width = max(
            (len(row.get("unit_code") or "") for row in self.rows), default=UNIT.width
        )

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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Marks are offered only to an officer who can act on marked cases."""
        if action in ("toggle_mark", "mark_all"):
            return self.can_mark
        return True

    def action_toggle_mark(self) -> None:
        case = self.current
        if case is None:
            return
        if case["id"] in self.marked:
            del self.marked[case["id"]]
            self.refused.pop(case["id"], None)
        else:
            self.marked[case["id"]] = case
        self._move(1)

    def action_mark_all(self) -> None:
        self.post_message(self.MarkAll())

    def clear_marks(self) -> None:
        if self.marked or self.refused:
            self.marked.clear()
            self.refused.clear()
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
        columns = visible_columns(width, self.number_width, self.unit_width)
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
            if row["id"] in self.refused:
                # Marked still, because the rules refused it: the preview says why.
                return "!", self.get_component_rich_style("case-list--refused")
            if row["id"] in self.marked:
                return "●", self.get_component_rich_style("case-list--marked")
            return "", None
        if key == "number":
            # Made at this desk and not synced yet: the number on the citizen's receipt.
            return number_label(row), None
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
            style = STATUS_STYLES.get(row["status"])
            return short_status_label(row["status"]), (
                self.get_component_rich_style(style) if style else None
            )
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
