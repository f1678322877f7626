"""Who may read which case, and how much of its reporter: one rule for every way of reading.

The rule (docs/security.md, "Who may read what"):

- an admin and a pimpinan read every case, Rahasia ones included (DOMAIN.md: Rahasia content is
  for the unit that handles it, admins and heads);
- a petugas reads the cases of their own unit, and the complaints an officer of their unit took
  at the counter while no unit has them yet (until the admin disposes them). Nothing of any
  other case, Rahasia or not: it is not listed, counted, found by a search or offered as a
  possible duplicate, and asking for it by its number (`case show`, `case receipt`, its
  attachments, the case screen) is refused, saying why, and written in the audit log
  (`read_refused`). That is exactly what a unit office's own desk receives from the central
  system (desk/central/store.py, `scope_sql`), so what a petugas reads does not depend on the
  desk they sign in at.

How much of the reporter a reader sees is `reporter_view` (one case) and `list_reporter` (a
row of a list).

Every path asks here: `readable_case` for one case (it finds the case and refuses), and
`readable_filters` for lists, counts and searches (the inbox's filters narrowed to what the
actor may read, as indexed SQL conditions: no case is filtered in Python). `readable_condition`
is the same rule as one SQL condition, for small sets of candidates (possible duplicates) and
for whole-table reads (exports).
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, replace
from typing import Any

import sqlite_utils

from db import audit
from db.inbox import CaseFilter
from db.timefmt import to_text, utc_now
from desk.errors import ActionRefused, DeskError
from desk.i18n import CATALOG, extend, t
from desk.services import case_label, find_case
from desk.workflow import Actor, Role

__all__ = [
    "READ_REFUSED",
    "ReadRefused",
    "ReporterView",
    "counter_intakes",
    "initials",
    "list_reporter",
    "mask",
    "mask_email",
    "read_refusal",
    "readable_case",
    "readable_condition",
    "readable_filters",
    "reporter_view",
]

READ_REFUSED = "read_refused"  # the audit entry of a refused read
# Beyond this many unit-less counter intakes, a filter names them by a subquery rather than one
# parameter each (SQLite bounds the number of parameters of a statement).
LISTED_INTAKES = 500

TEXTS: dict[str, tuple[str, str]] = {
    "read.refused": (
        "{nip} tidak dapat membaca kasus {ref}: petugas hanya membaca kasus unitnya ({unit}) "
        "dan pengaduan yang diterima di loket unitnya selama belum didisposisi. Permintaan "
        "ini dicatat di log audit.",
        "{nip} may not read case {ref}: a petugas reads only the cases of their unit ({unit}) "
        "and the complaints their unit took at the counter until they are disposed. This "
        "request is recorded in the audit log.",
    ),
}
if "read.refused" not in CATALOG:
    extend(TEXTS)


class ReadRefused(ActionRefused):
    """The officer may not read this case (it was audited)."""


# ---------------------------------------------------------------------------------------------
# Which cases


def _counter_intakes_sql(alias: str = "p") -> str:
    """The ids of the unit-less cases an officer of a unit (the one parameter) recorded at a
    desk's counter, as desk/central/store.py `scope_sql` gives them to that unit's office.

    `+` keeps SQLite on the small partial index of provisional numbers rather than the unit
    index, whose unit-less entries are every archived case.
    """
    return (
        f"SELECT {alias}.id FROM cases AS {alias} WHERE {alias}.provisional_no IS NOT NULL "
        f"AND +{alias}.unit_code IS NULL AND EXISTS (SELECT 1 FROM events AS e "
        "JOIN officers AS o ON o.nip = e.actor_nip "
        f"WHERE e.case_id = {alias}.id AND e.kind = 'received' AND e.actor_kind = 'officer' "
        "AND o.unit_code = ?)"
    )


def counter_intakes(database: sqlite_utils.Database, unit_code: str) -> tuple[int, ...]:
    """The ids of the cases an officer of `unit_code` took at the counter, not yet disposed."""
    rows = database.execute(_counter_intakes_sql(), [unit_code]).fetchall()
    return tuple(int(row[0]) for row in rows)


def read_refusal(database: sqlite_utils.Database, actor: Actor, case: dict[str, Any]) -> str | None:
    """Why `actor` may not read `case` (a row of `cases`); None when they may."""
    if actor.role is not Role.PETUGAS:
        return None
    unit = case.get("unit_code")
    if unit == actor.unit_code:
        return None
    if unit is None and case.get("provisional_no"):
        taken = database.execute(
            _counter_intakes_sql() + " AND p.id = ?", [actor.unit_code, case["id"]]
        ).fetchone()
        if taken is not None:
            return None
    return t("read.refused", nip=actor.nip, ref=case_label(case), unit=actor.unit_code)


def readable_case(
    database: sqlite_utils.Database, actor: Actor, reference: str | int, *, purpose: str
) -> dict[str, Any]:
    """The case `reference` (any number it answers to), when `actor` may read it.

    Otherwise `ReadRefused`, after an audit entry (`read_refused`: who, which case, for what:
    "show", "receipt", "attachments", "attachment", "list"). A case that does not exist is
    `NotFound`, as before. Why audit a refusal to read: the lists never offer such a case, so
    asking for one by its number is a mistyped number or someone trying numbers for another
    unit's complaints (and their reporters); either is rare and worth knowing, so the log stays
    small. The refusal stands even when the entry cannot be written (a locked or read-only
    database).
    """
    case = find_case(database, reference)
    why = read_refusal(database, actor, case)
    if why is None:
        return case
    # Refused all the same when the entry cannot be written (a locked or read-only database).
    with contextlib.suppress(sqlite3.Error, DeskError):
        audit.record(
            database,
            at=to_text(utc_now()),
            actor_nip=actor.nip,
            action=READ_REFUSED,
            case_id=int(case["id"]),
            detail={"case": case_label(case), "for": purpose, "unit": actor.unit_code},
        )
    raise ReadRefused(why)


def readable_filters(
    database: sqlite_utils.Database, actor: Actor, case_filter: CaseFilter
) -> list[CaseFilter]:
    """`case_filter` narrowed to the cases `actor` may read, as filters whose results add up.

    Admins and heads: the filter itself. A petugas: the filter on their unit, plus (when the
    filter names no unit) the same filter on their unit's counter intakes; none at all when it
    names another unit. Two filters rather than one with an OR: SQLite cannot walk an index in
    order through an OR of a unit and a handful of ids, and would read the whole table; each
    filter alone runs on the unit's index or on those ids (db/inbox.py). The two never share a
    case (one has a unit, the other none), so pages merge and counts add up.
    """
    if actor.role is not Role.PETUGAS:
        return [case_filter]
    own = actor.unit_code
    if case_filter.unit_code is not None:
        return [case_filter] if case_filter.unit_code == own else []
    filters = [replace(case_filter, unit_code=own)]
    intakes = counter_intakes(database, own)
    if len(intakes) > LISTED_INTAKES:
        condition = (f"c.id IN ({_counter_intakes_sql()})", (own,))
        filters.append(replace(case_filter, extra=(*case_filter.extra, condition)))
    elif intakes:
        named = (
            intakes
            if case_filter.case_ids is None
            else (tuple(set(intakes) & set(case_filter.case_ids)))
        )
        filters.append(replace(case_filter, case_ids=named))
    return filters


def readable_condition(actor: Actor, alias: str = "c") -> tuple[str, list[Any]]:
    """The same rule as one SQL condition on `cases AS <alias>` (and its parameters).

    For a few candidates (possible duplicates) or a read of the whole table (an export): an
    inbox page uses `readable_filters`, which keeps its indexes.
    """
    if actor.role is not Role.PETUGAS:
        return "1", []
    intakes = _counter_intakes_sql(f"{alias}_intake")
    return (
        f"({alias}.unit_code = ? OR ({alias}.unit_code IS NULL AND {alias}.id IN ({intakes})))",
        [actor.unit_code, actor.unit_code],
    )


# ---------------------------------------------------------------------------------------------
# How much of the reporter


@dataclass(frozen=True)
class ReporterView:
    """What the officer may see of the reporter.

    `name` is always something to show ("Anonim", "Pelapor", initials or the name); the other
    fields are None where the role may not see them. `full_name` is the name as given, only when
    this officer may see it.
    """

    name: str
    full_name: str | None = None
    nik: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    withheld: bool = False  # the identity is hidden from this officer (anonymous, or pimpinan)


def mask(value: str | None, keep_start: int = 4, keep_end: int = 4) -> str | None:
    """ "6471010101900003" → "6471********0003"; too short to keep anything: all stars."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_email(value: str | None) -> str | None:
    """ "andi@example.id" → "a***@example.id"."""
    if not value or not value.strip():
        return None
    local, at, domain = value.strip().partition("@")
    return f"{local[:1]}***{at}{domain}" if at else mask(value, 1, 0)


