"""The change log behind the feed, on PostgreSQL: numbered in commit order (issue 17).

With several server processes writing at once, a number taken when a change is made is not the
order in which changes become visible: writer A takes 1,000, writer B takes 1,001 and commits,
a reader pulls and moves its cursor to 1,001, then A commits; every later pull asks for "after
1,001" and 1,000 is never sent. (SQLite never showed this: it has one writer at a time.)

The design here (docs/central-postgresql.md, "The change feed under concurrent writers"):
a change gets its number only at COMMIT, under one transaction-level lock held until the
commit is done, so numbers are handed out in the order the changes become visible:

- The log is written by triggers on the tables whose rows travel (cases, events, units,
  officers), as in the SQLite store, but they are *deferred constraint triggers*: they fire at
  COMMIT, with the row images of the moment of the change (OLD.unit_code is the unit before
  it). Every writer (a pushed op, the automatic moves, a seed, an import, psql) feeds the log
  without having to remember to, and without being able to number too early.
- The first of them in a transaction takes `pg_advisory_xact_lock(LOCK_KEY)`, then each inserts
  its row with `nextval`. The lock is released only after the commit is visible (PostgreSQL
  ends a transaction in the proc array before it releases its locks), so when a reader's
  snapshot shows number n it shows every committed number below n: the feed's cursor keeps
  its meaning ("the desk holds every change up to here") exactly as on SQLite, and the feed's
  queries port unchanged. A transaction that rolls back after numbering leaves a gap, which no
  reader waits for.
- The cost: the end of every writing transaction (its change rows and its commit, WAL flush
  included) is serialized; the rest of it runs in parallel. Measured by tests/test_pg_changes.py.

Nothing may number changes but these triggers (`SET CONSTRAINTS ... IMMEDIATE` only fires them
early, under the same lock, which is still correct). `desk central migrate` writes the log's
rows with their SQLite numbers directly, alone on the store, and moves the sequence past them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import psycopg
from psycopg import sql

# The advisory lock that orders commits of changes: the bytes "desk-chg" as a bigint. Advisory
# locks are per database, so databases on one server never wait for each other.
LOCK_KEY = int.from_bytes(b"desk-chg", "big", signed=True)
# Taken while the schema is made, so that workers starting at once do not race on it.
SCHEMA_LOCK_KEY = int.from_bytes(b"desk-sch", "big", signed=True)

SourceKind = Literal["case", "event", "reference"]

SCHEMA = f"""
CREATE SEQUENCE IF NOT EXISTS central_changes_seq AS bigint;

-- A row is a case change (event_id NULL), an appended event (event_id set) or a change of the
-- reference data (case_id NULL); old_unit is the case's unit before the change (tombstones).
-- `seq` is given at commit, in commit order: see desk/central/pg_changes.py.
CREATE TABLE IF NOT EXISTS central_changes (
    seq bigint PRIMARY KEY,
    case_id bigint,
    event_id bigint,
    old_unit text,
    at text NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
);
CREATE INDEX IF NOT EXISTS central_changes_by_case ON central_changes (case_id, seq);

CREATE OR REPLACE FUNCTION central_log_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Held until the transaction ends, after its commit is visible: numbers follow commits.
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    IF TG_ARGV[0] = 'case' THEN
        INSERT INTO central_changes (seq, case_id, old_unit)
        VALUES (nextval('central_changes_seq'), NEW.id,
                CASE WHEN TG_OP = 'INSERT' THEN NEW.unit_code ELSE OLD.unit_code END);
    ELSIF TG_ARGV[0] = 'event' THEN
        INSERT INTO central_changes (seq, case_id, event_id)
        VALUES (nextval('central_changes_seq'), NEW.case_id, NEW.id);
    ELSE
        INSERT INTO central_changes (seq) VALUES (nextval('central_changes_seq'));
    END IF;
    RETURN NULL;
