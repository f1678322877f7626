"""The change feed under concurrent writers on PostgreSQL (issue 17, desk/central/pg_changes.py).

A reader that has seen change 1,001 must still get 1,000 when its writer commits a moment
later. Shown here three ways:

- `test_naive_sequence_loses_a_change`: DEMONSTRATES THE HAZARD. A log numbered when the change
  is made (a plain sequence, read with `WHERE seq > cursor`), two writers interleaved by hand:
  change 1,000 is never delivered.
- `test_commit_ordered_log_keeps_it`: the same interleaving against the commit-ordered log.
- `test_hammer`: writer processes commit changes at once, sleeping inside their transactions so
  that commit order differs from the order they made their changes, while a reader pulls with
  its cursor; it must receive every committed change exactly once, in order. The naive log is
  fed by the same transactions and read the same way; what it lost is reported, not asserted.

Each test has its own database (tests/pg_support.py): skipped without a server, failed without
one under DESK_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from typing import Any

import pytest

from tests.pg_support import pg_dsn  # noqa: F401  (the fixture)

WRITERS = 4
CASES = 40
HAMMER_SECONDS = 2.5

# The source tables of the proof: the columns the log's triggers read, nothing else.
SOURCES = """
CREATE TABLE cases (
    id bigint PRIMARY KEY,
    unit_code text,
    version integer NOT NULL DEFAULT 1,
    tracking_no text
);
CREATE TABLE events (
    id bigserial PRIMARY KEY,
    case_id bigint NOT NULL REFERENCES cases(id),
    uid text NOT NULL UNIQUE
);
CREATE TABLE units (code text PRIMARY KEY, name text NOT NULL);
"""

# THE HAZARD: a log numbered when the change is made (what the SQLite triggers do, ported as
# they are). Fed by the same transactions, so that both logs see the same interleavings.
NAIVE = """
CREATE TABLE naive_changes (
    seq bigserial PRIMARY KEY,
    case_id bigint,
    event_id bigint,
    old_unit text
);
CREATE FUNCTION naive_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'events' THEN
        INSERT INTO naive_changes (case_id, event_id) VALUES (NEW.case_id, NEW.id);
    ELSE
        INSERT INTO naive_changes (case_id, old_unit) VALUES (NEW.id, NEW.unit_code);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER naive_case AFTER INSERT OR UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION naive_log();
CREATE TRIGGER naive_event AFTER INSERT ON events FOR EACH ROW EXECUTE FUNCTION naive_log();
"""


def _psycopg() -> Any:
    """psycopg, imported late: without it `pg_dsn` has skipped (or failed) the test already,
    and this module must still be collected."""
    import psycopg

    return psycopg


def _prepare(dsn: str) -> None:
    from desk.central import pg_changes

    with _psycopg().connect(dsn, autocommit=True) as conn:
        conn.execute(SOURCES)
        pg_changes.install(conn, {"cases": "case", "events": "event", "units": "reference"})
        conn.execute(NAIVE)
        with conn.transaction():
            for case_id in range(1, CASES + 1):
                conn.execute(
                    "INSERT INTO cases (id, unit_code) VALUES (%s, %s)",
                    [case_id, f"U{case_id % 3}"],
                )


def _pull_all(conn: Any, cursor: int, table: str = "central_changes") -> tuple[list[int], int]:
    """Every change after `cursor`, page by page (small pages); the seqs and the new cursor."""
    from desk.central.pg_changes import changes_after

    seen: list[int] = []
    while True:
        page = changes_after(conn, cursor, 7, table=table)
        seen += [change.seq for change in page.changes]
        cursor = page.next_cursor
        if not page.has_more:
            return seen, cursor


def _wait_until_blocked(monitor: Any, pid: int) -> None:
    """Until the backend `pid` waits for a lock (the commit-order lock, here)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        row = monitor.execute(
            "SELECT wait_event_type, wait_event FROM pg_stat_activity WHERE pid = %s", [pid]
        ).fetchone()
        if row is not None and row[0] == "Lock" and row[1] == "advisory":
            return
        time.sleep(0.02)
    raise AssertionError("writer B never waited for the commit-order lock")


def test_naive_sequence_loses_a_change(pg_dsn: str) -> None:  # noqa: F811
    """DEMONSTRATES THE HAZARD (not a feature): numbered at insert, read `WHERE seq > cursor`.

    A takes number n and does not commit; B takes n+1 and commits; the reader pulls and its
    cursor moves to n+1; A commits; every later pull asks for "after n+1": n is lost for good.
    """
    pg = _psycopg()
    _prepare(pg_dsn)
    with (
        pg.connect(pg_dsn, autocommit=True) as a,
        pg.connect(pg_dsn, autocommit=True) as b,
        pg.connect(pg_dsn, autocommit=True) as reader,
    ):
        _, cursor = _pull_all(reader, 0, "naive_changes")
        a.execute("BEGIN")
        a.execute("UPDATE cases SET version = version + 1 WHERE id = 1")
        (number_a,) = a.execute("SELECT max(seq) FROM naive_changes").fetchone()
        with b.transaction():
            b.execute("UPDATE cases SET version = version + 1 WHERE id = 2")
        first, cursor = _pull_all(reader, cursor, "naive_changes")
        assert first == [number_a + 1]  # B's change; the reader's cursor is past A's number
        a.execute("COMMIT")
        later, cursor = _pull_all(reader, cursor, "naive_changes")
        assert later == []  # A's change, number_a, committed and never delivered
        (committed,) = reader.execute(
            "SELECT count(*) FROM naive_changes WHERE seq = %s", [number_a]
        ).fetchone()
        assert committed == 1


