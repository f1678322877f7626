"""The working-day (hari kerja, HK) calendar that every legal clock is counted in.

Working days are Monday to Friday, minus national holidays and cuti bersama (the `holidays`
package, country ID, categories public and government) and minus regional holidays (libur daerah)
that an admin keeps in a text file. Clocks are counted on local dates in a unit's time zone
(WIB, WITA, WIT); instants are stored in UTC.

The `holidays` package is far too slow to ask per lookup when a million cases are seeded, so each
calendar keeps a sorted array of working-day ordinals and answers every question with a bisect.
Importing it is slow too (about 0.1 s: it loads every country's module), a third of what
`desk case show` took to start: its answers for the precomputed years ship as a table
(`NATIONAL_TABLE`), used while the installed `holidays` is the version that wrote it; other years,
or another version, ask the package.
"""

from __future__ import annotations

import csv
import json
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from desk.i18n import extend

if TYPE_CHECKING:
    import sqlite_utils

    from desk.workflow import Actor

__all__ = [
    "WIB",
    "WIT",
    "WITA",
    "ZONE_ABBREVIATIONS",
    "CalendarFileError",
    "RegionalHoliday",
    "WorkingCalendar",
    "calendar_with",
    "national_calendar",
    "read_regional_holidays",
    "store_regional_holidays",
    "zone_abbreviation",
]

WIB = "Asia/Jakarta"
WITA = "Asia/Makassar"
WIT = "Asia/Jayapura"
ZONE_ABBREVIATIONS: dict[str, str] = {WIB: "WIB", WITA: "WITA", WIT: "WIT"}

REGIONAL_HOLIDAY_NAME = "Libur daerah"
END_OF_DAY = time(23, 59, 59)
# The span precomputed up front: every case a desk will see for decades; other years load lazily.
FIRST_YEAR = 2000
LAST_YEAR = 2045
_YEARS_PER_EXTENSION = 10  # load a few years at a time, so a far date does not rebuild per step


def zone_abbreviation(tz: str) -> str:
    """The short name officers know a time zone by: "WIB", "WITA", "WIT", else its tzname now."""
    known = ZONE_ABBREVIATIONS.get(tz)
    if known is not None:
        return known
    return datetime.now(_zone(tz)).tzname() or tz


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    # ZoneInfo caches too, but its constructor is still a noticeable share of deadline()'s cost.
    return ZoneInfo(tz)


@dataclass(frozen=True)
class RegionalHoliday:
    """A regional holiday (libur daerah) read from the admin's file."""

    day: date
    name: str
    unit_code: str | None = None  # None: applies to every unit of the office


# ---------------------------------------------------------------------------------------------
# National holidays


_national_names: dict[int, dict[date, str]] = {}  # year -> {day: Indonesian name}
_national_lock = threading.Lock()

# What desk asks the `holidays` package: Indonesia's public holidays and cuti bersama, named in
# Indonesian.
_COUNTRY = "ID"
_CATEGORIES = ("public", "government")
_LANGUAGE = "id"
# The package's answers for FIRST_YEAR..LAST_YEAR, and the version of it that gave them.
# tests/test_calendar.py checks the table against the installed package; after upgrading
# `holidays`, write it again with `write_national_table()`.
NATIONAL_TABLE = Path(__file__).parent / "data" / "national_holidays_id.json"


def _national_holidays(years: range) -> dict[date, str]:
    """National holidays and cuti bersama of `years`, loaded once per year for the process."""
    missing = [year for year in years if year not in _national_names]
    if missing:
        with _national_lock:
            missing = [year for year in missing if year not in _national_names]
            if missing:
                _national_names.update(_load_national(missing))
    result: dict[date, str] = {}
    for year in years:
        result.update(_national_names[year])
    return result


def _load_national(years: list[int]) -> dict[int, dict[date, str]]:
    """The national holidays of `years`: from the shipped table while it is the installed
    package's answer, else from the package."""
    by_year: dict[int, dict[date, str]] = {}
    table = _shipped_table()
    if table is not None:
        by_year = {year: table[year] for year in years if year in table}
    rest = [year for year in years if year not in by_year]
    if rest:
        by_year.update(_ask_package(rest))
    return by_year


