"""The PostgreSQL central schema (desk/central/pg_schema.sql, desk/central/pg_setup.py).

Made once under a lock however many workers start at once; the same columns (in the same
order), CHECKs and uniqueness as the SQLite central; case_versions and the change log kept by
triggers. Each test has its own database (tests/pg_support.py): skipped without a server,
failed without one under DESK_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from desk.central import pg_changes, pg_setup
from desk.central.digest import bucket_key
from desk.central.store import open_central
from tests.pg_support import pg_dsn  # noqa: F401  (the fixture)

# Columns only PostgreSQL has (docs/central-postgresql.md, 1.3).
DERIVED = {"cases": ["bucket"], "applied_ops": ["n"]}


def _psycopg() -> Any:
    """psycopg, imported late: without it `pg_dsn` has skipped (or failed) the test already."""
    import psycopg

    return psycopg


def _made(dsn: str) -> Any:
    conn = _psycopg().connect(dsn, autocommit=True)
    pg_setup.ensure_schema(conn)
    return conn


def _triggers(conn: Any) -> list[tuple[str, str]]:
    return [
        (str(table), str(name))
        for name, table in conn.execute(
            "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal "
            "ORDER BY 2, 1"
        )
    ]


def _case(conn: Any, local_id: str, **fields: Any) -> int:
    values = {
        "local_id": local_id,
        "title": "Jalan rusak",
        "body": "Berlubang.",
        "status": "baru",
        "received_at": "2026-11-10T01:00:00Z",
        "updated_at": "2026-11-10T01:00:00Z",
        "bucket": bucket_key(local_id),
        **fields,
    }
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    row = conn.execute(
        f"INSERT INTO cases ({columns}) VALUES ({marks}) RETURNING id", list(values.values())
    ).fetchone()
    return int(row[0])


def test_ensure_schema_makes_everything_once(pg_dsn: str) -> None:  # noqa: F811
    with _made(pg_dsn) as conn:
        assert pg_setup.existing_tables(conn) == [
            *pg_setup.CENTRAL_TABLES,
            *pg_setup.SCRATCH_TABLES,
            "central_changes_seq",
        ]
        meta = dict(conn.execute("SELECT key, value FROM central_meta").fetchall())
        triggers = _triggers(conn)
        (persistence,) = conn.execute(
            "SELECT relpersistence FROM pg_class WHERE relname = 'rate_buckets'"
        ).fetchone()
        pg_setup.ensure_schema(conn)
        pg_setup.create_tables(conn)  # every step is idempotent on its own too
        pg_setup.install_log_triggers(conn)
        assert dict(conn.execute("SELECT key, value FROM central_meta").fetchall()) == meta
        assert _triggers(conn) == triggers
    assert meta["schema_version"] == str(pg_setup.SCHEMA_VERSION)
    assert len(meta["epoch"]) == 8
    assert persistence == "u"  # unlogged: a rate limit writes no WAL
    assert triggers == [
        ("audit_log", "audit_log_no_truncate"),
        ("audit_log", "audit_log_no_update"),
        ("cases", "case_versions_upkeep"),
        ("cases", "central_log_cases_insert"),
        ("cases", "central_log_cases_update"),
        ("events", "central_log_events_insert"),
        ("officers", "central_log_officers_insert"),
        ("officers", "central_log_officers_update"),
        ("units", "central_log_units_insert"),
        ("units", "central_log_units_update"),
    ]


def _start_worker(dsn: str, results: Any) -> None:
    """One server process starting: makes the schema (or finds it made)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        pg_setup.ensure_schema(conn)
        epoch = conn.execute("SELECT value FROM central_meta WHERE key = 'epoch'").fetchone()
    results.put(epoch[0])


def _wait_for_lock_waiters(monitor: Any, count: int) -> None:
    deadline = time.monotonic() + 20  # two interpreters spawning on a busy machine
    while time.monotonic() < deadline:
        (waiting,) = monitor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        ).fetchone()
        if waiting == count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{count} workers never waited for the schema lock together")


def test_two_workers_starting_at_once_make_one_schema(pg_dsn: str) -> None:  # noqa: F811
    """Both workers are made to reach the schema at the same moment: the lock is held here
    until both wait for it, then released. Both start; one schema, one epoch."""
    pg = _psycopg()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_start_worker, args=(pg_dsn, results)) for _ in range(2)]
    with pg.connect(pg_dsn, autocommit=True) as holder, pg.connect(pg_dsn) as monitor:
        monitor.autocommit = True
        holder.execute("BEGIN")
        holder.execute("SELECT pg_advisory_xact_lock(%s)", [pg_changes.SCHEMA_LOCK_KEY])
        for worker in workers:
            worker.start()
        _wait_for_lock_waiters(monitor, 2)
        holder.execute("COMMIT")
        epochs = [results.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)
            assert worker.exitcode == 0
        (stored,) = monitor.execute("SELECT value FROM central_meta WHERE key = 'epoch'").fetchone()
        triggers = _triggers(monitor)
    assert epochs == [stored, stored]
    assert len(triggers) == len(set(triggers)) == 10


