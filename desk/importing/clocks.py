"""The clocks of an imported case, and the units it names.

The rule (docs/import.md): a clock whose start the file gives runs from there; a clock whose start
it does not give starts at the import. A new `baru` case runs its verification clock from its
receipt (the file always gives that). For the later states the file usually gives only the
status; it may give the moment that status began (`updated_at` / "Tanggal Update"), else the
import is the start. So the unit gets the full legal period from the moment the case reached this
desk instead of hundreds of old cases turning overdue at once, and no case is left without the
clock its status needs.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlite_utils

from db.timefmt import from_text, to_text
from desk.calendar import WorkingCalendar
from desk.clocks import (
    FOLLOW_UP_HK,
    HOLD_LIMIT_HK,
    REPORTER_WINDOW_HK,
    VERIFY_HK,
    ClockState,
    calendar_for,
    office_time_zone,
)

_CODE = re.compile(r"[^A-Z0-9]+")


def _name_key(text: str) -> str:
    return " ".join(text.lower().split())


class Units:
    """The units of the database, found by code or by name; unknown ones created on demand."""

    def __init__(self, database: sqlite_utils.Database) -> None:
        self.database = database
        self.office_tz = office_time_zone(database)
        self.reload()

    def reload(self) -> None:
        self.tz: dict[str, str] = {}
        self.by_key: dict[str, str] = {}
        for code, name, tz in self.database.execute("SELECT code, name, tz FROM units"):
            self.tz[code] = tz
            self.by_key.setdefault(_name_key(code), code)
            self.by_key.setdefault(_name_key(name), code)

    def tz_by_key(self) -> dict[str, str]:
        """Every unit code and name (lower case, single spaces) with its time zone."""
        return {key: self.tz[code] for key, code in self.by_key.items()}

    def find(self, text: str | None) -> str | None:
        if not text:
            return None
        return self.by_key.get(_name_key(text))

    def tz_for(self, text: str | None) -> str:
        code = self.find(text)
        return self.tz[code] if code else self.office_tz  # a unit created later: the office's

    def create(self, text: str, name: str | None = None) -> str:
        """Add a unit named `text` (its code made from the text) in the current transaction."""
        base = _CODE.sub("-", text.upper()).strip("-")[:40].rstrip("-") or "UNIT"
        code, number = base, 1
        while code in self.tz:
            number += 1
            code = f"{base}-{number}"
        self.database.execute(
            "INSERT INTO units (code, name, tz) VALUES (?, ?, ?)",
            [code, (name or text).strip(), self.office_tz],
        )
        self.tz[code] = self.office_tz
        self.by_key[_name_key(text)] = code
        self.by_key.setdefault(_name_key(code), code)
        return code


class ImportClocks:
    """Deadlines per unit, with each unit's calendar looked up once per import."""

    def __init__(self, database: sqlite_utils.Database, units: Units) -> None:
        self.database = database
        self.units = units
        self._calendars: dict[str | None, WorkingCalendar] = {}
        self._zones: dict[str, ZoneInfo] = {}
        # A deadline depends only on the local day the clock starts: remembered per day.
        self._deadlines: dict[tuple[date, int, str | None], str] = {}
        self._by_text: dict[tuple[str, str | None, str], ClockState] = {}

    def _deadline(self, start: datetime, hk: int, unit: str | None) -> str:
        tz = self.units.tz.get(unit or "", self.units.office_tz)
        zone = self._zones.get(tz)
        if zone is None:
            zone = self._zones[tz] = ZoneInfo(tz)
        key = (start.astimezone(zone).date(), hk, unit)
        found = self._deadlines.get(key)
        if found is None:
            calendar = self._calendars.get(unit)
            if calendar is None:
                calendar = self._calendars[unit] = calendar_for(self.database, unit)
            found = self._deadlines[key] = to_text(calendar.deadline(start, hk, tz))
        return found

    def for_status_text(
        self, status: str, unit: str | None, received: str, start: str
    ) -> ClockState:
        """`for_status` from stored instants, remembered: a new `baru` case's clock depends on
        its receipt only, every other status's on when it began (most often the import)."""
        key = (status, unit, received if status == "baru" else start)
        found = self._by_text.get(key)
        if found is None:
            found = self.for_status(status, unit, from_text(received), from_text(start))
            if len(self._by_text) >= 100_000:
                self._by_text.clear()
            self._by_text[key] = found
        return found

    def for_status(
        self, status: str, unit: str | None, received: datetime, start: datetime
    ) -> ClockState:
        """The clock columns of a case in `status`; `start` is when that status began."""
        if status == "baru":
            return ClockState(self._deadline(received, VERIFY_HK, None), "verifikasi")
        if status == "tunda":  # how much verification time was left is unknown: all of it
            return ClockState(
                auto_at=self._deadline(start, HOLD_LIMIT_HK, None),
                auto_kind="arsip_otomatis",
                hold_remaining_hk=VERIFY_HK,
            )
        if status == "dikembalikan":
            return ClockState(self._deadline(start, VERIFY_HK, None), "verifikasi")
        if status in ("terverifikasi", "ditanggapi"):
            return ClockState(self._deadline(start, FOLLOW_UP_HK, unit), "tindak_lanjut")
        if status == "diproses":
            return ClockState(
                auto_at=self._deadline(start, REPORTER_WINDOW_HK, unit), auto_kind="tutup_otomatis"
            )
        return ClockState()  # selesai, diarsipkan: no clock runs
