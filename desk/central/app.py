"""The central server's HTTP app (Starlette): `/sync/v1/hello`, `/sync/v1/changes`, `/sync/v1/push`.

Transport rules (docs/sync-protocol.md, "Transport"): a bearer token per office (only its SHA-256
is stored; tokens are never logged), request and response bodies in gzip or zstd, every body a
typed JSON object, errors as `desk-sync/error` with the status of the protocol's table, and a
per-office token bucket answering 429 with Retry-After.

Every read and write goes through the central store (desk/central/store_api.py), one call per
unit of work, made in a worker thread so that the event loop never waits on the store. How the
store keeps concurrent calls apart is its own business (desk/central/sqlite_store.py: one
connection under one lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import math
import os
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import zstandard
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from db.timefmt import to_text, utc_now
from desk.attachments import media_type_of, settle, stored_path
from desk.central import feed, files, operations, stream
from desk.central.apply import BadOp, names, validate_op
from desk.central.digest import digest_endpoint
from desk.central.operations import note_office
from desk.central.store_api import CentralStore, Office, open_store
from desk.central.witness import witness_endpoint, witnessed
from desk.i18n import t
from desk.sync.codec import BadEncoding, TooLarge, inflate

log = logging.getLogger("desk.central")
T = TypeVar("T")

ENCODINGS = "zstd, gzip"
MAX_BODY = 1024 * 1024  # after decompression
MAX_WIRE_BODY = 256 * 1024  # as sent
MAX_OPS = 1000  # per push
COMPRESS_OVER = 200  # bytes: smaller responses are not worth a compression header


@dataclass
class Options:
    """What a server may be started with (all have defaults that suit a real deployment)."""

    rate: float = 5.0  # requests per second per office, sustained
    burst: int = 60  # requests an office may make at once
    auto_interval: float | None = 60.0  # seconds between automatic-transition runs; None: never
    max_body: int = MAX_BODY
    max_wire_body: int = MAX_WIRE_BODY
    max_ops: int = MAX_OPS
    max_file: int = files.DEFAULT_MAX_FILE  # bytes one attachment may declare
    office_quota: int = files.DEFAULT_OFFICE_QUOTA  # bytes of attachments one office may claim
    clock: Callable[[], datetime] = utc_now  # the server's "now" (tests move it)


class HttpError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


class Central:
    """The server's state: its store, options and upload locks. The rate limit's buckets are
    the store's (`CentralStore.take_token`): with several processes on one store, an office's
    requests count against one bucket whichever process serves them."""

    def __init__(self, store: CentralStore, options: Options) -> None:
        self.store = store
        self.options = options
        self.file_locks: dict[str, asyncio.Lock] = {}

    async def run(self, work: Callable[[CentralStore], T]) -> T:
        """`work(store)` in a worker thread (a store call may wait on a lock or the network)."""
        return await run_in_threadpool(work, self.store)

    def automatic(self) -> None:
        """Apply the automatic transitions due now; their events get uids for the feed."""
        result = self.store.run_automatic(self.options.clock)
        if result is not None and (result.closed or result.archived):
            log.info("automatic: %d closed, %d archived", result.closed, result.archived)

    def close(self) -> None:
        self.store.close()


# Bodies ------------------------------------------------------------------------------------


def error_response(error: HttpError) -> Response:
    body = {"type": "desk-sync/error", "code": error.code, "message": error.message}
    return Response(
        # ASCII escapes: an error body is written whatever its message holds.
        json.dumps(body, separators=(",", ":")).encode("ascii"),
        status_code=error.status,
        media_type="application/json",
        headers={"X-Desk-Encodings": ENCODINGS, **error.headers},
    )


def _dumps(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(request: Request, body: dict[str, Any], headers: dict[str, str]) -> Response:
    """A typed JSON body, compressed as the client accepts (zstd first) when worth it."""
    data = _dumps(body)
    headers = {"X-Desk-Encodings": ENCODINGS, "Vary": "Accept-Encoding", **headers}
    if len(data) > COMPRESS_OVER:
        accepted = accepted_encodings(request)
        if "zstd" in accepted:
            data = zstandard.ZstdCompressor(level=zstd_level(len(data))).compress(data)
            headers["Content-Encoding"] = "zstd"
        elif "gzip" in accepted:
            data = gzip.compress(data, compresslevel=6, mtime=0)
            headers["Content-Encoding"] = "gzip"
    return Response(data, media_type="application/json", headers=headers)


def accepted_encodings(request: Request) -> set[str]:
    return {
        part.split(";")[0].strip().lower()
        for part in request.headers.get("accept-encoding", "").split(",")
    }


def zstd_level(size: int) -> int:
    """Bytes on a GPRS link cost more than server CPU: the highest level that stays cheap.

    Measured on a 500-case page (1.3 MB of JSON): level 9 gives 256 B a case in 15 ms, 15 gives
    240 B in 80 ms, 19 gives 223 B in 490 ms. Small bodies (receipts, idle pages) get 19.
    """
    return 19 if size <= 128 * 1024 else 15


async def read_body(request: Request, options: Options) -> Any:
    """The request's JSON, decompressed within the limits (413 beyond them, 400 when bad)."""
    declared = number(request.headers.get("content-length", ""), longest=30)
    if declared is not None and declared > options.max_wire_body:
        raise HttpError(413, "too_large", f"body over {options.max_wire_body} bytes")
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > options.max_wire_body:
            raise HttpError(413, "too_large", f"body over {options.max_wire_body} bytes")
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    data = decompress(bytes(chunks), encoding, options.max_body)
    return parse_json(data)


