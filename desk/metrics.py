"""Unit performance: what each unit (OPD) and the whole office did with the complaints of a period.

`compute_report` reads one period's cases (received in it, by the office's local dates) with their
clock instants in one SQL pass, then turns instants into working days (HK) on each unit's
calendar with precomputed working-day ordinals, so that HK between two instants is a subtraction.
`docs/metrics.md` defines every figure and the ranking rule, and says why.

Only aggregate figures leave this module: counts, shares, medians and, for the oldest unanswered
case, its tracking number (never a title, a text or anything about the reporter).
"""

from __future__ import annotations

import os
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from db.inbox import OVERDUE_STATUSES, UNIT_CLOCKED
from db.timefmt import to_text
from desk import report_texts as _texts  # noqa: F401  (registers the texts)
from desk.calendar import WorkingCalendar, calendar_with
from desk.clocks import FOLLOW_UP_HK, VERIFY_HK, office_time_zone
from desk.errors import InvalidInput

__all__ = [
    "ACTIVE_DAYS",
    "DEFAULT_MIN_CASES",
    "DISTRIBUTION_BUCKETS",
    "Period",
    "PeriodError",
    "Report",
    "UnitMetrics",
    "WeekPoint",
    "compute_report",
    "fork_pays",
    "parse_period",
    "preset_period",
]

DEFAULT_MIN_CASES = 10  # below this many cases in the period a unit is listed, not ranked
ACTIVE_DAYS = 30  # "active": an officer of the unit acted in this many days before now
# Time to first follow-up, in HK: (label, lowest, highest); None = no upper bound.
DISTRIBUTION_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2", 2, 2),
    ("3", 3, 3),
    ("4", 4, 4),
    ("5", 5, 5),
    ("6-10", 6, 10),
    ("11-20", 11, 20),
    (">20", 21, None),
)
OPEN = ("baru", "tunda", "terverifikasi", "dikembalikan", "diproses", "ditanggapi")
UNIT_OPEN = ("terverifikasi", "diproses", "ditanggapi")
UNIT_CLOCK = UNIT_CLOCKED  # statuses in which the unit's 5 HK clock runs
# Timeline kinds that pause the verification clock and that end a pause (for one case's age).
PAUSE_STARTS = frozenset({"hold", "archive", "auto_archive"})
PAUSE_ENDS = frozenset({"resume", "reporter_reply", "restore"})
_EPOCH = date(1970, 1, 1)
_DAY = 86_400


class PeriodError(InvalidInput):
    """A period the report cannot read; the message says how to write one."""


@dataclass(frozen=True)
class Period:
    """Local dates of the office, both ends included."""

    start: date
    end: date
    label: str

    def bounds(self, tz: str) -> tuple[str, str]:
        """The period as UTC instants [from, to) for `received_at`, from the office's midnights."""
        zone = ZoneInfo(tz)
        low = datetime.combine(self.start, time(0), tzinfo=zone)
        high = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone)
        return to_text(low), to_text(high)


_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})-[Qq]([1-4])")
_YEAR = re.compile(r"(\d{4})")
_RANGE = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})\.\.(\d{4}-\d{1,2}-\d{1,2})")
PRESETS = ("month", "last-month", "quarter", "year")


def _month(year: int, month: int) -> Period:
    start = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(start, following - timedelta(days=1), f"{year:04d}-{month:02d}")


