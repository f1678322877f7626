"""The push, the automatic moves and the attachment claims on PostgreSQL give what SQLite gives.

One central store with a history is built on SQLite and copied exactly into PostgreSQL
(`migrate`); then the same scripted pushes go through `SqliteStore.apply_ops` and through the
PostgreSQL part (`PgOpsPart`) on the copy: every op kind, a create, attachments, a stale base
that conflicts and one whose outcome is in place (`same`), an op stacked on an earlier one of
the same push, a duplicate re-send, an op id reused, refusals for scope, role and shape. The
answers must be equal, and so must every row the push writes: cases (without PostgreSQL's own
`bucket`), events, reporters, case origins, case versions, attachments and claims, applied ops
(in the same order; PostgreSQL's `n` is a number of its own), the audit chain byte for byte
(hashes included) and the change log's entries.

Each test has its own PostgreSQL database (tests/pg_support.py): skipped without a server,
failed without one under DESK_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ulid import ULID

from db.timefmt import to_text
from desk.central.files import FileLimits
from desk.central.migrate import migrate
from desk.central.store import add_office, fill_event_uids, open_central
from desk.central.store_api import Office
from tests.conftest import (
    ADMIN,
    NOW,
    PETUGAS_DINKES,
    PETUGAS_PUPR,
    PETUGAS_PUPR_2,
    PIMPINAN,
    case_in,
    create_op,
    make_office,
)
from tests.conftest import (
    wire_op as op,
)
from tests.pg_support import pg_dsn  # noqa: F401  (the fixture)

LIMITS = FileLimits(max_file=1000, office_quota=5000)
# Tables a push writes, each with the order its rows are compared in.
TABLES = {
    "cases": "id",
    "events": "id",
    "reporters": "case_id",
    "case_origin": "case_id",
    "case_versions": "case_id, version",
    "attachments": "id",
    "attachment_claims": "case_id, sha256, office",
    "audit_log": "seq",
}
# Columns only PostgreSQL has (desk/central/pg_schema.sql): not part of the comparison.
PG_ONLY = {"cases": ("bucket",), "applied_ops": ("n",)}

# The statuses of the cases the script acts on, by name (numbers are their tracking numbers).
CASES = {
    "fresh": "baru",
    "fresh2": "baru",
    "original": "baru",
    "spam": "baru",
    "verified": "terverifikasi",
    "verified2": "terverifikasi",
    "stale": "terverifikasi",
    "returning": "terverifikasi",
    "working": "diproses",
    "working2": "diproses",
    "replied": "ditanggapi",
    "closed": "selesai",
    "held": "tunda",
    "stacked": "diproses",
}


def build_central(path: Path) -> dict[str, dict[str, Any]]:
    """A SQLite central store: the test office's units and officers, three offices, and a case
    in each state the script needs; returns the cases by name."""
    database = open_central(path)
    try:
        make_office(database)
        database.execute("INSERT INTO regional_holidays (day, name) VALUES ('2026-11-12', 'Libur')")
        add_office(database, "prov", ["SETDA"], coordinator=True)
        add_office(database, "pupr", ["PUPR"])
        add_office(database, "dinkes", ["DINKES"])
        cases = {
            name: case_in(database, status, str(9100001 + number))
            for number, (name, status) in enumerate(CASES.items())
        }
        fill_event_uids(database)  # as every central store has them (prepare_central)
        return cases
    finally:
        database.conn.close()


def _psycopg() -> Any:
    import psycopg

    return psycopg


def open_pg(dsn: str, files: Path) -> Any:
    """The PostgreSQL ops part over its own pool (PgStore assembles it with the other parts)."""
    from desk.central.pg_base import PgBase
    from desk.central.pg_ops import PgOpsPart

    class OpsStore(PgOpsPart, PgBase):
        pass

    return OpsStore(dsn, files=files, pool_size=2)


@pytest.fixture
def stores(tmp_path: Path, pg_dsn: str) -> Any:  # noqa: F811  (the fixture)
    """(the SQLite store, the PostgreSQL part on its exact copy, the cases by name)."""
    from desk.central.sqlite_store import SqliteStore

    base = tmp_path / "base.db"
    cases = build_central(base)
    shutil.copy(base, tmp_path / "sqlite.db")
    shutil.copy(base, tmp_path / "source.db")  # a migration marks its source as moved
    migrate(tmp_path / "source.db", pg_dsn)
    sqlite_store = SqliteStore(tmp_path / "sqlite.db")
    pg_store = open_pg(pg_dsn, tmp_path / "files")
    yield sqlite_store, pg_store, cases
    pg_store.close()
    sqlite_store.close()


def offices_of(sqlite_store: Any) -> dict[str, Office]:
    return {office.name: office for office in sqlite_store.list_offices()}


def script(cases: dict[str, dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The pushes, in order: (office, ops). Built once, sent to both stores."""
    c = cases
    sha = hashlib.sha256(b"foto").hexdigest()
    photo = {"sha256": sha, "name": "foto.jpg", "size": 4, "media_type": "image/jpeg"}
    verify = op(c["fresh"], "verify", ADMIN.nip, unit="PUPR")
    hold = op(c["fresh2"], "hold", ADMIN.nip, reason="Lokasi belum jelas")
    # Stacked on the hold, offline: the desk's version after it.
    resume = op(c["fresh2"], "resume", ADMIN.nip, base=c["fresh2"]["version"] + 1)
    note = op(c["working"], "note", PETUGAS_PUPR.nip, text="Cek lapangan Senin.")
    assign = op(
        c["working"],
        "assign",
        PETUGAS_PUPR.nip,
        base=c["working"]["version"] + 1,
        assignee=PETUGAS_PUPR_2.nip,
    )
    follow_up = op(c["stale"], "follow_up", PETUGAS_PUPR.nip, text="Dijadwalkan.")
    created_id = str(ULID())
    create = {
        "id": str(ULID()),
        "c": created_id,
        "k": "create",
        "v": 0,
        "p": {
            "title": "Lampu jalan mati",
            "body": "Sudah seminggu.",
            "channel": "loket",
            "provisional_no": "L-PUPR-0001",
            "received_at": to_text(NOW - timedelta(hours=2)),
            "reporter": {"name": "Rina", "phone": "0811"},
        },
        "a": PETUGAS_PUPR.nip,
        "t": to_text(NOW),
    }
    return [
        ("prov", [verify, hold, resume]),
        ("prov", [op(c["verified"], "dispose", ADMIN.nip, unit="DINKES")]),
        ("pupr", [op(c["returning"], "return", PETUGAS_PUPR.nip, reason="Jalan nasional")]),
        (
            "pupr",
            [note, assign, op(c["working2"], "reporter_reply", PETUGAS_PUPR.nip, text="Belum.")],
        ),
        ("pupr", [op(c["replied"], "close", PETUGAS_PUPR.nip), follow_up]),
        ("prov", [op(c["closed"], "reopen", ADMIN.nip, reason="Pelapor keberatan")]),
        (
            "prov",
            [
                op(
                    c["spam"],
                    "archive",
                    ADMIN.nip,
                    reason="Ganda",
                    duplicate_of=c["original"]["local_id"],
                )
            ],
        ),
        # Stacked offline on an op the server refuses: judged from what that op was judged at
        # (the desk's base is one ahead of the server's version).
        (
            "pupr",
            [
                op(c["stacked"], "note", ADMIN.nip, text="Bukan petugas kantor ini."),
                op(
                    c["stacked"],
                    "note",
                    PETUGAS_PUPR.nip,
                    base=c["stacked"]["version"] + 1,
                    text="Ya.",
                ),
            ],
        ),
        # A stale base: the follow-up moved the case on; a disposition from the old base
        # conflicts (the status), one to where the case already is would be `same`.
        ("prov", [op(c["stale"], "dispose", ADMIN.nip, unit="DINKES")]),
        ("prov", [op(c["verified"], "dispose", ADMIN.nip, unit="DINKES")]),
        # A duplicate re-send; the same id with other content; another office's id.
        ("prov", [dict(verify)]),
        ("prov", [{**verify, "p": {"unit": "DINKES"}}]),
        ("pupr", [dict(hold)]),
        # Refusals: scope (another unit's case; an officer of another office), role, shape.
        ("dinkes", [op(c["working"], "note", PETUGAS_DINKES.nip, text="Bukan kami.")]),
        ("pupr", [op(c["working"], "note", ADMIN.nip, text="Dari SETDA.")]),
        ("prov", [op(c["original"], "verify", PIMPINAN.nip, unit="PUPR")]),
        ("prov", [op(c["original"], "verify", ADMIN.nip, base=99, unit="PUPR")]),
        ("prov", [op(c["original"], "verify", ADMIN.nip, unit="NOWHERE")]),
        ("prov", [{**op(c["original"], "note", ADMIN.nip, text="x"), "c": "no-such-case"}]),
        ("prov", [op(c["original"], "fly", ADMIN.nip)]),
        # A create, the same case again, a refused one; then attachments.
        ("pupr", [create]),
        ("pupr", [{**create, "id": str(ULID())}]),
        ("pupr", [{**create, "id": str(ULID()), "c": str(ULID()), "a": PIMPINAN.nip}]),
        (
            "pupr",
            [
                op(c["working2"], "attach", PETUGAS_PUPR.nip, **photo),
                op(c["returning"], "attach", PETUGAS_PUPR.nip, **photo),
                op(c["working2"], "attach", PETUGAS_PUPR.nip, **{**photo, "size": 5000}),
                op(c["verified2"], "attach", PETUGAS_DINKES.nip, **photo),
            ],
        ),
        ("prov", [op(c["verified2"], "attach", ADMIN.nip, **photo)]),
    ]


