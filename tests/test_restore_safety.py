"""Restoring only what is a whole desk database, and `desk db check` saying what is not one.

Issue 15, point 2: a foreign SQLite file with a table named `cases` used to replace the live
database (every later command then failed, restoring the saved copy included) and `desk db
check` called it healthy.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from db import audit, open_database
from db.migrations import CURRENT_VERSION, migrate
from desk import safekeeping
from desk.central.store import open_central
from desk.cli.main import app
from desk.errors import ActionRefused, InvalidInput
from desk.safekeeping import backup, check_backup, restore
from tests.conftest import ADMIN, PETUGAS_PUPR, make_office, new_case

runner = CliRunner()
AS_ADMIN = ["--as", ADMIN.nip]


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))


@pytest.fixture
def office_db(tmp_path: Path) -> Path:
    path = tmp_path / "office.db"
    database = open_database(path)
    make_office(database)
    new_case(database)
    database.conn.close()
    return path


def foreign_file(path: Path, *, user_version: int = 0) -> Path:
    """What an attacker hands over: a SQLite file that has a `cases` table and nothing else."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, title TEXT)")
    conn.execute("INSERT INTO cases VALUES (1, 'palsu')")
    conn.execute(f"PRAGMA user_version = {user_version}")
    conn.commit()
    conn.close()
    return path


def edited_copy(source: Path, target: Path, *statements: str) -> Path:
    target.write_bytes(source.read_bytes())
    conn = sqlite3.connect(target)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return target


def audit_actions(path: Path) -> list[tuple[str | None, str]]:
    database = open_database(path)
    try:
        return database.execute("SELECT actor_nip, action FROM audit_log ORDER BY seq").fetchall()
    finally:
        database.conn.close()


def still_whole(path: Path) -> None:
    """The live database is the office it was: its officers and its case, its chain intact."""
    database = open_database(path)
    try:
        assert database.execute("SELECT count(*) FROM officers").fetchone()[0] == 5
        assert database.execute("SELECT tracking_no FROM cases").fetchall() == [("8112829",)]
        assert audit.verify(database) is None
    finally:
        database.conn.close()


def test_a_foreign_file_with_a_cases_table_is_refused_and_changes_nothing(
    office_db: Path, tmp_path: Path
) -> None:
    for version in (0, CURRENT_VERSION):  # the version claimed changes nothing
        evil = foreign_file(tmp_path / f"evil-{version}.db", user_version=version)
        result = runner.invoke(
            app, ["--lang", "en", "db", "restore", str(evil), "--db", str(office_db), *AS_ADMIN]
        )
        assert result.exit_code == 1, result.output
        assert "is not a desk database" in result.output
        assert "was not changed" in result.output and "Traceback" not in result.output
        still_whole(office_db)
    assert not list(tmp_path.glob("office.before-restore-*"))
    assert not list(tmp_path.glob(".office.db.restore-*"))  # no staging copy left behind
    # The files named were only read: nothing appeared beside them (SQLite opened a copy).
    assert not list(tmp_path.glob("evil-*.db-*"))
    # The attempts are in the audit log, with who and from which file.
    refused = [entry for entry in audit_actions(office_db) if entry[1] == "restore_refused"]
    assert refused == [(ADMIN.nip, "restore_refused")] * 2
    assert runner.invoke(app, ["db", "check", "--db", str(office_db)]).exit_code == 0


