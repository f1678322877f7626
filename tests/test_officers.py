"""Officers, PINs, signing in, the audit trail and backups: services and commands."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
import sqlite_utils
from typer.testing import CliRunner

from db import audit, open_database
from desk import officers
from desk.cli.main import app
from desk.errors import ActionRefused, InvalidInput
from desk.officers import NewOfficer
from desk.safekeeping import audit_entries, backup, restore
from desk.workflow import Role
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, PIMPINAN, make_office, new_case

runner = CliRunner()
NEW_NIP = "199001012015011009"


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    # The real cost (2^15) is for attackers; tests only need the same code path.
    monkeypatch.setattr(officers, "SCRYPT_N", 2**10)


@pytest.fixture
def office_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))
    path = tmp_path / "office.db"
    database = open_database(path)
    make_office(database)
    database.conn.close()
    return path


def audit_actions(database: sqlite_utils.Database) -> list[tuple[str | None, str]]:
    return database.execute("SELECT actor_nip, action FROM audit_log ORDER BY seq").fetchall()


def test_a_pin_is_stored_only_as_a_scrypt_hash(database: sqlite_utils.Database) -> None:
    officers.add_officer(
        database, ADMIN, NewOfficer(NEW_NIP, "Rina", "PUPR", Role.PETUGAS), pin="kopi-pagi-7"
    )
    stored = database.execute("SELECT pin_hash FROM officers WHERE nip = ?", [NEW_NIP]).fetchone()
    assert stored[0].startswith("scrypt-k1$") and "kopi-pagi-7" not in stored[0]
    key = officers.pin_key(database)
    assert officers.pin_matches(stored[0], "kopi-pagi-7", key)
    assert not officers.pin_matches(stored[0], "kopi-pagi-8", key)
    detail = database.execute("SELECT detail FROM audit_log ORDER BY seq DESC").fetchone()[0]
    assert "kopi" not in detail and "scrypt" not in detail  # secrets never reach the log


def test_only_an_admin_manages_officers(database: sqlite_utils.Database) -> None:
    newcomer = NewOfficer(NEW_NIP, "Rina", "PUPR", Role.PETUGAS)
    for actor in (PETUGAS_PUPR, PIMPINAN, None):
        with pytest.raises(ActionRefused, match="admin"):
            officers.add_officer(database, actor, newcomer)
    with pytest.raises(ActionRefused, match="admin"):
        officers.set_active(database, PETUGAS_PUPR, ADMIN.nip, False)
    with pytest.raises(ActionRefused, match="admin"):
        officers.set_pin(database, PETUGAS_PUPR, ADMIN.nip, "123456")
    officers.set_pin(database, PETUGAS_PUPR, PETUGAS_PUPR.nip, "123456")  # one's own: allowed
    officers.add_officer(database, ADMIN, newcomer)
    assert database.execute("SELECT role FROM officers WHERE nip = ?", [NEW_NIP]).fetchone() == (
        "petugas",
    )


def test_the_first_officer_of_a_new_database_must_be_an_admin(tmp_path: Path) -> None:
    database = open_database(tmp_path / "new.db")
    officers.add_unit(database, None, "kominfo", "Dinas Kominfo", "Asia/Makassar")
    with pytest.raises(InvalidInput, match="admin"):
        officers.add_officer(database, None, NewOfficer(NEW_NIP, "Rina", "KOMINFO", Role.PETUGAS))
    officers.add_officer(database, None, NewOfficer(NEW_NIP, "Rina", "kominfo", Role.ADMIN))
    with pytest.raises(ActionRefused):  # now there is an admin: nobody else may add
        officers.add_unit(database, None, "PUPR", "Dinas PUPR", "Asia/Makassar")


def test_bad_officer_and_unit_input_is_named(database: sqlite_utils.Database) -> None:
    with pytest.raises(InvalidInput, match="18"):
        officers.add_officer(database, ADMIN, NewOfficer("12345", "X", "PUPR", Role.PETUGAS))
    with pytest.raises(InvalidInput, match="6"):
        officers.add_officer(
            database, ADMIN, NewOfficer(NEW_NIP, "X", "PUPR", Role.PETUGAS), pin="123"
        )
    with pytest.raises(InvalidInput, match="Asia/Nowhere"):
        officers.add_unit(database, ADMIN, "BARU", "Unit Baru", "Asia/Nowhere")
    with pytest.raises(InvalidInput, match="PUPR"):
        officers.add_unit(database, ADMIN, "pupr", "Lagi", "Asia/Makassar")


def test_the_last_active_admin_cannot_be_disabled(database: sqlite_utils.Database) -> None:
    with pytest.raises(ActionRefused, match="admin"):
        officers.set_active(database, ADMIN, ADMIN.nip, False)
    officers.set_active(database, ADMIN, PETUGAS_PUPR.nip, False)
    active = database.execute("SELECT active FROM officers WHERE nip = ?", [PETUGAS_PUPR.nip])
    assert active.fetchone() == (0,)


def test_wrong_pins_lock_the_officer_and_every_attempt_is_audited(
    database: sqlite_utils.Database,
) -> None:
    officers.set_pin(database, ADMIN, PETUGAS_PUPR.nip, "benar-123")
    for attempt in range(1, officers.MAX_FAILURES):
        with pytest.raises(ActionRefused, match=f"{officers.MAX_FAILURES - attempt}"):
            officers.sign_in(database, PETUGAS_PUPR, "salah", now=NOW)
    with pytest.raises(ActionRefused, match=r"dikunci|locked"):
        officers.sign_in(database, PETUGAS_PUPR, "salah", now=NOW)
    # Locked: even the right PIN is refused until the lock ends, and that is audited too.
    with pytest.raises(ActionRefused, match=r"dikunci|locked"):
        officers.sign_in(database, PETUGAS_PUPR, "benar-123", now=NOW + timedelta(minutes=5))
    officers.sign_in(database, PETUGAS_PUPR, "benar-123", now=NOW + timedelta(minutes=16))
    actions = [action for nip, action in audit_actions(database) if nip == PETUGAS_PUPR.nip]
    assert actions.count("login_failed") == officers.MAX_FAILURES
    assert actions[-2:] == ["login_locked", "login"]
    assert audit.verify(database) is None


def test_an_officer_without_a_pin_signs_in_without_one(database: sqlite_utils.Database) -> None:
    officers.sign_in(database, ADMIN, None, now=NOW)
    officers.set_pin(database, ADMIN, ADMIN.nip, "123456")
    with pytest.raises(ActionRefused, match="PIN"):
        officers.sign_in(database, ADMIN, None, now=NOW)


def test_commands_ask_for_the_pin_of_an_officer_who_has_one(office_db: Path) -> None:
    database = open_database(office_db)
    new_case(database)
    officers.set_pin(database, ADMIN, ADMIN.nip, "rahasia-1")
    database.conn.close()
    base = ["case", "show", "8112829", "--db", str(office_db), "--as", ADMIN.nip]
    wrong = runner.invoke(app, base, env={"DESK_PIN": "keliru"})
    assert wrong.exit_code == 1 and "PIN salah" in wrong.output
    right = runner.invoke(app, base, env={"DESK_PIN": "rahasia-1"})
    assert right.exit_code == 0, right.output
    assert "Traceback" not in wrong.output + right.output


def test_officer_and_unit_commands(office_db: Path) -> None:
    as_admin = ["--db", str(office_db), "--as", ADMIN.nip]
    unit = runner.invoke(app, ["unit", "add", "dlh", "--name", "Dinas Lingkungan Hidup", *as_admin])
    assert unit.exit_code == 0 and "DLH" in unit.output
    added = runner.invoke(
        app,
        ["officer", "add", NEW_NIP, "--name", "Rina", "--unit", "DLH", "--pin", *as_admin],
        input="pin-rina-1\n",
    )
    assert added.exit_code == 0, added.output
    listed = json.loads(
        runner.invoke(app, ["officer", "list", "--db", str(office_db), "--json"]).output
    )
    assert any(o["nip"] == NEW_NIP and o["unit"] == "DLH" for o in listed)
    text = json.dumps(listed)
    assert "pin-rina-1" not in text and "scrypt" not in text  # neither the PIN nor its hash
    refused = runner.invoke(
        app, ["officer", "disable", ADMIN.nip, "--db", str(office_db), "--as", PETUGAS_PUPR.nip]
    )
    assert refused.exit_code == 1 and "admin" in refused.output
    disabled = runner.invoke(app, ["officer", "disable", NEW_NIP, *as_admin])
    assert disabled.exit_code == 0
    gone = runner.invoke(
        app,
        ["case", "list", "--db", str(office_db), "--as", NEW_NIP],
        env={"DESK_PIN": "pin-rina-1"},
    )
    assert gone.exit_code == 1 and "Traceback" not in gone.output


def test_audit_verify_catches_a_hand_edited_entry(office_db: Path) -> None:
    database = open_database(office_db)
    new_case(database)
    database.conn.close()
    intact = runner.invoke(app, ["audit", "verify", "--db", str(office_db)])
    assert intact.exit_code == 0 and "utuh" in intact.output
    raw = sqlite3.connect(office_db)
    raw.execute("DROP TRIGGER audit_log_no_update")  # what someone covering their tracks does
    raw.execute("UPDATE audit_log SET actor_nip = '199999999999999999' WHERE seq = 1")
    raw.commit()
    raw.close()
    broken = runner.invoke(
        app, ["--lang", "en", "audit", "verify", "--db", str(office_db), "--json"]
    )
    assert broken.exit_code == 1
    assert json.loads(broken.output)["first_broken"] == 1


def test_audit_show_is_for_admins_and_heads(database: sqlite_utils.Database) -> None:
    case = new_case(database)
    assert audit_entries(database, ADMIN, case_id=case["id"])[0]["action"] == "create"
    assert audit_entries(database, PIMPINAN, limit=1)
    with pytest.raises(ActionRefused):
        audit_entries(database, PETUGAS_PUPR)


def test_backup_and_restore_bring_the_data_back(tmp_path: Path) -> None:
    database = open_database(tmp_path / "office.db")
    make_office(database)
    new_case(database)
    copy = tmp_path / "copy.db"
    with pytest.raises(ActionRefused):
        backup(database, PETUGAS_PUPR, copy)  # a backup holds every reporter's data
    result = backup(database, ADMIN, copy)
    assert result.cases == 1 and copy.exists()
    with pytest.raises(InvalidInput, match="--force"):
        backup(database, ADMIN, copy)
    new_case(database, tracking_no="9000001")  # work done after the backup
    kept = tmp_path / "before.db"
    assert restore(database, ADMIN, copy, keep_copy=kept).cases == 1
    assert database.execute("SELECT tracking_no FROM cases").fetchall() == [("8112829",)]
    before = open_database(kept)
    assert before.execute("SELECT count(*) FROM cases").fetchone() == (2,)  # nothing lost
    assert audit.verify(database) is None


def test_a_damaged_backup_is_refused_and_changes_nothing(office_db: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.db"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\x07" * 4000)
    result = runner.invoke(
        app, ["db", "restore", str(damaged), "--db", str(office_db), "--as", ADMIN.nip]
    )
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert str(damaged) in result.output
    database = open_database(office_db)
    assert database.execute("SELECT count(*) FROM officers").fetchone()[0] > 0
    assert not list(tmp_path.glob("office.before-restore-*"))
