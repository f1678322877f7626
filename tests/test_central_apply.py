"""Applying pushed operations on the central store: rules, dedup, scope, roles, conflicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from ulid import ULID

from db.timefmt import to_text
from desk import services
from desk.central.apply import apply_op
from desk.central.store import Office, add_office, list_offices, open_central
from tests.conftest import (
    ADMIN,
    NOW,
    PETUGAS_DINKES,
    PETUGAS_PUPR,
    PETUGAS_PUPR_2,
    PIMPINAN,
    case_in,
    make_office,
)


@pytest.fixture
def central(tmp_path: Path) -> sqlite_utils.Database:
    database = open_central(tmp_path / "central.db")
    make_office(database)
    add_office(database, "prov", ["SETDA"], coordinator=True)
    add_office(database, "pupr", ["PUPR"])
    add_office(database, "dinkes", ["DINKES"])
    return database


def office(database: sqlite_utils.Database, name: str) -> Office:
    return next(o for o in list_offices(database) if o.name == name)


def op(
    case: dict[str, Any], kind: str, actor: str, base: int | None = None, **p: str
) -> dict[str, Any]:
    return {
        "id": str(ULID()),
        "c": case["local_id"],
        "k": kind,
        "v": case["version"] if base is None else base,
        "p": p,
        "a": actor,
        "t": to_text(NOW),
    }


def push(database: sqlite_utils.Database, name: str, operation: dict[str, Any]) -> dict[str, Any]:
    return apply_op(database, office(database, name), operation, NOW)


def current(database: sqlite_utils.Database, case: dict[str, Any]) -> dict[str, Any]:
    return services.find_case(database, case["id"])


def events_with_uid(database: sqlite_utils.Database, uid: str) -> list[dict[str, Any]]:
    return list(database.query("SELECT * FROM events WHERE uid = ?", [uid]))


# Every action kind, from the state it starts in, by an officer who may take it.
KINDS = [
    ("baru", "prov", ADMIN, "verify", {"unit": "PUPR"}, "terverifikasi"),
    ("terverifikasi", "prov", ADMIN, "dispose", {"unit": "DINKES"}, "terverifikasi"),
    ("baru", "prov", ADMIN, "hold", {"reason": "Lokasi belum jelas"}, "tunda"),
    ("tunda", "prov", ADMIN, "resume", {}, "baru"),
    ("terverifikasi", "pupr", PETUGAS_PUPR, "return", {"reason": "Jalan nasional"}, "dikembalikan"),
    ("terverifikasi", "pupr", PETUGAS_PUPR, "follow_up", {"text": "Dijadwalkan."}, "diproses"),
    ("diproses", "pupr", PETUGAS_PUPR, "note", {"text": "Cek lapangan Senin."}, "diproses"),
    ("diproses", "pupr", PETUGAS_PUPR, "assign", {"assignee": PETUGAS_PUPR_2.nip}, "diproses"),
    ("ditanggapi", "pupr", PETUGAS_PUPR, "close", {}, "selesai"),
    ("selesai", "prov", ADMIN, "reopen", {"reason": "Pelapor keberatan"}, "ditanggapi"),
    ("baru", "prov", ADMIN, "archive", {"reason": "Spam"}, "diarsipkan"),
    ("diarsipkan", "prov", ADMIN, "restore", {}, "baru"),
    ("diproses", "pupr", PETUGAS_PUPR, "reporter_reply", {"text": "Belum beres."}, "ditanggapi"),
]


@pytest.mark.parametrize(("start", "who", "actor", "kind", "payload", "end"), KINDS)
def test_every_action_kind_applies_with_the_desk_rules(
    central: sqlite_utils.Database,
    start: str,
    who: str,
    actor: Any,
    kind: str,
    payload: dict[str, str],
    end: str,
) -> None:
    case = case_in(central, start)
    operation = op(case, kind, actor.nip, **payload)
    result = push(central, who, operation)
    assert result == {"id": operation["id"], "r": "applied", "v": case["version"] + 1}
    after = current(central, case)
    assert after["status"] == end
    assert after["version"] == case["version"] + 1
    [event] = events_with_uid(central, operation["id"])
    assert event["kind"] == kind
    assert event["actor_nip"] == actor.nip
    if kind == "assign":
        assert after["assignee_nip"] == PETUGAS_PUPR_2.nip
    if kind in ("verify", "dispose"):
        assert after["unit_code"] == payload["unit"]
    audit = central.execute("SELECT detail FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()[0]
    assert json.loads(audit)["op_id"] == operation["id"]
    assert json.loads(audit)["office"] == who


def test_clocks_follow_the_desk_rules(central: sqlite_utils.Database) -> None:
    case = case_in(central, "terverifikasi")
    push(central, "pupr", op(case, "follow_up", PETUGAS_PUPR.nip, text="Dijadwalkan."))
    after = current(central, case)
    assert after["auto_kind"] == "tutup_otomatis"
    assert after["auto_at"] > to_text(NOW)
    assert after["due_at"] is None


def test_replaying_an_op_gives_duplicate_and_never_a_second_event(
    central: sqlite_utils.Database,
) -> None:
    case = case_in(central, "diproses")
    operation = op(case, "note", PETUGAS_PUPR.nip, text="Sekali saja.")
    first = push(central, "pupr", operation)
    again = push(central, "pupr", dict(operation))
    assert first["r"] == "applied"
    assert again == {**first, "r": "duplicate"}
    assert len(events_with_uid(central, operation["id"])) == 1
    assert current(central, case)["version"] == case["version"] + 1


def test_a_reused_op_id_with_other_content_is_rejected(central: sqlite_utils.Database) -> None:
    case = case_in(central, "diproses")
    operation = op(case, "note", PETUGAS_PUPR.nip, text="Pertama.")
    push(central, "pupr", operation)
    reused = {**operation, "p": {"text": "Lain."}}
    result = push(central, "pupr", reused)
    assert (result["r"], result["s"], result["code"]) == ("rejected", 409, "op_reused")
    assert [e["body"] for e in events_with_uid(central, operation["id"])] == ["Pertama."]


def test_a_refused_op_is_recorded_and_replays_the_same_refusal(
    central: sqlite_utils.Database,
) -> None:
    case = case_in(central, "baru")
    operation = op(case, "close", ADMIN.nip)
    first = push(central, "prov", operation)
    assert (first["r"], first["s"], first["code"]) == ("rejected", 422, "invalid")
    assert push(central, "prov", operation) == first
    assert current(central, case)["version"] == case["version"]


def test_an_office_cannot_write_another_offices_cases(central: sqlite_utils.Database) -> None:
    case = case_in(central, "terverifikasi")  # disposed to PUPR
    before = current(central, case)
    result = push(central, "dinkes", op(case, "note", PETUGAS_DINKES.nip, text="Bukan milik kami"))
    assert (result["r"], result["s"], result["code"]) == ("rejected", 403, "scope")
    assert current(central, case) == before


def test_an_officer_of_another_office_is_refused(central: sqlite_utils.Database) -> None:
    case = case_in(central, "terverifikasi")
    result = push(central, "pupr", op(case, "note", PETUGAS_DINKES.nip, text="Menyamar"))
    assert (result["r"], result["s"], result["code"]) == ("rejected", 403, "scope")


def test_unknown_officers_and_roles_are_refused(central: sqlite_utils.Database) -> None:
    case = case_in(central, "terverifikasi")
    unknown = push(central, "pupr", op(case, "note", "199999999999999999", text="Siapa?"))
    assert (unknown["s"], unknown["code"]) == (403, "role")
    # A petugas may not dispose, a pimpinan acts on nothing.
    add_office(central, "setda", ["SETDA"])
    dispose = push(central, "pupr", op(case, "dispose", PETUGAS_PUPR.nip, unit="DINKES"))
    assert (dispose["r"], dispose["s"], dispose["code"]) == ("rejected", 403, "role")
    boss = push(central, "prov", op(case, "note", PIMPINAN.nip, text="Tolong dipercepat"))
    assert (boss["s"], boss["code"]) == (403, "role")
    assert current(central, case)["version"] == case["version"]


def test_unknown_case_and_bad_payload(central: sqlite_utils.Database) -> None:
    case = case_in(central, "baru")
    ghost = {**op(case, "note", ADMIN.nip, text="x"), "c": str(ULID())}
    assert push(central, "prov", ghost)["code"] == "unknown_case"
    odd = op(case, "verify", ADMIN.nip, unit="PUPR", colour="red")
    assert push(central, "prov", odd)["code"] == "invalid"
    bad_unit = push(central, "prov", op(case, "verify", ADMIN.nip, unit="NOPE"))
    assert (bad_unit["r"], bad_unit["code"]) == ("rejected", "invalid")
    assert current(central, case)["status"] == "baru"


def test_non_overlapping_changes_merge(central: sqlite_utils.Database) -> None:
    case = case_in(central, "diproses")
    base = case["version"]
    # The server moved on: another desk assigned the case (assignee).
    first = push(central, "pupr", op(case, "assign", PETUGAS_PUPR.nip, assignee=PETUGAS_PUPR_2.nip))
    assert first["r"] == "applied"
    # A desk that saw the old version closes it (status): no overlap, still allowed.
    result = push(central, "prov", op(case, "close", ADMIN.nip, base=base))
    assert result == {"id": result["id"], "r": "applied", "v": base + 2}
    after = current(central, case)
    assert (after["status"], after["assignee_nip"]) == ("selesai", PETUGAS_PUPR_2.nip)


def test_overlapping_changes_conflict(central: sqlite_utils.Database) -> None:
    case = case_in(central, "terverifikasi")
    base = case["version"]
    assert push(central, "prov", op(case, "dispose", ADMIN.nip, unit="DINKES"))["r"] == "applied"
    stale = op(case, "dispose", ADMIN.nip, base=base, unit="DISDIK")
    result = push(central, "prov", stale)
    assert (result["r"], result["s"], result["v"]) == ("conflict", 409, base + 1)
    assert result["fields"] == ["unit_code"]
    assert result["case"]["unit_code"] == "DINKES"
    assert result["case"]["local_id"] == case["local_id"]
    assert current(central, case)["unit_code"] == "DINKES"
    assert events_with_uid(central, stale["id"]) == []


def test_notes_always_apply_on_a_moved_case(central: sqlite_utils.Database) -> None:
    case = case_in(central, "ditanggapi")
    base = case["version"]
    assert push(central, "pupr", op(case, "close", PETUGAS_PUPR.nip))["r"] == "applied"
    note = op(case, "note", PETUGAS_PUPR.nip, base=base, text="Catatan lama")
    assert push(central, "pupr", note)["r"] == "applied"
    assert current(central, case)["status"] == "selesai"


def test_a_follow_up_on_a_case_closed_meanwhile_conflicts_on_status(
    central: sqlite_utils.Database,
) -> None:
    case = case_in(central, "ditanggapi")
    base = case["version"]
    assert push(central, "pupr", op(case, "close", PETUGAS_PUPR.nip))["r"] == "applied"
    late = op(case, "follow_up", PETUGAS_PUPR_2.nip, base=base, text="Sudah kami perbaiki.")
    result = push(central, "pupr", late)
    assert (result["r"], result["fields"]) == ("conflict", ["status"])
    assert result["case"]["status"] == "selesai"


def test_a_follow_up_merges_when_still_allowed(central: sqlite_utils.Database) -> None:
    case = case_in(central, "diproses")
    base = case["version"]
    reply = op(case, "reporter_reply", PETUGAS_PUPR.nip, text="Belum beres.")
    assert push(central, "pupr", reply)["r"] == "applied"  # diproses → ditanggapi
    late = op(case, "follow_up", PETUGAS_PUPR_2.nip, base=base, text="Dikerjakan besok.")
    assert push(central, "pupr", late)["r"] == "applied"
    assert current(central, case)["status"] == "diproses"


def test_history_older_than_the_log_counts_as_changed(central: sqlite_utils.Database) -> None:
    case = case_in(central, "diproses")
    central.execute("DELETE FROM case_versions WHERE case_id = ?", [case["id"]])
    result = push(
        central, "pupr", op(case, "assign", PETUGAS_PUPR.nip, base=1, assignee=PETUGAS_PUPR_2.nip)
    )
    assert result["r"] == "conflict"


def test_ops_stacked_offline_on_one_case_are_judged_against_what_the_desk_saw(
    central: sqlite_utils.Database,
) -> None:
    case = case_in(central, "baru")
    v = case["version"]
    # Meanwhile another desk adds a note (server version v+1).
    assert push(central, "prov", op(case, "note", ADMIN.nip, text="Dicek."))["r"] == "applied"
    # This desk verified (desk version v+1) then assigned (base v+1, its own version).
    verify = op(case, "verify", ADMIN.nip, base=v, unit="PUPR")
    assign = op(case, "assign", ADMIN.nip, base=v + 1, assignee=PETUGAS_PUPR.nip)
    assert push(central, "prov", verify) == {"id": verify["id"], "r": "applied", "v": v + 2}
    # Without the effective base, assign (base v+1) would be judged as if the desk had seen the
    # verify's fields as someone else's change, and conflict on assignee_nip.
    assert push(central, "prov", assign)["r"] == "applied"
    after = current(central, case)
    assert (after["status"], after["unit_code"], after["assignee_nip"]) == (
        "terverifikasi",
        "PUPR",
        PETUGAS_PUPR.nip,
    )


def test_a_base_version_from_the_future_is_refused(central: sqlite_utils.Database) -> None:
    case = case_in(central, "baru")
    result = push(central, "prov", op(case, "note", ADMIN.nip, base=case["version"] + 5, text="x"))
    assert (result["r"], result["code"]) == ("rejected", "invalid")


def test_create_records_the_case_with_a_tracking_number(central: sqlite_utils.Database) -> None:
    local_id = str(ULID())
    operation = {
        "id": str(ULID()),
        "c": local_id,
        "k": "create",
        "v": 0,
        "p": {
            "title": "Lampu jalan mati",
            "body": "Sudah seminggu.",
            "anonymous": True,
            "reporter": {"name": "Rina", "phone": "0812"},
        },
        "a": PETUGAS_PUPR.nip,
        "t": to_text(NOW),
    }
    result = push(central, "pupr", operation)
    assert (result["r"], result["v"]) == ("applied", 1)
    number = result["tracking"]
    case = services.find_case(central, local_id)
    assert (case["tracking_no"], case["status"], case["anonymous"]) == (number, "baru", 1)
    assert case["due_kind"] == "verifikasi"
    [event] = events_with_uid(central, operation["id"])
    assert event["kind"] == "received"
    # Replayed: the same tracking number, no second case.
    assert push(central, "pupr", operation)["tracking"] == number
    assert (
        central.execute("SELECT count(*) FROM cases WHERE local_id = ?", [local_id]).fetchone()[0]
        == 1
    )
    # The creating office keeps it in scope while it has no unit (a petugas still may not act
    # on a case of no unit: the desk's rule); another office does not have it at all; the
    # coordinator verifies it.
    note = op(case, "note", PETUGAS_PUPR.nip, text="Pelapor datang ke loket.")
    assert push(central, "pupr", note)["code"] == "role"
    assert (
        push(central, "dinkes", op(case, "note", PETUGAS_DINKES.nip, text="x"))["code"] == "scope"
    )
    verify = op(current(central, case), "verify", ADMIN.nip, unit="DINKES")
    assert push(central, "prov", verify)["r"] == "applied"


def test_a_pimpinan_does_not_create(central: sqlite_utils.Database) -> None:
    operation = {
        "id": str(ULID()),
        "c": str(ULID()),
        "k": "create",
        "v": 0,
        "p": {"title": "x", "body": "y"},
        "a": PIMPINAN.nip,
    }
    assert push(central, "prov", operation)["code"] == "role"


def test_keep_mine_after_a_conflict_applies_on_the_servers_version(
    central: sqlite_utils.Database,
) -> None:
    case = case_in(central, "baru")
    v = case["version"]
    assert push(central, "prov", op(case, "verify", ADMIN.nip, unit="PUPR"))["r"] == "applied"
    add_office(central, "hub2", ["SETDA"], coordinator=True)
    clash = push(central, "hub2", op(case, "verify", ADMIN.nip, base=v, unit="DINKES"))
    assert (clash["r"], clash["v"]) == ("conflict", v + 1)
    # "Keep mine": the same intent, a new op on the server's version from the conflict.
    mine = op(current(central, case), "dispose", ADMIN.nip, unit="DINKES")
    assert mine["v"] == clash["v"]
    assert push(central, "hub2", mine)["r"] == "applied"
    assert current(central, case)["unit_code"] == "DINKES"


def test_an_op_stacked_on_a_conflicting_one_in_the_same_push_conflicts_too(
    central: sqlite_utils.Database,
) -> None:
    case = case_in(central, "baru")
    v = case["version"]
    held = op(case, "hold", ADMIN.nip, reason="Data kurang")
    assert push(central, "prov", held)["r"] == "applied"
    # Another desk, offline at version v: verified to PUPR (v+1 locally), then assigned.
    add_office(central, "hub2", ["SETDA"], coordinator=True)
    verify = op(case, "verify", ADMIN.nip, base=v, unit="PUPR")
    assign = op(case, "assign", ADMIN.nip, base=v + 1, assignee=PETUGAS_PUPR.nip)
    batch = frozenset({verify["id"], assign["id"]})
    hub2 = office(central, "hub2")
    assert apply_op(central, hub2, verify, NOW, batch)["r"] == "conflict"
    # Its base v+1 is the desk's own version (made by the refused verify), not the server's
    # v+1 (the hold): judged from v, it is a conflict for an officer to resolve, not an action
    # the desk took on a case it knew was on hold.
    result = apply_op(central, hub2, assign, NOW, batch)
    # The fields where the outcomes differ: assign is refused from the server's status, and the
    # officer it names is not the server's assignee.
    assert (result["r"], result["fields"]) == ("conflict", ["status", "assignee_nip"])
    assert current(central, case)["status"] == "tunda"


def test_created_cases_get_new_numbers_after_the_highest_known(
    central: sqlite_utils.Database,
) -> None:
    case_in(central, "baru", "9000005")  # a number already in use (e.g. imported)
    numbers = []
    for title in ("Satu", "Dua"):
        operation = {
            "id": str(ULID()),
            "c": str(ULID()),
            "k": "create",
            "v": 0,
            "p": {"title": title, "body": "Isi"},
            "a": ADMIN.nip,
        }
        numbers.append(push(central, "prov", operation)["tracking"])
    assert numbers == ["9000006", "9000007"]


# -- issue 14: refusals keep the effective base; outcomes in place; honest conflict fields ------


def test_an_op_stacked_on_one_refused_for_its_officer_is_judged_from_what_the_desk_saw(
    central: sqlite_utils.Database,
) -> None:
    case = case_in(central, "terverifikasi")  # at PUPR
    v = case["version"]
    central.execute("UPDATE officers SET active = 0 WHERE nip = ?", [PETUGAS_PUPR.nip])
    # Offline at version v, one desk: a follow-up (desk v+1), an assignment (v+2), a close.
    follow_up = op(case, "follow_up", PETUGAS_PUPR.nip, base=v, text="Sudah diperbaiki.")
    assign = op(case, "assign", PETUGAS_PUPR_2.nip, base=v + 1, assignee=PETUGAS_PUPR_2.nip)
    close = op(case, "close", PETUGAS_PUPR_2.nip, base=v + 2)
    refused = push(central, "pupr", follow_up)
    assert (refused["r"], refused["code"]) == ("rejected", "role")
    # Judged from the refused follow-up's base (the server's v), not refused as "ahead".
    assert push(central, "pupr", assign) == {"id": assign["id"], "r": "applied", "v": v + 1}
    # The close was made on the follow-up's status, which the server never had: refused by
    # the rules from the server's status, with the reason the rules give.
    closed = push(central, "pupr", close)
    assert (closed["r"], closed["code"]) == ("rejected", "invalid")
    assert "Terdisposisi" in closed["reason"] or "terverifikasi" in closed["reason"]
    after = current(central, case)
    assert (after["status"], after["assignee_nip"], after["version"]) == (
        "terverifikasi",
        PETUGAS_PUPR_2.nip,
        v + 1,
    )


@pytest.mark.parametrize(
    ("start", "who", "actor", "kind", "payload", "theirs"),
    [
        ("ditanggapi", "pupr", PETUGAS_PUPR, "close", {}, ("close", {})),
        (
            "terverifikasi",
            "prov",
            ADMIN,
            "dispose",
            {"unit": "DINKES"},
            ("dispose", {"unit": "DINKES"}),
        ),
        ("baru", "prov", ADMIN, "verify", {"unit": "PUPR"}, ("verify", {"unit": "PUPR"})),
        (
            "diproses",
            "pupr",
            PETUGAS_PUPR,
            "assign",
            {"assignee": PETUGAS_PUPR_2.nip},
            ("assign", {"assignee": PETUGAS_PUPR_2.nip}),
        ),
        ("baru", "prov", ADMIN, "hold", {"reason": "Foto kurang"}, ("hold", {"reason": "x"})),
    ],
)
def test_an_outcome_already_in_place_is_same_not_a_conflict(
    central: sqlite_utils.Database,
    start: str,
    who: str,
    actor: Any,
    kind: str,
    payload: dict[str, str],
    theirs: tuple[str, dict[str, str]],
) -> None:
    case = case_in(central, start)
    v = case["version"]
    first_kind, first_payload = theirs
    # Another desk of the same office got there first, with the same outcome.
    first = push(central, who, op(case, first_kind, actor.nip, **first_payload))
    assert first["r"] == "applied"
    late = op(case, kind, actor.nip, base=v, **payload)
    result = push(central, who, late)
    assert result == {"id": late["id"], "r": "same", "v": v + 1}
    assert events_with_uid(central, late["id"]) == []
    assert current(central, case)["version"] == v + 1
    assert push(central, who, dict(late)) == result  # replayed: the same answer


def test_an_op_stacked_on_an_outcome_in_place_is_judged_from_that_version(
    central: sqlite_utils.Database,
) -> None:
    case = case_in(central, "ditanggapi")
    v = case["version"]
    assert push(central, "pupr", op(case, "close", PETUGAS_PUPR.nip))["r"] == "applied"
    # The coordinator's desk, offline at v: closed (v+1 locally), then reopened it.
    close = op(case, "close", ADMIN.nip, base=v)
    reopen = op(case, "reopen", ADMIN.nip, base=v + 1, reason="Pelapor keberatan")
    assert push(central, "prov", close)["r"] == "same"
    assert push(central, "prov", reopen) == {"id": reopen["id"], "r": "applied", "v": v + 2}
    assert current(central, case)["status"] == "ditanggapi"


def test_an_attach_makes_no_desk_version_for_the_ops_after_it(
    central: sqlite_utils.Database,
) -> None:
    case = case_in(central, "diproses")
    v = case["version"]
    meta = {"sha256": "a" * 64, "name": "foto.jpg", "size": 10, "media_type": "image/jpeg"}
    assert push(central, "pupr", op(case, "attach", PETUGAS_PUPR.nip, **meta))["r"] == "applied"
    # Another desk assigns the case (v+1); this desk pulls it and assigns it back, on v+1.
    other = push(central, "prov", op(case, "assign", ADMIN.nip, assignee=PETUGAS_PUPR_2.nip))
    assert other["r"] == "applied"
    back = op(case, "assign", PETUGAS_PUPR.nip, base=v + 1, assignee=PETUGAS_PUPR.nip)
    # The attach (base v) did not make desk version v+1: this is the server's v+1, no conflict.
    assert push(central, "pupr", back)["r"] == "applied"
    assert current(central, case)["assignee_nip"] == PETUGAS_PUPR.nip


def test_a_conflict_names_the_fields_where_the_outcomes_differ(
    central: sqlite_utils.Database,
) -> None:
    case = case_in(central, "baru")
    v = case["version"]
    assert push(central, "prov", op(case, "verify", ADMIN.nip, unit="DINKES"))["r"] == "applied"
    result = push(central, "prov", op(case, "verify", ADMIN.nip, base=v, unit="PUPR"))
    # Both verified: the status is the same; only the unit differs.
    assert (result["r"], result["fields"]) == ("conflict", ["unit_code"])
