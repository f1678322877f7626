"""Each case's clock instants (case_clocks, schema v6) always equal a fresh fold of its timeline.

The report reads them instead of the events (desk/metrics.py), so every way an event is written,
changed or removed must leave them right: triggers on `events` keep them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from db import open_database
from db.migrations import migrate
from desk.seed import seed_database

KINDS = (
    "'verify', 'dispose', 'follow_up', 'return', 'reporter_reply', 'hold', 'resume', "
    "'archive', 'restore', 'auto_archive'"
)
# The fold written out again here on purpose (not imported from the schema): if the triggers
# and this disagree, one of them is wrong.
FOLD = f"""
SELECT e.case_id,
       min(unixepoch(e.at)) FILTER (WHERE e.kind = 'verify'),
       max(unixepoch(e.at)) FILTER (WHERE e.kind IN ('verify', 'dispose')),
       min(unixepoch(e.at)) FILTER (WHERE e.kind = 'follow_up'),
       group_concat(e.unit_code, ' ') FILTER (WHERE e.kind = 'return'),
       count(*) FILTER (WHERE e.kind = 'reporter_reply' AND e.from_status = 'diproses'),
       count(*) FILTER (WHERE e.to_status IN ('tunda', 'diarsipkan') AND e.from_status = 'baru'),
       count(*) FILTER (WHERE e.from_status IN ('tunda', 'diarsipkan') AND e.to_status = 'baru'),
       min(unixepoch(e.at)) FILTER (WHERE e.to_status IN ('tunda', 'diarsipkan')
                                     AND e.from_status = 'baru'),
       max(unixepoch(e.at)) FILTER (WHERE e.from_status IN ('tunda', 'diarsipkan')
                                     AND e.to_status = 'baru')
