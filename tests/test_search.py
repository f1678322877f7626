"""Full-text search: stemmed Indonesian, kept in step with every change to a case."""

from __future__ import annotations

import pytest
import sqlite_utils

from db.inbox import CaseFilter, count_cases, fetch_page
from db.stemming import match_expression, stem_text
from tests.conftest import new_case


def found(database: sqlite_utils.Database, words: str) -> list[str]:
    rows = fetch_page(database, CaseFilter(words=words), "received", limit=100)
    return sorted(row["tracking_no"] for row in rows)


def test_word_forms_find_each_other(database: sqlite_utils.Database) -> None:
    new_case(database, "1", title="Perbaikan jalan", body="Mohon segera.")
    new_case(database, "2", title="Lampu jalan", body="Belum diperbaiki sejak Mei.")
    new_case(database, "3", title="Sampah", body="Petugas memperbaiki saluran.")
    new_case(database, "4", title="Sekolah", body="Atap bocor.")
    for query in ("perbaikan", "diperbaiki", "memperbaiki", "PERBAIKAN"):
        assert found(database, query) == ["1", "2", "3"], query
    assert found(database, "jalan diperbaiki") == ["1", "2"]  # every word must match


def test_diacritics_are_ignored(database: sqlite_utils.Database) -> None:
    new_case(database, "1", title="Kafe di tepi sungai", body="Musik keras tiap malam.")
    assert found(database, "kafé") == ["1"]


def test_index_follows_updates_and_deletes(database: sqlite_utils.Database) -> None:
    case = new_case(database, "1", title="Lampu mati", body="Di depan pasar.")
    assert found(database, "lampu") == ["1"]
    database.execute("UPDATE cases SET title = 'Jembatan retak' WHERE id = ?", [case["id"]])
    assert found(database, "lampu") == []
    assert found(database, "jembatan") == ["1"]
    database.execute("DELETE FROM events WHERE case_id = ?", [case["id"]])
    database.execute("DELETE FROM reporters WHERE case_id = ?", [case["id"]])
    database.execute("DELETE FROM cases WHERE id = ?", [case["id"]])
    assert found(database, "jembatan") == []
    database.execute("INSERT INTO case_search(case_search) VALUES ('integrity-check')")


def test_search_combines_with_filters(database: sqlite_utils.Database) -> None:
    new_case(database, "1", title="Jalan rusak", body="x", channel="sms")
    new_case(database, "2", title="Jalan rusak", body="x", channel="web")
    assert count_cases(database, CaseFilter(words="jalan", channel="SMS")) == 1


def test_user_input_is_never_fts_syntax(database: sqlite_utils.Database) -> None:
    new_case(database, "1", title="Jalan rusak", body="x")
    for hostile in ('"', "jalan OR", "NEAR(", "title:jalan", "-jalan", "*", "a AND"):
        fetch_page(database, CaseFilter(words=hostile), limit=5)  # must not raise
    assert match_expression("jalan*") == '"jalan"*'
    assert match_expression("  ") is None


def test_stems_match_what_the_index_stores() -> None:
    assert stem_text("Jalan diperbaiki, PERBAIKAN!") == "jalan baik baik"
    assert stem_text("snake_case") == "snake case"
    assert stem_text(None) == ""


def test_common_and_rare_word_plans_find_the_same_cases(
    database: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db import inbox

    for number in range(12):
        new_case(database, str(number), title=f"Jalan rusak {number}", body="diperbaiki")
    new_case(database, "99", title="Lampu", body="mati")
    search = CaseFilter(words="jalan diperbaiki")
    assert inbox.search_plan(database, search) == "set"
    rare = [row["id"] for row in fetch_page(database, search, limit=100)]
    monkeypatch.setattr(inbox, "FEW_MATCHES", 0)
    assert inbox.search_plan(database, search) == "walk"
    assert [row["id"] for row in fetch_page(database, search, limit=100)] == rare
    first = fetch_page(database, search, limit=5)
    after = fetch_page(database, search, after=inbox.key_of(first[-1], "due"), limit=100)
    assert [row["id"] for row in first + after] == rare  # keyset pages walk the same order
    # Two middling words that never meet in one case: counted, then gathered, not walked.
    assert inbox.search_plan(database, CaseFilter(words="lampu jalan")) == "set"
    monkeypatch.setattr(inbox, "COMMON_WORD", 0)
    monkeypatch.setattr(inbox, "COMMON_WORD_SPLIT_INDEX", 0)  # whether merged or not
    assert inbox.search_plan(database, search) == "probe"
    assert [row["id"] for row in fetch_page(database, search, limit=100)] == rare
    assert count_cases(database, CaseFilter(words="jalan", channel="web")) == 12
    assert count_cases(database, search) == 12 and len(rare) == 12


def test_a_plan_reads_common_word_counts_from_the_last_merge(
    database: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db import inbox, search_index

    monkeypatch.setattr(search_index, "COMMON_FROM", 3)
    for number in range(8):
        new_case(database, str(number), title=f"Jalan rusak {number}", body="diperbaiki")
    new_case(database, "99", title="Lampu", body="mati")
    assert search_index.merge_search_index(database)
    stored = dict(database.execute("SELECT term, docs FROM search_term_counts").fetchall())
    assert stored["jalan"] == 8 and "lampu" not in stored
    monkeypatch.setattr(inbox, "_MATCH_COUNTS", {})
    statements: list[str] = []
    database.conn.set_trace_callback(statements.append)
    assert inbox._word_cases(database, '"jalan"', 50_001) == 8
    assert not any("MATCH" in sql for sql in statements)  # no look at the index
    assert inbox._word_cases(database, '"lampu"', 50_001) == 1
    assert any("MATCH" in sql for sql in statements)  # a rare word is counted
    database.conn.set_trace_callback(None)
