"""The states of a case, who may move it where, and what each move needs.

This is DOMAIN.md's state table turned into data: `ACTIONS` lists every officer action with the
states it starts from, the state it leads to, the roles that may take it and what it requires.
`docs/workflow.md` explains the few choices the table leaves open. Services consult `check`
before they write anything; the TUI and the CLI only offer what `allowed_actions` returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from desk.errors import ActionRefused
from desk.i18n import action_label, role_label, status_label, t


class Status(StrEnum):
    BARU = "baru"
    TUNDA = "tunda"
    TERVERIFIKASI = "terverifikasi"
    DIKEMBALIKAN = "dikembalikan"
    DIPROSES = "diproses"
    DITANGGAPI = "ditanggapi"
    SELESAI = "selesai"
    DIARSIPKAN = "diarsipkan"


class Role(StrEnum):
    ADMIN = "admin"  # admin koordinator: verifies, disposes, imports, manages officers
    PETUGAS = "petugas"  # officer of a unit: acts on the cases disposed to that unit
    PIMPINAN = "pimpinan"  # head: reads cases and dashboards, acts on nothing


# Statuses in which the case waits on an officer (a running deadline) or on the reporter.
OPEN_STATUSES = frozenset(
    {
        Status.BARU,
        Status.TUNDA,
        Status.TERVERIFIKASI,
        Status.DIKEMBALIKAN,
        Status.DIPROSES,
        Status.DITANGGAPI,
    }
)
# Statuses whose cases belong to the unit they are disposed to.
UNIT_STATUSES = frozenset({Status.TERVERIFIKASI, Status.DIPROSES, Status.DITANGGAPI})


class Action(StrEnum):
    VERIFY = "verify"  # verify a new report and dispose it to a unit
    DISPOSE = "dispose"  # dispose again, to another unit
    HOLD = "hold"
    RESUME = "resume"  # back from hold: the reporter completed the data
    RETURN = "return"  # Bukan Wewenang: not this unit's authority
    FOLLOW_UP = "follow_up"  # tindak lanjut: the public reply to the reporter
    NOTE = "note"  # internal note
    ASSIGN = "assign"
    CLOSE = "close"
    REOPEN = "reopen"
    ARCHIVE = "archive"
    RESTORE = "restore"
    REPORTER_REPLY = "reporter_reply"  # record what the reporter answered


@dataclass(frozen=True)
class Rule:
    """One action: where it may start, where it leads, who may take it, what it needs."""

    sources: frozenset[Status]
    target: Status | None  # None: the status does not change
    admin: bool  # an admin may take it on any case
    unit_officer: bool  # a petugas may take it on a case disposed to their own unit
    needs_reason: bool = False
    needs_text: bool = False
    needs_unit: bool = False
    needs_officer: bool = False


ALL = frozenset(Status)
ACTIONS: dict[Action, Rule] = {
    Action.VERIFY: Rule(
        frozenset({Status.BARU}), Status.TERVERIFIKASI, True, False, needs_unit=True
    ),
    Action.DISPOSE: Rule(
        frozenset({Status.TERVERIFIKASI, Status.DIKEMBALIKAN}),
        Status.TERVERIFIKASI,
        True,
        False,
        needs_unit=True,
    ),
    Action.HOLD: Rule(frozenset({Status.BARU}), Status.TUNDA, True, False, needs_reason=True),
    Action.RESUME: Rule(frozenset({Status.TUNDA}), Status.BARU, True, False),
    Action.RETURN: Rule(
        frozenset({Status.TERVERIFIKASI}), Status.DIKEMBALIKAN, False, True, needs_reason=True
    ),
    Action.FOLLOW_UP: Rule(
        frozenset({Status.TERVERIFIKASI, Status.DIPROSES, Status.DITANGGAPI}),
        Status.DIPROSES,
        False,
        True,
        needs_text=True,
    ),
    Action.NOTE: Rule(ALL, None, True, True, needs_text=True),
    Action.ASSIGN: Rule(
        frozenset({Status.TERVERIFIKASI, Status.DIPROSES, Status.DITANGGAPI}),
        None,
        True,
        True,
        needs_officer=True,
    ),
    Action.CLOSE: Rule(frozenset({Status.DITANGGAPI, Status.DIPROSES}), Status.SELESAI, True, True),
    Action.REOPEN: Rule(
        frozenset({Status.SELESAI}), Status.DITANGGAPI, True, False, needs_reason=True
    ),
    Action.ARCHIVE: Rule(
        frozenset({Status.BARU, Status.TUNDA, Status.DIKEMBALIKAN}),
        Status.DIARSIPKAN,
        True,
        False,
        needs_reason=True,
    ),
    Action.RESTORE: Rule(frozenset({Status.DIARSIPKAN}), Status.BARU, True, False),
    Action.REPORTER_REPLY: Rule(
        frozenset({Status.DIPROSES, Status.TUNDA}), None, True, True, needs_text=True
    ),
}

# A reporter's reply moves the case on, depending on where it was.
REPORTER_REPLY_TARGET = {Status.DIPROSES: Status.DITANGGAPI, Status.TUNDA: Status.BARU}


def target_status(action: Action, current: Status) -> Status:
    """The status a case in `current` will have after `action`."""
    if action is Action.REPORTER_REPLY:
        return REPORTER_REPLY_TARGET[current]
    rule = ACTIONS[action]
    return rule.target if rule.target is not None else current


@dataclass(frozen=True)
class Actor:
    """The officer taking an action."""

    nip: str
    name: str
    role: Role
    unit_code: str


def refusal(
    actor: Actor, action: Action, status: Status | str, case_unit: str | None
) -> str | None:
    """Why `actor` may not take `action` on a case in `status` of `case_unit`; None if allowed."""
    status = Status(status)
    rule = ACTIONS[action]
    name = action_label(action.value)
    if status not in rule.sources:
        allowed = ", ".join(status_label(s.value) for s in Status if s in rule.sources)
        return t("refuse.state", action=name, status=status_label(status.value), allowed=allowed)
    if actor.role is Role.ADMIN:
        if rule.admin:
            return None
        return t("refuse.unit_only", action=name, unit=case_unit or t("refuse.no_unit_yet"))
    if actor.role is Role.PETUGAS:
        if not rule.unit_officer:
            return t("refuse.admin_only", action=name, nip=actor.nip, role=role_label("petugas"))
        if case_unit != actor.unit_code:
            held = case_unit or t("refuse.no_unit_yet")
            return t(
                "refuse.other_unit", action=name, unit=held, nip=actor.nip, own=actor.unit_code
            )
        return None
    return t("refuse.pimpinan", nip=actor.nip)


def check(actor: Actor, action: Action, status: Status | str, case_unit: str | None) -> None:
    """Raise `ActionRefused` unless `actor` may take `action` now."""
    reason = refusal(actor, action, status, case_unit)
    if reason is not None:
        raise ActionRefused(reason)


def allowed_actions(actor: Actor, status: Status | str, case_unit: str | None) -> list[Action]:
    """Every action `actor` may take on a case in `status` held by `case_unit`."""
    return [a for a in ACTIONS if refusal(actor, a, status, case_unit) is None]
