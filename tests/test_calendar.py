"""The working-day calendar: deadlines and time left as an officer in Samarinda would see them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given
from hypothesis import strategies as st

import desk.calendar as calendar_module
from desk.calendar import (
    NATIONAL_TABLE,
    WIB,
    WIT,
    WITA,
    CalendarFileError,
    RegionalHoliday,
    WorkingCalendar,
    calendar_with,
    national_calendar,
    national_table,
    read_regional_holidays,
    zone_abbreviation,
)

SAMARINDA = ZoneInfo(WITA)
JAKARTA = ZoneInfo(WIB)
JAYAPURA = ZoneInfo(WIT)


def wita(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SAMARINDA)


# --- National holidays and cuti bersama


def test_the_shipped_national_table_is_what_the_installed_package_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # After upgrading `holidays`: python -c "import desk.calendar as c; c.write_national_table()"
    shipped = json.loads(NATIONAL_TABLE.read_text("utf-8"))
    if shipped["holidays_version"] != calendar_module._installed_holidays_version():
        # Another `holidays` than the one that wrote the table (a newer release installed):
        # the table is not used at all, the package answers (the next test covers that path).
        monkeypatch.setattr(calendar_module, "_table_read", False)
        assert calendar_module._shipped_table() is None
        return
    assert shipped == national_table(), "desk/data/national_holidays_id.json is out of date"
    # Asked a year at a time (`holiday_name`), the package gives the same days.
    for year in (2000, 2026, 2045):
        alone = holidays.country_holidays(
            "ID", categories=("public", "government"), language="id", years=[year]
        )
        in_table = {day: name for day, name in shipped["days"].items() if day[:4] == str(year)}
        assert {day.isoformat(): str(name) for day, name in alone.items()} == in_table


def test_another_holidays_version_asks_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(calendar_module, "_installed_holidays_version", lambda: "0.0-other")
    monkeypatch.setattr(calendar_module, "_table_read", False)
    monkeypatch.setattr(calendar_module, "_table", None)
    assert calendar_module._shipped_table() is None
    asked: list[list[int]] = []
    ask = calendar_module._ask_package
    monkeypatch.setattr(
        calendar_module, "_ask_package", lambda years: asked.append(years) or ask(years)
    )
    loaded = calendar_module._load_national([2026])
    assert asked == [[2026]]
    assert loaded[2026][date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"


def test_idul_fitri_2026_and_its_cuti_bersama_are_not_working_days() -> None:
    calendar = national_calendar()
    # Nyepi (19th) with its cuti bersama (18th), then Idul Fitri (21st–22nd) with cuti bersama.
    for day in range(18, 25):
        assert not calendar.is_working_day(date(2026, 3, day)), day
    assert calendar.is_working_day(date(2026, 3, 17))
    assert calendar.is_working_day(date(2026, 3, 25))
    assert calendar.holiday_name(date(2026, 3, 20)) == "Cuti Bersama Hari Raya Idul Fitri"


def test_a_plain_weekend_is_not_working_but_has_no_holiday_name() -> None:
    calendar = national_calendar()
    assert not calendar.is_working_day(date(2026, 11, 7))  # Saturday
    assert not calendar.is_working_day(date(2026, 11, 8))  # Sunday
    assert calendar.holiday_name(date(2026, 11, 7)) is None
    assert calendar.is_working_day(date(2026, 11, 9))


def test_christmas_2026_joint_leave_and_christmas_day_are_skipped() -> None:
    calendar = national_calendar()
    assert "Cuti Bersama" in (calendar.holiday_name(date(2026, 12, 24)) or "")
    assert calendar.holiday_name(date(2026, 12, 25)) == "Hari Raya Natal"
    # Wednesday 23rd + 1 HK: Thursday 24th, Friday 25th and the weekend are skipped.
    assert calendar.add_working_days(date(2026, 12, 23), 1) == date(2026, 12, 28)
    assert calendar.working_days_between(date(2026, 12, 23), date(2026, 12, 28)) == 1


# --- Deadlines


def test_case_received_in_samarinda_on_cuti_bersama_idul_fitri() -> None:
    # Friday 2026-03-20 is cuti bersama, so the clock counts from Wednesday 25th as day 0:
    # 26th, 27th, then Monday 30th is the third working day.
    deadline = national_calendar().deadline(wita(2026, 3, 20, 10), 3, WITA)
    assert deadline == datetime(2026, 3, 30, 15, 59, 59, tzinfo=UTC)
    assert deadline.astimezone(SAMARINDA) == wita(2026, 3, 30, 23, 59, 59)


def test_same_instant_starts_on_different_local_days_in_wib_and_wit() -> None:
    calendar = national_calendar()
    received = datetime(2026, 1, 15, 23, 30, tzinfo=JAKARTA)
    assert received.astimezone(JAYAPURA) == datetime(2026, 1, 16, 1, 30, tzinfo=JAYAPURA)

    # In Jakarta the clock starts on Thursday 15th; Friday 16th (Isra Mikraj) is skipped:
    # 19th, 20th, 21st.
    in_jakarta = calendar.deadline(received, 3, WIB)
    assert in_jakarta == datetime(2026, 1, 21, 23, 59, 59, tzinfo=JAKARTA)
    assert in_jakarta == datetime(2026, 1, 21, 16, 59, 59, tzinfo=UTC)

    # In Jayapura it is already the holiday, so Monday 19th is day 0: 20th, 21st, 22nd.
    in_jayapura = calendar.deadline(received, 3, WIT)
    assert in_jayapura == datetime(2026, 1, 22, 23, 59, 59, tzinfo=JAYAPURA)
    assert in_jayapura == datetime(2026, 1, 22, 14, 59, 59, tzinfo=UTC)


def test_deadline_is_returned_in_utc() -> None:
    deadline = national_calendar().deadline(wita(2026, 11, 9, 9), 3, WITA)
    assert deadline.utcoffset() == timedelta(0)


def test_received_on_saturday_counts_from_monday_as_day_zero() -> None:
    calendar = national_calendar()
    saturday = date(2026, 11, 7)
    assert calendar.next_working_day(saturday) == date(2026, 11, 9)
    assert calendar.add_working_days(saturday, 0) == date(2026, 11, 9)
    assert calendar.add_working_days(saturday, 3) == date(2026, 11, 12)
    assert calendar.deadline(wita(2026, 11, 7, 10), 3, WITA) == wita(2026, 11, 12, 23, 59, 59)


def test_received_on_a_working_day_counts_that_day_as_day_zero() -> None:
    calendar = national_calendar()
    assert calendar.next_working_day(date(2026, 11, 9)) == date(2026, 11, 9)
    assert calendar.deadline(wita(2026, 11, 9, 8), 3, WITA) == wita(2026, 11, 12, 23, 59, 59)
    assert calendar.deadline(wita(2026, 11, 9, 8), 5, WITA) == wita(2026, 11, 16, 23, 59, 59)


def test_received_late_at_night_counts_by_the_local_date() -> None:
    # 23:59 in Samarinda is 15:59 UTC; 00:01 the next local day is still the 9th in UTC.
    calendar = national_calendar()
    assert calendar.deadline(wita(2026, 11, 9, 23, 59), 1, WITA) == wita(2026, 11, 10, 23, 59, 59)
    assert calendar.deadline(wita(2026, 11, 10, 0, 1), 1, WITA) == wita(2026, 11, 11, 23, 59, 59)


def test_regional_holiday_pushes_the_deadline_by_a_day() -> None:
    received = wita(2026, 1, 19, 9)  # Monday
    national = national_calendar().deadline(received, 3, WITA)
    assert national == wita(2026, 1, 22, 23, 59, 59)

    # Hari Jadi Kota Samarinda, Wednesday 21 January.
    samarinda = calendar_with([date(2026, 1, 21)])
    assert not samarinda.is_working_day(date(2026, 1, 21))
    assert samarinda.holiday_name(date(2026, 1, 21)) == "Libur daerah"
    assert samarinda.deadline(received, 3, WITA) == wita(2026, 1, 23, 23, 59, 59)
    # The national calendar is not changed by it.
    assert national_calendar().is_working_day(date(2026, 1, 21))


def test_calendars_are_shared_per_set_of_regional_holidays() -> None:
    days = [date(2026, 1, 21), date(2026, 5, 2)]
    assert calendar_with(days) is calendar_with(reversed(days))
    assert calendar_with([]) is national_calendar()


def test_a_regional_holiday_keeps_its_name() -> None:
    calendar = WorkingCalendar([RegionalHoliday(date(2026, 1, 21), "Hari Jadi Kota Samarinda")])
    assert calendar.holiday_name(date(2026, 1, 21)) == "Hari Jadi Kota Samarinda"
    assert not calendar.is_working_day(date(2026, 1, 21))


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        national_calendar().deadline(datetime(2026, 11, 9, 9), 3, WITA)


def test_dates_far_outside_the_precomputed_years_still_work() -> None:
    calendar = national_calendar()
    national = holidays.country_holidays(
        "ID", categories=("public", "government"), language="id", years=[1990, 2060]
    )
    for first in (date(1990, 1, 1), date(2060, 1, 1)):
        for offset in range(365):
            day = first + timedelta(days=offset)
            expected = day.weekday() < 5 and day not in national
            assert calendar.is_working_day(day) == expected, day
    assert calendar.holiday_name(date(2060, 1, 1)) == "Tahun Baru Masehi"
    # A count across the edge of the precomputed years is the sum of its two halves.
    edge = date(2045, 12, 31)
    first_half = calendar.working_days_between(date(2045, 6, 1), edge)
    second_half = calendar.working_days_between(edge, date(2046, 6, 1))
    assert calendar.working_days_between(date(2045, 6, 1), date(2046, 6, 1)) == (
        first_half + second_half
    )
    assert second_half > 100


# --- Counting working days


def test_working_days_between_is_symmetrical() -> None:
    calendar = national_calendar()
    start, end = date(2026, 3, 17), date(2026, 3, 31)
    # 25th, 26th, 27th, 30th, 31st: the Nyepi and Idul Fitri days are skipped.
    assert calendar.working_days_between(start, end) == 5
    assert calendar.working_days_between(end, start) == -5
    assert calendar.working_days_between(start, start) == 0


@given(
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    n=st.integers(min_value=0, max_value=300),
)
def test_adding_then_counting_gives_back_the_number_of_days(day: date, n: int) -> None:
    calendar = national_calendar()
    start = calendar.next_working_day(day)
    end = calendar.add_working_days(day, n)
    assert calendar.is_working_day(end)
    assert calendar.working_days_between(start, end) == n
    assert calendar.working_days_between(end, start) == -n


# --- Time left


def test_days_left_before_and_on_the_deadline() -> None:
    calendar = national_calendar()
    deadline = calendar.deadline(wita(2026, 11, 9, 9), 3, WITA)  # end of Thursday 12th
    assert calendar.days_left(deadline, wita(2026, 11, 10, 10), WITA) == 2
    assert calendar.days_left(deadline, wita(2026, 11, 12, 8), WITA) == 0  # due today
    assert calendar.days_left(deadline, wita(2026, 11, 12, 23, 59, 59), WITA) == 0


def test_days_left_when_overdue_on_the_next_working_day() -> None:
    calendar = national_calendar()
    deadline = calendar.deadline(wita(2026, 11, 9, 9), 3, WITA)  # end of Thursday 12th
    assert calendar.days_left(deadline, wita(2026, 11, 13, 8), WITA) == -1


def test_overdue_over_a_weekend_counts_working_days_only() -> None:
    calendar = national_calendar()
    deadline = calendar.deadline(wita(2026, 11, 10, 9), 3, WITA)  # end of Friday 13th
    assert deadline == wita(2026, 11, 13, 23, 59, 59)
    assert calendar.days_left(deadline, wita(2026, 11, 14, 0, 0, 30), WITA) == -1  # Saturday
    assert calendar.days_left(deadline, wita(2026, 11, 15, 12), WITA) == -1  # Sunday
    assert calendar.days_left(deadline, wita(2026, 11, 16, 9), WITA) == -1  # Monday
    assert calendar.days_left(deadline, wita(2026, 11, 17, 9), WITA) == -2  # Tuesday


def test_days_left_is_counted_in_the_units_time_zone() -> None:
    calendar = national_calendar()
    received = datetime(2026, 11, 9, 1, 0, tzinfo=UTC)  # Monday morning everywhere in Indonesia
    due_in_samarinda = calendar.deadline(received, 3, WITA)  # end of Thursday 12th, WITA
    due_in_jayapura = calendar.deadline(received, 3, WIT)  # end of Thursday 12th, WIT
    # 15:30 UTC is 23:30 on Wednesday 11th in Samarinda but already Thursday 00:30 in Jayapura.
    now = datetime(2026, 11, 11, 15, 30, tzinfo=UTC)
    assert calendar.days_left(due_in_samarinda, now, WITA) == 1
    assert calendar.days_left(due_in_jayapura, now, WIT) == 0


def test_a_paused_clock_keeps_the_days_already_missed() -> None:
    # A hold freezes what the case owes, lateness included (tests/test_clock_lateness.py).
    calendar = national_calendar()
    deadline = calendar.deadline(wita(2026, 11, 10, 9), 3, WITA)  # end of Friday 13th
    assert calendar.frozen_at(deadline, wita(2026, 11, 10, 15), WITA) == 3
    assert calendar.frozen_at(deadline, wita(2026, 11, 13, 15), WITA) == 0
    assert calendar.frozen_at(deadline, wita(2026, 11, 17, 9), WITA) == -2


# --- Time zones


def test_zone_abbreviations() -> None:
    assert zone_abbreviation(WIB) == "WIB"
    assert zone_abbreviation(WITA) == "WITA"
    assert zone_abbreviation(WIT) == "WIT"
    assert zone_abbreviation("UTC") == "UTC"


# --- The regional holiday file


@pytest.mark.parametrize(
    "line",
    [
        "2026-01-21;Hari Jadi Kota Samarinda",
        "2026-01-21,Hari Jadi Kota Samarinda",
        "2026-01-21\tHari Jadi Kota Samarinda",
        "21/01/2026;Hari Jadi Kota Samarinda",
        "21-01-2026;Hari Jadi Kota Samarinda",
        "21/1/2026 ; Hari Jadi Kota Samarinda ;",
    ],
)
def test_reads_each_accepted_date_and_separator(tmp_path: Path, line: str) -> None:
    path = tmp_path / "libur.txt"
    path.write_text(line + "\n", encoding="utf-8")
    assert read_regional_holidays(path) == [
        RegionalHoliday(date(2026, 1, 21), "Hari Jadi Kota Samarinda", None)
    ]


def test_reads_a_file_as_an_admin_writes_it(tmp_path: Path) -> None:
    path = tmp_path / "libur.csv"
    text = (
        "tanggal;nama;unit\n"
        "# Libur daerah Kota Samarinda 2026\n"
        "\n"
        "2026-01-21;Hari Jadi Kota Samarinda\n"
        "2026-05-02;Hari Pendidikan (libur sekolah);DISDIK\n"
        '2026-07-10,"Hari Jadi Provinsi, Kalimantan Timur",\n'
        "  \n"
    )
    # Saved from a spreadsheet on Windows: a byte order mark and CRLF line ends.
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))
    assert read_regional_holidays(str(path)) == [
        RegionalHoliday(date(2026, 1, 21), "Hari Jadi Kota Samarinda"),
        RegionalHoliday(date(2026, 5, 2), "Hari Pendidikan (libur sekolah)", "DISDIK"),
        RegionalHoliday(date(2026, 7, 10), "Hari Jadi Provinsi, Kalimantan Timur"),
    ]


def test_an_english_header_is_skipped_too(tmp_path: Path) -> None:
    path = tmp_path / "holidays.txt"
    path.write_text("Date,Name,Unit\n2026-01-21,Hari Jadi,PUPR\n", encoding="utf-8")
    assert read_regional_holidays(path) == [RegionalHoliday(date(2026, 1, 21), "Hari Jadi", "PUPR")]


def test_an_empty_file_has_no_holidays(tmp_path: Path) -> None:
    path = tmp_path / "libur.txt"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert read_regional_holidays(path) == []


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("2026-01-21;Hari Jadi\n21 Januari 2026;Hari Jadi\n", 2, "is not a date"),
        ("# komentar\n\n2026-02-30;Tanggal salah\n", 3, "is not a day of the calendar"),
        ("2026-01-21;Hari Jadi\n2026-01-22\n", 2, "has no name"),
        ("2026-01-21;;PUPR\n", 1, "has no name"),
        (";Hari Jadi\n", 1, "the date is missing"),
        ("2026-01-21,Hari Jadi, Kota Samarinda,PUPR\n", 1, "at most 3"),
        ("2026/01/21;Hari Jadi\n", 1, "is not a date"),
    ],
)
def test_a_bad_line_names_the_file_and_the_line(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    path = tmp_path / "libur.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CalendarFileError) as raised:
        read_regional_holidays(path)
    message = str(raised.value)
    assert str(path) in message
    assert f"line {line}:" in message
    assert problem in message
    assert raised.value.line == line


def test_a_file_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "libur.txt"
    path.write_bytes("2026-01-21;Hari Jadi\n2026-05-02;Pendidikan \xe9\n".encode("latin-1"))
    with pytest.raises(CalendarFileError, match=r"line 2: .*not UTF-8"):
        read_regional_holidays(path)


def test_a_missing_file_is_a_calendar_file_error(tmp_path: Path) -> None:
    path = tmp_path / "tidak-ada.txt"
    with pytest.raises(CalendarFileError, match="cannot read the file") as raised:
        read_regional_holidays(path)
    assert str(path) in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_a_clock_started_on_a_weekend_shows_its_own_length_until_monday() -> None:
    calendar = WorkingCalendar()
    saturday = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)  # 11:00 WITA
    deadline = calendar.deadline(saturday, 10, WITA)
    assert calendar.days_left(deadline, saturday, WITA) == 10
    monday = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    assert calendar.days_left(deadline, monday, WITA) == 10  # Monday is day 0
    tuesday = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert calendar.days_left(deadline, tuesday, WITA) == 9


# -- storing the admin's file: who may, and the audit trail (issue 15, point 6) -----------------


def _holidays_file(tmp_path: Path) -> Path:
    path = tmp_path / "libur.txt"
    path.write_text("2026-01-09;Hari Jadi Provinsi\n2026-05-21;Hari Jadi Kota;PUPR\n", "utf-8")
    return path


def test_only_an_admin_stores_regional_holidays_and_a_refusal_is_audited(
    tmp_path: Path,
) -> None:
    import json

    from db import open_database
    from desk.calendar import store_regional_holidays
    from desk.errors import ActionRefused
    from tests.conftest import PETUGAS_PUPR, make_office

    database = open_database(tmp_path / "desk.db")
    make_office(database)
    path = _holidays_file(tmp_path)
    for actor in (PETUGAS_PUPR, None):
        with pytest.raises(ActionRefused, match="admin"):
            store_regional_holidays(database, actor, read_regional_holidays(path), source=path)
    assert database.execute("SELECT count(*) FROM regional_holidays").fetchone() == (0,)
    refusals = database.execute(
        "SELECT actor_nip, action, detail FROM audit_log ORDER BY seq"
    ).fetchall()
    assert [(nip, action) for nip, action, _ in refusals] == [
        (PETUGAS_PUPR.nip, "holidays_import_refused"),
        (None, "holidays_import_refused"),
    ]
    assert json.loads(refusals[0][2])["file"] == "libur.txt"


def test_storing_regional_holidays_is_audited_with_the_days_and_the_file(tmp_path: Path) -> None:
    import hashlib
    import json

    from db import audit, open_database
    from desk.calendar import store_regional_holidays
    from tests.conftest import ADMIN, make_office

    database = open_database(tmp_path / "desk.db")
    make_office(database)
    path = _holidays_file(tmp_path)
    count = store_regional_holidays(
        database, ADMIN, read_regional_holidays(path), source=path, replace=True
    )
    assert count == 2
    nip, action, detail = database.execute(
        "SELECT actor_nip, action, detail FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert (nip, action) == (ADMIN.nip, "holidays_import")
    assert json.loads(detail) == {
        "file": "libur.txt",
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "replace": True,
        "removed": 0,
        "days": [["2026-01-09", None], ["2026-05-21", "PUPR"]],
    }
    assert audit.verify(database) is None


def test_the_holidays_command_refuses_a_petugas(tmp_path: Path, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from db import open_database
    from desk.cli.main import app
    from tests.conftest import PETUGAS_PUPR, make_office

    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))
    monkeypatch.delenv("DESK_PIN", raising=False)
    database = open_database(tmp_path / "desk.db")
    make_office(database)
    database.conn.close()
    path = _holidays_file(tmp_path)
    arguments = ["holidays", "import", str(path), "--db", str(tmp_path / "desk.db")]
    nobody = CliRunner().invoke(app, arguments)  # no officer at all: not the system either
    assert nobody.exit_code == 1 and "--as" in nobody.stderr
    result = CliRunner().invoke(app, [*arguments, "--as", PETUGAS_PUPR.nip])
    assert result.exit_code == 1 and "admin" in result.stderr
    database = open_database(tmp_path / "desk.db")
    assert database.execute("SELECT count(*) FROM regional_holidays").fetchone() == (0,)