# What a body may hold (docs/sync-protocol.md, "Transport"): the protocol's deepest body is 5
# levels, its numbers are versions, sizes and offsets (64-bit), its text is Unicode.
MAX_NESTING = 32
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
_SURROGATE = re.compile(r"[\ud800-\udfff]")


class _Refused(Exception):
    """A JSON value the protocol never holds (raised from the decoder's hook)."""


def _parse_constant(name: str) -> Any:
    raise _Refused(f"{name}, which JSON does not have")


def parse_json(data: bytes) -> Any:
    """A request body as JSON the protocol can hold, else a 400 naming what is wrong: UTF-8
    only, no NaN/Infinity, integers within 64 bits, at most `MAX_NESTING` levels, no lone
    surrogates (`"\\ud800"` decodes to a string that cannot be stored or sent back).

    Each was a 500: the decoder's RecursionError, int()'s ValueError past 4,300 digits,
    SQLite's OverflowError past 64 bits, UTF-8's UnicodeEncodeError on a surrogate."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise HttpError(400, "bad_json", f"the body is not UTF-8 (byte {error.start})") from None
    try:
        value = json.loads(text, parse_constant=_parse_constant)
    except RecursionError:
        raise HttpError(
            400, "bad_json", f"the body nests deeper than {MAX_NESTING} levels"
        ) from None
    except _Refused as error:
        raise HttpError(400, "bad_json", f"the body holds {error}") from None
    except json.JSONDecodeError as error:
        raise HttpError(400, "bad_json", f"the body is not JSON: {error}") from None
    except ValueError:  # int() refuses more than 4,300 digits
        raise HttpError(400, "bad_json", "the body holds a number beyond 64 bits") from None
    _check_tree(value)
    return value


def _check_tree(value: Any) -> None:
    """Nesting, text and numbers of a decoded body, without recursion (a 400 naming the place).

    Checked here rather than in the decoder's hooks: a hook is a Python call per number, five
    times the cost of this walk on a body of numbers."""
    stack: list[tuple[Any, str, int]] = [([value], "", 0)]
    while stack:
        node, path, depth = stack.pop()
        items = node.items() if type(node) is dict else enumerate(node)
        for key, item in items:
            if type(key) is str and not key.isascii() and _SURROGATE.search(key):
                raise HttpError(
                    400, "bad_json", f"a key at {path or 'the top'} holds a lone surrogate"
                )
            kind = type(item)
            if kind is str:
                if not item.isascii() and _SURROGATE.search(item):
                    where = _place(path, key, depth)
                    raise HttpError(400, "bad_json", f"the text at {where} holds a lone surrogate")
            elif kind is int:
                if not INT_MIN <= item <= INT_MAX:
                    where = _place(path, key, depth)
                    raise HttpError(400, "bad_json", f"the number at {where} is beyond 64 bits")
            elif kind is float:
                if not math.isfinite(item):
                    where = _place(path, key, depth)
                    raise HttpError(400, "bad_json", f"the number at {where} is out of range")
            elif kind is dict or kind is list:
                if depth >= MAX_NESTING:
                    raise HttpError(
                        400, "bad_json", f"the body nests deeper than {MAX_NESTING} levels"
                    )
                stack.append((item, _place(path, key, depth) if depth else "", depth + 1))


def _place(path: str, key: object, depth: int) -> str:
    """Where a value is, for a message: `ops[0].p.text` (depth 0: the body itself)."""
    if depth == 0:
        return "the top"
    if isinstance(key, int):
        return f"{path}[{key}]"
    name = str(key)
    if not (name.isascii() and name.isidentifier() and len(name) <= 40):
        name = repr(name[:40])
    return f"{path}.{name}" if path else name


def decompress(data: bytes, encoding: str, limit: int) -> bytes:
    """Decompress within `limit` (desk/sync/codec.py, the same bound the desk uses on answers):
    a small body that inflates past it is a 413, never a memory blow-up; a bad one a 400."""
    try:
        return inflate(data, encoding, limit)
    except TooLarge:
        raise HttpError(413, "too_large", f"body over {limit} bytes once decompressed") from None
    except BadEncoding as error:
        raise HttpError(400, "bad_encoding", str(error)) from None


def number(text: str, longest: int = 18) -> int | None:
    """A count written in ASCII digits (at most `longest` of them), else None.

    `str.isdigit` alone also accepts "²" and "٣" (int() refuses the first: a 500; takes the
    second as 3), and int() refuses more than 4,300 digits.
    """
    if not text or len(text) > longest or not text.isascii() or not text.isdigit():
        return None
    return int(text)


# Endpoints ---------------------------------------------------------------------------------


async def office_of(request: Request) -> Office:
    """The office whose token the request carries (401 otherwise), within its rate (429)."""
    office, _ = await admitted(request)
    return office


async def admitted(request: Request, idle_cursor: str = "") -> tuple[Office, feed.Page | None]:
    """`office_of`; with `idle_cursor`, also the page of a desk's idle sync when that cursor is
    at the end of the log (`CentralStore.admit`): the most frequent request is then one
    trip to the store instead of two."""
    central: Central = request.app.state.central
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HttpError(401, "unauthorized", "missing bearer token")
    rate, burst = central.options.rate, central.options.burst
    office, wait, idle = await central.run(
        lambda store: store.admit(token.strip(), rate, burst, idle_cursor)
    )
    if office is None:
        raise HttpError(401, "unauthorized", "token refused (unknown or revoked)")
    note_office(request, office.name)  # for the request's log line, a 429 included
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise HttpError(
            429, "rate_limited", "too many requests", headers={"Retry-After": str(seconds)}
        )
    return office, idle


def endpoint(
    handler: Callable[[Request, Office], Any],
) -> Callable[[Request], Any]:
    async def wrapped(request: Request) -> Response:
        try:
            office = await office_of(request)
            response: Response = await handler(request, office)
            return response
        except HttpError as error:
            return error_response(error)

    return wrapped


async def changes_endpoint(request: Request) -> Response:
    """`GET /sync/v1/changes`: admitted together with the idle page of its cursor."""
    try:
        office, idle = await admitted(request, request.query_params.get("cursor", ""))

        async def answer(request: Request, office: Office) -> Response:
            return await changes(request, office, idle)

        response: Response = await witnessed(answer)(request, office)
        return response
    except HttpError as error:
        return error_response(error)


async def hello(request: Request, office: Office) -> Response:
    central: Central = request.app.state.central
    current = await central.run(lambda store: store.epoch())
    options = central.options
    body = {
        "type": "desk-sync/hello",
        "protocol": 1,
        "office": office.name,
        "coordinator": office.coordinator,
        "units": list(office.units),
        "epoch": current,
        "limits": {
            "body": options.max_body,
            "wire_body": options.max_wire_body,
            "ops": options.max_ops,
            "page": feed.MAX_LIMIT,
            "file": options.max_file,
            "office_files": options.office_quota,
        },
    }
    return json_response(request, body, {})


async def changes(request: Request, office: Office, idle: feed.Page | None = None) -> Response:
    """A page of the feed; `idle` is the page already known when the cursor is at the end of
    the log (`admitted`)."""
    central: Central = request.app.state.central
    cursor = request.query_params.get("cursor", "")
    limit_text = request.query_params.get("limit", str(feed.DEFAULT_LIMIT))
    unknown = set(request.query_params) - {"cursor", "limit", "stream"}
    if unknown:
        raise HttpError(400, "bad_request", f"unknown parameters: {names(unknown)}")
    limit = number(limit_text, longest=9)
    if limit is None or not 1 <= limit <= feed.MAX_LIMIT:
        raise HttpError(400, "bad_request", f"limit must be 1-{feed.MAX_LIMIT}")
    streamed = request.query_params.get("stream", "0")
    if streamed not in ("0", "1"):
        raise HttpError(400, "bad_request", "stream must be 0 or 1")
    try:
        if idle is None:
            page = await central.run(lambda store: store.changes(office, cursor, limit))
        else:
            page = idle
    except feed.CursorGone:
        raise HttpError(
            410, "cursor_gone", "unknown or expired cursor: pull again from the start"
        ) from None
    tag = request.headers.get("if-none-match", "").removeprefix("W/").strip().strip('"')
    if page.body is None:
        if cursor and tag == cursor:
            return Response(
                status_code=304, headers={"ETag": f'"{cursor}"', "X-Desk-Encodings": ENCODINGS}
            )
        empty = {"type": "desk-sync/changes", "next_cursor": page.next_cursor, "has_more": False}
        page = feed.Page({**empty, "changes": []}, page.next_cursor)
    headers = {"ETag": f'"{page.next_cursor}"'}
    if streamed == "1":
        return await lines_response(request, page, headers)
    return json_response(request, page.body or {}, headers)


async def lines_response(request: Request, page: feed.Page, headers: dict[str, str]) -> Response:
    """A page in the streamed form (desk/central/stream.py), compressed as the client accepts."""
    groups = stream.page_lines(page)
    size = sum(len(group) for group in groups)
    accepted = accepted_encodings(request)
    encoding = "zstd" if "zstd" in accepted else "gzip" if "gzip" in accepted else ""
    data = await run_in_threadpool(stream.encode_lines, groups, encoding, zstd_level(size))
    headers = {"X-Desk-Encodings": ENCODINGS, "Vary": "Accept-Encoding", **headers}
    if encoding:
        headers["Content-Encoding"] = encoding
    return Response(data, media_type="application/x-ndjson", headers=headers)


async def push(request: Request, office: Office) -> Response:
    central: Central = request.app.state.central
    body = await read_body(request, central.options)
    if not isinstance(body, dict) or set(body) - {"ops"} or not isinstance(body.get("ops"), list):
        raise HttpError(400, "bad_request", 'the body must be {"ops": [...]}')
    ops = body["ops"]
    if len(ops) > central.options.max_ops:
        raise HttpError(413, "too_large", f"more than {central.options.max_ops} ops in one push")
    try:
        checked = [validate_op(op) for op in ops]
    except BadOp as error:
        raise HttpError(400, "bad_request", str(error)) from None
    ids = [op["id"] for op in checked]
    if len(set(ids)) != len(ids):
        raise HttpError(400, "bad_request", "the same op id twice in one push")

    limits = files.FileLimits(central.options.max_file, central.options.office_quota)
    request_ids = frozenset(ids)
    results = await central.run(
        lambda store: store.apply_ops(office, checked, central.options.clock, request_ids, limits)
    )
    tracking = {}
    for op, result in zip(checked, results, strict=True):
        number = result.pop("tracking", None)
        if number is not None:
            tracking[op["c"]] = number
        if result.get("r") in ("applied", "duplicate"):
            # Results come in the order of the ops: echoing 26 characters of op id for every
            # success would be a third of a triage edit's bytes (bench/README.md).
            result.pop("id", None)
    receipt: dict[str, Any] = {"type": "desk-sync/receipt", "results": results}
    if tracking:
        receipt["tracking"] = tracking
    return json_response(request, receipt, {})


async def fetch_cases(request: Request, office: Office) -> Response:
    """`POST /sync/v1/cases {"ids": [local_id, ...]}`: the server's copy of named cases."""
    central: Central = request.app.state.central
    body = await read_body(request, central.options)
    ids = body.get("ids") if isinstance(body, dict) and set(body) == {"ids"} else None
    if (
        not isinstance(ids, list)
        or not all(isinstance(i, str) and 0 < len(i) <= 64 for i in ids)
        or len(set(ids)) != len(ids)
    ):
        raise HttpError(400, "bad_request", 'the body must be {"ids": [distinct case ids]}')
    if len(ids) > feed.MAX_FETCH:
        raise HttpError(413, "too_large", f"more than {feed.MAX_FETCH} cases in one request")
    answer = await central.run(lambda store: store.cases_by_id(office, ids))
    return json_response(request, answer, {})


