"""Moving a running province from the SQLite central to PostgreSQL (issue 17, design section 7).

Two desks work offline while the central system is moved; after the move they sync with the
central server on PostgreSQL and nothing is lost or doubled (tests/test_pg_cli.py serves one
store with `--workers 2`). `desk central migrate` keeps the epoch: a desk's
next sync is an ordinary incremental one. With `--new-epoch` each desk pulls everything once,
keeping its unsent work.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from db import open_database
from desk import services
from desk.central.migrate import migrate
from desk.central.testing import prepare_central, running_server
from desk.intake import IntakeDraft, record_intake
from desk.sync.remote import Remote, save_remote
from desk.sync.run import SyncReport, run_sync
from desk.sync.transport import RetryPolicy
from desk.workflow import Action, Actor, Role
from tests.pg_support import POSTGRESQL, central_query, pg_dsn, url_of  # noqa: F401

pytestmark = POSTGRESQL

FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05)
OFFICES = {"pupr": (["PUPR"], False), "dinkes": (["DINKES"], False)}


def desk_of(path: Path, url: str, token: str) -> sqlite_utils.Database:
    database = open_database(path)
    save_remote(database, path, url, token)
    return database


def sync(database: sqlite_utils.Database, url: str, token: str) -> SyncReport:
    return run_sync(database, Remote(url, token), policy=FAST)


def petugas(database: sqlite_utils.Database, unit: str) -> Actor:
    row = database.execute(
        "SELECT nip, name FROM officers WHERE role = 'petugas' AND active = 1 AND unit_code = ? "
        "ORDER BY nip LIMIT 1",
        [unit],
    ).fetchone()
    return Actor(row[0], row[1], Role.PETUGAS, unit)


def work_offline(database: sqlite_utils.Database, unit: str, marker: str) -> dict[str, Any]:
    """A note on each of three of the unit's cases and a complaint taken at the counter."""
    actor = petugas(database, unit)
    cases = [
        row[0]
        for row in database.execute(
            "SELECT id FROM cases WHERE unit_code = ? ORDER BY id LIMIT 3", [unit]
        ).fetchall()
    ]
    for number, case_id in enumerate(cases):
        services.perform(database, actor, Action.NOTE, case_id, text=f"{marker} {number}")
    draft = IntakeDraft(
        title=f"Laporan loket {marker}",
        text="Lampu jalan mati sejak seminggu di depan sekolah.",
        category="INFRASTRUKTUR JALAN",
        channel="loket",
        name="Budi Santoso",
        phone="0812 5555 0199",
    )
    recorded = record_intake(database, actor, draft, datetime.now(UTC))
    return {"notes": len(cases), "provisional": recorded.provisional_no}


def desk_cases(database: sqlite_utils.Database) -> dict[str, tuple[Any, ...]]:
    """What a desk holds: each case's version and status, and its events' uids."""
    rows = database.execute(
        "SELECT c.local_id, c.version, c.status, c.tracking_no, "
        "(SELECT group_concat(uid, ',') FROM (SELECT uid FROM events WHERE case_id = c.id "
        "ORDER BY uid)) FROM cases c"
    ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


@pytest.mark.parametrize("new_epoch", [False, True], ids=["same-epoch", "new-epoch"])
def test_two_desks_working_offline_sync_after_the_move_with_nothing_lost_or_doubled(
    tmp_path: Path,
    pg_dsn: str,  # noqa: F811
    new_epoch: bool,
) -> None:
    sqlite_path = tmp_path / "central.db"
    tokens = prepare_central(sqlite_path, cases=300, seed=3, offices=OFFICES)
    desks = {name: tmp_path / f"{name}.db" for name in OFFICES}
    units = {"pupr": "PUPR", "dinkes": "DINKES"}
    with running_server(sqlite_path, rate=1000, burst=1000) as url:
        opened = {name: desk_of(path, url, tokens[name]) for name, path in desks.items()}
        for name, database in opened.items():
            assert sync(database, url, tokens[name]).outcome == "ok"
    # The central system is stopped; the desks carry on offline.
    work = {name: work_offline(db, units[name], f"offline-{name}") for name, db in opened.items()}
    target = url_of(pg_dsn)
    report = migrate(sqlite_path, target, new_epoch=new_epoch)
    assert report.new_epoch is new_epoch
    files = tmp_path / "shared-files"
    with running_server(target, files=files, rate=1000, burst=1000) as url:
        for name, database in opened.items():
            first = sync(database, url, tokens[name])
            assert first.outcome == "ok", first.error
            assert first.full_repull is new_epoch  # same epoch: an ordinary incremental sync
            assert first.ops_applied == work[name]["notes"] + 1  # the notes and the create
            assert first.ops_duplicate == first.ops_conflict == first.ops_rejected == 0
            again = sync(database, url, tokens[name])
            assert again.outcome == "ok" and again.changes_pulled == 0
            assert again.check is None or again.check.get("identical", True)
        for name, database in opened.items():
            # Each desk holds what the central system holds for its office, case for case.
            central = {
                row[0]: (row[1], row[2], row[3], row[4])
                for row in central_query(
                    target,
                    "SELECT c.local_id, c.version, c.status, c.tracking_no, "
                    "(SELECT string_agg(uid, ',' ORDER BY uid COLLATE \"C\") FROM events "
                    "WHERE case_id = c.id) FROM cases c WHERE c.unit_code = ?",
                    [units[name]],
                )
            }
            held = desk_cases(database)
            for local_id, figures in central.items():
                assert held[local_id] == figures, local_id
            created = database.execute(
                "SELECT tracking_no FROM cases WHERE provisional_no = ?",
                [work[name]["provisional"]],
            ).fetchone()
            assert created is not None and created[0] is not None  # numbered by the new central
    # Every offline note is on the central system once.
    for name in OFFICES:
        counted = central_query(
            target,
            "SELECT count(*), count(DISTINCT body) FROM events WHERE body LIKE ?",
            [f"offline-{name} %"],
        )
        assert counted == [(work[name]["notes"], work[name]["notes"])]
    for database in opened.values():
        database.conn.close()
