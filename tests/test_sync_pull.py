"""Pulls that finish on bad links and say what they are doing (issue 14, defects 4–6), against
the real central server through the fault-injecting proxy, on either central store
(`central_store`: SQLite, then PostgreSQL)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import zstandard

from db import open_database
from desk.central.testing import prepare_central, running_server
from desk.sync.pull import PullResult, pull
from desk.sync.remote import Remote, save_remote
from desk.sync.run import Progress, run_sync
from desk.sync.transport import LineDecoder, RetryPolicy, Transport
from tests.pg_support import central_query, central_store  # noqa: F401
from tests.sync_proxy import Faults, SyncProxy

FAST = RetryPolicy(attempts=8, base=0.01, cap=0.05)


def central_with(location: str, cases: int) -> tuple[str, str]:
    tokens = prepare_central(location, cases=cases, offices={"prov": (["SETDA"], True)})
    return location, tokens["prov"]


CASES = "SELECT local_id, version, status FROM cases"
EVENTS = "SELECT c.local_id, e.uid FROM events e JOIN cases c ON c.id = e.case_id"


def state_of(
    cases: list[tuple[Any, ...]], events: list[tuple[Any, ...]]
) -> dict[str, tuple[Any, ...]]:
    """Each case's version, status and event uids (sorted), by local id."""
    uids: dict[str, list[str]] = {}
    for local_id, uid in events:
        uids.setdefault(local_id, []).append(uid)
    return {
        local_id: (int(version), status, sorted(uids.get(local_id, [])))
        for local_id, version, status in cases
    }


def desk_state(path: Path) -> dict[str, tuple[Any, ...]]:
    database = open_database(path)
    try:
        return state_of(database.execute(CASES).fetchall(), database.execute(EVENTS).fetchall())
    finally:
        database.conn.close()


def central_state(location: str) -> dict[str, tuple[Any, ...]]:
    return state_of(central_query(location, CASES), central_query(location, EVENTS))


def test_a_first_pull_of_10000_cases_finishes_through_a_link_that_cuts_every_connection_at_60_kb(
    tmp_path: Path,
    central_store: str,  # noqa: F811
) -> None:
    central_path, token = central_with(central_store, 10_000)
    desk_path = tmp_path / "desk.db"
    desk = open_database(desk_path)
    # 4 Mbit/s: the desk reads what arrives as it arrives, as on a real link (unthrottled, the
    # reset would also throw away what sat unread in the socket).
    faults = Faults(cut_connection_after=60_000, down_bps=16_000_000)
    with (
        running_server(central_path, rate=10_000, burst=10_000) as url,
        SyncProxy(int(url.rsplit(":", 1)[1]), faults) as proxy,
    ):
        report = run_sync(desk, Remote(proxy.url, token), policy=FAST)
    assert report.outcome == "ok", report.error
    assert report.changes_pulled >= 10_000
    assert proxy.cuts >= 20  # it really was cut, again and again
    # Nothing lost on the way: the desk holds exactly the server's cases, versions, statuses
    # and events.
    assert desk_state(desk_path) == central_state(central_path)
    # What the cuts cost: a cut wastes what came after the last checkpoint, not the page
    # (measured 1.22 times an uncut pull; halving the page after every cut made it 1.51).
    clean = _clean_pull_bytes(tmp_path, central_path, token)
    assert report.bytes_down < 1.35 * clean, (report.bytes_down, clean)


def _clean_pull_bytes(tmp_path: Path, central_path: str, token: str) -> int:
    desk = open_database(tmp_path / "clean.db")
    with running_server(central_path, rate=10_000, burst=10_000) as url:
        report = run_sync(desk, Remote(url, token), policy=FAST)
    assert report.outcome == "ok"
    return report.bytes_down


def test_page_size_halves_after_a_cut_that_stored_nothing_and_grows_back(
    tmp_path: Path,
    central_store: str,  # noqa: F811
) -> None:
    central_path, token = central_with(central_store, 400)
    desk = open_database(tmp_path / "desk.db")
    # The second answer is cut after 2 KB, before its first checkpoint, once.
    faults = Faults(cut_response_after=2_000, cut_from_request=2, cut_times=1)
    with (
        running_server(central_path, rate=10_000, burst=10_000) as url,
        SyncProxy(int(url.rsplit(":", 1)[1]), faults) as proxy,
    ):
        transport = Transport(Remote(proxy.url, token), policy=FAST)
        result = pull(desk, transport, limit=64, result=PullResult())
        transport.close()
    assert result.cuts == 1
    first, cut, after_cut, *rest = result.limits
    assert (first, cut) == (64, 64)
    assert after_cut == 32  # halved after the cut
    assert rest[:2] == [64, 64]  # doubled back (never above what was asked) once pages arrive
    assert desk.execute("SELECT count(*) FROM cases").fetchone()[0] == 400


