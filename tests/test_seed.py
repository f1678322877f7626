"""`desk seed`: deterministic, consistent, realistic demo data."""

from __future__ import annotations

import itertools
import re
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from ulid import ULID

from db import audit, open_database, write_transaction
from db.stemming import match_expression, stem_text
from db.timefmt import from_text, to_text
from desk import seed as seed_module
from desk.clocks import clock_after, verification_clock
from desk.seed import (
    STABLE_ADMIN,
    STABLE_PETUGAS,
    STABLE_PIMPINAN,
    _Generator,
    _plan,
    load_categories,
    seed_database,
    ulid_text,
)
from desk.seed_texts import compile_template
from desk.workflow import Action, Actor, Role, Status, refusal

NOW = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)  # Tuesday 09:00 WITA
NOW_TEXT = to_text(NOW)
N = 2000
OPEN = ("baru", "tunda", "terverifikasi", "dikembalikan", "diproses", "ditanggapi")


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite_utils.Database]:
    database = open_database(tmp_path_factory.mktemp("seed") / "desk.db")
    seed_database(database, N, seed=7, now=NOW)
    yield database
    database.conn.close()


def rows(database: sqlite_utils.Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    return list(database.query(sql, params))


def everything(database: sqlite_utils.Database) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: database.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        for table in ("units", "officers", "settings", "cases", "reporters", "events", "audit_log")
    }


def test_same_arguments_give_the_same_rows(tmp_path: Path) -> None:
    first, second, other = (open_database(tmp_path / f"{name}.db") for name in "abc")
    seed_database(first, 500, seed=3, now=NOW)
    seed_database(second, 500, seed=3, now=NOW)
    seed_database(other, 500, seed=4, now=NOW)
    assert everything(first) == everything(second)
    assert everything(first)["cases"] != everything(other)["cases"]


def test_worker_processes_do_not_change_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seed_module, "CHUNK", 150)  # several chunks, so workers have work
    alone, helped = open_database(tmp_path / "alone.db"), open_database(tmp_path / "helped.db")
    calls: list[tuple[int, int]] = []
    seed_database(alone, 700, seed=5, now=NOW, workers=0)
    seed_database(
        helped, 700, seed=5, now=NOW, workers=2, progress=lambda d, t: calls.append((d, t))
    )
    assert everything(alone) == everything(helped)
    assert calls == [(150, 700), (300, 700), (450, 700), (600, 700), (700, 700)]


def test_workers_are_spawned_when_other_threads_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(seed_module, "CHUNK", 200)
    alone, helped = open_database(tmp_path / "alone.db"), open_database(tmp_path / "helped.db")
    seed_database(alone, 400, seed=6, now=NOW, workers=0)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert seed_module._pool_context().get_start_method() == "spawn"
        seed_database(helped, 400, seed=6, now=NOW, workers=1)
    finally:
        stop.set()
        other.join()
    assert everything(alone) == everything(helped)


def test_refuses_to_run_inside_a_transaction(tmp_path: Path) -> None:
    database = open_database(tmp_path / "desk.db")
    with write_transaction(database), pytest.raises(ValueError):
        seed_database(database, 10, now=NOW)


def test_every_status_is_present(seeded: sqlite_utils.Database) -> None:
    counts = dict(seeded.execute("SELECT status, count(*) FROM cases GROUP BY status").fetchall())
    assert set(counts) == {status.value for status in Status}
    assert sum(counts.values()) == N
    assert counts["selesai"] > N / 2  # most of 18 months of history is closed


def test_stable_officers_exist(seeded: sqlite_utils.Database) -> None:
    for nip, name, unit, role in (STABLE_ADMIN, STABLE_PETUGAS, STABLE_PIMPINAN):
        row = seeded.execute(
            "SELECT name, unit_code, role, active FROM officers WHERE nip = ?", [nip]
        ).fetchone()
        assert row == (name, unit, role, 1)
    assert STABLE_ADMIN[0] == "198001012005011001"
    assert seeded.execute("SELECT value FROM settings WHERE key = 'office_tz'").fetchone() == (
        "Asia/Makassar",
    )


def test_officers_and_units_are_plausible(seeded: sqlite_utils.Database) -> None:
    units = rows(seeded, "SELECT code, tz FROM units")
    assert 25 <= len(units) <= 35 and {u["tz"] for u in units} == {"Asia/Makassar"}
    for officer in rows(seeded, "SELECT nip, role, unit_code FROM officers"):
        nip = officer["nip"]
        # birth yyyymmdd, appointment yyyymm, sex (1 male, 2 female), sequence
        match = re.fullmatch(
            r"(19[6-9]\d)(0[1-9]|1[0-2])([0-2]\d|3[01])(\d{4})(0[1-9]|1[0-2])[12]\d{3}", nip
        )
        assert match, nip
        assert int(match[1]) + 18 <= int(match[4]) <= 2026, nip
    per_unit = Counter(
        (o["unit_code"], o["role"]) for o in rows(seeded, "SELECT unit_code, role FROM officers")
    )
    for unit in units:
        assert 2 <= per_unit[(unit["code"], "petugas")] <= 4
        assert per_unit[(unit["code"], "pimpinan")] == 1
    assert sum(n for (unit, role), n in per_unit.items() if role == "admin") >= 1