def test_db_check_calls_a_non_desk_or_schema_0_file_broken(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()  # an empty SQLite file
    zero_bytes = tmp_path / "zero.db"
    zero_bytes.touch()
    text = tmp_path / "text.db"
    text.write_text("hello, not a database\n" * 100)
    files = {
        empty: "schema version 0",
        zero_bytes: "schema version 0",
        foreign_file(tmp_path / "cases-only.db"): "schema version 0",
        foreign_file(tmp_path / "forged.db", user_version=CURRENT_VERSION): "is missing",
        text: "not a SQLite database",
    }
    for path, reason in files.items():
        result = runner.invoke(app, ["--lang", "en", "db", "check", "--db", str(path)])
        assert result.exit_code == 1, (path.name, result.output)
        assert "PROBLEMS FOUND" in result.output and reason in result.output, result.output
        assert "not a desk database" in result.output or "not a SQLite" in result.output
        assert "Traceback" not in result.output
        report = json.loads(
            runner.invoke(app, ["--lang", "en", "db", "check", "--db", str(path), "--json"]).output
        )
        assert report["healthy"] is False and report["problems"]


def test_db_check_names_a_changed_or_extra_trigger(office_db: Path, tmp_path: Path) -> None:
    changed = edited_copy(
        office_db,
        tmp_path / "changed.db",
        "DROP TRIGGER audit_log_no_delete",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT 1; END",
        "CREATE TRIGGER quiet AFTER INSERT ON cases BEGIN SELECT 1; END",
    )
    result = runner.invoke(app, ["--lang", "en", "db", "check", "--db", str(changed), "--json"])
    assert result.exit_code == 1
    problems = " ".join(json.loads(result.output)["problems"])
    assert "trigger audit_log_no_delete differs" in problems
    assert "trigger quiet is not part of desk's schema" in problems


def test_after_a_restore_the_before_restore_copy_brings_the_content_back(
    office_db: Path, tmp_path: Path
) -> None:
    base = ["--db", str(office_db), *AS_ADMIN]
    assert runner.invoke(app, ["db", "backup", str(tmp_path / "pagi.db"), *base]).exit_code == 0
    database = open_database(office_db)
    new_case(database, "9000001")  # work done after the backup
    database.conn.close()
    restored = runner.invoke(
        app, ["--lang", "en", "db", "restore", str(tmp_path / "pagi.db"), *base]
    )
    assert restored.exit_code == 0, restored.output
    (kept,) = tmp_path.glob("office.before-restore-*.db")
    assert "brings it back" in restored.output
    check_backup(kept)  # the copy is itself a backup that passes the check
    database = open_database(office_db)
    assert database.execute("SELECT count(*) FROM cases").fetchone() == (1,)
    database.conn.close()
    back = runner.invoke(app, ["db", "restore", str(kept), *base])
    assert back.exit_code == 0, back.output
    database = open_database(office_db)
    assert database.execute("SELECT count(*) FROM cases").fetchone() == (2,)
    last = database.execute("SELECT actor_nip, action, detail FROM audit_log ORDER BY seq DESC")
    nip, action, detail = last.fetchone()
    assert (nip, action, json.loads(detail)["from"]) == (ADMIN.nip, "restore", str(kept))
    database.conn.close()
    assert runner.invoke(app, ["db", "check", "--db", str(office_db)]).exit_code == 0


def test_an_altered_backup_is_refused(office_db: Path, tmp_path: Path) -> None:
    database = open_database(office_db)
    good = tmp_path / "good.db"
    backup(database, ADMIN, good)
    trigger_sql = database.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'audit_log_no_update'"
    ).fetchone()[0]
    cases = {
        "no audit trigger": ("DROP TRIGGER audit_log_no_update",),
        "a trigger changed": (
            "DROP TRIGGER audit_log_no_update",
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT 1; END",
        ),
        "a trigger added": ("CREATE TRIGGER x AFTER UPDATE ON cases BEGIN SELECT 1; END",),
        "a column added": ("ALTER TABLE officers ADD COLUMN backdoor TEXT",),
        "a table dropped": ("DROP TABLE drafts",),
        "an audit entry edited, triggers put back as they were": (
            "DROP TRIGGER audit_log_no_update",
            f"UPDATE audit_log SET actor_nip = '{PETUGAS_PUPR.nip}' WHERE seq = 1",
            trigger_sql,
        ),
        "from a newer desk": (f"PRAGMA user_version = {CURRENT_VERSION + 1}",),
        "migrations not recorded": ("DELETE FROM schema_migrations WHERE version = 2",),
    }
    for name, statements in cases.items():
        bad = edited_copy(good, tmp_path / f"{len(name)}.db", *statements)
        with pytest.raises(InvalidInput) as refusal:
            restore(database, ADMIN, bad, keep_copy=tmp_path / "kept.db")
        assert str(bad) in str(refusal.value), name
        assert not (tmp_path / "kept.db").exists(), name
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(good.read_bytes()[:8192] + b"\x07" * 8192)
    with pytest.raises(InvalidInput, match="rusak"):
        restore(database, ADMIN, damaged, keep_copy=tmp_path / "kept.db")
    database.conn.close()
    still_whole(office_db)
    assert [a for _n, a in audit_actions(office_db)].count("restore_refused") == len(cases) + 1