def _quarter(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    end = _month(year, 3 * quarter).end
    return Period(start, end, f"{year:04d}-Q{quarter}")


def preset_period(name: str, today: date) -> Period:
    """This month, last month, this quarter or this year, as of `today` (a local date)."""
    if name == "month":
        return _month(today.year, today.month)
    if name == "last-month":
        last = today.replace(day=1) - timedelta(days=1)
        return _month(last.year, last.month)
    if name == "quarter":
        return _quarter(today.year, (today.month - 1) // 3 + 1)
    if name == "year":
        return Period(date(today.year, 1, 1), date(today.year, 12, 31), f"{today.year:04d}")
    raise PeriodError(_period_help(name))


def _period_help(text: str) -> str:
    from desk.i18n import t

    return t("report.bad_period", value=text)


def parse_period(text: str, today: date) -> Period:
    """`2026-11`, `2026-Q4`, `2026`, `2026-10-01..2026-10-15` or a preset name (`PRESETS`)."""
    value = text.strip()
    try:
        if value in PRESETS:
            return preset_period(value, today)
        if match := _RANGE.fullmatch(value):
            start, end = (date.fromisoformat(_padded(part)) for part in match.groups())
            if end < start:
                raise PeriodError(_period_help(text))
            return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")
        if match := _QUARTER.fullmatch(value):
            return _quarter(int(match[1]), int(match[2]))
        if match := _MONTH.fullmatch(value):
            return _month(int(match[1]), int(match[2]))
        if match := _YEAR.fullmatch(value):
            year = int(match[1])
            return Period(date(year, 1, 1), date(year, 12, 31), f"{year:04d}")
    except ValueError:  # month 13, day 31 of a short month, year 0
        raise PeriodError(_period_help(text)) from None
    raise PeriodError(_period_help(text))


def _padded(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


# ---------------------------------------------------------------------------------------------
# Working days as ordinals


class _DayScale:
    """Local days of one time zone and working-day ordinals of one calendar, as plain integers.

    `ordinal(day)` is the number of working days before `day`; a working day's own ordinal is its
    position. HK from a clock's start to an action = ordinal(action day) - ordinal(start day):
    exactly the rule of `WorkingCalendar.deadline` (a clock started on a non-working day counts
    from the next working day; an action on a weekend counts as done on the next working day),
    so "within N HK" here is "on or before the deadline" there.
    """

    def __init__(self, calendar: WorkingCalendar, tz: str, first: int, last: int) -> None:
        self.calendar = calendar
        self.zone = ZoneInfo(tz)
        self.first = first  # epoch days covered by the table
        self.last = last
        self.offset, self.usual_offset = self._offsets()
        count = 0
        table: list[int] = []
        for day in range(first, last + 1):
            table.append(count)
            if calendar.is_working_day(_EPOCH + timedelta(days=day)):
                count += 1
        self.table = table

    def _offsets(self) -> tuple[int | None, int]:
        """(the zone's one offset or None, its most common offset), in seconds, over the span.

        Indonesia's zones have had one offset since 1988: then a local day is integer arithmetic,
        in Python and in SQL alike. A zone with daylight saving (a misconfigured unit) gets the
        exact conversion in Python and its most common offset in the SQL: a day off at most
        for instants within an hour of midnight around a change.
        """
        seen = Counter(
            int(moment.total_seconds())
            for day in range(self.first, self.last + 1, 7)
            if (
                moment := datetime.combine(
                    _EPOCH + timedelta(days=day), time(12), tzinfo=self.zone
                ).utcoffset()
            )
            is not None
        )
        usual = seen.most_common(1)[0][0] if seen else 0
        return (usual if len(seen) == 1 else None), usual

    def day(self, epoch_seconds: int) -> int:
        """The local date of an instant, as days since 1970-01-01."""
        if self.offset is not None:
            return (epoch_seconds + self.offset) // _DAY
        local = datetime.fromtimestamp(epoch_seconds, UTC).astimezone(self.zone).date()
        return (local - _EPOCH).days

    def ordinal(self, day: int) -> int:
        if self.first <= day <= self.last:
            return self.table[day - self.first]
        # Outside the table (odd imported dates): ask the calendar itself.
        # Working days in [first, day): working_days_between counts (start, end].
        before_first = _EPOCH + timedelta(days=self.first - 1)
        return self.calendar.working_days_between(before_first, _EPOCH + timedelta(days=day - 1))

    def hk(self, start: int, end: int) -> int:
        """Working days from instant `start` to instant `end` (epoch seconds), never negative."""
        return max(0, self.ordinal(self.day(end)) - self.ordinal(self.day(start)))


# ---------------------------------------------------------------------------------------------
# Results


@dataclass
class UnitMetrics:
    """The figures of one unit (or of the office, code ""), for the period and now."""

    code: str
    name: str
    tz: str
    received: int = 0
    verified: int = 0  # verified (disposed) at least once
    verify_decided: int = 0  # verified, or still unverified past its 3 HK
    verified_in_time: int = 0
    verify_hk: list[int] = field(default_factory=list, repr=False)
    followed_up: int = 0  # at least one follow-up (tindak lanjut)
    follow_up_decided: int = 0  # followed up, or still unanswered past its 5 HK
    followed_up_in_time: int = 0
    follow_up_hk: list[int] = field(default_factory=list, repr=False)
    closed: int = 0
    in_process: int = 0
    archived: int = 0
    unanswered: int = 0  # no follow-up at all
    unresolved: int = 0  # not closed (and not archived)
    returns: int = 0  # returned as Bukan Wewenang (by this unit)
    bounced: int = 0  # returned more than once (this unit among the returners)
    reporter_replies: int = 0
    ratings: list[int] = field(default_factory=list, repr=False)
    open_now: int = 0
    overdue_now: int = 0
    oldest_unanswered: str | None = None  # tracking number (never a title)
    oldest_unanswered_hk: int | None = None
    last_action_at: str | None = None
    active: bool = False
    rank: int | None = None

    # Shares are None when their denominator is 0: "no cases" is not "0 %".
    @staticmethod
    def _share(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def verified_in_time_pct(self) -> float | None:
        return self._share(self.verified_in_time, self.verify_decided)

    @property
    def followed_up_pct(self) -> float | None:
        return self._share(self.followed_up, self.received)

    @property
    def followed_up_in_time_pct(self) -> float | None:
        return self._share(self.followed_up_in_time, self.follow_up_decided)

    @property
    def closed_pct(self) -> float | None:
        return self._share(self.closed, self.received)

    @property
    def in_process_pct(self) -> float | None:
        return self._share(self.in_process, self.received)

    @property
    def median_verify_hk(self) -> float | None:
        return _median(self.verify_hk)

    @property
    def median_follow_up_hk(self) -> float | None:
        return _median(self.follow_up_hk)

    @property
    def median_rating(self) -> float | None:
        return _median(self.ratings)

    @property
    def ranked(self) -> bool:
        return self.rank is not None

    def ranking_key(self) -> tuple[Fraction, Fraction, Fraction]:
        """Smaller is better: within 5 HK, then followed up at all, then the median HK."""
        in_time = (
            Fraction(self.followed_up_in_time, self.follow_up_decided)
            if self.follow_up_decided
            else Fraction(0)
        )
        followed = Fraction(self.followed_up, self.received) if self.received else Fraction(0)
        median = _median_fraction(self.follow_up_hk)
        return (-in_time, -followed, median if median is not None else Fraction(10**9))

    def as_dict(self) -> dict[str, Any]:
        """Every figure, numbers as numbers (JSON, CSV, XLSX)."""
        return {
            "unit": self.code or None,
            "name": self.name,
            "rank": self.rank,
            "received": self.received,
            "verified": self.verified,
            "verified_within_3hk": self.verified_in_time,
            "verified_within_3hk_of": self.verify_decided,
            "verified_within_3hk_pct": self.verified_in_time_pct,
            "median_hk_to_verification": self.median_verify_hk,
            "followed_up": self.followed_up,
            "followed_up_pct": self.followed_up_pct,
            "followed_up_within_5hk": self.followed_up_in_time,
            "followed_up_within_5hk_of": self.follow_up_decided,
            "followed_up_within_5hk_pct": self.followed_up_in_time_pct,
            "median_hk_to_first_follow_up": self.median_follow_up_hk,
            "closed": self.closed,
            "closed_pct": self.closed_pct,
            "in_process": self.in_process,
            "in_process_pct": self.in_process_pct,
            "archived": self.archived,
            "unanswered": self.unanswered,
            "unresolved": self.unresolved,
            "returns_bukan_wewenang": self.returns,
            "bounced_more_than_once": self.bounced,
            "reporter_replies": self.reporter_replies,
            "ratings": len(self.ratings),
            "median_rating": self.median_rating,
            "open_now": self.open_now,
            "overdue_now": self.overdue_now,
            "oldest_unanswered": self.oldest_unanswered,
            "oldest_unanswered_hk": self.oldest_unanswered_hk,
            "last_action_at": self.last_action_at,
            "active_last_30_days": self.active,
        }


@dataclass(frozen=True)
class WeekPoint:
    """One week (Monday first, office dates): cases received, and how many of those followed up."""

    week_start: date
    received: int
    followed_up: int


@dataclass
class Report:
    period: Period
    generated_at: str
    office_tz: str
    min_cases: int
    office: UnitMetrics
    units: list[UnitMetrics]  # ranked first (by rank), then the rest by cases received
    weekly: list[WeekPoint]
    distribution: list[tuple[str, int]]  # time to first follow-up, plus ("unanswered", n)
    unit_filter: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": {
                "label": self.period.label,
                "from": self.period.start.isoformat(),
                "to": self.period.end.isoformat(),
                "time_zone": self.office_tz,
            },
            "generated_at": self.generated_at,
            "unit": self.unit_filter,
            "ranking": {
                "min_cases": self.min_cases,
                "criteria": [
                    "followed_up_within_5hk_pct (higher first)",
                    "followed_up_pct (higher first)",
                    "median_hk_to_first_follow_up (lower first)",
                ],
                "ties": "equal on all three: same rank",
            },
            "office": self.office.as_dict(),
            "units": [unit.as_dict() for unit in self.units],
            "weekly": [
                {
                    "week_start": point.week_start.isoformat(),
                    "received": point.received,
                    "followed_up": point.followed_up,
                }
                for point in self.weekly
            ],
            "follow_up_distribution": [
                {"hk": label, "cases": count} for label, count in self.distribution
            ],
        }


def _median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _median_fraction(values: Sequence[int]) -> Fraction | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


# ---------------------------------------------------------------------------------------------
# Computing
#
# Everything per case happens inside SQLite, in one pass over the period's cases and their clock
# instants (case_clocks, which triggers on the timeline keep: schema_v6.sql; folding the events
# here instead cost ~3.6 s of a year's 5.6 s on a million cases): instants become local days by
# integer arithmetic (Indonesia's zones have fixed offsets), local days become working-day
# ordinals by a rowid lookup in a small temporary table, and HK is a subtraction. Each case comes
# out as four small integers, one per concern (its state, HK to verify, HK to follow up, received
# day), each packing the unit; Python counts equal integers in C and decodes a few thousand
# keys, never a row per case. The period is read on a second connection while this one takes
# the "now" figures: SQLite runs each query without holding Python's GIL.

_PAUSE_START = "e.to_status IN ('tunda', 'diarsipkan') AND e.from_status = 'baru'"
_PAUSE_END = "e.from_status IN ('tunda', 'diarsipkan') AND e.to_status = 'baru'"
# A day's row in temp.metrics_days is scale * _SCALE_SPAN + local day: a rowid lookup.
_SCALE_SPAN = 1 << 20  # more local days than any calendar needs (epoch day 2026 ≈ 20,500)
_OFFICE_ORDINAL = "(SELECT ordinal FROM temp.metrics_days WHERE id = ({} + :office_offset) / 86400)"
_UNIT_ORDINAL = (
    "(SELECT ordinal FROM temp.metrics_days "
    f"WHERE id = unit_scale * {_SCALE_SPAN} + ({{}} + unit_offset) / 86400)"
)
_HELD = "('terverifikasi', 'diproses', 'ditanggapi', 'selesai')"
# Working days a case spent paused before verification: the office ordinals of its resumptions
# less those of its pauses. One pause and one resumption (most paused cases) are in case_clocks;
# more are read from the timeline, with the kinds whose events case_clocks counts (schema_v6.sql).
_PAUSED_HK = f"""CASE WHEN pause_starts = 1
    THEN {_OFFICE_ORDINAL.format("last_resume")} - {_OFFICE_ORDINAL.format("first_pause")}
    ELSE (SELECT coalesce(sum(CASE WHEN {_PAUSE_END} THEN 1 ELSE -1 END
                        * {_OFFICE_ORDINAL.format("unixepoch(e.at)")}), 0)
    FROM events AS e
    WHERE e.case_id = kc.id
      AND e.kind IN ('verify', 'dispose', 'follow_up', 'return', 'reporter_reply', 'hold',
                     'resume', 'archive', 'restore', 'auto_archive')
      AND (({_PAUSE_START}) OR ({_PAUSE_END}))) END"""
_GROUPS_SQL = f"""
WITH folded AS (
    -- Each case's clock instants come from case_clocks, kept by triggers on the timeline
    -- (schema_v6.sql): no pass over the events here.
    SELECT c.id AS id, c.unit_code AS unit_code, c.status AS status, c.rating AS rating,
           c.due_at IS NOT NULL AND c.due_at < :now AS overdue,
           unixepoch(c.received_at) AS received,
           k.verified AS verified,
           k.disposed AS disposed,
           k.followed AS followed,
           k.returners AS returners,
           coalesce(k.replies, 0) AS replies,
           coalesce(k.pause_starts, 0) AS pause_starts,
           coalesce(k.pause_ends, 0) AS pause_ends,
           k.first_pause AS first_pause,
           k.last_resume AS last_resume
    FROM cases AS c
    LEFT JOIN case_clocks AS k ON k.case_id = c.id
    WHERE c.received_at >= :low AND c.received_at < :high
),
-- Each case as four small integers, each packing the figures of one concern (see _gather): its
-- state (unit, status, flags, rating, replies), with the units that returned it appended as text
-- when there are any; its unit and HK to verification; its unit and HK to the first follow-up;
-- its received day and unit. Python counts equal keys (Counter, in C) rather than SQLite sorting
-- every case for a GROUP BY; few cases share a whole profile, but many share each concern, so
-- Python decodes thousands of keys, not a key per case.
keyed AS (
    -- The unit in the keys is the one holding the case (past verification), or none.
    SELECT f.*, coalesce(u.idx, :no_unit) AS unit_idx,
           u.scale AS unit_scale, u.offset AS unit_offset
    FROM folded AS f
    LEFT JOIN temp.metrics_units AS u ON u.code = f.unit_code AND f.status IN {_HELD}
)
SELECT
    CASE WHEN returners IS NULL THEN state ELSE state || ':' || returners END,
    verify_key, follow_key, day_key
FROM (
    SELECT returners,
        (((((unit_idx * 8
            + CASE status WHEN 'baru' THEN 0 WHEN 'tunda' THEN 1 WHEN 'terverifikasi' THEN 2
                   WHEN 'dikembalikan' THEN 3 WHEN 'diproses' THEN 4 WHEN 'ditanggapi' THEN 5
                   WHEN 'selesai' THEN 6 ELSE 7 END) * 2
           + overdue) * 2 + (verified IS NOT NULL)) * 2 + (followed IS NOT NULL)) * 8
         + coalesce(rating, 0)) * 16 + min(replies, 15) AS state,
        -- NULL when not verified or when a day falls outside the calendar's table.
        CASE WHEN verified IS NOT NULL THEN unit_idx * 4096 + min(4094, max(0,
            {_OFFICE_ORDINAL.format("verified")} - {_OFFICE_ORDINAL.format("received")}
            - CASE WHEN pause_starts > 0 AND pause_starts = pause_ends
                   THEN {_PAUSED_HK} ELSE 0 END)) END AS verify_key,
        -- HK packed as HK + 1 (0: none), then whether followed up at all.
        (unit_idx * 4096
         + CASE WHEN status IN {_HELD} AND followed IS NOT NULL AND disposed IS NOT NULL
                THEN coalesce(min(4094, max(0, {_UNIT_ORDINAL.format("followed")}
                                               - {_UNIT_ORDINAL.format("disposed")})) + 1, 0)
                ELSE 0 END) * 2 + (followed IS NOT NULL) AS follow_key,
        -- The weekly trend's share: the received day (office dates), unit and follow-up.
        ((received + :office_offset) / 86400 * (:no_unit + 1) + unit_idx) * 2
         + (followed IS NOT NULL) AS day_key
    FROM keyed AS kc
)
"""
_Day = tuple[int, str | None, int, int]  # (day, unit or None, cases, of which followed up)


@dataclass
class _Counts:
    """The period's cases counted by each key of _GROUPS_SQL (one part of the period, or all)."""

    states: Counter[int | str] = field(default_factory=Counter)
    verifies: Counter[int] = field(default_factory=Counter)
    follows: Counter[int] = field(default_factory=Counter)
    days: Counter[int] = field(default_factory=Counter)

    def add(self, other: _Counts) -> None:
        self.states.update(other.states)
        self.verifies.update(other.verifies)
        self.follows.update(other.follows)
        self.days.update(other.days)


@dataclass
class _Setup:
    """What every connection needs to run the period's queries."""

    scales: list[_DayScale]
    unit_scales: dict[str, _DayScale]
    parameters: dict[str, object]


def compute_report(
    database: sqlite_utils.Database,
    period: Period,
    *,
    now: datetime,
    min_cases: int = DEFAULT_MIN_CASES,
    unit: str | None = None,
    parallel: bool = True,
    splits: int = 1,
    child_process: bool = False,
) -> Report:
    """The report of `period` as of `now`; `unit` narrows the rows, trend and distribution.

    `parallel`: read the period's cases on another connection to the same file (a file database
    only) while this one takes the "now" figures; `splits`: cut the period into that many parts
    (1 or 2), each on its own connection. Two parts on threads cost more than one: every row
    the query returns needs Python's lock, and two threads pass it to and fro (bench/README.md).
    `child_process`: read the later half in a forked process instead, which runs beside this one
    on another core; only for a caller with no other threads (the CLI): forking copies a
    process's state, not its other threads, whose locks may be held at that moment.

    Raises:
        InvalidInput: `unit` is not a unit of this database, or `min_cases` is negative.
    """
    from desk.i18n import t

    if min_cases < 0:
        raise InvalidInput(t("report.bad_min_cases", value=min_cases))
    office_tz = office_time_zone(database)
    units = {
        code: (name, tz)
        for code, name, tz in database.execute("SELECT code, name, tz FROM units ORDER BY code")
    }
    if unit is not None:
        match = next((code for code in units if code.casefold() == unit.casefold()), None)
        if match is None:
            raise InvalidInput(t("report.unknown_unit", code=unit))
        unit = match
    now_epoch = int(now.timestamp())
    low, high = period.bounds(office_tz)
    holidays = _regional_holidays(database)
    first_day = (period.start - _EPOCH).days - 2
    last_day = max((period.end - _EPOCH).days, now_epoch // _DAY) + 2
    scales: dict[tuple[frozenset[date], str], _DayScale] = {}

    def scale_for(code: str | None, tz: str) -> _DayScale:
        days = frozenset(day for day, owner in holidays if owner is None or owner == code)
        key = (days, tz)
        if key not in scales:
            scales[key] = _DayScale(calendar_with(days), tz, first_day, last_day)
        return scales[key]

    office_scale = scale_for(None, office_tz)  # scale 0: the first one made
    unit_scales = {code: scale_for(code, tz) for code, (_name, tz) in units.items()}
    setup = _Setup(
        list(scales.values()),
        unit_scales,
        {"now": to_text(now), "office_offset": office_scale.usual_offset},
    )
    office = UnitMetrics("", "", office_tz)
    rows = {code: UnitMetrics(code, name, tz) for code, (name, tz) in units.items()}
    path = _file_of(database) if parallel else None
    if path is None:
        counts = _groups(database, setup, low, high)
        _snapshot(database, now, office, rows, office_scale, unit_scales)
    else:
        ranges = [(low, high)]
        if splits > 1 or child_process:
            middle = _middle(database, low, high)
            ranges = [(low, middle), (middle, high)]
        # Started first, before this process has threads of its own.
        child = _groups_in_child(path, setup, *ranges.pop()) if child_process else None
        with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
            parts = [
                pool.submit(_on_connection, path, _groups, setup, start, end)
                for start, end in ranges
            ]
            # Meanwhile, on this thread's connection: the "now" figures.
            _snapshot(database, now, office, rows, office_scale, unit_scales)
            counts = _Counts()
            for part in parts:
                counts.add(part.result())
        if child is not None:
            counts.add(child())
    codes = list(unit_scales)
    focus = _gather(counts, codes, office, rows, unit)
    ranked = _rank(list(rows.values()), min_cases)
    if unit is not None:
        ranked = [row for row in ranked if row.code == unit]
    return Report(
        period=period,
        generated_at=to_text(now),
        office_tz=office_tz,
        min_cases=min_cases,
        office=office,
        units=ranked,
        weekly=_weekly(_days(counts.days, codes), period, unit),
        distribution=_distribution(focus),
        unit_filter=unit,
    )


def _file_of(database: sqlite_utils.Database) -> str | None:
    row = database.execute("PRAGMA database_list").fetchone()
    return str(row[2]) if row is not None and row[2] else None


def _middle(database: sqlite_utils.Database, low: str, high: str) -> str:
    """The received_at that halves the period's cases (two halves of equal work)."""
    count = database.execute(
        "SELECT count(*) FROM cases WHERE received_at >= ? AND received_at < ?", [low, high]
    ).fetchone()[0]
    row = database.execute(
        "SELECT received_at FROM cases WHERE received_at >= ? AND received_at < ? "
        "ORDER BY received_at LIMIT 1 OFFSET ?",
        [low, high, count // 2],
    ).fetchone()
    return str(row[0]) if row is not None else high


def fork_pays(period: Period) -> bool:
    """Whether `compute_report(child_process=True)` should pay for `period` here: a second core,
    `fork`, and more than a month (starting a process costs more than half a month's read)."""
    import multiprocessing

    return (
        (period.end - period.start).days > 31
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


def _groups_in_child(path: str, setup: _Setup, low: str, high: str) -> Callable[[], _Counts]:
    """Start counting [low, high) in a forked process; return what waits for its counts.

    The child inherits `setup` (nothing to send) and sends back a few thousand counted keys. If
    it fails, the part is counted here after all: a report never depends on forking.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def run() -> None:
        try:
            sender.send(_on_connection(path, _groups, setup, low, high))
        except BaseException:  # whatever it was, the parent counts this part itself
            sender.send(None)
        finally:
            # Straight out: no flushing of streams or other clean-up that could wait on a lock
            # some thread of the parent held when it forked.
            os._exit(0)

    process = context.Process(target=run, daemon=True)
    process.start()
    sender.close()

    def result() -> _Counts:
        try:
            counts = receiver.recv()
        except EOFError:
            counts = None
        finally:
            receiver.close()
            process.join()
        if isinstance(counts, _Counts):
            return counts
        recount: _Counts = _on_connection(path, _groups, setup, low, high)
        return recount

    return result


def _on_connection(path: str, job: Any, *arguments: Any) -> Any:
    from db import open_database

    database = open_database(path, migrate=False)
    try:
        return job(database, *arguments)
    finally:
        database.conn.close()


def _load_scales(database: sqlite_utils.Database, setup: _Setup) -> None:
    """The working-day ordinals and each unit's scale, as temporary tables for the SQL."""
    for table in ("metrics_days", "metrics_units"):
        database.execute(f"DROP TABLE IF EXISTS temp.{table}")
    database.execute(
        "CREATE TEMP TABLE metrics_days (id INTEGER PRIMARY KEY, ordinal INTEGER NOT NULL)"
    )
    database.execute(
        "CREATE TEMP TABLE metrics_units "
        "(code TEXT PRIMARY KEY, scale INTEGER, offset INTEGER, idx INTEGER)"
    )
    number = {id(scale): index for index, scale in enumerate(setup.scales)}
    database.conn.executemany(
        "INSERT INTO temp.metrics_days VALUES (?, ?)",
        (
            (number[id(scale)] * _SCALE_SPAN + scale.first + index, ordinal)
            for scale in setup.scales
            for index, ordinal in enumerate(scale.table)
        ),
    )
    database.conn.executemany(
        "INSERT INTO temp.metrics_units VALUES (?, ?, ?, ?)",
        (
            (code, number[id(scale)], scale.usual_offset, index)
            for index, (code, scale) in enumerate(setup.unit_scales.items())
        ),
    )


def _groups(database: sqlite_utils.Database, setup: _Setup, low: str, high: str) -> _Counts:
    """The period's cases [low, high) counted by the figures they feed, and by received day."""
    _load_scales(database, setup)
    try:
        cursor = database.execute(
            _GROUPS_SQL,
            {**setup.parameters, "low": low, "high": high, "no_unit": len(setup.unit_scales)},
        )
        rows = cursor.fetchall()
    finally:
        for table in ("metrics_days", "metrics_units"):
            database.execute(f"DROP TABLE IF EXISTS temp.{table}")
    verifies = Counter(map(itemgetter(1), rows))
    del verifies[None]  # not verified, or a day outside the calendar
    return _Counts(
        states=Counter(map(itemgetter(0), rows)),
        verifies=verifies,
        follows=Counter(map(itemgetter(2), rows)),
        days=Counter(map(itemgetter(3), rows)),
    )


def _days(by_day: Counter[int], codes: list[str]) -> list[_Day]:
    """The day keys of _GROUPS_SQL as (day, unit, received, followed up)."""
    days: dict[tuple[int, str | None], list[int]] = {}
    for day_key, count in by_day.items():
        rest, followed = divmod(day_key, 2)
        day, unit_index = divmod(rest, len(codes) + 1)
        totals = days.setdefault(
            (day, codes[unit_index] if unit_index < len(codes) else None), [0, 0]
        )
        totals[0] += count
        totals[1] += count if followed else 0
    return [(day, code, received, followed) for (day, code), (received, followed) in days.items()]


_STATUSES = (
    "baru",
    "tunda",
    "terverifikasi",
    "dikembalikan",
    "diproses",
    "ditanggapi",
    "selesai",
    "diarsipkan",
)


def _gather(
    counts: _Counts,
    codes: list[str],
    office: UnitMetrics,
    rows: dict[str, UnitMetrics],
    focus_unit: str | None,
) -> Counter[int | None]:
    """Fill the per-unit and office figures from the counts; return the focus's follow-up HKs.

    The returned counter holds HK to first follow-up (None: not followed up yet) of the cases a
    unit holds: all units', or only `focus_unit`'s. The unit in every key is the unit holding
    the case (past verification), or none; the office counts every case.
    """

    def targets(unit_index: int) -> tuple[tuple[UnitMetrics, ...], UnitMetrics | None]:
        row = rows.get(codes[unit_index]) if unit_index < len(codes) else None
        return ((office,) if row is None else (office, row)), row

    for key, count in counts.states.items():
        returners: str | None = None
        if isinstance(key, str):
            number, returners = key.split(":", 1)
            key = int(number)
        key, replies = divmod(key, 16)
        key, rating = divmod(key, 8)
        key, followed = divmod(key, 2)
        key, verified = divmod(key, 2)
        key, overdue = divmod(key, 2)
        unit_index, status_index = divmod(key, 8)
        status = _STATUSES[status_index]
        held_by, row = targets(unit_index)
        for target in held_by:
            target.received += count
            target.reporter_replies += replies * count
            if verified:
                target.verified += count
            elif status == "baru" and overdue:
                target.verify_decided += count  # still waiting past its deadline: a miss
            if followed:
                target.followed_up += count
            elif row is not None and status in UNIT_CLOCK and overdue:
                target.follow_up_decided += count  # the unit's 5 HK passed unanswered: a miss
            if rating:
                target.ratings.extend([rating] * count)
            if status == "selesai":
                target.closed += count
            elif status == "diarsipkan":
                target.archived += count
            else:
                target.in_process += count
                target.unresolved += count
            if not followed and status != "diarsipkan":
                target.unanswered += count
        if returners:
            returned_by = returners.split()
            office.returns += len(returned_by) * count
            for returner in returned_by:
                if returner in rows:
                    rows[returner].returns += count
            if len(returned_by) > 1:
                office.bounced += count
                for returner in set(returned_by):
                    if returner in rows:
                        rows[returner].bounced += count
    for key, count in counts.verifies.items():
        unit_index, verify_hk = divmod(key, 4096)
        for target in targets(unit_index)[0]:
            target.verify_decided += count
            target.verify_hk.extend([verify_hk] * count)
            if verify_hk <= VERIFY_HK:
                target.verified_in_time += count
    focus: Counter[int | None] = Counter()
    for key, count in counts.follows.items():
        key, followed = divmod(key, 2)
        unit_index, follow = divmod(key, 4096)
        follow_hk = follow - 1 if follow else None
        held_by, row = targets(unit_index)
        if row is not None and (focus_unit is None or focus_unit == row.code):
            focus[follow_hk if followed else None] += count
        if follow_hk is None:
            continue
        for target in held_by:
            target.follow_up_decided += count
            target.follow_up_hk.extend([follow_hk] * count)
            if follow_hk <= FOLLOW_UP_HK:
                target.followed_up_in_time += count
    for target in (office, *rows.values()):
        target.verify_hk.sort()
        target.follow_up_hk.sort()
        target.ratings.sort()
    return focus


def _weekly(days: list[_Day], period: Period, unit: str | None) -> list[WeekPoint]:
    """Cases received per week (Monday first, office dates), and how many are followed up."""
    received: Counter[int] = Counter()
    followed: Counter[int] = Counter()
    for day, code, count, answered in days:
        if unit is not None and code != unit:
            continue
        week = day - (day + 3) % 7  # back to Monday (1970-01-01 was a Thursday)
        received[week] += count
        followed[week] += answered
    first = (period.start - _EPOCH).days
    first -= (first + 3) % 7
    last = (period.end - _EPOCH).days
    return [
        WeekPoint(_EPOCH + timedelta(days=week), received[week], followed[week])
        for week in range(first, last + 1, 7)
    ]


def _distribution(focus: Counter[int | None]) -> list[tuple[str, int]]:
    """Time to first follow-up in DISTRIBUTION_BUCKETS, then the unanswered cases."""
    result = [
        (
            label,
            sum(
                n
                for hk, n in focus.items()
                if hk is not None and hk >= lo and (hi is None or hk <= hi)
            ),
        )
        for label, lo, hi in DISTRIBUTION_BUCKETS
    ]
    result.append(("unanswered", focus[None]))
    return result


def _regional_holidays(database: sqlite_utils.Database) -> list[tuple[date, str | None]]:
    return [
        (date.fromisoformat(day[:10]), owner or None)
        for day, owner in database.execute("SELECT day, unit_code FROM regional_holidays")
    ]


def _paused(pauses: str, until: int, scale: _DayScale) -> int:
    """HK spent on hold or archived before `until` (the first verification)."""
    steps = sorted(
        (int(moment), kind) for moment, kind in (item.split(":") for item in pauses.split())
    )
    total = 0
    started: int | None = None
    for moment, kind in steps:
        if moment > until:
            break
        if kind in PAUSE_STARTS and started is None:
            started = moment
        elif kind in PAUSE_ENDS and started is not None:
            total += scale.hk(started, moment)
            started = None
    return total


def _rank(rows: list[UnitMetrics], min_cases: int) -> list[UnitMetrics]:
    """Rank the units with at least `min_cases` cases; equal keys share a rank (1, 2, 2, 4)."""
    eligible = sorted(
        (row for row in rows if row.received >= max(1, min_cases)),
        key=lambda row: (row.ranking_key(), row.code),
    )
    previous: tuple[Fraction, Fraction, Fraction] | None = None
    for position, row in enumerate(eligible, start=1):
        key = row.ranking_key()
        row.rank = position if key != previous else eligible[position - 2].rank
        previous = key
    rest = sorted(
        (row for row in rows if row.rank is None), key=lambda row: (-row.received, row.code)
    )
    return eligible + rest


# ---------------------------------------------------------------------------------------------
# Now: open and overdue cases, the oldest unanswered one, activity


def _snapshot(
    database: sqlite_utils.Database,
    now: datetime,
    office: UnitMetrics,
    rows: dict[str, UnitMetrics],
    office_scale: _DayScale,
    unit_scales: dict[str, _DayScale],
) -> None:
    now_text = to_text(now)
    now_epoch = int(now.timestamp())
    marks = ", ".join("?" for _ in OPEN)
    # Overdue is db/inbox.py's `overdue_filter`, the inbox's "Lewat batas", status by status:
    # the office counts every running deadline, a unit only its own follow-up clock.
    for unit_code, status, count, overdue in database.execute(
        f"SELECT unit_code, status, count(*), sum(due_at IS NOT NULL AND due_at < ?) "
        f"FROM cases WHERE status IN ({marks}) GROUP BY unit_code, status",
        [now_text, *OPEN],
    ):
        office.open_now += count
        if status in OVERDUE_STATUSES:
            office.overdue_now += overdue
        row = rows.get(unit_code)
        if row is not None and status in UNIT_OPEN:
            row.open_now += count
            if status in UNIT_CLOCK:
                row.overdue_now += overdue
    # The oldest case a unit holds without any follow-up: its age since it was disposed there.
    for code, row in rows.items():
        found = database.execute(
            "SELECT c.id, coalesce(c.tracking_no, c.local_id), unixepoch(("
            "  SELECT max(e.at) FROM events AS e WHERE e.case_id = c.id"
            "  AND e.kind IN ('verify', 'dispose'))) "
            "FROM cases AS c WHERE c.unit_code = ? AND c.status = 'terverifikasi' "
            "ORDER BY c.received_at, c.id LIMIT 1",
            [code],
        ).fetchone()
        if found is not None and found[2] is not None:
            row.oldest_unanswered = str(found[1])
            row.oldest_unanswered_hk = unit_scales[code].hk(int(found[2]), now_epoch)
    # The office's: the oldest open case nobody has answered, aged from receipt, holds excluded.
    found = database.execute(
        "SELECT c.id, coalesce(c.tracking_no, c.local_id), unixepoch(c.received_at) "
        "FROM cases AS c WHERE c.status IN ('baru', 'terverifikasi', 'dikembalikan') "
        "ORDER BY c.received_at, c.id LIMIT 1"
    ).fetchone()
    if found is not None:
        pauses = database.execute(
            "SELECT group_concat(unixepoch(at) || ':' || kind, ' ') FROM events "
            "WHERE case_id = ? AND (kind IN ('hold', 'resume', 'archive', 'restore', "
            "'auto_archive') OR (kind = 'reporter_reply' AND from_status = 'tunda'))",
            [found[0]],
        ).fetchone()[0]
        age = office_scale.hk(int(found[2]), now_epoch)
        if pauses:
            age -= _paused(pauses, now_epoch, office_scale)
        office.oldest_unanswered = str(found[1])
        office.oldest_unanswered_hk = max(0, age)
    # Activity: any officer action by someone of the unit in the last ACTIVE_DAYS days. A case's
    # updated_at is its last event, so only recently updated cases can hold such events, and
    # reading them newest first can stop as soon as every unit with officers has been seen and
    # no older case can hold a later action (usually after a few hundred cases, not the month's
    # tens of thousands: 0.6 s on a million cases otherwise).
    cutoff = to_text(now - timedelta(days=ACTIVE_DAYS))
    staffed = {
        code
        for (code,) in database.execute(
            "SELECT DISTINCT unit_code FROM officers WHERE active = 1 AND role != 'pimpinan'"
        )
    }
    last_action: dict[str, str] = {}
    cursor = database.execute(
        # CROSS JOIN keeps SQLite on the updated_at index instead of scanning every event.
        "SELECT c.updated_at, o.unit_code, e.at FROM cases AS c "
        "CROSS JOIN events AS e ON e.case_id = c.id AND e.at >= :cutoff AND e.at <= :now "
        "CROSS JOIN officers AS o ON o.nip = e.actor_nip "
        "WHERE c.updated_at >= :cutoff AND e.actor_kind = 'officer' "
        "ORDER BY c.updated_at DESC",
        {"cutoff": cutoff, "now": now_text},
    )
    for updated, unit_code, at in cursor:
        if staffed <= last_action.keys() and updated < min(last_action.values()):
            break
        if at > last_action.get(unit_code, ""):
            last_action[unit_code] = at
    for unit_code, last in last_action.items():
        row = rows.get(unit_code)
        if row is not None:
            row.last_action_at = last
            row.active = True
        office.active = True
        if office.last_action_at is None or last > office.last_action_at:
            office.last_action_at = last