def test_columns_are_the_sqlite_centrals(pg_dsn: str, tmp_path: Path) -> None:  # noqa: F811
    """Same names in the same order (generated ones included): `SELECT *` gives a desk the
    same row from either store."""
    open_central(tmp_path / "central.db").conn.close()
    with sqlite3.connect(tmp_path / "central.db") as source, _made(pg_dsn) as conn:
        for table in pg_setup.CENTRAL_TABLES:
            theirs = [row[1] for row in source.execute(f"PRAGMA table_xinfo({table})")]
            ours = [
                row[0]
                for row in conn.execute(
                    "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
                    "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                    [table],
                )
            ]
            assert ours == theirs + DERIVED.get(table, []), table
    source.close()


# (table, row, what PostgreSQL must refuse): the desk schema's CHECKs and unique keys.
REFUSED = [
    ("units", {"code": "X", "name": "X", "active": 2}, "CheckViolation"),
    ("offices", {"name": "o", "token_sha256": "t", "created_at": "x", "coordinator": 2},
     "CheckViolation"),
    ("cases", {"status": "hilang"}, "CheckViolation"),
    ("cases", {"classification": "keluhan"}, "CheckViolation"),
    ("cases", {"rating": 6}, "CheckViolation"),
    ("cases", {"anonymous": 2}, "CheckViolation"),
    ("cases", {"bucket": "NOT-HEX"}, "CheckViolation"),
    ("cases", {"local_id": "L-1"}, "UniqueViolation"),
    ("cases", {"tracking_no": "8112829"}, "UniqueViolation"),
    ("cases", {"provisional_no": "P-1"}, "UniqueViolation"),
    ("cases", {"unit_code": "NOWHERE"}, "ForeignKeyViolation"),
    ("events", {"visibility": "everyone"}, "CheckViolation"),
    ("attachments", {"sha256": "s"}, "UniqueViolation"),
    ("case_versions", {"case_id": 1, "version": 9, "status": 2, "unit_code": 0,
                       "assignee_nip": 0, "duplicate_of": 0}, "CheckViolation"),
    ("audit_alarms", {"office": "o", "kind": "lost", "seq": 1, "hash": "h", "witnessed_at": "x",
                      "reported_seq": 1, "reported_hash": "h", "first_at": "x", "last_at": "x"},
     "CheckViolation"),
]  # fmt: skip


@pytest.mark.parametrize(("table", "row", "error"), REFUSED)
def test_the_desk_schemas_rules_hold(
    pg_dsn: str,  # noqa: F811
    table: str,
    row: dict[str, Any],
    error: str,
) -> None:
    errors = _psycopg().errors
    with _made(pg_dsn) as conn:
        case_id = _case(conn, "L-1", tracking_no="8112829", provisional_no="P-1")
        conn.execute(
            "INSERT INTO attachments (case_id, name, size, sha256, media_type, location, "
            "added_at) VALUES (%s, 'f', 1, 's', 'image/png', 'l', 'x')",
            [case_id],
        )
        with pytest.raises(getattr(errors, error)):
            if table == "cases":
                fields = dict(row)
                _case(conn, fields.pop("local_id", "L-2"), **fields)
            elif table == "events":
                conn.execute(
                    "INSERT INTO events (case_id, at, actor_kind, kind, visibility) "
                    "VALUES (%s, 'x', 'system', 'note', %s)",
                    [case_id, row["visibility"]],
                )
            elif table == "attachments":
                conn.execute(
                    "INSERT INTO attachments (case_id, name, size, sha256, media_type, "
                    "location, added_at) VALUES (%s, 'g', 2, %s, 'image/png', 'l', 'x')",
                    [case_id, row["sha256"]],
                )
            else:
                columns = ", ".join(row)
                marks = ", ".join(["%s"] * len(row))
                conn.execute(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(row.values())
                )


