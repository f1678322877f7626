"""A hold is a pause, not a reset; and "overdue" means the same case in the inbox and the report.

The rules (docs/workflow.md, "Clocks"): a hold freezes the working days the verification clock
still owes, negative when the case is already late, and a resume (or the reporter completing the
data) runs the clock on from exactly there. Only an action that ends a clock or starts a fresh
legal period may make a case less late. The list of those actions is written out here by hand,
not imported, so that a change of rule in the code fails here until the docs and this list agree.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from db import open_database
from desk import services
from desk.automatic import apply_automatic_transitions
from desk.calendar import WITA, national_calendar
from desk.case_view import load_case_view
from desk.clocks import days_left
from desk.i18n import clock_text
from desk.inbox import InboxSource, Query
from desk.metrics import Period, compute_report
from desk.workflow import ACTIONS, Action, Actor, allowed_actions
from tests.conftest import (
    ADMIN,
    PETUGAS_DINKES,
    PETUGAS_PUPR,
    PETUGAS_PUPR_2,
    PIMPINAN,
    make_office,
)

# Actions after which a case may be less late than before: they end the running clock, or the
# law starts a new period there (docs/workflow.md). Hold, resume, a reporter's completion of a
# held case, a note and an assignment are not among them, nor is time passing.
ENDS_OR_RESTARTS = frozenset(
    {
        Action.VERIFY,  # verification ends; the unit's 5 HK start at the disposition
        Action.DISPOSE,  # the new unit's 5 HK start at the disposition
        Action.RETURN,  # the unit's clock ends (answered: not ours); the admin owes 3 HK anew
        Action.FOLLOW_UP,  # answered: the officers' clock ends
        Action.CLOSE,
        Action.ARCHIVE,
        Action.REOPEN,  # nothing ran while closed; a fresh 5 HK
        Action.RESTORE,  # nothing ran while archived; a fresh 3 HK
    }
)
# A reporter's reply to a follow-up starts a fresh 5 HK too, but no officer's clock runs before
# it (diproses waits on the reporter); from tunda it ends a pause, which must keep lateness.
UNITS = {"PUPR": (PETUGAS_PUPR, PETUGAS_PUPR_2), "DINKES": (PETUGAS_DINKES,)}
WIT = "Asia/Jayapura"


def wita(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC) - timedelta(hours=8)  # type: ignore[misc]


# --- a small office: DINKES in another time zone, regional holidays for all and for one unit


def build_office(path: Path) -> None:
    database = open_database(path)
    make_office(database)
    database.execute("UPDATE units SET tz = ? WHERE code = 'DINKES'", [WIT])
    database["regional_holidays"].insert_all(
        [
            {"day": "2026-01-21", "name": "Hari Jadi Kota Samarinda", "unit_code": None},
            {"day": "2026-11-18", "name": "Libur daerah", "unit_code": None},
            {"day": "2026-11-25", "name": "Libur daerah Dinkes", "unit_code": "DINKES"},
        ]
    )
    database.conn.commit()
    database.conn.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lateness") / "template.db"
    build_office(path)
    return path


@pytest.fixture
def office(template: Path, tmp_path: Path) -> Iterator[tuple[sqlite_utils.Database, Path]]:
    path = tmp_path / "desk.db"
    shutil.copy(template, path)
    database = open_database(path)
    yield database, path
    database.conn.close()


def received(database: sqlite_utils.Database, at: datetime, number: str = "8112829") -> int:
    case = services.create_case(
        database,
        {"tracking_no": number, "title": "Jalan rusak", "body": "Berlubang."},
        received_at=at,
        now=at,
    )
    return int(case["id"])


def act(
    database: sqlite_utils.Database,
    actor: Actor,
    action: Action,
    case_id: int,
    at: datetime,
    **more: Any,
) -> dict[str, Any]:
    return services.perform(database, actor, action, case_id, now=at, **more).case


def reading(database: sqlite_utils.Database, case_id: int, now: datetime) -> int | None:
    return days_left(database, services.find_case(database, case_id), now)


def overdue_ids(path: Path, actor: Actor, now: datetime) -> set[int]:
    source = InboxSource(path, actor, clock=lambda: now)
    ids = {row["id"] for row in source.page(Query("lewat"), limit=1000)}
    assert source.count(Query("lewat")) == len(ids)
    return ids


def report_overdue(database: sqlite_utils.Database, now: datetime) -> dict[str, int]:
    """The report's (and the dashboard's) "overdue now": the office ("") and each unit."""
    day = now.date()
    report = compute_report(database, Period(day, day, "hari ini"), now=now, parallel=False)
    return {"": report.office.overdue_now} | {row.code: row.overdue_now for row in report.units}


# --- the case from the issue, by hand


def test_a_case_102_hk_late_held_and_resumed_is_102_hk_late(
    office: tuple[sqlite_utils.Database, Path],
) -> None:
    database, path = office
    start = wita(2026, 3, 2, 9)  # Monday
    case_id = received(database, start)
    calendar = national_calendar()
    due = calendar.deadline(start, 3, WITA)
    # The first day it is 102 HK late, counted past Lebaran and the other national holidays.
    late = start
    while reading(database, case_id, late) != -102:
        late += timedelta(days=1)
    assert late > due
    held = act(database, ADMIN, Action.HOLD, case_id, late, reason="Lokasi belum jelas")
    assert held["hold_remaining_hk"] == -102
    assert held["due_at"] is None  # no deadline runs while the office waits on the reporter
    # While held, the case screen still says how late it was when it was paused.
    paused = [
        clock
        for clock in load_case_view(database, ADMIN, case_id, late + timedelta(days=3)).clocks
        if clock.kind == "verifikasi_ditunda"
    ]
    assert [clock.remaining for clock in paused] == ["lewat 102 HK"]

    resumed_at = late + timedelta(days=9)
    act(database, ADMIN, Action.RESUME, case_id, resumed_at)
    assert clock_text(reading(database, case_id, resumed_at)) == "lewat 102 HK"
    assert overdue_ids(path, ADMIN, resumed_at) == {case_id}
    assert report_overdue(database, resumed_at)[""] == 1
    # And it keeps counting from there, one working day at a time.
    next_working_day = calendar.add_working_days(resumed_at.date(), 1)
    assert reading(database, case_id, wita(*next_working_day.timetuple()[:3], 9)) == -103


def test_a_case_due_today_when_held_is_due_on_the_day_it_resumes(
    office: tuple[sqlite_utils.Database, Path],
) -> None:
    database, path = office
    case_id = received(database, wita(2026, 11, 9, 9))  # Monday: due Thursday 12th
    act(database, ADMIN, Action.HOLD, case_id, wita(2026, 11, 12, 10), reason="Data kurang")
    completed = wita(2026, 11, 30, 14)  # a Monday, weeks later
    act(database, ADMIN, Action.REPORTER_REPLY, case_id, completed, text="Data lengkap")
    assert clock_text(reading(database, case_id, completed)) == "batas hari ini"
    assert overdue_ids(path, ADMIN, completed) == set()
    tomorrow = completed + timedelta(days=1)
    assert reading(database, case_id, tomorrow) == -1
    assert overdue_ids(path, ADMIN, tomorrow) == {case_id}


def test_a_pause_over_a_weekend_gains_no_day(
    office: tuple[sqlite_utils.Database, Path],
) -> None:
    database, _ = office
    case_id = received(database, wita(2026, 11, 9, 9))  # due Thursday 12th, 23:59:59 WITA
    saturday = wita(2026, 11, 14, 10)
    # Friday missed, and Monday is the next working day: 2 on Saturday, as on Monday.
    assert reading(database, case_id, saturday) == -2
    before = services.find_case(database, case_id)["due_at"]
    act(database, ADMIN, Action.HOLD, case_id, saturday, reason="Foto tidak terbaca")
    # Resumed at once, the deadline is where it was, not a day later.
    assert act(database, ADMIN, Action.RESUME, case_id, saturday)["due_at"] == before
    act(database, ADMIN, Action.HOLD, case_id, saturday, reason="Foto tidak terbaca")
    monday = wita(2026, 11, 16, 8)
    act(database, ADMIN, Action.RESUME, case_id, monday)
    assert reading(database, case_id, monday) == -2
    assert reading(database, case_id, wita(2026, 11, 17, 8)) == -3


def test_counting_working_days_backwards_skips_weekends_and_holidays() -> None:
    calendar = national_calendar()
    monday = date(2026, 12, 28)
    # Back from Monday 28 Dec 2026: Thursday 24th and Friday 25th are cuti bersama and
    # Christmas, so the working day before is Wednesday 23rd.
    assert calendar.add_working_days(monday, -1) == date(2026, 12, 23)
    assert calendar.add_working_days(date(2026, 12, 26), -1) == date(2026, 12, 23)  # Saturday
    for owed in (-40, -3, -1, 0, 1, 7):
        deadline = calendar.deadline(wita(2026, 12, 26, 11), owed, WITA)
        assert calendar.days_left(deadline, wita(2026, 12, 26, 11), WITA) == owed


# --- any sequence of actions at any times


STEP = st.tuples(
    st.one_of(
        st.just(0),  # the same instant: resume right after a hold
        st.integers(1, 3 * 24 * 60),  # minutes: within a few days, weekends included
        st.integers(1, 160 * 24 * 60),  # up to months: a case left lying
    ),
    st.integers(0, 1000),  # which of the possible moves (or none: time passes)
)
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def lateness(database: sqlite_utils.Database, case: dict[str, Any], now: datetime) -> int:
    """Working days overdue: as the inbox reads the running deadline, or as a hold froze it."""
    if case["status"] == "tunda" and case["hold_remaining_hk"] is not None:
        return max(0, -int(case["hold_remaining_hk"]))
    left = days_left(database, case, now)
    return 0 if left is None else max(0, -left)


def moves(case: dict[str, Any]) -> list[tuple[Actor, Action, dict[str, Any]]]:
    """Every move an officer could make on `case` now, with what it needs."""
    status, unit = case["status"], case["unit_code"]
    unit_officers = UNITS.get(unit or "", ())
    by_action: dict[Action, Actor] = {}
    for actor in (ADMIN, *unit_officers[:1]):
        for action in allowed_actions(actor, status, unit):
            by_action.setdefault(action, actor)
    options: list[tuple[Actor, Action, dict[str, Any]]] = []
    for action, actor in by_action.items():
        if action is Action.VERIFY:
            options += [(actor, action, {"unit_code": code}) for code in UNITS]
        elif action is Action.DISPOSE:
            options += [(actor, action, {"unit_code": code}) for code in UNITS if code != unit]
        elif action is Action.ASSIGN:
            options += [(actor, action, {"officer_nip": o.nip}) for o in unit_officers]
        elif ACTIONS[action].needs_reason:
            options.append((actor, action, {"reason": "Alasan tertulis"}))
        elif ACTIONS[action].needs_text:
            options.append((actor, action, {"text": "Teks tertulis"}))
        else:
            options.append((actor, action, {}))
    return options


def check_overdue_agrees(database: sqlite_utils.Database, path: Path, now: datetime) -> None:
    """The inbox's "Lewat batas", the report's "overdue now" and the case's own reading agree."""
    case = services.find_case(database, 1)
    left = days_left(database, case, now)
    overdue = left is not None and left < 0
    if overdue:
        event(f"overdue in {case['status']}")
    everyone = {1} if overdue else set()
    assert overdue_ids(path, ADMIN, now) == everyone
    assert overdue_ids(path, PIMPINAN, now) == everyone
    counted = report_overdue(database, now)
    assert counted[""] == len(everyone)
    for code, officers in UNITS.items():
        # A unit's own overdue work: its follow-up deadline, not a case it returned.
        own = overdue and case["unit_code"] == code and case["due_kind"] == "tindak_lanjut"
        assert overdue_ids(path, officers[0], now) == ({1} if own else set())
        assert counted[code] == int(own)
    rows = InboxSource(path, ADMIN, clock=lambda: now).page(Query("semua"))
    assert [row["days_left"] for row in rows] == [left]  # the list shows the same reading


