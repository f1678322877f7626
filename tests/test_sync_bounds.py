"""Every decoder of a sync body is bounded, on both sides (issue 15, point 7): a small body that
claims to inflate to a gigabyte is refused before the process holds more than its bound."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import httpx
import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from desk.central.app import HttpError, decompress
from desk.errors import DeskError
from desk.sync.codec import BadEncoding, Inflater, TooLarge, inflate
from desk.sync.remote import Remote
from desk.sync.transport import MAX_DECODED, LineDecoder, RetryPolicy, Transport

GIB = 1024**3


def zstd_bomb(size: int = GIB) -> bytes:
    """`size` zero bytes as one zstd frame: a few tens of KB on the wire."""
    compressor = zstandard.ZstdCompressor(level=1).compressobj()
    block = b"\0" * (8 * 1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, compressor.flush()])


def gzip_bomb(size: int = GIB) -> bytes:
    deflater = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (8 * 1024 * 1024)
    parts = [deflater.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, deflater.flush()])


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {"zstd": zstd_bomb(), "gzip": gzip_bomb()}


@pytest.mark.parametrize("encoding", ["zstd", "gzip"])
def test_a_bomb_is_refused_within_its_bound(bombs: dict[str, bytes], encoding: str) -> None:
    limit = 4 * 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge):
            inflate(bombs[encoding], encoding, limit)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < limit + 24 * 1024 * 1024  # the bound, one step and the input: not a GiB


@pytest.mark.parametrize("encoding", ["zstd", "gzip"])
def test_the_streamed_feed_decoder_is_bounded_too(bombs: dict[str, bytes], encoding: str) -> None:
    decoder = LineDecoder(encoding, limit=1024 * 1024)
    with pytest.raises(ValueError, match="inflates past"):
        for start in range(0, len(bombs[encoding]), 16 * 1024):
            decoder.feed(bombs[encoding][start : start + 16 * 1024])
    assert decoder.decoded <= 1024 * 1024


def test_a_desk_asked_by_a_hostile_server_stays_small(bombs: dict[str, bytes]) -> None:
    # A server (or whoever answers in its name) sends a zstd hello that inflates to 1 GiB: the
    # desk treats it as a bad body, retries as the protocol says, and gives up, never holding
    # more than its bound (it used to reach 3.2 GB).
    def hostile(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"Content-Encoding": "zstd"},
            stream=httpx.ByteStream(bombs["zstd"]),
        )

    client = httpx.Client(transport=httpx.MockTransport(hostile))
    transport = Transport(
        Remote("http://central.test", "token"),
        client=client,
        policy=RetryPolicy(attempts=2, base=0.0, cap=0.0),
        sleep=lambda seconds: None,
    )
    tracemalloc.start()
    try:
        with pytest.raises(DeskError, match="inflates past"):
            transport.call("GET", "/sync/v1/hello", expect="desk-sync/hello")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        transport.close()
    assert peak < MAX_DECODED + 64 * 1024 * 1024


@pytest.mark.parametrize("encoding", ["zstd", "gzip"])
def test_the_server_answers_a_bomb_with_413(bombs: dict[str, bytes], encoding: str) -> None:
    with pytest.raises(HttpError) as raised:
        decompress(bombs[encoding], encoding, 1024 * 1024)
    assert raised.value.status == 413


@given(st.binary(max_size=2048), st.sampled_from(["gzip", "zstd", "identity", "br", ""]))
@settings(max_examples=300, deadline=None)
def test_any_bytes_in_any_encoding_are_data_or_a_clean_refusal(raw: bytes, encoding: str) -> None:
    try:
        out = inflate(raw, encoding, 64 * 1024)
    except (BadEncoding, TooLarge):
        return
    assert len(out) <= 64 * 1024
    try:
        decompress(raw, encoding, 64 * 1024)
    except HttpError as error:  # the server says 400 or 413, nothing else
        assert error.status in (400, 413)


def test_a_good_body_inflates_whole_in_pieces() -> None:
    text = b'{"type":"x"}\n' * 50_000
    for encoding, data in (
        ("gzip", gzip.compress(text)),
        ("zstd", zstandard.ZstdCompressor().compress(text)),
    ):
        inflater = Inflater(encoding, len(text))
        out = b"".join(inflater.feed(data[i : i + 1000]) for i in range(0, len(data), 1000))
        assert out == text and inflater.ended


def _endless(request: httpx.Request) -> httpx.Response:
    """A server whose answer never ends and is not compressed at all."""

    def body() -> object:
        block = b"A" * (1024 * 1024)
        yield b'{"type":"desk-sync/hello","x":"'
        while True:
            yield block

    return httpx.Response(200, content=body())  # type: ignore[arg-type]


def _transport_to(handler: object) -> Transport:
    return Transport(
        Remote("http://central.test", "token"),
        client=httpx.Client(transport=httpx.MockTransport(handler)),  # type: ignore[arg-type]
        policy=RetryPolicy(attempts=2, base=0.0, cap=0.0),
        sleep=lambda seconds: None,
    )


def test_an_endless_plain_answer_is_cut_at_the_bound_with_a_clear_message() -> None:
    # Only inflating was bounded before: a plain body was kept whole, 6 GB in 20 s and on.
    transport = _transport_to(_endless)
    tracemalloc.start()
    try:
        with pytest.raises(DeskError, match="lebih besar dari 64 MB"):
            transport.call("GET", "/sync/v1/hello", expect="desk-sync/hello")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        transport.close()
    assert peak < MAX_DECODED + 16 * 1024 * 1024


def test_a_download_stops_reading_once_it_has_what_it_asked_for() -> None:
    transport = _transport_to(_endless)
    kept: list[bytes] = []

    def sink(data: bytes) -> bool:
        kept.append(data)
        return sum(map(len, kept)) < 3 * 1024 * 1024

    try:
        reply = transport.raw("GET", "/sync/v1/files/x", sink=sink)
    finally:
        transport.close()
    assert reply.status == 200
    assert sum(map(len, kept)) < 5 * 1024 * 1024