# Files (docs/sync-protocol.md, "Attachments") ------------------------------------------------

FILE_PIECE = 64 * 1024  # what a download streams at a time


def _file_headers(offset: int, size: int) -> dict[str, str]:
    return {"X-Desk-Encodings": ENCODINGS, "X-Desk-Offset": str(offset), "X-Desk-Size": str(size)}


def _sha_of(request: Request) -> str:
    sha256 = str(request.path_params["sha256"])
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise HttpError(404, "unknown_file", "not a sha256")
    return sha256


async def file_endpoint(request: Request, office: Office) -> Response:
    """`/sync/v1/files/{sha256}`: uploads by the offices that claimed the content, downloads
    through the cases an office may read (desk/central/files.py says who may do what)."""
    central: Central = request.app.state.central
    sha256 = _sha_of(request)
    root = await central.run(lambda store: store.files_root())
    if request.method == "GET":
        size = await central.run(lambda store: store.readable_size(office, sha256))
        if size is None or not await run_in_threadpool(files.stored, root, sha256, size):
            known = await central.run(lambda store: store.visible(office, sha256))
            if not known:
                raise HttpError(404, "unknown_file", "no attachment with this sha256 in your cases")
            raise HttpError(404, "not_uploaded", "the file has not reached the server yet")
        return _file_get(request, root, sha256, size)
    claimed = await central.run(lambda store: store.upload_claim(office, sha256))
    if claimed is None:
        # Not claimed by this office (its attach op was refused or never sent): to it, the
        # content does not exist, whoever else holds it.
        raise HttpError(404, "unknown_file", "no attachment with this sha256 in your cases")
    size = claimed
    # Two uploads of one office for one content must not interleave their bytes; other
    # offices write elsewhere.
    lock = central.file_locks.setdefault(f"{office.name}\0{sha256}", asyncio.Lock())
    async with lock:
        proven = await central.run(lambda store: store.proven_by(office.name, sha256))
        offset = await run_in_threadpool(files.held, root, office.name, sha256, size, bool(proven))
        if request.method == "HEAD":
            return Response(status_code=200, headers=_file_headers(offset, size))
        return await _file_put(request, central, office, root, sha256, size, offset)