def _ask_package(years: list[int]) -> dict[int, dict[date, str]]:
    # Imported here, not at the top: it costs ~0.1 s, and the shipped table usually answers.
    import holidays

    loaded = holidays.country_holidays(
        _COUNTRY, categories=_CATEGORIES, language=_LANGUAGE, years=years
    )
    by_year: dict[int, dict[date, str]] = {year: {} for year in years}
    for day, name in loaded.items():
        by_year[day.year][day] = str(name)
    return by_year


_table: dict[int, dict[date, str]] | None = None
_table_read = False


def _shipped_table() -> dict[int, dict[date, str]] | None:
    """The table in NATIONAL_TABLE by year, or None when it is missing, unreadable, or was
    written by another version of `holidays` than the installed one (or for other questions)."""
    global _table, _table_read
    if _table_read:
        return _table
    _table_read = True
    try:
        content = json.loads(NATIONAL_TABLE.read_text("utf-8"))
        if content["question"] != [_COUNTRY, list(_CATEGORIES), _LANGUAGE]:
            return None
        if content["holidays_version"] != _installed_holidays_version():
            return None
        table: dict[int, dict[date, str]] = {
            year: {} for year in range(content["first_year"], content["last_year"] + 1)
        }
        for text, name in content["days"].items():
            day = date.fromisoformat(text)
            table[day.year][day] = name
    except (OSError, ValueError, KeyError, TypeError):
        return None
    _table = table
    return table


def _installed_holidays_version() -> str | None:
    """The installed `holidays` release, read from its dist-info folder's name: importing
    importlib.metadata for it took 10 ms of every command's start (bench/bench_cli_start.py)."""
    import importlib.util

    spec = importlib.util.find_spec("holidays")
    if spec is not None and spec.submodule_search_locations:
        site = Path(next(iter(spec.submodule_search_locations))).parent
        for info in sorted(site.glob("holidays-*.dist-info")):
            return info.name.removeprefix("holidays-").removesuffix(".dist-info")
    from importlib.metadata import PackageNotFoundError, version  # other installs

    try:
        return version("holidays")
    except PackageNotFoundError:
        return None


def national_table() -> dict[str, object]:
    """What NATIONAL_TABLE holds, asked of the installed `holidays` package now."""
    loaded = _ask_package(list(range(FIRST_YEAR, LAST_YEAR + 1)))
    days = {day.isoformat(): name for year in loaded.values() for day, name in year.items()}
    return {
        "about": "Answers of the holidays package for desk/calendar.py: write_national_table().",
        "holidays_version": _installed_holidays_version(),
        "question": [_COUNTRY, list(_CATEGORIES), _LANGUAGE],
        "first_year": FIRST_YEAR,
        "last_year": LAST_YEAR,
        "days": dict(sorted(days.items())),
    }