def rows(store: Any, table: str) -> list[dict[str, Any]]:
    """Every row of `table` on either store, as dicts, without the PostgreSQL-only columns."""
    order = TABLES.get(table, "op_id")
    if hasattr(store, "database"):
        conn = store.database.conn
        ordering = "rowid" if table == "applied_ops" else order
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY {ordering}")
        names = [d[0] for d in cursor.description]
        found = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    else:
        ordering = "n" if table == "applied_ops" else order
        with store.pool.connection() as conn:
            found = conn.execute(f"SELECT * FROM {table} ORDER BY {ordering}").fetchall()
    return [{k: v for k, v in row.items() if k not in PG_ONLY.get(table, ())} for row in found]


def changes(store: Any, after: int) -> list[tuple[Any, ...]]:
    query = "SELECT case_id, event_id, old_unit FROM central_changes WHERE seq > {} ORDER BY seq"
    if hasattr(store, "database"):
        return [tuple(r) for r in store.database.conn.execute(query.format("?"), [after])]
    with store.pool.connection() as conn:
        found = conn.execute(query.format("%s"), [after]).fetchall()
    return [(r["case_id"], r["event_id"], r["old_unit"]) for r in found]


def last_seq(store: Any) -> int:
    if hasattr(store, "database"):
        return int(store.database.execute("SELECT max(seq) FROM central_changes").fetchone()[0])
    with store.pool.connection() as conn:
        return int(conn.execute("SELECT max(seq) AS last FROM central_changes").fetchone()["last"])


