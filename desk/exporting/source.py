"""Reading the cases to export: the filter, the count, and the cases whole, a batch at a time.

Cases are read in id order by keyset (`c.id > last id`), a batch of cases with their reporters,
then the timelines and attachments of that batch in one query each: memory holds one batch,
whatever the database's size. The caller reads inside one read transaction, so a long export
sees one consistent moment even while officers keep working.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from db.case_columns import CASE_COLUMNS as STORED_COLUMNS
from db.inbox import CaseFilter
from db.stemming import match_expression
from db.timefmt import to_text
from desk.access import readable_condition
from desk.errors import InvalidInput
from desk.exporting import texts as _texts  # noqa: F401  (registers the texts)
from desk.exporting.options import ExportOptions, shown
from desk.exporting.privacy import Privacy, reporter_for
from desk.i18n import t
from desk.search_query import parse_query
from desk.workflow import Actor, Role, Status

BATCH = 500

# A case's fields as exports carry them: the stored columns (db/case_columns.py) with the
# unit's name beside its code.
CASE_COLUMNS = tuple(
    field
    for name in STORED_COLUMNS
    if name != "id"
    for field in ((name, "unit_name") if name == "unit_code" else (name,))
)
# Columns read straight from `cases AS c`; the others are joined in (see _SELECT).
_OWN = [name for name in CASE_COLUMNS if name not in ("unit_name", "duplicate_of")]
_SELECT = (
    "SELECT c.id AS id, "
    + ", ".join(f"c.{name}" for name in _OWN)
    + ", u.name AS unit_name, coalesce(d.tracking_no, d.local_id) AS duplicate_of, "
    "r.case_id AS reporter_case, r.name AS r_name, r.nik AS r_nik, r.phone AS r_phone, "
    "r.email AS r_email, r.address AS r_address "
    "FROM cases AS c LEFT JOIN units AS u ON u.code = c.unit_code "
    "LEFT JOIN cases AS d ON d.id = c.duplicate_of "
    "LEFT JOIN reporters AS r ON r.case_id = c.id"
)


@dataclass(frozen=True)
class Selection:
    """The cases an export takes, as one SQL condition on `cases AS c`."""

    case_filter: CaseFilter
    description: dict[str, Any]  # the filters as asked, for the summary and the audit log

    def where(self) -> tuple[str, list[Any]]:
        # "set": gather the word matches once per batch; never probe the index case by case.
        return self.case_filter.where("set")


def select_cases(
    database: sqlite_utils.Database, options: ExportOptions, office_tz: str, actor: Actor
) -> Selection:
    """The filter `options` ask for; `InvalidInput` (a `QueryError` for --query) when unreadable.

    The query is read exactly as the inbox's search box reads it; the other options are added
    as further conditions, so every filter narrows (AND), a status in both included. Only the
    cases `actor` may read are exported (desk/access.py: a petugas, their unit's).
    """
    query = (options.query or "").strip()
    case_filter = parse_query(query, office_tz=office_tz) if query else CaseFilter()
    extra: list[tuple[str, tuple[Any, ...]]] = []
    description: dict[str, Any] = {}
    if query:
        description["query"] = query
    if options.statuses:
        statuses = tuple(dict.fromkeys(_status(value) for value in options.statuses))
        extra.append((f"c.status IN ({_marks(statuses)})", statuses))
        description["status"] = list(statuses)
    if options.units:
        units = tuple(dict.fromkeys(_unit(database, value) for value in options.units))
        extra.append((f"c.unit_code IN ({_marks(units)})", units))
        description["unit"] = list(units)
    zone = ZoneInfo(office_tz)
    if options.since:
        start = datetime.combine(options.since, time(0), tzinfo=zone)
        extra.append(("c.received_at >= ?", (to_text(start),)))
        description["since"] = options.since.isoformat()
    if options.until:
        end = datetime.combine(options.until + timedelta(days=1), time(0), tzinfo=zone)
        extra.append(("c.received_at < ?", (to_text(end),)))
        description["until"] = options.until.isoformat()
    if options.public:
        extra.append(("c.confidential = 0", ()))
    readable, readable_params = readable_condition(actor, "c")
    extra.append((readable, tuple(readable_params)))
    case_filter = replace(case_filter, extra=case_filter.extra + tuple(extra))
    return Selection(case_filter, description)


def _marks(values: tuple[str, ...]) -> str:
    return ", ".join("?" for _ in values)


def _status(value: str) -> str:
    code = value.strip().lower()
    codes = [status.value for status in Status]
    if code not in codes:
        raise InvalidInput(t("export.error.status", value=shown(value), codes=", ".join(codes)))
    return code


def _unit(database: sqlite_utils.Database, value: str) -> str:
    """A unit code as the database has it (any case): a typo must not give an empty file."""
    row = database.execute(
        "SELECT code FROM units WHERE code = ? COLLATE NOCASE", [value.strip()]
    ).fetchone()
    if row is None:
        raise InvalidInput(t("export.error.unit", value=shown(value)))
    return str(row[0])


def count(database: sqlite_utils.Database, selection: Selection) -> int:
    where, params = selection.where()
    row = database.execute(f"SELECT count(*) FROM cases AS c WHERE {where}", params).fetchone()
    return int(row[0])


def has_attachments(database: sqlite_utils.Database, selection: Selection) -> bool:
    """Whether any case of the selection has a file (a spreadsheet then lists their names)."""
    where, params = selection.where()
    row = database.execute(
        f"SELECT 1 FROM attachments AS a JOIN cases AS c ON c.id = a.case_id WHERE {where} LIMIT 1",
        params,
    ).fetchone()
    return row is not None


def extra_keys(database: sqlite_utils.Database, selection: Selection, limit: int) -> list[str]:
    """The keys of `extra` (columns an import kept) among the selected cases, first seen first."""
    where, params = selection.where()
    rows = database.execute(
        "SELECT j.key FROM cases AS c, json_each(c.extra) AS j "
        f"WHERE c.extra IS NOT NULL AND json_valid(c.extra) AND {where} "
        "GROUP BY j.key ORDER BY min(c.id), j.key LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [str(key) for (key,) in rows]


def iter_cases(
    database: sqlite_utils.Database,
    selection: Selection,
    *,
    privacy: Privacy,
    role: Role,
    timeline: bool,
    files: bool = False,
    batch: int = BATCH,
) -> Iterator[list[dict[str, Any]]]:
    """Batches of whole cases in the desk-case/1 shape (docs/case-format.md), in id order.

    `timeline`: read the events and attachments too (the JSON formats carry them).
    `files`: read the attachments without the events (a spreadsheet lists their names).
    """
    for rows in _batches(database, selection, batch):
        ids = [int(row["id"]) for row in rows]
        events = _events(database, ids, privacy) if timeline else {}
        attachments = _attachments(database, ids) if timeline or files else {}
        yield [
            _case(row, privacy, role, events.get(row["id"], []), attachments.get(row["id"], []))
            for row in rows
        ]


def _batches(
    database: sqlite_utils.Database, selection: Selection, batch: int
) -> Iterator[list[dict[str, Any]]]:
    """The selected case rows, a batch at a time, in id order, each page found by keyset.

    With words to match, the keyset walks the full-text index instead: each page takes the next
    `batch` matching ids from the index (which keeps them in id order) and applies the other
    filters to those alone. Asking for "matches AND id > last" of the cases instead would make
    SQLite gather every match again for every page (minutes instead of seconds for a common word).
    """
    words = selection.case_filter.words
    expression = match_expression(words) if words else None
    last = 0
    if expression is None:
        where, params = selection.where()
        sql = f"{_SELECT} WHERE {where} AND c.id > ? ORDER BY c.id LIMIT ?"
        while True:
            rows = list(database.query(sql, [*params, last, batch]))
            if rows:
                last = int(rows[-1]["id"])
                yield rows
            if len(rows) < batch:
                return
    where, params = replace(selection.case_filter, words=None).where()
    while True:
        ids = [
            int(rowid)
            for (rowid,) in database.execute(
                "SELECT rowid FROM case_search WHERE case_search MATCH ? AND rowid > ? "
                "ORDER BY rowid LIMIT ?",
                [expression, last, batch],
            )
        ]
        if not ids:
            return
        last = ids[-1]
        rows = list(
            database.query(
                f"{_SELECT} WHERE {where} AND c.id IN ({_marks(tuple(map(str, ids)))}) "
                "ORDER BY c.id",
                [*params, *ids],
            )
        )
        if rows:
            yield rows
        if len(ids) < batch:
            return


def _case(
    row: dict[str, Any],
    privacy: Privacy,
    role: Role,
    events: list[dict[str, Any]],
    attachments: list[dict[str, Any]],
) -> dict[str, Any]:
    case: dict[str, Any] = {"format": "desk-case/1"}
    for name in CASE_COLUMNS:
        case[name] = row[name]
    case["anonymous"] = bool(row["anonymous"])
    case["confidential"] = bool(row["confidential"])
    case["extra"] = _json(row["extra"]) if row["extra"] else None
    reporter = None
    if row["reporter_case"] is not None:
        reporter = {name: row[f"r_{name}"] for name in ("name", "nik", "phone", "email", "address")}
    case["reporter"] = reporter_for(privacy, role, reporter, case["anonymous"])
    if privacy is Privacy.PUBLIC:
        # A public file names no officer and keeps no column an import could not place.
        case["assignee_nip"] = None
        case["extra"] = None
    case["events"] = events
    case["attachments"] = attachments
    return case


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text  # not JSON after all: carry it as it is


def _events(
    database: sqlite_utils.Database, ids: list[int], privacy: Privacy
) -> dict[int, list[dict[str, Any]]]:
    public_only = " AND visibility = 'public'" if privacy is Privacy.PUBLIC else ""
    rows = database.execute(
        "SELECT case_id, at, actor_kind, actor_nip, kind, visibility, from_status, to_status, "
        f"unit_code, body, data FROM events WHERE case_id IN ({_marks(tuple(map(str, ids)))})"
        f"{public_only} ORDER BY case_id, at, id",
        ids,
    )
    timelines: dict[int, list[dict[str, Any]]] = {}
    for case_id, at, kind_of_actor, nip, kind, visibility, before, after, unit, body, data in rows:
        timelines.setdefault(case_id, []).append(
            {
                "at": at,
                "actor_kind": kind_of_actor,
                "actor_nip": None if privacy is Privacy.PUBLIC else nip,
                "kind": kind,
                "visibility": visibility,
                "from_status": before,
                "to_status": after,
                "unit_code": unit,
                "body": body,
                "data": _json(data) if data else {},
            }
        )
    return timelines


def _attachments(
    database: sqlite_utils.Database, ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    rows = database.execute(
        "SELECT case_id, name, size, sha256, media_type FROM attachments "
        f"WHERE case_id IN ({_marks(tuple(map(str, ids)))}) ORDER BY case_id, id",
        ids,
    )
    files: dict[int, list[dict[str, Any]]] = {}
    for case_id, name, size, sha256, media_type in rows:
        files.setdefault(case_id, []).append(
            {"name": name, "size": size, "sha256": sha256, "media_type": media_type}
        )
    return files
