"""The central server's transport: auth, compression both ways, limits, rate, typed bodies.

On both central stores (`central_store`): the central is built as tests/test_central_feed.py
builds it (`source`, `build`, `settle`).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import zstandard
from ulid import ULID

from db.timefmt import to_text
from desk.central.store_api import open_store
from desk.central.testing import running_server
from tests.conftest import NOW, PETUGAS_PUPR, case_in
from tests.pg_support import central_query, central_store  # noqa: F401
from tests.test_central_feed import build, case_row, settle, source

PUSH = "/sync/v1/push"
HELLO = "/sync/v1/hello"


@pytest.fixture
def setup(central_store: str, tmp_path: Path) -> Any:  # noqa: F811
    """The store's location, the offices' tokens and a case diproses at PUPR."""
    path = source(central_store, tmp_path)
    database, tokens = build(path)
    case = case_in(database, "diproses")
    database.conn.close()
    return settle(central_store, path), tokens, case


def serve(location: str, **options: Any) -> Any:
    """The server at the fixtures' time (so the follow-up's clock has not run out)."""
    return running_server(location, clock=lambda: NOW, **options)


def version(location: str, case: dict[str, Any]) -> int:
    return int(case_row(location, case["tracking_no"])["version"])


def note(case: dict[str, Any], text: str = "Catatan") -> dict[str, Any]:
    return {
        "id": str(ULID()),
        "c": case["local_id"],
        "k": "note",
        "v": case["version"],
        "p": {"text": text},
        "a": PETUGAS_PUPR.nip,
        "t": to_text(NOW),
    }


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def body(ops: list[dict[str, Any]]) -> bytes:
    return json.dumps({"ops": ops}, separators=(",", ":")).encode()


def raw_post(url: str, data: bytes, headers: dict[str, str]) -> httpx.Response:
    """A POST whose response is read as sent (no automatic decompression)."""
    with (
        httpx.Client() as client,
        client.stream("POST", url + PUSH, content=data, headers=headers) as response,
    ):
        response.raw_body = b"".join(response.iter_raw())  # type: ignore[attr-defined]
        return response


@pytest.mark.parametrize(
    ("encoding", "compress", "decompress"),
    [
        ("gzip", gzip.compress, gzip.decompress),
        ("zstd", zstandard.ZstdCompressor().compress, zstandard.ZstdDecompressor().decompress),
    ],
)
def test_compressed_push_and_compressed_receipt(
    setup: Any, encoding: str, compress: Any, decompress: Any
) -> None:
    location, tokens, case = setup
    # Enough ops for the receipt to pass the compression threshold (successes are ~22 B each).
    ops = [note(case, f"Catatan {n} " + "panjang " * 20) for n in range(12)]
    for stacked, op in enumerate(ops):
        op["v"] += stacked  # each one stacked on the one before
    with serve(location) as url:
        headers = auth(
            tokens["pupr"], **{"Content-Encoding": encoding, "Accept-Encoding": encoding}
        )
        response = raw_post(url, compress(body(ops)), headers)
    assert response.status_code == 200
    assert response.headers["content-encoding"] == encoding
    assert response.headers["x-desk-encodings"] == "zstd, gzip"
    receipt = json.loads(decompress(response.raw_body))  # type: ignore[attr-defined]
    assert receipt["type"] == "desk-sync/receipt"
    assert [r["r"] for r in receipt["results"]] == ["applied"] * 12
    assert version(location, case) == case["version"] + 12


def test_small_responses_are_not_compressed(setup: Any) -> None:
    location, tokens, _ = setup
    with serve(location) as url:
        response = httpx.get(
            url + "/sync/v1/nothing", headers=auth(tokens["pupr"], **{"Accept-Encoding": "gzip"})
        )
    assert response.status_code == 404
    assert "content-encoding" not in response.headers
    assert response.json()["type"] == "desk-sync/error"
    with serve(location) as url:
        wrong = httpx.delete(url + PUSH, headers=auth(tokens["pupr"]))
    assert (wrong.status_code, wrong.json()["code"]) == (405, "not_allowed")


def test_a_replayed_push_is_all_duplicates(setup: Any) -> None:
    location, tokens, case = setup
    ops = [note(case, "sekali")]
    with serve(location) as url:
        first = httpx.post(url + PUSH, content=body(ops), headers=auth(tokens["pupr"])).json()
        second = httpx.post(url + PUSH, content=body(ops), headers=auth(tokens["pupr"])).json()
    assert first["results"][0]["r"] == "applied"
    assert second["results"] == [{**first["results"][0], "r": "duplicate"}]
    [(count,)] = central_query(
        location, "SELECT count(*) FROM events WHERE uid = ?", [ops[0]["id"]]
    )
    assert count == 1


def test_a_push_outside_the_offices_scope_is_rejected(setup: Any) -> None:
    location, tokens, case = setup
    with serve(location) as url:
        receipt = httpx.post(
            url + PUSH, content=body([note(case)]), headers=auth(tokens["dinkes"])
        ).json()
    assert (receipt["results"][0]["r"], receipt["results"][0]["code"]) == ("rejected", "scope")


def test_wrong_missing_and_revoked_tokens_get_401(setup: Any) -> None:
    location, tokens, case = setup
    with serve(location) as url:
        assert httpx.get(url + HELLO, headers=auth(tokens["pupr"])).json()["office"] == "pupr"
        for headers in ({}, auth("not-a-token"), {"Authorization": f"Basic {tokens['pupr']}"}):
            response = httpx.get(url + HELLO, headers=headers)
            assert response.status_code == 401
            assert response.json()["type"] == "desk-sync/error"
        store = open_store(location)
        try:
            store.revoke_office("pupr")
        finally:
            store.close()
        refused = httpx.post(url + PUSH, content=body([note(case)]), headers=auth(tokens["pupr"]))
        assert refused.status_code == 401
    assert version(location, case) == case["version"]


def test_bodies_over_the_limits_get_413(setup: Any) -> None:
    location, tokens, case = setup
    with serve(location, max_wire_body=2000, max_body=50_000, max_ops=2) as url:
        headers = auth(tokens["pupr"])
        big = body([note(case, "x" * 3000)])
        assert httpx.post(url + PUSH, content=big, headers=headers).status_code == 413
        # A small gzip that inflates past the limit (a zip bomb): refused without inflating it all.
        bomb = gzip.compress(b'{"ops":[' + b" " * 1_000_000 + b"]}")
        assert len(bomb) < 2000
        response = httpx.post(
            url + PUSH, content=bomb, headers={**headers, "Content-Encoding": "gzip"}
        )
        assert response.status_code == 413
        three = body([note(case, "a"), note(case, "b"), note(case, "c")])
        assert httpx.post(url + PUSH, content=three, headers=headers).status_code == 413
    assert version(location, case) == case["version"]


def test_too_many_requests_get_429_with_retry_after(setup: Any) -> None:
    location, tokens, _ = setup
    with serve(location, rate=0.2, burst=3) as url:
        codes = [httpx.get(url + HELLO, headers=auth(tokens["pupr"])) for _ in range(4)]
        other = httpx.get(url + HELLO, headers=auth(tokens["dinkes"]))
    assert [r.status_code for r in codes] == [200, 200, 200, 429]
    assert codes[-1].json()["code"] == "rate_limited"
    assert 1 <= int(codes[-1].headers["retry-after"]) <= 5
    assert other.status_code == 200  # the bucket is per office


@pytest.mark.parametrize(
    ("data", "headers"),
    [
        (b"{not json", {}),
        (b'{"ops": [], "extra": 1}', {}),
        (b'{"ops": [{"id": "x"}]}', {}),
        (b"\x1f\x8b\x08garbage", {"Content-Encoding": "gzip"}),
        (gzip.compress(b'{"ops": []}', mtime=0)[:-6], {"Content-Encoding": "gzip"}),
        (b"garbage", {"Content-Encoding": "zstd"}),
        (b'{"ops": []}', {"Content-Encoding": "br"}),
    ],
    # Fixed ids: a gzip header carries a time, and xdist's workers must collect the same names.
    ids=["not-json", "unknown-key", "bad-op", "bad-gzip", "truncated-gzip", "bad-zstd", "br"],
)
def test_malformed_requests_get_400(setup: Any, data: bytes, headers: dict[str, str]) -> None:
    location, tokens, _ = setup
    with serve(location) as url:
        response = httpx.post(url + PUSH, content=data, headers=auth(tokens["pupr"], **headers))
    assert response.status_code == 400
    assert response.json()["type"] == "desk-sync/error"


def test_hello_says_who_the_office_is(setup: Any) -> None:
    location, tokens, _ = setup
    with serve(location) as url:
        hello = httpx.get(url + HELLO, headers=auth(tokens["prov"])).json()
    assert hello["type"] == "desk-sync/hello"
    assert (hello["office"], hello["coordinator"], hello["units"]) == ("prov", True, ["SETDA"])