def push_all(store: Any, offices: dict[str, Office], pushes: list[Any]) -> list[Any]:
    answers = []
    for number, (office, ops) in enumerate(pushes):
        at = NOW + timedelta(minutes=number)
        ids = frozenset(o["id"] for o in ops)
        answers.append(store.apply_ops(offices[office], ops, lambda at=at: at, ids, LIMITS))
    return answers


def test_every_push_answers_and_writes_on_postgresql_what_it_does_on_sqlite(stores: Any) -> None:
    sqlite_store, pg_store, cases = stores
    offices = offices_of(sqlite_store)
    pushes = script(cases)
    start = last_seq(sqlite_store)
    assert last_seq(pg_store) == start

    on_sqlite = push_all(sqlite_store, offices, pushes)
    on_pg = push_all(pg_store, offices, pushes)

    assert on_pg == on_sqlite
    kinds = [answer["r"] for push in on_sqlite for answer in push]
    # The script means to reach every kind of answer: a check that it still does.
    assert {"applied", "duplicate", "same", "conflict", "rejected"} <= set(kinds)
    [stacked] = [
        answers
        for (_, ops), answers in zip(pushes, on_sqlite, strict=True)
        if ops[0]["c"] == cases["stacked"]["local_id"]
    ]
    assert [answer["r"] for answer in stacked] == ["rejected", "applied"]
    codes = {answer.get("code") for push in on_sqlite for answer in push}
    assert {"op_reused", "scope", "role", "invalid", "unknown_case", "too_large"} <= codes
    for table in (*TABLES, "applied_ops"):
        assert rows(pg_store, table) == rows(sqlite_store, table), table
    assert changes(pg_store, start) == changes(sqlite_store, start)
    meta = "SELECT value FROM central_meta WHERE key = 'last_tracking_no'"
    with pg_store.pool.connection() as conn:
        assert (
            conn.execute(meta).fetchone()["value"]
            == (sqlite_store.database.execute(meta).fetchone()[0])
        )