def test_commit_ordered_log_keeps_it(pg_dsn: str) -> None:  # noqa: F811
    """The same interleaving, commit-ordered: a number is taken only when its commit is next."""
    pg = _psycopg()
    _prepare(pg_dsn)
    with (
        pg.connect(pg_dsn, autocommit=True) as a,
        pg.connect(pg_dsn, autocommit=True) as b,
        pg.connect(pg_dsn, autocommit=True) as reader,
    ):
        received, cursor = _pull_all(reader, 0)

        # 1. A changes first and commits last: it has no number until its commit.
        a.execute("BEGIN")
        a.execute("UPDATE cases SET version = version + 1 WHERE id = 1")
        with b.transaction():
            b.execute("UPDATE cases SET version = version + 1 WHERE id = 2")
        got, cursor = _pull_all(reader, cursor)
        received += got
        a.execute("COMMIT")
        got, cursor = _pull_all(reader, cursor)
        received += got
        assert len(got) == 1 and got[0] > received[-2]  # A came after B, numbered after B

        # 2. A takes its number first (its numbering fired early, holding the lock), B commits
        # in the meantime: B waits for A's commit, so the reader never sees B's number alone.
        a.execute("BEGIN")
        a.execute("UPDATE cases SET version = version + 1 WHERE id = 3")
        a.execute("SET CONSTRAINTS ALL IMMEDIATE")  # A's number is taken now
        (number_a,) = a.execute("SELECT max(seq) FROM central_changes").fetchone()
        (b_pid,) = b.execute("SELECT pg_backend_pid()").fetchone()

        def write_b() -> None:
            with b.transaction():
                b.execute("UPDATE cases SET version = version + 1 WHERE id = 4")

        writer_b = threading.Thread(target=write_b)
        writer_b.start()
        _wait_until_blocked(reader, b_pid)
        got, cursor = _pull_all(reader, cursor)
        assert got == []  # neither is visible: A has not committed, B waits behind it
        a.execute("COMMIT")
        writer_b.join(timeout=10)
        assert not writer_b.is_alive()
        got, cursor = _pull_all(reader, cursor)
        assert got == [number_a, number_a + 1]
        received += got

        # 3. A transaction that rolls back after numbering leaves a gap, and nothing waits for it.
        a.execute("BEGIN")
        a.execute("UPDATE cases SET version = version + 1 WHERE id = 5")
        a.execute("SET CONSTRAINTS ALL IMMEDIATE")
        a.execute("ROLLBACK")
        with b.transaction():
            b.execute("INSERT INTO events (case_id, uid) VALUES (6, 'e-6')")
        got, cursor = _pull_all(reader, cursor)
        received += got
        assert len(got) == 1 and got[0] == number_a + 3  # the gap is number_a + 2

        everything = [
            row[0] for row in reader.execute("SELECT seq FROM central_changes ORDER BY seq")
        ]
        assert received == everything


def test_old_unit_is_the_unit_before_the_change(pg_dsn: str) -> None:  # noqa: F811
    """Deferred to the commit, the case trigger still records the row as the change saw it."""
    pg = _psycopg()
    _prepare(pg_dsn)
    with pg.connect(pg_dsn, autocommit=True) as conn:
        _, cursor = _pull_all(conn, 0)
        with conn.transaction():
            conn.execute("UPDATE cases SET unit_code = 'NEW', version = version + 1 WHERE id = 7")
            conn.execute("UPDATE cases SET unit_code = 'NEWER', version = version + 1 WHERE id = 7")
            conn.execute("UPDATE cases SET unit_code = 'SAME' WHERE id = 8")  # no new version
            conn.execute("INSERT INTO units (code, name) VALUES ('X', 'Unit X')")
        from desk.central.pg_changes import changes_after

        page = changes_after(conn, cursor, 100)
        assert [(c.case_id, c.event_id, c.old_unit) for c in page.changes] == [
            (7, None, "U1"),
            (7, None, "NEW"),
            (None, None, None),
        ]


# The hammer ---------------------------------------------------------------------------------


