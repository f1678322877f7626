"""Malformed and hostile input to the central server (issue 15, point 11).

Whatever a desk (or anyone holding a token) sends, the answer is a clean 4xx with a
`desk-sync/error` body naming what is wrong, or, for one op of a push, a per-op refusal: never a
500, which a desk takes for link trouble and retries with the same batch for ever.

The named cases first (each failed before issue 15), then property tests (hypothesis) that feed
every endpoint's body, query and header parsing hostile values: deep nesting, numbers of
thousands of digits or beyond 64 bits, NaN/Infinity, lone surrogates as JSON escapes, bytes that
are not UTF-8, wrong types at every key, very long strings, digits of other scripts, negative
and huge versions, offsets and ranges. `DESK_HOSTILE_SERVER_EXAMPLES` sets how many examples
each property runs (default 300).

Every test runs on both central stores (`central_store`; the property tests' one server a
module, `world`, once per store too): the central is built as tests/test_central_feed.py builds
it (`source`, `build`, `settle`), and what is stored is looked at with `central_query`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import ssl
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ulid import ULID

from db.timefmt import to_text
from desk.central.apply import DEFAULT_FILE_LIMITS, FIRST_TRACKING_NO, BadOp, validate_op
from desk.central.store_api import kind_of, open_store
from desk.central.testing import running_server
from desk.intake import CHANNELS
from tests.conftest import ADMIN, NOW, PETUGAS_DINKES, PETUGAS_PUPR, case_in
from tests.pg_support import (  # noqa: F401  (central_store: the fixture)
    POSTGRESQL,
    central_execute,
    central_query,
    central_store,
)
from tests.test_central_feed import build, settle, source

PUSH, CASES, DIGEST, CHANGES, HELLO, WITNESS = (
    "/sync/v1/push",
    "/sync/v1/cases",
    "/sync/v1/digest",
    "/sync/v1/changes",
    "/sync/v1/hello",
    "/sync/v1/witness",
)
EXAMPLES = int(os.environ.get("DESK_HOSTILE_SERVER_EXAMPLES", "300"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
GZIP = {"Content-Encoding": "gzip"}
PDF = b"%PDF-1.4\n" + b"0123456789" * 300
PDF_SHA = hashlib.sha256(PDF).hexdigest()
CLAIMED = b"%PDF-1.4\n" + b"claimed, never uploaded " * 40
CLAIMED_SHA = hashlib.sha256(CLAIMED).hexdigest()


@dataclass
class Server:
    url: str
    location: str  # the store's: a SQLite path or a PostgreSQL URL
    tokens: dict[str, str]
    case: dict[str, Any]  # diproses at PUPR

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return central_query(self.location, sql, params or [])

    def epoch(self) -> str:
        store = open_store(self.location, create=False)
        try:
            return store.epoch()
        finally:
            store.close()

    def client(self, office: str = "pupr") -> httpx.Client:
        return fast_client(self.url, {"Authorization": f"Bearer {self.tokens[office]}"})


# A client per request costs 20 ms for its TLS context, and a kept-alive connection 40 ms a
# request (a small response written in two parts meets delayed acknowledgements): one shared
# context, one connection a request, about 1 ms.
_TLS = ssl.create_default_context()


def fast_client(url: str, headers: dict[str, str] | None = None) -> httpx.Client:
    return httpx.Client(
        base_url=url,
        headers=headers,
        timeout=30,
        verify=_TLS,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


def start(path: Path) -> tuple[sqlite_utils.Database, dict[str, str], dict[str, Any]]:
    database, tokens = build(path)
    return database, tokens, case_in(database, "diproses", "8200001")


@pytest.fixture
def server(central_store: str, tmp_path: Path) -> Iterator[Server]:  # noqa: F811
    path = source(central_store, tmp_path)
    database, tokens, case = start(path)
    database.conn.close()
    location = settle(central_store, path)
    with running_server(location, clock=lambda: NOW, rate=1e6, burst=10**6) as url:
        yield Server(url, location, tokens, case)


def note(case: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "id": str(ULID()),
        "c": case["local_id"],
        "k": "note",
        "v": case["version"],
        "p": {"text": "Catatan"},
        "a": PETUGAS_PUPR.nip,
        "t": to_text(NOW),
        **changes,
    }


def create(payload: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    return {
        "id": str(ULID()),
        "c": str(ULID()),
        "k": "create",
        "v": 0,
        "p": {
            "title": "Lampu jalan mati",
            "body": "Sejak Senin, di depan pasar.",
            "channel": "loket",
            "received_at": to_text(NOW),
            "anonymous": False,
            "confidential": False,
            "reporter": {"name": "Rina", "phone": "+6281234567890"},
            **(payload or {}),
        },
        "a": PETUGAS_PUPR.nip,
        "t": to_text(NOW),
        **changes,
    }


def ops_body(*ops: dict[str, Any]) -> bytes:
    return json.dumps({"ops": list(ops)}, separators=(",", ":")).encode()


def assert_error(response: httpx.Response, status: int, *words: str) -> dict[str, Any]:
    """A clean refusal: the status, a `desk-sync/error` body, a message naming the problem."""
    assert response.status_code == status, (response.status_code, response.text[:300])
    body: dict[str, Any] = response.json()
    assert body["type"] == "desk-sync/error"
    assert body["code"] and body["message"].strip()
    for word in words:
        assert word in body["message"], body["message"]
    return body


def only_result(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, (response.status_code, response.text[:300])
    receipt = response.json()
    assert receipt["type"] == "desk-sync/receipt"
    [result] = receipt["results"]
    return dict(result)


def assert_refused(response: httpx.Response, *words: str) -> dict[str, Any]:
    """One op refused for good (422 invalid) with a reason naming what is wrong."""
    result = only_result(response)
    assert (result["r"], result["s"], result["code"]) == ("rejected", 422, "invalid"), result
    for word in words:
        assert word in result["reason"], result["reason"]
    return result


# -- the named cases of point 11 ---------------------------------------------------------------


def test_json_nested_100k_deep_is_a_400(server: Server) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    with server.client() as client:
        for path, body in (
            (PUSH, deep),
            (PUSH, b'{"ops":[{"p":' + b'{"a":' * 100_000 + b"1" + b"}" * 100_001 + b"]}"),
            (CASES, b'{"ids":' + deep + b"}"),
            (DIGEST, b'{"skip":' + deep + b"}"),
        ):
            # Compressed as desks send it: 100,000 levels of objects are 600 KB of JSON.
            response = client.post(path, content=gzip.compress(body), headers=GZIP)
            assert_error(response, 400, "nests deeper than 32")
        # Deep enough to pass the decoder, too deep for the protocol: the same answer.
        body = b'{"ops":[' + b"[" * 40 + b"]" * 40 + b"]}"
        assert_error(client.post(PUSH, content=body), 400, "nests deeper than 32")


def test_numbers_of_thousands_of_digits_are_a_400(server: Server) -> None:
    huge = b"9" * 5000
    with server.client() as client:
        op = ops_body(note(server.case, v=0)).replace(b'"v":0', b'"v":' + huge)
        assert_error(client.post(PUSH, content=op), 400, "beyond 64 bits")
        assert_error(client.post(DIGEST, content=b'{"depth":' + huge + b"}"), 400, "64 bits")
        assert_error(client.post(CASES, content=b'{"ids":[-' + huge + b"]}"), 400, "64 bits")


@pytest.mark.parametrize("version", [2**63, 2**64, 2**64 + 1])
def test_a_version_beyond_64_bits_is_a_400(server: Server, version: int) -> None:
    with server.client() as client:
        response = client.post(PUSH, content=ops_body(note(server.case, v=version)))
    assert_error(response, 400, "beyond 64 bits")
    with pytest.raises(BadOp, match="'v'"):
        validate_op(note(server.case, v=version))


def test_the_largest_64_bit_version_is_refused_per_op_not_a_500(server: Server) -> None:
    with server.client() as client:
        result = only_result(client.post(PUSH, content=ops_body(note(server.case, v=2**63 - 1))))
    assert (result["r"], result["code"]) == ("rejected", "invalid")


@pytest.mark.parametrize(
    ("where", "path", "body"),
    [
        ("ops[0].p.text", PUSH, None),
        ("ops[0].id", PUSH, None),
        ("ops[0].a", PUSH, None),
        ("ids[0]", CASES, b'{"ids":["\\ud800"]}'),
        ("skip[1]", DIGEST, b'{"skip":["ok","a\\udfffb"]}'),
    ],
)
def test_a_lone_surrogate_is_a_400(
    server: Server, where: str, path: str, body: bytes | None
) -> None:
    if body is None:
        op = note(server.case, id="OPID", a="NIP", p={"text": "TEXT"})
        field = where.rsplit(".", 1)[-1]
        marker = {"text": b'"TEXT"', "id": b'"OPID"', "a": b'"NIP"'}[field]
        body = ops_body(op).replace(marker, b'"x\\ud800"')
    with server.client() as client:
        assert_error(client.post(path, content=body), 400, where, "surrogate")


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_nan_and_infinity_are_a_400(server: Server, literal: bytes) -> None:
    op = ops_body(create({"location": "PLACE"})).replace(b'"PLACE"', literal)
    with server.client() as client:
        assert_error(client.post(PUSH, content=op), 400)
    assert server.query("SELECT count(*) FROM cases") == [(1,)]


def test_a_body_that_is_not_utf8_is_a_400(server: Server) -> None:
    valid = json.dumps({"ops": [note(server.case)]})
    with server.client() as client:
        assert_error(client.post(PUSH, content=valid.encode("utf-16")), 400, "UTF-8")
        assert_error(client.post(PUSH, content=b'{"ops":[{"id":"\xff"}]}'), 400, "UTF-8")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": {"x": 1}}, "title"),
        ({"body": ["a"]}, "body"),
        ({"category": {"x": 1}}, "category"),
        ({"location": 12}, "location"),
        ({"channel": {"x": 1}}, "channel"),
        ({"incident_date": {"y": 2026}}, "incident_date"),
        ({"reporter": {"name": {"a": 1}}}, "reporter.name"),
        ({"reporter": ["Rina"]}, "reporter"),
        ({"reporter": {"name": "Rina", "pin": "1"}}, "reporter.pin"),
        ({"anonymous": "ya"}, "anonymous"),
        ({"rating": 9}, "1-5"),
        ({"received_at": 1730000000}, "received_at"),
        ({"title": "  "}, "title"),
        # Longer than the desk's intake form allows: no desk could have sent it.
        ({"title": "J" * 201}, "title"),
        ({"body": "J" * 20_001}, "body"),
        ({"category": "K" * 201}, "category"),
        ({"reporter": {"name": "R" * 121}}, "reporter.name"),
        ({"reporter": {"phone": "8" * 201}}, "reporter.phone"),
    ],
)
def test_wrong_values_in_a_create_payload_are_refused_per_op(
    server: Server, payload: dict[str, Any], field: str
) -> None:
    with server.client() as client:
        assert_refused(client.post(PUSH, content=ops_body(create(payload))), field)
    assert server.query("SELECT count(*) FROM cases") == [(1,)]


def test_an_op_id_of_another_office_is_refused_without_telling_anything(server: Server) -> None:
    mine = note(server.case, p={"text": "Catatan PUPR"})
    with server.client("pupr") as client:
        assert only_result(client.post(PUSH, content=ops_body(mine)))["r"] == "applied"
    theirs = {**mine, "a": PETUGAS_DINKES.nip, "p": {"text": "Catatan Dinkes"}}
    with server.client("dinkes") as client:
        # The same bytes as the first office's op, and other content: one and the same answer,
        # which says nothing of what the op was or what it gave.
        same = only_result(client.post(PUSH, content=ops_body(mine)))
        other = only_result(client.post(PUSH, content=ops_body(theirs)))
    assert same == other
    assert (same["r"], same["s"], same["code"]) == ("rejected", 409, "op_reused")
    assert "v" not in same and "case" not in same
    # Nothing recorded for the other office; the first office still gets its own answer.
    offices = server.query("SELECT office FROM applied_ops WHERE op_id = ?", [mine["id"]])
    assert offices == [("pupr",)]
    with server.client("pupr") as client:
        assert only_result(client.post(PUSH, content=ops_body(mine)))["r"] == "duplicate"


def test_a_refused_create_uses_no_tracking_number(
    central_store: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    path = source(central_store, tmp_path)
    database, _, _ = start(path)
    database.conn.close()
    location = settle(central_store, path)
    store = open_store(location)
    try:
        pupr = next(o for o in store.list_offices() if o.name == "pupr")

        def push(op: dict[str, Any]) -> dict[str, Any]:
            [result] = store.apply_ops(pupr, [op], lambda: NOW, frozenset(), DEFAULT_FILE_LIMITS)
            return result

        refused = push(create({"classification": "keluhan"}))
        assert (refused["r"], refused["code"]) == ("rejected", "invalid")
        assert "keluhan" in refused["reason"]
        # Refused by the database itself (a CHECK), after the number was taken: given back too.
        if kind_of(location) == "sqlite":
            central_execute(
                location,
                "CREATE TRIGGER refuse_lamp BEFORE INSERT ON cases WHEN new.title = 'Tolak' "
                "BEGIN SELECT RAISE(ABORT, 'refused by a check'); END",
            )
        else:
            central_execute(
                location,
                "CREATE FUNCTION refuse_lamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF new.title = 'Tolak' THEN RAISE EXCEPTION 'refused by a check' "
                "USING ERRCODE = 'check_violation'; END IF; RETURN new; END $$",
            )
            central_execute(
                location,
                "CREATE TRIGGER refuse_lamp BEFORE INSERT ON cases FOR EACH ROW "
                "EXECUTE FUNCTION refuse_lamp()",
            )
        refused = push(create({"title": "Tolak"}))
        assert (refused["r"], refused["code"]) == ("rejected", "invalid")
        applied = push(create())
        assert (applied["r"], applied["tracking"]) == ("applied", str(FIRST_TRACKING_NO))
    finally:
        store.close()
    last = central_query(location, "SELECT value FROM central_meta WHERE key = 'last_tracking_no'")
    assert last == [(str(FIRST_TRACKING_NO),)]


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"received_at": "2026-02-30T08:00:00Z"}, ["received_at", "2026-02-30"]),
        ({"received_at": "0000-01-01T00:00:00Z"}, ["received_at"]),
        ({"received_at": "0001-01-01T00:00:00+14:00"}, ["received_at"]),
        ({"received_at": "9999-12-31T23:59:59Z"}, ["received_at", "9999"]),
        ({"received_at": "2027-01-01T00:00:00Z"}, ["received_at"]),
        ({"received_at": "1970-01-01T00:00:00Z"}, ["received_at", "2000-01-01"]),
        ({"received_at": "2026-11-10T08:00:00"}, ["received_at"]),
        ({"incident_date": "2026-13-01"}, ["incident_date"]),
        ({"incident_date": "2026-02-29"}, ["incident_date"]),
        ({"incident_date": "2026-12-25"}, ["incident_date"]),
        ({"incident_date": "20261101"}, ["incident_date"]),
    ],
)
def test_impossible_dates_in_a_create_are_refused(
    server: Server, payload: dict[str, Any], words: list[str]
) -> None:
    with server.client() as client:
        assert_refused(client.post(PUSH, content=ops_body(create(payload))), *words)
        # A desk clock a few hours fast is clamped, not refused.
        later = create({"received_at": "2026-11-10T05:00:00Z", "incident_date": "2026-11-09"})
        assert only_result(client.post(PUSH, content=ops_body(later)))["r"] == "applied"
    received = server.query("SELECT received_at FROM cases WHERE local_id = ?", [later["c"]])
    assert received == [(to_text(NOW),)]


@pytest.mark.parametrize("channel", ["telepati", "web ", "LOKET", "merpati pos"])
def test_unknown_channels_are_refused(server: Server, channel: str) -> None:
    with server.client() as client:
        assert_refused(client.post(PUSH, content=ops_body(create({"channel": channel}))), channel)
        for known in CHANNELS:
            made = create({"channel": known})
            assert only_result(client.post(PUSH, content=ops_body(made)))["r"] == "applied"


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "1970-01-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-11-10T01:00:00",
    ],
)
def test_an_impossible_op_time_is_refused_per_op(server: Server, when: str) -> None:
    with server.client() as client:
        assert_refused(client.post(PUSH, content=ops_body(note(server.case, t=when))), "t")
    assert server.query("SELECT count(*) FROM events WHERE at < '2000'") == [(0,)]


def test_a_nul_in_a_name_is_an_unknown_name_not_a_500(server: Server) -> None:
    # PostgreSQL text cannot hold a NUL: a case id or an op key with one went to it as it came
    # (a 500 there); a case id names no case, an op key is refused as no desk sends it.
    with server.client() as client:
        response = client.post(CASES, content=b'{"ids":["\\u0000","a\\u0000b"]}')
        assert response.status_code == 200, response.text[:300]
        digest = client.post(DIGEST, content=b'{"skip":["\\u0000"]}')
        assert digest.status_code < 500, digest.text[:300]
        for key in ("id", "c", "k", "a", "t"):
            assert_error(
                client.post(PUSH, content=ops_body(note(server.case, **{key: "x\0y"}))), 400, "NUL"
            )


def test_a_nul_in_an_ops_text_refuses_that_op_alone_on_either_store(server: Server) -> None:
    """A NUL in a note, a reply or a new case's text (PostgreSQL's text cannot hold one, it
    was a 500 there): that op is refused per op with a reason, the push's other ops apply."""
    fine = note(server.case, p={"text": "Catatan tanpa karakter aneh"})
    with server.client() as client:
        response = client.post(
            PUSH,
            content=ops_body(
                note(server.case, p={"text": "a\0b"}),
                note(server.case, p={"text": "ok", "x\0": "y"}),
                fine,
            ),
        )
    assert response.status_code == 200, response.text[:300]
    results = response.json()["results"]
    assert [r["r"] for r in results] == ["rejected", "rejected", "applied"]
    assert all("NUL" in r["reason"] for r in results[:2])
    assert server.query("SELECT count(*) FROM events WHERE body = ?", ["a"]) == [(0,)]


