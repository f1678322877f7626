"""Every inbox view, for each role, shows exactly the cases docs/views.md says.

One office, one case of each kind that tells views apart, and a table written by hand from
docs/views.md: what an admin, a pimpinan and a petugas of PUPR see in each view (after what they
may read, desk/access.py, narrows it). The table is not derived from desk/views.py, so a change
to a view fails here until the docs and this table are changed too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from desk import services
from desk.inbox import InboxSource, Query
from desk.metrics import Period, compute_report
from desk.views import VIEW_CODES
from desk.workflow import Action, Actor
from tests.conftest import ADMIN, NOW, PETUGAS_DINKES, PETUGAS_PUPR, PETUGAS_PUPR_2, PIMPINAN

# Thursday 1 October 2026, 09:00 WITA: every clock started then has run out by NOW (10 Nov).
EARLY = datetime(2026, 10, 1, 1, 0, tzinfo=UTC)
VERIFY = (ADMIN, Action.VERIFY, {"unit_code": "PUPR"})
ASSIGN_ME = (PETUGAS_PUPR, Action.ASSIGN, {"officer_nip": PETUGAS_PUPR.nip})
FOLLOW_UP = (PETUGAS_PUPR, Action.FOLLOW_UP, {"text": "Dijadwalkan minggu depan."})
REPLY = (PETUGAS_PUPR, Action.REPORTER_REPLY, {"text": "Belum diperbaiki."})
RETURN = (PETUGAS_PUPR, Action.RETURN, {"reason": "Jalan nasional"})

# name: (received and acted at, steps). The name is the case's tracking number.
CASES: dict[str, tuple[datetime, list[tuple[Actor, Action, dict[str, Any]]]]] = {
    "baru-lewat": (EARLY, []),  # verification overdue
    "baru": (NOW, []),
    "tunda-lewat": (EARLY, []),  # held below, when already late: no deadline runs while held
    "pupr-saya": (NOW, [VERIFY, ASSIGN_ME]),
    "pupr-lewat": (EARLY, [VERIFY]),  # nobody assigned, the unit's 5 HK passed
    "pupr-proses-saya": (NOW, [VERIFY, ASSIGN_ME, FOLLOW_UP]),
    "pupr-tanggapan": (
        NOW,
        [
            VERIFY,
            (PETUGAS_PUPR, Action.ASSIGN, {"officer_nip": PETUGAS_PUPR_2.nip}),
            FOLLOW_UP,
            REPLY,
        ],
    ),
    "pupr-selesai-saya": (
        NOW,
        [VERIFY, ASSIGN_ME, FOLLOW_UP, REPLY, (PETUGAS_PUPR, Action.CLOSE, {})],
    ),
    # Returned long ago by PUPR with its assignee: it keeps both, but it is the admin's now.
    "pupr-kembali": (EARLY, [VERIFY, ASSIGN_ME, RETURN]),
    "pupr-arsip": (
        EARLY,
        [VERIFY, ASSIGN_ME, RETURN, (ADMIN, Action.ARCHIVE, {"reason": "Ganda"})],
    ),
    "dinkes-lewat": (
        EARLY,
        [
            (ADMIN, Action.VERIFY, {"unit_code": "DINKES"}),
            (PETUGAS_DINKES, Action.FOLLOW_UP, {"text": "Dicek."}),
            (PETUGAS_DINKES, Action.REPORTER_REPLY, {"text": "Masih."}),
        ],
    ),
    # Closed, and waiting on the reporter, each with a deadline left behind by an old import:
    # no officer's clock runs in either, so they are overdue for nobody.
    "pupr-selesai-sisa": (NOW, [VERIFY, FOLLOW_UP, (PETUGAS_PUPR, Action.CLOSE, {})]),
    "pupr-proses-sisa": (NOW, [VERIFY, FOLLOW_UP]),
}
INTAKE = "L-PUPR-0001"  # taken at the counter by a PUPR officer, not verified yet

ALL = {*CASES, INTAKE}
OFFICE = {
    "verifikasi": {"baru-lewat", "baru", INTAKE, "pupr-kembali"},
    "unit": set(),  # the admin's and the head's unit (SETDA) is disposed nothing
    "lewat": {"baru-lewat", "pupr-lewat", "pupr-kembali", "dinkes-lewat"},
    "tanggapan": {"pupr-tanggapan", "dinkes-lewat"},
    "tunda": {"tunda-lewat"},
    "saya": set(),
    "semua": ALL,
    "selesai": {"pupr-selesai-saya", "pupr-selesai-sisa"},
}
EXPECTED: dict[str, dict[str, set[str]]] = {
    "admin": OFFICE,
    "pimpinan": OFFICE,
    "petugas": {
        "verifikasi": {INTAKE, "pupr-kembali"},
        "unit": {
            "pupr-saya",
            "pupr-lewat",
            "pupr-proses-saya",
            "pupr-tanggapan",
            "pupr-proses-sisa",
        },
        "lewat": {"pupr-lewat"},
        "tanggapan": {"pupr-tanggapan"},
        "tunda": set(),
        "saya": {"pupr-saya", "pupr-proses-saya"},
        "semua": {
            "pupr-saya",
            "pupr-lewat",
            "pupr-proses-saya",
            "pupr-tanggapan",
            "pupr-selesai-saya",
            "pupr-kembali",
            "pupr-arsip",
            "pupr-selesai-sisa",
            "pupr-proses-sisa",
            INTAKE,
        },
        "selesai": {"pupr-selesai-saya", "pupr-selesai-sisa"},
    },
}
ACTORS = {"admin": ADMIN, "pimpinan": PIMPINAN, "petugas": PETUGAS_PUPR}


@pytest.fixture
def office(database: sqlite_utils.Database, tmp_path: Path) -> Path:
    for number, (at, steps) in CASES.items():
        case = services.create_case(
            database,
            {"tracking_no": number, "title": number, "body": "isi"},
            received_at=at,
            now=at,
        )
        for actor, action, more in steps:
            services.perform(database, actor, action, case["id"], now=at, **more)
    services.perform(
        database,
        ADMIN,
        Action.HOLD,
        "tunda-lewat",
        reason="Data kurang",
        now=datetime(2026, 10, 20, 1, 0, tzinfo=UTC),
    )
    database.execute(
        "UPDATE cases SET due_at = '2026-10-01T15:59:59Z', due_kind = 'tindak_lanjut' "
        "WHERE tracking_no IN ('pupr-selesai-sisa', 'pupr-proses-sisa')"
    )
    database.conn.commit()
    services.create_case(
        database,
        {"title": "Lampu mati", "body": "Gelap."},
        received_at=NOW,
        actor_nip=PETUGAS_PUPR.nip,
        provisional_no=INTAKE,
        now=NOW,
    )
    return tmp_path / "desk.db"


def shown(source: InboxSource, view: str) -> set[str]:
    rows = source.page(Query(view), limit=1000)
    return {row["tracking_no"] or row["provisional_no"] for row in rows}


def test_the_fixture_holds_what_its_names_say(
    office: Path, database: sqlite_utils.Database
) -> None:
    status = dict(
        database.execute(
            "SELECT coalesce(tracking_no, provisional_no), status FROM cases"
        ).fetchall()
    )
    assert status["tunda-lewat"] == "tunda"
    assert status["pupr-kembali"] == "dikembalikan"
    assert status["pupr-arsip"] == "diarsipkan"
    stale = database.execute(
        "SELECT tracking_no FROM cases WHERE assignee_nip = ? ORDER BY tracking_no",
        [PETUGAS_PUPR.nip],
    ).fetchall()
    # The assignee stays on a closed, a returned and an archived case: "Mine" must leave them.
    assert [row[0] for row in stale] == [
        "pupr-arsip",
        "pupr-kembali",
        "pupr-proses-saya",
        "pupr-saya",
        "pupr-selesai-saya",
    ]


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_each_view_shows_what_the_table_says(office: Path, role: str) -> None:
    source = InboxSource(office, ACTORS[role], clock=lambda: NOW)
    assert set(EXPECTED[role]) == set(VIEW_CODES)
    seen = {view: shown(source, view) for view in VIEW_CODES}
    assert seen == EXPECTED[role]
    counts = source.view_counts()  # the side list's numbers
    assert counts == {view: len(cases) for view, cases in EXPECTED[role].items()}


def test_overdue_now_in_the_report_is_the_overdue_view(
    office: Path, database: sqlite_utils.Database
) -> None:
    report = compute_report(
        database, Period(NOW.date(), NOW.date(), "hari ini"), now=NOW, parallel=False
    )
    assert report.office.overdue_now == len(OFFICE["lewat"])
    by_unit = {row.code: row.overdue_now for row in report.units}
    assert by_unit["PUPR"] == len(EXPECTED["petugas"]["lewat"])
    assert (
        by_unit["DINKES"]
        == len(shown(InboxSource(office, PETUGAS_DINKES, clock=lambda: NOW), "lewat"))
        == 1
    )
