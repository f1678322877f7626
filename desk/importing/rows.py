"""One record to one case: columns to fields, cells to values, or a row error.

A spreadsheet-like row (CSV, XLSX, a JSON object) goes through the column aliases and the value
rules of `values`; a desk-case/1 record (docs/case-format.md) is taken as written, timeline
included. Either way the result is a `CaseRow`, or a `RowError` naming the column and the value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from db.timefmt import to_text
from desk.attachments import check_meta
from desk.i18n import t
from desk.importing.columns import field_for, map_option
from desk.importing.readers import CASE_FORMAT, Record
from desk.importing.values import (
    BadValue,
    Categories,
    day_text,
    instant_text,
    is_masked,
    parse_bool,
    parse_classification,
    parse_instant,
    parse_nik,
    parse_rating,
    parse_status,
    unneutralise,
)
from desk.lapor import parse_channel

__all__ = ["CASE_FORMAT", "CaseRow", "RowError", "RowReader"]

ATTACHMENTS_COLUMN = "attachments"  # what our spreadsheets call the list of file names
SKIPPED = "\x00skipped"
STATUSES = (
    "baru",
    "tunda",
    "terverifikasi",
    "dikembalikan",
    "diproses",
    "ditanggapi",
    "selesai",
    "diarsipkan",
)
REPORTER = ("name", "nik", "phone", "email", "address")
TITLE_FROM_BODY = 100  # characters of the body's first line used when a row has no title
MAX_TEXT = 1_000_000  # a cell longer than this is a broken file, not a complaint
MAX_KEY = 200  # a tracking number or local id longer than this is no key
MAX_KIND = 40  # an event kind longer than this is no kind of ours
MAX_VERSION = 2**62  # a version SQLite stores as an integer, with room to count on
MAX_HOLD_HK = 1_000  # either way: a case held when already late owes a negative count
NUMBERED = frozenset({"tracking_no", "complaint_id", "duplicate_of"})  # may be JSON numbers


class RowError(Exception):
    """A row that cannot be imported: the column, the value and why."""

    def __init__(self, column: str, value: object, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.value = "" if value is None else str(value)
        self.reason = reason


@dataclass
class CaseRow:
    """A row ready to be upserted. `fields` holds only the case columns the row gives."""

    row: int
    key: str
    fields: dict[str, Any]
    reporter: dict[str, str]
    extra: dict[str, Any] | None
    unit_text: str | None = None
    status_at: str | None = None  # when the imported status began, when the row says it
    masked: int = 0
    unknown_category: str | None = None
    full: dict[str, Any] | None = None  # a desk-case/1 record: local_id, clocks, events...
    events: list[dict[str, Any]] = field(default_factory=list)
    stems: tuple[str, str] | None = None  # title and body stemmed (by a worker), if done yet
    local_id: str | None = None  # the case's local id when the file gives it (our exports do)
    unit_name: str | None = None  # the name for a unit that has to be created
    assignee: str | None = None
    due: tuple[str | None, str] | None = None  # (due_at, due_kind) as an export of ours wrote
    # A desk-case/1 record's files (checked metadata; the content moves with the store folder,
    # docs/attachments.md).
    attachments: list[dict[str, Any]] = field(default_factory=list)
    key_column: str = "tracking_no"  # the column the key was read from, as the file names it
    unit_column: str = "unit_code"  # the column the unit was read from, as the file names it


class RowReader:
    """Turns the records of one file into `CaseRow`s.

    `unit_tz(text)` is the time zone of the unit a row names (the office's for an unknown or
    missing unit): a time written without zone is local time there.
    """

    def __init__(
        self,
        overrides: dict[str, str],
        categories: Categories,
        unit_tz: Callable[[str | None], str],
    ) -> None:
        self.overrides = overrides
        self.categories = categories
        self.unit_tz = unit_tz
        self._layouts: dict[tuple[str, ...], list[tuple[str, str | None]]] = {}
        self._tz: dict[str | None, str] = {}  # unit text -> time zone (a unit's never changes)
        self.unknown_columns: dict[str, None] = {}

    def layout(self, headers: tuple[str, ...]) -> list[tuple[str, str | None]]:
        """(header, field or None) per column; a second column for the same field is extra."""
        found = self._layouts.get(headers)
        if found is None:
            seen: set[str] = set()
            found = []
            for header in headers:
                if header.strip().lower() == ATTACHMENTS_COLUMN:
                    # Our spreadsheets list the file names: information, not data to import.
                    found.append((header, SKIPPED))
                    continue
                name = field_for(header, self.overrides) if header else None
                if name is not None and name in seen:
                    name = None
                if name is None:
                    if header and not header.startswith("\x00"):
                        self.unknown_columns.setdefault(header)
                else:
                    seen.add(name)
                found.append((header, name))
            self._layouts[headers] = found
        return found

    def read(self, record: Record) -> CaseRow:
        if record.values is not None:
            return self._row(record.row, record.headers, record.values)
        cells = record.cells or {}
        row = record.row
        if "\x00bad_json" in cells:
            raise RowError("", "", t("import.row.json", reason=cells["\x00bad_json"]))
        if "\x00not_an_object" in cells:
            raise RowError("", cells["\x00not_an_object"], t("import.row.record"))
        if cells.get("format") == CASE_FORMAT:
            return self._case_record(row, cells)
        return self._row(row, tuple(cells), list(cells.values()))

    # -- a spreadsheet-like row -----------------------------------------------------------------

    def _row(self, row: int, headers: tuple[str, ...], cells: list[Any]) -> CaseRow:
        values: dict[str, tuple[str, Any]] = {}
        extra: dict[str, Any] = {}
        for (header, name), value in zip(self.layout(headers), cells, strict=False):
            if value is None or name == SKIPPED:
                continue
            if value.__class__ is str:
                value = value.strip()
                if not value:
                    continue
                if value[0] == "'":
                    value = unneutralise(value)
                if len(value) > MAX_TEXT:
                    raise RowError(header, value[:40], t("import.row.too_long"))
            elif isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False)
            elif not isinstance(value, datetime):
                value = str(value)
            if name is None:
                extra[header] = value if not isinstance(value, datetime) else value.isoformat()
            else:
                values[name] = (header, value)
        return self._build(row, values, extra or None, headers)

    def _missing(self, headers: tuple[str, ...], name: str, empty: str, absent: str) -> RowError:
        """A required value missing: named by the file's column when it has one (its cell is
        empty), else the reason says the column is missing and how to map one."""
        for header, meaning in self.layout(headers):
            if meaning == name:
                return RowError(header, "", t(empty))
        return RowError("", "", t(absent, map=map_option(t("import.header.placeholder"), name)))

    def _build(
        self,
        row: int,
        values: dict[str, tuple[str, Any]],
        extra: dict[str, Any] | None,
        headers: tuple[str, ...],
    ) -> CaseRow:
        # The hot path of a large import: no closures, the repeating cells remembered.
        get = values.get
        item = get("tracking_no")
        tracking = "" if item is None else str(item[1]).lstrip("#").strip()
        key_column = "" if item is None else item[0]
        item = get("local_id")
        local_id = (None if item is None else str(item[1]).strip()) or None
        key = tracking or local_id  # a case recorded at the desk may have no number yet
        if not key:
            raise self._missing(
                headers, "tracking_no", "import.row.no_key", "import.row.no_key_column"
            )
        if not tracking and item is not None:  # the local id's column gave the key
            key_column = item[0]
        fields: dict[str, Any] = {"tracking_no": tracking or None}
        unit_code = get("unit_code")
        unit_name = get("unit_name")
        unit_text = (
            str(unit_code[1]) if unit_code else str(unit_name[1]) if unit_name else None
        ) or None
        unit_column = unit_code[0] if unit_code else unit_name[0] if unit_name else ""
        status_text = get("status")
        if status_text is not None:
            try:
                status, disposed_to = parse_status(str(status_text[1]))
            except BadValue as error:
                raise RowError(status_text[0], status_text[1], str(error)) from error
            if not unit_text and disposed_to:  # "Terdisposisi ke <instansi>"
                unit_text = disposed_to
                unit_column = status_text[0]
            fields["status"] = status
            if status in ("terverifikasi", "diproses", "ditanggapi") and not unit_text:
                raise RowError(
                    status_text[0], status_text[1], t("import.row.status_unit", status=status)
                )
        tz = self._tz.get(unit_text)
        if tz is None:
            tz = self.unit_tz(unit_text)
            if len(self._tz) < 10_000:
                self._tz[unit_text] = tz
        item = get("body")
        body = None if item is None else str(item[1])
        item = get("title")
        title = None if item is None else str(item[1])
        if not body:
            raise self._missing(headers, "body", "import.row.no_body", "import.row.no_body_column")
        if not title:
            title = body.strip().splitlines()[0][:TITLE_FROM_BODY]
        fields["title"] = title
        fields["body"] = body
        item = get("received_at")
        if item is None:
            raise self._missing(
                headers, "received_at", "import.row.no_received", "import.row.no_received_column"
            )
        fields["received_at"] = self._instant(item, tz)
        item = get("updated_at")
        status_at = None if item is None else self._instant(item, tz)
        item = get("incident_date")
        if item is not None:
            value = item[1]
            if isinstance(value, datetime):
                fields["incident_date"] = value.date().isoformat()
            else:
                try:
                    fields["incident_date"] = day_text(str(value))
                except BadValue as error:
                    raise RowError(item[0], value, str(error)) from error
        for name in ("anonymous", "confidential"):
            item = get(name)
            if item is not None:
                try:
                    fields[name] = parse_bool(str(item[1]))
                except BadValue as error:
                    raise RowError(item[0], item[1], str(error)) from error
        item = get("classification")
        if item is not None:
            try:
                fields["classification"] = parse_classification(str(item[1]))
            except BadValue as error:
                raise RowError(item[0], item[1], str(error)) from error
        item = get("channel")
        if item is not None:
            fields["channel"] = parse_channel(str(item[1]))
        item = get("rating")
        if item is not None:
            try:
                fields["rating"] = parse_rating(str(item[1]))
            except BadValue as error:
                raise RowError(item[0], item[1], str(error)) from error
        for name in ("complaint_id", "location"):
            item = get(name)
            if item is not None:
                fields[name] = str(item[1])
        unknown_category = None
        main = None
        item = get("category")
        if item is not None:
            main, known = self.categories.main_category(str(item[1]))
            fields["category"] = main
            if not known:
                unknown_category = main
        item = get("subcategory")
        if item is not None:
            fields["subcategory"] = self.categories.subcategory(main, str(item[1]))[0]
        due = None
        item = get("due_kind")
        if item is not None:
            due_kind = str(item[1])
            if due_kind not in ("verifikasi", "tindak_lanjut"):
                raise RowError(item[0], due_kind, t("import.row.due_kind", value=due_kind))
            due_at = get("due_at")
            due = (None if due_at is None else self._instant(due_at, tz), due_kind)
        reporter: dict[str, str] = {}
        masked = 0
        for name in REPORTER:
            item = get(name)
            if item is None:
                continue
            value = str(item[1])
            if not value:
                continue
            if "*" in value:  # is_masked: a masked personal value is never stored
                masked += 1
                continue
            if name == "nik":
                try:
                    value = parse_nik(value)
                except BadValue as error:
                    raise RowError(item[0], item[1], str(error)) from error
            reporter[name] = value
        assignee = get("assignee_nip")
        return CaseRow(
            row=row,
            key=key,
            fields=fields,
            reporter=reporter,
            extra=extra,
            unit_text=unit_text,
            status_at=status_at,
            masked=masked,
            unknown_category=unknown_category,
            local_id=local_id,
            unit_name=str(unit_name[1]) if unit_name and unit_code else None,
            assignee=None if assignee is None else str(assignee[1]),
            due=due,
            key_column=key_column,
            unit_column=unit_column,
        )

    @staticmethod
    def _instant(item: tuple[str, Any], tz: str) -> str:
        """A cell's instant as stored; a time without zone is local time in `tz`."""
        header, value = item
        try:
            if isinstance(value, datetime):
                if value.tzinfo is None:
                    value = value.replace(tzinfo=ZoneInfo(tz))
                return to_text(value.astimezone(UTC))
            return instant_text(str(value), tz)
        except BadValue as error:
            raise RowError(header, value, str(error)) from error

    # -- a desk-case/1 record -------------------------------------------------------------------

    def _case_record(self, row: int, record: dict[str, Any]) -> CaseRow:
        """A desk-case/1 record, every value checked for its type and range: a hostile file
        gives row errors, never a value the database would refuse (which would stop a chunk)."""

        def bad(column: str, value: object, reason: str) -> RowError:
            shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            return RowError(column, shown[:80], t("import.row.case_format", reason=reason))

        def text(name: str, *, required: bool = False, source: dict[str, Any] = record) -> Any:
            value = source.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and name in NUMBERED:
                value = str(value)  # a tracking number or complaint id written as a number
            if value is None or value == "":
                if required:
                    raise bad(name, value, f"{name} missing")
                return None
            if not isinstance(value, str):
                raise bad(name, value, f"{name} is not text")
            if len(value) > MAX_TEXT:
                raise RowError(name, value[:40], t("import.row.too_long"))
            return value

        def instant(name: str, value: Any) -> str | None:
            if value is None:
                return None
            if not isinstance(value, str):
                raise bad(name, value, f"{name} is not a date")
            try:
                return to_text(parse_instant(value, "UTC"))
            except BadValue as error:
                raise RowError(name, value[:80], str(error)) from error

        def choice(name: str, allowed: tuple[str, ...], source: dict[str, Any] = record) -> Any:
            value = source.get(name)
            if value is not None and value not in allowed:
                raise bad(name, value, f"unknown {name}")
            return value

        def count(name: str, low: int, high: int) -> int | None:
            value = record.get(name)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise bad(name, value, f"{name} must be a whole number {low}-{high}")
            return value

        tracking = text("tracking_no")
        local_id = text("local_id", required=True)
        if len(local_id) > MAX_KEY or (tracking is not None and len(tracking) > MAX_KEY):
            raise bad("tracking_no", tracking or local_id, "key too long")
        key = (tracking or local_id).strip()
        title = text("title", required=True)
        body = text("body", required=True)
        received_text = text("received_at", required=True)
        status = record.get("status")
        if status not in STATUSES:
            raise RowError("status", str(status)[:80], t("import.row.status", value=status))
        received = instant("received_at", received_text)
        classification = text("classification") or "pengaduan"
        if classification not in ("pengaduan", "aspirasi", "permintaan_informasi"):
            raise RowError(
                "classification",
                classification,
                t("import.row.classification", value=classification),
            )
        rating = record.get("rating")
        if rating is not None and (isinstance(rating, bool) or rating not in (1, 2, 3, 4, 5)):
            raise RowError("rating", str(rating)[:80], t("import.row.rating", value=rating))
        fields: dict[str, Any] = {
            "tracking_no": tracking,
            "complaint_id": text("complaint_id"),
            "title": title,
            "body": body,
            "classification": classification,
            "category": text("category"),
            "subcategory": text("subcategory"),
            "channel": text("channel") or "web",
            "location": text("location"),
            "incident_date": text("incident_date"),
            "anonymous": int(bool(record.get("anonymous"))),
            "confidential": int(bool(record.get("confidential"))),
            "rating": rating,
            "status": status,
            "received_at": received,
        }
        reporter: dict[str, str] = {}
        masked = 0
        person = record.get("reporter")
        if person is not None and not isinstance(person, dict):
            raise bad("reporter", person, "reporter is not an object")
        if isinstance(person, dict):
            for name in REPORTER:
                value = text(name, source=person)
                if not value:
                    continue
                if person.get("masked") or is_masked(value):
                    masked += 1  # an export without --include-personal: never stored
                    continue
                if name == "nik":
                    try:
                        value = parse_nik(value)
                    except BadValue as error:
                        raise RowError("reporter.nik", value, str(error)) from error
                reporter[name] = value
        events = record.get("events") or []
        if not isinstance(events, list):
            raise bad("events", events, "events is not a list")
        checked: list[dict[str, Any]] = []
        for event in events:
            if not isinstance(event, dict) or not all(
                isinstance(event.get(name), str) and event.get(name)
                for name in ("at", "kind", "actor_kind", "visibility")
            ):
                raise bad("events", event, "event incomplete")
            if event["actor_kind"] not in ("officer", "reporter", "system", "import"):
                raise bad("events", event["actor_kind"], "unknown actor_kind")
            if event["visibility"] not in ("public", "internal"):
                raise bad("events", event["visibility"], "unknown visibility")
            if len(event["kind"]) > MAX_KIND:
                raise bad("events", event["kind"], "unknown kind")
            data = event.get("data")
            if data is not None and not isinstance(data, dict):
                raise bad("events", data, "event data is not an object")
            checked.append(
                {
                    "at": instant("events.at", event["at"]),
                    "kind": event["kind"],
                    "actor_kind": event["actor_kind"],
                    "actor_nip": text("actor_nip", source=event),
                    "visibility": event["visibility"],
                    "from_status": choice("from_status", STATUSES, event),
                    "to_status": choice("to_status", STATUSES, event),
                    "unit_code": text("unit_code", source=event),
                    "body": text("body", source=event),
                    "data": data or None,
                }
            )
        files = record.get("attachments") or []
        if not isinstance(files, list):
            raise bad("attachments", files, "attachments is not a list")
        attachments: list[dict[str, Any]] = []
        for entry in files:
            meta = check_meta(
                {k: entry.get(k) for k in ("sha256", "name", "size", "media_type")}
                if isinstance(entry, dict)
                else None
            )
            if meta is None:
                raise bad("attachments", entry, "attachment incomplete")
            attachments.append(meta)
        unit_code = text("unit_code")
        unit_name = text("unit_name")
        extra = record.get("extra") if isinstance(record.get("extra"), dict) else None
        return CaseRow(
            row=row,
            key=key,
            fields=fields,
            reporter=reporter,
            extra=extra or None,
            unit_text=unit_code,
            masked=masked,
            local_id=local_id,
            unit_name=unit_name,
            key_column="tracking_no" if tracking else "local_id",
            full={
                "local_id": local_id,
                "unit_name": unit_name,
                "updated_at": instant("updated_at", record.get("updated_at")),
                "version": count("version", 1, MAX_VERSION),
                "due_at": instant("due_at", record.get("due_at")),
                "due_kind": choice("due_kind", ("verifikasi", "tindak_lanjut")),
                "auto_at": instant("auto_at", record.get("auto_at")),
                "auto_kind": choice("auto_kind", ("tutup_otomatis", "arsip_otomatis")),
                "hold_remaining_hk": count("hold_remaining_hk", -MAX_HOLD_HK, MAX_HOLD_HK),
                "assignee_nip": text("assignee_nip"),
                "duplicate_of": text("duplicate_of"),
            },
            events=checked,
            attachments=attachments,
        )
