"""Round trip (issue 4): export everything, import it into an empty database, and the cases are
the same: fields, the anonim and rahasia flags, statuses, units, reporters and (JSON Lines)
timelines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from db import open_database
from desk.exporting import ExportOptions, export_cases
from tests.conftest import ADMIN, NOW, case_in
from tests.test_export import build_office

importing = pytest.importorskip("desk.importing")

CASE_FIELDS = (
    "tracking_no",
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
    "received_at",
    "rating",
)
EVENT_FIELDS = (
    "at, actor_kind, actor_nip, kind, visibility, from_status, to_status, unit_code, body"
)


@pytest.fixture
def source(tmp_path: Path) -> sqlite_utils.Database:
    """The export tests' office (anonymous, Rahasia, hostile and formula-like text) plus one
    case in each status."""
    database = open_database(tmp_path / "source.db")
    build_office(database)
    for number, status in enumerate(
        ("tunda", "dikembalikan", "ditanggapi", "selesai", "diarsipkan"), start=3001
    ):
        case_in(database, status, str(number))
    database.execute(
        "UPDATE cases SET rating = 5, classification = 'aspirasi', channel = 'sms' "
        "WHERE tracking_no = '3004'"
    )
    return database


def cases(database: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    rows = database.query(
        f"SELECT c.id, {', '.join(f'c.{name}' for name in CASE_FIELDS)}, c.extra, "
        "r.name, r.nik, r.phone, r.email, r.address "
        "FROM cases AS c LEFT JOIN reporters AS r ON r.case_id = c.id"
    )
    return {row["tracking_no"]: row for row in rows}


def timeline(database: sqlite_utils.Database, case_id: int) -> list[tuple[Any, ...]]:
    return database.execute(
        f"SELECT {EVENT_FIELDS}, data FROM events WHERE case_id = ? ORDER BY at, id", [case_id]
    ).fetchall()


def original(event: tuple[Any, ...]) -> tuple[Any, ...]:
    """A source event as the file carries it (its `data` parsed)."""
    return (*event[:-1], json.loads(event[-1]) if event[-1] else None)


def claimed(event: tuple[Any, ...]) -> tuple[Any, ...]:
    """An imported event as the event its file claimed; the import's own events as they are."""
    at, actor_kind, actor_nip, kind, visibility, _from, _to, _unit, body, data = event
    assert (actor_kind, actor_nip) == ("import", ADMIN.nip)  # the importing admin's, always
    if kind != "import_event":
        assert kind == "received" and visibility == "public"
        return (at, "import", None, kind, visibility, None, "baru", None, body, None)
    claim = json.loads(data)
    c = claim["claimed"]
    assert visibility == "internal"
    return (
        at, c["actor_kind"], c["actor_nip"], c["kind"], c["visibility"], c["from_status"],
        c["to_status"], c["unit_code"], body, claim.get("data"),
    )  # fmt: skip


def units(database: sqlite_utils.Database) -> set[tuple[str, str]]:
    used = "SELECT DISTINCT unit_code FROM cases WHERE unit_code IS NOT NULL"
    return set(database.execute(f"SELECT code, name FROM units WHERE code IN ({used})").fetchall())


def round_trip(source: sqlite_utils.Database, tmp_path: Path, suffix: str) -> Any:
    exported = tmp_path / f"semua.{suffix}"
    summary = export_cases(
        source, exported, ExportOptions(include_personal=True), actor=ADMIN, now=NOW
    )
    assert summary.cases == 10
    target = open_database(tmp_path / f"target-{suffix}.db")
    result = importing.import_files(
        target,
        [exported],
        importing.ImportOptions(errors_path=tmp_path / f"errors-{suffix}.csv"),
        actor=ADMIN,
        now=NOW,
    )
    assert result.rejected == 0, [vars(error) for error in result.first_errors]
    assert result.total("inserted") == 10
    return target


def same_cases(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> None:
    assert sorted(after) == sorted(before)
    for number, case in before.items():
        for name in (*CASE_FIELDS, "name", "nik", "phone", "email", "address"):
            assert after[number][name] == case[name], (number, name)
        extra = json.loads(after[number]["extra"]) if after[number]["extra"] else None
        assert extra == (json.loads(case["extra"]) if case["extra"] else None), number


def test_jsonl_round_trip_keeps_cases_flags_statuses_units_and_timelines(
    source: sqlite_utils.Database, tmp_path: Path
) -> None:
    target = round_trip(source, tmp_path, "jsonl")
    before, after = cases(source), cases(target)
    same_cases(before, after)
    assert units(target) == units(source)
    for number, case in before.items():
        # Issue 15: an imported timeline is what the file claims, in the importing admin's name
        # (docs/import.md, "Imported timelines"): each event's claim is kept whole.
        claims = [claimed(event) for event in timeline(target, after[number]["id"])]
        assert claims[0][:4] == (after[number]["received_at"], "import", None, "received")
        originals = [original(event) for event in timeline(source, case["id"])]
        assert [c for c in claims if c[1] != "import"] == [
            o for o in originals if o[1] != "import"
        ], number
    local_ids = "SELECT tracking_no, local_id FROM cases ORDER BY tracking_no"
    assert target.execute(local_ids).fetchall() == source.execute(local_ids).fetchall()


def test_csv_round_trip_keeps_cases_flags_statuses_and_units(
    source: sqlite_utils.Database, tmp_path: Path
) -> None:
    target = round_trip(source, tmp_path, "csv")
    # Issue 15: CSV writes control characters as their pictures (`cat` fires nothing); the
    # rest of the text comes back as it was. JSON Lines keeps them exactly.
    before = cases(source)
    for case in before.values():
        for name in ("title", "body"):
            case[name] = case[name].replace("\x1b", "␛").replace("\x07", "␇")
    same_cases(before, cases(target))
    assert units(target) == units(source)
    flags = "SELECT tracking_no, anonymous, confidential, status FROM cases ORDER BY tracking_no"
    assert target.execute(flags).fetchall() == source.execute(flags).fetchall()
