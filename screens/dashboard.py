"""The unit-performance dashboard: ranking, weekly trend, time to first follow-up, overdue.

The figures are computed by `desk.metrics.compute_report` in a thread worker (a year of a
million-case office takes a few seconds); the table shows Textual's loading indicator meanwhile,
so keys keep working. Enter on a unit opens the inbox on that unit's overdue cases: the view
"lewat" narrowed by `unit:CODE status:terverifikasi,ditanggapi`, the very cases counted in the
"overdue now" column.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from db import open_database
from db.timefmt import utc_now
from desk.case_view import format_moment
from desk.errors import DeskError
from desk.i18n import CATALOG, extend, t
from desk.inbox import InboxSource
from desk.metrics import DEFAULT_MIN_CASES, Period, Report, compute_report, parse_period
from desk.report_view import (
    DASHBOARD_COLUMNS,
    NUMERIC,
    RANKED_BY,
    cell,
    column_title,
    number_text,
)
from widgets.bindings import localize_bindings
from widgets.key_footer import KeyFooter
from widgets.worker_errors import notify_failure

TEXTS: dict[str, tuple[str, str]] = {
    "dashboard.weeks_per_block": ("1 balok = {weeks} minggu", "1 block = {weeks} weeks"),
}
if "dashboard.weeks_per_block" not in CATALOG:
    extend(TEXTS)

BLOCKS = " ▁▂▃▄▅▆▇█"
OVERDUE_STATUSES = "terverifikasi,ditanggapi"  # where the unit's own 5 HK clock runs
BINDING_LABELS = {
    "dash-month": "binding.dash_month",
    "dash-last-month": "binding.dash_last_month",
    "dash-quarter": "binding.dash_quarter",
    "dash-year": "binding.dash_year",
    "dash-custom": "binding.dash_custom",
    "dash-open": "binding.dash_open",
    "dash-back": "binding.back",
    "dash-reload": "binding.reload",
    "dash-charts": "binding.dash_charts",
}
# Below this many rows the charts (14 rows) would leave the ranking three units: they wait
# behind `g` instead.
SHORT_SCREEN = 32


def sparkline(values: list[int], peak: int) -> str:
    """One block character a value, scaled to `peak` (shared by the lines drawn together)."""
    if peak <= 0:
        return BLOCKS[0] * len(values)
    top = len(BLOCKS) - 1
    return "".join(BLOCKS[min(top, -(-value * top // peak))] for value in values)


def trend_text(report: Report, width: int) -> Text:
    """Received and followed-up sparklines over the whole period of the report, fitted to
    `width`: when its weeks do not fit, a block stands for several weeks (said under it)."""
    label_width = max(len(t("report.received")), len(t("report.followed_up"))) + 1
    room = max(4, width - label_width - 9)
    points = report.weekly
    per = max(1, -(-len(points) // room))  # weeks a block stands for
    groups = [points[i : i + per] for i in range(0, len(points), per)]
    received = [sum(point.received for point in group) for group in groups]
    followed = [sum(point.followed_up for point in group) for group in groups]
    peak = max([0, *received])
    text = Text()
    text.append(t("dashboard.trend"), style="bold")
    text.append("\n")
    period = report.period
    text.append(f"{period.start:%d/%m}".ljust(label_width))
    text.append(f"→ {period.end:%d/%m}", style="dim")
    if per > 1:
        text.append(" · " + t("dashboard.weeks_per_block", weeks=per), style="dim")
    text.append("\n")
    for label, values, style in (
        (t("report.received"), received, "bold blue"),
        (t("report.followed_up"), followed, "bold green"),
    ):
        text.append(label.ljust(label_width))
        text.append(sparkline(values, peak), style=style)
        text.append(f" {number_text(sum(values))}\n")
    return text


def distribution_text(report: Report, width: int) -> Text:
    """Horizontal bars of the time to first follow-up, plus the unanswered cases."""
    text = Text(t("report.distribution") + "\n", style="bold")
    peak = max([1, *(count for _label, count in report.distribution)])
    room = max(4, width - 26)  # label (14), count (up to 9), padding
    for label, count in report.distribution:
        shown = t("report.unanswered_bucket") if label == "unanswered" else label
        bar = "█" * round(room * count / peak) if count else ""
        text.append(f"{shown:>13} ")
        text.append(bar, style="red" if label in ("6-10", "11-20", ">20", "unanswered") else "")
        text.append(f" {number_text(count)}\n")
    return text


class DashboardScreen(Screen[None]):
    DEFAULT_CSS = """
    DashboardScreen #title { height: 1; padding: 0 1; background: $boost; text-style: bold; }
    DashboardScreen #period { height: auto; padding: 0 1; color: $text-muted; }
    DashboardScreen #custom { display: none; }
    DashboardScreen #custom.visible { display: block; }
    DashboardScreen #ranking { height: 1fr; }
    DashboardScreen #charts { height: 13; border-top: solid $panel; }
    DashboardScreen #trend { width: 1fr; padding: 0 1; }
    DashboardScreen #distribution { width: 1fr; padding: 0 1; }
    DashboardScreen #criteria { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    DashboardScreen #charts-hint { display: none; height: 1; padding: 0 1; color: $text-muted; }
    /* A short terminal gives the rows to the ranking; `g` brings the charts (SHORT_SCREEN). */
    DashboardScreen.short #charts { display: none; }
    DashboardScreen.short #charts-hint { display: block; }
    DashboardScreen.short.charts #charts { display: block; }
    DashboardScreen.short.charts #charts-hint { display: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Kembali", id="dash-back"),
        Binding("m", "period('month')", "Bulan ini", id="dash-month"),
        Binding("l", "period('last-month')", "Bulan lalu", id="dash-last-month"),
        Binding("q", "period('quarter')", "Kuartal", id="dash-quarter"),
        Binding("y", "period('year')", "Tahun", id="dash-year"),
        Binding("c", "custom", "Rentang…", id="dash-custom"),
        Binding("enter", "open_overdue", "Buka lewat batas", id="dash-open"),
        Binding("g", "toggle_charts", "Grafik", show=False, id="dash-charts"),
        Binding("ctrl+r", "reload", "Muat ulang", show=False, id="dash-reload"),
    ]

    def __init__(
        self,
        db_path: Path,
        *,
        office_tz: str,
        source: InboxSource | None = None,
        clock: Callable[[], datetime] = utc_now,
        min_cases: int = DEFAULT_MIN_CASES,
        period: str = "month",
    ) -> None:
        super().__init__()
        localize_bindings(self, BINDING_LABELS)
        self.db_path = db_path
        self.office_tz = office_tz
        self.source = source
        self.clock = clock
        self.min_cases = min_cases
        self.period = self._period(period)
        self.report: Report | None = None

    def _period(self, text: str) -> Period:
        today = self.clock().astimezone(ZoneInfo(self.office_tz)).date()
        return parse_period(text, today)

    def compose(self) -> ComposeResult:
        yield Static(t("dashboard.title"), id="title", markup=False)
        yield Static("", id="period", markup=False)
        yield Input(placeholder=t("dashboard.custom_prompt"), id="custom", disabled=True)
        yield DataTable(id="ranking", cursor_type="row", zebra_stripes=True, fixed_columns=3)
        yield Static("", id="criteria", markup=False)
        yield Static(t("dashboard.charts_hint"), id="charts-hint", markup=False)
        with Horizontal(id="charts"):
            yield Static("", id="trend", markup=False)
            yield Static("", id="distribution", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#ranking", DataTable)
        for key in DASHBOARD_COLUMNS:
            title = column_title(key)
            table.add_column(f"▼ {title}" if key == RANKED_BY else title, key=key)
        table.focus()
        self.compute(self.period)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        notify_failure(self, event)
        if event.state is WorkerState.ERROR:  # a cancelled one was replaced by a newer one
            self.query_one("#ranking", DataTable).loading = False

    # -- computing -------------------------------------------------------------------------

    def compute(self, period: Period) -> None:
        """Recompute for `period` in a worker; the table shows a loading indicator until then."""
        self.period = period
        self.query_one("#ranking", DataTable).loading = True
        self.query_one("#period", Static).update(
            t("dashboard.loading", period=period.label), layout=False
        )
        self._compute(period)

    @work(thread=True, group="metrics", exclusive=True, exit_on_error=False)
    def _compute(self, period: Period) -> None:
        database = open_database(self.db_path, migrate=False)
        try:
            report = compute_report(database, period, now=self.clock(), min_cases=self.min_cases)
        finally:
            database.conn.close()
        self.app.call_from_thread(self._show, report)

    def _show(self, report: Report) -> None:
        if report.period != self.period:
            return  # an earlier period's answer, arrived after the officer chose another
        self.report = report
        table = self.query_one("#ranking", DataTable)
        table.clear()
        for row in report.units:
            style = "" if row.ranked else "dim"
            table.add_row(
                *(
                    Text(cell(row, key), style=style, justify="right" if key in NUMERIC else "left")
                    for key in DASHBOARD_COLUMNS
                ),
                key=row.code,
            )
        table.add_row(
            *(
                Text(
                    cell(report.office, key, office=True),
                    style="bold",
                    justify="right" if key in NUMERIC else "left",
                )
                for key in DASHBOARD_COLUMNS
            ),
            key="",
        )
        table.loading = False
        self.query_one("#period", Static).update(
            t(
                "dashboard.period",
                label=report.period.label,
                start=report.period.start.isoformat(),
                end=report.period.end.isoformat(),
                received=number_text(report.office.received),
                at=format_moment(report.generated_at, report.office_tz or self.office_tz),
            ),
            layout=True,  # two lines at 80 columns: the "as of" must not be cut
        )
        self.query_one("#criteria", Static).update(t("dashboard.criteria", min=report.min_cases))
        self._draw_charts()
        if not self.query_one("#custom", Input).has_class("visible"):
            # A loading widget cannot take the focus: give it back once the indicator is gone.
            self.call_after_refresh(self._focus_ranking)

    def _focus_ranking(self) -> None:
        self.query_one("#ranking", DataTable).focus()
        # The footer must show the table's keys now, not those of the moment it was loading.
        self.refresh_bindings()

    def _draw_charts(self) -> None:
        if self.report is None:
            return
        half = max(20, (self.size.width - 4) // 2)
        self.query_one("#trend", Static).update(trend_text(self.report, half))
        self.query_one("#distribution", Static).update(distribution_text(self.report, half))

    def on_resize(self) -> None:
        self.set_class(self.size.height < SHORT_SCREEN, "short")
        self._draw_charts()

    def action_toggle_charts(self) -> None:
        self.toggle_class("charts")

    # -- keys ------------------------------------------------------------------------------

    def action_period(self, name: str) -> None:
        self.compute(self._period(name))

    def action_reload(self) -> None:
        self.compute(self.period)

    def action_custom(self) -> None:
        custom = self.query_one("#custom", Input)
        custom.disabled = False
        custom.add_class("visible")
        custom.focus()

    @on(Input.Submitted, "#custom")
    def _custom_submitted(self, event: Input.Submitted) -> None:
        custom = self.query_one("#custom", Input)
        try:
            period = self._period(event.value)
        except DeskError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        custom.remove_class("visible")
        custom.disabled = True
        self.query_one("#ranking", DataTable).focus()
        self.compute(period)

    def action_back(self) -> None:
        custom = self.query_one("#custom", Input)
        if custom.has_class("visible"):
            custom.remove_class("visible")
            custom.disabled = True
            self.query_one("#ranking", DataTable).focus()
            return
        self.app.pop_screen()

    @on(DataTable.RowSelected, "#ranking")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_overdue(event.row_key.value)

    def action_open_overdue(self) -> None:
        table = self.query_one("#ranking", DataTable)
        if table.row_count == 0:
            return
        row_key, _column = table.coordinate_to_cell_key(table.cursor_coordinate)
        self.open_overdue(row_key.value)

    def overdue_search(self, unit_code: str | None) -> str:
        """The inbox search that shows `unit_code`'s open overdue cases ("" or None: all)."""
        return f"unit:{unit_code} status:{OVERDUE_STATUSES}" if unit_code else ""

    def open_overdue(self, unit_code: str | None) -> None:
        """Open the inbox on the overdue view ('lewat'), narrowed to `unit_code` if given.

        The inbox the dashboard was opened from (the screen below) is reused: the officer goes
        back to it, searched, and `d` brings the dashboard again. Opened any other way, a new
        inbox is pushed.
        """
        from desk.inbox import Query
        from desk.search_query import parse_query
        from screens.inbox import InboxScreen
        from widgets.search_input import SearchInput

        text = self.overdue_search(unit_code)
        search = parse_query(text, office_tz=self.office_tz) if text else None
        stack = self.app.screen_stack
        below = stack[-2] if len(stack) >= 2 and stack[-1] is self else None
        if isinstance(below, InboxScreen):
            self.app.pop_screen()
            below.query_state = Query(
                view=below.query_state.view, search=search, order=below.query_state.order
            )
            below.search_text = text
            box = below.query_one(SearchInput)
            box.value = text
            box.set_class(bool(text), "visible")
            below.action_view("lewat")  # shows the view with that search, from its top
            return
        source = self.source or getattr(self.app, "source", None)
        if not isinstance(source, InboxSource):
            self.notify(t("dashboard.no_unit"), severity="warning")
            return
        inbox = InboxScreen(source, self.db_path, office_tz=self.office_tz)
        inbox.query_state = Query(view="lewat", search=search)
        inbox.search_text = text
        self.app.push_screen(inbox)
