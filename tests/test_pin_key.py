"""PINs keyed with a secret kept beside the database, never in it (issue 15, point 9).

A stolen backup used to hold plain scrypt hashes: 6-digit PINs fall to offline guessing in a few
CPU-hours. Now each hash needs the database's PIN key, which no backup carries.
"""

from __future__ import annotations

import os
import shutil
import stat
from datetime import timedelta
from pathlib import Path

import pytest
import sqlite_utils
from typer.testing import CliRunner

from db import open_database
from desk import officers
from desk.cli.main import app
from desk.errors import ActionRefused, InvalidInput
from desk.safekeeping import backup, restore
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, make_office

runner = CliRunner()


@pytest.fixture(autouse=True)
def cheap_scrypt(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(officers, "SCRYPT_N", 2**10)
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))


def stored_hash(database: sqlite_utils.Database, nip: str) -> str:
    return str(database.execute("SELECT pin_hash FROM officers WHERE nip = ?", [nip]).fetchone()[0])


def actions(database: sqlite_utils.Database) -> list[str]:
    return [row[0] for row in database.execute("SELECT action FROM audit_log ORDER BY seq")]


def test_a_stolen_backup_alone_gives_nothing_to_guess_against(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    officers.set_pin(database, ADMIN, PETUGAS_PUPR.nip, "123456")  # a short, guessable PIN
    key_file = tmp_path / "desk.db.pin-key"
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) & 0o077 == 0
    backup(database, ADMIN, tmp_path / "stolen.db")
    stolen = open_database(tmp_path / "stolen.db", migrate=False)
    leaked = stored_hash(stolen, PETUGAS_PUPR.nip)
    assert leaked.startswith(officers.KEYED + "$")
    assert key_file.read_text().strip() not in (tmp_path / "stolen.db").read_bytes().hex()
    # The thief tries the right PIN: without the key, or with a key of their own, no match.
    assert not officers.pin_matches(leaked, "123456", None)
    assert not officers.pin_matches(leaked, "123456", officers._pin_key_of(os.urandom(32)))
    assert officers.pin_matches(leaked, "123456", officers.pin_key(database))


def test_a_pin_from_before_the_key_keeps_working_and_is_keyed_at_sign_in(
    database: sqlite_utils.Database,
) -> None:
    # What an older desk stored: scrypt of the PIN alone.
    salt = os.urandom(16)
    digest = officers._scrypt(b"lama-123", salt, 2**10, 8, 1)
    old = "$".join(["scrypt", "1024", "8", "1", officers._b64(salt), officers._b64(digest)])
    database.execute("UPDATE officers SET pin_hash = ? WHERE nip = ?", [old, PETUGAS_PUPR.nip])
    with pytest.raises(ActionRefused):
        officers.sign_in(database, PETUGAS_PUPR, "salah-123", now=NOW)
    assert stored_hash(database, PETUGAS_PUPR.nip) == old
    officers.sign_in(database, PETUGAS_PUPR, "lama-123", now=NOW)
    keyed = stored_hash(database, PETUGAS_PUPR.nip)
    assert keyed.startswith(officers.KEYED + "$")
    officers.sign_in(database, PETUGAS_PUPR, "lama-123", now=NOW + timedelta(minutes=1))
    assert actions(database)[-3:] == ["login_failed", "login", "login"]


def test_a_missing_key_is_said_clearly_counts_no_try_and_lost_pins_can_be_cleared(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    officers.set_pin(database, ADMIN, PETUGAS_PUPR.nip, "benar-123")
    key_file = tmp_path / "desk.db.pin-key"
    key_file.rename(tmp_path / "elsewhere.pin-key")
    for _ in range(officers.MAX_FAILURES + 1):
        with pytest.raises(ActionRefused, match=r"desk\.db\.pin-key"):
            officers.sign_in(database, PETUGAS_PUPR, "benar-123", now=NOW)
    row = database.execute(
        "SELECT failed_attempts, locked_until FROM officers WHERE nip = ?", [PETUGAS_PUPR.nip]
    ).fetchone()
    assert row == (0, None)  # not the officer's mistake: not towards the lockout
    assert actions(database)[-1] == "login_refused"
    assert officers.pins_needing_another_key(database) == [PETUGAS_PUPR.nip]
    # Put back, it works again.
    (tmp_path / "elsewhere.pin-key").rename(key_file)
    officers.sign_in(database, PETUGAS_PUPR, "benar-123", now=NOW)
    # Lost for good: the PINs nobody can check are cleared, audited, and set anew.
    key_file.unlink()
    officers.set_pin(database, ADMIN, ADMIN.nip, "admin-456")  # a new key for new PINs
    assert officers.clear_lost_pins(database, now=NOW) == [PETUGAS_PUPR.nip]
    assert actions(database)[-1] == "officer_pins_cleared"
    assert not officers.needs_pin(database, PETUGAS_PUPR.nip)
    officers.sign_in(database, ADMIN, "admin-456", now=NOW)  # the new key's PINs are kept
    with pytest.raises(InvalidInput):
        officers.clear_lost_pins(database, now=NOW)


def test_a_restore_elsewhere_says_which_pins_need_their_key(tmp_path: Path) -> None:
    office = open_database(tmp_path / "office.db")
    make_office(office)
    officers.set_pin(office, ADMIN, PETUGAS_PUPR.nip, "benar-123")
    backup(office, ADMIN, tmp_path / "copy.db")
    office.conn.close()
    elsewhere = tmp_path / "pc2"
    elsewhere.mkdir()
    result = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "db",
            "restore",
            str(tmp_path / "copy.db"),
            "--db",
            str(elsewhere / "o.db"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "1 officers" in result.output and PETUGAS_PUPR.nip in result.output
    # With the key file copied over, the PINs work there too.
    shutil.copy(tmp_path / "office.db.pin-key", elsewhere / "o.db.pin-key")
    restored = open_database(elsewhere / "o.db")
    officers.sign_in(restored, PETUGAS_PUPR, "benar-123", now=NOW)
    # Restored in place, a backup's PINs keep their key.
    office = open_database(tmp_path / "office.db")
    restore(office, ADMIN, tmp_path / "copy.db", keep_copy=tmp_path / "kept.db")
    officers.sign_in(office, PETUGAS_PUPR, "benar-123", now=NOW)


def test_clear_lost_pins_command(tmp_path: Path) -> None:
    path = tmp_path / "office.db"
    office = open_database(path)
    make_office(office)
    officers.set_pin(office, ADMIN, ADMIN.nip, "admin-456")
    office.conn.close()
    nothing = runner.invoke(app, ["--lang", "en", "officer", "clear-lost-pins", "--db", str(path)])
    assert nothing.exit_code == 1 and "nothing was cleared" in nothing.output
    (tmp_path / "office.db.pin-key").unlink()
    refused = runner.invoke(
        app, ["--lang", "en", "case", "list", "--db", str(path), "--as", ADMIN.nip],
        env={"DESK_PIN": "admin-456"},
    )  # fmt: skip
    assert refused.exit_code == 1 and "clear-lost-pins" in refused.output
    cleared = runner.invoke(app, ["--lang", "en", "officer", "clear-lost-pins", "--db", str(path)])
    assert cleared.exit_code == 0 and ADMIN.nip in cleared.output
    for result in (nothing, refused, cleared):
        assert "Traceback" not in result.output
