"""An unreachable server is told within 10 seconds; a reachable one's hiccups are still retried
(issue 16, point 7). Before, a wrong address or a server that was down meant minutes of backoff
(eight tries, pauses doubling to 64 s, 20 s for each connection) with "menunggu" on the line."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from db import open_database
from desk.cli.main import app
from desk.sync.errors import ServerUnreachable
from desk.sync.remote import Remote, save_remote
from desk.sync.transport import UNREACHABLE_AFTER, RetryPolicy, Transport
from tests.conftest import make_office, new_case

runner = CliRunner()


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def transport(handler: Callable[[httpx.Request], httpx.Response], clock: FakeClock) -> Transport:
    def sleep(seconds: float) -> None:
        clock.now += seconds

    return Transport(
        Remote("http://central.test", "t" * 43),
        client=httpx.Client(transport=httpx.MockTransport(handler)),
        policy=RetryPolicy(),  # the real one: eight tries, pauses up to 300 s
        sleep=sleep,
        rand=lambda low, high: high,  # the longest pause each time
        clock=clock,
    )


HELLO = {"type": "desk-sync/hello", "protocol": 1}


def test_a_server_that_never_answers_is_given_up_within_the_bound() -> None:
    clock = FakeClock()
    tries: list[float] = []

    def blackhole(request: httpx.Request) -> httpx.Response:
        tries.append(clock.now)
        clock.now += request.extensions["timeout"]["connect"]  # the whole connect timeout
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(ServerUnreachable, match="tidak ada jawaban"):
        transport(blackhole, clock).call("GET", "/sync/v1/hello", expect="desk-sync/hello")
    assert clock.now <= UNREACHABLE_AFTER


def test_a_refused_connection_is_tried_again_a_few_times_then_told() -> None:
    clock = FakeClock()
    tries: list[float] = []

    def refused(request: httpx.Request) -> httpx.Response:
        tries.append(clock.now)
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    with pytest.raises(ServerUnreachable, match="koneksi ditolak"):
        transport(refused, clock).call("GET", "/sync/v1/hello", expect="desk-sync/hello")
    assert len(tries) >= 2 and clock.now <= UNREACHABLE_AFTER


def test_a_server_that_answered_once_is_retried_as_the_policy_says() -> None:
    # A 503 proves the server is there; the connection failures after it are the link's.
    clock = FakeClock()
    answers: list[Callable[[httpx.Request], httpx.Response]] = [
        lambda request: _raw(503, b""),
        *[_refuse] * 5,
        lambda request: _raw(200, json.dumps(HELLO).encode()),
    ]

    def flaky(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)(request)

    reply = transport(flaky, clock).call("GET", "/sync/v1/hello", expect="desk-sync/hello")
    assert reply.status == 200 and not answers
    assert clock.now > UNREACHABLE_AFTER  # long pauses, as for any bad link


def _raw(status: int, body: bytes) -> httpx.Response:
    """Bytes left raw, as off a socket."""
    return httpx.Response(status, stream=httpx.ByteStream(body))


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def test_desk_sync_to_a_closed_port_says_so_within_ten_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))
    with socket.socket() as probe:  # a port nobody listens on once this closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    new_case(database)
    save_remote(database, path, f"http://127.0.0.1:{port}", "t" * 43)
    queued = database.execute("SELECT count(*) FROM outbox").fetchone()[0]
    database.conn.close()
    started = time.monotonic()
    result = runner.invoke(app, ["sync", "--db", str(path)])
    took = time.monotonic() - started
    assert result.exit_code == 2, result.output
    assert "tidak dapat dihubungi" in result.output and "koneksi ditolak" in result.output
    assert " 0 B naik" in result.output, result.output  # no connection: not a byte was sent
    assert took < UNREACHABLE_AFTER
    database = open_database(path)
    assert database.execute("SELECT count(*) FROM outbox").fetchone()[0] == queued
    database.conn.close()
