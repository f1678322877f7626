"""The spreadsheet view of a case (CSV and XLSX): its columns, and cells safe to open.

Headers are the database's field names, which `desk import` always accepts; reporter fields
follow (`reporter_name`, `nik`, `phone`, `email`, `address`), then one column per key of
`extra` (the columns an earlier import kept) under its original header, so a round trip puts
them back where they were.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` as a formula (and some treat a
leading tab or carriage return the same way): such a text gets a leading apostrophe, which
spreadsheets show as text and `desk import` strips again; raw control characters become their
visible pictures. Both are done by the one writer of every CSV and XLSX file, in
`desk.safety` (`sheet_text`): `text_cell` only turns values into text.
"""

from __future__ import annotations

import json
from typing import Any

from desk.exporting.source import CASE_COLUMNS

# The case fields a spreadsheet carries, the key first. The clock machinery (version, auto_at,
# auto_kind, hold_remaining_hk), source and duplicate_of travel in the JSON formats only.
CASE_FIELDS = (
    "tracking_no",
    "local_id",
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
    "status",
    "unit_code",
    "unit_name",
    "assignee_nip",
    "received_at",
    "updated_at",
    "due_at",
    "due_kind",
    "rating",
)
REPORTER_COLUMNS = ("reporter_name", "nik", "phone", "email", "address")
# The names of a case's files, "; " between them (the files themselves: docs/attachments.md).
ATTACHMENTS_COLUMN = "attachments"
BOOLEAN_COLUMNS = frozenset({"anonymous", "confidential"})
INSTANT_COLUMNS = frozenset({"received_at", "updated_at", "due_at"})
NUMBER_COLUMNS = frozenset({"rating"})
# A public export names no officer.
_PUBLIC_LEFT_OUT = frozenset({"assignee_nip"})
MAX_EXTRA_COLUMNS = 100
_KNOWN = frozenset(CASE_COLUMNS)


def columns(*, public: bool, extra_keys: list[str], attachments: bool = False) -> list[str]:
    """The header row: case fields, then (unless public) the reporter, the attachments (when
    asked) and `extra` columns."""
    names = [name for name in CASE_FIELDS if not (public and name in _PUBLIC_LEFT_OUT)]
    if public:
        return names
    names += REPORTER_COLUMNS
    if attachments:
        names.append(ATTACHMENTS_COLUMN)
    taken = set(names) | _KNOWN
    names += [key for key in extra_keys if key not in taken]
    return names


def values(case: dict[str, Any], names: list[str]) -> list[Any]:
    """The row of `case` under `names`: raw values (None, bool, int, str), not yet cells."""
    reporter = case.get("reporter") or {}
    extra = case.get("extra") if isinstance(case.get("extra"), dict) else {}
    row: list[Any] = []
    for name in names:
        if name in REPORTER_COLUMNS:
            row.append(reporter.get("name" if name == "reporter_name" else name))
        elif name == ATTACHMENTS_COLUMN:
            files = case.get("attachments") or []
            row.append("; ".join(str(f["name"]) for f in files) or None)
        elif name in _KNOWN:
            row.append(case[name])
        else:
            row.append(extra.get(name) if extra else None)
    return row


def text_cell(value: Any) -> str | int | float:
    """A value for the CSV writer (`desk.safety.sheet_csv_writer`, which neutralises text):
    booleans ya/tidak, nothing as empty, numbers as numbers (never a formula)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int | float):
        return value
    if not isinstance(value, str):  # a list or object an import kept in `extra`
        return json.dumps(value, ensure_ascii=False)
    return value