def initials(name: str) -> str:
    """ "Andi Wijaya" → "A. W.": enough to tell reporters apart, not to identify them."""
    return " ".join(f"{part[0]}." for part in name.split() if part[:1].isalnum())


def reporter_view(actor: Actor, reporter: dict[str, Any] | None, anonymous: bool) -> ReporterView:
    """What `actor` may see of the reporter of a case they may read.

    - admin: everything, unmasked (an admin verifies identities), even on an anonymous case;
    - petugas: "Anonim" and no contact on an anonymous case; else the name with NIK, phone and
      e-mail masked and no address;
    - pimpinan: no personal data at all, only "Anonim", initials or "Pelapor".
    """
    reporter = reporter or {}
    name = (reporter.get("name") or "").strip() or None
    if actor.role is Role.ADMIN:
        return ReporterView(
            name=name or (t("case.anonymous") if anonymous else t("case.reporter")),
            full_name=name,
            nik=reporter.get("nik") or None,
            phone=reporter.get("phone") or None,
            email=reporter.get("email") or None,
            address=reporter.get("address") or None,
        )
    if anonymous:
        return ReporterView(name=t("case.anonymous"), withheld=True)
    if actor.role is Role.PIMPINAN:
        shown = initials(name) if name else ""
        return ReporterView(name=shown or t("case.reporter"), withheld=True)
    return ReporterView(
        name=name or t("case.reporter"),
        full_name=name,
        nik=mask(reporter.get("nik")),
        phone=mask(reporter.get("phone")),
        email=mask_email(reporter.get("email")),
    )


def list_reporter(actor: Actor, name: str | None, anonymous: object) -> str | None:
    """The reporter as a row of a list names them: None on an anonymous case (the list says
    "Anonim", to an admin too: a list is read over shoulders), initials to a pimpinan, else the
    name."""
    if anonymous or not name:
        return None
    return initials(name) if actor.role is Role.PIMPINAN else name