def test_case_versions_follow_each_new_version(pg_dsn: str) -> None:  # noqa: F811
    with _made(pg_dsn) as conn:
        conn.execute("INSERT INTO units (code, name) VALUES ('PUPR', 'PUPR'), ('DINKES', 'D')")
        case_id = _case(conn, "L-1")

        def versions() -> list[tuple[int, ...]]:
            return conn.execute(
                "SELECT version, status, unit_code, assignee_nip, duplicate_of "
                "FROM case_versions WHERE case_id = %s ORDER BY version",
                [case_id],
            ).fetchall()

        conn.execute(
            "UPDATE cases SET status = 'terverifikasi', unit_code = 'PUPR', version = 2 "
            "WHERE id = %s",
            [case_id],
        )
        conn.execute("UPDATE cases SET title = 'Judul baru' WHERE id = %s", [case_id])  # no version
        assert versions() == [(2, 1, 1, 0, 0)]
        # A version written again (a version taken back and made anew): the latest flags.
        conn.execute("UPDATE cases SET version = 1 WHERE id = %s", [case_id])
        conn.execute("UPDATE cases SET unit_code = 'DINKES', version = 2 WHERE id = %s", [case_id])
        assert versions() == [(1, 0, 0, 0, 0), (2, 0, 1, 0, 0)]


def test_changes_are_logged_at_commit(pg_dsn: str) -> None:  # noqa: F811
    """Cases, events, units and officers feed the log; an officer's PIN does not."""
    with _made(pg_dsn) as conn:

        def logged() -> list[tuple[Any, ...]]:
            return conn.execute(
                "SELECT case_id, event_id, old_unit FROM central_changes ORDER BY seq"
            ).fetchall()

        with conn.transaction():
            conn.execute("INSERT INTO units (code, name) VALUES ('PUPR', 'PUPR')")
            conn.execute(
                "INSERT INTO officers (nip, name, unit_code, role, created_at) "
                "VALUES ('1', 'Siti', 'PUPR', 'petugas', 'x')"
            )
            case_id = _case(conn, "L-1", unit_code="PUPR")
            assert logged() == []  # numbered at commit, not before
        with conn.transaction():
            conn.execute("UPDATE officers SET pin_hash = 'h', failed_attempts = 1")
            conn.execute("UPDATE cases SET title = 'x'")  # no new version: no change
        assert len(logged()) == 3
        with conn.transaction():
            conn.execute("UPDATE officers SET active = 0")
            (event_id,) = conn.execute(
                "INSERT INTO events (case_id, at, actor_kind, kind, visibility) "
                "VALUES (%s, 'x', 'system', 'note', 'internal') RETURNING id",
                [case_id],
            ).fetchone()
            conn.execute("UPDATE cases SET tracking_no = '8112829'")
        assert logged() == [
            (None, None, None),
            (None, None, None),
            (case_id, None, "PUPR"),
            (None, None, None),
            (case_id, event_id, None),
            (case_id, None, "PUPR"),
        ]


def test_the_audit_log_is_append_only(pg_dsn: str) -> None:  # noqa: F811
    errors = _psycopg().errors
    with _made(pg_dsn) as conn:
        conn.execute(
            "INSERT INTO audit_log (seq, at, action, detail, prev_hash, hash) "
            "VALUES (1, 'x', 'a', '{}', 'p', 'h')"
        )
        for statement in (
            "UPDATE audit_log SET detail = '{\"x\":1}'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(errors.RaiseException, match="append-only"):
                conn.execute(statement)
        assert conn.execute("SELECT detail FROM audit_log").fetchall() == [("{}",)]


def test_a_newer_schema_is_refused(pg_dsn: str) -> None:  # noqa: F811
    with _made(pg_dsn) as conn:
        conn.execute("UPDATE central_meta SET value = '99' WHERE key = 'schema_version'")
        with pytest.raises(pg_setup.SchemaTooNew, match="version 99"):
            pg_setup.ensure_schema(conn)


def test_the_rate_limit_statement_runs_on_the_bucket_table(pg_dsn: str) -> None:  # noqa: F811
    """Section 5's statement, on this table: burst 3 at rate 1/s, four at once."""
    take = """
        INSERT INTO rate_buckets AS b (office, tokens, stamp, granted)
        VALUES (%(office)s, %(burst)s - 1, clock_timestamp(), true)
        ON CONFLICT (office) DO UPDATE SET
            granted = least(%(burst)s, b.tokens
                + extract(epoch FROM excluded.stamp - b.stamp) * %(rate)s) >= 1,
            tokens = least(%(burst)s, b.tokens
                + extract(epoch FROM excluded.stamp - b.stamp) * %(rate)s)
                - CASE WHEN least(%(burst)s, b.tokens
                    + extract(epoch FROM excluded.stamp - b.stamp) * %(rate)s) >= 1
                  THEN 1 ELSE 0 END,
            stamp = excluded.stamp
        RETURNING granted, CASE WHEN granted THEN 0 ELSE (1 - tokens) / %(rate)s END
    """
    with _made(pg_dsn) as conn:
        answers = [
            conn.execute(take, {"office": "pupr", "burst": 3, "rate": 1.0}).fetchone()
            for _ in range(4)
        ]
    assert [granted for granted, _wait in answers] == [True, True, True, False]
    assert 0.9 < answers[3][1] <= 1.0
