"""The feed's reads on PostgreSQL (desk/central/pg_feed.py) answer exactly as on SQLite.

One SQLite central store with a history (a seed, conftest's officers, ops pushed through
apply_op: a create by a unit office, a verify, a follow-up; an Anonim case, duplicate links
inside and across scopes) is built once per module and `migrate()`d into PostgreSQL: the two
stores then hold the same rows, change numbers and epoch, and every call of the feed must give
the same answer on both, page by page, byte for byte (cursors, checkpoints, remaining counts,
cases, events, reporters masked or not, tombstones, reference data, digests).

Later changes are made by the same SQL on both databases (one statement a transaction), so that
each side's triggers number them alike. Skipped without a PostgreSQL server, failed without one
under DESK_REQUIRE_POSTGRES=1 (tests/pg_support.py).
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
from ulid import ULID

from desk.central import digest, feed
from desk.central.apply import apply_op
from desk.central.digest import DigestQuery, TooManyCases, bucket_key
from desk.central.feed import CursorGone, Page
from desk.central.migrate import migrate
from desk.central.pg_base import PgBase
from desk.central.pg_feed import PgFeedPart, PgFeedReads
from desk.central.sqlite_store import SqliteStore
from desk.central.store import add_office, fill_event_uids, open_central
from desk.central.store_api import Office
from tests.conftest import ADMIN, NOW, OFFICERS, PETUGAS_PUPR, case_in, create_op, wire_op
from tests.pg_support import (  # noqa: F401  (pg_dsn: the fixture)
    DATABASE_PREFIX,
    POSTGRESQL,
    database_dsn,
    drop_database,
    fresh_database,
    pg_dsn,
    server_dsn,
)

pytestmark = POSTGRESQL

UNIT_OFFICE = "pupr"  # PUPR and DISHUB
COORDINATOR = "prov"


class FeedStore(PgFeedPart, PgBase):
    """The feed's part alone on the pool: what these tests need of the PostgreSQL store."""


# The source -----------------------------------------------------------------------------------


def build_central(path: Path) -> None:
    """A central store whose feed has every kind of answer in it."""
    from desk.seed import seed_database

    database = open_central(path)
    try:
        seed_database(database, 80, seed=5, now=NOW, workers=0)
        fill_event_uids(database)
        # conftest's officers (the actors below) in their units.
        for officer in OFFICERS:
            database.execute(
                "INSERT INTO officers (nip, name, unit_code, role, created_at) "
                "VALUES (?, ?, ?, ?, '2026-01-01T00:00:00Z') ON CONFLICT (nip) DO UPDATE SET "
                "name = excluded.name, unit_code = excluded.unit_code, role = excluded.role, "
                "active = 1",
                [officer.nip, officer.name, officer.unit_code, officer.role.value],
            )
        database.execute(
            "UPDATE officers SET active = 0 WHERE nip = (SELECT min(nip) FROM officers)"
        )
        database.execute("UPDATE units SET active = 0 WHERE code = 'DISHUB'")
        add_office(database, COORDINATOR, ["SETDA"], coordinator=True)
        add_office(database, UNIT_OFFICE, ["PUPR", "DISHUB"])
        offices = {o.name: o for o in SqliteStore(path).list_offices()}

        def push(office: str, op: dict[str, Any]) -> dict[str, Any]:
            return apply_op(database, offices[office], op, NOW)

        fresh = case_in(database, "baru", "9200001")
        working = case_in(database, "diproses", "9200002")
        assert push(COORDINATOR, wire_op(fresh, "verify", ADMIN.nip, unit="PUPR"))["r"] == "applied"
        follow_up = wire_op(working, "follow_up", PETUGAS_PUPR.nip, text="Dijadwalkan.")
        assert push(UNIT_OFFICE, follow_up)["r"] == "applied"
        created = create_op(PETUGAS_PUPR.nip, body="Seminggu.", reporter={"name": "Rina"})
        assert push(UNIT_OFFICE, created)["r"] == "applied"  # unit-less, recorded by pupr
        # An Anonim case at PUPR (its reporter withheld from pupr, shown to prov), and duplicate
        # links: one inside pupr's scope, one to a case pupr cannot read.
        database.execute(
            "UPDATE cases SET anonymous = 1, version = version + 1 WHERE id = ?", [working["id"]]
        )
        database.execute(
            "UPDATE cases SET duplicate_of = ?, version = version + 1 WHERE id = ?",
            [working["id"], fresh["id"]],
        )
        database.execute(
            "UPDATE cases SET duplicate_of = (SELECT min(id) FROM cases WHERE unit_code = "
            "'DINSOS'), version = version + 1 WHERE id = (SELECT max(id) FROM cases "
            "WHERE unit_code = 'PUPR' AND duplicate_of IS NULL AND anonymous = 0)"
        )
        fill_event_uids(database)
    finally:
        database.conn.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("central") / "central.db"
    build_central(path)
    return path