def test_numbers_in_queries_and_headers_are_ascii_digits(server: Server) -> None:
    current = server.epoch()
    with server.client() as client:
        for cursor in (f"{current}.²", f"{current}.{'9' * 5000}", f"{current}.٣", f"{current}.1.²"):
            response = client.get(CHANGES, params={"cursor": cursor})
            assert_error(response, 410)
        for limit in ("²", "٣", "9" * 5000, "0", "1001", "-1", "1e3"):
            assert_error(client.get(CHANGES, params={"limit": limit}), 400, "limit")
        assert client.get(CHANGES, params={"limit": "0005"}).status_code == 200
        attach = attach_op(server.case, PDF)
        assert only_result(client.post(PUSH, content=ops_body(attach)))["r"] == "applied"
        for offset in ("²", "٠", "9" * 5000, "-1", "+0"):
            response = client.put(f"/sync/v1/files/{PDF_SHA}?offset={offset}", content=b"%")
            assert_error(response, 400, "offset")
        response = client.put(f"/sync/v1/files/{PDF_SHA}?offset=0", content=PDF)
        assert response.json()["complete"] is True
        for wanted in (b"bytes=\xb2-", b"bytes=0-" + b"9" * 5000, b"bytes=\xd9\xa3-"):
            response = client.get(f"/sync/v1/files/{PDF_SHA}", headers={b"Range": wanted})
            assert_error(response, 416)
        response = client.get(f"/sync/v1/files/{PDF_SHA}", headers={"Range": "bytes=9-18"})
        assert (response.status_code, response.content) == (206, PDF[9:19])


