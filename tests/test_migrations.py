"""The schema comes up from an empty file and from every earlier version, keeping the data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from db import DatabaseTooNew, NotADatabase, StorageError, open_database
from db.migrations import CURRENT_VERSION, MIGRATIONS, migrate, schema_version

EXPECTED_TABLES = {
    "settings",
    "units",
    "officers",
    "regional_holidays",
    "cases",
    "reporters",
    "events",
    "attachments",
    "outbox",
    "sync_state",
    "audit_log",
    "reply_templates",
    "case_search",
    "drafts",
    "schema_migrations",
}


def test_an_empty_file_becomes_the_current_schema(tmp_path: Path) -> None:
    database = open_database(tmp_path / "new.db")
    assert schema_version(database) == CURRENT_VERSION
    assert set(database.table_names()) >= EXPECTED_TABLES
    recorded = [row[0] for row in database.execute("SELECT version FROM schema_migrations")]
    assert recorded == [m.version for m in MIGRATIONS]
    assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert database.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert database.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000


@pytest.mark.parametrize("start", [m.version for m in MIGRATIONS[:-1]])
def test_every_earlier_version_upgrades_with_its_data(tmp_path: Path, start: int) -> None:
    path = tmp_path / "old.db"
    old = open_database(path, migrate=False)
    migrate(old, target=start)
    assert schema_version(old) == start
    old.execute("INSERT INTO units (code, name) VALUES ('PUPR', 'Dinas PUPR')")
    old.execute(
        "INSERT INTO cases (local_id, tracking_no, title, body, status, received_at, updated_at) "
        "VALUES ('01J0000000000000000000000A', '8112829', 'Jalan rusak', 'Belum diperbaiki', "
        "'baru', '2026-01-05T01:00:00Z', '2026-01-05T01:00:00Z')"
    )
    old.execute(
        "INSERT INTO outbox (op_id, case_id, case_local_id, kind, base_version, payload, "
        "created_at) VALUES ('01J0000000000000000000000B', 1, '01J0000000000000000000000A', "
        "'note', 1, '{\"text\":\"unsent\"}', '2026-01-05T02:00:00Z')"
    )
    old.conn.close()

    upgraded = open_database(path)
    assert schema_version(upgraded) == CURRENT_VERSION
    assert upgraded.execute("SELECT tracking_no FROM cases").fetchall() == [("8112829",)]
    found = upgraded.execute(
        "SELECT rowid FROM case_search WHERE case_search MATCH 'baik'"
    ).fetchall()
    assert found == [(1,)]
    # Unsent work survives the outbox rebuild of version 4, and the new states are allowed.
    assert upgraded.execute("SELECT op_id, state FROM outbox").fetchall() == [
        ("01J0000000000000000000000B", "pending")
    ]
    upgraded.execute("UPDATE outbox SET state = 'conflict'")
    assert upgraded.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_opening_twice_applies_nothing_more(tmp_path: Path) -> None:
    open_database(tmp_path / "a.db").conn.close()
    database = open_database(tmp_path / "a.db")
    assert migrate(database) == []


def test_a_newer_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    database = open_database(path)
    database.execute(f"PRAGMA user_version = {CURRENT_VERSION + 1}")
    database.conn.close()
    with pytest.raises(DatabaseTooNew, match="upgrade desk"):
        open_database(path)


def test_a_file_that_is_not_a_database_is_named(tmp_path: Path) -> None:
    path = tmp_path / "complaints.csv"
    path.write_text("nomor;judul\n8112829;Jalan rusak\n" * 100)
    with pytest.raises(NotADatabase, match=r"complaints\.csv"):
        open_database(path)


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="does not exist"):
        open_database(tmp_path / "no" / "such" / "desk.db")


def test_a_failed_migration_leaves_the_previous_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "half.db"
    database = open_database(path, migrate=False)
    migrate(database, target=1)
    broken = MIGRATIONS[1].__class__(2, "broken", "schema_v2.sql")
    real_execute = database.execute

    def failing_execute(sql: str, *args: object) -> sqlite3.Cursor:
        if sql.startswith("CREATE TABLE drafts"):
            raise sqlite3.OperationalError("disk I/O error")
        return real_execute(sql, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(database, "execute", failing_execute)
    from db import migrations

    with pytest.raises(sqlite3.OperationalError):
        migrations.apply(database, broken)
    monkeypatch.undo()
    assert schema_version(database) == 1
    assert "drafts" not in database.table_names()


def test_the_deadline_index_carries_the_columns_searches_filter_on(tmp_path: Path) -> None:
    # A search walking the deadline order tests status, channel and Anonim without reading each
    # case's row (schema_v8.sql).
    database = open_database(tmp_path / "new.db")
    columns = [row[2] for row in database.execute("PRAGMA index_info(cases_by_due)")]
    assert columns == ["due_sort", "id", "status", "channel", "anonymous"]
