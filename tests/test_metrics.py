"""Unit-performance metrics against cases whose working days were counted by hand.

November 2026 has no national holiday: Mondays are 2, 9, 16, 23 and 30. The fixture office runs
on WITA; PUPR and SETDA are WITA units, DINKES a WIB unit. PUPR has its own regional holiday on
Thursday 12 November; every unit (and the office) has one on Wednesday 18 November.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlite_utils

from db import open_database
from desk import services
from desk.metrics import (
    Period,
    PeriodError,
    UnitMetrics,
    _rank,
    compute_report,
    parse_period,
    preset_period,
)
from desk.workflow import Action, Actor, Role

WITA = ZoneInfo("Asia/Makassar")
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # Monday 30 November, 10:00 WITA
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), "2026-11")

ADMIN = Actor("198001012005011001", "Admin", Role.ADMIN, "SETDA")
PUPR = Actor("198502022010012002", "Petugas PUPR", Role.PETUGAS, "PUPR")
DINKES = Actor("198704042012042004", "Petugas Dinkes", Role.PETUGAS, "DINKES")
SETDA = Actor("199003032015031003", "Petugas Setda", Role.PETUGAS, "SETDA")


def wita(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=WITA)


def make_office(database: sqlite_utils.Database) -> None:
    database["settings"].insert({"key": "office_tz", "value": "Asia/Makassar"}, replace=True)
    database["units"].insert_all(
        [
            {"code": "SETDA", "name": "Sekretariat Daerah", "tz": "Asia/Makassar"},
            {"code": "PUPR", "name": "Dinas PUPR-PERA", "tz": "Asia/Makassar"},
            {"code": "DINKES", "name": "Dinas Kesehatan", "tz": "Asia/Jakarta"},
        ]
    )
    database["officers"].insert_all(
        [
            {
                "nip": actor.nip,
                "name": actor.name,
                "unit_code": actor.unit_code,
                "role": actor.role.value,
                "created_at": "2026-01-01T00:00:00Z",
            }
            for actor in (ADMIN, PUPR, DINKES, SETDA)
        ]
    )
    database["regional_holidays"].insert_all(
        [
            {"day": "2026-11-12", "name": "Hari Jadi PUPR", "unit_code": "PUPR"},
            {"day": "2026-11-18", "name": "Hari Jadi Provinsi", "unit_code": None},
        ]
    )


class Office:
    """Cases walked through the services at chosen instants."""

    def __init__(self, database: sqlite_utils.Database) -> None:
        self.database = database
        self.count = 0

    def case(
        self,
        received: datetime,
        *steps: tuple[datetime, Actor, Action, dict[str, Any]],
        **fields: Any,
    ) -> dict[str, Any]:
        self.count += 1
        case = services.create_case(
            self.database,
            {
                "tracking_no": str(8_000_000 + self.count),
                "title": f"Laporan {self.count}",
                "body": "Isi laporan.",
                **fields,
            },
            reporter={"name": "Andi Wijaya", "nik": "6471010101900003"},
            received_at=received,
            now=received,
        )
        for moment, actor, action, arguments in steps:
            case = services.perform(
                self.database, actor, action, case["id"], now=moment, **arguments
            ).case
        return case


def verify(moment: datetime, unit: str) -> tuple[datetime, Actor, Action, dict[str, Any]]:
    return (moment, ADMIN, Action.VERIFY, {"unit_code": unit})


def dispose(moment: datetime, unit: str) -> tuple[datetime, Actor, Action, dict[str, Any]]:
    return (moment, ADMIN, Action.DISPOSE, {"unit_code": unit})


def follow_up(moment: datetime, actor: Actor) -> tuple[datetime, Actor, Action, dict[str, Any]]:
    return (moment, actor, Action.FOLLOW_UP, {"text": "Sudah ditangani."})


def give_back(moment: datetime, actor: Actor) -> tuple[datetime, Actor, Action, dict[str, Any]]:
    return (moment, actor, Action.RETURN, {"reason": "Bukan wewenang kami."})


@pytest.fixture
def office(tmp_path: Path) -> Office:
    database = open_database(tmp_path / "desk.db")
    make_office(database)
    return Office(database)


def report(office: Office, **options: Any):  # type: ignore[no-untyped-def]
    return compute_report(office.database, NOVEMBER, now=NOW, **options)


def unit(result: Any, code: str) -> UnitMetrics:
    return next(row for row in result.units if row.code == code)


# ---------------------------------------------------------------------------------------------
# Working days across regional holidays and time zones


def test_a_unit_regional_holiday_is_not_counted_against_that_unit_only(office: Office) -> None:
    # Disposed Thursday 5, followed up Friday 13: 6, 9, 10, 11, 12, 13 = 6 HK, but PUPR does not
    # work on the 12th (its own holiday), so 5 HK for PUPR (in time) and 6 for SETDA (late).
    for unit_code, actor in (("PUPR", PUPR), ("SETDA", SETDA)):
        office.case(wita(5, 8), verify(wita(5, 10), unit_code), follow_up(wita(13, 10), actor))
    result = report(office)
    assert unit(result, "PUPR").follow_up_hk == [5]
    assert unit(result, "PUPR").followed_up_in_time == 1
    assert unit(result, "SETDA").follow_up_hk == [6]
    assert unit(result, "SETDA").followed_up_in_time == 0
    assert result.office.followed_up_in_time == 1 and result.office.follow_up_decided == 2


def test_each_unit_counts_in_its_own_time_zone(office: Office) -> None:
    # Disposed at 16:30Z on Thursday 5: already Friday 6 (00:30) in WITA, still Thursday 5
    # (23:30) in WIB. Followed up on Friday 13 at 10:00 local: 5 HK in WITA (9-13), 6 in WIB.
    disposed = datetime(2026, 11, 5, 16, 30, tzinfo=UTC)
    office.case(wita(5, 8), verify(disposed, "SETDA"), follow_up(wita(13, 10), SETDA))
    office.case(
        wita(5, 8),
        verify(disposed, "DINKES"),
        follow_up(datetime(2026, 11, 13, 10, tzinfo=WIB), DINKES),
    )
    result = report(office)
    assert unit(result, "SETDA").follow_up_hk == [5]
    assert unit(result, "DINKES").follow_up_hk == [6]
    assert unit(result, "SETDA").followed_up_in_time_pct == 100.0
    assert unit(result, "DINKES").followed_up_in_time_pct == 0.0


def test_the_office_wide_regional_holiday_counts_for_verification(office: Office) -> None:
    # Received Monday 16, verified Friday 20: 17, (18 a holiday), 19, 20 = 3 HK: in time.
    office.case(wita(16), verify(wita(20, 14), "PUPR"))
    # Received Monday 23, verified Friday 27: 24, 25, 26, 27 = 4 HK: late.
    office.case(wita(23), verify(wita(27, 14), "PUPR"))
    result = report(office)
    assert sorted(result.office.verify_hk) == [3, 4]
    assert result.office.verified_in_time == 1
    assert result.office.verified_in_time_pct == 50.0
    assert result.office.median_verify_hk == 3.5


def test_time_on_hold_is_not_counted(office: Office) -> None:
    # Received Monday 2, on hold Tuesday 3 (after 1 HK), resumed Tuesday 10 (5 HK later),
    # verified Thursday 12: 8 HK on the calendar, 3 of them with the clock running.
    office.case(
        wita(2),
        (wita(3), ADMIN, Action.HOLD, {"reason": "Lokasi belum jelas"}),
        (wita(10), ADMIN, Action.RESUME, {}),
        verify(wita(12), "PUPR"),
    )
    result = report(office)
    assert result.office.verify_hk == [3]
    assert result.office.verified_in_time == 1


def test_every_pause_of_a_case_is_left_out(office: Office) -> None:
    # Received Monday 2, held Tuesday 3 to Wednesday 4 (1 HK) and Thursday 5 to Monday 9 (2 HK:
    # 6 and 9), verified Thursday 12: 8 HK on the calendar, 5 with the clock running. Two pauses
    # are read from the timeline rather than from the case's stored first and last ones.
    office.case(
        wita(2),
        (wita(3), ADMIN, Action.HOLD, {"reason": "Lokasi belum jelas"}),
        (wita(4), ADMIN, Action.RESUME, {}),
        (wita(5), ADMIN, Action.HOLD, {"reason": "Menunggu foto"}),
        (wita(9), ADMIN, Action.RESUME, {}),
        verify(wita(12), "PUPR"),
    )
    result = report(office)
    assert result.office.verify_hk == [5]
    assert result.office.verified_in_time == 0


def test_a_weekend_start_counts_from_monday_like_the_deadline(office: Office) -> None:
    # Received Saturday 7: the clock starts Monday 9; verified Thursday 12 = 3 HK, the deadline
    # day (end of Thursday), so in time; an action on Saturday 14 counts as Monday 16.
    office.case(wita(7), verify(wita(12, 16), "PUPR"))
    office.case(wita(7), verify(wita(14, 10), "SETDA"))
    result = report(office)
    assert sorted(result.office.verify_hk) == [3, 5]
    assert result.office.verified_in_time == 1


# ---------------------------------------------------------------------------------------------
# Returns, attribution, the period


def test_returns_and_bouncing_between_units(office: Office) -> None:
    # DINKES and PUPR each return it (Bukan Wewenang); SETDA keeps it and follows up.
    office.case(
        wita(2),
        verify(wita(3), "DINKES"),
        give_back(wita(4), DINKES),
        dispose(wita(5), "PUPR"),
        give_back(wita(6), PUPR),
        dispose(wita(9), "SETDA"),
        follow_up(wita(11), SETDA),
    )
    # Returned once by PUPR, then waiting for the admin: nobody's case yet.
    office.case(wita(2), verify(wita(3), "PUPR"), give_back(wita(4), PUPR))
    result = report(office)
    assert (result.office.returns, result.office.bounced) == (3, 1)
    assert (unit(result, "DINKES").returns, unit(result, "DINKES").bounced) == (1, 1)
    assert (unit(result, "PUPR").returns, unit(result, "PUPR").bounced) == (2, 1)
    assert (unit(result, "SETDA").returns, unit(result, "SETDA").bounced) == (0, 0)
    # The case belongs to the unit that kept it; its clock starts at that disposition (9 → 11).
    assert unit(result, "SETDA").received == 1
    assert unit(result, "SETDA").follow_up_hk == [2]
    assert unit(result, "PUPR").received == 0 and unit(result, "DINKES").received == 0
    assert result.office.received == 2
    # The first verification (Tuesday 3) is the one that counts for the office.
    assert result.office.verify_hk == [1, 1]


def test_unanswered_is_kept_apart_from_unresolved(office: Office) -> None:
    # Followed up but not closed: answered, unresolved.
    office.case(wita(2), verify(wita(3), "PUPR"), follow_up(wita(4), PUPR))
    # Followed up, the reporter replied, closed, rated 4: answered and resolved.
    closed = office.case(
        wita(2),
        verify(wita(3), "PUPR"),
        follow_up(wita(5), PUPR),
        (wita(6), PUPR, Action.REPORTER_REPLY, {"text": "Terima kasih."}),
        (wita(9), PUPR, Action.CLOSE, {}),
    )
    office.database.execute("UPDATE cases SET rating = 4 WHERE id = ?", [closed["id"]])
    # Disposed Monday 16 and never answered: overdue since the end of Monday 23.
    office.case(wita(16), verify(wita(16, 10), "PUPR"))
    result = report(office)
    pupr = unit(result, "PUPR")
    assert pupr.received == 3
    assert (pupr.followed_up, pupr.unanswered, pupr.unresolved, pupr.closed) == (2, 1, 2, 1)
    assert pupr.followed_up_pct == 66.7
    assert pupr.closed_pct == 33.3 and pupr.in_process_pct == 66.7
    assert pupr.follow_up_decided == 3  # the unanswered one is past its 5 HK
    assert pupr.reporter_replies == 1 and pupr.ratings == [4]
    assert (pupr.open_now, pupr.overdue_now) == (2, 1)
    # Its age: disposed Monday 16; 17, 19, 20, 23, 24, 25, 26, 27, 30 (not the 18th) = 9 HK.
    assert pupr.oldest_unanswered == "8000003" and pupr.oldest_unanswered_hk == 9
    assert pupr.active  # PUPR acted within the last 30 days
    assert not unit(result, "DINKES").active
    # The office's oldest unanswered case is aged from receipt (Monday 16), on its calendar.
    assert result.office.oldest_unanswered == "8000003"
    assert result.office.oldest_unanswered_hk == 9


def test_one_connection_gives_the_same_figures_as_several(office: Office) -> None:
    office.case(wita(2), verify(wita(3), "PUPR"), follow_up(wita(4), PUPR))
    office.case(
        wita(2),
        (wita(3), ADMIN, Action.HOLD, {"reason": "Lokasi belum jelas"}),
        (wita(10), ADMIN, Action.RESUME, {}),
        verify(wita(12), "DINKES"),
        give_back(wita(13), DINKES),
    )
    office.case(wita(20), verify(wita(23), "SETDA"))
    together = report(office).as_dict()
    alone = report(office, parallel=False).as_dict()
    halves = report(office, splits=2).as_dict()
    forked = report(office, child_process=True).as_dict()
    assert together == alone == halves == forked
    assert together["office"]["received"] == 3


def test_a_child_process_that_fails_leaves_its_half_to_the_parent(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    import desk.metrics

    office.case(wita(2), verify(wita(3), "PUPR"), follow_up(wita(4), PUPR))
    office.case(wita(20), verify(wita(23), "SETDA"), follow_up(wita(24), SETDA))
    expected = report(office).as_dict()
    parent = os.getpid()
    groups = desk.metrics._groups

    def failing_in_the_child(*arguments):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise RuntimeError("the child breaks")
        return groups(*arguments)

    monkeypatch.setattr(desk.metrics, "_groups", failing_in_the_child)
    assert report(office, child_process=True).as_dict() == expected
    assert expected["office"]["followed_up"] == 2


def test_the_period_is_in_office_local_dates(office: Office) -> None:
    # 31 October 16:30Z is 1 November 00:30 WITA: November's.
    office.case(datetime(2026, 10, 31, 16, 30, tzinfo=UTC))
    # 30 November 16:30Z is 1 December 00:30 WITA: not November's.
    office.case(datetime(2026, 11, 30, 16, 30, tzinfo=UTC) - timedelta(days=0))
    office.case(datetime(2026, 10, 31, 15, 30, tzinfo=UTC))  # 31 October 23:30 WITA
    result = report(office)
    assert result.office.received == 1
    assert result.weekly[0].week_start == date(2026, 10, 26)
    assert sum(point.received for point in result.weekly) == 1
    assert result.office.unanswered == 1 and result.office.in_process == 1


def test_trend_and_distribution(office: Office) -> None:
    office.case(wita(2), verify(wita(2, 10), "PUPR"), follow_up(wita(3), PUPR))  # 1 HK
    office.case(wita(3), verify(wita(3, 10), "PUPR"), follow_up(wita(13), PUPR))  # 7 HK
    office.case(wita(10), verify(wita(10, 10), "PUPR"))  # unanswered
    result = report(office)
    weeks = {point.week_start: (point.received, point.followed_up) for point in result.weekly}
    assert weeks[date(2026, 11, 2)] == (2, 2)
    assert weeks[date(2026, 11, 9)] == (1, 0)
    assert len(result.weekly) == 6  # the weeks of 26 Oct, 2, 9, 16, 23 and 30 Nov
    distribution = dict(result.distribution)
    assert distribution["1"] == 1 and distribution["6-10"] == 1
    assert distribution["unanswered"] == 1
    assert sum(distribution.values()) == 3


# ---------------------------------------------------------------------------------------------
# Ranking


def metrics(
    code: str, received: int, in_time: int, decided: int, followed: int, hks: list[int]
) -> UnitMetrics:
    row = UnitMetrics(code, code, "Asia/Makassar")
    row.received, row.followed_up_in_time, row.follow_up_decided = received, in_time, decided
    row.followed_up, row.follow_up_hk = followed, hks
    return row


def test_small_units_are_listed_but_not_ranked() -> None:
    rows = [
        metrics("BIG", 20, 10, 20, 20, [5] * 20),
        metrics("TINY", 3, 3, 3, 3, [0, 0, 0]),  # perfect, but too few cases to rank
    ]
    ranked = _rank(rows, 10)
    assert [(row.code, row.rank) for row in ranked] == [("BIG", 1), ("TINY", None)]
    assert [row.rank for row in _rank(rows, 3)] == [1, 2]
    assert _rank(rows, 3)[0].code == "TINY"


def test_ranking_order_ties_and_medians() -> None:
    rows = [
        metrics("A", 10, 8, 10, 9, [1, 2, 3]),
        metrics("B", 10, 8, 10, 10, [1, 2, 3]),  # same share in time, more followed up: first
        metrics("C", 10, 8, 10, 9, [1, 2, 3]),  # same as A on every criterion: same rank
        # Same shares as A, a worse median (4 against 2): below A and C.
        metrics("D", 10, 8, 10, 9, [0, 0, 4, 4, 4]),
        metrics("E", 10, 9, 10, 9, [9, 9, 9]),  # best share within 5 HK: first of all
    ]
    ranked = _rank(rows, 10)
    assert [(row.code, row.rank) for row in ranked] == [
        ("E", 1),
        ("B", 2),
        ("A", 3),
        ("C", 3),
        ("D", 5),
    ]


def test_medians_not_means_decide() -> None:
    # F's mean (1 + 1 + 1 + 1 + 30) / 5 = 6.8 is worse than G's 3, its median (1) better.
    rows = [
        metrics("F", 10, 5, 10, 5, [1, 1, 1, 1, 30]),
        metrics("G", 10, 5, 10, 5, [3, 3, 3, 3, 3]),
    ]
    assert [row.code for row in _rank(rows, 10)] == ["F", "G"]


def test_ranking_in_a_report_follows_min_cases(office: Office) -> None:
    for _ in range(3):
        office.case(wita(2), verify(wita(2, 10), "PUPR"), follow_up(wita(3), PUPR))
    office.case(wita(2), verify(wita(2, 10), "SETDA"), follow_up(wita(20), SETDA))
    result = report(office, min_cases=2)
    assert [(row.code, row.rank) for row in result.units][:2] == [("PUPR", 1), ("SETDA", None)]
    assert report(office, min_cases=1).units[1].rank == 2
    only = report(office, min_cases=2, unit="pupr")
    assert [row.code for row in only.units] == ["PUPR"]
    assert sum(count for _, count in only.distribution) == 3


# ---------------------------------------------------------------------------------------------
# Periods


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-2", date(2026, 2, 1), date(2026, 2, 28)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-10-01..2026-10-15", date(2026, 10, 1), date(2026, 10, 15)),
        ("month", date(2026, 11, 1), date(2026, 11, 30)),
        ("last-month", date(2026, 10, 1), date(2026, 10, 31)),
        ("quarter", date(2026, 10, 1), date(2026, 12, 31)),
        ("year", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_periods(text: str, start: date, end: date) -> None:
    period = parse_period(text, date(2026, 11, 29))
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-Q5", "26", "2026-10-15..2026-10-01", "2026-02-30..2026-03-01", "x"]
)
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text, date(2026, 11, 29))


def test_last_month_in_january_is_december() -> None:
    period = preset_period("last-month", date(2027, 1, 5))
    assert (period.start, period.end) == (date(2026, 12, 1), date(2026, 12, 31))


# ---------------------------------------------------------------------------------------------
# The working-day ordinals themselves


def test_ordinals_outside_the_table_agree_with_the_calendar() -> None:
    from desk.calendar import calendar_with
    from desk.metrics import _DayScale

    calendar = calendar_with(frozenset({date(2026, 11, 18)}))
    first = (date(2026, 11, 1) - date(1970, 1, 1)).days
    small = _DayScale(calendar, "Asia/Makassar", first, first + 29)
    wide = _DayScale(calendar, "Asia/Makassar", first - 400, first + 400)
    for day in (first - 300, first - 1, first, first + 17, first + 29, first + 30, first + 365):
        assert small.ordinal(day) - small.ordinal(first) == wide.ordinal(day) - wide.ordinal(first)
    # 2-20 November: 2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 19 (not the 18th) = 13 HK.
    assert small.ordinal(first + 19) - small.ordinal(first + 1) == 13


def test_a_zone_with_daylight_saving_is_converted_exactly_in_python() -> None:
    from desk.calendar import national_calendar
    from desk.metrics import _DayScale

    first = (date(2026, 1, 1) - date(1970, 1, 1)).days
    berlin = _DayScale(national_calendar(), "Europe/Berlin", first, first + 364)
    assert berlin.offset is None and berlin.usual_offset in (3600, 7200)
    summer = int(datetime(2026, 7, 1, 22, 30, tzinfo=UTC).timestamp())  # 00:30 on 2 July
    assert berlin.day(summer) == (date(2026, 7, 2) - date(1970, 1, 1)).days
    makassar = _DayScale(national_calendar(), "Asia/Makassar", first, first + 364)
    assert makassar.offset == 8 * 3600