def _copy(source: Path, target: Path) -> Path:
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()
    return target


@dataclass
class Stores:
    """The same data in both stores, and a way to change both alike."""

    sqlite: SqliteStore
    pg: FeedStore
    dsn: str
    offices: dict[str, Office]

    def execute(self, sql: str, params: list[Any] | None = None) -> None:
        """Run one statement (`?` placeholders) on both databases, each in its own transaction
        (the SQLite store's connection, outside any of its own)."""
        with self.sqlite.database.conn:
            self.sqlite.database.execute(sql, params or [])
        import psycopg

        with psycopg.connect(self.dsn) as conn:
            conn.execute(sql.replace("?", "%s"), params or [])

    def reload_offices(self) -> None:
        self.offices = {o.name: o for o in self.sqlite.list_offices()}

    def case_id(self, local_id: str) -> int:
        row = self.sqlite.database.execute(
            "SELECT id FROM cases WHERE local_id = ?", [local_id]
        ).fetchone()
        return int(row[0])


@contextlib.contextmanager
def open_stores(built: Path, folder: Path, dsn: str) -> Iterator[Stores]:
    """A copy of the built store in SQLite, and the same migrated into the database at `dsn`."""
    path = _copy(built, folder / "central.db")
    migrate(_copy(built, folder / "source.db"), dsn)  # writes `moved_to` into its source
    sqlite_store = SqliteStore(path)
    pg_store = FeedStore(dsn, files=folder / "files", pool_size=2)
    try:
        stores = Stores(sqlite_store, pg_store, dsn, {})
        stores.reload_offices()
        yield stores
    finally:
        pg_store.close()
        sqlite_store.close()


