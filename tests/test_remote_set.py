"""`desk remote set` repoints sync (issue 15, points 6 and 7): an admin signs in for it, it is
audited (never with the token), and plain http:// beyond this machine and private networks is
refused unless asked for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from db import open_database
from desk import officers
from desk.cli import sync_cmd
from desk.cli.main import app
from desk.sync.remote import exposed_plain_http, remote_url
from tests.conftest import ADMIN, PETUGAS_PUPR, make_office

runner = CliRunner()
TOKEN = "t" * 43
PIN = "rahasia-1"


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config" / "config.json"))
    monkeypatch.delenv("DESK_PIN", raising=False)


@pytest.fixture
def office(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    officers.set_pin(database, ADMIN, ADMIN.nip, PIN)
    database.conn.close()
    return path


@pytest.fixture
def token_file(tmp_path: Path) -> Path:
    path = tmp_path / "office.token"
    path.write_text(TOKEN, encoding="utf-8")
    return path


def remote_set(db: Path, url: str, token_file: Path, *extra: str, nip: str = ADMIN.nip) -> str:
    arguments = ["remote", "set", url, "--token-file", str(token_file), "--db", str(db)]
    result = runner.invoke(app, [*arguments, "--as", nip, *extra], env={"DESK_PIN": PIN})
    return f"{result.exit_code}\n{result.output}"


def audit_rows(db: Path, action: str) -> list[dict[str, object]]:
    database = open_database(db)
    try:
        rows = database.execute(
            "SELECT actor_nip, detail FROM audit_log WHERE action = ? ORDER BY seq", [action]
        ).fetchall()
        return [{"nip": nip, **json.loads(detail)} for nip, detail in rows]
    finally:
        database.conn.close()


@pytest.mark.parametrize(
    ("url", "exposed"),
    [
        ("http://8.8.8.8/", True),
        ("http://pusat.example.go.id/", True),
        ("https://pusat.example.go.id/", False),
        ("http://127.0.0.1:8765", False),
        ("http://localhost:8765", False),
        ("http://192.168.10.2/", False),
        ("http://10.1.2.3/", False),
        ("http://[::1]:8765/", False),
    ],
)
def test_which_addresses_are_plain_http_in_the_open(url: str, exposed: bool) -> None:
    assert exposed_plain_http(url) is exposed


def test_plain_http_in_the_open_is_refused_unless_asked_for(
    office: Path, token_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No request may leave this machine: the server is "unreachable" for the accepted case.
    monkeypatch.setattr(sync_cmd, "check_remote", lambda remote: None)
    refused = remote_set(office, "http://pusat.example.go.id/", token_file)
    assert refused.startswith("2\n") and "https://" in refused and "--allow-http" in refused
    database = open_database(office)
    assert remote_url(database) is None  # nothing stored
    database.conn.close()
    allowed = remote_set(office, "http://pusat.example.go.id/", token_file, "--allow-http")
    assert allowed.startswith("0\n"), allowed
    assert "http://" in allowed and ("Peringatan" in allowed or "Warning" in allowed)


def test_an_admin_repointing_sync_is_audited_without_the_token(
    office: Path, token_file: Path
) -> None:
    first = remote_set(office, "http://127.0.0.1:9", token_file)
    second = remote_set(office, "http://127.0.0.1:10", token_file)
    assert first.startswith("0\n") and second.startswith("0\n"), (first, second)
    rows = audit_rows(office, "remote_set")
    assert [row["url"] for row in rows] == ["http://127.0.0.1:9", "http://127.0.0.1:10"]
    assert rows[1]["previous"] == "http://127.0.0.1:9" and rows[1]["nip"] == ADMIN.nip
    database = open_database(office)
    everything = " ".join(str(r) for r in database.execute("SELECT * FROM audit_log"))
    database.conn.close()
    assert TOKEN not in everything


def test_a_petugas_may_not_repoint_sync(office: Path, token_file: Path) -> None:
    database = open_database(office)
    officers.set_pin(database, PETUGAS_PUPR, PETUGAS_PUPR.nip, PIN)
    database.conn.close()
    result = remote_set(office, "http://127.0.0.1:9", token_file, nip=PETUGAS_PUPR.nip)
    assert result.startswith("1\n") and "admin" in result.lower(), result
    assert audit_rows(office, "remote_set_refused")[0]["nip"] == PETUGAS_PUPR.nip
    database = open_database(office)
    assert remote_url(database) is None
    database.conn.close()


def test_a_new_empty_desk_needs_no_officer(tmp_path: Path, token_file: Path) -> None:
    fresh = tmp_path / "fresh.db"
    arguments = ["remote", "set", "http://127.0.0.1:9", "--token-file", str(token_file)]
    result = runner.invoke(app, [*arguments, "--db", str(fresh)])
    assert result.exit_code == 0, result.output
    assert audit_rows(fresh, "remote_set")[0]["nip"] is None


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://127.0.0.1:99999", "http://:8765", "ftp://x"]
)
def test_an_address_no_request_could_reach_is_refused_plainly(
    office: Path, token_file: Path, url: str
) -> None:
    result = remote_set(office, url, token_file)
    assert not result.startswith("0\n") and "Traceback" not in result, result
    assert "desk:" in result
    database = open_database(office)
    assert remote_url(database) is None
    database.conn.close()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_token_file_that_never_ends_is_refused_without_reading_it_all(office: Path) -> None:
    result = remote_set(office, "http://127.0.0.1:9", Path("/dev/zero"))
    assert result.startswith("1\n") and "Traceback" not in result, result
