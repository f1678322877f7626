"""The sync client over real sockets: the CLI, the fault-injecting proxy, a killed client.

The server here is the stand-in of tests/test_sync_client.py served over HTTP/1.1 by the
standard library; tests/test_sync_server.py repeats the central scenarios with the real server.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlite_utils
from typer.testing import CliRunner

from db import open_database
from desk import services
from desk.cli.main import app
from desk.sync.remote import Remote, save_remote
from desk.sync.run import run_sync
from desk.sync.transport import RetryPolicy
from desk.workflow import Action
from tests.conftest import ADMIN, NOW, make_office, new_case
from tests.sync_proxy import Faults, SyncProxy
from tests.test_sync_client import TOKEN, FakeCentral

runner = CliRunner()
FAST = RetryPolicy(attempts=8, base=0.01, cap=0.05)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        request = httpx.Request(
            self.command,
            "http://central.test" + self.path,
            headers=list(self.headers.items()),
            content=body,
        )
        try:
            with self.server.lock:
                response = self.server.central(request)
        except httpx.TransportError:
            self.close_connection = True  # the answer is lost
            return
        raw = b"".join(response.iter_raw())
        self.send_response(response.status_code)
        for name, value in response.headers.items():
            if name.lower() not in ("content-length", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, central: FakeCentral) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.central = central
        self.lock = threading.Lock()


@pytest.fixture
def central() -> Iterator[tuple[FakeCentral, int]]:
    fake = FakeCentral()
    server = _Server(fake)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake, server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def desk_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    database.conn.close()
    return path


def queue_ops(database: sqlite_utils.Database, fake: FakeCentral, count: int) -> list[str]:
    ids = []
    for i in range(count):
        case = new_case(database, f"82{i:05d}")
        fake.seed(case)
        database.execute("DELETE FROM outbox WHERE case_id = ?", [case["id"]])
        services.perform(database, ADMIN, Action.VERIFY, case["id"], unit_code="PUPR", now=NOW)
        ids.append(case["local_id"])
    return ids


def states(database: sqlite_utils.Database) -> dict[str, int]:
    return dict(database.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())


# -- remote configuration ----------------------------------------------------------------------


def test_remote_set_stores_the_token_owner_only_and_never_prints_it(
    desk_path: Path, tmp_path: Path
) -> None:
    token_file = tmp_path / "token.txt"
    token_file.write_text("s3cr3t-office-token\n")
    result = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "remote",
            "set",
            "http://127.0.0.1:9/",  # local, nothing listens: stored unchecked
            "--token-file",
            str(token_file),
            "--db",
            str(desk_path),
            "--as",
            ADMIN.nip,  # repointing sync is an admin's act
        ],
    )
    assert result.exit_code == 0, result.output
    assert "s3cr3t" not in result.output
    stored = desk_path.with_name("desk.db.sync-token")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    shown = runner.invoke(app, ["--lang", "en", "remote", "show", "--db", str(desk_path)])
    assert "http://127.0.0.1:9" in shown.output and "stored" in shown.output
    assert "s3cr3t" not in shown.output


def test_sync_without_a_remote_says_how_to_set_one(desk_path: Path) -> None:
    result = runner.invoke(app, ["--lang", "en", "sync", "--db", str(desk_path)])
    assert result.exit_code == 2
    assert "desk remote set" in result.output
    assert "Traceback" not in result.output


def test_a_bad_url_is_refused_in_one_line(desk_path: Path, tmp_path: Path) -> None:
    token_file = tmp_path / "token.txt"
    token_file.write_text("abc")
    result = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "remote",
            "set",
            "pusat.test",
            "--token-file",
            str(token_file),
            "--db",
            str(desk_path),
            "--as",
            ADMIN.nip,  # repointing sync is an admin's act
        ],
    )
    assert result.exit_code == 1 and "http://" in result.output


# -- the CLI end to end ------------------------------------------------------------------------


def test_cli_sync_json_log_conflicts_and_resolve(
    desk_path: Path, central: tuple[FakeCentral, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.console import Console

    from desk.cli import sync_cmd

    monkeypatch.setattr(sync_cmd, "console", Console(highlight=False, width=250))
    fake, port = central
    database = open_database(desk_path)
    save_remote(database, desk_path, f"http://127.0.0.1:{port}", TOKEN)
    (first, second) = queue_ops(database, fake, 2)
    fake.server_edit(second, unit_code="DINKES")  # overlaps the desk's disposition
    args = ["--lang", "en", "sync", "--db", str(desk_path)]
    result = runner.invoke(app, [*args, "--json"])
    report = json.loads(result.output)
    assert result.exit_code == 1  # partial: one conflict waits for an officer
    assert report["ops_applied"] == 1 and report["ops_conflict"] == 1
    assert TOKEN not in result.output

    log = json.loads(runner.invoke(app, ["sync", "log", "--json", "--db", str(desk_path)]).output)
    assert log[0]["outcome"] == "partial" and log[0]["bytes_up"] > 0
    text_log = runner.invoke(app, ["--lang", "en", "sync", "log", "--db", str(desk_path)])
    assert "partial" in text_log.output

    listed = runner.invoke(app, ["--lang", "en", "sync", "conflicts", "--db", str(desk_path)])
    assert "8200001" in listed.output and "DINKES" in listed.output and "PUPR" in listed.output
    resolved = runner.invoke(
        app,
        [
            *args[:2],
            "sync",
            "resolve",
            "8200001",
            "--keep",
            "mine",
            "--as",
            ADMIN.nip,
            "--db",
            str(desk_path),
        ],
    )
    assert resolved.exit_code == 0, resolved.output
    again = runner.invoke(app, [*args, "--json"])
    assert again.exit_code == 0, again.output
    assert fake.cases[second]["unit_code"] == "PUPR"
    assert fake.cases[first]["unit_code"] == "PUPR"
    assert all(count == 1 for count in fake.applications.values())


def test_cli_sync_refused_token_is_one_clear_line_and_exit_2(
    desk_path: Path, central: tuple[FakeCentral, int]
) -> None:
    fake, port = central
    database = open_database(desk_path)
    save_remote(database, desk_path, f"http://127.0.0.1:{port}", "revoked-token")
    queue_ops(database, fake, 1)
    result = runner.invoke(app, ["--lang", "en", "sync", "--db", str(desk_path)])
    assert result.exit_code == 2
    assert "token" in result.output and "revoked-token" not in result.output
    assert "Traceback" not in result.output
    assert states(database) == {"pending": 1}
    assert len(fake.requests) == 1


# -- through the proxy -------------------------------------------------------------------------


def test_every_first_response_dropped_makes_no_duplicate(
    database: sqlite_utils.Database, central: tuple[FakeCentral, int]
) -> None:
    fake, port = central
    queue_ops(database, fake, 30)
    with SyncProxy(port, Faults(drop_first_response=True)) as proxy:
        report = run_sync(database, Remote(proxy.url, TOKEN), policy=FAST, batch_ops=10)
    assert report.outcome == "ok", report.error
    assert proxy.dropped >= 3
    assert report.ops_duplicate == 30 and report.ops_applied == 0
    assert sorted(fake.applications.values()) == [1] * 30
    assert states(database) == {"done": 30}


def test_the_byte_count_matches_what_crossed_the_proxy(
    database: sqlite_utils.Database, central: tuple[FakeCentral, int]
) -> None:
    fake, port = central
    queue_ops(database, fake, 20)
    with SyncProxy(port) as proxy:
        report = run_sync(database, Remote(proxy.url, TOKEN), policy=FAST)
    assert report.requests == proxy.requests == 2
    assert abs(report.bytes_up - proxy.bytes_up) <= 0.05 * proxy.bytes_up
    assert abs(report.bytes_down - proxy.bytes_down) <= 0.05 * proxy.bytes_down


def test_a_cut_in_the_middle_of_a_pull_costs_at_most_one_page(
    database: sqlite_utils.Database, central: tuple[FakeCentral, int], tmp_path: Path
) -> None:
    fake, port = central
    source = open_database(tmp_path / "source.db")
    make_office(source)
    for i in range(40):
        fake.seed(new_case(source, f"83{i:05d}"))
    # The fourth answer (the fourth page) is cut after 300 bytes.
    with SyncProxy(port, Faults(cut_response_after=300, cut_from_request=4)) as proxy:
        remote = Remote(proxy.url, TOKEN)
        cut = run_sync(database, remote, page_limit=10, policy=RetryPolicy(attempts=1))
        assert cut.outcome == "failed" and cut.changes_pulled == 30
        assert database.execute("SELECT count(*) FROM cases").fetchone()[0] == 30
        proxy.reset_counters()
        resumed = run_sync(database, remote, page_limit=10, policy=FAST)
    assert resumed.outcome == "ok"
    assert resumed.changes_pulled == 10  # only the page that was cut, not the whole feed
    assert database.execute("SELECT count(*) FROM cases").fetchone()[0] == 40


def test_a_client_killed_mid_push_loses_nothing_and_applies_each_op_once(
    desk_path: Path, central: tuple[FakeCentral, int], tmp_path: Path
) -> None:
    fake, port = central
    database = open_database(desk_path)
    queue_ops(database, fake, 60)
    before = database.execute("SELECT op_id, payload FROM outbox ORDER BY op_id").fetchall()
    # The receipt crawls back at 4 kbit/s: the server has applied the batch long before.
    with SyncProxy(port, Faults(down_bps=4_000)) as proxy:
        save_remote(database, desk_path, proxy.url, TOKEN)
        child = subprocess.Popen(
            [sys.executable, "-m", "desk.cli.main", "sync", "--push-only", "--db", str(desk_path)],
            env={**os.environ, "DESK_CONFIG": str(tmp_path / "config.json")},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not fake.applications and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fake.applications, "the push never reached the server"
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    after = database.execute("SELECT op_id, payload FROM outbox ORDER BY op_id").fetchall()
    assert after == before  # every op still there, untouched
    assert set(states(database)) <= {"pending", "sending"}
    save_remote(database, desk_path, f"http://127.0.0.1:{port}", TOKEN)
    report = run_sync(database, Remote(f"http://127.0.0.1:{port}", TOKEN), policy=FAST)
    assert report.outcome == "ok", report.error
    assert report.ops_duplicate == 60
    assert sorted(fake.applications.values()) == [1] * 60
    assert states(database) == {"done": 60}


def test_a_reset_connection_is_retried(
    database: sqlite_utils.Database, central: tuple[FakeCentral, int]
) -> None:
    fake, port = central
    queue_ops(database, fake, 3)
    with SyncProxy(port, Faults(reset_connections=2)) as proxy:
        report = run_sync(database, Remote(proxy.url, TOKEN), policy=FAST)
    assert report.outcome == "ok" and report.retries == 2
    assert states(database) == {"done": 3}
