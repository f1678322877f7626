"""The PostgreSQL central store's own jobs (desk/central/pg_core.py, pg_store.py): the same
answers as the SQLite store, and correct with several processes at once.

Equivalence: a SQLite central store with offices, seeded cases, a witnessed head and an alarm is
copied into PostgreSQL (`desk central migrate`), and the same calls are made on both stores:
offices and tokens, revocation, the epoch, the witness (statements, alarms, resolution, and the
audit entries they write, hash for hash). Concurrency, on PostgreSQL only: two reports of one
office at once, the receipt key made by two processes, the rate limit across two processes.
And what only a server needs: health, the files folder, a store that moved.
"""

from __future__ import annotations

import multiprocessing
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from db import audit
from desk.central import feed
from desk.central.sqlite_store import SqliteStore
from desk.central.store_api import CentralStore, StoreMoved, open_store, shown_location
from desk.central.testing import prepare_central
from desk.central.witness import Head, UnknownAlarm
from desk.errors import InvalidInput, NotFound
from tests.conftest import NOW
from tests.pg_support import POSTGRESQL, fresh_database, pg_dsn, url_of  # noqa: F401

pytestmark = POSTGRESQL

OFFICES = {"prov": (["SETDA"], True), "pupr": (["PUPR"], False), "dinkes": (["DINKES"], False)}
X, Y, Z = "a" * 64, "b" * 64, "c" * 64


def _psycopg() -> Any:
    import psycopg  # without it `pg_dsn` has skipped (or failed) the test already

    return psycopg


@dataclass
class Twins:
    """The same central store on SQLite and on PostgreSQL (an exact copy)."""

    sqlite: SqliteStore
    pg: CentralStore
    tokens: dict[str, str]
    url: str


@pytest.fixture
def twins(tmp_path: Path, pg_dsn: str) -> Iterator[Twins]:  # noqa: F811
    from desk.central.migrate import migrate

    path = tmp_path / "central.db"
    tokens = prepare_central(path, cases=8, seed=3, now=NOW, offices=OFFICES)
    first = SqliteStore(path)
    first.receipt_key()  # made before the copy: both stores sign receipts with the same key
    first.observe("dinkes", Head(4, X), None, NOW)
    first.observe("dinkes", Head(2, Y), None, NOW)  # an open alarm, copied
    first.close()
    copy = tmp_path / "copy.db"
    shutil.copy(path, copy)  # the migration marks its source as moved
    url = url_of(pg_dsn)
    migrate(copy, url)
    sqlite = SqliteStore(path)
    pg = open_store(url, files=tmp_path / "files")
    try:
        yield Twins(sqlite, pg, tokens, url)
    finally:
        sqlite.close()
        pg.close()


def pg_audit_head(url: str) -> tuple[int, str]:
    with _psycopg().connect(url) as conn:
        assert audit.verify(conn) is None
        return audit.head(conn)


# Equivalence -----------------------------------------------------------------------------


def test_offices_and_their_tokens_answer_the_same_on_both_stores(twins: Twins) -> None:
    both = (twins.sqlite, twins.pg)
    assert twins.sqlite.list_offices() == twins.pg.list_offices()
    for token in twins.tokens.values():
        found = [store.authenticate(token) for store in both]
        assert found[0] is not None and found[0] == found[1]
    assert [store.authenticate("not-a-token") for store in both] == [None, None]

    new = {store.kind: store.add_office("kominfo", ["diskominfo", "PUPR"]) for store in both}
    for store in both:
        office = store.authenticate(new[store.kind])
        assert office is not None
        assert office.units == ("DISKOMINFO", "PUPR")  # case-insensitive, binary order
        assert not office.coordinator
        with pytest.raises(InvalidInput):
            store.add_office("kominfo", ["PUPR"])
        with pytest.raises(NotFound):
            store.add_office("nowhere", ["NO-SUCH-UNIT"])
        with pytest.raises(InvalidInput):
            store.add_office("  ", ["PUPR"])
        store.revoke_office("pupr")
        store.revoke_office("pupr")  # again: nothing more happens
        assert store.authenticate(twins.tokens["pupr"]) is None
        with pytest.raises(NotFound):
            store.revoke_office("nobody")
    listed = [store.list_offices() for store in both]
    assert [o.name for o in listed[0]] == [o.name for o in listed[1]]
    assert all(o.revoked_at for o in listed[1] if o.name == "pupr")
    assert [(o.units, o.coordinator) for o in listed[0]] == [
        (o.units, o.coordinator) for o in listed[1]
    ]