@pytest.fixture(scope="module")
def shared(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    """Both stores for the tests that only read (one migration for all of them)."""
    with fresh_database() as dsn, open_stores(built, tmp_path_factory.mktemp("shared"), dsn) as s:
        yield s


@pytest.fixture
def stores(built: Path, tmp_path: Path, pg_dsn: str) -> Iterator[Stores]:  # noqa: F811
    """Both stores for a test that changes them."""
    with open_stores(built, tmp_path, pg_dsn) as s:
        yield s


# Reading both ---------------------------------------------------------------------------------


def pull_both(stores: Stores, office: str, limit: int, cursor: str = "") -> list[Page]:
    """A pull from `cursor` to the end on both stores, every page the same on both."""
    pages: list[Page] = []
    while True:
        expected = stores.sqlite.changes(stores.offices[office], cursor, limit)
        got = stores.pg.changes(stores.offices[office], cursor, limit)
        assert got == expected, f"page {len(pages)} after {cursor!r}"
        pages.append(expected)
        if expected.body is None or not expected.body["has_more"]:
            return pages
        cursor = expected.next_cursor


def changes_of(pages: list[Page]) -> list[dict[str, Any]]:
    return [change for page in pages if page.body for change in page.body["changes"]]


def whole_cases(pages: list[Page]) -> dict[str, dict[str, Any]]:
    return {c["case"]["local_id"]: c for c in changes_of(pages) if "case" in c}


def local_id_where(stores: Stores, condition: str, params: list[Any] | None = None) -> str:
    row = stores.sqlite.database.execute(
        f"SELECT local_id FROM cases WHERE {condition} ORDER BY id LIMIT 1", params or []
    ).fetchone()
    assert row is not None, condition
    return str(row[0])


def event_count(stores: Stores, local_id: str) -> int:
    row = stores.sqlite.database.execute(
        "SELECT count(*) FROM events WHERE case_id = ?", [stores.case_id(local_id)]
    ).fetchone()
    return int(row[0])


# Full pulls -----------------------------------------------------------------------------------


@pytest.mark.parametrize("office", [COORDINATOR, UNIT_OFFICE])
@pytest.mark.parametrize("limit", [1, 7, 1000])
def test_a_full_pull_is_the_same_page_by_page(shared: Stores, office: str, limit: int) -> None:
    pages = pull_both(shared, office, limit)
    cases = whole_cases(pages)
    expected = shared.sqlite.database.execute(
        "SELECT count(*) FROM cases c WHERE "
        + (
            "1"
            if office == COORDINATOR
            else "unit_code IN ('PUPR', 'DISHUB') OR id IN "
            "(SELECT case_id FROM case_origin WHERE office = 'pupr')"
        )
    ).fetchone()[0]
    assert len(cases) == expected
    assert len(pages) == (expected + limit - 1) // limit
    assert pages[0].body and "reference" in pages[0].body
    assert all(change["events"] for change in cases.values())
    assert all(len(page.checkpoints) == len(page.body["changes"]) for page in pages if page.body)
    # What the comparison went through: duplicate links, reporters shown and withheld,
    # inactive units and officers in the reference.
    assert any("duplicate_of" in c["case"] for c in cases.values())
    reporters = [c["case"].get("reporter", "absent") for c in cases.values()]
    assert any(isinstance(r, dict) for r in reporters)
    reference = pages[0].body["reference"]
    assert any(u.get("active") is False for u in reference["units"])
    if office == UNIT_OFFICE:
        assert None in reporters  # the Anonim case's reporter, withheld
        assert {u["code"] for u in reference["units"]} == {"PUPR", "DISHUB"}
        assert any("unit_code" not in c["case"] for c in cases.values())  # its own, unit-less
    else:
        assert None not in reporters
        assert any(o.get("active") is False for o in reference["officers"])


def test_an_idle_pull_is_nothing_new_on_both(shared: Stores) -> None:
    [last] = pull_both(shared, UNIT_OFFICE, 1000)
    [idle] = pull_both(shared, UNIT_OFFICE, 1000, last.next_cursor)
    assert idle.body is None and idle.next_cursor == last.next_cursor


def test_cursors_of_another_epoch_or_from_the_future_are_gone_on_both(shared: Stores) -> None:
    [page] = pull_both(shared, COORDINATOR, 1000)
    epoch, _, end = page.next_cursor.partition(".")
    office = shared.offices[COORDINATOR]
    for cursor in (
        f"zz{epoch[2:]}.{end}",  # another epoch
        f"{epoch}.{int(end) + 1}",  # beyond the end of the log
        f"{epoch}.5.9",  # a base after the position
        f"{epoch}.x",
        "garbage",
    ):
        for store in (shared.sqlite, shared.pg):
            with pytest.raises(CursorGone):
                store.changes(office, cursor, 10)


class CountingConnection:
    """A connection that counts the statements sent through it."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.statements = 0

    def execute(self, *args: Any) -> Any:
        self.statements += 1
        return self.conn.execute(*args)


def counted_page(stores: Stores, office: str, cursor: str, limit: int) -> tuple[Page, int]:
    """A page from the PostgreSQL reads, and how many statements it took."""
    with stores.pg._read() as conn:
        counting = CountingConnection(conn)
        reads = cast(feed.FeedReads, PgFeedReads(cast(Any, counting)))
        page = feed.changes(reads, stores.offices[office], cursor, limit)
    return page, counting.statements


@pytest.mark.parametrize("office", [COORDINATOR, UNIT_OFFICE])
def test_a_page_is_a_few_statements_whatever_its_size(shared: Stores, office: str) -> None:
    """A statement is a network hop: a page is read with set queries, not case by case."""
    small, few = counted_page(shared, office, "", 2)
    large, many = counted_page(shared, office, "", 1000)
    assert small.body and len(small.body["changes"]) == 2
    assert large.body and len(large.body["changes"]) == large.remaining > 10
    assert few <= many <= 8
    # An incremental page of a unit office also asks which of its cases the office had.
    [whole] = pull_both(shared, office, 1000)
    epoch, _, end = whole.next_cursor.partition(".")
    cursor = f"{epoch}.{int(end) - 60}"
    page, statements = counted_page(shared, office, cursor, 1000)
    assert page == shared.sqlite.changes(shared.offices[office], cursor, 1000)
    assert page.body and len(page.body["changes"]) > 3
    assert statements <= 11


# Changes after a pull -------------------------------------------------------------------------


def test_a_case_moved_out_is_a_tombstone_and_comes_back_whole(stores: Stores) -> None:
    [first] = pull_both(stores, UNIT_OFFICE, 1000)
    moving = local_id_where(stores, "unit_code = 'PUPR' AND anonymous = 0")
    stores.execute(
        "UPDATE cases SET unit_code = 'DINSOS', version = version + 1 WHERE local_id = ?",
        [moving],
    )
    away = pull_both(stores, UNIT_OFFICE, 1000, first.next_cursor)
    assert changes_of(away) == [{"gone": moving, "reason": "out_of_scope"}]
    # The coordinator gets the case itself, with only what is new to it (no new event here).
    [seen] = pull_both(stores, COORDINATOR, 1000, first.next_cursor)
    assert [c["case"]["local_id"] for c in changes_of([seen])] == [moving]
    assert changes_of([seen])[0]["events"] == []

    stores.execute(
        "UPDATE cases SET unit_code = 'PUPR', version = version + 1 WHERE local_id = ?", [moving]
    )
    back = pull_both(stores, UNIT_OFFICE, 1000, away[-1].next_cursor)
    [change] = changes_of(back)
    assert change["case"]["local_id"] == moving
    assert len(change["events"]) == event_count(stores, moving)  # whole: pupr lacked it


def test_new_events_come_alone_and_new_cases_whole(stores: Stores) -> None:
    [first] = pull_both(stores, UNIT_OFFICE, 1000)
    known = local_id_where(stores, "unit_code = 'PUPR'")
    stores.execute(
        "INSERT INTO events (case_id, at, actor_kind, kind, visibility, body, uid) "
        "VALUES (?, '2026-11-10T02:00:00Z', 'system', 'note', 'internal', 'Catatan', ?)",
        [stores.case_id(known), str(ULID())],
    )
    # A case new to pupr: disposed to DISHUB from a unit pupr never had.
    arriving = local_id_where(stores, "unit_code = 'DINSOS'")
    stores.execute(
        "UPDATE cases SET unit_code = 'DISHUB', version = version + 1 WHERE local_id = ?",
        [arriving],
    )
    pages = pull_both(stores, UNIT_OFFICE, 1, first.next_cursor)
    cases = whole_cases(pages)
    assert [e["body"] for e in cases[known]["events"]] == ["Catatan"]
    assert len(cases[arriving]["events"]) == event_count(stores, arriving)
    assert len(cases[arriving]["events"]) > 1


def test_a_case_changed_in_the_middle_of_a_pull(stores: Stores) -> None:
    office = stores.offices[UNIT_OFFICE]
    first = stores.sqlite.changes(office, "", 3)
    assert stores.pg.changes(office, "", 3) == first
    assert first.body is not None
    sent = first.body["changes"][0]["case"]["local_id"]
    stores.execute(
        "INSERT INTO events (case_id, at, actor_kind, kind, visibility, body, uid) "
        "VALUES (?, '2026-11-10T03:00:00Z', 'system', 'note', 'internal', 'Lagi', ?)",
        [stores.case_id(sent), str(ULID())],
    )
    stores.execute("UPDATE cases SET version = version + 1 WHERE local_id = ?", [sent])
    rest = pull_both(stores, UNIT_OFFICE, 3, first.next_cursor)
    again = whole_cases(rest)[sent]
    assert "Lagi" in [e.get("body") for e in again["events"]]
    assert all(page.next_cursor.count(".") == 2 for page in rest[:-1])  # the base travels


def test_reference_changes_come_with_the_next_page(stores: Stores) -> None:
    [first] = pull_both(stores, UNIT_OFFICE, 1000)
    stores.execute("INSERT INTO units (code, name) VALUES ('PUPR-2', 'Balai Jalan')")
    stores.execute("INSERT INTO office_units (office, unit_code) VALUES ('pupr', 'PUPR-2')")
    stores.reload_offices()
    [added] = pull_both(stores, UNIT_OFFICE, 1000, first.next_cursor)
    assert added.body is not None and added.body["changes"] == []
    assert "PUPR-2" in {u["code"] for u in added.body["reference"]["units"]}

    stores.execute("UPDATE units SET name = 'Dinas PUPR' WHERE code = 'PUPR'")
    [renamed] = pull_both(stores, UNIT_OFFICE, 1000, added.next_cursor)
    assert renamed.body is not None
    assert {u["code"]: u["name"] for u in renamed.body["reference"]["units"]}["PUPR"] == (
        "Dinas PUPR"
    )
    [coordinator] = pull_both(stores, COORDINATOR, 1000, first.next_cursor)
    assert coordinator.body is not None and "reference" in coordinator.body


def test_a_new_epoch_makes_every_cursor_gone_on_both(stores: Stores) -> None:
    [page] = pull_both(stores, UNIT_OFFICE, 1000)
    stores.execute("UPDATE central_meta SET value = 'neweepch' WHERE key = 'epoch'")
    for store in (stores.sqlite, stores.pg):
        with pytest.raises(CursorGone):
            store.changes(stores.offices[UNIT_OFFICE], page.next_cursor, 10)
    [again] = pull_both(stores, UNIT_OFFICE, 1000)
    assert again.next_cursor.startswith("neweepch.")


@contextlib.contextmanager
def linguistic_database() -> Iterator[str]:
    """A fresh database whose default collation is ICU's root locale, where text sorts as
    people read it ('a' < 'B'), not byte by byte as SQLite does: many servers are set up so."""
    import psycopg
    from psycopg import sql

    name = f"{DATABASE_PREFIX}icu_{secrets.token_hex(6)}"
    with psycopg.connect(server_dsn(), autocommit=True) as admin:
        try:
            admin.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'und'"
                ).format(sql.Identifier(name))
            )
        except psycopg.Error as error:  # before PostgreSQL 15, or built without ICU
            pytest.skip(f"no ICU database on this server: {str(error).strip()[:80]}")
        try:
            yield database_dsn(name)
        finally:
            drop_database(admin, name)


def test_byte_order_whatever_the_database_collation(
    built: Path,
    tmp_path: Path,
    pg_dsn: str,  # noqa: F811  (asked for its skip: the server is there)
) -> None:
    with linguistic_database() as dsn, open_stores(built, tmp_path, dsn) as stores:
        # Codes, names and times that sort differently by bytes and by language.
        stores.execute("INSERT INTO units (code, name) VALUES ('dishub-b', 'Balai')")
        stores.execute("INSERT INTO units (code, name) VALUES ('Dishub-a', 'Balai A')")
        stores.execute("INSERT INTO office_units (office, unit_code) VALUES ('pupr', 'dishub-b')")
        for nip in ("nip-b", "Nip-a", "NIP-C"):
            stores.execute(
                "INSERT INTO officers (nip, name, unit_code, role, created_at) "
                "VALUES (?, 'Petugas', 'PUPR', 'petugas', '2026-01-01T00:00:00Z')",
                [nip],
            )
        stores.reload_offices()
        case = local_id_where(stores, "unit_code = 'PUPR'")
        for at in ("2026-11-10T05:00:00.5Z", "2026-11-10T05:00:00Z", "2026-11-10t04:00:00Z"):
            stores.execute(
                "INSERT INTO events (case_id, at, actor_kind, kind, visibility, uid) "
                "VALUES (?, ?, 'system', 'note', 'internal', ?)",
                [stores.case_id(case), at, str(ULID())],
            )
        for office in (COORDINATOR, UNIT_OFFICE):
            pages = pull_both(stores, office, 1000)
            units = [u["code"] for u in pages[0].body["reference"]["units"]]  # type: ignore[index]
            assert units == sorted(units)  # byte order, as Python's
        assert stores.pg.cases_by_id(stores.offices[UNIT_OFFICE], [case]) == (
            stores.sqlite.cases_by_id(stores.offices[UNIT_OFFICE], [case])
        )


# Named cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize("office", [COORDINATOR, UNIT_OFFICE])
def test_cases_by_id_are_the_same(shared: Stores, office: str) -> None:
    ours = local_id_where(shared, "unit_code = 'PUPR' AND anonymous = 1")
    recorded = local_id_where(
        shared, "unit_code IS NULL AND id IN (SELECT case_id FROM case_origin)"
    )
    elsewhere = local_id_where(shared, "unit_code = 'DINSOS'")
    unknown = str(ULID())
    asked = [ours, elsewhere, unknown, recorded, ours]
    expected = shared.sqlite.cases_by_id(shared.offices[office], asked)
    assert shared.pg.cases_by_id(shared.offices[office], asked) == expected
    answers = expected["changes"]
    assert answers[2] == {"gone": unknown, "reason": "unknown"}
    assert answers[0] == answers[4] and answers[0]["case"]["local_id"] == ours
    assert len(answers[0]["events"]) == event_count(shared, ours)
    assert answers[3]["case"]["local_id"] == recorded
    if office == UNIT_OFFICE:
        assert answers[1] == {"gone": elsewhere, "reason": "out_of_scope"}
        assert answers[0]["case"]["reporter"] is None
    else:
        assert answers[1]["case"]["local_id"] == elsewhere
        assert answers[0]["case"]["reporter"]
    assert shared.pg.cases_by_id(shared.offices[office], []) == shared.sqlite.cases_by_id(
        shared.offices[office], []
    )


# Digests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("office", [COORDINATOR, UNIT_OFFICE])
def test_digests_are_the_same(shared: Stores, office: str) -> None:
    some = local_id_where(shared, "unit_code = 'PUPR'")
    key = bucket_key(some)
    queries = [
        DigestQuery(("",), 0, ()),
        DigestQuery(("",), 2, ("",)),
        DigestQuery((key[:1], key[:2], "f"), 1, (key[:1], "0", "ab")),
        DigestQuery((), 0, (key,)),
        DigestQuery(("",), 1, ("",), frozenset([some])),
        DigestQuery((), 0, ()),
    ]
    for query in queries:
        expected = shared.sqlite.digests(shared.offices[office], query)
        assert shared.pg.digests(shared.offices[office], query) == expected, query
    whole = shared.sqlite.digests(shared.offices[office], DigestQuery(("",), 0, ("",)))
    listed = whole["cases"][0]
    assert whole["buckets"][0]["n"] == [len(listed)] and len(listed) > 5
    assert any(entry[6] is not None for entry in listed)  # a duplicate link in scope
    assert all(entry[8] > 0 for entry in listed)  # every case's events counted


def test_too_many_cases_is_refused_on_both(shared: Stores, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digest, "MAX_CASES", 5)
    for store in (shared.sqlite, shared.pg):
        with pytest.raises(TooManyCases):
            store.digests(shared.offices[COORDINATOR], DigestQuery((), 0, ("",)))
        # the store is usable after the refusal (its snapshot ended)
        assert store.digests(shared.offices[COORDINATOR], DigestQuery(("",), 0, ()))["buckets"]
