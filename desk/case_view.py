"""One case as an officer may see it: text, clocks, reporter, timeline, attachments, duplicates.

`load_case_view` reads everything the case screen shows in one go, off the UI thread, and
applies the read rules on the way out (desk/access.py): a case the officer may not read is
refused before anything of it is read, the screen never sees personal data the officer's role
may not see, and possible duplicates are only cases the officer may read, so it cannot show
them by mistake. Text is returned as stored; the interface passes it through `printable` when
it draws it. (`mask`, `mask_email`, `reporter_view` and `ReporterView` live in desk/access.py
and are re-exported here.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from db.stemming import stem_words
from db.timefmt import from_text
from desk.access import (
    ReporterView,
    mask,
    mask_email,
    readable_case,
    readable_condition,
    reporter_view,
)
from desk.calendar import zone_abbreviation
from desk.clocks import calendar_for, office_time_zone, unit_time_zone
from desk.i18n import action_label, clock_text, current_language, status_label, t
from desk.services import case_label, find_case
from desk.workflow import Action, Actor, allowed_actions

__all__ = [
    "AttachmentView",
    "CaseView",
    "ClockView",
    "DuplicateView",
    "EventView",
    "ReporterView",
    "event_label",
    "format_day",
    "format_moment",
    "load_case_view",
    "mask",
    "mask_email",
    "reporter_view",
]

WEEKDAYS = {
    "id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
DUPLICATE_LIMIT = 5
DISTINCTIVE_WORDS = 6
COMMON_SHARE = 20  # a word in more than one case of this many is common
# Words too common in complaints to say anything about which complaint it is.
STOP_STEMS = frozenset(
    {
        "yang",
        "dan",
        "dari",
        "untuk",
        "dengan",
        "tidak",
        "ini",
        "itu",
        "sudah",
        "belum",
        "ada",
        "mohon",
        "bapak",
        "ibu",
        "kami",
        "saya",
        "pada",
        "oleh",
        "atas",
        "agar",
        "sejak",
        "masih",
    }
)


@dataclass(frozen=True)
class ClockView:
    """A running clock: the officers' deadline ("due") or the system's automatic move ("auto")."""

    kind: str  # verifikasi, tindak_lanjut, tutup_otomatis, arsip_otomatis
    label: str  # "Tindak lanjut (5 HK)"
    deadline: str  # "Sen, 30/03/2026 23:59 WITA", in the zone the clock was set in
    days_left: int | None  # working days left; negative when overdue

    @property
    def remaining(self) -> str:
        """ "sisa 2 HK", "batas hari ini", "lewat 3 HK"."""
        return clock_text(self.days_left)


@dataclass(frozen=True)
class EventView:
    """One entry of the timeline."""

    id: int
    at: str  # local time, "Sen, 30/03/2026 09:15 WITA"
    actor: str  # officer's name, "Sistem", "Pelapor"
    kind: str
    label: str  # "tindak lanjut", "laporan diterima"
    change: str  # "→ Terdisposisi (PUPR)", or ""
    visibility: str  # "public" or "internal"
    body: str | None

    @property
    def public(self) -> bool:
        return self.visibility == "public"


@dataclass(frozen=True)
class AttachmentView:
    name: str
    size: int
    media_type: str

    @property
    def size_text(self) -> str:
        """ "812 B", "14,2 KB", "3,1 MB"."""
        size = float(self.size)
        for unit in ("B", "KB", "MB", "GB"):
            if size < 1024 or unit == "GB":
                text = f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
                return text if current_language() == "en" else text.replace(".", ",")
            size /= 1024
        return f"{self.size} B"  # pragma: no cover - the loop always returns


@dataclass(frozen=True)
class DuplicateView:
    """Another case that may be the same complaint."""

    case_id: int
    label: str  # "#8112830"
    status: str
    title: str
    reason: str  # "reporter": same NIK or phone; "text": similar words


@dataclass(frozen=True)
class CaseView:
    """Everything the case screen shows, read at one moment."""

    case: dict[str, Any]
    label: str
    unit_name: str | None
    unit_tz: str
    office_tz: str
    received: str
    incident_date: str | None
    assignee_name: str | None
    duplicate_of: str | None
    clocks: list[ClockView]
    reporter: ReporterView
    events: list[EventView]
    attachments: list[AttachmentView]
    duplicates: list[DuplicateView]
    allowed: list[Action]
    units: list[tuple[str, str]] = field(default_factory=list)  # (code, name) to dispose to
    assignees: list[tuple[str, str]] = field(default_factory=list)  # (nip, name) to assign

    @property
    def version(self) -> int:
        return int(self.case["version"])

    @property
    def latest_reporter_reply(self) -> EventView | None:
        """The reporter's most recent answer recorded on the case, if any."""
        for event in reversed(self.events):
            if event.kind == "reporter_reply" and event.body:
                return event
        return None

    @property
    def status(self) -> str:
        return str(self.case["status"])

    @property
    def anonymous(self) -> bool:
        return bool(self.case["anonymous"])

    @property
    def confidential(self) -> bool:
        return bool(self.case["confidential"])