def test_the_epoch_is_copied_and_renewed(twins: Twins) -> None:
    assert twins.pg.epoch() == twins.sqlite.epoch()
    renewed = twins.pg.new_epoch()
    assert renewed != twins.sqlite.epoch()
    assert twins.pg.epoch() == renewed


def test_the_witness_decides_and_records_the_same_on_both_stores(twins: Twins) -> None:
    both = (twins.sqlite, twins.pg)
    assert twins.sqlite.receipt_key() == twins.pg.receipt_key()
    reports = [
        ("pupr", Head(3, X), None),  # first head: witnessed
        ("pupr", Head(3, X), None),  # the same again
        ("pupr", Head(5, Y), None),  # longer, without proof: prove
        ("pupr", Head(5, Y), Head(3, X)),  # proven: witnessed
        ("pupr", Head(4, Z), None),  # shorter: truncated
        ("pupr", Head(4, Z), None),  # the same divergence: counted again
        ("prov", Head(2, X), None),
        ("prov", Head(2, Y), None),  # the same seq, another hash: rewritten
    ]
    for office, head, base in reports:
        statements = [store.observe(office, head, base, NOW) for store in both]
        assert statements[0] == statements[1], (office, head, base)
    for office in ("pupr", "prov", "dinkes", "nobody"):
        assert twins.sqlite.witness_record(office) == twins.pg.witness_record(office)
    assert twins.sqlite.alarms() == twins.pg.alarms()
    assert len(twins.pg.alarms()) == 3  # dinkes (copied), pupr, prov
    assert [a.times for a in twins.pg.alarms(office="pupr")] == [2]
    assert twins.sqlite.open_alarm_counts() == twins.pg.open_alarm_counts()

    pupr_alarm = twins.pg.alarms(office="pupr")[0].id
    assert [store.resolve_alarm(pupr_alarm, "desk restored", NOW) for store in both] == [
        "pupr",
        "pupr",
    ]
    for store in both:
        with pytest.raises(UnknownAlarm):
            store.resolve_alarm(pupr_alarm, "again", NOW)
        with pytest.raises(UnknownAlarm):
            store.resolve_alarm(9999, "none", NOW)
        assert store.witness_record("pupr") is None  # starts again from the next report
    assert twins.sqlite.alarms(include_resolved=True) == twins.pg.alarms(include_resolved=True)
    assert twins.sqlite.alarms(office="prov") == twins.pg.alarms(office="prov")
    # The audit entries both stores wrote (two alarms raised, one resolved) are the same
    # entries, hash for hash, and the PostgreSQL chain verifies.
    assert pg_audit_head(twins.url) == audit.head(twins.sqlite.database)


def test_the_rate_limit_counts_the_same_on_both_stores(twins: Twins) -> None:
    for store in (twins.sqlite, twins.pg):
        waits = [store.take_token("pupr", 1.0, 3) for _ in range(4)]
        assert waits[:3] == [0.0, 0.0, 0.0]
        assert 0.9 < waits[3] <= 1.0
        assert store.take_token("dinkes", 1.0, 3) == 0.0  # offices do not share a bucket
    time.sleep(1.05)
    for store in (twins.sqlite, twins.pg):
        assert store.take_token("pupr", 1.0, 3) == 0.0  # refilled
        assert store.take_token("pupr", 1.0, 3) > 0


def test_admitting_a_request_is_authenticating_it_then_taking_a_token_on_both_stores(
    twins: Twins,
) -> None:
    """`admit`, what every request asks first (one statement on PostgreSQL): the token's
    office and its wait; an unknown or revoked token takes no token from anyone's bucket."""
    token = twins.tokens["pupr"]
    for store in (twins.sqlite, twins.pg):
        answers = [store.admit(token, 1.0, 3) for _ in range(4)]
        assert [office.name if office else None for office, _, _ in answers] == ["pupr"] * 4
        assert answers[0][0] == store.authenticate(token)  # the same office, units and all
        assert [wait for _, wait, _ in answers[:3]] == [0.0, 0.0, 0.0]
        assert 0.9 < answers[3][1] <= 1.0
        assert all(page is None for _, _, page in answers)  # no cursor, no page
        assert store.admit("not a token", 1.0, 3) == (None, 0.0, None)
        store.revoke_office("dinkes")
        assert store.admit(twins.tokens["dinkes"], 1.0, 3) == (None, 0.0, None)
        assert store.take_token("dinkes", 1.0, 3) == 0.0  # its bucket untouched (still full)


