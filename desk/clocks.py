"""The legal clocks of a case: which one runs after each action, and when it runs out.

Deadlines are computed once, when an action starts a clock, and stored on the case (`due_at`
for the officers' deadline, `auto_at` for the system's automatic move), so that the inbox can
sort and count overdue cases with an index instead of a calendar walk per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlite_utils

from db.timefmt import from_text, to_text
from desk.calendar import WITA, WorkingCalendar, calendar_with
from desk.workflow import Action, Status

VERIFY_HK = 3  # receipt → disposition
FOLLOW_UP_HK = 5  # disposition or reporter's reply → follow-up
REPORTER_WINDOW_HK = 10  # follow-up without reply → closed automatically
HOLD_LIMIT_HK = 10  # on hold without new data → archived automatically (our rule)


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


def office_time_zone(database: sqlite_utils.Database) -> str:
    """The time zone of the receiving office (before a case has a unit, its clock runs there)."""
    row = database.execute("SELECT value FROM settings WHERE key = 'office_tz'").fetchone()
    return str(row[0]) if row else WITA


def unit_time_zone(database: sqlite_utils.Database, unit_code: str | None) -> str:
    if unit_code:
        row = database.execute("SELECT tz FROM units WHERE code = ?", [unit_code]).fetchone()
        if row:
            return str(row[0])
    return office_time_zone(database)


def calendar_for(database: sqlite_utils.Database, unit_code: str | None) -> WorkingCalendar:
    """The working-day calendar of a unit: national holidays plus its regional ones."""
    rows = database.execute(
        "SELECT day FROM regional_holidays WHERE unit_code IS NULL OR unit_code = ?",
        [unit_code or ""],
    ).fetchall()
    return calendar_with(datetime.fromisoformat(day).date() for (day,) in rows)


def verification_clock(database: sqlite_utils.Database, received_at: datetime) -> ClockState:
    """The clock of a newly received case: verify within 3 HK."""
    tz = office_time_zone(database)
    deadline = calendar_for(database, None).deadline(received_at, VERIFY_HK, tz)
    return ClockState(due_at=to_text(deadline), due_kind="verifikasi")


def clock_after(
    database: sqlite_utils.Database,
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

    def deadline(hk: int, unit: str | None) -> str:
        calendar = calendar_for(database, unit)
        return to_text(calendar.deadline(now, hk, unit_time_zone(database, unit)))

    if action in (Action.NOTE, Action.ASSIGN):
        return None
    if action in (Action.VERIFY, Action.DISPOSE, Action.REOPEN):
        return ClockState(deadline(FOLLOW_UP_HK, unit_code), "tindak_lanjut")
    if action is Action.HOLD:
        owed = VERIFY_HK
        if case.get("due_at"):
            # Negative when the case is already late: a pause stops the count, it does not
            # forgive the days missed (a case 102 HK late is 102 HK late when it comes back).
            owed = calendar_for(database, None).frozen_at(
                from_text(str(case["due_at"])), now, office_time_zone(database)
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


def days_left(
    database: sqlite_utils.Database, case: dict[str, object], now: datetime
) -> int | None:
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
    calendar = calendar_for(database, unit)
    return calendar.days_left(from_text(str(due_at)), now, unit_time_zone(database, unit))
