"""The push on PostgreSQL under concurrency: several processes, one database (issue 17).

Each test starts 4 processes (spawned, each with its own pool, as server workers are) that push
through the PostgreSQL ops part at the same moment (a barrier per round), on a central store
copied from SQLite (`migrate`):

- the same op id pushed by all 4 at once, 100 times: one `applied`, three `duplicate`, one
  event (docs/central-postgresql.md, section 3);
- two offices (two processes each) pushing conflicting ops on one case at the same base, 50
  times: one `applied`, the others `conflict` (or `same`, for the winner's own office), the
  version one higher, one event (section 4);
- 4 processes pushing many ops (notes, creates) on their own cases while a reader follows the
  change log page by page: every change arrives, once; the audit chain verifies after it all
  (sections 2 and 2.4).

Each test has its own PostgreSQL database (tests/pg_support.py): skipped without a server,
failed without one under DESK_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlite_utils

from db import audit
from desk.central.files import FileLimits
from desk.central.migrate import migrate
from desk.central.store import add_office, fill_event_uids, open_central
from desk.central.store_api import Office
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, case_in, create_op, make_office, new_case
from tests.conftest import wire_op as op
from tests.pg_support import pg_dsn  # noqa: F401  (the fixture)

PROCESSES = 4
WAIT = 60.0  # seconds a process waits for the others at a barrier before the test fails
LIMITS = FileLimits()
PROV = Office("prov", True, ("SETDA",))
HUB = Office("hub2", True, ("SETDA",))
PUPR = Office("pupr", False, ("PUPR",))


def build(tmp_path: Path, dsn: str, statuses: list[str]) -> list[dict[str, Any]]:
    """A SQLite central with a case in each of `statuses` and the offices above, copied into
    the PostgreSQL database `dsn`; returns the cases."""
    path = tmp_path / "central.db"
    database = open_central(path)
    try:
        make_office(database)
        add_office(database, "prov", ["SETDA"], coordinator=True)
        add_office(database, "hub2", ["SETDA"], coordinator=True)
        add_office(database, "pupr", ["PUPR"])
        cases = [
            case_in(database, status, str(9200001 + n))
            if status != "baru"
            else new_case(database, str(9200001 + n))
            for n, status in enumerate(statuses)
        ]
        fill_event_uids(database)
    finally:
        database.conn.close()
    shutil.copy(path, tmp_path / "source.db")
    migrate(tmp_path / "source.db", dsn)
    return cases


def open_pg(dsn: str, files: Path) -> Any:
    from desk.central.pg_base import PgBase
    from desk.central.pg_ops import PgOpsPart

    class OpsStore(PgOpsPart, PgBase):
        pass

    return OpsStore(dsn, files=files, pool_size=1)


def create(title: str) -> dict[str, Any]:
    return create_op(PETUGAS_PUPR.nip, title=f"Kasus {title}", body="Isi.")


def _pusher(
    dsn: str, files: str, office: Office, pushes: list[list[dict]], barrier: Any, out: Any
) -> None:
    """A server worker: its own pool; each push after the others are ready (a barrier)."""
    store = open_pg(dsn, Path(files))
    answers = []
    try:
        for ops in pushes:
            if barrier is not None:
                barrier.wait(WAIT)
            ids = frozenset(o["id"] for o in ops)
            answers.append(store.apply_ops(office, ops, lambda: NOW, ids, LIMITS))
    finally:
        store.close()
        out.put(answers)


def run_pushers(
    dsn: str, files: Path, work: list[tuple[Office, list[list[dict]]]], *, in_step: bool
) -> list[list[list[dict]]]:
    """Run one process per (office, pushes); their answers, in `work`'s order."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(work)) if in_step else None
    outs = [context.Queue() for _ in work]
    processes = [
        context.Process(target=_pusher, args=(dsn, str(files), office, pushes, barrier, out))
        for (office, pushes), out in zip(work, outs, strict=True)
    ]
    for process in processes:
        process.start()
    answers = [out.get(timeout=WAIT) for out in outs]
    for process in processes:
        process.join(WAIT)
        assert process.exitcode == 0
    return answers