# ---------------------------------------------------------------------------------------------
# Formatting


def format_moment(instant: str, tz: str) -> str:
    """ "Sen, 30/03/2026 23:59 WITA": a stored instant as officers read it, in `tz`."""
    moment = from_text(instant).astimezone(ZoneInfo(tz))
    weekday = WEEKDAYS[current_language()][moment.weekday()]
    return f"{weekday}, {moment:%d/%m/%Y %H:%M} {zone_abbreviation(tz)}"


def format_day(instant: str, tz: str) -> str:
    """ "30/03/2026": the local date of a stored instant."""
    return from_text(instant).astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y")


def _incident_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value  # an import kept what the reporter wrote: show it as it is


def event_label(kind: str) -> str:
    """The name of a timeline entry: an action's label, or one of the system's own entries."""
    key = f"case.event.{kind}"
    try:
        return t(key)
    except KeyError:
        return action_label(kind)


# ---------------------------------------------------------------------------------------------
# Reading


def load_case_view(
    database: sqlite_utils.Database, actor: Actor, case_id: int | str, now: datetime
) -> CaseView:
    """The case `case_id` (row id, tracking number or local id) as `actor` may see it at `now`.

    `ReadRefused` (audited) when `actor` may not read it (desk/access.py)."""
    case = readable_case(database, actor, case_id, purpose="show")
    unit = case["unit_code"]
    office_tz = office_time_zone(database)
    unit_tz = unit_time_zone(database, unit)
    unit_row = database.execute("SELECT name FROM units WHERE code = ?", [unit]).fetchone()
    assignee = database.execute(
        "SELECT name FROM officers WHERE nip = ?", [case["assignee_nip"]]
    ).fetchone()
    duplicate_of = None
    if case["duplicate_of"]:
        duplicate_of = case_label(find_case(database, int(case["duplicate_of"])))
    reporter_row = next(
        database.query(
            "SELECT name, nik, phone, email, address FROM reporters WHERE case_id = ?",
            [case["id"]],
        ),
        None,
    )
    allowed = allowed_actions(actor, case["status"], unit)
    return CaseView(
        case=case,
        label=case_label(case),
        unit_name=unit_row[0] if unit_row else None,
        unit_tz=unit_tz,
        office_tz=office_tz,
        received=format_moment(case["received_at"], office_tz),
        incident_date=_incident_date(case["incident_date"]),
        assignee_name=(assignee[0] if assignee else case["assignee_nip"]),
        duplicate_of=duplicate_of,
        clocks=_clocks(database, case, now),
        reporter=reporter_view(actor, reporter_row, bool(case["anonymous"])),
        events=_events(database, case["id"], office_tz),
        attachments=[
            AttachmentView(row["name"], int(row["size"]), row["media_type"])
            for row in database.query(
                "SELECT name, size, media_type FROM attachments WHERE case_id = ? ORDER BY id",
                [case["id"]],
            )
        ],
        duplicates=possible_duplicates(database, case, reporter_row, reader=actor),
        allowed=allowed,
        units=_units(database) if {Action.VERIFY, Action.DISPOSE} & set(allowed) else [],
        assignees=_assignees(database, unit) if Action.ASSIGN in allowed else [],
    )


