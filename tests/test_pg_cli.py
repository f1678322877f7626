"""`desk central` with a PostgreSQL store: the `migrate` verb, the verbs on `--store
postgresql://...`, what `serve` refuses (no `--files` for PostgreSQL, a store that moved), and
a server on either store (`central_store`) answering health, hello and the rate limit.

Each test has its own PostgreSQL database (tests/pg_support.py): skipped without a server,
failed without one under DESK_REQUIRE_POSTGRES=1. `serve` runs in a process of its own, with a
timeout: a refusal that did not happen would otherwise serve for ever.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from desk.central.testing import prepare_central, running_server
from desk.cli.main import app
from tests.conftest import NOW
from tests.pg_support import POSTGRESQL, central_store, pg_dsn, url_of  # noqa: F401

OFFICES = {"prov": (["SETDA"], True), "pupr": (["PUPR"], False)}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def central_db(tmp_path: Path) -> Path:
    path = tmp_path / "central.db"
    prepare_central(path, cases=6, seed=2, now=NOW, offices=OFFICES)
    return path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(*arguments: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`desk --lang en central serve ARGUMENTS` in a process of its own (at most 60 s)."""
    env = {**os.environ, "DESK_CONFIG": str(tmp_path / "config.json")}
    env.pop("DESK_CENTRAL_FILES", None)
    command = [sys.executable, "-m", "desk.cli.main", "--lang", "en", "central", "serve"]
    port = ["--port", str(_free_port())]
    return subprocess.run(
        [*command, *arguments, *port], env=env, capture_output=True, text=True, timeout=60
    )


@POSTGRESQL
def test_migrate_prints_its_report(central_db: Path, runner: CliRunner, pg_dsn: str) -> None:  # noqa: F811
    url = url_of(pg_dsn)
    arguments = ["--lang", "en", "central", "migrate", "--from", str(central_db), "--to", url]
    moved = runner.invoke(app, arguments)
    assert moved.exit_code == 0, moved.output
    assert f"{central_db} moved to {url}" in moved.stdout
    assert "  cases: 6" in moved.stdout and "  offices: 2" in moved.stdout
    assert "The change log ends at" in moved.stdout
    assert "desks continue syncing as before, with no re-pull" in moved.stdout
    assert f"--store {url} --files DIR" in moved.stdout
    # The new store answers the verbs.
    listed = runner.invoke(app, ["--lang", "en", "central", "office", "list", "--store", url])
    assert listed.exit_code == 0, listed.output
    assert "prov" in listed.stdout and "pupr" in listed.stdout


@POSTGRESQL
def test_migrate_with_a_new_epoch_says_desks_pull_again(
    central_db: Path,
    runner: CliRunner,
    pg_dsn: str,  # noqa: F811
) -> None:
    arguments = ["central", "migrate", "--from", str(central_db), "--to", url_of(pg_dsn)]
    moved = runner.invoke(app, ["--lang", "en", *arguments, "--new-epoch"])
    assert moved.exit_code == 0, moved.output
    assert "New epoch" in moved.stdout and "every desk pulls everything again once" in moved.stdout


@POSTGRESQL
def test_migrate_refuses_a_store_that_is_not_empty_in_one_line(
    central_db: Path,
    tmp_path: Path,
    runner: CliRunner,
    pg_dsn: str,  # noqa: F811
) -> None:
    url = url_of(pg_dsn)
    second = tmp_path / "second.db"
    shutil.copy(central_db, second)
    assert runner.invoke(app, ["central", "migrate", "--from", str(central_db), "--to", url])
    refused = runner.invoke(
        app, ["--lang", "en", "central", "migrate", "--from", str(second), "--to", url]
    )
    assert refused.exit_code == 1
    assert "already holds central tables" in refused.stderr
    assert "Traceback" not in refused.output
    # The source that was refused can still be served: it was not marked as moved.
    again = runner.invoke(app, ["central", "office", "list", "--db", str(second)])
    assert again.exit_code == 0, again.output


@POSTGRESQL
def test_the_verbs_work_on_a_postgresql_store(runner: CliRunner, pg_dsn: str) -> None:  # noqa: F811
    url = url_of(pg_dsn)
    seeded = runner.invoke(app, ["--lang", "en", "central", "seed", "--cases", "5", "--store", url])
    assert seeded.exit_code == 0, seeded.output
    assert f"5 cases added to {url}" in seeded.stdout
    added = runner.invoke(
        app, ["central", "office", "add", "pupr", "--unit", "pupr", "--store", url]
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["central", "office", "list"], env={"DESK_CENTRAL_STORE": url})
    assert listed.exit_code == 0 and "PUPR" in listed.stdout
    again = runner.invoke(app, ["--lang", "en", "central", "seed", "--cases", "5", "--store", url])
    assert again.exit_code == 1
    assert "only an empty PostgreSQL central store" in again.stderr
    assert "Traceback" not in again.output