def write_national_table(path: Path = NATIONAL_TABLE) -> None:
    """Write NATIONAL_TABLE again from the installed `holidays` package (after upgrading it)."""
    text = json.dumps(national_table(), ensure_ascii=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The calendar


@dataclass(frozen=True)
class _Span:
    """The precomputed part of a calendar; replaced whole, so readers never see it half-built."""

    first: int  # ordinal of 1 January of the first year covered
    last: int  # ordinal of 31 December of the last year covered
    first_year: int
    last_year: int
    working: list[int]  # sorted ordinals of the working days in [first, last]


class WorkingCalendar:
    """Working days: Monday–Friday, minus national holidays, cuti bersama and regional holidays.

    Args:
        regional_holidays: extra non-working days (dates, or `RegionalHoliday` for their names).
    """

    def __init__(self, regional_holidays: Iterable[date | RegionalHoliday] = ()) -> None:
        self._regional: dict[date, str] = {}
        for item in regional_holidays:
            if isinstance(item, RegionalHoliday):
                self._regional[item.day] = item.name
            else:
                # A datetime is a date too; its time of day means nothing here.
                day = item.date() if isinstance(item, datetime) else item
                self._regional.setdefault(day, REGIONAL_HOLIDAY_NAME)
        self._regional_ordinals = frozenset(day.toordinal() for day in self._regional)
        self._lock = threading.Lock()
        self._span = self._build(FIRST_YEAR, LAST_YEAR)

    def _build(self, first_year: int, last_year: int) -> _Span:
        national = _national_holidays(range(first_year, last_year + 1))
        closed = self._regional_ordinals | {day.toordinal() for day in national}
        first = date(first_year, 1, 1).toordinal()
        last = date(last_year, 12, 31).toordinal()
        # Ordinal 1 (0001-01-01) is a Monday, so (ordinal - 1) % 7 is the weekday, Monday = 0.
        working = [o for o in range(first, last + 1) if (o - 1) % 7 < 5 and o not in closed]
        return _Span(first, last, first_year, last_year, working)

    def _extend(self, first_year: int, last_year: int) -> _Span:
        """Cover at least `first_year`..`last_year` (clamped to the years `date` can hold)."""
        with self._lock:
            span = self._span
            first_year = max(MINYEAR, min(first_year, span.first_year))
            last_year = min(MAXYEAR, max(last_year, span.last_year))
            if (first_year, last_year) != (span.first_year, span.last_year):
                self._span = self._build(first_year, last_year)
            return self._span

    def _covering(self, ordinal: int) -> _Span:
        span = self._span
        if span.first <= ordinal <= span.last:
            return span
        year = date.fromordinal(ordinal).year
        return self._extend(year - _YEARS_PER_EXTENSION, year + _YEARS_PER_EXTENSION)

    def holiday_name(self, day: date) -> str | None:
        """The name of the holiday on `day` (Indonesian), or None; ordinary weekends have none."""
        national = _national_holidays(range(day.year, day.year + 1)).get(day)
        return national if national is not None else self._regional.get(day)

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day (hari kerja)."""
        ordinal = day.toordinal()
        working = self._covering(ordinal).working
        index = bisect_left(working, ordinal)
        return index < len(working) and working[index] == ordinal

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the first working day after it."""
        return self.add_working_days(day, 0)

    def add_working_days(self, day: date, n: int) -> date:
        """The `n`th working day after `day`.

        When `day` is not a working day, the next working day is day 0, so a case received on a
        Saturday counts from Monday. A negative `n` counts back from day 0.
        """
        ordinal = day.toordinal()
        span = self._span
        if span.first <= ordinal <= span.last:  # the fast path: no lock, no allocation
            index = bisect_left(span.working, ordinal) + n
            if 0 <= index < len(span.working):
                return date.fromordinal(span.working[index])
        span = self._covering(ordinal)
        while True:
            index = bisect_left(span.working, ordinal) + n
            if 0 <= index < len(span.working):
                return date.fromordinal(span.working[index])
            # There are at most ~250 working days a year: load enough years to reach the answer.
            years = abs(n) // 200 + _YEARS_PER_EXTENSION
            grown = (
                self._extend(span.first_year - years, span.last_year)
                if index < 0
                else self._extend(span.first_year, span.last_year + years)
            )
            if grown is span:
                raise OverflowError(f"no working day {n} working days from {day} within dates")
            span = grown

    def working_days_between(self, start: date, end: date) -> int:
        """The number of working days d with start < d <= end; negative when end < start."""
        low, high = sorted((start.toordinal(), end.toordinal()))
        span = self._covering(low)
        if high > span.last:
            span = self._covering(high)
        # One formula serves both directions: for end < start it is minus the mirror count.
        return bisect_right(span.working, end.toordinal()) - bisect_right(
            span.working, start.toordinal()
        )

    def deadline(self, started_at: datetime, hk: int, tz: str) -> datetime:
        """The end (23:59:59 local) of the `hk`th working day after `started_at`, in UTC.

        The clock starts on `started_at`'s local date in `tz`, so the same instant can start on
        different days in a WIB and a WIT unit. A negative `hk` counts back from that day: a
        paused clock that was already late resumes as late as it was (`frozen_at`).
        """
        zone = _zone(tz)
        last_day = self.add_working_days(_local_date(started_at, zone), hk)
        return datetime.combine(last_day, END_OF_DAY, tzinfo=zone).astimezone(UTC)

    def days_left(self, deadline: datetime, now: datetime, tz: str) -> int:
        """Working days left before `deadline`, by local dates in `tz`.

        0 means due today; a negative number is how many working days it is overdue, at least 1
        as soon as the deadline has passed (even at night or over a weekend). On a non-working
        day the count is the one of the next working day, before and after the deadline alike,
        as a clock started then counts from it: a 10 HK clock started on Saturday shows "10 left"
        over the weekend, not 11, and a deadline missed on Thursday shows "2 overdue" on Saturday
        (Friday and Monday), as it will on Monday.

        One rule on both sides of the deadline makes the count a plain difference of positions
        on the working-day line, so a clock paused with N days left and resumed at any moment
        with `deadline(resumed_at, N, tz)` reads N again, N negative included (see `frozen_at`).
        """
        zone = _zone(tz)
        deadline_day = _local_date(deadline, zone)
        today = self.next_working_day(_local_date(now, zone))
        left = self.working_days_between(today, deadline_day)
        # Overdue exactly when the instant has passed, as the inbox's overdue view counts it
        # (`due_at < now`): within the deadline's last second the dates still agree, and a
        # deadline on a day that is no longer a working day is not overdue before it ends.
        return min(-1, left) if now > deadline else max(0, left)

    def frozen_at(self, deadline: datetime, now: datetime, tz: str) -> int:
        """The working days a clock paused at `now` still owes: `days_left`, negative included.

        A pause (tunda) stops the clock; it does not forgive the days already missed. Resumed
        later, `deadline(resumed_at, frozen, tz)` puts the deadline where it reads the same
        count again: N working days ahead, 0 (due that day), or |N| working days behind.
        """
        return self.days_left(deadline, now, tz)


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    if moment.tzinfo is None or moment.utcoffset() is None:
        # astimezone() would read a naive time as the machine's local time: wrong on a server.
        raise ValueError(f"{moment.isoformat()} has no time zone; clocks need aware datetimes")
    return moment.astimezone(zone).date()


@lru_cache(maxsize=1)
def national_calendar() -> WorkingCalendar:
    """The shared calendar with national holidays only."""
    return WorkingCalendar()


def calendar_with(regional_holidays: Iterable[date]) -> WorkingCalendar:
    """A shared calendar with these regional holidays on top of the national ones."""
    return _calendar_for(frozenset(regional_holidays))


@lru_cache(maxsize=256)  # one per unit's set of regional holidays; building one takes milliseconds
def _calendar_for(regional_holidays: frozenset[date]) -> WorkingCalendar:
    if not regional_holidays:
        return national_calendar()
    return WorkingCalendar(regional_holidays)


# ---------------------------------------------------------------------------------------------
# The regional holiday file


class CalendarFileError(ValueError):
    """A regional holiday file that cannot be used; the message names the file and line."""

    def __init__(self, path: str | Path, line: int | None, problem: str) -> None:
        where = f"{path}, line {line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.line = line
        self.problem = problem


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DAY_FIRST_DATE = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4})")
_HEADER_WORDS = {"tanggal", "date"}
_SEPARATORS = ";,\t"
_EXPECTED = "write DATE;NAME or DATE;NAME;UNIT, e.g. 2026-01-21;Hari Jadi Kota Samarinda"