def test_the_automatic_moves_are_the_same_and_their_events_get_uids(stores: Any) -> None:
    sqlite_store, pg_store, cases = stores
    offices = offices_of(sqlite_store)
    pushes = script(cases)
    push_all(sqlite_store, offices, pushes)
    push_all(pg_store, offices, pushes)
    later = NOW + timedelta(days=40)

    moved = sqlite_store.run_automatic(lambda: later)
    assert pg_store.run_automatic(lambda: later) == moved
    # The followed-up cases nobody replied to are closed, the one still on hold archived.
    assert (moved.closed, moved.archived) == (3, 1)
    for table in TABLES:
        pg_rows, sqlite_rows = rows(pg_store, table), rows(sqlite_store, table)
        if table == "events":  # automatic events get fresh ULIDs on each store
            assert all(row["uid"] for row in pg_rows + sqlite_rows)
            pg_rows = [{**r, "uid": None} for r in pg_rows if r["actor_kind"] == "system"]
            sqlite_rows = [{**r, "uid": None} for r in sqlite_rows if r["actor_kind"] == "system"]
        assert pg_rows == sqlite_rows, table
    # Nothing is due any more: the next round moves nothing, on both.
    assert pg_store.run_automatic(lambda: later) == sqlite_store.run_automatic(lambda: later)


def test_one_process_runs_the_automatic_round_at_a_time(stores: Any, pg_dsn: str) -> None:  # noqa: F811
    _, pg_store, _ = stores
    from desk.central.pg_ops import AUTOMATIC_KEY

    psycopg = _psycopg()
    with psycopg.connect(pg_dsn, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [AUTOMATIC_KEY])
        assert pg_store.run_automatic(lambda: NOW) is None
        other.execute("SELECT pg_advisory_unlock(%s)", [AUTOMATIC_KEY])
    assert pg_store.run_automatic(lambda: NOW) is not None


def test_the_attachment_claims_answer_alike(stores: Any) -> None:
    sqlite_store, pg_store, cases = stores
    offices = offices_of(sqlite_store)
    pushes = script(cases)
    push_all(sqlite_store, offices, pushes)
    push_all(pg_store, offices, pushes)
    sha = hashlib.sha256(b"foto").hexdigest()
    other = hashlib.sha256(b"lain").hexdigest()

    def answers(store: Any) -> list[Any]:
        found = []
        for office in offices.values():
            for content in (sha, other):
                found += [
                    store.upload_claim(office, content),
                    store.proven_by(office.name, content),
                    store.declared_media_type(office, content),
                    store.readable_size(office, content),
                    store.visible(office, content),
                ]
        return found

    before = answers(sqlite_store)
    assert answers(pg_store) == before
    assert before != [None] * len(before)
    for store in (sqlite_store, pg_store):
        store.mark_proven("pupr", sha, to_text(NOW))
        store.mark_proven("pupr", sha, to_text(NOW + timedelta(hours=1)))  # the first stays
    after = answers(sqlite_store)
    assert answers(pg_store) == after
    assert after != before
    assert rows(pg_store, "attachment_claims") == rows(sqlite_store, "attachment_claims")


