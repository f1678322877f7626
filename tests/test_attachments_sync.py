"""Attachments through a real central server and the fault-injecting proxy: chunked, resumable
transfers, text first, and the per-sync byte budget."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlite_utils

from db import open_database
from desk import attachments
from desk.central.store_api import open_store
from desk.central.testing import prepare_central, running_server
from desk.sync.remote import Remote, save_remote
from desk.sync.run import SyncReport, run_sync
from desk.sync.transport import RawReply, Transport
from tests.pg_support import central_execute, central_query, central_store  # noqa: F401
from tests.sync_proxy import Faults, SyncProxy
from tests.sync_world import central_to_fill
from tests.test_sync_server import FAST, add_new_reports, add_offices, admin

SIZE = 40_000
CHUNK = 8192


class Central:
    """A running central server on either store (`location`), and its offices' tokens."""

    def __init__(self, location: str, url: str, tokens: dict[str, str]) -> None:
        self.location, self.url, self.tokens = location, url, tokens
        self.port = int(url.rsplit(":", 1)[1])

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return central_query(self.location, sql, params or [])


@pytest.fixture
def central(tmp_path: Path, central_store: str) -> Iterator[Central]:  # noqa: F811
    with central_to_fill(central_store, tmp_path) as path:
        prepare_central(path, cases=3)
        add_new_reports(path, 3)
        tokens = add_offices(path, "prov", "kota")
    with running_server(central_store, rate=1000, burst=1000) as url:
        yield Central(central_store, url, tokens)


def new_desk(
    tmp_path: Path, name: str, central: Central, office: str = "prov"
) -> sqlite_utils.Database:
    """A new desk after a first sync of the text only (no files moved yet)."""
    path = tmp_path / f"{name}.db"
    database = open_database(path)
    save_remote(database, path, central.url, central.tokens[office])
    remote = Remote(central.url, central.tokens[office])
    report = run_sync(database, remote, policy=FAST, attachments="none")
    assert report.outcome == "ok", report.error
    return database


def photo(tmp_path: Path, name: str = "jalan.jpg", size: int = SIZE) -> Path:
    path = tmp_path / name
    path.write_bytes(b"\xff\xd8\xff\xe0" + os.urandom(size - 4))
    return path


def attach_photo(database: sqlite_utils.Database, path: Path) -> dict[str, Any]:
    case = database.execute(
        "SELECT local_id FROM cases WHERE status = 'baru' ORDER BY local_id LIMIT 1"
    ).fetchone()
    done = attachments.attach(database, admin(database), case[0], path)
    return {"local_id": case[0], "sha256": done.stored.sha256}


def sync(database: sqlite_utils.Database, url: str, token: str, **options: Any) -> SyncReport:
    options.setdefault("policy", FAST)
    options.setdefault("file_chunk", CHUNK)
    return run_sync(database, Remote(url, token), **options)


def central_file(central: Central, sha256: str) -> Path:
    store = open_store(central.location, create=False)
    try:
        return attachments.stored_path(store.files_root(), sha256)
    finally:
        store.close()