def _file_receipt(request: Request, offset: int, size: int) -> Response:
    body = {"type": "desk-sync/file", "offset": offset, "size": size, "complete": offset == size}
    return json_response(request, body, _file_headers(offset, size))


async def _file_put(
    request: Request,
    central: Central,
    office: Office,
    root: Any,
    sha256: str,
    size: int,
    offset: int,
) -> Response:
    if offset == size:
        return _file_receipt(request, offset, size)
    given = number(request.query_params.get("offset", ""))
    if given is None:
        raise HttpError(400, "bad_request", "offset=N is required (N: bytes the server holds)")
    if given != offset:
        # The client resumes from what the server acknowledged, never from what it thinks it
        # sent: tell it where that is.
        raise HttpError(
            409, "offset", f"the server holds {offset} bytes", headers=_file_headers(offset, size)
        )
    declared = number(request.headers.get("content-length", ""), longest=30)
    if declared is not None and declared > central.options.max_wire_body:
        raise HttpError(413, "too_large", f"chunk over {central.options.max_wire_body} bytes")
    part = files.upload_path(root, office.name, sha256)
    part.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    received = bytearray()  # at most max_wire_body: the chunk is taken whole, then appended
    cut = False
    try:
        async for chunk in request.stream():
            if offset + len(received) + len(chunk) > size or len(received) + len(chunk) > (
                central.options.max_wire_body
            ):
                raise HttpError(400, "bad_request", "more bytes than the file has")
            received += chunk
    except ClientDisconnect:
        cut = True  # what arrived is kept: the next HEAD acknowledges it, the desk resumes
    written = await run_in_threadpool(files.append_at, part, offset, bytes(received))
    if written != offset + len(received):
        # Another server process took a chunk of this upload first (a retry racing its
        # original): nothing of this one was written; say where the file stands.
        raise HttpError(
            409, "offset", f"the server holds {written} bytes", headers=_file_headers(written, size)
        )
    if cut:
        return Response(status_code=400)
    if written < size:
        return _file_receipt(request, written, size)
    digest = await run_in_threadpool(files.hash_of, part)
    if digest != sha256:
        part.unlink()
        raise HttpError(422, "corrupt", "the whole file does not match its sha256: send it again")
    declared_type = await central.run(lambda store: store.declared_media_type(office, sha256))
    found = await run_in_threadpool(media_type_of, part)
    if found != declared_type:
        part.unlink()
        message = t("central.file.wrong_type", declared=declared_type, found=found or "?")
        raise HttpError(422, "wrong_type", message)
    await run_in_threadpool(settle, root, part, sha256)  # drops it if the store has it already
    now = to_text(central.options.clock())
    await central.run(lambda store: store.mark_proven(office.name, sha256, now))
    return _file_receipt(request, size, size)