def test_columns_follow_the_last_event_as_the_clocks_would_set_them(
    seeded: sqlite_utils.Database,
) -> None:
    events: dict[int, list[dict[str, Any]]] = {}
    for event in rows(seeded, "SELECT * FROM events ORDER BY case_id, at, id"):
        events.setdefault(event["case_id"], []).append(event)
    clock_columns = ("due_at", "due_kind", "auto_at", "auto_kind", "hold_remaining_hk")
    for case in rows(seeded, "SELECT * FROM cases ORDER BY id"):
        timeline = events[case["id"]]
        assert timeline[0]["kind"] == "received" and timeline[0]["at"] == case["received_at"]
        state: dict[str, Any] = verification_clock(
            seeded, from_text(case["received_at"])
        ).as_columns()
        status, unit = "baru", None
        for before, event in itertools.pairwise(timeline):
            assert event["at"] > before["at"], case["id"]
            assert event["from_status"] == status, (case["id"], event)
            if event["kind"] in ("auto_close", "auto_archive"):
                state = dict.fromkeys(clock_columns)
            else:
                clock = clock_after(
                    seeded,
                    Action(event["kind"]),
                    state,
                    Status(event["to_status"]),
                    event["unit_code"],
                    from_text(event["at"]),
                )
                if clock is not None:
                    state = clock.as_columns()
            status, unit = event["to_status"], event["unit_code"]
        assert case["status"] == status and case["unit_code"] == unit, case["id"]
        assert {name: case[name] for name in clock_columns} == state, case["id"]
        assert case["updated_at"] == timeline[-1]["at"]
        # version: 1 at receipt, +1 per action after it (officers', reporters' and the system's)
        assert (
            case["version"] == len(timeline) == 1 + sum(e["kind"] != "received" for e in timeline)
        )
        assert case["source"] == "seed"


def test_officer_events_are_allowed_by_the_workflow(seeded: sqlite_utils.Database) -> None:
    officers = {
        row["nip"]: Actor(row["nip"], row["name"], Role(row["role"]), row["unit_code"])
        for row in rows(seeded, "SELECT * FROM officers")
    }
    case_unit: dict[int, str | None] = {}
    kinds = Counter()
    for event in rows(seeded, "SELECT * FROM events ORDER BY case_id, at, id"):
        kinds[event["kind"]] += 1
        if event["kind"] == "received":
            case_unit[event["case_id"]] = None
            assert event["actor_kind"] in ("system", "officer")
        elif event["actor_kind"] == "officer":
            actor = officers[event["actor_nip"]]
            action = Action(event["kind"])
            assert (
                refusal(actor, action, Status(event["from_status"]), case_unit[event["case_id"]])
                is None
            ), event
        elif event["actor_kind"] == "reporter":
            assert event["kind"] == "reporter_reply" and event["actor_nip"] is None
        else:
            assert event["actor_kind"] == "system"
            assert event["kind"] in ("auto_close", "auto_archive")
        public = event["kind"] in (
            "received",
            "verify",
            "dispose",
            "hold",
            "follow_up",
            "close",
            "reopen",
            "reporter_reply",
            "auto_close",
        )
        assert event["visibility"] == ("public" if public else "internal"), event
        case_unit[event["case_id"]] = event["unit_code"]
    assert set(kinds) == {
        "received",
        "verify",
        "dispose",
        "hold",
        "resume",
        "return",
        "follow_up",
        "note",
        "assign",
        "close",
        "reopen",
        "archive",
        "reporter_reply",
        "auto_close",
        "auto_archive",
    } | ({"restore"} & set(kinds))