def attach_op(case: dict[str, Any], content: bytes) -> dict[str, Any]:
    meta = {
        "sha256": hashlib.sha256(content).hexdigest(),
        "name": "surat.pdf",
        "size": len(content),
        "media_type": "application/pdf",
    }
    return note(case, k="attach", p=meta)


# -- property tests: every endpoint, hostile values everywhere ----------------------------------


@dataclass(frozen=True)
class Raw:
    """Text written into a body as it is: what `json.dumps` will not write."""

    text: str


RAWS = [
    Raw("NaN"),
    Raw("Infinity"),
    Raw("-Infinity"),
    Raw("1e999"),
    Raw("-1e999"),
    Raw("9" * 5000),
    Raw("-" + "9" * 4301),
    Raw("1" + "0" * 20),
    Raw("18446744073709551616"),
    Raw("9223372036854775808"),
    Raw("[" * 100_000 + "]" * 100_000),
    Raw("[" * 999 + "]" * 999),
    Raw("[" * 33 + "]" * 33),
    Raw('{"a":' * 40 + "1" + "}" * 40),
    Raw('"\\ud800"'),
    Raw('"a\\udc00b"'),
    Raw('"\\udbff"'),
]
STRINGS = [
    "",
    " ",
    "\x00",
    "\x1b[2J",
    "²",
    "٣",
    "１",
    "9" * 5000,
    "x" * 100_000,
    "2026-02-30T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "1970-01-01T00:00:00Z",
    "2026-11-10",
    "telepati",
    "loket",
    "pengaduan",
    "PUPR",
    "application/pdf",
    PDF_SHA,
    PETUGAS_PUPR.nip,
    ADMIN.nip,
    "verify",
    "create",
    "attach",
    "note",
]
TEXT = st.one_of(
    st.text(max_size=24),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    st.sampled_from(STRINGS),
)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.integers(min_value=2**63, max_value=2**80),
    st.integers(min_value=-(2**80), max_value=-(2**63) - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
    st.sampled_from(RAWS),
)
HOSTILE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
VALUE = st.one_of(TEXT, SCALAR, HOSTILE)