def test_a_create_the_database_refuses_gives_its_number_and_audit_entry_back(
    stores: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, pg_store, _ = stores
    from desk.central import pg_ops

    offices = offices_of(stores[0])

    def create() -> dict[str, Any]:
        operation = create_op(PETUGAS_PUPR.nip)
        [answer] = pg_store.apply_ops(
            offices["pupr"], [operation], lambda: NOW, frozenset({operation["id"]}), LIMITS
        )
        return answer

    first = create()
    audited = len(rows(pg_store, "audit_log"))
    real = pg_ops.PgOps.insert_case

    def refused_by_a_check(self: Any, *args: Any) -> int:
        case_id = real(self, *args)
        self.conn.execute("UPDATE cases SET rating = 9 WHERE id = %s", [case_id])
        return case_id

    monkeypatch.setattr(pg_ops.PgOps, "insert_case", refused_by_a_check)
    refused = create()
    assert (refused["r"], refused["code"]) == ("rejected", "invalid")
    assert "cases_rating_check" in refused["reason"]
    monkeypatch.undo()
    assert len(rows(pg_store, "audit_log")) == audited
    assert int(create()["tracking"]) == int(first["tracking"]) + 1
    assert len(rows(pg_store, "audit_log")) == audited + 1


def test_a_stale_update_is_never_silent(stores: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The version guard: an update that changes no row raises, and the push writes nothing."""
    sqlite_store, pg_store, cases = stores
    from desk.central import pg_ops

    offices = offices_of(sqlite_store)
    operation = op(cases["working"], "note", PETUGAS_PUPR.nip, text="Catatan.")
    real = pg_ops.PgOps.write_plan

    def behind(self: Any, plan: Any) -> Any:
        self.conn.execute("UPDATE cases SET version = version + 1 WHERE id = %s", [plan.case_id])
        return real(self, plan)

    monkeypatch.setattr(pg_ops.PgOps, "write_plan", behind)
    with pytest.raises(pg_ops.StaleWrite):
        pg_store.apply_ops(offices["pupr"], [operation], lambda: NOW, frozenset(), LIMITS)
    assert [r for r in rows(pg_store, "applied_ops") if r["op_id"] == operation["id"]] == []


def test_a_push_that_meets_a_deadlock_is_tried_again_whole(
    stores: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL broke a deadlock by failing this push at its end: nothing of it stays, and
    the second try answers and writes it once."""
    sqlite_store, pg_store, cases = stores
    from psycopg import errors

    from desk.central import pg_ops

    offices = offices_of(sqlite_store)
    ops = [
        op(cases["working"], "note", PETUGAS_PUPR.nip, text="Sekali."),
        op(cases["verified2"], "follow_up", PETUGAS_PUPR.nip, text="Dijadwalkan."),
    ]
    real = pg_ops.PgOps.commit_audit
    tries: list[int] = []

    def deadlocked_once(self: Any) -> None:
        tries.append(1)
        if len(tries) == 1:
            raise errors.DeadlockDetected("deadlock detected")
        real(self)

    monkeypatch.setattr(pg_ops.PgOps, "commit_audit", deadlocked_once)
    ids = frozenset(o["id"] for o in ops)
    answers = pg_store.apply_ops(offices["pupr"], ops, lambda: NOW, ids, LIMITS)
    assert len(tries) == 2
    assert [a["r"] for a in answers] == ["applied", "applied"]
    events = [e for e in rows(pg_store, "events") if e["uid"] in ids]
    assert len(events) == 2
    recorded = [r for r in rows(pg_store, "applied_ops") if r["op_id"] in ids]
    assert len(recorded) == 2
    audited = [e for e in rows(pg_store, "audit_log") if '"op_id":"' in e["detail"]]
    assert sum(any(i in e["detail"] for i in ids) for e in audited) == 2


def test_an_op_the_rules_refuse_leaves_the_next_op_the_case_as_stored(stores: Any) -> None:
    """The push keeps the rows of the cases it locked (one read a push, not one an op) and
    writes an op in one statement once the rules have judged it: an op the rules refuse
    writes nothing, and the next op of the push on the same case is judged on the case as
    stored and applied once."""
    sqlite_store, pg_store, cases = stores
    offices = offices_of(sqlite_store)
    case = cases["working"]
    first = op(case, "note", PETUGAS_PUPR.nip, text="   ")  # a note needs text
    second = op(case, "note", PETUGAS_PUPR.nip, text="Diterima.")
    answers = pg_store.apply_ops(
        offices["pupr"],
        [first, second],
        lambda: NOW,
        frozenset({first["id"], second["id"]}),
        LIMITS,
    )
    assert [a["r"] for a in answers] == ["rejected", "applied"]
    assert answers[1]["v"] == case["version"] + 1  # one write: the second op's
    stored = [r for r in rows(pg_store, "cases") if r["local_id"] == case["local_id"]]
    assert stored[0]["version"] == case["version"] + 1
    events = [e for e in rows(pg_store, "events") if e["uid"] in (first["id"], second["id"])]
    assert [e["uid"] for e in events] == [second["id"]]


# Generated pushes (issue 17: the push is judged in set statements on PostgreSQL, one at a
# time on SQLite): the ops a desk may send, re-sends of earlier ones whole or changed, ids
# repeated inside one push, stacked bases, officers of the wrong office, creates and ops on
# the new case in the same push, attachments and unknown cases.
ACTORS = (ADMIN.nip, PETUGAS_PUPR.nip, PETUGAS_PUPR_2.nip, PETUGAS_DINKES.nip)
PAYLOADS: dict[str, Any] = {
    "note": st.fixed_dictionaries({"text": st.sampled_from(["Cek.", "   "])}),
    "follow_up": st.fixed_dictionaries({"text": st.just("Dijadwalkan.")}),
    "hold": st.fixed_dictionaries({"reason": st.just("Menunggu data")}),
    "return": st.fixed_dictionaries({"reason": st.just("Bukan wewenang")}),
    "verify": st.fixed_dictionaries({"unit": st.sampled_from(["PUPR", "DINKES"])}),
    "dispose": st.fixed_dictionaries({"unit": st.sampled_from(["PUPR", "DINKES"])}),
    "assign": st.fixed_dictionaries({"assignee": st.just(PETUGAS_PUPR_2.nip)}),
    "resume": st.just({}),
    "close": st.just({}),
}


# The officers of each office, and now and then one of another office (refused for scope).
OFFICERS = {"prov": (ADMIN.nip,), "pupr": (PETUGAS_PUPR.nip, PETUGAS_PUPR_2.nip)}


PHOTO = {
    "sha256": hashlib.sha256(b"foto").hexdigest(),
    "name": "foto.jpg",
    "size": 4,
    "media_type": "image/jpeg",
}


@st.composite
def generated_pushes(draw: st.DrawFn, cases: dict[str, dict[str, Any]]) -> list[Any]:
    """Pushes on `cases` (each at its version now on the stores): bases at that version, one
    before it (stale) or after it (stacked offline on the example's earlier ops); now and then
    a counter complaint (`create`), which later ops of the example may act on, an attachment,
    or an op on a case the central system does not know."""
    made: list[dict[str, Any]] = []
    targets = [cases[name] for name in ("working", "verified", "fresh", "held")]
    pushes = []
    for _ in range(draw(st.integers(1, 4))):
        office = draw(st.sampled_from(sorted(OFFICERS)))
        ops = []
        for _ in range(draw(st.integers(1, 5))):
            if made and draw(st.integers(0, 3)) == 0:  # a re-send, as sent or changed
                again = dict(draw(st.sampled_from(made)))
                if draw(st.booleans()):
                    again["p"] = {"text": "Lain."}
                ops.append(again)
                continue
            officers = OFFICERS[office] if draw(st.integers(0, 4)) else ACTORS
            actor = draw(st.sampled_from(officers))
            case = draw(st.sampled_from(targets))
            shape = draw(st.integers(0, 9))
            if shape == 0:
                operation = create_op(actor)
                targets.append({"local_id": operation["c"], "version": 1})
            elif shape == 1:
                operation = op(case, "attach", actor, **PHOTO)
            elif shape == 2:
                operation = op({"local_id": "no-such-case", "version": 1}, "note", actor, text="x")
            else:
                kind = draw(st.sampled_from(sorted(PAYLOADS)))
                base = case["version"] + draw(st.integers(-1, 2))
                operation = op(case, kind, actor, base=base)
                operation["p"] = draw(PAYLOADS[kind])
            made.append(operation)
            ops.append(operation)
        pushes.append((office, ops))
    return pushes


def test_generated_pushes_answer_and_write_alike_on_both_stores(stores: Any) -> None:
    sqlite_store, pg_store, cases = stores
    offices = offices_of(sqlite_store)

    @settings(
        max_examples=100,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
        derandomize=True,
    )
    @given(st.data())
    def check(data: st.DataObject) -> None:
        now = {row["local_id"]: row for row in rows(sqlite_store, "cases")}
        pushes = data.draw(generated_pushes({n: now[c["local_id"]] for n, c in cases.items()}))
        # Each example goes on from the state the earlier ones left, on both stores alike.
        assert push_all(pg_store, offices, pushes) == push_all(sqlite_store, offices, pushes)
        for table in (*TABLES, "applied_ops"):
            assert rows(pg_store, table) == rows(sqlite_store, table), table

    check()


def test_a_retry_racing_its_original_sees_the_original_ops_on_the_case_it_created(
    stores: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A desk's push creates a case and stacks ops on it; its answer is lost and the desk sends
    the push again, with one more op, while the original is still being committed on another
    worker. The retry could not lock the case (it did not exist yet), so it reads the
    original's answers when it judges: the resent ops are duplicates and the new one is judged
    from the refused op it was stacked on, as the SQLite store judges the same two pushes one
    after the other."""
    import threading

    from desk.central import pg_ops

    sqlite_store, pg_store, _ = stores
    offices = offices_of(sqlite_store)
    create = create_op(ADMIN.nip)
    created = {"local_id": create["c"], "version": 1}
    refused = op(created, "note", PETUGAS_DINKES.nip, text="Bukan kantor ini.")  # scope
    stacked = op(created, "note", ADMIN.nip, base=2, text="Sudah dicek.")
    original, retry = [create, refused], [create, refused, stacked]

    answers_written = threading.Event()
    go_on = threading.Event()
    real = pg_ops.PgOps.record_answers

    def held_before_commit(self: Any) -> None:
        real(self)
        if threading.current_thread().name == "original":
            answers_written.set()
            assert go_on.wait(30)

    monkeypatch.setattr(pg_ops.PgOps, "record_answers", held_before_commit)
    got: dict[str, Any] = {}

    def push(name: str, ops: list[dict[str, Any]]) -> None:
        ids = frozenset(o["id"] for o in ops)
        got[name] = pg_store.apply_ops(offices["prov"], ops, lambda: NOW, ids, LIMITS)

    first = threading.Thread(target=push, args=("original", original), name="original")
    first.start()
    assert answers_written.wait(30)
    second = threading.Thread(target=push, args=("retry", retry), name="retry")
    second.start()
    second.join(1.0)
    assert second.is_alive()  # waiting for the original's claims
    go_on.set()
    first.join(30)
    second.join(30)

    expected = [
        sqlite_store.apply_ops(offices["prov"], ops, lambda: NOW, frozenset(), LIMITS)
        for ops in (original, retry)
    ]
    assert [got["original"], got["retry"]] == expected
    assert [a["r"] for a in got["retry"]] == ["duplicate", "rejected", "applied"], got["retry"]