@SETTINGS
@given(
    start=st.integers(0, 330 * 24 * 60).map(
        lambda minutes: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    ),
    steps=st.lists(STEP, min_size=1, max_size=10),
)
@example(  # the case: left lying for months, held, resumed a week later
    start=datetime(2026, 3, 2, 1, tzinfo=UTC),
    steps=[(150 * 24 * 60, 0), (0, 2), (7 * 24 * 60, 1)],
)
def test_no_action_but_an_ending_or_a_fresh_period_makes_a_case_less_late(
    template: Path, start: datetime, steps: list[tuple[int, int]]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "desk.db"
        shutil.copy(template, path)
        database = open_database(path)
        try:
            run_steps(database, path, start, steps)
        finally:
            database.conn.close()


def run_steps(
    database: sqlite_utils.Database, path: Path, start: datetime, steps: list[tuple[int, int]]
) -> None:
    case_id = received(database, start)
    assert case_id == 1
    now = start
    held: tuple[datetime, str | None] | None = None  # when the last hold was, and its due_at
    for gap, pick in steps:
        before_time = services.find_case(database, case_id)
        late_before = lateness(database, before_time, now)
        now += timedelta(minutes=gap)
        apply_automatic_transitions(database, now)
        case = services.find_case(database, case_id)
        if case["status"] == before_time["status"]:  # time alone never forgives a day
            assert lateness(database, case, now) >= late_before
        options = moves(case)
        choice = pick % (len(options) + 1)
        if choice == len(options):  # no move: time passes
            check_overdue_agrees(database, path, now)
            continue
        actor, action, needs = options[choice]
        late = lateness(database, case, now)
        shown = days_left(database, case, now)
        after = act(database, actor, action, case_id, now, **needs)

        if action is Action.HOLD:
            # Frozen exactly as it read (3 HK when no deadline ran, as after an old import).
            assert after["hold_remaining_hk"] == (3 if shown is None else shown)
            held = (now, case["due_at"])
        elif case["status"] == "tunda" and after["status"] == "baru":
            # The day it comes back it reads what it read when it was held...
            assert days_left(database, after, now) == case["hold_remaining_hk"]
            event("resumed late" if case["hold_remaining_hk"] < 0 else "resumed in time")
            if held is not None and held[0] == now:
                assert after["due_at"] == held[1]  # ...and a pause of no time moves nothing
        if action not in ENDS_OR_RESTARTS:
            assert lateness(database, after, now) >= late, (action, case["status"])
        check_overdue_agrees(database, path, now)