def encode(value: Any) -> str:
    """JSON text of `value`, `Raw` parts as they are; lone surrogates as escapes (ASCII)."""
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(encode(v) for v in value) + "]"
    return json.dumps(value)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def changed(value: Any, path: tuple[Any, ...], how: str, new: Any, key: str) -> Any:
    """`value` with the node at `path` replaced (`set`), removed (`drop`) or given a new key
    or item (`add`)."""
    if not path:
        if how == "add" and isinstance(value, dict):
            return {**value, key: new}
        if how == "add" and isinstance(value, list):
            return [*value, new]
        return new
    head, rest = path[0], path[1:]
    if not rest and how == "drop":
        if isinstance(value, dict):
            return {k: v for k, v in value.items() if k != head}
        return [v for i, v in enumerate(value) if i != head]
    if isinstance(value, dict):
        return {**value, head: changed(value[head], rest, how, new, key)}
    return [changed(v, rest, how, new, key) if i == head else v for i, v in enumerate(value)]


@st.composite
def mutated(
    draw: st.DrawFn,
    template: Any,
    inside: Callable[[tuple[Any, ...]], bool] = lambda _: True,
    values: st.SearchStrategy[Any] | None = None,
) -> Any:
    """The template with one to three hostile changes (mostly one) at places drawn from its
    own shape, among those `inside` accepts: a value replaced, a key or item added or removed.
    Values are mostly text and scalars, so that many bodies get past the decoder and the
    shape checks into what an endpoint does with them."""
    document = template
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3]))):
        places = [path for path in paths(document) if inside(path)]
        if not places:
            break
        path = draw(st.sampled_from(places))
        how = draw(st.sampled_from(["set", "set", "set", "add", "drop"]))
        document = changed(
            document, path, how, draw(VALUE if values is None else values), draw(TEXT)
        )
    return document


