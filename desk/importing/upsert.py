"""Writing one chunk of rows: insert the new cases, update the changed ones, skip the rest.

A chunk is one transaction. New cases are inserted with `executemany`; for a chunk of more than a
few new cases the three `cases_search_*` triggers are dropped inside the transaction and the
search rows are inserted directly with the stems computed here, then the triggers are created
again before the commit (as desk/seed.py does), so a killed import never leaves a database
without them. Updates run with the triggers in place, before they are dropped.

Whatever an import writes is the importing admin's act: every event it adds has `actor_kind`
'import' and the admin's NIP. A desk-case/1 record's timeline is history someone else wrote, so
it cannot put words in an officer's mouth: each of its events becomes an internal
`import_event` that keeps what the file claimed (`imported_timeline`; docs/import.md, "Imported
timelines"). Each chunk's audit entry is written in the chunk's own transaction.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlite_utils

from db import write_transaction
from db.case_clocks import CLOCK_KINDS, INSERT_TRIGGER, clock_trigger
from db.case_columns import CASE_COLUMNS
from db.search_index import search_triggers
from db.timefmt import from_text, to_text
from desk.attachments import restore
from desk.i18n import t
from desk.importing.clocks import ImportClocks, Units
from desk.importing.rows import REPORTER, CaseRow, RowError
from desk.importing.stems import stem_text
from desk.seed import ulid_text

DIRECT_INDEX_FROM = 50  # fewer new cases than this: let the triggers index them

INSERT_CASE = (
    f"INSERT INTO cases ({', '.join(CASE_COLUMNS)}) VALUES ({', '.join('?' for _ in CASE_COLUMNS)})"
)
INSERT_REPORTER = (
    "INSERT INTO reporters (case_id, name, nik, phone, email, address) VALUES (?, ?, ?, ?, ?, ?)"
)
INSERT_EVENT = (
    "INSERT INTO events (case_id, at, actor_kind, actor_nip, kind, visibility, from_status, "
    "to_status, unit_code, body, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
# Fields compared to decide whether a row changes its case (reporter fields are compared apart).
COMPARED = (
    "complaint_id",
    "title",
    "body",
    "classification",
    "category",
    "subcategory",
    "channel",
    "location",
    "incident_date",
    "anonymous",
    "confidential",
    "rating",
    "status",
    "received_at",
)
# Which of them a desk-case/1 record also carries for its clocks.
CLOCK_COLUMNS = ("due_at", "due_kind", "auto_at", "auto_kind", "hold_remaining_hk")
PUBLIC_KINDS = frozenset({"received"})
# A file's event, whoever it names, is stored as this kind (internal, by the importing admin).
IMPORT_EVENT = "import_event"
# Events only an import writes: a file's event of one of these kinds, itself written by an
# import, is kept as it is (internal, re-attributed to this import's admin).
IMPORT_KINDS = frozenset({"import_status", "import_update", IMPORT_EVENT})
# What an imported event's `data` keeps of the file's claim.
CLAIMED = ("kind", "actor_kind", "actor_nip", "visibility", "from_status", "to_status", "unit_code")
# The timeline of spreadsheet rows just inserted (ids ?1..?2), made by SQLite from the case rows
# rather than bound value by value from Python (a third of the cost of writing an event):
# "received", then for a later status one `import_status` event, as `_new_row` describes them.
# ?3 holds a "1" per case whose file said when its status began (`start_known`); ?4 is the
# importing admin's NIP.
INSERT_SPREADSHEET_EVENTS = """
INSERT INTO events (case_id, at, actor_kind, actor_nip, kind, visibility, from_status, to_status,
                    unit_code, body, data)
