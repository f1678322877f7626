"""Inbox pages by keyset: every case once, in order, forwards, backwards and from the end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlite_utils

from db.inbox import CaseFilter, PageKey, count_cases, fetch_page, key_of
from desk import services
from desk.views import VIEW_CODES, view_filter, with_search
from desk.workflow import Action
from tests.conftest import ADMIN, NOW, PETUGAS_DINKES, PETUGAS_PUPR, case_in, new_case


@pytest.fixture
def many(database: sqlite_utils.Database) -> sqlite_utils.Database:
    for number in range(60):
        received = NOW - timedelta(hours=7 * number)
        services.create_case(
            database,
            {"tracking_no": str(8000000 + number), "title": f"Kasus {number}", "body": "isi"},
            received_at=received,
            now=received,
        )
    # Same received instant for several cases: ties are broken by id.
    for number in range(5):
        services.create_case(
            database,
            {"tracking_no": str(9000000 + number), "title": "Serentak", "body": "isi"},
            received_at=NOW,
            now=NOW,
        )
    return database


def walk(database: sqlite_utils.Database, order: str, size: int) -> list[int]:
    seen: list[int] = []
    after: PageKey | None = None
    while True:
        page = fetch_page(database, CaseFilter(), order, after=after, limit=size)
        if not page:
            return seen
        seen.extend(row["id"] for row in page)
        after = key_of(page[-1], order)


@pytest.mark.parametrize("order", ["due", "received", "updated"])
def test_pages_cover_every_case_once_in_order(many: sqlite_utils.Database, order: str) -> None:
    column, ascending = {
        "due": ("due_sort", True),
        "received": ("received_at", False),
        "updated": ("updated_at", False),
    }[order]
    everything = many.execute(
        f"SELECT id FROM cases ORDER BY {column} {'ASC' if ascending else 'DESC'}, "
        f"id {'ASC' if ascending else 'DESC'}"
    ).fetchall()
    assert walk(many, order, 7) == [row[0] for row in everything]


def test_scrolling_back_returns_the_previous_page(many: sqlite_utils.Database) -> None:
    first = fetch_page(many, CaseFilter(), "received", limit=10)
    second = fetch_page(
        many, CaseFilter(), "received", after=key_of(first[-1], "received"), limit=10
    )
    back = fetch_page(
        many, CaseFilter(), "received", before=key_of(second[0], "received"), limit=10
    )
    assert [r["id"] for r in back] == [r["id"] for r in first]


def test_the_last_page_is_the_end_of_the_list(many: sqlite_utils.Database) -> None:
    ids = walk(many, "due", 100)
    last = fetch_page(many, CaseFilter(), "due", from_end=True, limit=10)
    assert [r["id"] for r in last] == ids[-10:]


def test_most_urgent_first_and_clockless_last(database: sqlite_utils.Database) -> None:
    overdue = new_case(database, "1")  # verification due Fri 2026-11-13
    database.execute(
        "UPDATE cases SET due_at = '2026-11-01T15:59:59Z' WHERE id = ?", [overdue["id"]]
    )
    closed = case_in(database, "selesai", "2")
    fresh = new_case(database, "3")
    page = fetch_page(database, CaseFilter(), "due")
    assert [r["id"] for r in page] == [overdue["id"], fresh["id"], closed["id"]]


def test_views_follow_role_and_unit(database: sqlite_utils.Database) -> None:
    case_in(database, "baru", "1")
    pupr = case_in(database, "terverifikasi", "2")
    dinkes = new_case(database, "3")
    services.perform(database, ADMIN, Action.VERIFY, dinkes["id"], unit_code="DINKES", now=NOW)
    case_in(database, "ditanggapi", "4")
    case_in(database, "tunda", "5")
    case_in(database, "selesai", "6")
    services.perform(
        database, PETUGAS_PUPR, Action.ASSIGN, pupr["id"], officer_nip=PETUGAS_PUPR.nip, now=NOW
    )

    def numbers(code: str, actor=PETUGAS_PUPR, now=NOW) -> list[str]:  # type: ignore[no-untyped-def]
        rows = fetch_page(database, view_filter(code, actor, now), "due", limit=100)
        return sorted(row["tracking_no"] for row in rows)

    assert numbers("verifikasi") == ["1"]
    assert numbers("unit") == ["2", "4"]
    assert numbers("unit", PETUGAS_DINKES) == ["3"]
    assert numbers("tanggapan") == ["4"]
    assert numbers("tunda") == ["5"]
    assert numbers("saya") == ["2"]
    assert numbers("selesai") == ["6"]
    assert numbers("semua", ADMIN) == ["1", "2", "3", "4", "5", "6"]
    assert numbers("lewat") == []
    a_month_later = datetime(2026, 12, 15, tzinfo=UTC)
    assert numbers("lewat", PETUGAS_PUPR, a_month_later) == ["2", "4"]
    assert numbers("lewat", ADMIN, a_month_later) == ["1", "2", "3", "4"]
    for code in VIEW_CODES:
        counted = count_cases(database, view_filter(code, ADMIN, NOW))
        assert counted == len(fetch_page(database, view_filter(code, ADMIN, NOW), limit=100))


def test_a_search_narrows_a_view(database: sqlite_utils.Database) -> None:
    new_case(database, "1", title="Jalan rusak", body="Berlubang.")
    new_case(database, "2", title="Lampu mati", body="Gelap di malam hari.")
    narrowed = with_search(view_filter("verifikasi", ADMIN, NOW), CaseFilter(words="jalan"))
    assert [r["tracking_no"] for r in fetch_page(database, narrowed)] == ["1"]