END
$$;
"""

# The triggers of each kind of source table (the real store: cases, events, units, officers).
# The case trigger fires on a new version or a new tracking number, as on SQLite.
_TRIGGERS: dict[SourceKind, list[tuple[str, str, str]]] = {
    "case": [
        ("insert", "INSERT", ""),
        (
            "update",
            "UPDATE",
            "WHEN (NEW.version IS DISTINCT FROM OLD.version "
            "OR NEW.tracking_no IS DISTINCT FROM OLD.tracking_no)",
        ),
    ],
    "event": [("insert", "INSERT", "")],
    "reference": [("insert", "INSERT", ""), ("update", "UPDATE", "")],
}


def create_log(conn: psycopg.Connection[Any]) -> None:
    """Make the log's table, sequence and function, without any trigger; idempotent.

    `desk central migrate` copies the SQLite log (and the tables it refers to) into these first
    and installs the triggers after, so that copying rows numbers nothing.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK_KEY])
        conn.execute(SCHEMA)


def install(
    conn: psycopg.Connection[Any],
    sources: dict[str, SourceKind],
    *,
    watched: dict[str, tuple[str, ...]] | None = None,
) -> None:
    """Make the change log and its triggers on `sources` ({table: kind}); idempotent.

    A case table needs `id`, `unit_code`, `version` and `tracking_no`; an event table `id` and
    `case_id`. `watched` ({table: columns}) limits a table's update trigger to changes of those
    columns (officers: a PIN or a failed sign-in is not reference data a desk pulls). One
    transaction, under a lock: several workers may start at once.
    """
    with conn.transaction():
        create_log(conn)
        for table, kind in sources.items():
            for suffix, event, condition in _TRIGGERS[kind]:
                name = f"central_log_{table}_{suffix}"
                fires_on: sql.Composable = sql.SQL(event)
                if event == "UPDATE" and watched and table in watched:
                    columns = sql.SQL(", ").join(map(sql.Identifier, watched[table]))
                    fires_on = sql.SQL("UPDATE OF {}").format(columns)
                exists = conn.execute(
                    "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
                    [name, table],
                ).fetchone()
                if exists:
                    continue
                conn.execute(
                    sql.SQL(
                        "CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} "
                        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {condition} "
                        "EXECUTE FUNCTION central_log_change({kind})"
                    ).format(
                        name=sql.Identifier(name),
                        event=fires_on,
                        table=sql.Identifier(table),
                        condition=sql.SQL(condition),
                        kind=sql.Literal(kind),
                    )
                )


@dataclass(frozen=True)
class Change:
    seq: int
    case_id: int | None
    event_id: int | None
    old_unit: str | None


@dataclass(frozen=True)
class Page:
    changes: list[Change]
    next_cursor: int  # every change up to it is in this page or an earlier one
    has_more: bool


def changes_after(
    conn: psycopg.Connection[Any], after: int, limit: int, *, table: str = "central_changes"
) -> Page:
    """The changes with a number above `after`, in order, at most `limit` of them.

    One snapshot (REPEATABLE READ, read only) for the rows and the end of the log, as the feed
    reads a page: the last page's cursor is the end of the log as this snapshot sees it. With
    the commit-ordered log that end is safe, since no change below it can still commit; on a
    log numbered at insert it is exactly where changes are lost (`table` lets the hazard test
    read such a log the same way).
    """
    name = sql.Identifier(table)
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        rows = conn.execute(
            sql.SQL(
                "SELECT seq, case_id, event_id, old_unit FROM {} WHERE seq > %s "
                "ORDER BY seq LIMIT %s"
            ).format(name),
            [after, limit + 1],
        ).fetchall()
        has_more = len(rows) > limit
        rows = rows[:limit]
        if has_more:
            end = int(rows[-1][0])
        else:
            row = conn.execute(sql.SQL("SELECT max(seq) FROM {}").format(name)).fetchone()
            end = max(after, int(row[0] or 0) if row else 0)
    changes = [Change(int(seq), case, event, unit) for seq, case, event, unit in rows]
    return Page(changes, end, has_more)


def last_seq(conn: psycopg.Connection[Any]) -> int:
    """The end of the log (the cursor of a desk that holds everything)."""
    row = conn.execute("SELECT coalesce(max(seq), 0) FROM central_changes").fetchone()
    return int(row[0]) if row else 0