FROM events AS e WHERE e.kind IN ({KINDS}) GROUP BY e.case_id
"""
STORED = (
    "SELECT case_id, verified, disposed, followed, returners, replies, pause_starts, "
    "pause_ends, first_pause, last_resume FROM case_clocks"
)


def normalised(rows: list[Any]) -> list[tuple[Any, ...]]:
    # The returners are a list whose order does not matter to any figure.
    return sorted(
        (*row[:4], " ".join(sorted(row[4].split())) if row[4] else None, *row[5:]) for row in rows
    )


def assert_clocks_match(database: sqlite_utils.Database) -> None:
    stored = normalised(database.execute(STORED).fetchall())
    folded = normalised(database.execute(FOLD).fetchall())
    assert stored == folded
    assert stored, "the fixture should have timelines to compare"


@pytest.fixture
def seeded(tmp_path: Path) -> sqlite_utils.Database:
    database = open_database(tmp_path / "desk.db")
    seed_database(database, 600, seed=7, workers=0)
    return database


def add_event(
    database: sqlite_utils.Database, case_id: int, at: str, kind: str, **more: Any
) -> int:
    with database.conn:
        cursor = database.conn.execute(
            "INSERT INTO events (case_id, at, actor_kind, kind, visibility, from_status, "
            "to_status, unit_code, uid) VALUES (?, ?, 'officer', ?, 'internal', ?, ?, ?, ?)",
            [
                case_id,
                at,
                kind,
                more.get("from_status"),
                more.get("to_status"),
                more.get("unit_code"),
                more.get("uid"),
            ],
        )
    return int(cursor.lastrowid or 0)


def test_a_seeded_history_is_folded_exactly(seeded: sqlite_utils.Database) -> None:
    # Every kind the seed writes: verifications, dispositions, holds, archives, returns...
    assert_clocks_match(seeded)
    shapes = seeded.execute(
        "SELECT sum(pause_starts > 1), sum(returners LIKE '% %'), sum(replies > 0) FROM case_clocks"
    ).fetchone()
    assert all(shapes), f"the seed should hold repeated pauses, returns and replies: {shapes}"


def test_events_out_of_order_keep_the_first_and_last_instants(
    seeded: sqlite_utils.Database,
) -> None:
    # A sync can bring an older event after a newer one: the first verification stays the
    # earliest, the last disposition the latest.
    case_id = seeded.execute("SELECT min(id) FROM cases").fetchone()[0]
    add_event(seeded, case_id, "2030-01-02T03:00:00Z", "dispose", unit_code="PUPR")
    add_event(seeded, case_id, "2000-01-02T03:00:00Z", "verify", unit_code="PUPR")
    add_event(seeded, case_id, "2000-01-03T03:00:00Z", "follow_up")
    add_event(seeded, case_id, "2001-01-01T00:00:00Z", "return", unit_code="DINKES")
    add_event(seeded, case_id, "2001-01-02T00:00:00Z", "return", unit_code="PUPR")
    add_event(
        seeded, case_id, "2001-01-03T00:00:00Z", "hold", from_status="baru", to_status="tunda"
    )
    add_event(seeded, case_id, "2001-01-04T00:00:00Z", "reporter_reply", from_status="diproses")
    assert_clocks_match(seeded)
    verified, disposed = seeded.execute(
        "SELECT verified, disposed FROM case_clocks WHERE case_id = ?", [case_id]
    ).fetchone()
    assert verified == 946782000  # 2000-01-02T03:00Z
    assert disposed == 1893553200  # 2030-01-02T03:00Z


def test_an_event_removed_or_moved_is_folded_again(seeded: sqlite_utils.Database) -> None:
    case_id = seeded.execute("SELECT max(id) FROM cases").fetchone()[0]
    first = add_event(seeded, case_id, "2001-05-01T00:00:00Z", "verify", unit_code="PUPR", uid="A")
    add_event(seeded, case_id, "2001-06-01T00:00:00Z", "follow_up", uid="B")
    assert_clocks_match(seeded)
    # A conflict resolved in favour of the server removes the desk's own event by its uid.
    with seeded.conn:
        seeded.execute("DELETE FROM events WHERE uid = 'B'")
    assert_clocks_match(seeded)
    # A new uid alone changes nothing; a moved instant is folded again.
    with seeded.conn:
        seeded.execute("UPDATE events SET uid = 'C' WHERE id = ?", [first])
        seeded.execute("UPDATE events SET at = '1999-01-01T00:00:00Z' WHERE id = ?", [first])
    assert_clocks_match(seeded)
    assert (
        seeded.execute("SELECT verified FROM case_clocks WHERE case_id = ?", [case_id]).fetchone()[
            0
        ]
        == 915148800
    )  # 1999-01-01


def test_a_deleted_case_takes_its_clocks_with_it(seeded: sqlite_utils.Database) -> None:
    case_id = seeded.execute("SELECT min(case_id) FROM case_clocks").fetchone()[0]
    with seeded.conn:
        for table in ("attachments", "outbox", "drafts"):
            seeded.execute(f"DELETE FROM {table} WHERE case_id = ?", [case_id])
        seeded.execute("UPDATE cases SET duplicate_of = NULL WHERE duplicate_of = ?", [case_id])
        seeded.execute("DELETE FROM cases WHERE id = ?", [case_id])
    assert (
        seeded.execute("SELECT count(*) FROM case_clocks WHERE case_id = ?", [case_id]).fetchone()[
            0
        ]
        == 0
    )
    assert_clocks_match(seeded)


def test_upgrading_a_version_5_database_folds_the_existing_timelines(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = open_database(path, migrate=False)
    migrate(old, target=5)
    seed_database(old, 200, seed=3, workers=0)
    assert "case_clocks" not in old.table_names()
    old.conn.close()
    upgraded = open_database(path)
    assert_clocks_match(upgraded)
    plan = " ".join(
        str(row[3])
        for row in upgraded.execute(
            "EXPLAIN QUERY PLAN SELECT status, unit_code, due_at, rating FROM cases "
            "WHERE received_at >= '2026-01-01' AND received_at < '2027-01-01'"
        )
    )
    assert "COVERING INDEX cases_by_received" in plan


def test_imports_keep_the_trigger_and_fold_restored_timelines(
    seeded: sqlite_utils.Database, tmp_path: Path
) -> None:
    # A spreadsheet import skips the trigger for its own "received" events (db/case_clocks.py);
    # a JSON Lines import brings whole timelines, kept as what the file claims (docs/import.md,
    # "Imported timelines"): the clocks stay those of the stored timeline, and a claim moves no
    # clock (a file cannot improve a unit's figures).
    from desk.exporting import ExportOptions, export_cases
    from desk.importing import ImportOptions, import_files
    from tests.conftest import ADMIN, NOW

    trigger = "SELECT count(*) FROM sqlite_master WHERE name = 'events_clock_insert'"
    for suffix in ("csv", "jsonl"):
        exported = tmp_path / f"all.{suffix}"
        export_cases(seeded, exported, ExportOptions(include_personal=True), actor=ADMIN, now=NOW)
        target = open_database(tmp_path / f"target-{suffix}.db")
        result = import_files(
            target,
            [exported],
            ImportOptions(errors_path=tmp_path / f"errors-{suffix}.csv"),
            actor=ADMIN,
            now=NOW,
        )
        assert result.total("inserted") == 600
        assert target.execute(trigger).fetchone()[0] == 1
        if suffix == "csv":
            assert target.execute("SELECT count(*) FROM case_clocks").fetchone()[0] == 0
        else:
            # The clocks are the fold of what is stored (nothing, here: claims fold to nothing).
            stored = normalised(target.execute(STORED).fetchall())
            assert stored == normalised(target.execute(FOLD).fetchall())
            restored = target.execute(
                "SELECT count(*) FROM case_clocks WHERE verified IS NOT NULL OR disposed IS NOT "
                "NULL OR followed IS NOT NULL OR replies IS NOT NULL OR pause_starts IS NOT NULL"
            ).fetchone()[0]
            assert restored == 0
            claims = "SELECT count(*) FROM events WHERE kind = 'import_event'"
            assert target.execute(claims).fetchone()[0] > 0