@st.composite
def hostile_body(
    draw: st.DrawFn,
    template: Any,
    inside: Callable[[tuple[Any, ...]], bool] = lambda _: True,
    values: st.SearchStrategy[Any] | None = None,
) -> bytes:
    """A body as a desk, a broken desk or an attacker could send it: mostly the template
    with hostile changes, else bytes that are not JSON or not UTF-8."""
    kind = draw(st.sampled_from(["json"] * 8 + ["bytes", "odd"]))
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    if kind == "odd":
        return draw(
            st.sampled_from(
                [
                    b"",
                    b"\xef\xbb\xbf{}",
                    b"\xff\xfe{\x00}\x00",
                    b'{"ops":[',
                    b"null",
                    b"[]",
                    b'"ops"',
                    json.dumps(template).encode("utf-16"),
                    json.dumps(template).encode("utf-32"),
                ]
            )
        )
    return encode(draw(mutated(template, inside, values))).encode("ascii")


def header_bytes(alphabet: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """A header value HTTP can carry (no NUL, CR or LF; no white space at the ends)."""

    def clean(raw: bytes) -> bytes:
        kept = bytes(b for b in raw if b not in b"\x00\r\n\x0b\x0c").strip(b" \t")
        return kept or b"x"

    return alphabet.map(clean)


# Digits of other scripts: `str.isdigit` takes them all, int() takes "٣" but not "²".
DIGITS = "0123456789²³¹٠١٢٣۴०१੦１"
NUMBER_TEXT = st.one_of(
    st.integers(min_value=-(10**3), max_value=2**80).map(str),
    st.text(alphabet=DIGITS, min_size=1, max_size=20),
    st.text(alphabet=DIGITS + "-+ .e", max_size=24),
    st.sampled_from(["9" * 5000, "", " 1", "+1", "-0", "1e3", "0x10", "000001", "1_000"]),
)
QUERY_TEXT = st.one_of(
    NUMBER_TEXT.map(lambda text: urllib.parse.quote(text, safe="")),
    st.binary(max_size=24).map(lambda raw: urllib.parse.quote_from_bytes(raw, safe="")),
    st.sampled_from(["%ED%A0%80", "%FF", "%00", "%", "%zz", "a%2Eb", "&", "="]),
)


@dataclass
class World:
    """One server for the property tests: a case of each office, an uploaded file, a claimed
    one, and a database handle to look at what was stored."""

    server: Server
    coordinator_case: dict[str, Any]
    numbers: list[int] = field(default_factory=list)  # tracking numbers creates were given


def assert_consecutive(numbers: list[int]) -> None:
    """A create refused for any reason used no tracking number: those given are consecutive."""
    assert sorted(numbers) == list(range(FIRST_TRACKING_NO, FIRST_TRACKING_NO + len(numbers)))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=POSTGRESQL)])