def _clocks(
    database: sqlite_utils.Database, case: dict[str, Any], now: datetime
) -> list[ClockView]:
    """The running clocks, each read in the calendar and zone it was set in (see clocks.py)."""
    clocks = []
    for column, kind_column, unit_kind in (
        ("due_at", "due_kind", "tindak_lanjut"),
        ("auto_at", "auto_kind", "tutup_otomatis"),
    ):
        instant, kind = case.get(column), case.get(kind_column)
        if not instant or not kind:
            continue
        unit = case["unit_code"] if kind == unit_kind and case["unit_code"] else None
        tz = unit_time_zone(database, unit)
        deadline = from_text(instant)
        days = calendar_for(database, unit).days_left(deadline, now, tz)
        try:
            label = t(f"clock.{kind}")
        except KeyError:
            label = str(kind)
        clocks.append(ClockView(str(kind), label, format_moment(instant, tz), days))
    held = case.get("hold_remaining_hk")
    if case.get("status") == "tunda" and held is not None:
        # The verification clock is paused, not gone: what it read when the case was held is
        # what it reads again on resume (docs/workflow.md), so the officer sees it meanwhile.
        label, paused = t("clock.verifikasi_ditunda"), t("clock.paused")
        clocks.append(ClockView("verifikasi_ditunda", label, paused, int(str(held))))
    return clocks


def _events(database: sqlite_utils.Database, case_id: int, tz: str) -> list[EventView]:
    rows = database.query(
        "SELECT e.*, o.name AS officer_name, a.name AS assignee_name FROM events AS e "
        "LEFT JOIN officers AS o ON o.nip = e.actor_nip "
        "LEFT JOIN officers AS a ON a.nip = json_extract(CASE WHEN json_valid(e.data) "
        "THEN e.data END, '$.assignee') "
        "WHERE e.case_id = ? ORDER BY e.at, e.id",
        [case_id],
    )
    events = []
    for row in rows:
        change = ""
        if row["to_status"] and row["to_status"] != row["from_status"]:
            change = f"→ {status_label(row['to_status'])}"
            if row["unit_code"] and row["kind"] in ("verify", "dispose"):
                change += f" ({row['unit_code']})"
        data = _data(row["data"])
        if row["kind"] == "assign" and data.get("assignee"):
            change = f"→ {row['assignee_name'] or data['assignee']}"
        if row["kind"] == "archive" and data.get("duplicate_of"):
            change += " " + t("case.event.duplicate")
        events.append(
            EventView(
                id=int(row["id"]),
                at=format_moment(row["at"], tz),
                actor=_actor_name(row),
                kind=row["kind"],
                label=event_label(row["kind"]),
                change=change,
                visibility=row["visibility"],
                body=row["body"],
            )
        )
    return events


def _data(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _actor_name(row: dict[str, Any]) -> str:
    kind = row["actor_kind"]
    if kind == "officer":
        return str(row["officer_name"] or row["actor_nip"] or t("case.actor.officer"))
    try:
        return t(f"case.actor.{kind}")
    except KeyError:
        return str(kind)


def _units(database: sqlite_utils.Database) -> list[tuple[str, str]]:
    return [
        (str(code), str(name))
        for code, name in database.execute(
            "SELECT code, name FROM units WHERE active = 1 ORDER BY code"
        ).fetchall()
    ]


def _assignees(database: sqlite_utils.Database, unit: str | None) -> list[tuple[str, str]]:
    return [
        (str(nip), str(name))
        for nip, name in database.execute(
            "SELECT nip, name FROM officers WHERE unit_code IS ? AND role = 'petugas' "
            "AND active = 1 ORDER BY name",
            [unit],
        ).fetchall()
    ]


# ---------------------------------------------------------------------------------------------
# Possible duplicates


def distinctive_terms(
    database: sqlite_utils.Database, title: str, *, known_only: bool = False
) -> list[str]:
    """The stems of `title` that the fewest cases share, at most six, rarest first.

    `known_only`: leave out the words no case has yet. A new complaint being typed (intake) is
    full of them, and they would crowd out the words that can match.
    """
    stems = [
        stem
        for stem in dict.fromkeys(stem_words(title))
        if len(stem) >= 3 and stem not in STOP_STEMS
    ]
    if not stems:
        return []
    placeholders = ", ".join("?" for _ in stems)
    counts = dict(
        database.execute(
            f"SELECT term, doc FROM case_search_terms WHERE term IN ({placeholders})", stems
        ).fetchall()
    )
    if known_only:
        stems = [stem for stem in stems if counts.get(stem, 0) > 0]
    ranked = sorted(stems, key=lambda stem: (counts.get(stem, 0), stems.index(stem)))[
        :DISTINCTIVE_WORDS
    ]
    # A word in one case of twenty tells little and costs the most to rank ("jalan", "warga"):
    # leave such words out, as long as two rarer ones remain.
    total = database.execute("SELECT max(id) FROM cases").fetchone()[0] or 0
    rare = [stem for stem in ranked if counts.get(stem, 0) * COMMON_SHARE <= total]
    return rare if len(rare) >= 2 else ranked[: max(2, len(rare))]


def similar_text_expression(terms: list[str]) -> str | None:
    """'"jalan" OR "lubang"': an FTS5 expression matching any of `terms` (already stems)."""
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms if term]
    return " OR ".join(quoted) or None


