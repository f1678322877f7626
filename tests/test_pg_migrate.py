"""`desk central migrate`: a SQLite central store copied exactly into an empty PostgreSQL one.

The source is a central store with a history (tests/conftest.py's officers and units, a small
seed, ops pushed through apply_op: applied, conflicting, refused, created, attached; a witness
and its alarms; reference changes), built once per module and copied for each test (a migration
writes `moved_to` into its source). Each test has its own PostgreSQL database
(tests/pg_support.py): skipped without a server, failed without one under
DESK_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from db.timefmt import to_text
from desk.central import migrate as migration
from desk.central import pg_setup
from desk.central.apply import apply_op
from desk.central.digest import bucket_key
from desk.central.files import mark_proven
from desk.central.migrate import (
    MOVED_TO,
    SourceAuditBroken,
    SourceLocked,
    SourceMoved,
    SourceNotCentral,
    TargetNotEmpty,
    VerificationFailed,
    dsn_without_password,
    migrate,
)
from desk.central.store import add_office, fill_event_uids, list_offices, open_central
from desk.central.witness import Head, observe, resolve_alarm
from tests.conftest import (
    ADMIN,
    NOW,
    OFFICERS,
    PETUGAS_DINKES,
    PETUGAS_PUPR,
    case_in,
    create_op,
    wire_op,
)
from tests.pg_support import fresh_database, pg_dsn  # noqa: F401  (the fixture)

# Columns only PostgreSQL has: where they come from (desk/central/migrate.py).
DERIVED = {"cases": ["bucket"], "applied_ops": ["n"]}


def _psycopg() -> Any:
    """psycopg, imported late: without it `pg_dsn` has skipped (or failed) the test already."""
    import psycopg

    return psycopg


# The source -----------------------------------------------------------------------------------


def build_central(path: Path) -> None:
    """A central store that has lived: every table the migration copies holds rows."""
    from desk.seed import seed_database

    database = open_central(path)
    try:
        seed_database(database, 12, seed=3, now=NOW, workers=0)
        fill_event_uids(database)
        # conftest's officers (the actors below) in their units: the seed has some of their
        # nips in other units.
        for code, name in (("SETDA", "Sekretariat Daerah"), ("PUPR", "Dinas PUPR-PERA")):
            database.execute("INSERT OR IGNORE INTO units (code, name) VALUES (?, ?)", [code, name])
        for officer in OFFICERS:
            database.execute(
                "INSERT INTO officers (nip, name, unit_code, role, created_at) "
                "VALUES (?, ?, ?, ?, '2026-01-01T00:00:00Z') ON CONFLICT (nip) DO UPDATE SET "
                "name = excluded.name, unit_code = excluded.unit_code, role = excluded.role, "
                "active = 1",
                [officer.nip, officer.name, officer.unit_code, officer.role.value],
            )
        database.execute("INSERT INTO regional_holidays (day, name) VALUES ('2026-12-25', 'Natal')")
        database.execute(
            "INSERT INTO regional_holidays (day, name, unit_code) "
            "VALUES ('2026-11-11', 'HUT', 'PUPR')"
        )
        database.execute("UPDATE units SET name = name || ' (Provinsi)' WHERE code = 'DINKES'")
        add_office(database, "prov", ["SETDA"], coordinator=True)
        add_office(database, "pupr", ["PUPR"])
        add_office(database, "dinkes", ["DINKES"])
        offices = {office.name: office for office in list_offices(database)}

        def push(office: str, op: dict[str, Any]) -> dict[str, Any]:
            return apply_op(database, offices[office], op, NOW)

        fresh = case_in(database, "baru", "9100001")
        at_pupr = case_in(database, "terverifikasi", "9100002")
        working = case_in(database, "diproses", "9100003")
        assert push("prov", wire_op(fresh, "verify", ADMIN.nip, unit="DINKES"))["r"] == "applied"
        # The same base again from another coordinator's desk: a conflict, recorded.
        add_office(database, "hub2", ["SETDA"], coordinator=True)
        offices["hub2"] = next(o for o in list_offices(database) if o.name == "hub2")
        assert push("hub2", wire_op(fresh, "verify", ADMIN.nip, unit="PUPR"))["r"] == "conflict"
        follow_up = wire_op(at_pupr, "follow_up", PETUGAS_PUPR.nip, text="Dijadwalkan.")
        assert push("pupr", follow_up)["r"] == "applied"
        refused = push("dinkes", wire_op(at_pupr, "note", PETUGAS_DINKES.nip, text="Bukan kami."))
        assert refused["r"] == "rejected"
        created = create_op(PETUGAS_PUPR.nip, body="Seminggu.", reporter={"name": "Rina"})
        assert push("pupr", created)["r"] == "applied"
        sha = hashlib.sha256(b"foto").hexdigest()
        meta = {"sha256": sha, "name": "foto.jpg", "size": 4, "media_type": "image/jpeg"}
        assert push("pupr", wire_op(working, "attach", PETUGAS_PUPR.nip, **meta))["r"] == "applied"
        mark_proven(database, "pupr", sha, to_text(NOW))
        # A duplicate marked by hand, pointing forward (a higher id): COPY checks the
        # self-reference at the end of the statement.
        last = database.execute("SELECT max(id) FROM cases").fetchone()[0]
        database.execute(
            "UPDATE cases SET duplicate_of = ?, version = version + 1 WHERE id = ?",
            [last, fresh["id"]],
        )
        # The witness: pupr's head witnessed, then a shorter one (an alarm), resolved; dinkes
        # witnessed, then rewritten (an open alarm).
        observe(database, "pupr", Head(5, "a" * 64), None, NOW)
        observe(database, "pupr", Head(3, "b" * 64), None, NOW)
        [alarm] = database.execute("SELECT id FROM audit_alarms").fetchall()
        resolve_alarm(database, int(alarm[0]), "Desk restored from a backup", NOW)
        observe(database, "pupr", Head(3, "b" * 64), None, NOW)
        observe(database, "dinkes", Head(7, "c" * 64), None, NOW)
        observe(database, "dinkes", Head(7, "d" * 64), None, NOW)
        fill_event_uids(database)
    finally:
        database.conn.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("central") / "central.db"
    build_central(path)
    return path


@pytest.fixture
def central(built: Path, tmp_path: Path) -> Path:
    """A copy of the built central store for this test (SQLite's backup: WAL included)."""
    path = tmp_path / "central.db"
    with sqlite3.connect(built) as origin, sqlite3.connect(path) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()
    return path


def test_the_source_has_lived(central: Path) -> None:
    """Guards the other tests: every copied table holds rows, so none compares empty sides."""
    with sqlite3.connect(central) as source:
        for table in pg_setup.CENTRAL_TABLES:
            (count,) = source.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert count > 0, table
    source.close()


# Reading both sides ---------------------------------------------------------------------------


def sqlite_rows(path: Path, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """`SELECT *` (applied_ops with its rowid), column names and rows in a stable order."""
    with sqlite3.connect(path) as source:
        extra = ", rowid AS n" if table == "applied_ops" else ""
        cursor = source.execute(f"SELECT *{extra} FROM {table}")
        names = [column[0] for column in cursor.description]
        rows = cursor.fetchall()
    source.close()
    return names, sorted(rows, key=repr)


def pg_rows(dsn: str, table: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    with _psycopg().connect(dsn) as conn:
        cursor = conn.execute(f"SELECT * FROM {table}")
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    return names, sorted(rows, key=repr)


def _normalised(value: Any) -> Any:
    """PostgreSQL's bigint and integer arrive as int, text as str: the SQLite types. Anything
    else would be a type the schema should not have."""
    assert value is None or type(value) in (int, str), type(value)
    return value


def snapshot_sqlite(path: Path) -> str:
    """A digest of every row of every copied table, and of central_meta's keys."""
    digest = hashlib.sha256()
    for table in pg_setup.CENTRAL_TABLES:
        digest.update(repr(sqlite_rows(path, table)).encode())
    return digest.hexdigest()


def pg_tables(dsn: str) -> list[str]:
    with _psycopg().connect(dsn) as conn:
        rows = conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
            "ORDER BY relname"
        ).fetchall()
    return [row[0] for row in rows]


# The copy -------------------------------------------------------------------------------------


def test_migrate_copies_every_row_exactly(central: Path, pg_dsn: str) -> None:  # noqa: F811
    report = migrate(central, pg_dsn)

    for table in pg_setup.CENTRAL_TABLES:
        names, expected = sqlite_rows(central, table)
        pg_names, got = pg_rows(pg_dsn, table)
        if table == "central_meta":  # the PostgreSQL store's own row, and the source's new one
            got = [row for row in got if row[0] != "schema_version"]
            expected = [row for row in expected if row[0] != MOVED_TO]
        if table == "applied_ops":  # n is SQLite's rowid: same name on both sides here
            assert pg_names == names, table
        else:
            assert pg_names == names + DERIVED.get(table, []), table
        if table == "cases":
            bucket = pg_names.index("bucket")
            local_id = pg_names.index("local_id")
            assert all(row[bucket] == bucket_key(row[local_id]) for row in got)
            got = sorted((row[:bucket] + row[bucket + 1 :] for row in got), key=repr)
        assert [tuple(map(_normalised, row)) for row in got] == expected, table
        assert report.rows[table] == len(expected), table

    names, changes = sqlite_rows(central, "central_changes")
    assert report.last_seq == max(row[0] for row in changes)
    with sqlite3.connect(central) as source:
        meta = dict(source.execute("SELECT key, value FROM central_meta").fetchall())
        (audit_head,) = source.execute("SELECT max(seq) FROM audit_log").fetchone()
    source.close()
    assert report.epoch == meta["epoch"] and not report.new_epoch
    assert report.audit_head == audit_head > 0
    assert meta[MOVED_TO] == report.target == dsn_without_password(pg_dsn)


def test_identities_continue_after_the_copied_ids(central: Path, pg_dsn: str) -> None:  # noqa: F811
    # A change number handed out and its row gone (AUTOINCREMENT): never given out again.
    with sqlite3.connect(central) as source:
        (top,) = source.execute("SELECT max(seq) FROM central_changes").fetchone()
        source.execute("DELETE FROM central_changes WHERE seq = ?", [top])
        maxima = {
            table: source.execute(f"SELECT max({column}) FROM {table}").fetchone()[0]
            for table, column in (
                ("cases", "id"),
                ("events", "id"),
                ("attachments", "id"),
                ("regional_holidays", "id"),
                ("audit_alarms", "id"),
                ("applied_ops", "rowid"),
            )
        }
    source.close()
    migrate(central, pg_dsn)

    with _psycopg().connect(pg_dsn, autocommit=True) as conn:
        case = {
            "id": conn.execute(
                "INSERT INTO cases (local_id, title, body, status, received_at, updated_at, "
                "bucket) VALUES ('L1', 't', 'b', 'baru', 'x', 'x', %s) RETURNING id",
                [bucket_key("L1")],
            ).fetchone()[0]
        }
        new = {
            "cases": case["id"],
            "events": conn.execute(
                "INSERT INTO events (case_id, at, actor_kind, kind, visibility) "
                "VALUES (%s, 'x', 'system', 'note', 'internal') RETURNING id",
                [case["id"]],
            ).fetchone()[0],
            "attachments": conn.execute(
                "INSERT INTO attachments (case_id, name, size, sha256, media_type, location, "
                "added_at) VALUES (%s, 'f', 1, 'e', 'image/png', 'l', 'x') RETURNING id",
                [case["id"]],
            ).fetchone()[0],
            "regional_holidays": conn.execute(
                "INSERT INTO regional_holidays (day, name) VALUES ('2027-01-01', 'Tahun Baru') "
                "RETURNING id"
            ).fetchone()[0],
            "audit_alarms": conn.execute(
                "INSERT INTO audit_alarms (office, kind, seq, hash, witnessed_at, reported_seq, "
                "reported_hash, first_at, last_at) VALUES ('o', 'truncated', 1, 'h', 'x', 0, "
                "'h', 'x', 'x') RETURNING id"
            ).fetchone()[0],
            "applied_ops": conn.execute(
                "INSERT INTO applied_ops (op_id, office, case_local_id, kind, base_version, "
                "content_sha256, at) VALUES ('op', 'o', 'L1', 'note', 1, 's', 'x') RETURNING n"
            ).fetchone()[0],
        }
        seqs = [
            row[0]
            for row in conn.execute(
                "SELECT seq FROM central_changes WHERE seq > %s ORDER BY seq", [top - 1]
            )
        ]
    assert new == {table: highest + 1 for table, highest in maxima.items()}
    # The case's insert and the event's: numbered after the deleted top, not at it.
    assert seqs == [top + 1, top + 2]


def test_the_change_log_runs_after_the_migration(central: Path, pg_dsn: str) -> None:  # noqa: F811
    """Triggers installed: a change is numbered past the copied log, at commit, in commit
    order; case_versions is kept; an officer's PIN is no reference change, their name is."""
    report = migrate(central, pg_dsn)
    pg = _psycopg()
    with (
        pg.connect(pg_dsn, autocommit=True) as a,
        pg.connect(pg_dsn, autocommit=True) as b,
    ):
        case_id, unit, version = a.execute(
            "SELECT id, unit_code, version FROM cases WHERE unit_code IS NOT NULL ORDER BY id "
            "LIMIT 1"
        ).fetchone()
        a.execute("BEGIN")  # A changes first and commits last
        a.execute(
            "UPDATE cases SET unit_code = 'DINKES', version = version + 1 WHERE id = %s",
            [case_id],
        )
        with b.transaction():
            (event_id,) = b.execute(
                "INSERT INTO events (case_id, at, actor_kind, kind, visibility) "
                "VALUES (%s, 'x', 'system', 'note', 'internal') RETURNING id",
                [case_id],
            ).fetchone()
        a.execute("COMMIT")
        with a.transaction():
            a.execute("UPDATE officers SET pin_hash = 'p' WHERE nip = %s", [ADMIN.nip])
        with a.transaction():
            a.execute("UPDATE officers SET name = 'Admin Baru' WHERE nip = %s", [ADMIN.nip])
        changes = a.execute(
            "SELECT seq, case_id, event_id, old_unit FROM central_changes WHERE seq > %s "
            "ORDER BY seq",
            [report.last_seq],
        ).fetchall()
        flags = a.execute(
            "SELECT status, unit_code, assignee_nip, duplicate_of FROM case_versions "
            "WHERE case_id = %s AND version = %s",
            [case_id, version + 1],
        ).fetchone()
    last = report.last_seq
    assert changes == [
        (last + 1, case_id, event_id, None),  # B committed first
        (last + 2, case_id, None, unit),  # A, with the unit before its change
        (last + 3, None, None, None),  # the officer's name
    ]
    assert flags == (0, 1, 0, 0)


def test_new_epoch(central: Path, pg_dsn: str) -> None:  # noqa: F811
    with sqlite3.connect(central) as source:
        (old,) = source.execute("SELECT value FROM central_meta WHERE key = 'epoch'").fetchone()
    source.close()
    report = migrate(central, pg_dsn, new_epoch=True)
    with _psycopg().connect(pg_dsn) as conn:
        (stored,) = conn.execute("SELECT value FROM central_meta WHERE key = 'epoch'").fetchone()
    assert report.new_epoch and report.epoch == stored != old
    assert len(stored) == len(old)
    assert pg_rows(pg_dsn, "events")[1] == sqlite_rows(central, "events")[1]


# Refusals: nothing changes on either side ------------------------------------------------------


@pytest.mark.parametrize("occupant", ["a running store", "one table of the same name"])
def test_a_target_with_central_tables_is_refused(
    central: Path,
    pg_dsn: str,  # noqa: F811
    occupant: str,
) -> None:
    with _psycopg().connect(pg_dsn, autocommit=True) as conn:
        if occupant == "a running store":
            pg_setup.ensure_schema(conn)
        else:
            conn.execute("CREATE TABLE offices (name text PRIMARY KEY, note text)")
            conn.execute("INSERT INTO offices VALUES ('theirs', 'kept')")
    tables_before = pg_tables(pg_dsn)
    offices_before = pg_rows(pg_dsn, "offices")
    meta_before = pg_rows(pg_dsn, "central_meta") if occupant == "a running store" else None
    source_before = snapshot_sqlite(central)

    with pytest.raises(TargetNotEmpty, match="already holds central tables"):
        migrate(central, pg_dsn)

    assert pg_tables(pg_dsn) == tables_before
    assert pg_rows(pg_dsn, "offices") == offices_before
    if meta_before is not None:
        assert pg_rows(pg_dsn, "central_meta") == meta_before
    assert snapshot_sqlite(central) == source_before
    assert MOVED_TO not in dict(sqlite_rows(central, "central_meta")[1])


def test_a_source_being_written_is_refused_and_held_while_copying(
    central: Path,
    pg_dsn: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writer = sqlite3.connect(central, isolation_level=None, timeout=0.1)
    writer.execute("BEGIN IMMEDIATE")  # a server in the middle of a write
    try:
        with pytest.raises(SourceLocked, match="still running"):
            migrate(central, pg_dsn, busy_timeout=0.2)
    finally:
        writer.execute("ROLLBACK")
    assert pg_tables(pg_dsn) == []

    # While the copy runs, a server's write waits (here: gives up after 0.1 s).
    refused: list[str] = []
    copy_table = migration.copy_table

    def copy_and_try_writing(source: Any, pg: Any, table: str) -> int:
        if table == "cases":
            try:
                writer.execute("UPDATE settings SET value = value")
            except sqlite3.OperationalError as error:
                refused.append(str(error))
        return copy_table(source, pg, table)

    monkeypatch.setattr(migration, "copy_table", copy_and_try_writing)
    migrate(central, pg_dsn)
    writer.close()
    assert refused == ["database is locked"]


def test_what_is_not_a_central_store_is_refused(tmp_path: Path, pg_dsn: str) -> None:  # noqa: F811
    from db import open_database

    missing = tmp_path / "missing.db"
    with pytest.raises(SourceNotCentral, match="Cannot open"):
        migrate(missing, pg_dsn)
    assert not missing.exists()  # never created empty

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database, just bytes" * 100)
    with pytest.raises(SourceNotCentral):
        migrate(garbage, pg_dsn)

    desk = tmp_path / "desk.db"
    open_database(desk).conn.close()
    with pytest.raises(SourceNotCentral, match="not a central store"):
        migrate(desk, pg_dsn)
    assert pg_tables(pg_dsn) == []


def test_a_moved_source_is_refused(central: Path, pg_dsn: str) -> None:  # noqa: F811
    first = migrate(central, pg_dsn)
    with fresh_database() as other, pytest.raises(SourceMoved, match=first.target):
        try:
            migrate(central, other)
        finally:
            assert pg_tables(other) == []


def test_a_broken_audit_chain_is_refused(central: Path, pg_dsn: str) -> None:  # noqa: F811
    with sqlite3.connect(central) as source:
        source.execute("DROP TRIGGER audit_log_no_update")
        source.execute("UPDATE audit_log SET detail = '{}' WHERE seq = 2")
    source.close()
    with pytest.raises(SourceAuditBroken, match="entry 2 was altered"):
        migrate(central, pg_dsn)
    assert pg_tables(pg_dsn) == []


def test_a_failed_check_keeps_nothing(
    central: Path,
    pg_dsn: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Everything on PostgreSQL is one transaction, and moved_to is committed after it."""
    source_before = snapshot_sqlite(central)

    def failing(*_: Any) -> tuple[int, int]:
        raise VerificationFailed("counts differ (made up by the test)")

    monkeypatch.setattr(migration, "_verify", failing)
    with pytest.raises(VerificationFailed):
        migrate(central, pg_dsn)
    assert pg_tables(pg_dsn) == []
    assert snapshot_sqlite(central) == source_before
    assert MOVED_TO not in dict(sqlite_rows(central, "central_meta")[1])


def test_moved_to_names_the_target_without_its_password(central: Path, pg_dsn: str) -> None:  # noqa: F811
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    # The test server trusts its clients: the password is sent to nobody, and must be stored
    # nowhere either.
    with_password = make_conninfo(pg_dsn, password="s3cret-pw")
    report = migrate(central, with_password)
    moved_to = dict(sqlite_rows(central, "central_meta")[1])[MOVED_TO]
    assert "s3cret" not in moved_to and "s3cret" not in report.target
    assert moved_to.startswith("postgresql://")
    parts = conninfo_to_dict(moved_to)
    expected = conninfo_to_dict(pg_dsn)
    assert parts["dbname"] == expected["dbname"] and parts.get("host") == expected.get("host")


def test_dsn_without_password_keeps_the_rest() -> None:
    pytest.importorskip("psycopg")
    shown = dsn_without_password(
        "host=db.example port=5433 dbname=central user=desk password=x sslmode=require"
    )
    assert shown == "postgresql://desk@db.example:5433/central?sslmode=require"
    assert (
        dsn_without_password("postgresql://desk:pw@db.example/central")
        == "postgresql://desk@db.example/central"
    )
    from psycopg.conninfo import conninfo_to_dict

    socket = dsn_without_password("host=/run/postgresql dbname=central password=x")
    assert socket == "postgresql://%2Frun%2Fpostgresql/central"
    assert conninfo_to_dict(socket) == {"host": "/run/postgresql", "dbname": "central"}
