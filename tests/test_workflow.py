"""Every action, from every status, by every kind of officer: allowed exactly as DOMAIN.md says.

The expectations are written out here by hand from DOMAIN.md's state table (and docs/workflow.md
for the choices it leaves open), not derived from desk.workflow, so that a change to the rules
in code fails this test until the table here is changed too.
"""

from __future__ import annotations

import pytest
import sqlite_utils

from desk import services
from desk.access import read_refusal
from desk.errors import ActionRefused
from desk.workflow import Action, Actor, allowed_actions
from tests.conftest import (
    ADMIN,
    NOW,
    PETUGAS_DINKES,
    PETUGAS_PUPR,
    PIMPINAN,
    WALKS,
    case_in,
    snapshot,
)

ALL = {
    "baru",
    "tunda",
    "terverifikasi",
    "dikembalikan",
    "diproses",
    "ditanggapi",
    "selesai",
    "diarsipkan",
}
# action: {source status: target status}, and who may take it.
EXPECTED: dict[Action, tuple[dict[str, str], set[str]]] = {
    Action.VERIFY: ({"baru": "terverifikasi"}, {"admin"}),
    Action.DISPOSE: (
        {"terverifikasi": "terverifikasi", "dikembalikan": "terverifikasi"},
        {"admin"},
    ),
    Action.HOLD: ({"baru": "tunda"}, {"admin"}),
    Action.RESUME: ({"tunda": "baru"}, {"admin"}),
    Action.RETURN: ({"terverifikasi": "dikembalikan"}, {"unit officer"}),
    Action.FOLLOW_UP: (
        {"terverifikasi": "diproses", "diproses": "diproses", "ditanggapi": "diproses"},
        {"unit officer"},
    ),
    Action.NOTE: ({status: status for status in ALL}, {"admin", "unit officer"}),
    Action.ASSIGN: (
        {"terverifikasi": "terverifikasi", "diproses": "diproses", "ditanggapi": "ditanggapi"},
        {"admin", "unit officer"},
    ),
    Action.CLOSE: ({"ditanggapi": "selesai", "diproses": "selesai"}, {"admin", "unit officer"}),
    Action.REOPEN: ({"selesai": "ditanggapi"}, {"admin"}),
    Action.ARCHIVE: (
        {"baru": "diarsipkan", "tunda": "diarsipkan", "dikembalikan": "diarsipkan"},
        {"admin"},
    ),
    Action.RESTORE: ({"diarsipkan": "baru"}, {"admin"}),
    Action.REPORTER_REPLY: ({"diproses": "ditanggapi", "tunda": "baru"}, {"admin", "unit officer"}),
}
ACTORS: dict[str, Actor] = {
    "admin": ADMIN,
    "unit officer": PETUGAS_PUPR,  # cases in the walks are disposed to PUPR
    "other unit's officer": PETUGAS_DINKES,
    "head": PIMPINAN,
}


def arguments(action: Action, case: dict[str, object]) -> dict[str, object]:
    """Complete, valid arguments for `action`, so only the rules can refuse it."""
    other_unit = "DINKES" if case["unit_code"] == "PUPR" else "PUPR"
    return {
        "reason": "Alasan yang jelas",
        "text": "Isi tanggapan",
        "unit_code": other_unit,
        "officer_nip": "199003032015031003",  # the second PUPR officer
    }


def expected_outcome(action: Action, status: str, who: str, unit: str | None) -> str | None:
    transitions, roles = EXPECTED[action]
    if status not in transitions:
        return None
    if who == "admin" and "admin" in roles:
        return transitions[status]
    if who in ("unit officer", "other unit's officer") and "unit officer" in roles:
        return transitions[status] if ACTORS[who].unit_code == unit else None
    return None


@pytest.mark.parametrize("who", list(ACTORS))
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("status", sorted(WALKS))
def test_every_action_by_every_role_from_every_status(
    database: sqlite_utils.Database, status: str, action: Action, who: str
) -> None:
    case = case_in(database, status)
    expected = expected_outcome(action, status, who, case["unit_code"])
    if action is Action.ASSIGN and expected is not None and case["unit_code"] != "PUPR":
        expected = None  # only cases with a unit can be assigned; the walks put them at PUPR
    before = snapshot(database)
    actor = ACTORS[who]
    listed = action in allowed_actions(actor, case["status"], case["unit_code"])
    if expected is None:
        with pytest.raises(ActionRefused):
            services.perform(
                database, actor, action, case["id"], now=NOW, **arguments(action, case)
            )
        after = snapshot(database)
        if read_refusal(database, actor, case) is not None:
            # Another unit's case is refused as a read (nothing about it is judged), and that
            # attempt is the one thing written: a read_refused audit entry.
            added = after.pop("audit_log")[len(before["audit_log"]) :]
            assert [row[3] for row in added] == ["read_refused"]
            before = {**before}
            before.pop("audit_log")
        assert after == before, "a refused action must write nothing"
        assert not listed, "the UI must not offer an action the service refuses"
    else:
        outcome = services.perform(
            database, actor, action, case["id"], now=NOW, **arguments(action, case)
        )
        assert outcome.case["status"] == expected
        assert outcome.case["version"] == case["version"] + 1
        assert listed