def query(dsn: str, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(dsn) as conn:
        return conn.execute(sql, params or []).fetchall()


def assert_audit_chain_verifies(dsn: str) -> int:
    """db/audit.py's own verification, on a copy of the PostgreSQL chain; its length."""
    entries = query(
        dsn,
        "SELECT seq, at, actor_nip, action, case_id, detail, prev_hash, hash "
        "FROM audit_log ORDER BY seq",
    )
    copy = sqlite_utils.Database(sqlite3.connect(":memory:"))
    copy.execute(
        "CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, at TEXT, actor_nip TEXT, action TEXT, "
        "case_id INTEGER, detail TEXT, prev_hash TEXT, hash TEXT)"
    )
    copy.conn.executemany("INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", entries)
    assert audit.verify(copy) is None
    return len(entries)


def test_the_same_op_from_four_processes_at_once_is_applied_once(
    tmp_path: Path,
    pg_dsn: str,  # noqa: F811
) -> None:
    rounds = 100
    [case] = build(tmp_path, pg_dsn, ["diproses"])
    # Notes on one case (its lock serializes them) and creates (nothing to lock: only the
    # claim of the op id keeps the second from applying it again).
    ops = [
        op(case, "note", PETUGAS_PUPR.nip, text=f"Catatan {n}.") if n % 2 else create(f"{n}")
        for n in range(rounds)
    ]
    pushes = [[dict(o)] for o in ops]
    chain = assert_audit_chain_verifies(pg_dsn)

    answers = run_pushers(pg_dsn, tmp_path, [(PUPR, pushes)] * PROCESSES, in_step=True)

    for n, sent in enumerate(ops):
        [*same_round] = (worker[n][0] for worker in answers)
        assert Counter(a["r"] for a in same_round) == {"applied": 1, "duplicate": 3}, n
        assert {a["id"] for a in same_round} == {sent["id"]}
        assert len({a["v"] for a in same_round}) == 1  # the duplicates repeat its answer
        assert len({a.get("tracking") for a in same_round}) == 1
    uids = [o["id"] for o in ops]
    events = query(
        pg_dsn, "SELECT uid, count(*) FROM events WHERE uid = ANY(%s) GROUP BY uid", [uids]
    )
    assert sorted(events) == sorted((uid, 1) for uid in uids)
    [(version,)] = query(pg_dsn, "SELECT version FROM cases WHERE id = %s", [case["id"]])
    assert version == case["version"] + rounds // 2
    [(recorded,)] = query(pg_dsn, "SELECT count(*) FROM applied_ops WHERE op_id = ANY(%s)", [uids])
    assert recorded == rounds
    assert assert_audit_chain_verifies(pg_dsn) == chain + rounds


def test_conflicting_ops_of_two_offices_on_one_case_are_judged_one_after_the_other(
    tmp_path: Path,
    pg_dsn: str,  # noqa: F811
) -> None:
    rounds = 50
    cases = build(tmp_path, pg_dsn, ["baru"] * rounds)
    work = []
    for office, unit in ((PROV, "PUPR"), (PROV, "PUPR"), (HUB, "DINKES"), (HUB, "DINKES")):
        work.append((office, [[op(case, "verify", ADMIN.nip, unit=unit)] for case in cases]))

    answers = run_pushers(pg_dsn, tmp_path, work, in_step=True)

    for n in range(rounds):
        kinds = Counter(worker[n][0]["r"] for worker in answers)
        assert kinds["applied"] == 1, (n, kinds)
        assert kinds["conflict"] >= 2 and kinds["same"] <= 1, (n, kinds)
        assert kinds["conflict"] + kinds["same"] == PROCESSES - 1
    versions = dict(
        query(
            pg_dsn, "SELECT id, version FROM cases WHERE id = ANY(%s)", [[c["id"] for c in cases]]
        )
    )
    assert all(versions[c["id"]] == c["version"] + 1 for c in cases)
    verified = query(
        pg_dsn,
        "SELECT case_id, count(*) FROM events WHERE kind = 'verify' AND case_id = ANY(%s) "
        "GROUP BY case_id",
        [[c["id"] for c in cases]],
    )
    assert sorted(verified) == sorted((c["id"], 1) for c in cases)
    assert_audit_chain_verifies(pg_dsn)


def test_every_change_reaches_a_reader_following_four_writers_once(
    tmp_path: Path,
    pg_dsn: str,  # noqa: F811
) -> None:
    import psycopg

    from desk.central.pg_changes import changes_after

    per_writer, pushes_each = 4, 12
    cases = build(tmp_path, pg_dsn, ["diproses"] * (per_writer * PROCESSES))
    [(start,)] = query(pg_dsn, "SELECT coalesce(max(seq), 0) FROM central_changes")
    chain = assert_audit_chain_verifies(pg_dsn)
    work = []
    sent: list[str] = []
    for w in range(PROCESSES):
        mine = cases[w * per_writer : (w + 1) * per_writer]
        pushes = []
        for n in range(pushes_each):
            notes = [op(case, "note", PETUGAS_PUPR.nip, text=f"{w}/{n}") for case in mine]
            made = create(f"{w}/{n}")
            pushes.append([*notes, made])
            sent += [o["id"] for o in (*notes, made)]
        work.append((PUPR, pushes))

    context = multiprocessing.get_context("spawn")
    outs = [context.Queue() for _ in work]
    writers = [
        context.Process(target=_pusher, args=(pg_dsn, str(tmp_path), office, pushes, None, out))
        for (office, pushes), out in zip(work, outs, strict=True)
    ]
    received: list[int] = []
    pages = 0
    with psycopg.connect(pg_dsn) as reader:
        cursor = start
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + WAIT
        while any(w.is_alive() for w in writers) or pages == 0:
            page = changes_after(reader, cursor, 7)
            received += [change.seq for change in page.changes]
            cursor, pages = page.next_cursor, pages + 1
            assert time.monotonic() < deadline
        answers = [out.get(timeout=WAIT) for out in outs]
        while True:  # what committed after the last page read while writers ran
            page = changes_after(reader, cursor, 7)
            received += [change.seq for change in page.changes]
            cursor = page.next_cursor
            if not page.has_more:
                break
    for writer in writers:
        writer.join(WAIT)
        assert writer.exitcode == 0

    assert all(a["r"] == "applied" for worker in answers for push in worker for a in push)
    logged = [
        seq
        for (seq,) in query(
            pg_dsn, "SELECT seq FROM central_changes WHERE seq > %s ORDER BY seq", [start]
        )
    ]
    assert len(received) == len(set(received))  # once
    assert sorted(received) == logged  # every one
    assert pages > 1  # the reader really followed the writers
    events = query(
        pg_dsn,
        "SELECT ch.seq FROM events e JOIN central_changes ch ON ch.event_id = e.id "
        "WHERE e.uid = ANY(%s)",
        [sent],
    )
    assert len(events) == len(sent)
    assert {seq for (seq,) in events} <= set(received)
    tracking = query(
        pg_dsn,
        "SELECT tracking_no FROM cases WHERE local_id = ANY(%s)",
        [[o["c"] for _, pushes in work for push in pushes for o in push if o["k"] == "create"]],
    )
    assert len({number for (number,) in tracking}) == PROCESSES * pushes_each  # all different
    assert assert_audit_chain_verifies(pg_dsn) == chain + len(sent)
