"""The legal clocks of a case: which one runs after each action, and when it runs out.

Deadlines are computed once, when an action starts a clock, and stored on the case (`due_at`
for the officers' deadline, `auto_at` for the system's automatic move), so that the inbox can
sort and count overdue cases with an index instead of a calendar walk per row.

The deciding code (these clocks and `desk.services.plan_action`) reads the reference rows it
needs through `ReferenceData`, never through SQL of its own: the desk answers it from SQLite
(`SqliteReference`), the central server from its own store (docs/central-postgresql.md, 1.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeAlias

import sqlite_utils

from db.timefmt import from_text, to_text
from desk.calendar import WITA, WorkingCalendar, calendar_with
from desk.workflow import Action, Status

VERIFY_HK = 3  # receipt → disposition
FOLLOW_UP_HK = 5  # disposition or reporter's reply → follow-up
REPORTER_WINDOW_HK = 10  # follow-up without reply → closed automatically
HOLD_LIMIT_HK = 10  # on hold without new data → archived automatically (our rule)


class ReferenceData(Protocol):
    """The rows the deciding code reads, as plain answers: the rules stay with the caller."""

    def office_zone(self) -> str | None:
        """The office's `office_tz` setting; None when it has none."""
        ...

    def unit_zone(self, code: str) -> str | None:
        """The time zone of the unit with exactly this code; None when there is no such unit."""
        ...

    def holidays(self, unit: str | None) -> list[str]:
        """The regional holidays (ISO days) of `unit` and of all units."""
        ...

    def active_unit(self, code: str) -> str | None:
        """The code, as stored, of the active unit matching `code` in any case; else None."""
        ...

    def petugas_of(self, nip: str, unit: str | None) -> str | None:
        """`nip` when it is an active petugas of exactly `unit` (None: of no unit); else None."""
        ...

    def case_ref(self, reference: str | int) -> dict[str, Any] | None:
        """The case row `desk.services.find_case` finds for `reference`; None when none."""
        ...


class SqliteReference:
    """`ReferenceData` read from a desk (or central) SQLite database."""

    __slots__ = ("database",)

    def __init__(self, database: sqlite_utils.Database) -> None:
        self.database = database

    def office_zone(self) -> str | None:
        row = self.database.execute("SELECT value FROM settings WHERE key = 'office_tz'").fetchone()
        return str(row[0]) if row else None

    def unit_zone(self, code: str) -> str | None:
        row = self.database.execute("SELECT tz FROM units WHERE code = ?", [code]).fetchone()
        return str(row[0]) if row else None

    def holidays(self, unit: str | None) -> list[str]:
        rows = self.database.execute(
            "SELECT day FROM regional_holidays WHERE unit_code IS NULL OR unit_code = ?",
            [unit or ""],
        ).fetchall()
        return [day for (day,) in rows]

    def active_unit(self, code: str) -> str | None:
        row = self.database.execute(
            "SELECT code FROM units WHERE code = ? COLLATE NOCASE AND active = 1", [code]
        ).fetchone()
        return str(row[0]) if row else None

    def petugas_of(self, nip: str, unit: str | None) -> str | None:
        row = self.database.execute(
            "SELECT nip FROM officers WHERE nip = ? AND unit_code IS ? AND active = 1 "
            "AND role = 'petugas'",
            [nip, unit],
        ).fetchone()
        return str(row[0]) if row else None

    def case_ref(self, reference: str | int) -> dict[str, Any] | None:
        database = self.database
        if isinstance(reference, int):
            rows = list(database.query("SELECT * FROM cases WHERE id = ?", [reference]))
        else:
            text = reference.strip().lstrip("#")
            rows = list(
                database.query(
                    "SELECT * FROM cases WHERE tracking_no = ? OR local_id = ?", [text, text]
                )
            )
            if not rows and text[:2].upper() == "L-":
                rows = list(
                    database.query("SELECT * FROM cases WHERE provisional_no = ?", [text.upper()])
                )
        return rows[0] if rows else None


# The desk's callers pass their database; the central stores pass their own ReferenceData.
ReferenceSource: TypeAlias = "sqlite_utils.Database | ReferenceData"


def reference_of(source: ReferenceSource) -> ReferenceData:
    """`source` as `ReferenceData`: a SQLite database is read with `SqliteReference`."""
    if isinstance(source, sqlite_utils.Database):
        return SqliteReference(source)
    return source


@dataclass(frozen=True)
class ClockState:
    """The clock columns of a case."""

    due_at: str | None = None
    due_kind: str | None = None
    auto_at: str | None = None
    auto_kind: str | None = None
    # Verification HK still owed when the case was held; negative: it was that many days late.
    hold_remaining_hk: int | None = None

    def as_columns(self) -> dict[str, object]:
        return {
            "due_at": self.due_at,
            "due_kind": self.due_kind,
            "auto_at": self.auto_at,
            "auto_kind": self.auto_kind,
            "hold_remaining_hk": self.hold_remaining_hk,
        }