@POSTGRESQL
def test_serve_refuses_postgresql_without_a_files_folder(tmp_path: Path, pg_dsn: str) -> None:  # noqa: F811
    refused = serve("--store", url_of(pg_dsn), tmp_path=tmp_path)
    assert refused.returncode == 1
    assert "--files DIR" in refused.stderr and "Traceback" not in refused.stderr


@POSTGRESQL
def test_serve_refuses_a_sqlite_store_that_moved(
    central_db: Path,
    tmp_path: Path,
    pg_dsn: str,  # noqa: F811
) -> None:
    from desk.central.migrate import migrate

    url = url_of(pg_dsn)
    migrate(central_db, url)
    refused = serve("--db", str(central_db), tmp_path=tmp_path)
    assert refused.returncode == 1
    assert f"moved to {url}" in refused.stderr and "Traceback" not in refused.stderr


def test_a_server_on_either_store_answers_health_hello_and_the_rate_limit(
    central_store: str,  # noqa: F811
) -> None:
    tokens = prepare_central(central_store, offices=OFFICES)
    kind = "postgresql" if central_store.startswith("postgresql://") else "sqlite"
    with running_server(central_store, rate=0.5, burst=2) as url:
        health = httpx.get(f"{url}/sync/v1/health")
        assert (health.status_code, health.json()) == (200, {"status": "ok", "store": kind})
        headers = {"Authorization": f"Bearer {tokens['pupr']}"}
        answers = [httpx.get(f"{url}/sync/v1/hello", headers=headers) for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 429]
        assert answers[0].json()["office"] == "pupr"
        assert answers[2].headers["Retry-After"] == "2"  # one token at 0.5 a second
        other = {"Authorization": f"Bearer {tokens['prov']}"}
        assert httpx.get(f"{url}/sync/v1/hello", headers=other).status_code == 200


def test_serve_refuses_several_workers_on_a_sqlite_store(central_db: Path, tmp_path: Path) -> None:
    refused = serve("--db", str(central_db), "--workers", "2", tmp_path=tmp_path)
    assert refused.returncode == 1
    assert "--workers above 1 needs PostgreSQL" in refused.stderr
    assert "Traceback" not in refused.stderr


def _worker_pids(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children")
    return [int(pid) for pid in children.read_text().split()]


@POSTGRESQL
def test_two_workers_serve_one_store_and_a_killed_one_leaves_the_other_answering(
    central_db: Path,
    tmp_path: Path,
    pg_dsn: str,  # noqa: F811
) -> None:
    """`desk central serve --workers 2`: two processes answer on one port, each logging its
    requests with its pid; SIGKILL of one leaves every later request answered."""
    import signal
    import time

    from desk.central.migrate import migrate

    url = url_of(pg_dsn)
    migrate(central_db, url)
    files = tmp_path / "files"
    files.mkdir()
    port = _free_port()
    env = {**os.environ, "DESK_CONFIG": str(tmp_path / "config.json")}
    command = [sys.executable, "-m", "desk.cli.main", "--lang", "en", "central", "serve"]
    command += ["--store", url, "--files", str(files), "--workers", "2", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}/sync/v1"
    try:
        deadline = time.monotonic() + 30
        while len(_worker_pids(server.pid)) < 2 or not _answers(f"{base}/health"):
            assert server.poll() is None and time.monotonic() < deadline, "did not start"
            time.sleep(0.2)
        workers = _worker_pids(server.pid)
        os.kill(workers[0], signal.SIGKILL)
        for _ in range(20):  # a new connection each: any of the workers alive may take it
            assert _answers(f"{base}/health")
    finally:
        server.send_signal(signal.SIGINT)
        _, log = server.communicate(timeout=30)
    said = " ".join(log.split())  # the console wraps its lines
    assert "2 processes, each with up to 10 connections" in said
    assert "max_connections must exceed 20" in said
    logged = {line.split("pid=")[1].split()[0] for line in log.splitlines() if "pid=" in line}
    assert str(workers[1]) in logged  # the survivor answered after the kill


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