_RANGE = re.compile(r"bytes\s*=\s*([0-9]{1,18})-([0-9]{0,18})", re.ASCII)


def _file_get(request: Request, root: Any, sha256: str, size: int) -> Response:
    start, end = 0, size - 1
    wanted = request.headers.get("range", "")
    if wanted:
        match = _RANGE.fullmatch(wanted.strip())
        if match is None:
            raise HttpError(416, "bad_range", "only 'Range: bytes=N-' or 'bytes=N-M'")
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
        if start > end:
            raise HttpError(416, "bad_range", f"the file has {size} bytes")
    path = stored_path(root, sha256)

    def pieces() -> Iterator[bytes]:
        with open(path, "rb") as handle:
            handle.seek(start)
            left = end - start + 1
            while left > 0:
                piece = handle.read(min(FILE_PIECE, left))
                if not piece:
                    break
                left -= len(piece)
                yield piece

    headers = {
        "X-Desk-Encodings": ENCODINGS,
        "Content-Length": str(end - start + 1),
        "X-Desk-Size": str(size),
    }
    status = 200
    if wanted:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    # Images, PDFs and office files are compressed already: sent as they are.
    return StreamingResponse(
        pieces(), status_code=status, headers=headers, media_type="application/octet-stream"
    )


async def not_found(request: Request, exc: Exception) -> Response:
    return error_response(HttpError(404, "not_found", "no such endpoint"))