def test_an_idle_sync_is_admitted_with_its_page_on_both_stores(twins: Twins) -> None:
    """`admit` with a cursor: at the end of the log, the idle page `changes` gives for it (the
    same cursor back, nothing in it); any other cursor, or a request over its rate, no page
    (the request then reads its page as any other)."""
    token = twins.tokens["pupr"]
    for store in (twins.sqlite, twins.pg):
        office = store.authenticate(token)
        assert office is not None
        page = store.changes(office, "", 500)
        while page.body is not None and page.body["has_more"]:
            page = store.changes(office, page.next_cursor, 500)
        end = page.next_cursor
        admitted, wait, idle = store.admit(token, 100.0, 100, end)
        assert (admitted, wait) == (office, 0.0)
        assert idle == store.changes(office, end, 500) == feed.Page(None, end)
        epoch, last = end.split(".")
        assert store.admit(token, 100.0, 100, f"{epoch}.{int(last) - 1}")[2] is None
        assert store.admit(token, 100.0, 100, "another-epoch.1")[2] is None
        assert store.admit(token, 100.0, 100, "")[2] is None
        waited = [store.admit(token, 0.001, 1, end) for _ in range(2)][-1]
        assert waited[1] > 0 and waited[2] is None


def test_a_seeded_store_holds_what_the_sqlite_seed_makes(tmp_path: Path, pg_dsn: str) -> None:  # noqa: F811
    from desk.central.pg_core import StoreNotEmpty

    path = tmp_path / "central.db"
    url = url_of(pg_dsn)
    for location in (path, url):
        prepare_central(location, cases=15, seed=7, now=NOW, offices=OFFICES)
    sqlite, pg = SqliteStore(path), open_store(url)
    try:
        assert [o.name for o in pg.list_offices()] == [o.name for o in sqlite.list_offices()]
        columns = "id, local_id, tracking_no, title, status, unit_code, version, received_at"
        expected = sqlite.database.execute(f"SELECT {columns} FROM cases ORDER BY id").fetchall()
        with _psycopg().connect(url) as conn:
            found = conn.execute(f"SELECT {columns} FROM cases ORDER BY id").fetchall()
            assert conn.execute("SELECT count(*) FROM events WHERE uid IS NULL").fetchone() == (0,)
            events = conn.execute("SELECT count(*) FROM events").fetchone()
            logged = conn.execute(
                "SELECT count(*) FROM central_changes WHERE event_id IS NOT NULL"
            ).fetchone()
        assert found == [tuple(row) for row in expected] and len(found) == 15
        assert logged == events  # every seeded event numbered in the change log
        assert pg.fill_event_uids() == 0
        with pytest.raises(StoreNotEmpty, match="cases"):
            pg.seed(1, workers=0)
    finally:
        sqlite.close()
        pg.close()


# Concurrency, PostgreSQL only -------------------------------------------------------------


def _observe_in_thread(
    store: CentralStore, office: str, head: Head, base: Head | None
) -> tuple[threading.Thread, list[Any]]:
    answer: list[Any] = []
    thread = threading.Thread(
        target=lambda: answer.append(store.observe(office, head, base, NOW)), daemon=True
    )
    thread.start()
    return thread, answer


