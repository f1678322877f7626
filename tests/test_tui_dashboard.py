"""The dashboard as a head of office uses it: periods, the loading state, drilling into a unit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Static
from textual.widgets._footer import FooterKey

import screens.dashboard as dashboard_module
from db import open_database
from desk.app import DeskApp
from desk.i18n import set_language
from screens.dashboard import DashboardScreen, sparkline
from screens.inbox import InboxScreen
from tests.test_metrics import (
    ADMIN,
    NOW,
    PUPR,
    SETDA,
    Office,
    follow_up,
    make_office,
    verify,
    wita,
)
from widgets.case_list import CaseList
from widgets.key_footer import KeyFooter


@pytest.fixture(autouse=True)
def language() -> Iterator[None]:
    set_language("id")
    yield
    set_language("id")


@pytest.fixture
def office_db(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    office = Office(database)
    for day in (2, 3, 4, 5, 6):
        office.case(wita(day), verify(wita(day, 10), "PUPR"), follow_up(wita(day + 3), PUPR))
    for day in (16, 17):  # never answered: overdue at PUPR by now
        office.case(wita(day), verify(wita(day, 10), "PUPR"))
    office.case(wita(2), verify(wita(2, 10), "SETDA"), follow_up(wita(20), SETDA))
    office.case(wita(24), verify(wita(24, 10), "SETDA"))  # not yet overdue
    office.case(wita(25))  # waiting for verification
    database.conn.close()
    return path


def desk_app(path: Path) -> DeskApp:
    return DeskApp(path, ADMIN, office_tz="Asia/Makassar", clock=lambda: NOW)


def dashboard(path: Path, **options: Any) -> DashboardScreen:
    return DashboardScreen(path, office_tz="Asia/Makassar", clock=lambda: NOW, **options)


async def settle(app: DeskApp) -> None:
    for _ in range(2):
        await app.workers.wait_for_complete()


async def open_dashboard(app: DeskApp, pilot: Any, path: Path, **options: Any) -> DashboardScreen:
    await settle(app)
    screen = dashboard(path, **options)
    app.push_screen(screen)
    await pilot.pause()
    await settle(app)
    await pilot.pause()
    return screen


def table_rows(screen: DashboardScreen) -> list[list[str]]:
    """Each row as [rank, unit code, received] (the table shows more, in its own order)."""
    table = screen.query_one("#ranking", DataTable)
    keys = [column.key.value for column in table.ordered_columns]
    rank, unit, received = keys.index("rank"), keys.index("unit"), keys.index("received")
    return [
        [
            str(row[rank]),
            str(row[unit]).split(" ")[0] if row[rank] else str(row[unit]),
            str(row[received]),
        ]
        for row in (table.get_row_at(index) for index in range(table.row_count))
    ]


async def test_the_dashboard_ranks_units_for_this_month(office_db: Path) -> None:
    app = desk_app(office_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(app, pilot, office_db, min_cases=3)
        rows = table_rows(screen)
        assert rows[0][:3] == ["1", "PUPR", "7"]
        setda = next(row for row in rows if row[1] == "SETDA")
        assert setda[0] == "—"  # 2 cases: below the minimum, listed without a rank
        assert rows[-1][1] == "Seluruh kantor" and rows[-1][2] == "10"
        period = str(screen.query_one("#period", Static).render())
        assert "2026-11 (2026-11-01 s.d. 2026-11-30)" in period
        trend = str(screen.query_one("#trend", Static).render())
        assert "Diterima" in trend and "Ditindaklanjuti" in trend
        distribution = str(screen.query_one("#distribution", Static).render())
        assert "belum dijawab" in distribution


async def test_keys_switch_the_period(office_db: Path) -> None:
    app = desk_app(office_db)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_dashboard(app, pilot, office_db)
        await pilot.press("l")  # last month: October, no cases
        await settle(app)
        await pilot.pause()
        assert screen.report is not None and screen.report.period.label == "2026-10"
        assert table_rows(screen)[-1][2] == "0"
        await pilot.press("y")
        await settle(app)
        assert screen.report.period.label == "2026"
        await pilot.press("c")
        await pilot.press(*"2026-11-16..2026-11-30", "enter")
        await settle(app)
        await pilot.pause()
        assert screen.report.period.label == "2026-11-16..2026-11-30"
        assert table_rows(screen)[-1][2] == "4"
        await pilot.press("c")
        await pilot.press(*"2026-13", "enter")  # refused: a notification, the period stays
        await pilot.pause()
        assert screen.report.period.label == "2026-11-16..2026-11-30"
        assert any("tidak dikenal" in str(n.message) for n in app._notifications)


async def test_the_ui_keeps_working_while_figures_are_computed(
    office_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real = dashboard_module.compute_report

    def slow(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(dashboard_module, "compute_report", slow)
    app = desk_app(office_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        screen = dashboard(office_db)
        app.push_screen(screen)
        await pilot.pause()
        table = screen.query_one("#ranking", DataTable)
        assert table.loading  # the loading indicator is up while the worker runs
        assert "Menghitung 2026-11" in str(screen.query_one("#period", Static).render())
        await pilot.press("y")  # keys are still handled: the year replaces the month
        await pilot.pause()
        assert screen.period.label == "2026"
        release.set()
        await settle(app)
        await pilot.pause()
        assert not table.loading
        assert screen.report is not None and screen.report.period.label == "2026"


async def test_enter_opens_the_units_overdue_cases(office_db: Path) -> None:
    app = desk_app(office_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        first_inbox = app.screen
        screen = await open_dashboard(app, pilot, office_db, min_cases=3)
        assert screen.report is not None
        pupr = next(row for row in screen.report.units if row.code == "PUPR")
        assert pupr.overdue_now == 2
        await pilot.press("enter")  # the first row: PUPR
        await settle(app)
        await pilot.pause()
        # Back in the inbox the dashboard was opened from, on PUPR's overdue cases.
        assert app.screen is first_inbox and len(app.screen_stack) == 2
        assert isinstance(first_inbox, InboxScreen)
        assert first_inbox.query_state.view == "lewat"
        assert first_inbox.search_text == "unit:PUPR status:terverifikasi,ditanggapi"
        cases = first_inbox.query_one(CaseList)
        await settle(app)
        assert {row["unit_code"] for row in cases.rows} == {"PUPR"}
        assert len(cases.rows) == pupr.overdue_now


async def test_a_dashboard_pushed_on_its_own_pushes_an_inbox(office_db: Path) -> None:
    app = desk_app(office_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        app.push_screen(dashboard(office_db, min_cases=3))  # over another dashboard, not an inbox
        screen = await open_dashboard(app, pilot, office_db, min_cases=3)
        screen.open_overdue(None)  # the office row: every overdue case
        await settle(app)
        await pilot.pause()
        inbox = app.screen
        assert isinstance(inbox, InboxScreen) and inbox is not app.screen_stack[1]
        assert inbox.query_state.view == "lewat" and inbox.query_state.search is None
        await settle(app)
        # PUPR's two; SETDA's case and the one to verify are still within their deadlines.
        assert inbox.query_one(CaseList).total == 2 == screen.report.office.overdue_now


def test_sparkline_scales_to_a_shared_peak() -> None:
    assert sparkline([0, 4, 8], 8) == " ▄█"
    assert sparkline([1], 100) == "▁"  # a small count is still visible
    assert sparkline([0, 0], 0) == "  "


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_dashboard_snapshot(
    snap_compare, office_db: Path, size: tuple[int, int], lang: str
) -> None:  # type: ignore[no-untyped-def]
    set_language(lang)

    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot.app)
        screen = dashboard(office_db, min_cases=3)
        pilot.app.push_screen(screen)
        await pilot.pause()
        # Until the figures are on screen, the table has the focus (the footer then shows the
        # table's keys) and this holds for a few frames: a loaded machine can run a second
        # computation, e.g. after the first resize, that blurs the table for a while.
        steady = 0
        for _ in range(200):
            await settle(pilot.app)
            await pilot.pause()
            table = screen.query_one("#ranking")
            # The table's own Enter (open the unit) hides the screen's from the footer once the
            # footer has caught up with the focus.
            footer_keys = [key.key for key in screen.query_one(KeyFooter).query(FooterKey)]
            ready_now = (
                screen.report is not None
                and not table.loading
                and pilot.app.focused is table
                and "escape" in footer_keys
                and "enter" not in footer_keys
            )
            steady = steady + 1 if ready_now else 0
            if steady >= 3:
                break
        else:
            raise AssertionError("the dashboard never settled")
        for _ in range(3):  # the footer follows the focus after a refresh
            await pilot.pause()
        # At 80 columns the footer is wider than the screen and keeps whatever horizontal
        # scroll its last rebuild left: show it from its start.
        screen.query_one(KeyFooter).scroll_to(x=0, animate=False, immediate=True)
        await pilot.pause()

    assert snap_compare(desk_app(office_db), terminal_size=size, run_before=ready)


async def test_d_in_the_inbox_opens_the_dashboard(office_db: Path) -> None:
    from screens.dashboard import DashboardScreen

    app = desk_app(office_db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app)
        await pilot.press("d")
        await settle(app)
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InboxScreen)


# ---------------------------------------------------------------------------------------------
# Readable at 80 and 120 columns, in the office's time (issue "An officer's day", point 7)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("lang", ["id", "en"])
async def test_the_unit_name_and_the_ranking_column_stay_visible(
    office_db: Path, size: tuple[int, int], lang: str
) -> None:
    from desk.i18n import t
    from tests.test_tui_case import visible_text

    set_language(lang)
    app = desk_app(office_db)
    async with app.run_test(size=size) as pilot:
        await open_dashboard(app, pilot, office_db, min_cases=3)
        shown = visible_text(app)
        assert "PUPR Dinas PUPR-PERA" in shown  # the unit by name, not a bare code
        assert f"▼ {t('report.col.followed_up_in_time_pct')}" in shown  # what it ranks by
        line = next(row for row in shown.splitlines() if "PUPR Dinas PUPR-PERA" in row)
        assert ("71,4" if lang == "id" else "71.4") in line  # and PUPR's figure in it


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_as_of_is_in_the_offices_time_zone(office_db: Path, size: tuple[int, int]) -> None:
    app = desk_app(office_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_dashboard(app, pilot, office_db, min_cases=3)
        period = str(screen.query_one("#period", Static).render())
        assert screen.report is not None and screen.report.generated_at.endswith("Z")
        assert "per Sen, 30/11/2026 10:00 WITA" in period  # NOW is 02:00 UTC
        assert "T02:00" not in period and "Z" not in period.split("per")[-1]
        # On screen whole, at 80 columns too (it wraps; it was cut after "per Sen," when the
        # figures replaced the one-line "computing" text): once more, after a new period.
        await pilot.press("m")
        await pilot.pause()
        await settle(app)
        await pilot.pause()
        from tests.test_tui_case import visible_text

        shown = " ".join(visible_text(app).split())
        assert "per Sen, 30/11/2026 10:00 WITA" in shown


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@pytest.mark.parametrize("period", ["month", "year", "2026-10-01..2026-11-30"])
async def test_the_weekly_chart_covers_exactly_the_period(
    office_db: Path, size: tuple[int, int], period: str
) -> None:
    app = desk_app(office_db)
    async with app.run_test(size=size) as pilot:
        screen = await open_dashboard(app, pilot, office_db, min_cases=3, period=period)
        report = screen.report
        assert report is not None
        trend = str(screen.query_one("#trend", Static).render()).splitlines()
        start, end = report.period.start, report.period.end
        assert trend[-3].startswith(f"{start:%d/%m}") and f"→ {end:%d/%m}" in trend[-3]
        received = next(line for line in trend if line.startswith("Diterima"))
        # Every case received in the period is in the chart: the total is the header's.
        assert received.split()[-1] == str(report.office.received) == "10"
        blocks = received.split()[1] if len(received.split()) > 2 else ""
        assert len(trend[-2]) <= size[0] and len(blocks) <= size[0]
        if period == "year" and size[0] == 80:
            assert "1 balok = " in trend[-3]  # 53 weeks in fewer columns: said


async def test_a_short_terminal_gives_its_rows_to_the_ranking_and_g_brings_the_charts(
    office_db: Path,
) -> None:
    """At 80×24 the charts (14 rows) left the ranking three units; they now wait behind `g`,
    which a line says, and the same key hides them again."""
    app = desk_app(office_db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(app, pilot, office_db, min_cases=3)
        table = screen.query_one("#ranking", DataTable)
        charts = screen.query_one("#charts")
        hint = screen.query_one("#charts-hint", Static)
        assert not charts.display and hint.display
        assert "g: grafik" in str(hint.render())
        assert table.size.height >= 12  # header and ten or more units
        await pilot.press("g")
        await pilot.pause()
        assert charts.display and not hint.display
        assert "Diterima" in str(screen.query_one("#trend", Static).render())
        await pilot.press("g")
        await pilot.pause()
        assert not charts.display
    app = desk_app(office_db)
    async with app.run_test(size=(120, 40)) as pilot:  # a tall one shows them from the start
        screen = await open_dashboard(app, pilot, office_db, min_cases=3)
        assert screen.query_one("#charts").display
        assert not screen.query_one("#charts-hint", Static).display
