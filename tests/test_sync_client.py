"""The sync client against a small in-process stand-in of the central server (httpx.MockTransport).

These tests pin the client's own behaviour (batches, retries, receipts, cursors, conflicts)
without a network; tests/test_sync_server.py runs the same client against the real server
through the fault-injecting proxy.
"""

from __future__ import annotations

import gzip
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlite_utils
import zstandard

from desk import services
from desk.errors import ActionRefused
from desk.sync.conflicts import list_conflicts, list_rejected, resolve
from desk.sync.remote import Remote
from desk.sync.run import SyncReport, run_sync
from desk.sync.transport import RetryPolicy, decode_body
from desk.workflow import Action
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, case_in, new_case

TOKEN = "office-token-abc"
REMOTE = Remote("http://central.test", TOKEN)
FIELDS_OF = {"status": "status", "unit": "unit_code", "assignee": "assignee_nip"}


def server_case(row: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "local_id",
        "tracking_no",
        "title",
        "body",
        "classification",
        "category",
        "channel",
        "anonymous",
        "confidential",
        "status",
        "unit_code",
        "assignee_nip",
        "received_at",
        "updated_at",
        "version",
        "due_at",
        "due_kind",
    )
    return {k: row[k] for k in keep} | {"reporter": None}


def reply(
    status: int,
    content: bytes | str = b"",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A response whose bytes are left raw, as off a socket (httpx would otherwise decode them)."""
    data = content.encode() if isinstance(content, str) else content
    return httpx.Response(status, headers=headers, stream=httpx.ByteStream(data))


class FakeCentral:
    """Just enough of docs/sync-protocol.md: dedup by op id, versions, field conflicts, feed."""

    def __init__(self) -> None:
        self.cases: dict[str, dict[str, Any]] = {}
        self.changed: dict[str, dict[int, set[str]]] = {}  # local_id → version → fields
        self.seq = 0
        self.log: list[tuple[int, str]] = []
        self.results: dict[str, dict[str, Any]] = {}
        self.applications: dict[str, int] = {}
        self.faults: list[Callable[[httpx.Request], httpx.Response | None]] = []
        self.requests: list[httpx.Request] = []
        self.tokens = {TOKEN}
        self.epoch = 1
        self.encodings = "zstd, gzip"
        self.events: dict[str, list[dict[str, Any]]] = {}  # local_id → the events ops made
        self.disabled: set[str] = set()  # officers whose ops are refused (403 role)

    def seed(self, row: dict[str, Any]) -> None:
        self.cases[row["local_id"]] = server_case(row)
        self.touch(row["local_id"])

    def touch(self, local_id: str) -> None:
        self.seq += 1
        self.log.append((self.seq, local_id))

    def server_edit(self, local_id: str, **fields: Any) -> None:
        case = self.cases[local_id]
        case.update(fields)
        case["version"] += 1
        self.changed.setdefault(local_id, {})[case["version"]] = set(fields)
        self.touch(local_id)

    # -- HTTP ------------------------------------------------------------------------------

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.faults:
            fault = self.faults.pop(0)
            response = fault(request)
            if response is not None:
                return response
        return self.serve(request)

    def serve(self, request: httpx.Request) -> httpx.Response:
        """Answer as a healthy server would (the faults are for `__call__`)."""
        if request.headers.get("Authorization") not in {f"Bearer {t}" for t in self.tokens}:
            return self.answer(401, {"type": "desk-sync/error", "code": "token", "message": "no"})
        if request.url.path == "/sync/v1/push":
            raw = decode_body(request.content, request.headers.get("Content-Encoding", ""))
            return self.answer(200, self.push(json.loads(raw)["ops"]))
        if request.url.path == "/sync/v1/cases":
            raw = decode_body(request.content, request.headers.get("Content-Encoding", ""))
            return self.answer(200, self.named(json.loads(raw)["ids"]))
        return self.changes(request)

    def named(self, ids: list[str]) -> dict[str, Any]:
        """`POST /sync/v1/cases`: each case whole, with every event (those ops made here)."""
        self.fetched = getattr(self, "fetched", []) + ids
        changes = [
            {"case": dict(self.cases[i]), "events": list(self.events.get(i, []))}
            if i in self.cases
            else {"gone": i, "reason": "unknown"}
            for i in ids
        ]
        return {"type": "desk-sync/cases", "changes": changes}

    def answer(self, status: int, body: dict[str, Any] | None, **headers: str) -> httpx.Response:
        content = gzip.compress(json.dumps(body).encode()) if body is not None else b""
        extra = {"Content-Encoding": "gzip"} if body is not None else {}
        return reply(status, content, {"X-Desk-Encodings": self.encodings, **extra, **headers})

    def push(self, ops: list[dict[str, Any]]) -> dict[str, Any]:
        results = []
        for op in ops:
            if op["id"] in self.results:
                results.append({**self.results[op["id"]], "r": "duplicate"})
                continue
            if op.get("a") in self.disabled:
                reason = f"Petugas {op['a']} sudah dinonaktifkan."
                result = {"id": op["id"], "r": "rejected", "s": 403, "code": "role"}
                self.results[op["id"]] = result | {"reason": reason}
                results.append(self.results[op["id"]])
                continue
            case = self.cases[op["c"]]
            fields = {FIELDS_OF[k] for k in op["p"] if k in FIELDS_OF}
            later = set().union(
                *(f for v, f in self.changed.get(op["c"], {}).items() if v > op["v"])
            )
            if fields & later:
                result = {
                    "id": op["id"],
                    "r": "conflict",
                    "s": 409,
                    "v": case["version"],
                    "fields": sorted(fields & later),
                    "case": dict(case),
                }
            else:
                values = {FIELDS_OF[k]: v for k, v in op["p"].items() if k in FIELDS_OF}
                self.server_edit(op["c"], **values)
                event = {"uid": op["id"], "at": op["t"], "kind": op["k"], "actor_kind": "officer"}
                self.events.setdefault(op["c"], []).append(event | {"actor_nip": op.get("a")})
                self.applications[op["id"]] = self.applications.get(op["id"], 0) + 1
                result = {"id": op["id"], "r": "applied", "v": case["version"]}
            self.results[op["id"]] = result
            results.append(result)
        return {"type": "desk-sync/receipt", "results": results}

    def changes(self, request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor", "")
        limit = int(request.url.params.get("limit", "200"))
        if cursor and not cursor.startswith(f"{self.epoch}."):
            return self.answer(
                410, {"type": "desk-sync/error", "code": "cursor", "message": "gone"}
            )
        after = int(cursor.split(".")[1]) if cursor else 0
        latest = f"{self.epoch}.{self.seq}"
        if request.headers.get("If-None-Match") == f'"{latest}"':
            return self.answer(304, None)
        entries = [(s, lid) for s, lid in self.log if s > after]
        seen: dict[str, int] = {}
        for s, lid in entries:
            seen[lid] = s  # the latest change of each case, in order
        ordered = sorted(seen.items(), key=lambda item: item[1])
        page, rest = ordered[:limit], ordered[limit:]
        next_seq = page[-1][1] if rest else self.seq
        body = {
            "type": "desk-sync/changes",
            "next_cursor": f"{self.epoch}.{next_seq}",
            "has_more": bool(rest),
            "changes": [{"case": dict(self.cases[lid]), "events": []} for lid, _ in page],
        }
        return self.answer(200, body)


@pytest.fixture
def central() -> FakeCentral:
    return FakeCentral()


def sync(
    database: sqlite_utils.Database,
    central: FakeCentral,
    *,
    sleeps: list[float] | None = None,
    **options: Any,
) -> SyncReport:
    client = httpx.Client(transport=httpx.MockTransport(central))
    waits = sleeps if sleeps is not None else []
    return run_sync(
        database,
        REMOTE,
        client=client,
        sleep=waits.append,
        rand=lambda low, high: high,
        **options,
    )


def outbox_states(database: sqlite_utils.Database) -> dict[str, int]:
    return dict(database.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())


def verified_case(
    database: sqlite_utils.Database, central: FakeCentral, number: str
) -> dict[str, Any]:
    """A case the central server knows at its current local version, with one unsent op."""
    case = new_case(database, number)
    central.seed(case)
    database.execute("DELETE FROM outbox WHERE case_id = ?", [case["id"]])
    return services.perform(
        database, ADMIN, Action.VERIFY, case["id"], unit_code="PUPR", now=NOW
    ).case


# -- push --------------------------------------------------------------------------------------


def test_push_sends_one_compact_batch_and_adopts_the_server_versions(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    cases = [verified_case(database, central, f"81000{i:02d}") for i in range(25)]
    report = sync(database, central, direction="push")
    assert report.outcome == "ok" and report.exit_code == 0
    assert report.ops_applied == 25 and report.requests == 1
    assert outbox_states(database) == {"done": 25}
    (push,) = [r for r in central.requests if r.url.path == "/sync/v1/push"]
    assert push.headers["Content-Encoding"] == "gzip"  # nothing advertised yet
    op = json.loads(gzip.decompress(push.content))["ops"][0]
    assert set(op) == {"id", "c", "k", "v", "p", "a", "t"}
    assert op["p"] == {"status": "terverifikasi", "unit": "PUPR"}
    # The local version is now the server's, so the next op is based on what the server has.
    for case in cases:
        local = database.execute("SELECT version FROM cases WHERE id = ?", [case["id"]]).fetchone()
        assert local[0] == central.cases[case["local_id"]]["version"]
    # Accounting: the compressed body plus headers, far below one uncompressed JSON per op.
    assert report.bytes_up < 25 * 90


def test_zstd_is_used_once_the_server_advertised_it(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    verified_case(database, central, "8100001")
    sync(database, central, direction="pull")  # learns "X-Desk-Encodings: zstd, gzip"
    verified_case(database, central, "8100002")
    sync(database, central, direction="push")
    push = [r for r in central.requests if r.url.path == "/sync/v1/push"][-1]
    assert push.headers["Content-Encoding"] == "zstd"
    assert json.loads(zstandard.ZstdDecompressor().decompressobj().decompress(push.content))


def test_a_lost_acknowledgement_is_resent_and_applied_once(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    case = verified_case(database, central, "8100001")

    def apply_then_lose(request: httpx.Request) -> None:
        central.serve(request)  # the server applies the batch...
        raise httpx.ReadError("connection reset")  # ...and the answer never arrives

    central.faults.append(apply_then_lose)
    report = sync(database, central, direction="push")
    assert report.outcome == "ok" and report.retries == 1
    assert report.ops_duplicate == 1 and report.ops_applied == 0
    assert list(central.applications.values()) == [1]
    assert outbox_states(database) == {"done": 1}
    assert central.cases[case["local_id"]]["status"] == "terverifikasi"


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(lambda r: reply(500, "oops"), id="500"),
        pytest.param(lambda r: reply(502), id="502-empty"),
        pytest.param(
            lambda r: reply(
                200, "<html><body>Login to Wifi.id</body></html>", {"Content-Type": "text/html"}
            ),
            id="captive-portal",
        ),
        pytest.param(
            lambda r: reply(
                200,
                gzip.compress(b'{"type":"desk-sync/receipt","results":[]}' * 20)[:40],
                {"Content-Encoding": "gzip"},
            ),
            id="truncated-gzip",
        ),
        pytest.param(lambda r: reply(200, '{"ok": true}'), id="wrong-json"),
        pytest.param(lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow")), id="timeout"),
    ],
)
def test_a_bad_answer_is_retried_and_nothing_is_lost(
    database: sqlite_utils.Database,
    central: FakeCentral,
    fault: Callable[[httpx.Request], httpx.Response],
) -> None:
    verified_case(database, central, "8100001")
    central.faults.extend([fault, fault])
    sleeps: list[float] = []
    report = sync(database, central, direction="push", sleeps=sleeps)
    assert report.outcome == "ok", report.error
    assert report.retries == 2 and report.ops_applied == 1
    assert sleeps == [0.5, 1.0]  # full jitter's upper bounds with rand → high: 0.5·2^n
    assert outbox_states(database) == {"done": 1}
    assert list(central.applications.values()) == [1]


def test_retry_after_is_honoured_and_capped(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    verified_case(database, central, "8100001")
    central.faults.append(lambda r: reply(429, b"", {"Retry-After": "7"}))
    central.faults.append(lambda r: reply(429, b"", {"Retry-After": "86400"}))
    sleeps: list[float] = []
    report = sync(database, central, direction="push", sleeps=sleeps)
    assert report.outcome == "ok"
    assert sleeps == [7.0, 300.0]


def test_a_link_that_keeps_failing_ends_the_sync_with_everything_still_queued(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    verified_case(database, central, "8100001")
    central.faults.extend([lambda r: reply(503)] * 8)
    report = sync(database, central, policy=RetryPolicy(attempts=8))
    assert report.outcome == "failed" and report.exit_code == 2
    assert "8" in (report.error or "") and "503" in (report.error or "")
    assert report.requests == 8 and report.retries == 7
    assert outbox_states(database) == {"pending": 1}  # not left 'sending'
    row = database.execute("SELECT outcome, requests, retries, error FROM sync_log").fetchone()
    assert row[0] == "failed" and row[1] == 8 and row[2] == 7 and row[3]


def test_a_refused_token_stops_at_once(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    verified_case(database, central, "8100001")
    central.tokens = {"another"}
    report = sync(database, central)
    assert report.outcome == "failed" and report.requests == 1
    assert "token" in (report.error or "").lower()
    assert TOKEN not in (report.error or "")
    assert outbox_states(database) == {"pending": 1}


def test_413_halves_the_batch_until_it_fits(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    for i in range(8):
        verified_case(database, central, f"81000{i:02d}")
    sizes: list[int] = []

    def too_large_unless_small(request: httpx.Request) -> httpx.Response | None:
        ops = json.loads(gzip.decompress(request.content))["ops"]
        sizes.append(len(ops))
        return reply(413) if len(ops) > 2 else central.serve(request)

    central.faults.extend([too_large_unless_small] * 3)
    report = sync(database, central, direction="push")
    assert sizes == [8, 4, 2]
    assert report.ops_applied == 8 and report.outcome == "ok"
    assert sorted(central.applications.values()) == [1] * 8


def test_batches_are_cut_to_the_byte_budget(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    for i in range(40):
        case = verified_case(database, central, f"81000{i:02d}")
        services.perform(
            database, PETUGAS_PUPR, Action.NOTE, case["id"], text=secrets.token_hex(300), now=NOW
        )
    report = sync(database, central, direction="push", batch_bytes=2_000)
    assert report.requests > 2
    assert outbox_states(database) == {"done": 80}
    for request in central.requests:
        assert (
            len(request.content) <= 2_000
            or len(json.loads(gzip.decompress(request.content))["ops"]) == 1
        )


def test_a_case_edited_while_its_op_is_in_flight_stays_pending(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    case = verified_case(database, central, "8100001")

    def officer_acts_meanwhile(request: httpx.Request) -> httpx.Response:
        services.perform(database, ADMIN, Action.NOTE, case["id"], text="Sedang dicek", now=NOW)
        return central.serve(request)

    # The note made during the first request cannot go: the link fails afterwards.
    central.faults.extend([officer_acts_meanwhile] + [lambda r: reply(503)] * 3)
    report = sync(database, central, direction="push", policy=RetryPolicy(attempts=3))
    assert report.ops_applied == 1 and report.outcome == "failed"
    assert outbox_states(database) == {"done": 1, "pending": 1}
    # The local version stays the desk's: the note is based on it and has yet to go.
    local = database.execute("SELECT version FROM cases WHERE id = ?", [case["id"]]).fetchone()[0]
    assert local == case["version"] + 1
    assert sync(database, central, direction="push").ops_applied == 1
    assert outbox_states(database) == {"done": 2}
    assert sorted(central.applications.values()) == [1, 1]
    local = database.execute("SELECT version FROM cases WHERE id = ?", [case["id"]]).fetchone()[0]
    assert local == central.cases[case["local_id"]]["version"]


def test_ops_left_sending_by_a_killed_sync_are_sent_again_once(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    verified_case(database, central, "8100001")
    sync(database, central, direction="push")
    database.execute("UPDATE outbox SET state = 'sending'")  # as if killed before the receipt
    report = sync(database, central, direction="push")
    assert report.ops_duplicate == 1
    assert list(central.applications.values()) == [1]
    assert outbox_states(database) == {"done": 1}


# -- conflicts ---------------------------------------------------------------------------------


def conflicted(database: sqlite_utils.Database, central: FakeCentral) -> dict[str, Any]:
    case = new_case(database, "8100009")
    central.seed(case)
    database.execute("DELETE FROM outbox WHERE case_id = ?", [case["id"]])
    case = services.perform(
        database, ADMIN, Action.VERIFY, case["id"], unit_code="PUPR", now=NOW
    ).case
    central.server_edit(case["local_id"], status="terverifikasi", unit_code="DINKES")
    report = sync(database, central, direction="push")
    assert report.ops_conflict == 1 and report.outcome == "partial" and report.exit_code == 1
    return case


def test_an_overlapping_change_becomes_a_visible_conflict(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    case = conflicted(database, central)
    assert outbox_states(database) == {"conflict": 1}
    (conflict,) = list_conflicts(database)
    assert conflict.fields == ["unit_code"] or "unit_code" in conflict.fields
    assert conflict.mine["unit_code"] == "PUPR" and conflict.theirs["unit_code"] == "DINKES"
    # Pulling does not overwrite the desk's choice while the conflict waits.
    sync(database, central, direction="pull")
    row = database.execute("SELECT unit_code FROM cases WHERE id = ?", [case["id"]]).fetchone()
    assert row[0] == "PUPR"


def test_keep_theirs_takes_the_server_case_and_supersedes_the_op(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    case = conflicted(database, central)
    resolution = resolve(database, case["id"], "theirs", ADMIN, now=NOW)
    assert resolution.new_ops == []
    row = database.execute(
        "SELECT unit_code, version, conflict FROM cases WHERE id = ?", [case["id"]]
    ).fetchone()
    assert row == ("DINKES", central.cases[case["local_id"]]["version"], None)
    assert outbox_states(database) == {"superseded": 1}
    uid = resolution.superseded[0]
    assert database.execute("SELECT count(*) FROM events WHERE uid = ?", [uid]).fetchone()[0] == 0
    assert sync(database, central).outcome == "ok"


def test_keep_mine_resends_the_intent_on_the_server_version(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    case = conflicted(database, central)
    server_version = central.cases[case["local_id"]]["version"]
    resolution = resolve(database, case["id"], "mine", ADMIN, now=NOW)
    (new_op,) = resolution.new_ops
    op = database.execute(
        "SELECT kind, base_version, payload, state FROM outbox WHERE op_id = ?", [new_op]
    ).fetchone()
    assert op[0] == "dispose" and op[1] == server_version and op[3] == "pending"
    assert json.loads(op[2])["unit"] == "PUPR"
    report = sync(database, central)
    assert report.outcome == "ok" and report.ops_applied == 1
    assert central.cases[case["local_id"]]["unit_code"] == "PUPR"
    assert (
        database.execute("SELECT unit_code FROM cases WHERE id = ?", [case["id"]]).fetchone()[0]
        == "PUPR"
    )


# -- pull --------------------------------------------------------------------------------------


def test_pull_pages_with_their_cursor_then_an_idle_sync_is_one_304(
    database: sqlite_utils.Database, central: FakeCentral, tmp_path: Path
) -> None:
    from db import open_database
    from tests.conftest import make_office

    source = open_database(tmp_path / "source.db")
    make_office(source)
    for i in range(7):
        central.seed(new_case(source, f"81000{i:02d}"))
    report = sync(database, central, page_limit=3)
    assert report.changes_pulled == 7 and report.pages == 3
    assert database.execute("SELECT count(*) FROM cases").fetchone()[0] == 7
    cursor = database.execute("SELECT value FROM sync_state WHERE key = 'cursor'").fetchone()[0]
    assert cursor == f"1.{central.seq}"
    idle = sync(database, central)
    assert idle.not_modified and idle.requests == 1 and idle.bytes_down < 300
    assert idle.bytes_up + idle.bytes_down < 1024


def test_pull_keeps_fields_of_unsent_ops_and_takes_the_rest(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    case = verified_case(database, central, "8100001")  # unsent: status and unit
    central.server_edit(case["local_id"], title="Judul baru dari pusat")
    sync(database, central, direction="pull")
    row = database.execute(
        "SELECT status, unit_code, title, version FROM cases WHERE id = ?", [case["id"]]
    ).fetchone()
    assert row == ("terverifikasi", "PUPR", "Judul baru dari pusat", case["version"])


def test_a_forgotten_cursor_means_a_full_pull_that_keeps_unsent_work(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    case = verified_case(database, central, "8100001")
    sync(database, central, direction="pull")
    central.epoch = 2  # the server was restored: old cursors answer 410
    report = sync(database, central, direction="pull")
    assert report.full_repull and report.outcome == "ok" and report.pending == 1
    assert outbox_states(database) == {"pending": 1}
    status = database.execute("SELECT status FROM cases WHERE id = ?", [case["id"]]).fetchone()
    assert status[0] == "terverifikasi"
    assert (
        database.execute("SELECT value FROM sync_state WHERE key='cursor'")
        .fetchone()[0]
        .startswith("2.")
    )


def test_a_tombstone_keeps_the_local_copy(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    case = case_in(database, "terverifikasi")
    central.faults.append(
        lambda r: central.answer(
            200,
            {
                "type": "desk-sync/changes",
                "next_cursor": "1.5",
                "has_more": False,
                "changes": [{"gone": case["local_id"], "reason": "out_of_scope"}],
            },
        )
    )
    report = sync(database, central, direction="pull")
    assert report.outcome == "ok"
    assert database.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    assert database.execute(
        "SELECT value FROM sync_state WHERE key = ?", [f"gone:{case['local_id']}"]
    ).fetchone()
    # Read-only from now on: an action would only come back refused for scope.
    before = database.execute("SELECT count(*) FROM outbox").fetchone()[0]
    with pytest.raises(ActionRefused, match=r"dipindahkan|moved"):
        services.perform(database, PETUGAS_PUPR, Action.NOTE, case["id"], text="Catatan")
    assert database.execute("SELECT count(*) FROM outbox").fetchone()[0] == before


def test_an_op_the_server_cannot_read_is_isolated_and_kept_rejected(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    for i in range(5):
        verified_case(database, central, f"81000{i:02d}")
    bad = database.execute("SELECT op_id FROM outbox ORDER BY rowid LIMIT 1 OFFSET 2").fetchone()[0]

    def unreadable(request: httpx.Request) -> httpx.Response:
        raw = decode_body(request.content, request.headers["Content-Encoding"])
        ops = json.loads(raw)["ops"]
        if any(op["id"] == bad for op in ops):
            return central.answer(
                400, {"type": "desk-sync/error", "code": "bad_op", "message": "unknown key"}
            )
        return central.serve(request)

    central.faults.extend([unreadable] * 20)
    report = sync(database, central, direction="push")
    assert report.ops_applied == 4 and report.ops_rejected == 1
    assert report.outcome == "partial" and report.exit_code == 1
    row = database.execute("SELECT state, last_error FROM outbox WHERE op_id = ?", [bad]).fetchone()
    assert row[0] == "rejected" and "unknown key" in row[1]
    (listed,) = list_rejected(database)
    assert listed.op_id == bad and "unknown key" in listed.reason


def test_a_zstd_answer_is_decoded_and_counted_compressed(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    verified_case(database, central, "8100001")
    body = json.dumps(
        {"type": "desk-sync/changes", "next_cursor": "1.9", "has_more": False, "changes": []}
    ).encode()
    packed = zstandard.ZstdCompressor().compress(body)
    central.faults.append(lambda r: reply(200, packed, {"Content-Encoding": "zstd"}))
    report = sync(database, central, direction="pull")
    assert report.outcome == "ok"
    assert (
        database.execute("SELECT value FROM sync_state WHERE key = 'cursor'").fetchone()[0] == "1.9"
    )
    assert report.bytes_down < len(body) + 100


def test_a_tracking_number_from_the_receipt_lands_on_the_desk_case(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    case = new_case(database, "8100001")
    database.execute("UPDATE cases SET tracking_no = NULL WHERE id = ?", [case["id"]])
    central.seed(case)

    def with_tracking(request: httpx.Request) -> httpx.Response:
        response = central.serve(request)
        body = json.loads(decode_body(b"".join(response.iter_raw()), "gzip"))
        body["tracking"] = {case["local_id"]: "8123456"}
        return central.answer(200, body)

    services.perform(database, ADMIN, Action.NOTE, case["id"], text="Dicatat", now=NOW)
    central.faults.append(with_tracking)
    assert sync(database, central, direction="push").outcome == "ok"
    number = database.execute("SELECT tracking_no FROM cases WHERE id = ?", [case["id"]])
    assert number.fetchone()[0] == "8123456"


def test_a_receipt_that_does_not_match_the_ops_sent_is_not_trusted(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    verified_case(database, central, "8100001")

    def misnumbered(request: httpx.Request) -> httpx.Response:
        central.serve(request)  # the server applies the op; its true receipt is lost
        foreign = {"id": "01JZZZZZZZZZZZZZZZZZZZZZZZ", "r": "rejected", "s": 403, "code": "x"}
        return central.answer(200, {"type": "desk-sync/receipt", "results": [foreign]})

    central.faults.append(misnumbered)
    sync(database, central, direction="push")
    assert "done" not in outbox_states(database)  # nothing marked from a receipt for other ops
    assert "rejected" not in outbox_states(database)
    report = sync(database, central, direction="push")
    assert report.outcome == "ok", report.error
    assert outbox_states(database) == {"done": 1}
    assert list(central.applications.values()) == [1]  # sent again, applied once


# -- refusals are undone on the desk (issue 14) -------------------------------------------------


def followed_up(
    database: sqlite_utils.Database, central: FakeCentral, text: str
) -> tuple[dict[str, Any], str]:
    """A case the server holds at terverifikasi, and a follow-up on it waiting to go."""
    case = verified_case(database, central, "8100021")
    assert sync(database, central).outcome == "ok"
    op = services.perform(database, PETUGAS_PUPR, Action.FOLLOW_UP, case["id"], text=text, now=NOW)
    return case, op.op_id


def test_a_refused_op_is_undone_in_the_same_sync_and_its_text_kept(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    from desk.drafts import load_draft
    from desk.sync.conflicts import list_notices

    case, op_id = followed_up(database, central, "Sudah kami perbaiki.")
    central.disabled.add(PETUGAS_PUPR.nip)

    report = sync(database, central)

    assert report.ops_rejected == 1 and report.outcome == "partial"
    assert central.fetched == [case["local_id"]]  # one request for the server's copy
    server = central.cases[case["local_id"]]
    row = database.execute(
        "SELECT status, version FROM cases WHERE id = ?", [case["id"]]
    ).fetchone()
    assert row == (server["status"], server["version"]) == ("terverifikasi", server["version"])
    assert database.execute("SELECT count(*) FROM events WHERE uid = ?", [op_id]).fetchone()[0] == 0
    draft = load_draft(database, case["id"], PETUGAS_PUPR.nip)
    assert draft is not None and draft.body == "Sudah kami perbaiki."
    assert [n.op_id for n in list_notices(database)] == [op_id]
    # Dealt with: the next sync has nothing to send, fetch or refresh.
    assert sync(database, central).outcome == "ok"
    assert central.fetched == [case["local_id"]]


def test_a_push_only_sync_undoes_the_event_and_refreshes_at_the_next_full_sync(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    case, op_id = followed_up(database, central, "Tim menuju lokasi.")
    central.disabled.add(PETUGAS_PUPR.nip)
    sync(database, central, direction="push")
    assert database.execute("SELECT count(*) FROM events WHERE uid = ?", [op_id]).fetchone()[0] == 0
    assert database.execute(
        "SELECT 1 FROM sync_state WHERE key = ?", [f"refresh:{case['local_id']}"]
    ).fetchone()
    sync(database, central, direction="pull")
    status = database.execute("SELECT status FROM cases WHERE id = ?", [case["id"]]).fetchone()
    assert status[0] == "terverifikasi"


def test_the_sync_json_names_each_refused_action_and_its_draft(
    database: sqlite_utils.Database, central: FakeCentral
) -> None:
    from desk.cli.sync_cmd import _report_json

    _case, op_id = followed_up(database, central, "Sudah kami perbaiki.")
    central.disabled.add(PETUGAS_PUPR.nip)
    report = sync(database, central)
    (refused,) = _report_json(database, report)["refused"]
    assert refused["op_id"] == op_id and refused["case"] == "#8100021"
    assert (refused["action"], refused["result"], refused["draft"]) == (
        "follow_up",
        "rejected",
        "tindak_lanjut",
    )
    assert "403 role" in refused["reason"] and refused["undone"] is True
