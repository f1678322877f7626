"""`desk central`: offices and their tokens, the seed, and one-line errors.

On both central stores (`central_store`, tests/pg_support.py): `--db` takes a SQLite path or a
`postgresql://` URL alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from desk.central.store_api import Office, kind_of, open_store
from desk.cli.main import app
from tests.pg_support import central_query, central_store  # noqa: F401


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def central_db(central_store: str, runner: CliRunner) -> str:  # noqa: F811
    """The location of a seeded central store (a SQLite path or a PostgreSQL URL)."""
    result = runner.invoke(app, ["central", "seed", "--cases", "30", "--db", central_store])
    assert result.exit_code == 0, result.output
    return central_store


def authenticate(location: str, token: str) -> Office | None:
    store = open_store(location, create=False)
    try:
        return store.authenticate(token)
    finally:
        store.close()


def stored_bytes(location: str) -> list[bytes]:
    """Everything the store holds: the SQLite files, or every row of every PostgreSQL table."""
    if kind_of(location) == "sqlite":
        return [file.read_bytes() for file in Path(location).parent.iterdir() if file.is_file()]
    tables = central_query(
        location,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE'",
    )
    assert ("offices",) in tables
    return [repr(central_query(location, f'SELECT * FROM "{name}"')).encode() for (name,) in tables]


def test_seed_gives_every_event_a_uid(central_db: str) -> None:
    assert central_query(central_db, "SELECT count(*) FROM cases") == [(30,)]
    assert central_query(central_db, "SELECT count(*) FROM events WHERE uid IS NULL") == [(0,)]
    [(distinct, events)] = central_query(
        central_db, "SELECT count(DISTINCT uid), count(*) FROM events"
    )
    assert distinct == events > 0


def test_office_add_prints_the_token_once_and_list_never(
    central_db: str, runner: CliRunner
) -> None:
    added = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "central",
            "office",
            "add",
            "pupr",
            "--unit",
            "PUPR",
            "--db",
            central_db,
        ],
    )
    assert added.exit_code == 0, added.output
    token = added.stdout.strip()
    assert len(token) == 43 and "\n" not in token  # 32 bytes, URL-safe base64, alone on stdout
    assert "shown this once" in added.stderr
    office = authenticate(central_db, token)
    assert office is not None and office.units == ("PUPR",)
    listed = runner.invoke(app, ["central", "office", "list", "--db", central_db])
    assert listed.exit_code == 0 and "pupr" in listed.output and "PUPR" in listed.output
    assert token not in listed.output
    # Only its digest is stored.
    stored = stored_bytes(central_db)
    assert stored
    for content in stored:
        assert token.encode() not in content


def test_revoke_refuses_the_token(central_db: str, runner: CliRunner) -> None:
    token = runner.invoke(
        app,
        [
            "central",
            "office",
            "add",
            "hub",
            "--coordinator",
            "--unit",
            "DISKOMINFO",
            "--db",
            central_db,
        ],
    ).stdout.strip()
    assert authenticate(central_db, token) is not None
    revoked = runner.invoke(app, ["central", "office", "revoke", "hub", "--db", central_db])
    assert revoked.exit_code == 0
    assert authenticate(central_db, token) is None
    listed = runner.invoke(app, ["--lang", "en", "central", "office", "list", "--db", central_db])
    assert "revoked" in listed.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["office", "add", "x", "--unit", "NOPE"], "NOPE"),
        (["office", "add", "x"], "--unit"),
        (["office", "revoke", "ghost"], "ghost"),
    ],
)
def test_user_errors_are_one_line(
    central_db: str, runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(app, ["--lang", "en", "central", *args, "--db", central_db])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output


def test_a_missing_central_database_is_named(tmp_path: Path, runner: CliRunner) -> None:
    # SQLite only: a missing file must not be created empty (a PostgreSQL database is not made).
    missing = tmp_path / "none.db"
    result = runner.invoke(app, ["--lang", "en", "central", "office", "list", "--db", str(missing)])
    assert result.exit_code == 1
    assert "desk central seed" in result.stderr
    assert not missing.exists()


def test_serve_runs_as_a_command_and_announces_its_attachment_limits(
    central_db: str, runner: CliRunner, tmp_path: Path
) -> None:
    """`desk central serve` as an operator starts it: a real process on a free port, with the
    attachment limits it was given in `hello`."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    token_file = tmp_path / "pupr.token"
    added = runner.invoke(
        app,
        [
            *("central", "office", "add", "pupr", "--unit", "PUPR"),
            *("--db", central_db, "--token-file", str(token_file)),
        ],
    )
    assert added.exit_code == 0, added.output
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "desk.cli.main", "central", "serve", "--db", central_db]
    command += ["--port", str(port), "--max-file-mb", "3", "--office-files-gb", "5"]
    if kind_of(central_db) == "postgresql":  # its folder of attachment contents, given
        command += ["--files", str(tmp_path / "files")]
    environment = {**os.environ}
    environment.pop("DESK_CENTRAL_FILES", None)
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment
    )
    try:
        headers = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
        deadline = time.monotonic() + 20
        while True:
            try:
                hello = httpx.get(f"http://127.0.0.1:{port}/sync/v1/hello", headers=headers)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert hello.status_code == 200
        limits = hello.json()["limits"]
        assert limits["file"] == 3 * 1024 * 1024 and limits["office_files"] == 5 * 1024**3
        # A load balancer's question needs no token.
        health = httpx.get(f"http://127.0.0.1:{port}/sync/v1/health")
        assert health.status_code == 200 and health.json()["status"] == "ok"
    finally:
        server.terminate()
        server.wait(timeout=10)
    # One line per request: the office, the status, the bytes, the time; never the token.
    logged = server.stderr.read().decode() if server.stderr else ""
    line = next(row for row in logged.splitlines() if "/sync/v1/hello" in row)
    assert "office=pupr GET /sync/v1/hello 200" in line and " out=" in line and " ms=" in line
    assert "office=- GET /sync/v1/health 200" in logged
    assert token_file.read_text().strip() not in logged


@pytest.mark.filterwarnings("ignore:Using `httpx` with")  # starlette's TestClient on httpx
def test_health_is_503_when_the_store_cannot_answer(central_db: str) -> None:
    from starlette.testclient import TestClient

    from desk.central.app import create_app

    with TestClient(create_app(central_db, auto_interval=None)) as client:
        health = client.get("/sync/v1/health").json()
        assert health == {"status": "ok", "store": kind_of(central_db)}
        client.app.state.central.store.close()  # type: ignore[attr-defined]
        answer = client.get("/sync/v1/health")
        assert answer.status_code == 503 and answer.json()["status"] == "unavailable"