def test_clocks_match_status_and_some_open_cases_are_overdue(
    seeded: sqlite_utils.Database,
) -> None:
    for case in rows(seeded, "SELECT * FROM cases"):
        status = case["status"]
        if status in ("selesai", "diarsipkan"):
            assert case["due_at"] is None and case["auto_at"] is None, case
        elif status in ("diproses", "tunda"):
            assert case["due_at"] is None and case["auto_at"] > NOW_TEXT, case
            assert case["auto_kind"] == (
                "tutup_otomatis" if status == "diproses" else "arsip_otomatis"
            )
            assert (case["hold_remaining_hk"] is not None) == (status == "tunda")
        else:
            assert case["auto_at"] is None and case["due_at"] is not None, case
            expected = "verifikasi" if status in ("baru", "dikembalikan") else "tindak_lanjut"
            assert case["due_kind"] == expected
        if status in ("terverifikasi", "diproses", "ditanggapi"):
            assert case["unit_code"] is not None
    total, overdue = seeded.execute(
        f"SELECT count(*), sum(due_at < ?) FROM cases WHERE status IN {OPEN}", [NOW_TEXT]
    ).fetchone()
    assert 0.15 <= overdue / total <= 0.35, (overdue, total)
    assert seeded.execute("SELECT max(received_at) < ? FROM cases", [NOW_TEXT]).fetchone()[0]
    oldest = from_text(seeded.execute("SELECT min(received_at) FROM cases").fetchone()[0])
    assert 500 <= (NOW - oldest).days <= 550


def test_assignees_belong_to_the_unit_and_duplicates_point_back(
    seeded: sqlite_utils.Database,
) -> None:
    wrong = seeded.execute(
        "SELECT count(*) FROM cases c JOIN officers o ON o.nip = c.assignee_nip "
        "WHERE o.unit_code != c.unit_code OR o.role != 'petugas'"
    ).fetchone()[0]
    assert wrong == 0
    duplicates = rows(
        seeded,
        "SELECT c.id, c.title, c.status, o.id AS original, o.title AS original_title "
        "FROM cases c JOIN cases o ON o.id = c.duplicate_of",
    )
    assert duplicates
    for case in duplicates:
        assert case["status"] == "diarsipkan" and case["original"] < case["id"]
        assert case["title"] == case["original_title"]
    assert (
        seeded.execute(
            "SELECT count(*) FROM cases WHERE duplicate_of IS NOT NULL AND status != 'diarsipkan'"
        ).fetchone()[0]
        == 0
    )
    ratings = seeded.execute("SELECT DISTINCT status FROM cases WHERE rating IS NOT NULL")
    assert [row[0] for row in ratings] == ["selesai"]


def test_search_finds_the_stems_of_the_texts(seeded: sqlite_utils.Database) -> None:
    expression = match_expression("diperbaiki")
    assert expression == '"baik"'
    found = {
        row[0]
        for row in seeded.execute(
            "SELECT rowid FROM case_search WHERE case_search MATCH ?", [expression]
        )
    }
    expected = {
        case["id"]
        for case in rows(seeded, "SELECT id, title, body FROM cases")
        if "baik" in stem_text(case["title"]).split() + stem_text(case["body"]).split()
    }
    assert found == expected and len(found) > N / 10
    seeded.execute("INSERT INTO case_search(case_search) VALUES ('integrity-check')")


def test_triggers_survive_and_keep_indexing(tmp_path: Path) -> None:
    database = open_database(tmp_path / "desk.db")
    before = database.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    ).fetchall()
    seed_database(database, 300, now=NOW)
    after = database.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    ).fetchall()
    assert after == before
    database.execute("UPDATE cases SET title = 'Jembatan gantung putus' WHERE id = 1")
    hits = database.execute(
        "SELECT rowid FROM case_search WHERE case_search MATCH ?",
        [match_expression("jembatan putus")],
    ).fetchall()
    assert hits == [(1,)]
    assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []
    database.execute("INSERT INTO case_search(case_search) VALUES ('integrity-check')")


def test_fragment_stems_equal_the_stems_of_the_whole_text(tmp_path: Path) -> None:
    database = open_database(tmp_path / "desk.db")
    seed_database(database, 0, now=NOW)  # units and officers only
    generator = _Generator(_plan(database, 11, NOW))
    made = generator.chunk(
        0, 0, [int(NOW.timestamp()) - 86_400 * day for day in range(3000, 0, -1)]
    )
    cases = {row[0]: row for row in made.cases}
    for case_id, title_stem, body_stem in made.search:
        assert title_stem == stem_text(cases[case_id][4])
        assert body_stem == stem_text(cases[case_id][5])
    assert compile_template("Jalan {jalan}, {kota}.") == (
        "Jalan {jalan}, {kota}.",
        "jalan {jalan} {kota}",
    )
    for bad in ("{kota}nya", "di{kota}", "{desa}"):
        with pytest.raises(ValueError):
            compile_template(bad)


