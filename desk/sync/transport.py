"""HTTP for sync: compressed JSON both ways, retries with backoff, and typed receipts only.

One `Transport` serves one sync. Every request goes through `call`, which

- compresses the body with zstd when the server has advertised it (`X-Desk-Encodings`), else
  gzip, and asks for compressed answers (`Accept-Encoding: zstd, gzip`);
- reads the raw bytes itself and decodes them, so that what it counts is what crossed the wire
  and a truncated body is caught (httpx would decode silently or raise late);
- accepts a 2xx only when its body is JSON whose `"type"` is the one expected: a captive
  portal's HTML page, a cut gzip stream or unrelated JSON is a failure to retry;
- retries 5xx, 429, timeouts, resets and bad bodies with exponential backoff and full jitter
  (`random(0, min(cap, base * 2^n))`), honouring `Retry-After` (capped), up to `attempts`;
- stops at once on 401 (`TokenRefused`) and 400 (`RequestRejected`), and hands 410
  (`CursorGone`) and 413 (`PayloadTooLarge`) to the caller, which knows what to do.

Byte accounting (`Counters`): the compressed body as sent and as received, plus the request and
status lines and every header as HTTP/1.1 writes them (`Name: value\\r\\n`). TCP/IP overhead is
not counted; the test proxy counts real socket bytes and agrees to within a few bytes.
"""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from desk import __version__
from desk.i18n import t
from desk.sync.codec import Inflater, inflate
from desk.sync.errors import (
    CursorGone,
    LinkFailed,
    PayloadTooLarge,
    RequestRejected,
    ServerUnreachable,
    SyncError,
    TokenRefused,
)
from desk.sync.remote import Remote

try:  # zstd is optional on both sides (docs/sync-protocol.md); gzip always works.
    import zstandard
except ImportError:  # pragma: no cover - installed with desk
    zstandard = None  # type: ignore[assignment]

MAX_DECODED = 64 * 1024 * 1024  # a bound on what one answer may inflate to


@dataclass
class Counters:
    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    retries: int = 0


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    base: float = 0.5
    cap: float = 300.0
    retry_after_cap: float = 300.0


@dataclass(frozen=True)
class Timeouts:
    connect: float = 20.0
    # A batch is sized for about 30 s of airtime at 40 kbit/s; leave room for a slow server.
    read: float = 90.0
    write: float = 90.0


# An unreachable server is told within this many seconds (issue 16): at most this long for a
# first connection, and pauses this short between tries until the server has answered once.
UNREACHABLE_AFTER = 10.0
FIRST_CONNECT = 6.0
UNREACHED_PAUSE_CAP = 1.5


def _connect_reason(error: Exception) -> str:
    """Why a connection failed, in the officer's words."""
    text = str(error).lower()
    if isinstance(error, httpx.ConnectTimeout):
        return t("sync.unreachable.timeout")
    if "name or service" in text or "nodename" in text or "getaddrinfo" in text:
        return t("sync.unreachable.name")
    if "refused" in text:
        return t("sync.unreachable.refused")
    return t("sync.unreachable.other", detail=type(error).__name__)