def test_a_cut_after_checkpoints_keeps_what_came_and_the_page_size(
    tmp_path: Path,
    central_store: str,  # noqa: F811
) -> None:
    central_path, token = central_with(central_store, 400)
    desk = open_database(tmp_path / "desk.db")
    faults = Faults(cut_response_after=40_000, cut_from_request=1, cut_times=1, down_bps=4e6)
    with (
        running_server(central_path, rate=10_000, burst=10_000) as url,
        SyncProxy(int(url.rsplit(":", 1)[1]), faults) as proxy,
    ):
        transport = Transport(Remote(proxy.url, token), policy=FAST)
        result = pull(desk, transport, limit=300, result=PullResult())
        transport.close()
    assert result.cuts == 1 and result.limits[:2] == [300, 300]
    # The cut answer's changes up to its last checkpoint were stored: the second request
    # starts after them, so the pull took two answers' worth, not three.
    assert result.checkpoints >= 3 and result.changes == 400
    assert len(result.limits) == 3


def test_progress_moves_within_a_page_with_bytes_cases_and_an_estimate(
    tmp_path: Path,
    central_store: str,  # noqa: F811
) -> None:
    central_path, token = central_with(central_store, 300)
    desk = open_database(tmp_path / "desk.db")
    events: list[Progress] = []
    # About 3 s for the one page at 240 kbit/s: progress must move while it arrives.
    with running_server(central_path, rate=10_000, burst=10_000) as url:
        faults = Faults(down_bps=240_000, latency=0.05)
        with SyncProxy(int(url.rsplit(":", 1)[1]), faults) as proxy:
            report = run_sync(desk, Remote(proxy.url, token), policy=FAST, progress=events.append)
    assert report.outcome == "ok", report.error
    assert report.pages == 1
    pulling = [e for e in events if e.phase == "pull"]
    inside = [e for e in pulling if 0 < e.done < 300]
    assert len(inside) >= 3  # cases counted as they arrive, within the one page
    assert [e.done for e in pulling] == sorted(e.done for e in pulling)
    assert pulling[-1].bytes_down > pulling[1].bytes_down > 0
    told = [e.total for e in pulling if e.total is not None]
    assert told and set(told) == {300}  # the server said how many, from its first line on
    assert any(e.seconds_left is not None for e in inside)
    assert "300" in pulling[-1].text() and "KB" in pulling[-1].text()
    # The phases come in order: nothing says "sending" once the fetching has started.
    phases = [e.phase for e in events if e.phase != "wait"]
    assert phases.index("pull") > max(i for i, p in enumerate(phases) if p == "push")