def world_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`central_store` for the module's one server: a SQLite path, or a fresh PostgreSQL
    database's URL (with its folder of attachment contents)."""
    from tests.pg_support import central_location

    with central_location(request.param, tmp_path_factory.mktemp("hostile")) as location:
        yield location


@pytest.fixture(scope="module")
def world(world_store: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    path = source(world_store, tmp_path_factory.mktemp("built"))
    database, tokens, case = start(path)
    baru = case_in(database, "baru", "8200003")
    database.conn.close()
    location = settle(world_store, path)
    with running_server(location, clock=lambda: NOW, rate=1e6, burst=10**6) as url:
        server = Server(url, location, tokens, case)
        with server.client() as client:
            body = ops_body(attach_op(case, PDF), attach_op(case, CLAIMED))
            assert client.post(PUSH, content=body).status_code == 200
            response = client.put(f"/sync/v1/files/{PDF_SHA}?offset=0", content=PDF)
            assert response.json()["complete"] is True
        yield World(server, baru)


def reached(statuses: Counter[int], *wanted: int) -> None:
    """The property met each of these answers (with enough examples to be sure to): hostile
    values that only ever met the first check would prove little."""
    if EXAMPLES >= 100:
        assert all(statuses[status] for status in wanted), statuses


CLEAN = {200, 206, 304, 400, 401, 404, 409, 410, 413, 416, 422}


def assert_clean(
    response: httpx.Response, allowed: set[int], seen: Counter[int], sent: str = ""
) -> None:
    """Never a 5xx; an error is a `desk-sync/error` body with a message."""
    status = response.status_code
    seen[status] += 1
    assert status < 500, (status, response.text[:500], sent[:500])
    assert status in allowed, (status, response.text[:500], sent[:500])
    if status >= 400 and response.request.method != "HEAD":
        body = response.json()
        assert body["type"] == "desk-sync/error", body
        assert isinstance(body["code"], str) and body["code"], body
        assert isinstance(body["message"], str) and body["message"].strip(), body


RESULTS = {"applied", "duplicate", "same", "conflict", "rejected"}
REFUSALS = {"scope", "role", "unknown_case", "op_reused", "invalid", "too_large"}


def check_receipt(world: World, sent: bytes, receipt: dict[str, Any]) -> None:
    """Exactly one answer per op, refusals naming their op and a reason; every case a hostile
    create made holds only what a desk could have recorded."""
    assert receipt["type"] == "desk-sync/receipt"
    ops = json.loads(sent)["ops"]
    results = receipt["results"]
    assert len(results) == len(ops)
    for op, result in zip(ops, results, strict=True):
        assert result["r"] in RESULTS, result
        if result["r"] not in ("applied", "duplicate"):
            assert result["id"] == op["id"]
        if result["r"] == "rejected":
            assert 400 <= result["s"] < 500 and result["code"] in REFUSALS, result
            assert isinstance(result["reason"], str) and result["reason"].strip(), result
        if op["k"] == "create" and result["r"] in ("applied", "duplicate"):
            if result["r"] == "applied":
                world.numbers.append(int(receipt["tracking"][op["c"]]))
            [row] = world.server.query(
                "SELECT title, body, category, location, incident_date, channel, "
                "classification, received_at, anonymous FROM cases WHERE local_id = ?",
                [op["c"]],
            )
            # Text, as a desk records it (not a number or bytes that a column took as sent).
            assert all(isinstance(value, str) for value in row[:2]), row
            assert all(value is None or isinstance(value, str) for value in row[2:5]), row
            assert row[5] in CHANNELS and row[6] in (
                "pengaduan",
                "aspirasi",
                "permintaan_informasi",
            )
            assert "2000" <= row[7] <= to_text(NOW) and row[8] in (0, 1), row


# One of each kind of value, for the exhaustive test below.
EVERY_KIND = [
    None,
    True,
    0,
    -1,
    2**63 - 1,
    1.5,
    "",
    "x" * 5000,
    "²",
    {"a": 1},
    [1, "a"],
    [],
    {},
    Raw('"\\ud800"'),
    Raw("NaN"),
    Raw("1e999"),
    Raw("18446744073709551616"),
]


def push_template(case: dict[str, Any], baru: dict[str, Any], actor: str) -> dict[str, Any]:
    """One op of each shape a desk sends: note, create (with a reporter), attach, verify,
    reporter's reply."""
    return {
        "ops": [
            note(case, a=actor),
            create(a=actor),
            attach_op(case, CLAIMED),
            note(baru, k="verify", a=actor, p={"unit": "PUPR"}),
            note(case, k="reporter_reply", a=actor, p={"text": "Belum", "status": "ditanggapi"}),
        ]
    }


def test_every_key_of_every_op_holding_every_kind_of_value(world: World) -> None:
    """Exhaustively, not by chance: each key of each op (payloads and the reporter included)
    replaced by each kind of value, and a key added to each object. One op per push, so a
    400 is that op's own answer."""
    case, baru = world.server.case, world.coordinator_case
    statuses: Counter[int] = Counter()
    with world.server.client() as client:
        for index in range(5):
            template = push_template(case, baru, PETUGAS_PUPR.nip)["ops"][index]
            for path in list(paths(template))[1:]:
                for value in EVERY_KIND:
                    for how in ("set", "add") if isinstance(value, dict) else ("set",):
                        fresh = push_template(case, baru, PETUGAS_PUPR.nip)["ops"][index]
                        sent = encode({"ops": [changed(fresh, path, how, value, "extra")]})
                        response = client.post(PUSH, content=sent.encode("ascii"))
                        assert_clean(response, {200, 400}, statuses, sent)
                        if response.status_code == 200:
                            check_receipt(world, sent.encode(), response.json())
    reached(statuses, 200, 400)
    assert_consecutive(world.numbers)


def in_an_op(path: tuple[Any, ...]) -> bool:
    """Places inside an op's payload, time or version: past the shape checks, into apply."""
    return len(path) >= 3 and path[0] == "ops" and path[2] in ("p", "t", "v")


def test_push_answers_hostile_ops_with_4xx_or_per_op_refusals(world: World) -> None:
    statuses: Counter[int] = Counter()
    case, baru = world.server.case, world.coordinator_case

    @SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        office = data.draw(st.sampled_from(["pupr", "pupr", "pupr", "prov", "prov", "dinkes"]))
        actor = ADMIN.nip if office == "prov" else PETUGAS_PUPR.nip
        template = push_template(case, baru, actor)
        where = data.draw(st.sampled_from([in_an_op, in_an_op, lambda _: True]))
        sent = data.draw(hostile_body(template, where))
        encoding = data.draw(st.sampled_from([""] * 8 + ["gzip", "gzip", "gzip-bad", "zstd", "br"]))
        headers = {}
        body = sent
        if encoding == "gzip":
            body, headers = gzip.compress(sent), {"Content-Encoding": "gzip"}
        elif encoding:
            headers = {"Content-Encoding": encoding.removesuffix("-bad")}
        with world.server.client(office) as client:
            response = client.post(PUSH, content=body, headers=headers)
        assert_clean(response, {200, 400, 413}, statuses)
        if response.status_code == 200:
            check_receipt(world, sent, response.json())

    run()
    reached(statuses, 200, 400)
    # A create refused for any reason used no tracking number: those given are consecutive.
    assert_consecutive(world.numbers)
    if kind_of(world.server.location) == "sqlite":  # SQLite's own check of its file
        assert world.server.query("PRAGMA integrity_check") == [("ok",)]


def optional(valid: list[str]) -> st.SearchStrategy[str | None]:
    """A query parameter: mostly absent, else valid or hostile."""
    return st.sampled_from(["absent"] * 3 + ["valid", "hostile"]).flatmap(
        lambda how: (
            st.just(None)
            if how == "absent"
            else (st.sampled_from(valid) if how == "valid" else QUERY_TEXT)
        )
    )


def test_changes_answers_hostile_queries_cleanly(world: World) -> None:
    statuses: Counter[int] = Counter()
    current = world.server.epoch()

    @SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        cursor = data.draw(
            st.one_of(
                QUERY_TEXT,
                st.tuples(NUMBER_TEXT, NUMBER_TEXT).map(
                    lambda p: urllib.parse.quote(f"{current}.{p[0]}.{p[1]}", safe="")
                ),
                NUMBER_TEXT.map(lambda n: urllib.parse.quote(f"{current}.{n}", safe="")),
                st.sampled_from(["", f"{current}.1", f"{current}.1.1"]),
            )
        )
        limit = data.draw(optional(["1", "5", "1000"]))
        streamed = data.draw(optional(["0", "1"]))
        parts = [f"cursor={cursor}"]
        parts += [] if limit is None else [f"limit={limit}"]
        parts += [] if streamed is None else [f"stream={streamed}"]
        parts += [f"{data.draw(QUERY_TEXT)}=1"] if data.draw(st.sampled_from([0, 0, 0, 1])) else []
        tag = data.draw(header_bytes(st.binary(max_size=40)) | st.just(f'"{current}.1"'.encode()))
        with world.server.client() as client:
            response = client.get(f"{CHANGES}?{'&'.join(parts)}", headers={b"If-None-Match": tag})
        assert_clean(response, {200, 304, 400, 410}, statuses)
        if response.status_code == 200:
            first = response.text.split("\n", 1)[0]
            assert json.loads(first)["type"] == "desk-sync/changes"

    run()
    reached(statuses, 200, 400, 410)


def test_cases_answers_hostile_bodies_cleanly(world: World) -> None:
    statuses: Counter[int] = Counter()
    template = {"ids": [world.server.case["local_id"], "01JD0000000000000000000000"]}

    @SETTINGS
    @given(body=hostile_body(template, lambda path: len(path) == 2, TEXT) | hostile_body(template))
    def run(body: bytes) -> None:
        with world.server.client() as client:
            response = client.post(CASES, content=body)
        assert_clean(response, {200, 400, 413}, statuses)
        if response.status_code == 200:
            assert response.json()["type"] == "desk-sync/cases"

    run()
    reached(statuses, 200, 400)


def test_digest_answers_hostile_bodies_cleanly(world: World) -> None:
    statuses: Counter[int] = Counter()
    template = {"buckets": ["", "3f"], "depth": 1, "cases": ["a7"], "skip": ["01JD0000000000"]}

    @SETTINGS
    @given(body=hostile_body(template, lambda path: len(path) >= 1) | hostile_body(template))
    def run(body: bytes) -> None:
        with world.server.client("prov") as client:
            response = client.post(DIGEST, content=body)
        assert_clean(response, {200, 400, 413}, statuses)
        if response.status_code == 200:
            assert response.json()["type"] == "desk-sync/digest"

    run()
    reached(statuses, 200, 400)


def as_header(text: str) -> bytes:
    """Header bytes as a server reads them (Latin-1: "²" is one byte), UTF-8 beyond it; no
    white space at the ends, which HTTP does not carry."""
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    return raw.strip(b" \t") or b"x"


def test_files_answer_hostile_paths_offsets_and_ranges_cleanly(world: World) -> None:
    statuses: Counter[int] = Counter()

    @SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        # Mostly the files that get past the path and the scope: the uploaded one (GET and
        # its ranges) and the one whose upload stays open (PUT and its offsets).
        method = data.draw(st.sampled_from(["GET", "HEAD", "PUT"]))
        sha = data.draw(
            st.sampled_from([CLAIMED_SHA if method == "PUT" else PDF_SHA] * 6 + ["other"])
        )
        if sha == "other":
            sha = data.draw(
                st.sampled_from(["0" * 64, PDF_SHA.upper(), PDF_SHA[:63], CLAIMED_SHA, PDF_SHA])
                | QUERY_TEXT.filter(lambda text: text not in ("", ".", ".."))
            )
        query = f"?offset={data.draw(QUERY_TEXT)}" if data.draw(st.booleans()) else ""
        headers: dict[bytes, bytes] = {}
        if method == "GET" and data.draw(st.booleans()):
            headers[b"Range"] = data.draw(
                header_bytes(st.binary(max_size=30))
                | st.tuples(NUMBER_TEXT, NUMBER_TEXT).map(
                    lambda p: as_header(f"bytes={p[0]}-{p[1]}")
                )
                | st.sampled_from([b"bytes=0-", b"bytes=-5", b"bytes=0-0,2-3", b"items=0-"])
            )
        # Never the whole claimed file: its upload stays open, so offsets keep being parsed.
        content = data.draw(st.binary(max_size=64)) if method == "PUT" else b""
        office = data.draw(st.sampled_from(["pupr", "pupr", "pupr", "dinkes", "prov"]))
        with world.server.client(office) as c:
            response = c.request(
                method, f"/sync/v1/files/{sha}{query}", headers=headers, content=content
            )
        assert_clean(response, {200, 206, 400, 404, 409, 413, 416, 422}, statuses)

    run()
    reached(statuses, 200, 206, 400, 404, 416)


def test_hello_and_tokens_answer_hostile_headers_cleanly(world: World) -> None:
    """Every endpoint, hello and the audit witness's included, with hostile tokens, encodings,
    query parameters and witness reports (`X-Desk-Audit`, `?receipt=`)."""
    statuses: Counter[int] = Counter()

    @SETTINGS
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        path = data.draw(st.sampled_from([HELLO, CHANGES, PUSH, CASES, DIGEST, WITNESS]))
        token = data.draw(
            st.sampled_from([world.server.tokens["pupr"].encode()] * 2)
            | header_bytes(st.binary(max_size=60))
        )
        scheme = data.draw(st.sampled_from([b"Bearer ", b"Bearer ", b"bearer  ", b"Basic ", b""]))
        headers = {
            b"Authorization": scheme + token,
            b"Accept-Encoding": data.draw(header_bytes(st.binary(max_size=30)) | st.just(b"zstd")),
        }
        if data.draw(st.booleans()):
            headers[b"X-Desk-Audit"] = data.draw(
                header_bytes(st.binary(max_size=100))
                | st.tuples(NUMBER_TEXT, NUMBER_TEXT).map(
                    lambda p: as_header(f"{p[0]}.{'A' * 43}.{p[1]}.{'B' * 43}")
                )
            )
        names = st.sampled_from(["receipt", "cursor"]) | QUERY_TEXT
        query = "&".join(f"{data.draw(names)}={data.draw(QUERY_TEXT)}" for _ in range(2))
        method = "GET" if path in (HELLO, CHANGES, WITNESS) else "POST"
        with fast_client(world.server.url) as client:
            response = client.request(method, f"{path}?{query}", headers=headers, content=b"{}")
        assert_clean(response, CLEAN, statuses)

    run()
    reached(statuses, 200, 401)