def test_only_an_admin_restores_and_a_refused_officer_is_audited(
    office_db: Path, tmp_path: Path
) -> None:
    database = open_database(office_db)
    good = tmp_path / "good.db"
    backup(database, ADMIN, good)
    with pytest.raises(ActionRefused, match="admin"):
        restore(database, PETUGAS_PUPR, good, keep_copy=tmp_path / "kept.db")
    last = database.execute(
        "SELECT actor_nip, action, detail FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert last[:2] == (PETUGAS_PUPR.nip, "restore_refused")
    assert json.loads(last[2])["from"] == str(good.resolve())
    assert not (tmp_path / "kept.db").exists()


def test_an_older_backup_is_restored_and_brought_up_to_date(
    office_db: Path, tmp_path: Path
) -> None:
    old = open_database(tmp_path / "v5.db", migrate=False)
    migrate(old, 5)
    make_office(old)
    old.conn.close()
    database = open_database(office_db)
    result = restore(database, ADMIN, tmp_path / "v5.db", keep_copy=tmp_path / "kept.db")
    assert (result.source_version, result.cases, result.kept_problems) == (5, 0, [])
    assert database.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    assert safekeeping.schema_problems(database.conn, missing_indexes=True) == []
    entry = database.execute(
        "SELECT actor_nip, action, detail FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert entry[:2] == (ADMIN.nip, "restore")
    detail = json.loads(entry[2])
    assert detail["backup_schema"] == 5 and detail["previous_saved_to"].endswith("kept.db")
    assert audit.verify(database) is None


def test_open_desks_see_the_restored_content_and_nothing_is_written_in_between(
    office_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(office_db)
    good = tmp_path / "good.db"
    backup(database, ADMIN, good)
    new_case(database, "9000001")
    other_desk = open_database(office_db)  # another desk, open through the restore
    assert other_desk.execute("SELECT count(*) FROM cases").fetchone() == (2,)
    copy_aside = safekeeping._copy_database
    tried: list[str] = []

    def copy_while_a_desk_writes(source: sqlite3.Connection, target: Path) -> int:
        # While the copy aside is made, the restore holds the write lock: a desk's write waits.
        writer = sqlite3.connect(office_db, timeout=0, isolation_level=None)
        try:
            writer.execute("BEGIN IMMEDIATE")
            tried.append("wrote")
        except sqlite3.OperationalError as error:
            tried.append(str(error))
        finally:
            writer.close()
        return copy_aside(source, target)

    monkeypatch.setattr(safekeeping, "_copy_database", copy_while_a_desk_writes)
    restore(database, ADMIN, good, keep_copy=tmp_path / "kept.db")
    assert tried == ["database is locked"]
    assert other_desk.execute("SELECT tracking_no FROM cases").fetchall() == [("8112829",)]
    kept = sqlite3.connect(tmp_path / "kept.db")
    assert kept.execute("SELECT count(*) FROM cases").fetchone() == (2,)  # all of it, at once
    kept.close()
    new_case(other_desk, "9000002")  # the other desk goes on working on the restored content
    assert database.execute("SELECT count(*) FROM cases").fetchone() == (2,)


def test_a_copy_of_a_live_wal_database_restores(office_db: Path, tmp_path: Path) -> None:
    other = open_database(tmp_path / "other.db")  # WAL, as every desk database
    make_office(other)
    new_case(other, "7000001")
    other.conn.close()
    database = open_database(office_db)
    restore(database, ADMIN, tmp_path / "other.db", keep_copy=tmp_path / "kept.db")
    assert database.execute("SELECT tracking_no FROM cases").fetchall() == [("7000001",)]
    # Only read: opening a WAL file with SQLite, even read-only, made -wal and -shm beside it.
    assert not list(tmp_path.glob("other.db-*"))
    assert database.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_central_database_is_not_restored_into_a_desk(office_db: Path, tmp_path: Path) -> None:
    central = open_central(tmp_path / "central.db")
    make_office(central)
    central.conn.close()
    assert check_backup(tmp_path / "central.db").central  # a whole central database...
    database = open_database(office_db)
    with pytest.raises(InvalidInput, match="server pusat"):  # ...but not a desk's
        restore(database, ADMIN, tmp_path / "central.db", keep_copy=tmp_path / "kept.db")
    database.conn.close()
    still_whole(office_db)


def test_a_restore_into_a_missing_database_creates_it(office_db: Path, tmp_path: Path) -> None:
    good = tmp_path / "good.db"
    database = open_database(office_db)
    backup(database, ADMIN, good)
    database.conn.close()
    fresh = tmp_path / "baru" / "office.db"
    fresh.parent.mkdir()
    result = runner.invoke(app, ["db", "restore", str(good), "--db", str(fresh)])
    assert result.exit_code == 0, result.output
    still_whole(fresh)


def test_restore_mistakes_are_clear_errors(office_db: Path, tmp_path: Path) -> None:
    base = ["--lang", "en", "db", "restore"]
    missing = runner.invoke(app, [*base, str(tmp_path / "nope.db"), "--db", str(office_db)])
    assert missing.exit_code == 1 and "No backup file" in missing.output
    same = runner.invoke(app, [*base, str(office_db), "--db", str(office_db), *AS_ADMIN])
    assert same.exit_code == 1 and "same file" in same.output
    broken = tmp_path / "broken.db"
    broken.write_text("not sqlite at all" * 100)
    good = tmp_path / "good.db"
    database = open_database(office_db)
    backup(database, ADMIN, good)
    database.conn.close()
    opened = runner.invoke(app, [*base, str(good), "--db", str(broken)])
    assert opened.exit_code == 1 and "Move it aside" in opened.output
    for result in (missing, same, opened):
        assert "Traceback" not in result.output


def test_a_restore_behind_a_long_write_gives_up_with_nothing_changed(
    office_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = open_database(office_db)
    good = tmp_path / "good.db"
    backup(database, ADMIN, good)
    monkeypatch.setattr(safekeeping, "BUSY_LIMIT_SECONDS", 0.3)
    database.execute("PRAGMA busy_timeout = 100")
    writer = sqlite3.connect(office_db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # an import in the middle of a chunk
    try:
        with pytest.raises(InvalidInput, match="sibuk"):
            restore(database, ADMIN, good, keep_copy=tmp_path / "kept.db")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert not (tmp_path / "kept.db").exists()
    assert not list(tmp_path.glob(".office.db.restore-*"))
    database.conn.close()
    still_whole(office_db)
