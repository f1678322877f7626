"""The officer actions as the services' callers see them: what each writes and what it refuses."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

import pytest
import sqlite_utils

from db import audit
from desk import services
from desk.automatic import apply_automatic_transitions
from desk.errors import ActionRefused, InvalidInput, NotFound, StaleCase
from desk.i18n import set_language
from desk.workflow import Action
from tests.conftest import (
    ADMIN,
    NOW,
    PETUGAS_DINKES,
    PETUGAS_PUPR,
    case_in,
    new_case,
    snapshot,
)


def test_an_action_writes_case_timeline_outbox_and_audit_together(
    database: sqlite_utils.Database,
) -> None:
    case = new_case(database)
    outcome = services.perform(
        database, ADMIN, Action.VERIFY, "#8112829", unit_code="pupr", now=NOW
    )
    assert outcome.case["status"] == "terverifikasi"
    assert outcome.case["unit_code"] == "PUPR"  # unit codes are matched case-insensitively
    assert outcome.case["version"] == case["version"] + 1
    event = database.execute(
        "SELECT kind, actor_nip, from_status, to_status, visibility, uid FROM events WHERE id = ?",
        [outcome.event_id],
    ).fetchone()
    # The event's uid is the op id: the server's copy of it, pulled back, is recognised.
    assert event == ("verify", ADMIN.nip, "baru", "terverifikasi", "public", outcome.op_id)
    op = database.execute(
        "SELECT kind, base_version, payload, state, case_local_id FROM outbox WHERE op_id = ?",
        [outcome.op_id],
    ).fetchone()
    assert op[0] == "verify" and op[1] == case["version"] and op[3] == "pending"
    assert json.loads(op[2]) == {"status": "terverifikasi", "unit": "PUPR"}
    assert op[4] == case["local_id"]
    assert len(outcome.op_id) == 26  # a ULID
    entry = database.execute(
        "SELECT actor_nip, action, case_id FROM audit_log WHERE seq = ?", [outcome.audit_seq]
    ).fetchone()
    assert entry == (ADMIN.nip, "verify", case["id"])
    assert audit.verify(database) is None


def test_a_failure_midway_leaves_nothing_written(
    database: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = case_in(database, "terverifikasi")
    before = snapshot(database)

    def disk_full(*args: object, **kwargs: object) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    # The audit entry is the last of the four writes: case, event and outbox are already done.
    monkeypatch.setattr(audit, "append", disk_full)
    with pytest.raises(sqlite3.OperationalError):
        services.perform(
            database, PETUGAS_PUPR, Action.FOLLOW_UP, case["id"], text="Sudah.", now=NOW
        )
    assert snapshot(database) == before
    assert not database.conn.in_transaction


@pytest.mark.parametrize(
    ("status", "action", "kwargs", "message"),
    [
        ("baru", Action.HOLD, {"reason": "   "}, "memerlukan alasan"),
        ("terverifikasi", Action.RETURN, {}, "memerlukan alasan"),
        ("terverifikasi", Action.FOLLOW_UP, {"text": ""}, "memerlukan isi teks"),
        ("baru", Action.VERIFY, {}, "memerlukan unit tujuan"),
    ],
)
def test_missing_input_is_refused_with_a_reason_and_writes_nothing(
    database: sqlite_utils.Database,
    status: str,
    action: Action,
    kwargs: dict[str, str],
    message: str,
) -> None:
    case = case_in(database, status)
    actor = PETUGAS_PUPR if action in (Action.RETURN, Action.FOLLOW_UP) else ADMIN
    before = snapshot(database)
    with pytest.raises(InvalidInput, match=message):
        services.perform(database, actor, action, case["id"], now=NOW, **kwargs)
    assert snapshot(database) == before


def test_refusals_say_what_was_tried_and_why_in_the_chosen_language(
    database: sqlite_utils.Database,
) -> None:
    case = case_in(database, "terverifikasi")
    with pytest.raises(ActionRefused) as refused:
        services.perform(database, PETUGAS_PUPR, Action.DISPOSE, case["id"], unit_code="DINKES")
    assert "admin" in str(refused.value) and PETUGAS_PUPR.nip in str(refused.value)
    # Another unit's case: refused as a read, without naming its unit or status.
    with pytest.raises(ActionRefused) as refused:
        services.perform(database, PETUGAS_DINKES, Action.FOLLOW_UP, case["id"], text="x")
    assert "DINKES" in str(refused.value) and "PUPR" not in str(refused.value)
    assert "Terverifikasi" not in str(refused.value)
    set_language("en")
    with pytest.raises(ActionRefused, match="Cannot close a case that is 'Assigned to a unit'"):
        services.perform(database, ADMIN, Action.CLOSE, case["id"])


def test_unknown_unit_case_and_officer_are_named(database: sqlite_utils.Database) -> None:
    case = new_case(database)
    with pytest.raises(NotFound, match="XYZ"):
        services.perform(database, ADMIN, Action.VERIFY, case["id"], unit_code="XYZ")
    with pytest.raises(NotFound, match="9999999"):
        services.perform(database, ADMIN, Action.VERIFY, "#9999999", unit_code="PUPR")
    with pytest.raises(NotFound, match="123"):
        services.load_actor(database, "123")


def test_disposing_to_the_same_unit_again_is_refused(database: sqlite_utils.Database) -> None:
    case = case_in(database, "terverifikasi")
    with pytest.raises(InvalidInput, match="PUPR"):
        services.perform(database, ADMIN, Action.DISPOSE, case["id"], unit_code="PUPR")


def test_assign_only_to_an_officer_of_the_case_unit(database: sqlite_utils.Database) -> None:
    case = case_in(database, "terverifikasi")
    with pytest.raises(InvalidInput, match=PETUGAS_DINKES.nip):
        services.perform(database, ADMIN, Action.ASSIGN, case["id"], officer_nip=PETUGAS_DINKES.nip)
    outcome = services.perform(
        database, PETUGAS_PUPR, Action.ASSIGN, case["id"], officer_nip=PETUGAS_PUPR.nip
    )
    assert outcome.case["assignee_nip"] == PETUGAS_PUPR.nip
    # Disposing elsewhere clears the assignment: the new unit assigns its own officer.
    moved = services.perform(database, ADMIN, Action.DISPOSE, case["id"], unit_code="DINKES")
    assert moved.case["assignee_nip"] is None


def test_a_stale_version_is_refused(database: sqlite_utils.Database) -> None:
    case = case_in(database, "terverifikasi")
    services.perform(database, PETUGAS_PUPR, Action.NOTE, case["id"], text="Cek lapangan besok")
    with pytest.raises(StaleCase, match="versi"):
        services.perform(
            database,
            PETUGAS_PUPR,
            Action.FOLLOW_UP,
            case["id"],
            text="Sudah",
            expected_version=case["version"],
        )


def test_archive_as_duplicate_links_the_original(database: sqlite_utils.Database) -> None:
    original = new_case(database, "8000001")
    copy = new_case(database, "8000002")
    outcome = services.perform(
        database, ADMIN, Action.ARCHIVE, copy["id"], reason="Duplikat", duplicate_of="#8000001"
    )
    assert outcome.case["duplicate_of"] == original["id"]
    with pytest.raises(InvalidInput):
        services.perform(
            database, ADMIN, Action.ARCHIVE, original["id"], reason="x", duplicate_of="#8000001"
        )


def test_replies_are_public_and_notes_internal(database: sqlite_utils.Database) -> None:
    case = case_in(database, "terverifikasi")
    services.perform(database, PETUGAS_PUPR, Action.NOTE, case["id"], text="Hubungi UPTD", now=NOW)
    services.perform(database, PETUGAS_PUPR, Action.FOLLOW_UP, case["id"], text="Sudah", now=NOW)
    rows = database.execute(
        "SELECT kind, visibility, body FROM events WHERE case_id = ? AND kind IN "
        "('note', 'follow_up') ORDER BY id",
        [case["id"]],
    ).fetchall()
    assert rows == [("note", "internal", "Hubungi UPTD"), ("follow_up", "public", "Sudah")]


def test_clocks_follow_the_case(database: sqlite_utils.Database) -> None:
    # NOW is Tuesday 2026-11-10, 09:00 WITA.
    case = new_case(database)
    assert (case["due_at"], case["due_kind"]) == ("2026-11-13T15:59:59Z", "verifikasi")  # Fri
    verified = services.perform(
        database, ADMIN, Action.VERIFY, case["id"], unit_code="PUPR", now=NOW
    ).case
    assert (verified["due_at"], verified["due_kind"]) == ("2026-11-17T15:59:59Z", "tindak_lanjut")
    followed = services.perform(
        database, PETUGAS_PUPR, Action.FOLLOW_UP, case["id"], text="Ok", now=NOW
    ).case
    assert followed["due_at"] is None
    assert (followed["auto_at"], followed["auto_kind"]) == (
        "2026-11-24T15:59:59Z",
        "tutup_otomatis",
    )


def test_hold_pauses_the_verification_clock(database: sqlite_utils.Database) -> None:
    case = new_case(database)  # due Friday 2026-11-13
    wednesday = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)
    held = services.perform(
        database, ADMIN, Action.HOLD, case["id"], reason="Foto kurang", now=wednesday
    ).case
    assert held["due_at"] is None and held["hold_remaining_hk"] == 2  # Thu and Fri were left
    assert held["auto_kind"] == "arsip_otomatis"
    monday = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    resumed = services.perform(
        database, ADMIN, Action.REPORTER_REPLY, case["id"], text="Foto terlampir", now=monday
    ).case
    assert resumed["status"] == "baru"
    assert resumed["due_at"] == "2026-11-25T15:59:59Z"  # two working days after Monday
    assert resumed["auto_at"] is None and resumed["hold_remaining_hk"] is None


def test_automatic_close_and_archive(database: sqlite_utils.Database) -> None:
    waiting = case_in(database, "diproses", "8000001")
    held = case_in(database, "tunda", "8000002")
    active = case_in(database, "terverifikasi", "8000003")
    assert apply_automatic_transitions(database, NOW).closed == 0
    later = datetime(2026, 12, 31, tzinfo=UTC)
    result = apply_automatic_transitions(database, later)
    assert (result.closed, result.archived) == (1, 1)
    assert services.find_case(database, waiting["id"])["status"] == "selesai"
    assert services.find_case(database, held["id"])["status"] == "diarsipkan"
    assert services.find_case(database, active["id"])["status"] == "terverifikasi"
    kinds = database.execute(
        "SELECT kind, actor_kind FROM events WHERE kind LIKE 'auto_%' ORDER BY kind"
    ).fetchall()
    assert kinds == [("auto_archive", "system"), ("auto_close", "system")]
    # Applied once: running again at the same instant changes nothing.
    assert apply_automatic_transitions(database, later).closed == 0
    assert audit.verify(database) is None


def test_disabled_officers_cannot_act(database: sqlite_utils.Database) -> None:
    database.execute("UPDATE officers SET active = 0 WHERE nip = ?", [PETUGAS_PUPR.nip])
    with pytest.raises(ActionRefused, match="dinonaktifkan"):
        services.load_actor(database, PETUGAS_PUPR.nip)


def test_a_bulk_action_does_what_it_may_and_reports_the_rest(
    database: sqlite_utils.Database,
) -> None:
    from desk.bulk import perform_many

    new = [new_case(database, str(8000000 + n))["id"] for n in range(3)]
    closed = case_in(database, "selesai", "8000009")["id"]
    result = perform_many(database, ADMIN, Action.VERIFY, [*new, closed], unit_code="PUPR", now=NOW)
    assert result.done == new
    assert [case_id for case_id, _ in result.refused] == [closed]
    assert "Selesai" in result.refused[0][1]
    statuses = {services.find_case(database, i)["status"] for i in new}
    assert statuses == {"terverifikasi"}