def read_regional_holidays(path: str | Path) -> list[RegionalHoliday]:
    """Read regional holidays from a text file an admin edits by hand.

    One holiday a line, `DATE;NAME` or `DATE;NAME;UNIT` (UNIT empty or absent: every unit). The
    separator may be ';', ',' or a tab; dates are YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY. Blank
    lines, lines starting with '#' and a header line (tanggal;nama;unit) are skipped.

    Raises:
        CalendarFileError: the file cannot be read, or a line is not a holiday.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CalendarFileError(path, None, f"cannot read the file ({error.strerror})") from None
    try:
        # utf-8-sig: spreadsheets and Notepad on Windows put a byte order mark at the start.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad_line = data[: error.start].count(b"\n") + 1
        raise CalendarFileError(
            path, bad_line, "the file is not UTF-8 text; save it again as UTF-8"
        ) from None

    result: list[RegionalHoliday] = []
    seen_data = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = _split_line(path, number, line)
        first_data_line, seen_data = not seen_data, True
        if first_data_line and fields[0].strip().casefold() in _HEADER_WORDS:
            continue
        result.append(_parse_line(path, number, fields))
    return result


def _split(line: str) -> list[str]:
    # The first separator character on the line is the separator: a date contains none of them,
    # and the same file may mix them. csv handles names quoted by a spreadsheet export.
    positions = [line.find(sep) for sep in _SEPARATORS if sep in line]
    if not positions:
        return [line]
    separator = line[min(positions)]
    return next(csv.reader([line], delimiter=separator, skipinitialspace=True))


def _split_line(path: str | Path, number: int, line: str) -> list[str]:
    try:
        return _split(line)
    except csv.Error as error:  # a NUL byte, a field beyond csv's size limit
        raise CalendarFileError(path, number, f"the line cannot be read ({error})") from None


def _parse_line(path: str | Path, number: int, fields: list[str]) -> RegionalHoliday:
    fields = [field.strip() for field in fields]
    if len(fields) > 3:
        raise CalendarFileError(
            path,
            number,
            f"{len(fields)} fields where at most 3 are expected; if the name contains the "
            "separator, put it in double quotes or use another separator",
        )
    day = _parse_date(path, number, fields[0])
    name = fields[1] if len(fields) > 1 else ""
    if not name:
        raise CalendarFileError(path, number, f"the holiday on {day} has no name; {_EXPECTED}")
    unit_code = fields[2] if len(fields) > 2 and fields[2] else None
    return RegionalHoliday(day, name, unit_code)


def _parse_date(path: str | Path, number: int, text: str) -> date:
    if match := _ISO_DATE.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DAY_FIRST_DATE.fullmatch(text):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    else:
        what = f"{text!r} is not a date" if text else "the date is missing"
        raise CalendarFileError(path, number, f"{what}; use YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY")
    try:
        return date(year, month, day)
    except ValueError:
        raise CalendarFileError(
            path, number, f"{text!r} is not a day of the calendar (day {day}, month {month})"
        ) from None


# ---------------------------------------------------------------------------------------------
# Storing the admin's file

extend(
    {
        "calendar.need_admin": (
            "Hanya admin yang boleh mengubah hari libur daerah: itu menggeser batas waktu "
            "(Anda: {role}).",
            "Only an admin may change regional holidays: they move deadlines (you are: {role}).",
        )
    }
)


def store_regional_holidays(
    database: sqlite_utils.Database,
    actor: Actor | None,
    holidays_read: list[RegionalHoliday],
    *,
    source: Path,
    replace: bool = False,
    now: datetime | None = None,
) -> int:
    """Store regional holidays read from `source`; return how many.

    A regional holiday moves every legal deadline counted across it, so this is an admin's act
    (before a database has officers, the system's) and it is audited: `holidays_import` with
    the file's name and sha256, the days stored and whether the old ones were replaced. A
    refusal is audited too (`holidays_import_refused`). A unit the file names must exist.

    Raises:
        ActionRefused: the officer is not an admin.
        InvalidInput: the file names an unknown unit (nothing is stored).
    """
    import hashlib

    from db import audit, write_transaction
    from db.timefmt import to_text, utc_now
    from desk.errors import ActionRefused, InvalidInput
    from desk.i18n import role_label, t
    from desk.officers import may_keep_desk

    at = to_text(now or utc_now())
    try:
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
    except OSError:
        digest = None
    if not may_keep_desk(database, actor):
        audit.record(
            database,
            at=at,
            actor_nip=actor.nip if actor else None,
            action="holidays_import_refused",
            detail={"file": source.name, "sha256": digest},
        )
        role = role_label(actor.role.value) if actor else "-"
        raise ActionRefused(t("calendar.need_admin", role=role))
    with write_transaction(database):
        known_units = {row[0] for row in database.execute("SELECT code FROM units")}
        for holiday in holidays_read:
            if holiday.unit_code and holiday.unit_code not in known_units:
                raise InvalidInput(
                    t(
                        "cli.holidays.unknown_unit",
                        file=source,
                        unit=holiday.unit_code,
                        day=holiday.day,
                    )
                )
        removed = 0
        if replace:
            removed = database.execute("DELETE FROM regional_holidays").rowcount
        for holiday in holidays_read:
            database.execute(
                "INSERT INTO regional_holidays (day, name, unit_code) VALUES (?, ?, ?) "
                "ON CONFLICT DO UPDATE SET name = excluded.name",
                [holiday.day.isoformat(), holiday.name, holiday.unit_code],
            )
        audit.append(
            database,
            at=at,
            actor_nip=actor.nip if actor else None,
            action="holidays_import",
            detail={
                "file": source.name,
                "sha256": digest,
                "replace": replace,
                "removed": removed,
                "days": [[holiday.day.isoformat(), holiday.unit_code] for holiday in holidays_read],
            },
        )
    return len(holidays_read)