def _refuse_oversized(size: int) -> None:
    """A whole answer is kept in memory until it is decoded: one larger than anything it may
    inflate to is not a desk server's (or a hostile one's); stop reading it there."""
    if size > MAX_DECODED:
        raise SyncError(t("sync.answer_too_large", limit=MAX_DECODED // (1024 * 1024)))


@dataclass
class Reply:
    status: int
    body: dict[str, Any] | None
    headers: httpx.Headers = field(repr=False)


class _Retry(Exception):
    """One attempt failed in a way worth another try."""

    def __init__(self, reason: str, *, wait: float | None = None, timeout: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.timeout = timeout


@dataclass
class RawReply:
    """A file transfer's answer: the status, the headers and (unless streamed away) the body."""

    status: int
    headers: httpx.Headers = field(repr=False)
    body: dict[str, Any] | None = None


Retryable = _Retry  # for the file transfers (desk/sync/files.py), which retry on their own


def encode_body(payload: dict[str, Any], encoding: str) -> bytes:
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if encoding == "zstd" and zstandard is not None:
        return bytes(zstandard.ZstdCompressor(level=9).compress(raw))
    return gzip.compress(raw, compresslevel=9, mtime=0)


def decode_body(raw: bytes, encoding: str) -> bytes:
    """Inflate a body within `MAX_DECODED`; raises ValueError when it is truncated, not what it
    claims, or inflates past the bound."""
    return inflate(raw, encoding, MAX_DECODED)


class LineDecoder:
    """A compressed body of JSON lines, decoded as its bytes arrive (the streamed feed).

    `feed` takes raw bytes and returns the JSON objects of the lines completed by them; what
    the body inflates to is bounded by `limit` whatever its compression (desk/sync/codec.py).
    `ended` says whether the compressed stream reached its proper end.
    """

    def __init__(self, encoding: str, limit: int = MAX_DECODED) -> None:
        self._inflater = Inflater(encoding, limit)
        self._pending = b""

    @property
    def decoded(self) -> int:
        return self._inflater.total

    @property
    def ended(self) -> bool:
        return self._inflater.ended

    def feed(self, raw: bytes) -> list[Any]:
        """The objects of the lines that `raw` completes; raises ValueError on a bad body."""
        data = self._inflater.feed(raw)
        self._pending += data
        if b"\n" not in data:
            return []
        *lines, self._pending = self._pending.split(b"\n")
        try:
            return [json.loads(line) for line in lines if line.strip()]
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError(f"a line that is not JSON: {error}") from None

    def finish(self) -> list[Any]:
        """The last line when the body does not end with a newline (a whole-JSON answer)."""
        rest, self._pending = self._pending, b""
        if not rest.strip():
            return []
        try:
            return [json.loads(rest)]
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError(f"a line that is not JSON: {error}") from None


def _header_bytes(first_line: str, headers: httpx.Headers) -> int:
    size = len(first_line) + 2 + 2  # the line, its CRLF, the blank line
    for name, value in headers.raw:
        size += len(name) + 2 + len(value) + 2
    return size


class Transport:
    """The HTTP side of one sync with one remote."""

    def __init__(
        self,
        remote: Remote,
        *,
        encodings: str = "",
        client: httpx.Client | None = None,
        policy: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[float, float], float] = random.uniform,
        on_wait: Callable[[float, str], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.remote = remote
        # Until the server has answered once, a connection that fails is more likely a server
        # that cannot be reached at all (wrong address, no route, down): the officer hears of
        # it within UNREACHABLE_AFTER seconds instead of after minutes of backoff. Once it has
        # answered, failures are the link's and are retried as the policy says.
        self.reached = False
        self._clock = clock
        self._first_try: float | None = None
        self.policy = policy or RetryPolicy()
        self.counters = Counters()
        self.encodings = {e.strip().lower() for e in encodings.split(",") if e.strip()}
        self._sleep = sleep
        self._rand = rand
        self._on_wait = on_wait
        limits = timeouts or Timeouts()
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(
                connect=limits.connect, read=limits.read, write=limits.write, pool=limits.connect
            )
        )
        # Every header costs bytes on each request over GPRS: send only what the server needs.
        self._client.headers.clear()
        self._client.headers.update(
            {
                "User-Agent": f"desk/{__version__}",
                "Accept-Encoding": "zstd, gzip" if zstandard is not None else "gzip",
                "Authorization": f"Bearer {remote.token}",
            }
        )

    def close(self) -> None:
        self._client.close()

    @property
    def request_encoding(self) -> str:
        return "zstd" if "zstd" in self.encodings and zstandard is not None else "gzip"

    def call(
        self,
        method: str,
        path: str,
        *,
        expect: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        body: Callable[[], dict[str, Any]] | None = None,
        shrink: Callable[[], bool] | None = None,
    ) -> Reply:
        """One logical request, retried as the protocol says; a typed 2xx or a 304 comes back.

        `body` is called before every attempt (the caller may have shrunk the batch); `shrink`
        is called on 413 and on timeouts and says whether the next body will be smaller.
        """
        reason = ""
        attempt = 0
        while attempt < self.policy.attempts:
            try:
                return self._attempt(method, path, expect, params, headers, body)
            except PayloadTooLarge:
                if shrink is None or not shrink():
                    raise
                # A smaller batch goes at once: nothing is wrong with the link, and halving
                # 200 ops down to one must not use up the attempts meant for a bad link.
                self.counters.retries += 1
                continue
            except _Retry as failure:
                reason = failure.reason
                attempt += 1
                if failure.timeout and shrink is not None:
                    shrink()
                if attempt >= self.policy.attempts:
                    break
                if failure.wait is not None:
                    delay = min(failure.wait, self.policy.retry_after_cap)
                else:
                    delay = self._backoff(attempt)
                if self._on_wait is not None:
                    self._on_wait(delay, reason)
                self._sleep(delay)
                self.counters.retries += 1
        raise LinkFailed(t("sync.link_failed", attempts=self.policy.attempts, reason=reason))

    def _attempt(
        self,
        method: str,
        path: str,
        expect: str,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
        body: Callable[[], dict[str, Any]] | None,
    ) -> Reply:
        extra = dict(headers or {})
        content: bytes | None = None
        if body is not None:
            content = encode_body(body(), self.request_encoding)
            # No Content-Type: every body of the protocol is JSON, and 32 bytes a request is
            # more than a triage edit costs.
            extra["Content-Encoding"] = self.request_encoding
        response = self._send(method, path, params, extra, content)
        raw = self._read_whole(response)
        self._remember_encodings(response)
        return self._judge(response, raw, expect)

    def _read_whole(self, response: httpx.Response) -> bytes:
        """The raw body, counted as it arrives (a cut body cost its bytes too); link trouble
        while reading it is `_Retry`."""
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_raw():
                self.counters.bytes_down += len(chunk)
                size += len(chunk)
                _refuse_oversized(size)
                chunks.append(chunk)
        except httpx.TimeoutException as error:
            raise _Retry(f"timeout ({type(error).__name__})", timeout=True) from None
        except httpx.TransportError as error:
            raise _Retry(f"cut body ({type(error).__name__})") from None
        finally:
            response.close()
        return b"".join(chunks)

    def stream_lines(
        self,
        method: str,
        path: str,
        *,
        expect: str,
        on_line: Callable[[Any], None],
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        on_bytes: Callable[[int], None] | None = None,
    ) -> Reply:
        """One attempt at a request whose 2xx answer is JSON lines, handed to `on_line` as they
        arrive; the first must have `"type": expect`. No retries here: the caller stores what
        came and decides (it raises `Retryable` for link trouble, 5xx, 429 and bad bodies,
        after the lines that arrived were handed over). `Reply.body` is the first line.

        `on_bytes` is told of every chunk's size as it arrives, for a progress display.
        """
        response = self._send(method, path, params, dict(headers or {}), None)
        status = response.status_code
        if not 200 <= status < 300 or status == 204:
            raw = self._read_whole(response)
            self._remember_encodings(response)
            return self._judge(response, raw, expect)
        self._remember_encodings(response)
        try:
            decoder = LineDecoder(response.headers.get("Content-Encoding", ""))
        except ValueError as error:
            response.close()
            raise _Retry(f"{status} with a bad body ({error})") from None
        head: dict[str, Any] | None = None

        def take(line: Any) -> None:
            nonlocal head
            if head is None:
                if not isinstance(line, dict) or line.get("type") != expect:
                    raise ValueError(f"without a {expect} head")
                head = line
            on_line(line)

        try:
            for chunk in response.iter_raw():
                self.counters.bytes_down += len(chunk)
                if on_bytes is not None:
                    on_bytes(len(chunk))
                for line in decoder.feed(chunk):
                    take(line)
            if decoder.ended:
                for line in decoder.finish():
                    take(line)
        except httpx.TimeoutException as error:
            raise _Retry(f"timeout ({type(error).__name__})", timeout=True) from None
        except httpx.TransportError as error:
            raise _Retry(f"cut body ({type(error).__name__})") from None
        except ValueError as error:
            raise _Retry(f"{status} with a bad body ({error})") from None
        finally:
            response.close()
        if head is None or not decoder.ended:
            raise _Retry(f"{status} with a cut body")
        return Reply(status, head, response.headers)

    def _remember_encodings(self, response: httpx.Response) -> None:
        advertised = response.headers.get("X-Desk-Encodings")
        if advertised:
            self.encodings = {e.strip().lower() for e in advertised.split(",") if e.strip()}

    def _send(
        self,
        method: str,
        path: str,
        params: dict[str, str] | None,
        headers: dict[str, str] | None,
        content: bytes | None,
    ) -> httpx.Response:
        """Send one request and count what crossed the wire so far (request, answer's head);
        link trouble becomes `_Retry`. The caller reads (and counts) the body."""
        request = self._client.build_request(
            method, self.remote.url + path, params=params, headers=headers, content=content
        )
        if not self.reached:
            # A first contact waits less for the connection than a link known to work.
            request.extensions["timeout"] = {
                **request.extensions.get("timeout", {}),
                "connect": min(FIRST_CONNECT, self._connect_timeout(request)),
            }
            if self._first_try is None:
                self._first_try = self._clock()
        target = request.url.raw_path.decode("ascii")
        self.counters.requests += 1
        request_bytes = _header_bytes(f"{method} {target} HTTP/1.1", request.headers) + len(
            content or b""
        )
        before = self.counters.bytes_up
        self.counters.bytes_up += request_bytes
        try:
            response = self._client.send(request, stream=True)
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            # No connection: not a byte left the desk, the headers a hook added included.
            self.counters.bytes_up = before
            self._give_up_if_unreachable(error)
            if isinstance(error, httpx.TimeoutException):
                raise _Retry(f"timeout ({type(error).__name__})", timeout=True) from None
            raise _Retry(f"link ({type(error).__name__})") from None
        except httpx.TimeoutException as error:
            raise _Retry(f"timeout ({type(error).__name__})", timeout=True) from None
        except httpx.TransportError as error:
            raise _Retry(f"link ({type(error).__name__})") from None
        self.reached = True
        self.counters.bytes_down += _header_bytes(
            f"HTTP/1.1 {response.status_code} {response.reason_phrase or ''}", response.headers
        )
        return response

    def _connect_timeout(self, request: httpx.Request) -> float:
        connect = request.extensions.get("timeout", {}).get("connect")
        return float(connect) if connect is not None else FIRST_CONNECT

    def _give_up_if_unreachable(self, error: Exception) -> None:
        """Before the server has answered once: stop when another try (its pause and its
        connection) could not end within UNREACHABLE_AFTER of the first."""
        if self.reached or self._first_try is None:
            return
        spent = self._clock() - self._first_try
        if spent + UNREACHED_PAUSE_CAP + FIRST_CONNECT > UNREACHABLE_AFTER:
            reason = _connect_reason(error)
            raise ServerUnreachable(
                t("sync.unreachable", url=self.remote.url, seconds=round(spent), reason=reason)
            )

    def _backoff(self, attempt: int) -> float:
        delay = self._rand(0.0, min(self.policy.cap, self.policy.base * 2 ** (attempt - 1)))
        return delay if self.reached else min(delay, UNREACHED_PAUSE_CAP)

    def pause(self, attempt: int, reason: str, wait: float | None = None) -> None:
        """Wait before attempt `attempt + 1` (backoff with full jitter, or `wait`)."""
        if wait is not None:
            delay = min(wait, self.policy.retry_after_cap)
        else:
            delay = self._backoff(attempt)
        if self._on_wait is not None:
            self._on_wait(delay, reason)
        self._sleep(delay)
        self.counters.retries += 1

    def raw(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        sink: Callable[[bytes], bool | None] | None = None,
    ) -> RawReply:
        """One attempt at a file request; raises `Retryable` for link trouble, 5xx and 429.

        `content` goes as it is (images and documents are compressed already). With `sink`, a
        2xx body is handed over chunk by chunk as it arrives, so a cut keeps what came; a sink
        that answers False has all it wants and the rest is not read. Other
        bodies are read whole and decoded (error bodies are small JSON). 401 raises
        `TokenRefused`; other 4xx come back for the caller to judge.
        """
        response = self._send(method, path, params, headers, content)
        status = response.status_code
        streaming = sink is not None and 200 <= status < 300
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_raw():
                self.counters.bytes_down += len(chunk)
                if streaming and sink is not None:
                    if sink(chunk) is False:  # it has what it asked for: no endless body
                        break
                else:
                    size += len(chunk)
                    _refuse_oversized(size)
                    chunks.append(chunk)
        except httpx.TimeoutException as error:
            raise _Retry(f"timeout ({type(error).__name__})", timeout=True) from None
        except httpx.TransportError as error:
            raise _Retry(f"cut body ({type(error).__name__})") from None
        finally:
            response.close()
        body: dict[str, Any] | None = None
        if chunks:
            try:
                text = decode_body(b"".join(chunks), response.headers.get("Content-Encoding", ""))
                parsed = json.loads(text) if text else None
                body = parsed if isinstance(parsed, dict) else None
            except (ValueError, UnicodeDecodeError):
                body = None
        if status == 401:
            raise TokenRefused(t("sync.token_refused"))
        if status in (429, 503):
            raise _Retry(str(status), wait=_retry_after(response.headers.get("Retry-After")))
        if status >= 500 or status == 408:
            raise _Retry(str(status))
        return RawReply(status, response.headers, body)

    def _judge(self, response: httpx.Response, raw: bytes, expect: str) -> Reply:
        status = response.status_code
        if status == 304:
            return Reply(status, None, response.headers)
        try:
            text = decode_body(raw, response.headers.get("Content-Encoding", ""))
            parsed = json.loads(text) if text else None
        except (ValueError, UnicodeDecodeError) as error:
            parsed = None
            bad_body = str(error) or "not JSON"
        else:
            bad_body = "" if isinstance(parsed, dict) else "not a JSON object"
        body: dict[str, Any] | None = parsed if isinstance(parsed, dict) else None
        if 200 <= status < 300:
            if body is None:
                raise _Retry(f"{status} with a bad body ({bad_body})")
            if body.get("type") != expect:
                raise _Retry(f"{status} without a {expect} receipt")
            return Reply(status, body, response.headers)
        code = str((body or {}).get("code", status))
        message = str((body or {}).get("message", ""))[:300]
        if status == 401:
            raise TokenRefused(t("sync.token_refused"))
        if status == 410:
            raise CursorGone(message or "410")
        if status == 413:
            raise PayloadTooLarge(message or "413")
        if status == 429 or status == 503:
            raise _Retry(str(status), wait=_retry_after(response.headers.get("Retry-After")))
        if status >= 500 or status == 408:
            raise _Retry(str(status))
        raise RequestRejected(t("sync.bad_request", code=code, message=message or status))


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header; None (use backoff) when absent or a date."""
    if not value:
        return None
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        return None
