"""`plan_action` decides from reference data alone: the same plan from any store, and a refusal
before anything is written (docs/central-postgresql.md, 1.2)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlite_utils

from desk import services
from desk.clocks import ReferenceData, SqliteReference
from desk.errors import ActionRefused, DeskError, InvalidInput, NotFound
from desk.workflow import Action, Actor, Role
from tests.conftest import (
    ADMIN,
    NOW,
    OFFICERS,
    PETUGAS_DINKES,
    PETUGAS_PUPR,
    PETUGAS_PUPR_2,
    case_in,
    new_case,
    snapshot,
)

MAKASSAR = "Asia/Makassar"
UID = "01JD0000000000000000000000"
# Thursday and Friday after NOW (Tuesday): one holiday for every unit, one for PUPR only.
HOLIDAYS = [("2026-11-12", None), ("2026-11-13", "PUPR")]


class MemoryReference:
    """`ReferenceData` from plain lists, no database: what another store must answer."""

    def __init__(
        self,
        cases: list[dict[str, Any]],
        holidays: list[tuple[str, str | None]],
        inactive_units: frozenset[str] = frozenset(),
    ) -> None:
        self.units = {code: MAKASSAR for code in ("SETDA", "PUPR", "DINKES", "DISDIK")}
        self.inactive_units = inactive_units
        self.officers = list(OFFICERS)
        self.cases = cases
        self.regional_holidays = holidays

    def office_zone(self) -> str | None:
        return None

    def unit_zone(self, code: str) -> str | None:
        return self.units.get(code)

    def holidays(self, unit: str | None) -> list[str]:
        return [day for day, held_by in self.regional_holidays if held_by in (None, unit)]

    def active_unit(self, code: str) -> str | None:
        return next(
            (
                unit
                for unit in self.units
                if unit.lower() == code.lower() and unit not in self.inactive_units
            ),
            None,
        )

    def petugas_of(self, nip: str, unit: str | None) -> str | None:
        return next(
            (
                officer.nip
                for officer in self.officers
                if officer.nip == nip and officer.unit_code == unit and officer.role is Role.PETUGAS
            ),
            None,
        )

    def case_ref(self, reference: str | int) -> dict[str, Any] | None:
        for case in self.cases:
            if reference == case["id"] or str(reference).lstrip("#") in (
                case["tracking_no"],
                case["local_id"],
            ):
                return case
        return None


def _memory(database: sqlite_utils.Database, **kwargs: Any) -> MemoryReference:
    holidays = kwargs.pop("holidays", HOLIDAYS)
    kwargs.setdefault("inactive_units", frozenset({"DISDIK"}))  # as in the `office` fixture
    return MemoryReference(list(database.query("SELECT * FROM cases")), holidays, **kwargs)


@pytest.fixture
def office(database: sqlite_utils.Database) -> sqlite_utils.Database:
    """The test office with HOLIDAYS, another case to be a duplicate of, DISDIK inactive."""
    database["regional_holidays"].insert_all(
        [{"day": day, "name": "Libur daerah", "unit_code": unit} for day, unit in HOLIDAYS]
    )
    database.execute("UPDATE units SET active = 0 WHERE code = 'DISDIK'")
    new_case(database, "8112830")
    return database


def _plan(
    reference: ReferenceData, actor: Actor, action: Action, case: dict[str, Any], **kw: Any
) -> services.Plan:
    return services.plan_action(reference, actor, action, case, now=NOW, uid=UID, **kw)


# (status walked into, actor, action, arguments, the status and clock kind the plan must set)
ACCEPTED: list[tuple[str, Actor, Action, dict[str, Any], str | None, str | None]] = [
    ("baru", ADMIN, Action.VERIFY, {"unit_code": " pupr "}, "terverifikasi", "tindak_lanjut"),
    (
        "terverifikasi",
        ADMIN,
        Action.DISPOSE,
        {"unit_code": "dinkes"},
        None,  # disposed again: the status stays
        "tindak_lanjut",
    ),
    (
        "terverifikasi",
        PETUGAS_PUPR,
        Action.RETURN,
        {"reason": " Bukan wewenang "},
        "dikembalikan",
        "verifikasi",
    ),
    ("baru", ADMIN, Action.HOLD, {"reason": "Lokasi belum jelas"}, "tunda", "arsip_otomatis"),
    ("tunda", ADMIN, Action.RESUME, {}, "baru", "verifikasi"),
    (
        "terverifikasi",
        PETUGAS_PUPR,
        Action.FOLLOW_UP,
        {"text": "Dijadwalkan."},
        "diproses",
        "tutup_otomatis",
    ),
    ("diproses", PETUGAS_PUPR, Action.ASSIGN, {"officer_nip": PETUGAS_PUPR_2.nip}, None, None),
    ("ditanggapi", PETUGAS_PUPR, Action.CLOSE, {}, "selesai", None),
    (
        "baru",
        ADMIN,
        Action.ARCHIVE,
        {"reason": "Laporan ganda", "duplicate_of": "#8112830"},
        "diarsipkan",
        None,
    ),
]


@pytest.mark.parametrize(
    ("status", "actor", "action", "kwargs", "new_status", "clock_kind"),
    ACCEPTED,
    ids=[row[2].value for row in ACCEPTED],
)
def test_a_plan_from_memory_is_the_plan_from_sqlite_and_what_apply_action_writes(
    office: sqlite_utils.Database,
    status: str,
    actor: Actor,
    action: Action,
    kwargs: dict[str, Any],
    new_status: str | None,
    clock_kind: str | None,
) -> None:
    case = case_in(office, status)
    from_memory = _plan(_memory(office), actor, action, case, **kwargs)
    from_sqlite = _plan(SqliteReference(office), actor, action, case, **kwargs)
    assert from_memory == from_sqlite
    assert from_memory.changes.get("status") == new_status
    assert (from_memory.changes.get("due_kind") or from_memory.changes.get("auto_kind")) == (
        clock_kind
    )
    assert from_memory.case_id == case["id"] and from_memory.expected_version == case["version"]

    applied = services.apply_action(office, actor, action, case, now=NOW, uid=UID, **kwargs)
    assert {column: applied.case[column] for column in from_memory.changes} == from_memory.changes
    assert applied.payload == from_memory.payload
    event = office.execute(
        "SELECT case_id, kind, from_status, to_status, unit_code, body, uid FROM events "
        "WHERE id = ?",
        [applied.event_id],
    ).fetchone()
    planned = from_memory.event
    assert event == tuple(
        planned[k]
        for k in ("case_id", "kind", "from_status", "to_status", "unit_code", "body", "uid")
    )


def test_the_plan_names_the_duplicate_by_local_id_and_keeps_text_out_of_the_event_data(
    office: sqlite_utils.Database,
) -> None:
    case = case_in(office, "baru")
    original = services.find_case(office, "#8112830")
    plan = _plan(
        _memory(office), ADMIN, Action.ARCHIVE, case, reason=" Ganda ", duplicate_of="8112830"
    )
    assert plan.changes["duplicate_of"] == original["id"]
    assert plan.payload == {
        "status": "diarsipkan",
        "duplicate_of": original["local_id"],
        "reason": "Ganda",
    }
    assert plan.event["data"] == {"duplicate_of": original["local_id"]}
    assert plan.event["body"] == "Ganda" and plan.event["visibility"] == "internal"


def test_the_clock_counts_the_holidays_the_reference_gives(office: sqlite_utils.Database) -> None:
    case = case_in(office, "baru")

    def due(holidays: list[tuple[str, str | None]]) -> str:
        reference = _memory(office, holidays=holidays)
        return str(_plan(reference, ADMIN, Action.VERIFY, case, unit_code="PUPR").changes["due_at"])

    # 5 HK from Tuesday 10 November, end of the day in Makassar (15:59:59Z).
    assert due([]) == "2026-11-17T15:59:59Z"
    assert due(HOLIDAYS) == "2026-11-19T15:59:59Z"  # Thursday and Friday are off for PUPR
    assert due([("2026-11-13", "DINKES")]) == "2026-11-17T15:59:59Z"  # another unit's holiday


# (status walked into, actor, action, arguments, the error, words of its message)
REFUSED: list[tuple[str, Actor, Action, dict[str, Any], type[DeskError], str]] = [
    (
        "terverifikasi",
        PETUGAS_PUPR,
        Action.DISPOSE,
        {"unit_code": "DINKES"},
        ActionRefused,
        "admin",
    ),
    ("baru", ADMIN, Action.HOLD, {"reason": "  "}, InvalidInput, "memerlukan alasan"),
    ("baru", ADMIN, Action.VERIFY, {"unit_code": " "}, InvalidInput, "memerlukan unit tujuan"),
    ("baru", ADMIN, Action.VERIFY, {"unit_code": "XYZ"}, NotFound, "XYZ"),
    ("baru", ADMIN, Action.VERIFY, {"unit_code": "disdik"}, NotFound, "disdik"),  # inactive
    ("terverifikasi", ADMIN, Action.DISPOSE, {"unit_code": "pupr"}, InvalidInput, "PUPR"),
    (
        "diproses",
        ADMIN,
        Action.ASSIGN,
        {"officer_nip": PETUGAS_DINKES.nip},
        InvalidInput,
        PETUGAS_DINKES.nip,
    ),
    (
        "diproses",
        ADMIN,
        Action.ASSIGN,
        {"officer_nip": ADMIN.nip},
        InvalidInput,
        ADMIN.nip,
    ),  # not a petugas
    ("baru", ADMIN, Action.ARCHIVE, {"reason": "Ganda", "duplicate_of": "#999"}, NotFound, "#999"),
    (
        "baru",
        ADMIN,
        Action.ARCHIVE,
        {"reason": "Ganda", "duplicate_of": "#8112829"},
        InvalidInput,
        "sendiri",
    ),
]


@pytest.mark.parametrize(
    ("status", "actor", "action", "kwargs", "error", "words"),
    REFUSED,
    ids=[f"{row[2].value}-{row[4].__name__}-{i}" for i, row in enumerate(REFUSED)],
)
def test_a_refusal_is_the_same_from_any_reference_and_nothing_is_written(
    office: sqlite_utils.Database,
    status: str,
    actor: Actor,
    action: Action,
    kwargs: dict[str, Any],
    error: type[DeskError],
    words: str,
) -> None:
    case = case_in(office, status)
    with pytest.raises(error) as from_memory:
        _plan(_memory(office), actor, action, case, **kwargs)
    assert words in str(from_memory.value)
    with pytest.raises(error) as from_sqlite:
        _plan(SqliteReference(office), actor, action, case, **kwargs)
    assert str(from_sqlite.value) == str(from_memory.value)

    # No transaction around it here: anything written before the refusal would stay.
    before = snapshot(office)
    with pytest.raises(error) as from_apply:
        services.apply_action(office, actor, action, case, now=NOW, uid=UID, **kwargs)
    assert str(from_apply.value) == str(from_memory.value)
    assert snapshot(office) == before