SELECT c.id,
       CASE step WHEN 0 THEN c.received_at ELSE c.updated_at END,
       'import', ?4,
       CASE step WHEN 0 THEN 'received' ELSE 'import_status' END,
       CASE step WHEN 0 THEN 'public' ELSE 'internal' END,
       CASE step WHEN 0 THEN NULL ELSE 'baru' END,
       CASE step WHEN 0 THEN 'baru' ELSE c.status END,
       CASE step WHEN 0 THEN NULL ELSE c.unit_code END,
       NULL,
       CASE step WHEN 0 THEN NULL
            ELSE json_object('start_known',
                             json(iif(substr(?3, c.id - ?1 + 1, 1) = '1', 'true', 'false')),
                             'status', c.status)
       END
FROM cases AS c, (SELECT 0 AS step UNION ALL SELECT 1)
WHERE c.id BETWEEN ?1 AND ?2 AND (step = 0 OR c.status <> 'baru')
ORDER BY c.id, step
"""


def _loads(data: str | None) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


def _json(data: Any) -> str | None:
    return (
        json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        if data
        else None
    )


@dataclass
class ChunkResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[CaseRow, RowError]] = field(default_factory=list)
    updated_cases: list[str] = field(default_factory=list)  # their tracking numbers (or local ids)
    events_imported: int = 0  # events of desk-case/1 records stored as `import_event`s
    units_created: list[str] = field(default_factory=list)


def event_key(
    at: str, kind: str, actor_kind: str, body: str | None, data: object
) -> tuple[str, str, str, str]:
    """What makes two timeline events the same one, across databases and imports.

    An `import_event` stands for the event its file claimed: it is the same as that event
    (stored here by the officer who did it, or imported before), so importing a file twice,
    or an export into the database it came from, adds nothing.
    """
    if kind == IMPORT_EVENT and isinstance(data, dict):
        claimed = data.get("claimed")
        if isinstance(claimed, dict):
            kind = str(claimed.get("kind") or kind)
            actor_kind = str(claimed.get("actor_kind") or actor_kind)
    return (at, kind, actor_kind, body or "")


def imported_timeline(events: list[dict[str, Any]], actor_nip: str | None) -> list[dict[str, Any]]:
    """The events of a desk-case/1 record as this import may store them.

    Every event is attributed to the import (`actor_kind` 'import', the importing admin's NIP)
    and is internal. The import's own public "received" event (no text) stays what it is. An
    event an import wrote (`IMPORT_KINDS`) keeps its kind and data. Any other event (a
    verification, a follow-up "by" an officer, a reporter's reply, an automatic close) becomes
    an `import_event` at the time the file gives, with its text, and in `data` what the file
    claimed (`claimed`: kind, actor, visibility, statuses, unit; `data`: its details). It is
    never public, never names an officer as its actor, and never moves a clock or a figure
    (those count only verify, dispose, follow_up... events: schema_v6.sql).
    """
    stored: list[dict[str, Any]] = []
    for event in events:
        kind, actor_kind = event["kind"], event["actor_kind"]
        if actor_kind == "import" and kind == "received" and not event.get("body"):
            stored.append({**event, "actor_nip": actor_nip, "visibility": "public", "data": None})
        elif actor_kind == "import" and kind in IMPORT_KINDS:
            stored.append({**event, "actor_nip": actor_nip, "visibility": "internal"})
        else:
            data: dict[str, Any] = {"claimed": {name: event.get(name) for name in CLAIMED}}
            if event.get("data"):
                data["data"] = event["data"]
            stored.append(
                {
                    "at": event["at"],
                    "actor_kind": "import",
                    "actor_nip": actor_nip,
                    "kind": IMPORT_EVENT,
                    "visibility": "internal",
                    "from_status": None,
                    "to_status": None,
                    "unit_code": None,
                    "body": event.get("body"),
                    "data": data,
                }
            )
    return stored


class Upserter:
    """Writes chunks of one import; keeps the units, officers and clocks it looked up."""

    def __init__(
        self,
        database: sqlite_utils.Database,
        *,
        now: datetime,
        strict_units: bool,
        on_reject: Callable[[CaseRow, RowError], None],
        actor_nip: str | None = None,
    ) -> None:
        self.database = database
        self.actor_nip = actor_nip  # the importing admin: every event written is theirs
        self.now = now
        self.now_text = to_text(now)
        self.strict_units = strict_units
        self.on_reject = on_reject
        self.units = Units(database)
        self.clocks = ImportClocks(database, self.units)
        self.triggers = search_triggers(database)
        self.clock_trigger = clock_trigger(database)
        self.officers = {nip for (nip,) in database.execute("SELECT nip FROM officers")}
        self.units_created: list[str] = []
        self._result = ChunkResult()  # the chunk being written
        self._status_texts: dict[tuple[str, bool], str | None] = {}
        # Local ids: ULIDs made here, seeded from the OS (python-ulid's are slower per row).
        self._random = random.Random(int.from_bytes(os.urandom(16), "big")).getrandbits

    # -- one chunk ------------------------------------------------------------------------------

    def write(
        self, rows: list[CaseRow], *, audit: Callable[[ChunkResult], None] | None = None
    ) -> ChunkResult:
        """Write one chunk in one transaction; `audit` appends its audit entry in that same
        transaction, so a chunk is never committed without it (nor it without the chunk)."""
        result = ChunkResult()
        units_before = len(self.units_created)
        self._result = result
        with write_transaction(self.database):
            accepted = self._resolve_units(rows)
            existing = self._existing(accepted)
            new: list[tuple[CaseRow, str | None]] = []
            local_ids: set[str] = set()  # two new rows of a chunk never share a local id
            for row, unit in accepted:
                found = existing.get(row.key)
                if found is None and row.local_id is not None:
                    found = existing.get("\x00" + row.local_id)
                if found is None:
                    if row.local_id in local_ids:
                        row.local_id = None
                    if row.local_id is not None:
                        local_ids.add(row.local_id)
                    new.append((row, unit))
                elif self._update(row, unit, found):
                    result.updated += 1
                    result.updated_cases.append(found["tracking_no"] or found["local_id"])
                else:
                    result.unchanged += 1
            if new:
                self._insert(new)
            result.inserted = len(new)
            result.units_created = self.units_created[units_before:]
            if audit is not None:
                audit(result)
        return result

    def _resolve_units(self, rows: list[CaseRow]) -> list[tuple[CaseRow, str | None]]:
        accepted: list[tuple[CaseRow, str | None]] = []
        for row in rows:
            unit = None
            if row.unit_text:
                unit = self.units.find(row.unit_text)
                if unit is None:
                    if self.strict_units:
                        self.on_reject(
                            row,
                            RowError(
                                row.unit_column,
                                row.unit_text,
                                t("import.row.unit_unknown", value=row.unit_text),
                            ),
                        )
                        continue
                    unit = self.units.create(row.unit_text, row.unit_name)
                    self.units_created.append(unit)
            accepted.append((row, unit))
        return accepted

    def _existing(self, rows: list[tuple[CaseRow, str | None]]) -> dict[str, dict[str, Any]]:
        """The cases already there, by tracking number (and by "\\0" + local id)."""
        keys = [row.fields["tracking_no"] for row, _ in rows if row.fields.get("tracking_no")]
        local_ids = [row.local_id for row, _ in rows if row.local_id is not None]
        found: dict[str, dict[str, Any]] = {}
        select = (
            "SELECT c.*, r.case_id AS r_case, r.name AS r_name, r.nik AS r_nik, "
            "r.phone AS r_phone, r.email AS r_email, r.address AS r_address "
            "FROM cases c LEFT JOIN reporters r ON r.case_id = c.id "
        )
        if keys:
            for case in self.database.query(
                select + "WHERE c.tracking_no IN (SELECT value FROM json_each(?))",
                [json.dumps(keys)],
            ):
                found[case["tracking_no"]] = case
        if local_ids:
            for case in self.database.query(
                select + "WHERE c.local_id IN (SELECT value FROM json_each(?))",
                [json.dumps(local_ids)],
            ):
                found["\x00" + case["local_id"]] = case
                if case["tracking_no"] is None:
                    found.setdefault(case["local_id"], case)
        return found

    # -- new cases ------------------------------------------------------------------------------

    def _insert(self, rows: list[tuple[CaseRow, str | None]]) -> None:
        database = self.database
        conn = database.conn
        first = (conn.execute("SELECT ifnull(max(id), 0) FROM cases").fetchone()[0]) + 1
        cases: list[tuple[Any, ...]] = []
        reporters: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        search: list[tuple[int, str, str]] = []
        # Spreadsheet rows only (no desk-case/1 record with its own timeline): SQLite makes
        # their events from the case rows once they are in.
        spreadsheet = all(row.full is None for row, _unit in rows)
        start_known: list[str] = []
        for offset, (row, unit) in enumerate(rows):
            case_id = first + offset
            if row.full is not None:
                case, case_events = self._new_full(case_id, row, unit)
            else:
                case, case_events = self._new_row(case_id, row, unit, timeline=not spreadsheet)
                start_known.append("0" if row.status_at is None else "1")
            cases.append(case)
            events.extend(case_events)
            if row.reporter:
                reporters.append((case_id, *(row.reporter.get(name) for name in REPORTER)))
            stems = row.stems or (stem_text(row.fields["title"]), stem_text(row.fields["body"]))
            search.append((case_id, *stems))
        direct = self.triggers is not None and len(rows) >= DIRECT_INDEX_FROM
        if direct:
            assert self.triggers is not None
            for name in self.triggers:
                conn.execute(f"DROP TRIGGER {name}")
        # Spreadsheet rows bring only "received" and "import_status" events, which never change
        # a case's clocks: their inserts need not run the case_clocks trigger (db/case_clocks.py).
        skip_clocks = (
            direct
            and self.clock_trigger is not None
            and not any(event[4] in CLOCK_KINDS for event in events)
        )
        if skip_clocks:
            conn.execute(f"DROP TRIGGER {INSERT_TRIGGER}")
        conn.executemany(INSERT_CASE, cases)
        conn.executemany(INSERT_REPORTER, reporters)
        if spreadsheet:
            conn.execute(
                INSERT_SPREADSHEET_EVENTS,
                [first, first + len(rows) - 1, "".join(start_known), self.actor_nip],
            )
        else:
            conn.executemany(INSERT_EVENT, events)
        if skip_clocks:
            assert self.clock_trigger is not None
            conn.execute(self.clock_trigger)
        for offset, (row, _unit) in enumerate(rows):
            if row.attachments:  # desk-case/1 records: the rows; files come with the store
                restore(database, first + offset, row.attachments, at=self.now_text)
        if direct:
            assert self.triggers is not None
            conn.executemany(
                "INSERT INTO case_search (rowid, title, body) VALUES (?, ?, ?)", search
            )
            for sql in self.triggers.values():
                conn.execute(sql)

    def _new_row(
        self, case_id: int, row: CaseRow, unit: str | None, *, timeline: bool = True
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        """A spreadsheet row. Its timeline is "received" plus, for a later status, one
        `import_status` event saying the file gave that status (the steps between are unknown).
        Without `timeline` the events are left to INSERT_SPREADSHEET_EVENTS (none returned)."""
        fields = row.fields
        status = fields.get("status") or "baru"
        received = fields["received_at"]
        start_text = row.status_at or self.now_text
        clock = self.clocks.for_status_text(status, unit, received, start_text)
        if row.due is not None:  # our own export wrote the running deadline: keep it
            clock = replace(clock, due_at=row.due[0], due_kind=row.due[1])
        updated = received if status == "baru" else max(start_text, received)
        events: list[tuple[Any, ...]] = []
        if timeline:
            nip = self.actor_nip
            received_event = (case_id, received, "import", nip, "received", "public", None, "baru")
            events.append((*received_event, None, None, None))
            if status != "baru":
                data = self._status_data(status, row.status_at is not None)
                status_event = (case_id, updated, "import", nip, "import_status", "internal")
                events.append((*status_event, "baru", status, unit, None, data))
        case = (
            case_id,
            row.local_id or ulid_text(int(time.time() * 1000), self._random(80)),
            fields["tracking_no"],
            fields.get("complaint_id"),
            fields["title"],
            fields["body"],
            fields.get("classification") or "pengaduan",
            fields.get("category"),
            fields.get("subcategory"),
            fields.get("channel") or "web",
            fields.get("location"),
            fields.get("incident_date"),
            fields.get("anonymous") or 0,
            fields.get("confidential") or 0,
            status,
            unit,
            row.assignee if row.assignee in self.officers else None,
            received,
            updated,
            1 if status == "baru" else 2,  # the version: one per event of the timeline
            clock.due_at,
            clock.due_kind,
            clock.auto_at,
            clock.auto_kind,
            clock.hold_remaining_hk,
            None,
            fields.get("rating"),
            "import",
            _json(row.extra),
        )
        return case, events

    def _status_data(self, status: str, start_known: bool) -> str | None:
        """The data of an `import_status` event (the same few texts on every row)."""
        key = (status, start_known)
        found = self._status_texts.get(key)
        if found is None:
            found = self._status_texts[key] = _json({"status": status, "start_known": start_known})
        return found

    def _new_full(
        self, case_id: int, row: CaseRow, unit: str | None
    ) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
        """A desk-case/1 record: inserted as written, its own local id, clocks and timeline."""
        fields = row.fields
        full = row.full
        assert full is not None
        received = {
            "at": fields["received_at"],
            "actor_kind": "import",
            "kind": "received",
            "visibility": "public",
            "to_status": "baru",
        }
        timeline = imported_timeline([received], self.actor_nip)
        have = {event_key(fields["received_at"], "received", "import", None, None)}
        for event in imported_timeline(row.events, self.actor_nip):
            key = event_key(event["at"], event["kind"], "import", event["body"], event["data"])
            if key in have:
                continue  # the record's own "received" is the one above
            have.add(key)
            timeline.append(event)
            self._result.events_imported += event["kind"] == IMPORT_EVENT
        events = [self._event(case_id, event) for event in timeline]
        assignee = full.get("assignee_nip")
        case = (
            case_id,
            row.local_id,
            fields["tracking_no"],
            fields.get("complaint_id"),
            fields["title"],
            fields["body"],
            fields["classification"],
            fields.get("category"),
            fields.get("subcategory"),
            fields["channel"],
            fields.get("location"),
            fields.get("incident_date"),
            fields["anonymous"],
            fields["confidential"],
            fields["status"],
            unit,
            assignee if assignee in self.officers else None,
            fields["received_at"],
            full.get("updated_at") or fields["received_at"],
            full.get("version") or len(events),
            *(full.get(name) for name in CLOCK_COLUMNS),
            self._duplicate_of(full.get("duplicate_of")),
            fields.get("rating"),
            "import",
            _json(row.extra),
        )
        return case, events

    def _event(self, case_id: int, event: dict[str, Any]) -> tuple[Any, ...]:
        data = event.get("data")
        return (
            case_id,
            event["at"],
            event["actor_kind"],
            event.get("actor_nip"),
            event["kind"],
            event["visibility"],
            event.get("from_status"),
            event.get("to_status"),
            event.get("unit_code"),
            event.get("body"),
            _json(data) if isinstance(data, dict) else None,
        )

    def _duplicate_of(self, reference: object) -> int | None:
        if not reference:
            return None
        found = self.database.execute(
            "SELECT id FROM cases WHERE tracking_no = ? OR local_id = ?", [reference, reference]
        ).fetchone()
        return int(found[0]) if found else None

    # -- existing cases -------------------------------------------------------------------------

    def _update(self, row: CaseRow, unit: str | None, case: dict[str, Any]) -> bool:
        """Apply what the row changes; True when it changed anything."""
        changes: dict[str, Any] = {}
        shown: dict[str, Any] = {}
        for name in COMPARED:
            if name not in row.fields:
                continue  # an empty cell never erases a stored value
            value = row.fields[name]
            if row.full is None and value is None:
                continue
            if case[name] != value:
                changes[name] = shown[name] = value
        if row.fields.get("tracking_no") and case["tracking_no"] != row.fields["tracking_no"]:
            changes["tracking_no"] = shown["tracking_no"] = row.fields["tracking_no"]
        if (row.unit_text or row.full is not None) and case["unit_code"] != unit:
            changes["unit_code"] = shown["unit_code"] = unit
        if row.extra:
            stored = json.loads(case["extra"]) if case["extra"] else {}
            merged = {**stored, **row.extra}
            if merged != stored:
                changes["extra"] = _json(merged)
                shown["extra"] = sorted(
                    set(row.extra) - set(stored)
                    | {key for key in row.extra if stored.get(key) != row.extra[key]}
                )
        reporter_changes = {
            name: value for name, value in row.reporter.items() if case[f"r_{name}"] != value
        }
        new_events: list[tuple[Any, ...]] = []
        if row.full is not None:
            have = {
                event_key(at, kind, actor_kind, body, _loads(data))
                for at, kind, actor_kind, body, data in self.database.execute(
                    "SELECT at, kind, actor_kind, body, data FROM events WHERE case_id = ?",
                    [case["id"]],
                )
            }
            # Compared as the file claims them (an export of this very database adds nothing),
            # stored as this import may store them.
            for event, stored in zip(
                row.events, imported_timeline(row.events, self.actor_nip), strict=True
            ):
                if event["kind"] == "received":
                    continue  # the case was received once, here: its own event says when
                key = event_key(
                    event["at"], event["kind"], event["actor_kind"], event["body"], event["data"]
                )
                if key not in have:
                    have.add(key)
                    new_events.append(self._event(case["id"], stored))
                    self._result.events_imported += stored["kind"] == IMPORT_EVENT
        attached = (
            restore(self.database, case["id"], row.attachments, at=self.now_text)
            if row.attachments
            else 0
        )
        if not changes and not reporter_changes and not new_events and not attached:
            return False
        status = row.fields.get("status") or case["status"]
        if row.full is not None:
            if changes.get("status") or new_events:
                changes.update({name: row.full.get(name) for name in CLOCK_COLUMNS})
        elif "status" in changes or "unit_code" in changes:
            start = from_text(row.status_at or self.now_text)
            received = from_text(changes.get("received_at", case["received_at"]))
            changes.update(self.clocks.for_status(status, unit, received, start).as_columns())
        changes["updated_at"] = self.now_text
        changes["version"] = case["version"] + 1 + len(new_events)
        assignments = ", ".join(f"{column} = ?" for column in changes)
        self.database.execute(
            f"UPDATE cases SET {assignments} WHERE id = ?", [*changes.values(), case["id"]]
        )
        if reporter_changes:
            if case["r_case"] is None:
                self.database.execute(
                    INSERT_REPORTER, [case["id"], *(row.reporter.get(name) for name in REPORTER)]
                )
            else:
                assignments = ", ".join(f"{name} = ?" for name in reporter_changes)
                self.database.execute(
                    f"UPDATE reporters SET {assignments} WHERE case_id = ?",
                    [*reporter_changes.values(), case["id"]],
                )
        if new_events:
            self.database.conn.executemany(INSERT_EVENT, new_events)
        data: dict[str, Any] = {"fields": shown}
        if reporter_changes:
            data["reporter"] = sorted(reporter_changes)  # which fields, never the personal values
        if new_events:
            data["events_added"] = len(new_events)
        if attached:
            data["attachments_added"] = attached
        self.database.execute(
            INSERT_EVENT,
            [
                case["id"],
                self.now_text,
                "import",
                self.actor_nip,
                "import_update",
                "internal",
                case["status"],
                status,
                changes.get("unit_code", case["unit_code"]),
                None,
                _json(data),
            ],
        )
        return True