def possible_duplicates(
    database: sqlite_utils.Database,
    case: dict[str, Any],
    reporter: dict[str, Any] | None,
    limit: int = DUPLICATE_LIMIT,
    *,
    reader: Actor,
) -> list[DuplicateView]:
    """Other cases that may be this complaint again: the same reporter first, then similar text.

    Similar text: cases sharing the title's most distinctive words, best match first (bm25,
    title words counting more), keeping those that share at least two of them (one, when the
    title has only one distinctive word). Only cases `reader` may read (desk/access.py): the
    same NIK in another unit's case would tell a petugas of this one what else the reporter
    complained about, and a title of another unit's Rahasia case is not theirs to see.
    """
    readable, readable_params = readable_condition(reader, "c")
    found: dict[int, str] = {}
    reporter = reporter or {}
    for column in ("nik", "phone"):
        value = (reporter.get(column) or "").strip()
        if not value:
            continue
        for (other,) in database.execute(
            f"SELECT r.case_id FROM reporters AS r JOIN cases AS c ON c.id = r.case_id "
            f"WHERE r.{column} = ? AND r.case_id != ? AND {readable} "
            "ORDER BY r.case_id DESC LIMIT ?",
            [value, case["id"], *readable_params, limit],
        ).fetchall():
            found.setdefault(int(other), "reporter")
    if len(found) < limit:
        terms = distinctive_terms(database, case["title"] or "")
        expression = similar_text_expression(terms)
        if expression is not None:
            candidates = [
                int(rowid)
                for (rowid,) in database.execute(
                    "SELECT rowid FROM case_search WHERE case_search MATCH ? AND rowid != ? "
                    "ORDER BY bm25(case_search, 3.0, 1.0) LIMIT ?",
                    [expression, case["id"], limit * 4],
                ).fetchall()
            ]
            needed = min(2, len(terms))
            wanted = set(terms)
            texts = _case_rows(
                database, [c for c in candidates if c not in found], (readable, readable_params)
            )
            for candidate in candidates:
                row = texts.get(candidate)
                if row is None or len(found) >= limit:
                    continue
                shared = wanted & set(stem_words(f"{row['title']} {row['body']}"))
                if len(shared) >= needed:
                    found[candidate] = "text"
    rows = _case_rows(database, list(found), (readable, readable_params))
    return [
        DuplicateView(
            case_id=other,
            label=case_label(rows[other]),
            status=rows[other]["status"],
            title=rows[other]["title"],
            reason=reason,
        )
        for other, reason in list(found.items())[:limit]
        if other in rows
    ]


def _case_rows(
    database: sqlite_utils.Database, ids: list[int], readable: tuple[str, list[Any]]
) -> dict[int, dict[str, Any]]:
    """The rows of `ids` that satisfy `readable` (a condition on `cases AS c`, its parameters)."""
    if not ids:
        return {}
    placeholders = ", ".join("?" for _ in ids)
    condition, params = readable
    return {
        int(row["id"]): row
        for row in database.query(
            "SELECT c.id, c.local_id, c.tracking_no, c.provisional_no, c.status, c.title, c.body "
            f"FROM cases AS c WHERE c.id IN ({placeholders}) AND {condition}",
            [*ids, *params],
        )
    }
