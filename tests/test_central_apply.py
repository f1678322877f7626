"""Applying pushed operations on the central store: rules, dedup, scope, roles, conflicts.

On both central stores (`central_store`, tests/pg_support.py). A test's cases are made with the
desk's own services on a SQLite file before its first push (`Central.case_in`); then, for
PostgreSQL, that file is copied exactly into the test's database (`desk central migrate`), and
from there on everything goes through the store's API (`apply_ops`, `add_office`) or, to look
at or tamper with rows, `central_query`/`central_execute`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ulid import ULID

from db.timefmt import to_text
from desk.central.apply import DEFAULT_FILE_LIMITS
from desk.central.cases import CASE_COLUMNS
from desk.central.store import add_office, open_central
from desk.central.store_api import CentralStore, Office, open_store
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
from tests.conftest import (
    wire_op as op,
)
from tests.pg_support import central_execute, central_query, central_store  # noqa: F401
from tests.test_central_feed import settle, source

# The columns of a case the tests look at (`SELECT *` differs: PostgreSQL has `bucket` more).
CASE_ROW = ("id", *CASE_COLUMNS, "anonymous", "confidential", "duplicate_of", "conflict")
EVENT_ROW = ("id", "case_id", "at", "actor_kind", "actor_nip", "kind", "from_status", "to_status")
EVENT_ROW += ("unit_code", "body", "uid")


class Central:
    """The test's central store: built with the desk's services until it is first used
    (`case_in` only then), then used through its API on either store."""

    def __init__(self, location: str, tmp_path: Path) -> None:
        self.location = location
        self.path = source(location, tmp_path)
        self.database = open_central(self.path)
        make_office(self.database)
        add_office(self.database, "prov", ["SETDA"], coordinator=True)
        add_office(self.database, "pupr", ["PUPR"])
        add_office(self.database, "dinkes", ["DINKES"])
        self._store: CentralStore | None = None

    def case_in(self, status: str, number: str = "8112829") -> dict[str, Any]:
        assert self._store is None, "a test makes its cases before it pushes"
        return case_in(self.database, status, number)

    @property
    def store(self) -> CentralStore:
        if self._store is None:
            self.database.conn.close()
            settle(self.location, self.path)
            self._store = open_store(self.location)
        return self._store

    def close(self) -> None:
        if self._store is None:
            self.database.conn.close()
        else:
            self._store.close()

    def office(self, name: str) -> Office:
        return next(o for o in self.store.list_offices() if o.name == name)

    def add_office(self, name: str, units: list[str], *, coordinator: bool = False) -> None:
        self.store.add_office(name, units, coordinator=coordinator)

    def push(
        self, name: str, operation: dict[str, Any], request: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        [result] = self.store.apply_ops(
            self.office(name), [operation], lambda: NOW, request, DEFAULT_FILE_LIMITS
        )
        return result

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        self.store  # noqa: B018  (built and moved first)
        return central_query(self.location, sql, params or [])

    def execute(self, sql: str, params: list[Any] | None = None) -> int:
        self.store  # noqa: B018  (built and moved first)
        return central_execute(self.location, sql, params or [])

    def current(self, case: dict[str, Any]) -> dict[str, Any]:
        [row] = self.query(
            f"SELECT {', '.join(CASE_ROW)} FROM cases WHERE local_id = ?", [case["local_id"]]
        )
        return dict(zip(CASE_ROW, row, strict=True))

    def events_with_uid(self, uid: str) -> list[dict[str, Any]]:
        rows = self.query(f"SELECT {', '.join(EVENT_ROW)} FROM events WHERE uid = ?", [uid])
        return [dict(zip(EVENT_ROW, row, strict=True)) for row in rows]


@pytest.fixture
def central(central_store: str, tmp_path: Path) -> Any:  # noqa: F811
    central = Central(central_store, tmp_path)
    yield central
    central.close()


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
    central: Central,
    start: str,
    who: str,
    actor: Any,
    kind: str,
    payload: dict[str, str],
    end: str,
) -> None:
    case = central.case_in(start)
    operation = op(case, kind, actor.nip, **payload)
    result = central.push(who, operation)
    assert result == {"id": operation["id"], "r": "applied", "v": case["version"] + 1}
    after = central.current(case)
    assert after["status"] == end
    assert after["version"] == case["version"] + 1
    [event] = central.events_with_uid(operation["id"])
    assert event["kind"] == kind
    assert event["actor_nip"] == actor.nip
    if kind == "assign":
        assert after["assignee_nip"] == PETUGAS_PUPR_2.nip
    if kind in ("verify", "dispose"):
        assert after["unit_code"] == payload["unit"]
    [(audit,)] = central.query("SELECT detail FROM audit_log ORDER BY seq DESC LIMIT 1")
    assert json.loads(audit)["op_id"] == operation["id"]
    assert json.loads(audit)["office"] == who


def test_clocks_follow_the_desk_rules(central: Central) -> None:
    case = central.case_in("terverifikasi")
    central.push("pupr", op(case, "follow_up", PETUGAS_PUPR.nip, text="Dijadwalkan."))
    after = central.current(case)
    assert after["auto_kind"] == "tutup_otomatis"
    assert after["auto_at"] > to_text(NOW)
    assert after["due_at"] is None


def test_replaying_an_op_gives_duplicate_and_never_a_second_event(
    central: Central,
) -> None:
    case = central.case_in("diproses")
    operation = op(case, "note", PETUGAS_PUPR.nip, text="Sekali saja.")
    first = central.push("pupr", operation)
    again = central.push("pupr", dict(operation))
    assert first["r"] == "applied"
    assert again == {**first, "r": "duplicate"}
    assert len(central.events_with_uid(operation["id"])) == 1
    assert central.current(case)["version"] == case["version"] + 1


def test_a_reused_op_id_with_other_content_is_rejected(central: Central) -> None:
    case = central.case_in("diproses")
    operation = op(case, "note", PETUGAS_PUPR.nip, text="Pertama.")
    central.push("pupr", operation)
    reused = {**operation, "p": {"text": "Lain."}}
    result = central.push("pupr", reused)
    assert (result["r"], result["s"], result["code"]) == ("rejected", 409, "op_reused")
    assert [e["body"] for e in central.events_with_uid(operation["id"])] == ["Pertama."]


def test_a_refused_op_is_recorded_and_replays_the_same_refusal(
    central: Central,
) -> None:
    case = central.case_in("baru")
    operation = op(case, "close", ADMIN.nip)
    first = central.push("prov", operation)
    assert (first["r"], first["s"], first["code"]) == ("rejected", 422, "invalid")
    assert central.push("prov", operation) == first
    assert central.current(case)["version"] == case["version"]


def test_an_office_cannot_write_another_offices_cases(central: Central) -> None:
    case = central.case_in("terverifikasi")  # disposed to PUPR
    before = central.current(case)
    result = central.push("dinkes", op(case, "note", PETUGAS_DINKES.nip, text="Bukan milik kami"))
    assert (result["r"], result["s"], result["code"]) == ("rejected", 403, "scope")
    assert central.current(case) == before


def test_an_officer_of_another_office_is_refused(central: Central) -> None:
    case = central.case_in("terverifikasi")
    result = central.push("pupr", op(case, "note", PETUGAS_DINKES.nip, text="Menyamar"))
    assert (result["r"], result["s"], result["code"]) == ("rejected", 403, "scope")


def test_unknown_officers_and_roles_are_refused(central: Central) -> None:
    case = central.case_in("terverifikasi")
    unknown = central.push("pupr", op(case, "note", "199999999999999999", text="Siapa?"))
    assert (unknown["s"], unknown["code"]) == (403, "role")
    # A petugas may not dispose, a pimpinan acts on nothing.
    central.add_office("setda", ["SETDA"])
    dispose = central.push("pupr", op(case, "dispose", PETUGAS_PUPR.nip, unit="DINKES"))
    assert (dispose["r"], dispose["s"], dispose["code"]) == ("rejected", 403, "role")
    boss = central.push("prov", op(case, "note", PIMPINAN.nip, text="Tolong dipercepat"))
    assert (boss["s"], boss["code"]) == (403, "role")
    assert central.current(case)["version"] == case["version"]


def test_unknown_case_and_bad_payload(central: Central) -> None:
    case = central.case_in("baru")
    ghost = {**op(case, "note", ADMIN.nip, text="x"), "c": str(ULID())}
    assert central.push("prov", ghost)["code"] == "unknown_case"
    odd = op(case, "verify", ADMIN.nip, unit="PUPR", colour="red")
    assert central.push("prov", odd)["code"] == "invalid"
    bad_unit = central.push("prov", op(case, "verify", ADMIN.nip, unit="NOPE"))
    assert (bad_unit["r"], bad_unit["code"]) == ("rejected", "invalid")
    assert central.current(case)["status"] == "baru"


def test_non_overlapping_changes_merge(central: Central) -> None:
    case = central.case_in("diproses")
    base = case["version"]
    # The server moved on: another desk assigned the case (assignee).
    first = central.push("pupr", op(case, "assign", PETUGAS_PUPR.nip, assignee=PETUGAS_PUPR_2.nip))
    assert first["r"] == "applied"
    # A desk that saw the old version closes it (status): no overlap, still allowed.
    result = central.push("prov", op(case, "close", ADMIN.nip, base=base))
    assert result == {"id": result["id"], "r": "applied", "v": base + 2}
    after = central.current(case)
    assert (after["status"], after["assignee_nip"]) == ("selesai", PETUGAS_PUPR_2.nip)


def test_overlapping_changes_conflict(central: Central) -> None:
    case = central.case_in("terverifikasi")
    base = case["version"]
    assert central.push("prov", op(case, "dispose", ADMIN.nip, unit="DINKES"))["r"] == "applied"
    stale = op(case, "dispose", ADMIN.nip, base=base, unit="DISDIK")
    result = central.push("prov", stale)
    assert (result["r"], result["s"], result["v"]) == ("conflict", 409, base + 1)
    assert result["fields"] == ["unit_code"]
    assert result["case"]["unit_code"] == "DINKES"
    assert result["case"]["local_id"] == case["local_id"]
    assert central.current(case)["unit_code"] == "DINKES"
    assert central.events_with_uid(stale["id"]) == []


def test_notes_always_apply_on_a_moved_case(central: Central) -> None:
    case = central.case_in("ditanggapi")
    base = case["version"]
    assert central.push("pupr", op(case, "close", PETUGAS_PUPR.nip))["r"] == "applied"
    note = op(case, "note", PETUGAS_PUPR.nip, base=base, text="Catatan lama")
    assert central.push("pupr", note)["r"] == "applied"
    assert central.current(case)["status"] == "selesai"


def test_a_follow_up_on_a_case_closed_meanwhile_conflicts_on_status(
    central: Central,
) -> None:
    case = central.case_in("ditanggapi")
    base = case["version"]
    assert central.push("pupr", op(case, "close", PETUGAS_PUPR.nip))["r"] == "applied"
    late = op(case, "follow_up", PETUGAS_PUPR_2.nip, base=base, text="Sudah kami perbaiki.")
    result = central.push("pupr", late)
    assert (result["r"], result["fields"]) == ("conflict", ["status"])
    assert result["case"]["status"] == "selesai"


def test_a_follow_up_merges_when_still_allowed(central: Central) -> None:
    case = central.case_in("diproses")
    base = case["version"]
    reply = op(case, "reporter_reply", PETUGAS_PUPR.nip, text="Belum beres.")
    assert central.push("pupr", reply)["r"] == "applied"  # diproses → ditanggapi
    late = op(case, "follow_up", PETUGAS_PUPR_2.nip, base=base, text="Dikerjakan besok.")
    assert central.push("pupr", late)["r"] == "applied"
    assert central.current(case)["status"] == "diproses"


def test_history_older_than_the_log_counts_as_changed(central: Central) -> None:
    case = central.case_in("diproses")
    assert central.execute("DELETE FROM case_versions WHERE case_id = ?", [case["id"]]) > 0
    result = central.push(
        "pupr", op(case, "assign", PETUGAS_PUPR.nip, base=1, assignee=PETUGAS_PUPR_2.nip)
    )
    assert result["r"] == "conflict"


def test_ops_stacked_offline_on_one_case_are_judged_against_what_the_desk_saw(
    central: Central,
) -> None:
    case = central.case_in("baru")
    v = case["version"]
    # Meanwhile another desk adds a note (server version v+1).
    assert central.push("prov", op(case, "note", ADMIN.nip, text="Dicek."))["r"] == "applied"
    # This desk verified (desk version v+1) then assigned (base v+1, its own version).
    verify = op(case, "verify", ADMIN.nip, base=v, unit="PUPR")
    assign = op(case, "assign", ADMIN.nip, base=v + 1, assignee=PETUGAS_PUPR.nip)
    assert central.push("prov", verify) == {"id": verify["id"], "r": "applied", "v": v + 2}
    # Without the effective base, assign (base v+1) would be judged as if the desk had seen the
    # verify's fields as someone else's change, and conflict on assignee_nip.
    assert central.push("prov", assign)["r"] == "applied"
    after = central.current(case)
    assert (after["status"], after["unit_code"], after["assignee_nip"]) == (
        "terverifikasi",
        "PUPR",
        PETUGAS_PUPR.nip,
    )


def test_a_base_version_from_the_future_is_refused(central: Central) -> None:
    case = central.case_in("baru")
    result = central.push("prov", op(case, "note", ADMIN.nip, base=case["version"] + 5, text="x"))
    assert (result["r"], result["code"]) == ("rejected", "invalid")


def test_create_records_the_case_with_a_tracking_number(central: Central) -> None:
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
    result = central.push("pupr", operation)
    assert (result["r"], result["v"]) == ("applied", 1)
    number = result["tracking"]
    case = central.current({"local_id": local_id})
    assert (case["tracking_no"], case["status"], case["anonymous"]) == (number, "baru", 1)
    assert case["due_kind"] == "verifikasi"
    [event] = central.events_with_uid(operation["id"])
    assert event["kind"] == "received"
    # Replayed: the same tracking number, no second case.
    assert central.push("pupr", operation)["tracking"] == number
    assert central.query("SELECT count(*) FROM cases WHERE local_id = ?", [local_id]) == [(1,)]
    # The creating office keeps it in scope while it has no unit (a petugas still may not act
    # on a case of no unit: the desk's rule); another office does not have it at all; the
    # coordinator verifies it.
    note = op(case, "note", PETUGAS_PUPR.nip, text="Pelapor datang ke loket.")
    assert central.push("pupr", note)["code"] == "role"
    assert central.push("dinkes", op(case, "note", PETUGAS_DINKES.nip, text="x"))["code"] == "scope"
    verify = op(central.current(case), "verify", ADMIN.nip, unit="DINKES")
    assert central.push("prov", verify)["r"] == "applied"


def test_a_pimpinan_does_not_create(central: Central) -> None:
    operation = {
        "id": str(ULID()),
        "c": str(ULID()),
        "k": "create",
        "v": 0,
        "p": {"title": "x", "body": "y"},
        "a": PIMPINAN.nip,
    }
    assert central.push("prov", operation)["code"] == "role"


def test_keep_mine_after_a_conflict_applies_on_the_servers_version(
    central: Central,
) -> None:
    case = central.case_in("baru")
    v = case["version"]
    assert central.push("prov", op(case, "verify", ADMIN.nip, unit="PUPR"))["r"] == "applied"
    central.add_office("hub2", ["SETDA"], coordinator=True)
    clash = central.push("hub2", op(case, "verify", ADMIN.nip, base=v, unit="DINKES"))
    assert (clash["r"], clash["v"]) == ("conflict", v + 1)
    # "Keep mine": the same intent, a new op on the server's version from the conflict.
    mine = op(central.current(case), "dispose", ADMIN.nip, unit="DINKES")
    assert mine["v"] == clash["v"]
    assert central.push("hub2", mine)["r"] == "applied"
    assert central.current(case)["unit_code"] == "DINKES"


def test_an_op_stacked_on_a_conflicting_one_in_the_same_push_conflicts_too(
    central: Central,
) -> None:
    case = central.case_in("baru")
    v = case["version"]
    held = op(case, "hold", ADMIN.nip, reason="Data kurang")
    assert central.push("prov", held)["r"] == "applied"
    # Another desk, offline at version v: verified to PUPR (v+1 locally), then assigned.
    central.add_office("hub2", ["SETDA"], coordinator=True)
    verify = op(case, "verify", ADMIN.nip, base=v, unit="PUPR")
    assign = op(case, "assign", ADMIN.nip, base=v + 1, assignee=PETUGAS_PUPR.nip)
    batch = frozenset({verify["id"], assign["id"]})
    assert central.push("hub2", verify, batch)["r"] == "conflict"
    # Its base v+1 is the desk's own version (made by the refused verify), not the server's
    # v+1 (the hold): judged from v, it is a conflict for an officer to resolve, not an action
    # the desk took on a case it knew was on hold.
    result = central.push("hub2", assign, batch)
    # The fields where the outcomes differ: assign is refused from the server's status, and the
    # officer it names is not the server's assignee.
    assert (result["r"], result["fields"]) == ("conflict", ["status", "assignee_nip"])
    assert central.current(case)["status"] == "tunda"


def test_created_cases_get_new_numbers_after_the_highest_known(
    central: Central,
) -> None:
    central.case_in("baru", "9000005")  # a number already in use (e.g. imported)
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
        numbers.append(central.push("prov", operation)["tracking"])
    assert numbers == ["9000006", "9000007"]


# -- issue 14: refusals keep the effective base; outcomes in place; honest conflict fields ------


def test_an_op_stacked_on_one_refused_for_its_officer_is_judged_from_what_the_desk_saw(
    central: Central,
) -> None:
    case = central.case_in("terverifikasi")  # at PUPR
    v = case["version"]
    assert central.execute("UPDATE officers SET active = 0 WHERE nip = ?", [PETUGAS_PUPR.nip]) == 1
    # Offline at version v, one desk: a follow-up (desk v+1), an assignment (v+2), a close.
    follow_up = op(case, "follow_up", PETUGAS_PUPR.nip, base=v, text="Sudah diperbaiki.")
    assign = op(case, "assign", PETUGAS_PUPR_2.nip, base=v + 1, assignee=PETUGAS_PUPR_2.nip)
    close = op(case, "close", PETUGAS_PUPR_2.nip, base=v + 2)
    refused = central.push("pupr", follow_up)
    assert (refused["r"], refused["code"]) == ("rejected", "role")
    # Judged from the refused follow-up's base (the server's v), not refused as "ahead".
    assert central.push("pupr", assign) == {"id": assign["id"], "r": "applied", "v": v + 1}
    # The close was made on the follow-up's status, which the server never had: refused by
    # the rules from the server's status, with the reason the rules give.
    closed = central.push("pupr", close)
    assert (closed["r"], closed["code"]) == ("rejected", "invalid")
    assert "Terdisposisi" in closed["reason"] or "terverifikasi" in closed["reason"]
    after = central.current(case)
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
    central: Central,
    start: str,
    who: str,
    actor: Any,
    kind: str,
    payload: dict[str, str],
    theirs: tuple[str, dict[str, str]],
) -> None:
    case = central.case_in(start)
    v = case["version"]
    first_kind, first_payload = theirs
    # Another desk of the same office got there first, with the same outcome.
    first = central.push(who, op(case, first_kind, actor.nip, **first_payload))
    assert first["r"] == "applied"
    late = op(case, kind, actor.nip, base=v, **payload)
    result = central.push(who, late)
    assert result == {"id": late["id"], "r": "same", "v": v + 1}
    assert central.events_with_uid(late["id"]) == []
    assert central.current(case)["version"] == v + 1
    assert central.push(who, dict(late)) == result  # replayed: the same answer


def test_an_op_stacked_on_an_outcome_in_place_is_judged_from_that_version(
    central: Central,
) -> None:
    case = central.case_in("ditanggapi")
    v = case["version"]
    assert central.push("pupr", op(case, "close", PETUGAS_PUPR.nip))["r"] == "applied"
    # The coordinator's desk, offline at v: closed (v+1 locally), then reopened it.
    close = op(case, "close", ADMIN.nip, base=v)
    reopen = op(case, "reopen", ADMIN.nip, base=v + 1, reason="Pelapor keberatan")
    assert central.push("prov", close)["r"] == "same"
    assert central.push("prov", reopen) == {"id": reopen["id"], "r": "applied", "v": v + 2}
    assert central.current(case)["status"] == "ditanggapi"


def test_an_attach_makes_no_desk_version_for_the_ops_after_it(
    central: Central,
) -> None:
    case = central.case_in("diproses")
    v = case["version"]
    meta = {"sha256": "a" * 64, "name": "foto.jpg", "size": 10, "media_type": "image/jpeg"}
    assert central.push("pupr", op(case, "attach", PETUGAS_PUPR.nip, **meta))["r"] == "applied"
    # Another desk assigns the case (v+1); this desk pulls it and assigns it back, on v+1.
    other = central.push("prov", op(case, "assign", ADMIN.nip, assignee=PETUGAS_PUPR_2.nip))
    assert other["r"] == "applied"
    back = op(case, "assign", PETUGAS_PUPR.nip, base=v + 1, assignee=PETUGAS_PUPR.nip)
    # The attach (base v) did not make desk version v+1: this is the server's v+1, no conflict.
    assert central.push("pupr", back)["r"] == "applied"
    assert central.current(case)["assignee_nip"] == PETUGAS_PUPR.nip


def test_a_conflict_names_the_fields_where_the_outcomes_differ(
    central: Central,
) -> None:
    case = central.case_in("baru")
    v = case["version"]
    assert central.push("prov", op(case, "verify", ADMIN.nip, unit="DINKES"))["r"] == "applied"
    result = central.push("prov", op(case, "verify", ADMIN.nip, base=v, unit="PUPR"))
    # Both verified: the status is the same; only the unit differs.
    assert (result["r"], result["fields"]) == ("conflict", ["unit_code"])
