"""Shared fixtures: a fresh database with a small office, and cases walked into each status."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from db import open_database
from desk import services
from desk.i18n import set_language
from desk.workflow import Action, Actor, Role

# Tuesday 2026-11-10, 09:00 WITA: an ordinary working day.
NOW = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)

ADMIN = Actor("198001012005011001", "Admin Koordinator", Role.ADMIN, "SETDA")
PETUGAS_PUPR = Actor("198502022010012002", "Siti Rahmawati", Role.PETUGAS, "PUPR")
PETUGAS_PUPR_2 = Actor("199003032015031003", "Budi Santoso", Role.PETUGAS, "PUPR")
PETUGAS_DINKES = Actor("198704042012042004", "Dewi Lestari", Role.PETUGAS, "DINKES")
PIMPINAN = Actor("197505052000051005", "Kepala Dinas", Role.PIMPINAN, "SETDA")
OFFICERS = (ADMIN, PETUGAS_PUPR, PETUGAS_PUPR_2, PETUGAS_DINKES, PIMPINAN)


@pytest.fixture(autouse=True)
def indonesian() -> Iterator[None]:
    set_language("id")
    yield
    set_language("id")


def make_office(database: sqlite_utils.Database) -> None:
    database["units"].insert_all(
        [
            {"code": "SETDA", "name": "Sekretariat Daerah", "tz": "Asia/Makassar"},
            {"code": "PUPR", "name": "Dinas PUPR-PERA", "tz": "Asia/Makassar"},
            {"code": "DINKES", "name": "Dinas Kesehatan", "tz": "Asia/Makassar"},
            {"code": "DISDIK", "name": "Dinas Pendidikan dan Kebudayaan", "tz": "Asia/Makassar"},
        ]
    )
    database["officers"].insert_all(
        [
            {
                "nip": officer.nip,
                "name": officer.name,
                "unit_code": officer.unit_code,
                "role": officer.role.value,
                "created_at": "2026-01-01T00:00:00Z",
            }
            for officer in OFFICERS
        ]
    )


@pytest.fixture
def database(tmp_path: Path) -> sqlite_utils.Database:
    database = open_database(tmp_path / "desk.db")
    make_office(database)
    return database


def new_case(
    database: sqlite_utils.Database, number: str = "8112829", **fields: Any
) -> dict[str, Any]:
    values = {
        "tracking_no": number,
        "title": "Jalan rusak di Jl. Juanda",
        "body": "Jalan berlubang besar dan belum diperbaiki sejak Agustus.",
        "category": "INFRASTRUKTUR",
        **fields,
    }
    return services.create_case(
        database,
        values,
        reporter={"name": "Andi Wijaya", "nik": "6471010101900003", "phone": "081234567890"},
        received_at=NOW,
        now=NOW,
    )


# How to walk a new case into each status: (actor, action, keyword arguments) steps.
WALKS: dict[str, list[tuple[Actor, Action, dict[str, Any]]]] = {
    "baru": [],
    "tunda": [(ADMIN, Action.HOLD, {"reason": "Lokasi belum jelas"})],
    "terverifikasi": [(ADMIN, Action.VERIFY, {"unit_code": "PUPR"})],
    "dikembalikan": [
        (ADMIN, Action.VERIFY, {"unit_code": "PUPR"}),
        (PETUGAS_PUPR, Action.RETURN, {"reason": "Jalan nasional, bukan wewenang provinsi"}),
    ],
    "diproses": [
        (ADMIN, Action.VERIFY, {"unit_code": "PUPR"}),
        (PETUGAS_PUPR, Action.FOLLOW_UP, {"text": "Perbaikan dijadwalkan minggu depan."}),
    ],
    "ditanggapi": [
        (ADMIN, Action.VERIFY, {"unit_code": "PUPR"}),
        (PETUGAS_PUPR, Action.FOLLOW_UP, {"text": "Perbaikan dijadwalkan minggu depan."}),
        (PETUGAS_PUPR, Action.REPORTER_REPLY, {"text": "Sampai hari ini belum diperbaiki."}),
    ],
    "selesai": [
        (ADMIN, Action.VERIFY, {"unit_code": "PUPR"}),
        (PETUGAS_PUPR, Action.FOLLOW_UP, {"text": "Perbaikan dijadwalkan minggu depan."}),
        (PETUGAS_PUPR, Action.REPORTER_REPLY, {"text": "Terima kasih, sudah diperbaiki."}),
        (PETUGAS_PUPR, Action.CLOSE, {}),
    ],
    "diarsipkan": [(ADMIN, Action.ARCHIVE, {"reason": "Laporan ganda"})],
}


def case_in(
    database: sqlite_utils.Database, status: str, number: str = "8112829"
) -> dict[str, Any]:
    case = new_case(database, number)
    for actor, action, kwargs in WALKS[status]:
        case = services.perform(database, actor, action, case["id"], now=NOW, **kwargs).case
    assert case["status"] == status
    return case


def snapshot(database: sqlite_utils.Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an action writes to, for before/after comparisons."""
    return {
        table: database.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
        for table in ("cases", "events", "outbox", "audit_log", "reporters")
    }


def wire_op(
    case: dict[str, Any], kind: str, actor: str, base: int | None = None, **payload: Any
) -> dict[str, Any]:
    """An op as a desk sends it (docs/sync-protocol.md): on `case` at its version (or `base`),
    by the officer `actor`, at NOW, with a fresh id."""
    from ulid import ULID

    from db.timefmt import to_text

    return {
        "id": str(ULID()),
        "c": case["local_id"],
        "k": kind,
        "v": case["version"] if base is None else base,
        "p": payload,
        "a": actor,
        "t": to_text(NOW),
    }


def create_op(actor: str, **payload: Any) -> dict[str, Any]:
    """A `create` op as a desk sends it for a complaint taken at its counter, by `actor` at NOW
    with new ids; `payload` adds to (or replaces) its title and body."""
    from ulid import ULID

    from db.timefmt import to_text

    return {
        "id": str(ULID()),
        "c": str(ULID()),
        "k": "create",
        "v": 0,
        "p": {"title": "Lampu jalan mati", "body": "Sudah seminggu.", **payload},
        "a": actor,
        "t": to_text(NOW),
    }