def test_a_killed_sync_leaves_a_log_row_with_what_it_had_done(
    tmp_path: Path,
    central_store: str,  # noqa: F811
) -> None:
    central_path, token = central_with(central_store, 3_000)
    desk_path = tmp_path / "desk.db"
    desk = open_database(desk_path)
    with running_server(central_path, rate=10_000, burst=10_000) as url:
        # Slow enough that the pull takes many seconds: killed after some of it was stored.
        faults = Faults(down_bps=400_000)
        with SyncProxy(int(url.rsplit(":", 1)[1]), faults) as proxy:
            save_remote(desk, desk_path, proxy.url, token)
            child = subprocess.Popen(
                [sys.executable, "-m", "desk.cli.main", "sync", "--db", str(desk_path)],
                env={**os.environ, "DESK_CONFIG": str(tmp_path / "config.json")},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 60
            stored = 0
            while time.monotonic() < deadline and stored < 500:
                time.sleep(0.2)
                stored = desk.execute("SELECT count(*) FROM cases").fetchone()[0]
            assert child.poll() is None, "the sync ended before it could be killed"
            child.send_signal(signal.SIGKILL)
            child.wait(10)
    row = desk.execute(
        "SELECT outcome, finished_at, requests, bytes_down, changes_pulled, checkpoint_at "
        "FROM sync_log ORDER BY id DESC LIMIT 1"
    ).fetchone()
    outcome, finished, requests, bytes_down, pulled, checkpoint = row
    cases = desk.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert outcome == "running" and finished is None  # shown as interrupted
    assert requests >= 1 and bytes_down > 50_000 and checkpoint
    # The log agrees with what is stored, to within what arrived after the last checkpoint.
    assert 0 < pulled <= cases
    assert cases - pulled <= 250


def test_the_cli_log_shows_an_interrupted_sync_with_its_figures(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from desk.cli.main import app

    desk_path = tmp_path / "desk.db"
    desk = open_database(desk_path)
    desk.execute(
        "INSERT INTO sync_log (started_at, direction, requests, bytes_down, changes_pulled, "
        "pages, checkpoint_at) VALUES ('2026-12-01T08:00:00Z', 'both', 9, 480000, 7000, 14, "
        "'2026-12-01T08:03:00Z')"
    )
    desk.conn.commit()
    result = CliRunner().invoke(app, ["sync", "log", "--db", str(desk_path)])
    assert result.exit_code == 0, result.output
    assert "terputus" in result.output.lower()
    assert "7000" in result.output or "7.000" in result.output
    assert "468,8 KB" in result.output


def test_a_decoder_refuses_an_answer_that_inflates_past_its_bound() -> None:
    bomb = zstandard.ZstdCompressor(level=3).compress(b"\n" * (8 * 1024 * 1024))
    decoder = LineDecoder("zstd", limit=1024 * 1024)
    with pytest.raises(ValueError, match="inflates past"):
        decoder.feed(bomb)
    assert decoder.decoded <= 1024 * 1024


def test_a_streamed_page_decodes_line_by_line_up_to_each_checkpoint(
    central_store: str,  # noqa: F811
) -> None:
    central_path, token = central_with(central_store, 120)
    import httpx

    with running_server(central_path) as url, httpx.Client() as client:
        request = client.build_request(
            "GET",
            f"{url}/sync/v1/changes",
            params={"stream": "1", "limit": "100"},
            headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "zstd"},
        )
        raw = client.send(request, stream=True)
        body = b"".join(raw.iter_raw())  # as it crossed the wire, not decoded by httpx
    assert raw.headers["content-encoding"] == "zstd"
    # Any prefix of the body decodes up to its last complete block: cut it anywhere and the
    # lines before the last checkpoint are whole JSON.
    for cut in (len(body) // 3, len(body) // 2, len(body) - 10):
        decoder = LineDecoder("zstd")
        lines = decoder.feed(body[:cut])
        assert lines and lines[0]["type"] == "desk-sync/changes"
        checkpoints = [line for line in lines if "k" in line]
        assert checkpoints, cut
    whole = LineDecoder("zstd").feed(body)
    assert whole[0]["remaining"] == 120 and whole[0]["has_more"] is True
    assert whole[-1] == {"k": whole[0]["next_cursor"]}
    assert len([line for line in whole if "case" in line]) == 100
    json.dumps(whole)  # plain data


def test_a_pulled_case_whose_number_a_desk_only_record_holds_is_kept_and_the_sync_says_so(
    tmp_path: Path,
    central_store: str,  # noqa: F811
) -> None:
    """A local import and the central system both hold LAPOR! complaint N under different ids:
    the pulled case is stored (never a failed page) without the number, and the officer is told
    which numbers and what to do, instead of finding an unnumbered "lokal" case by chance."""
    from typer.testing import CliRunner

    from desk.cli.main import app
    from tests.conftest import make_office, new_case

    central_path, token = central_with(central_store, cases=3)
    ((number, central_id),) = central_query(
        central_path, "SELECT tracking_no, local_id FROM cases ORDER BY id LIMIT 1"
    )
    desk_path = tmp_path / "desk.db"
    desk = open_database(desk_path)
    make_office(desk)
    new_case(desk, number=number)
    desk.execute("DELETE FROM outbox")  # as an import leaves it: history, nothing to send
    desk.conn.commit()
    with running_server(central_path) as url:
        save_remote(desk, desk_path, url, token)
        desk.conn.close()
        result = CliRunner().invoke(app, ["sync", "--db", str(desk_path)])
    assert result.exit_code == 0, result.output
    assert "1 kasus dari pusat disimpan tanpa nomor pelacakannya" in result.output
    assert f"({number})" in result.output
    desk = open_database(desk_path)
    rows = desk.execute(
        "SELECT local_id, tracking_no FROM cases WHERE tracking_no = ? OR local_id = ?",
        [number, central_id],
    ).fetchall()
    desk.conn.close()
    numbers = dict(rows)
    assert numbers.pop(central_id) is None  # the central system's case, kept without it
    assert list(numbers.values()) == [number]  # the desk-only record keeps its number