def _wait_until_blocked(url: str) -> None:
    """Until some connection of the test's database waits on a lock."""
    with _psycopg().connect(url, autocommit=True) as conn:
        for _ in range(200):
            waiting = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ).fetchone()
            if waiting and waiting[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the report never waited for the other one")


def test_a_first_report_racing_another_is_judged_against_it(twins: Twins) -> None:
    """Two first reports of one office at once with different chains: one is witnessed, the
    other judged against it (an alarm), never both witnessed."""
    psycopg = _psycopg()
    with psycopg.connect(twins.url) as other:
        other.execute(
            "INSERT INTO audit_witness (office, seq, hash, witnessed_at, since) "
            "VALUES ('pupr', 5, %s, '2026-11-10T00:59:00Z', '2026-11-10T00:59:00Z')",
            [X],
        )
        thread, answer = _observe_in_thread(twins.pg, "pupr", Head(5, Y), None)
        _wait_until_blocked(twins.url)
        other.commit()
    thread.join(10)
    assert [statement.status for statement in answer] == ["alarm"]
    assert answer[0].hash == X
    assert twins.pg.witness_record("pupr") is not None
    assert twins.pg.witness_record("pupr").hash == X  # type: ignore[union-attr]
    assert [alarm.kind for alarm in twins.pg.alarms(office="pupr")] == ["rewritten"]


def test_a_report_waits_for_the_one_moving_the_witnessed_head(twins: Twins) -> None:
    """A report is judged against the head another report of the office is storing, not the
    one before it (the row is read FOR UPDATE)."""
    assert twins.pg.observe("pupr", Head(5, X), None, NOW).status == "ok"
    psycopg = _psycopg()
    with psycopg.connect(twins.url) as other:
        other.execute("UPDATE audit_witness SET seq = 7, hash = %s WHERE office = 'pupr'", [Z])
        # Proves the chain extends entry 5: fine against 5, cut short against 7.
        thread, answer = _observe_in_thread(twins.pg, "pupr", Head(6, Y), Head(5, X))
        _wait_until_blocked(twins.url)
        other.commit()
    thread.join(10)
    assert [(s.status, s.seq) for s in answer] == [("alarm", 7)]
    record = twins.pg.witness_record("pupr")
    assert record is not None and (record.seq, record.hash) == (7, Z)


def test_reports_of_one_office_at_once_witness_one_head(twins: Twins) -> None:
    for round_ in range(10):
        office = f"office-{round_}"
        start = threading.Barrier(2)
        answers: list[str] = []

        def report(
            head: Head,
            office: str = office,
            start: threading.Barrier = start,
            answers: list[str] = answers,
        ) -> None:
            start.wait()
            answers.append(twins.pg.observe(office, head, None, NOW).status)

        threads = [threading.Thread(target=report, args=(Head(5, h),)) for h in (X, Y)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert sorted(answers) == ["alarm", "ok"]


def _receipt_key(url: str, start: Any, keys: Any) -> None:
    store = open_store(url, files=None)
    try:
        start.wait(20)
        keys.put(store.receipt_key().hex())
    finally:
        store.close()


def test_two_processes_making_the_receipt_key_keep_one(pg_dsn: str) -> None:  # noqa: F811
    url = url_of(pg_dsn)
    context = multiprocessing.get_context("spawn")
    start, keys = context.Barrier(3), context.Queue()
    workers = [context.Process(target=_receipt_key, args=(url, start, keys)) for _ in range(2)]
    for worker in workers:
        worker.start()
    start.wait(60)
    found = {keys.get(timeout=60) for _ in workers}
    for worker in workers:
        worker.join(30)
    assert len(found) == 1
    with _psycopg().connect(url) as conn:
        stored = conn.execute("SELECT value FROM central_meta WHERE key = 'witness_key'")
        assert [row[0] for row in stored] == list(found)


REQUESTS = 30


def _take_tokens(url: str, start: Any, waits: Any, requests: int) -> None:
    """`requests` requests of one office at once, from threads of this process."""
    from desk.central.pg_base import PgBase
    from desk.central.pg_core import PgCorePart

    class CoreStore(PgCorePart, PgBase):
        pass

    store = CoreStore(url, files=Path("unused"), pool_size=requests)
    try:
        store.pool.wait(20)  # connections made before the burst, not during it
        barrier = threading.Barrier(requests)
        found: list[float] = []

        def request() -> None:
            barrier.wait(20)
            found.append(store.take_token("pupr", 1.0, 10))

        threads = [threading.Thread(target=request) for _ in range(requests)]
        for thread in threads:
            thread.start()
        start.wait(20)
        # The processes are lined up; each thread's barrier lets them go together.
        for thread in threads:
            thread.join(20)
        waits.put(found)
    finally:
        store.close()


def test_the_rate_limit_holds_across_two_processes(pg_dsn: str) -> None:  # noqa: F811
    """Burst 10, 1 a second: 30 requests at once from one office, spread over two processes
    (two server workers): 10 go, 20 are told to wait (at most a second)."""
    url = url_of(pg_dsn)
    open_store(url).close()  # the schema
    context = multiprocessing.get_context("spawn")
    start, waits = context.Barrier(3), context.Queue()
    half = REQUESTS // 2
    workers = [
        context.Process(target=_take_tokens, args=(url, start, waits, half)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    start.wait(60)
    found = [wait for _ in workers for wait in waits.get(timeout=60)]
    for worker in workers:
        worker.join(30)
    assert len(found) == REQUESTS
    assert found.count(0.0) == 10
    assert all(0 < wait <= 1.0 for wait in found if wait)


# What a server needs ----------------------------------------------------------------------


def test_health_says_whether_the_store_answers(tmp_path: Path, pg_dsn: str) -> None:  # noqa: F811
    store = open_store(url_of(pg_dsn))
    assert store.healthy(1.0) is True
    store.close()
    started = time.monotonic()
    assert store.healthy(1.0) is False  # a closed pool
    assert time.monotonic() - started < 1.5

    from desk.central.pg_base import PgBase
    from desk.central.pg_core import PgCorePart

    class CoreStore(PgCorePart, PgBase):
        pass

    # Nothing listens there: the pool never gets a connection.
    nowhere = CoreStore("postgresql://postgres@127.0.0.1:9/none", files=tmp_path, pool_size=1)
    try:
        started = time.monotonic()
        assert nowhere.healthy(0.5) is False
        assert time.monotonic() - started < 1.0
    finally:
        nowhere.close()


def test_the_files_folder_is_made_owner_only_and_required(
    tmp_path: Path,
    pg_dsn: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from desk.central.pg_core import FilesFolderMissing

    url = url_of(pg_dsn)
    with_files = open_store(url, files=tmp_path / "shared" / "files")
    try:
        root = with_files.files_root()
        assert root == tmp_path / "shared" / "files"
        assert root.is_dir() and (root.stat().st_mode & 0o777) == 0o700
    finally:
        with_files.close()
    monkeypatch.setenv("DESK_CENTRAL_FILES", str(tmp_path / "from-env"))
    from_env = open_store(url)
    try:
        assert from_env.files_root() == tmp_path / "from-env"
    finally:
        from_env.close()
    monkeypatch.delenv("DESK_CENTRAL_FILES")
    without = open_store(url)
    try:
        with pytest.raises(FilesFolderMissing, match="--files"):
            without.files_root()
    finally:
        without.close()


def test_the_location_shows_no_password(pg_dsn: str) -> None:  # noqa: F811
    store = open_store(url_of(pg_dsn))
    try:
        assert store.location == url_of(pg_dsn)
        assert store.kind == "postgresql"
    finally:
        store.close()
    assert shown_location("postgresql://desk:s3cret@db:5432/central") == (
        "postgresql://desk:***@db:5432/central"
    )


def test_a_store_that_moved_refuses_to_open(tmp_path: Path, pg_dsn: str) -> None:  # noqa: F811
    from desk.central.migrate import MOVED_TO, migrate
    from desk.central.store_api import MOVED_KEY

    assert MOVED_KEY == MOVED_TO
    path = tmp_path / "central.db"
    prepare_central(path, offices=OFFICES)
    url = url_of(pg_dsn)
    migrate(path, url)
    with pytest.raises(StoreMoved, match="postgresql://"):
        open_store(path)
    # A PostgreSQL store moved on in its turn refuses too.
    with _psycopg().connect(url) as conn:
        conn.execute(
            "INSERT INTO central_meta (key, value) VALUES ('moved_to', 'postgresql://elsewhere/x')"
        )
    with pytest.raises(StoreMoved, match="elsewhere"):
        open_store(url)


def test_alarms_raised_at_once_append_one_audit_chain(twins: Twins) -> None:
    """Every alarm writes an audit entry: raised by many requests at once, the entries still
    form one chain (no two read the same head), as many as the alarms."""
    offices = [f"office-{n}" for n in range(8)]
    for office in offices:
        twins.pg.observe(office, Head(5, X), None, NOW)
    before = pg_audit_head(twins.url)[0]
    start = threading.Barrier(len(offices))
    failures: list[BaseException] = []

    def cut(office: str) -> None:
        start.wait()
        try:
            assert twins.pg.observe(office, Head(3, Y), None, NOW).status == "alarm"
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=cut, args=(office,)) for office in offices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert failures == []
    assert pg_audit_head(twins.url)[0] == before + len(offices)  # and the chain verifies