async def not_allowed(request: Request, exc: Exception) -> Response:
    return error_response(HttpError(405, "not_allowed", f"{request.method} is not allowed here"))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("internal error on %s", request.url.path)
    return error_response(HttpError(500, "internal", "internal server error"))


def create_app(
    store: CentralStore | str | os.PathLike[str],
    *,
    files: str | os.PathLike[str] | None = None,
    pool_size: int | None = None,
    **options: Any,
) -> Starlette:
    """The ASGI app of a central server on `store`: an open store, or its location (a SQLite
    file path, created if missing, or a URL: desk/central/store_api.py `open_store`, which
    takes `files` and `pool_size`). The app closes the store when it shuts down. A PostgreSQL
    store must have its folder of attachment contents (refused here otherwise).

    `options` are the fields of `Options` (rate, burst, auto_interval, max_body,
    max_wire_body, max_ops, max_file, office_quota, clock).
    """
    settings = Options(**options)
    if isinstance(store, str | os.PathLike):
        store = open_store(store, files=files, pool_size=pool_size)
    if store.kind == "postgresql":
        try:
            store.files_root()  # named now, not at the first upload
        except BaseException:
            store.close()
            raise
    central = Central(store, settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = None
        if settings.auto_interval is not None:
            # The first run completes before the server answers anything: a desk never pulls a
            # case that should already have closed by itself.
            await run_in_threadpool(central.automatic)
            task = asyncio.create_task(_automatic_loop(central, settings.auto_interval))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            central.close()

    app = Starlette(
        routes=[
            Route("/sync/v1/health", operations.health, methods=["GET"]),
            Route("/sync/v1/hello", endpoint(hello), methods=["GET"]),
            Route("/sync/v1/changes", changes_endpoint, methods=["GET"]),
            Route("/sync/v1/push", endpoint(witnessed(push)), methods=["POST"]),
            Route("/sync/v1/cases", endpoint(fetch_cases), methods=["POST"]),
            Route("/sync/v1/digest", endpoint(digest_endpoint), methods=["POST"]),
            Route("/sync/v1/witness", endpoint(witness_endpoint), methods=["GET"]),
            Route(
                "/sync/v1/files/{sha256}",
                endpoint(file_endpoint),
                methods=["GET", "HEAD", "PUT"],
            ),
        ],
        exception_handlers={404: not_found, 405: not_allowed, 500: server_error},
        lifespan=lifespan,
        middleware=[Middleware(operations.RequestLog)],
    )
    app.state.central = central
    return app


async def _automatic_loop(central: Central, interval: float) -> None:
    """The automatic transitions every `interval` seconds (after the one at start)."""
    while True:
        await asyncio.sleep(interval)
        try:
            await run_in_threadpool(central.automatic)
        except Exception:  # a bad run must not stop the next ones
            log.exception("automatic transitions failed")


# `desk central serve --workers N`: uvicorn starts N processes, and each imports the app by name
# and makes it with `app_from_env`; serve's options travel to them in this variable (JSON).
WORKER_OPTIONS_ENV = "DESK_CENTRAL_WORKER_OPTIONS"


def app_from_env() -> Starlette:
    """The app of one worker process, on the store and with the options serve was given."""
    settings = json.loads(os.environ[WORKER_OPTIONS_ENV])
    location = settings.pop("store")
    files, pool_size = settings.pop("files"), settings.pop("pool_size")
    operations.log_requests_to_stderr()
    return create_app(location, files=files, pool_size=pool_size, **settings)