def held_centrally(central: Central, token: str, sha256: str) -> int:
    reply = httpx.head(
        f"{central.url}/sync/v1/files/{sha256}", headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status_code == 200
    return int(reply.headers["X-Desk-Offset"])


@pytest.fixture
def puts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The content length of every PUT the desk makes (chunks sent, cut or not)."""
    sent: list[int] = []
    original = Transport.raw

    def counting(self: Transport, method: str, path: str, **kw: Any) -> RawReply:
        if method == "PUT":
            sent.append(len(kw.get("content") or b""))
        return original(self, method, path, **kw)

    monkeypatch.setattr(Transport, "raw", counting)
    return sent


def test_an_upload_cut_halfway_resumes_where_the_server_stopped(
    tmp_path: Path, central: Central, monkeypatch: pytest.MonkeyPatch, puts: list[int]
) -> None:
    desk = new_desk(tmp_path, "field", central)
    token = central.tokens["prov"]
    meta = attach_photo(desk, photo(tmp_path))
    with SyncProxy(central.port) as proxy:
        original = Transport.raw

        def cut_after_half(self: Transport, method: str, path: str, **kw: Any) -> RawReply:
            if method == "PUT" and len(puts) == 3:
                # The third chunk's answer is cut: the server has its bytes, the desk never
                # hears so. Halfway through the photo.
                proxy.faults.cut_response_after = 30
                proxy.faults.cut_times = 1
            return original(self, method, path, **kw)

        monkeypatch.setattr(Transport, "raw", cut_after_half)
        report = sync(desk, proxy.url, token)
    assert report.outcome == "ok", report.error
    assert proxy.cuts == 1 and report.retries >= 1
    assert report.files_up == 1
    stored = central_file(central, meta["sha256"])
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == meta["sha256"]
    # Every byte crossed once: the resumed upload asked the server where it was.
    assert sum(puts) == SIZE
    assert (
        desk.execute("SELECT count(*) FROM sync_state WHERE key LIKE 'file_up:%'").fetchone()[0]
        == 0
    )
    log = desk.execute("SELECT bytes_up FROM sync_log ORDER BY id DESC LIMIT 1").fetchone()
    assert log[0] > SIZE  # the file's bytes are in the sync's accounting


def test_text_first_then_files_within_the_budget_the_rest_next_sync(
    tmp_path: Path, central: Central, puts: list[int]
) -> None:
    desk = new_desk(tmp_path, "field", central)
    token = central.tokens["prov"]
    meta = attach_photo(desk, photo(tmp_path))

    first = sync(desk, central.url, token, attachments="none")
    assert first.outcome == "ok" and first.ops_applied == 1
    assert first.files_up == 0 and first.files_waiting == 1 and not puts
    rows = central.query("SELECT name, size FROM attachments WHERE sha256 = ?", [meta["sha256"]])
    assert rows == [("jalan.jpg", SIZE)]  # the metadata is central already

    second = sync(desk, central.url, token, budget=2 * CHUNK)
    assert second.file_bytes == 2 * CHUNK and second.files_waiting == 1
    assert held_centrally(central, token, meta["sha256"]) == 2 * CHUNK

    third = sync(desk, central.url, token)
    assert third.files_up == 1 and third.file_bytes == SIZE - 2 * CHUNK
    assert sum(puts) == SIZE
    assert central_file(central, meta["sha256"]).read_bytes() == (
        attachments.stored_path(attachments.store_root(desk), meta["sha256"]).read_bytes()
    )


def test_another_desk_gets_the_metadata_then_downloads_and_resumes_after_a_cut(
    tmp_path: Path, central: Central
) -> None:
    field = new_desk(tmp_path, "field", central)
    meta = attach_photo(field, photo(tmp_path))
    assert sync(field, central.url, central.tokens["prov"]).files_up == 1

    other = new_desk(tmp_path, "other", central, office="kota")
    token = central.tokens["kota"]
    case_id = other.execute(
        "SELECT id FROM cases WHERE local_id = ?", [meta["local_id"]]
    ).fetchone()[0]
    [entry] = attachments.list_attachments(other, case_id)
    assert (entry.name, entry.size) == ("jalan.jpg", SIZE)

    with SyncProxy(central.port, Faults(cut_response_after=SIZE // 2)) as proxy:
        report = sync(other, proxy.url, token, attachments="all")
    assert report.outcome == "ok", report.error
    assert proxy.cuts == 1 and report.files_down == 1
    # Resumed with Range from what had arrived: well under two copies of the file.
    assert proxy.bytes_down < SIZE * 1.2
    [entry] = attachments.list_attachments(other, case_id)
    assert entry.state == "here"
    attachments.verify(entry.path or Path(), meta["sha256"])


def test_small_mode_leaves_big_files_and_a_download_budget_stops_then_continues(
    tmp_path: Path, central: Central
) -> None:
    field = new_desk(tmp_path, "field", central)
    meta = attach_photo(field, photo(tmp_path, size=attachments.SMALL + 10))
    assert sync(field, central.url, central.tokens["prov"], file_chunk=64 * 1024).files_up == 1

    other = new_desk(tmp_path, "other", central, office="kota")
    token = central.tokens["kota"]
    small = sync(other, central.url, token, attachments="small")
    assert small.files_down == 0 and small.files_waiting == 1
    part = attachments.partial_path(attachments.store_root(other), meta["sha256"])
    budgeted = sync(other, central.url, token, budget=1000)
    assert budgeted.file_bytes == 1000 and part.stat().st_size == 1000
    rest = sync(other, central.url, token)
    assert rest.files_down == 1 and rest.file_bytes == attachments.SMALL + 10 - 1000
    assert not part.exists()


def test_an_office_cannot_fetch_or_probe_files_of_cases_it_may_not_read(
    tmp_path: Path, central: Central
) -> None:
    field = new_desk(tmp_path, "field", central)
    meta = attach_photo(field, photo(tmp_path))
    sync(field, central.url, central.tokens["prov"])
    [(unit,)] = central.query("SELECT code FROM units ORDER BY code DESC LIMIT 1")
    store = open_store(central.location, create=False)
    try:
        outsider = store.add_office("luar", [unit], coordinator=False)
    finally:
        store.close()
    headers = {"Authorization": f"Bearer {outsider}"}
    url = f"{central.url}/sync/v1/files/{meta['sha256']}"
    assert httpx.get(url, headers=headers).status_code == 404
    assert httpx.head(url, headers=headers).status_code == 404
    assert httpx.put(url, params={"offset": "0"}, content=b"x", headers=headers).status_code == 404


def test_the_server_refuses_a_file_that_does_not_match_its_sha256(
    tmp_path: Path, central: Central
) -> None:
    field = new_desk(tmp_path, "field", central)
    meta = attach_photo(field, photo(tmp_path, size=100))
    sync(field, central.url, central.tokens["prov"], attachments="none")
    headers = {"Authorization": f"Bearer {central.tokens['prov']}"}
    url = f"{central.url}/sync/v1/files/{meta['sha256']}"
    wrong = httpx.put(url, params={"offset": "0"}, content=b"\xff" * 100, headers=headers)
    assert wrong.status_code == 422
    assert held_centrally(central, central.tokens["prov"], meta["sha256"]) == 0
    report = sync(field, central.url, central.tokens["prov"])
    assert report.files_up == 1


def test_a_chunk_cut_mid_request_keeps_what_arrived(tmp_path: Path, central: Central) -> None:
    import socket
    import time

    field = new_desk(tmp_path, "field", central)
    meta = attach_photo(field, photo(tmp_path, size=2000))
    sync(field, central.url, central.tokens["prov"], attachments="none")
    data = attachments.stored_path(attachments.store_root(field), meta["sha256"]).read_bytes()
    request = (
        f"PUT /sync/v1/files/{meta['sha256']}?offset=0 HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {central.tokens['prov']}\r\nContent-Length: 2000\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", central.port)) as link:
        link.sendall(request + data[:700])  # the link drops 700 bytes into the chunk
        time.sleep(0.3)
    token = central.tokens["prov"]
    for _ in range(50):
        if held_centrally(central, token, meta["sha256"]) == 700:
            break
        time.sleep(0.05)
    assert held_centrally(central, token, meta["sha256"]) == 700
    report = sync(field, central.url, token)
    assert report.files_up == 1 and report.file_bytes == 1300


def test_a_file_whose_attach_was_refused_is_not_offered_again(
    tmp_path: Path, central: Central, puts: list[int]
) -> None:
    desk = new_desk(tmp_path, "field", central)
    meta = attach_photo(desk, photo(tmp_path))
    # Meanwhile, on the central system, the officer was disabled: the attach will be refused.
    central_execute(
        central.location, "UPDATE officers SET active = 0 WHERE nip = ?", [admin(desk).nip]
    )
    report = sync(desk, central.url, central.tokens["prov"])
    assert report.ops_rejected == 1
    assert report.files_waiting == 0 and not puts  # nothing sent for a file nobody will keep
    assert meta["sha256"] not in attachments.pending_uploads(desk)
    again = sync(desk, central.url, central.tokens["prov"])
    assert again.files_waiting == 0 and not puts


def test_a_chunk_waits_for_a_chunk_being_written_and_then_lands_nowhere(tmp_path: Path) -> None:
    """Several server processes may take chunks of one upload at once (a retry racing its
    original on another worker): the offset is checked and the chunk appended under a lock on
    the file, so a chunk for an offset another one just filled is not written a second time."""
    import fcntl
    import threading

    from desk.central.files import append_at

    part = tmp_path / "upload.up"
    part.write_bytes(b"")
    answers: list[int] = []
    with open(part, "ab") as other:  # another process, in the middle of its append
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        racer = threading.Thread(target=lambda: answers.append(append_at(part, 0, b"b" * 10)))
        racer.start()
        racer.join(0.3)
        assert racer.is_alive() and part.read_bytes() == b""  # it waits for the lock
        other.write(b"a" * 10)
        other.flush()
    racer.join(5)
    assert answers == [10]  # told where the file stands
    assert part.read_bytes() == b"a" * 10  # and its bytes are not there twice
    assert append_at(part, 10, b"c" * 5) == 15
    assert part.read_bytes() == b"a" * 10 + b"c" * 5