def test_texts_are_varied_and_include_hostile_ones(seeded: sqlite_utils.Database) -> None:
    bodies = [row[0] for row in seeded.execute("SELECT body FROM cases")]
    titles = [row[0] for row in seeded.execute("SELECT title FROM cases")]
    texts = bodies + titles
    assert len(set(bodies)) > 0.9 * N
    assert any("\x1b" in text or "\x07" in text for text in texts)
    assert any(re.search(r"\[(bold|/x|link=|red)", text) for text in texts)
    assert any(re.search("[\U0001f300-\U0001faff]", text) for text in texts)
    long = [body for body in bodies if len(body.encode()) >= 2048]
    assert long and all(len(body.encode()) <= 5 * 1024 for body in long)
    assert 0.005 * N <= len(long) <= 0.05 * N
    categories = load_categories()
    for category, subcategory in seeded.execute("SELECT category, subcategory FROM cases"):
        assert category in categories
        assert subcategory is None or subcategory in categories[category]
    channels = Counter(row[0] for row in seeded.execute("SELECT channel FROM cases"))
    assert channels.most_common(1)[0][0] == "web" and len(channels) == 10
    classes = Counter(row[0] for row in seeded.execute("SELECT classification FROM cases"))
    assert set(classes) == {"pengaduan", "aspirasi", "permintaan_informasi"}
    assert classes["pengaduan"] > 0.7 * N
    anonymous, confidential = seeded.execute(
        "SELECT avg(anonymous), avg(confidential) FROM cases"
    ).fetchone()
    assert 0.06 < anonymous < 0.15 and 0.02 < confidential < 0.09


def test_every_case_has_a_reporter(seeded: sqlite_utils.Database) -> None:
    missing = seeded.execute(
        "SELECT count(*) FROM cases WHERE id NOT IN (SELECT case_id FROM reporters)"
    ).fetchone()[0]
    assert missing == 0
    for reporter in rows(
        seeded, "SELECT r.*, c.anonymous FROM reporters r JOIN cases c ON c.id = r.case_id"
    ):
        assert reporter["name"]
        assert reporter["nik"] is None or re.fullmatch(r"64\d{14}", reporter["nik"])
        assert reporter["phone"] is None or re.fullmatch(r"(\+628|08)\d{8,12}", reporter["phone"])
        assert reporter["email"] is None or re.fullmatch(r"[a-z.]+\d*@[a-z.]+", reporter["email"])
    assert seeded.execute("SELECT count(*) FROM reporters WHERE email IS NOT NULL").fetchone()[0]


def test_identifiers(seeded: sqlite_utils.Database) -> None:
    cases = rows(seeded, "SELECT id, local_id, tracking_no, received_at FROM cases ORDER BY id")
    assert [case["id"] for case in cases] == list(range(1, N + 1))
    assert [case["tracking_no"] for case in cases] == [str(7_000_001 + i) for i in range(N)]
    received = [case["received_at"] for case in cases]
    assert received == sorted(received)
    for case in cases:
        parsed = ULID.from_str(case["local_id"])
        assert int(parsed.timestamp) == int(from_text(case["received_at"]).timestamp())
    assert ulid_text(1, 2) == str(ULID.from_int((1 << 80) | 2))


def test_seeding_twice_adds_cases_without_duplicates(tmp_path: Path) -> None:
    database = open_database(tmp_path / "desk.db")
    first = seed_database(database, 300, now=NOW)
    second = seed_database(database, 300, now=NOW)
    assert (first.units, first.officers) != (0, 0) and (second.units, second.officers) == (0, 0)
    assert first.cases == second.cases == 300
    stats = database.execute(
        "SELECT count(*), count(DISTINCT local_id), count(DISTINCT tracking_no), max(id), "
        "min(CAST(tracking_no AS INTEGER)), max(CAST(tracking_no AS INTEGER)) FROM cases"
    ).fetchone()
    assert stats == (600, 600, 600, 600, 7_000_001, 7_000_600)
    assert database.execute("SELECT count(*) FROM reporters").fetchone()[0] == 600
    total_events = database.execute("SELECT count(*) FROM events").fetchone()[0]
    assert total_events == first.events + second.events
    entries = rows(database, "SELECT action, detail FROM audit_log ORDER BY seq")
    assert [entry["action"] for entry in entries] == ["seed", "seed"]
    assert audit.verify(database) is None
    assert database.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


def test_settings_of_the_connection_are_restored(tmp_path: Path) -> None:
    database = open_database(tmp_path / "desk.db")
    pragmas = ("cache_size", "synchronous", "foreign_keys")
    before = [database.execute(f"PRAGMA {name}").fetchone() for name in pragmas]
    seed_database(database, 50, now=NOW)
    assert [database.execute(f"PRAGMA {name}").fetchone() for name in pragmas] == before
    assert not database.conn.in_transaction


def test_default_now_is_the_current_time(tmp_path: Path) -> None:
    database = open_database(tmp_path / "desk.db")
    summary = seed_database(database, 20)
    newest = from_text(database.execute("SELECT max(updated_at) FROM cases").fetchone()[0])
    assert newest <= datetime.now(UTC)
    assert summary.seconds > 0
    with pytest.raises(ValueError):
        seed_database(database, -1)