def _writer(dsn: str, number: int, seconds: float, results: Any) -> None:
    """One writer process: transactions of a case change and an event, sleeping inside them
    (so that they commit in another order than they changed), one in ten rolled back."""
    import psycopg as pg

    rng = random.Random(number)
    committed = rolled_back = 0
    uids: list[str] = []
    with pg.connect(dsn, autocommit=True) as conn:
        end = time.monotonic() + seconds
        index = 0
        while time.monotonic() < end:
            index += 1
            uid = f"w{number}-{index}"
            # Mostly the writer's own cases (real offices work their own units), sometimes a
            # shared one: writers then also wait for each other's row locks.
            case_id = rng.choice([c for c in range(1, CASES + 1) if c % WRITERS == number] or [1])
            if rng.random() < 0.2:
                case_id = rng.randint(1, 4)
            conn.execute("BEGIN")
            try:
                conn.execute("UPDATE cases SET version = version + 1 WHERE id = %s", [case_id])
                time.sleep(rng.random() * 0.004)
                conn.execute("INSERT INTO events (case_id, uid) VALUES (%s, %s)", [case_id, uid])
                time.sleep(rng.random() * 0.004)
                if rng.random() < 0.1:
                    conn.execute("ROLLBACK")
                    rolled_back += 1
                    continue
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            committed += 1
            uids.append(uid)
    results.put((number, committed, rolled_back, uids))


def _reader(dsn: str, table: str, stop: threading.Event, out: dict[str, Any]) -> None:
    """Pull with a cursor until told to stop, then once more; every seq received, in order."""
    import psycopg as pg

    from desk.central.pg_changes import changes_after

    received: list[int] = []
    ids: list[tuple[int | None, int | None]] = []
    pulls = 0
    cursor = 0
    with pg.connect(dsn, autocommit=True) as conn:
        while True:
            last_round = stop.is_set()
            page = changes_after(conn, cursor, 50, table=table)
            pulls += 1
            for change in page.changes:
                received.append(change.seq)
                ids.append((change.case_id, change.event_id))
            cursor = page.next_cursor
            if last_round and not page.has_more:
                break
            if not page.has_more:
                time.sleep(0.002)
    out.update(received=received, ids=ids, pulls=pulls)


def test_hammer(pg_dsn: str, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    """4 writer processes, a reader pulling all along: every committed change, once, in order."""
    pg = _psycopg()
    _prepare(pg_dsn)
    with pg.connect(pg_dsn, autocommit=True) as conn:
        (start,) = conn.execute("SELECT coalesce(max(seq), 0) FROM central_changes").fetchone()
        (naive_start,) = conn.execute("SELECT coalesce(max(seq), 0) FROM naive_changes").fetchone()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    writers = [
        context.Process(target=_writer, args=(pg_dsn, n, HAMMER_SECONDS, results))
        for n in range(WRITERS)
    ]
    stop = threading.Event()
    ours: dict[str, Any] = {}
    naive: dict[str, Any] = {}
    readers = [
        threading.Thread(target=_reader, args=(pg_dsn, "central_changes", stop, ours)),
        threading.Thread(target=_reader, args=(pg_dsn, "naive_changes", stop, naive)),
    ]
    began = time.monotonic()
    for thread in readers:
        thread.start()
    for process in writers:
        process.start()
    outcomes = [results.get(timeout=60) for _ in writers]
    for process in writers:
        process.join(timeout=30)
        assert process.exitcode == 0
    stop.set()
    for thread in readers:
        thread.join(timeout=30)
        assert not thread.is_alive()
    elapsed = time.monotonic() - began

    committed = sum(outcome[1] for outcome in outcomes)
    rolled_back = sum(outcome[2] for outcome in outcomes)
    uids = [uid for outcome in outcomes for uid in outcome[3]]
    with pg.connect(pg_dsn, autocommit=True) as conn:
        everything = [
            row[0]
            for row in conn.execute(
                "SELECT seq FROM central_changes WHERE seq > %s ORDER BY seq", [start]
            )
        ]
        events = {row[0]: row[1] for row in conn.execute("SELECT id, uid FROM events")}
        naive_everything = {
            row[0]
            for row in conn.execute("SELECT seq FROM naive_changes WHERE seq > %s", [naive_start])
        }
    received: list[int] = [seq for seq in ours["received"] if seq > start]

    assert committed > 100, "the writers hardly wrote: the hammer proves nothing"
    assert rolled_back > 0
    # Exactly once and in cursor order: strictly increasing, and all of the log.
    assert received == sorted(set(received))
    assert received == everything
    # All of the log is all that was committed: a case change and an event per transaction.
    changes = [ids for seq, ids in zip(ours["received"], ours["ids"], strict=True) if seq > start]
    event_ids = [event for _case, event in changes if event is not None]
    assert len(event_ids) == len(set(event_ids)) == committed
    assert sorted(events[event] for event in event_ids) == sorted(uids)
    assert sum(1 for _case, event in changes if event is None) == committed

    naive_lost = len(naive_everything - set(naive["received"]))
    with capsys.disabled():
        print(
            f"\n[pg changes hammer] {WRITERS} writers, {elapsed:.1f} s: {committed} commits "
            f"({committed / HAMMER_SECONDS:.0f}/s, {len(received)} changes), {rolled_back} "
            f"rolled back; reader: {ours['pulls']} pulls, lost 0. "
            f"Naive log (HAZARD DEMO): lost {naive_lost} of {len(naive_everything)}."
        )