def office_time_zone(source: ReferenceSource) -> str:
    """The time zone of the receiving office (before a case has a unit, its clock runs there)."""
    zone = reference_of(source).office_zone()
    return WITA if zone is None else zone


def unit_time_zone(source: ReferenceSource, unit_code: str | None) -> str:
    reference = reference_of(source)
    if unit_code:
        zone = reference.unit_zone(unit_code)
        if zone is not None:
            return zone
    return office_time_zone(reference)


def calendar_for(source: ReferenceSource, unit_code: str | None) -> WorkingCalendar:
    """The working-day calendar of a unit: national holidays plus its regional ones."""
    days = reference_of(source).holidays(unit_code)
    return calendar_with(datetime.fromisoformat(day).date() for day in days)


def verification_clock(source: ReferenceSource, received_at: datetime) -> ClockState:
    """The clock of a newly received case: verify within 3 HK."""
    reference = reference_of(source)
    tz = office_time_zone(reference)
    deadline = calendar_for(reference, None).deadline(received_at, VERIFY_HK, tz)
    return ClockState(due_at=to_text(deadline), due_kind="verifikasi")


def clock_after(
    source: ReferenceSource,
    action: Action,
    case: dict[str, object],
    new_status: Status,
    unit_code: str | None,
    now: datetime,
) -> ClockState | None:
    """The clock state after `action`, or None when the action leaves the clocks alone.

    Only a hold and its end keep a clock that was running: a hold freezes the verification
    clock where it stands, late or not, and a resume or the reporter's completion runs it on
    from there. Every other action that sets a clock starts a fresh legal period, because the
    law starts one there (a disposition, a reporter's reply, a return or a restore that asks for
    a new decision) or ends the clock (a follow-up, a close, an archive): docs/workflow.md,
    "Clocks". The central server applies pushed operations through this same function.
    """
    reference = reference_of(source)

    def deadline(hk: int, unit: str | None) -> str:
        calendar = calendar_for(reference, unit)
        return to_text(calendar.deadline(now, hk, unit_time_zone(reference, unit)))

    if action in (Action.NOTE, Action.ASSIGN):
        return None
    if action in (Action.VERIFY, Action.DISPOSE, Action.REOPEN):
        return ClockState(deadline(FOLLOW_UP_HK, unit_code), "tindak_lanjut")
    if action is Action.HOLD:
        owed = VERIFY_HK
        if case.get("due_at"):
            # Negative when the case is already late: a pause stops the count, it does not
            # forgive the days missed (a case 102 HK late is 102 HK late when it comes back).
            owed = calendar_for(reference, None).frozen_at(
                from_text(str(case["due_at"])), now, office_time_zone(reference)
            )
        return ClockState(
            auto_at=deadline(HOLD_LIMIT_HK, None),
            auto_kind="arsip_otomatis",
            hold_remaining_hk=owed,
        )
    if action is Action.RESTORE:  # archived: the decision is owed again, from today
        return ClockState(deadline(VERIFY_HK, None), "verifikasi")
    if new_status is Status.BARU:  # resumed, or the reporter completed the data: the pause ends
        held = case.get("hold_remaining_hk")
        # N working days after today, today itself (0), or |N| working days before it: the
        # case reads again exactly what it read when it was held.
        owed = VERIFY_HK if held is None else int(str(held))
        return ClockState(deadline(owed, None), "verifikasi")
    if action is Action.RETURN:
        return ClockState(deadline(VERIFY_HK, None), "verifikasi")
    if action is Action.FOLLOW_UP:
        return ClockState(
            auto_at=deadline(REPORTER_WINDOW_HK, unit_code), auto_kind="tutup_otomatis"
        )
    if action is Action.REPORTER_REPLY:  # diproses → ditanggapi: the unit owes a new follow-up
        return ClockState(deadline(FOLLOW_UP_HK, unit_code), "tindak_lanjut")
    return ClockState()  # closed or archived: no clock runs


def days_left(source: ReferenceSource, case: dict[str, object], now: datetime) -> int | None:
    """Working days left on the case's running deadline (negative when overdue), or None.

    Read in the calendar and time zone the deadline was set in: the office's for verification,
    the unit's for a follow-up.
    """
    due_at = case.get("due_at")
    if not due_at:
        return None
    unit = (
        str(case["unit_code"])
        if case.get("due_kind") == "tindak_lanjut" and case.get("unit_code")
        else None
    )
    reference = reference_of(source)
    calendar = calendar_for(reference, unit)
    return calendar.days_left(from_text(str(due_at)), now, unit_time_zone(reference, unit))
