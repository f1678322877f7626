"""A fault-injecting TCP proxy for sync tests and benchmarks (`tc netem` is not available).

It sits between the desk and the central server on 127.0.0.1 and, per direction, adds latency
and limits bandwidth (GPRS 40/80 kbit/s, EDGE 118/237), counts the bytes that really cross, and
on demand cuts a response after N bytes, swallows every first response (the server did the work,
the client never hears: a lost acknowledgement) or resets connections. It runs its own asyncio
loop in a background thread, so synchronous tests and subprocesses can use it.

    with SyncProxy(server_port, Faults(latency=0.3, up_bps=40_000, down_bps=80_000)) as proxy:
        run_sync(..., Remote(proxy.url, token))
        proxy.bytes_up, proxy.bytes_down, proxy.requests

Requests are told apart without parsing HTTP: a client chunk that arrives after the server has
started answering on that connection (or the first chunk of a connection) starts a new request.
That holds for a client that waits for each answer, as desk's does.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

GPRS = {"up_bps": 40_000, "down_bps": 80_000, "latency": 0.3}
EDGE = {"up_bps": 118_000, "down_bps": 237_000, "latency": 0.15}
CHUNK = 1024  # bandwidth is applied per chunk of this size at most


@dataclass
class Faults:
    latency: float = 0.0  # seconds added in each direction
    up_bps: float | None = None  # bits per second, client → server
    down_bps: float | None = None  # bits per second, server → client
    cut_response_after: int | None = None  # cut a response after this many bytes...
    cut_times: int = 1  # ...this many times, then behave
    cut_from_request: int = 0  # ...counting only responses to requests from this number on
    # Cut every connection once this many response bytes have crossed it, for ever (a link
    # that drops whatever it carries after 60 KB).
    cut_connection_after: int | None = None
    drop_first_response: bool = False  # odd-numbered requests: forward, swallow reply, close
    reset_connections: int = 0  # reset this many new connections at once (RST)
    # Whole raw HTTP responses to answer the next requests with, without forwarding them
    # (a captive portal's page, a 503 from a middlebox); one per request, in order.
    canned: list[bytes] = field(default_factory=list)


class _Link:
    """One client connection and its upstream twin."""

    def __init__(self) -> None:
        self.answering = True  # the server has started answering the latest request
        self.drop = False
        self.response_bytes = 0
        self.connection_bytes = 0
        self.request_number = 0
        self.closed = False
        self.ends: list[asyncio.StreamWriter] = []
        self.canned: bytes | None = None


class SyncProxy:
    def __init__(self, target_port: int, faults: Faults | None = None, host: str = "127.0.0.1"):
        self.target = (host, target_port)
        self.faults = faults or Faults()
        self.bytes_up = 0
        self.bytes_down = 0
        self.requests = 0
        self.connections = 0
        self.dropped = 0
        self.cuts = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    # -- life cycle --------------------------------------------------------------------------

    def start(self) -> str:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = future.result(10)
        return self.url

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                _abort(writer)
            # Connections still being served end here, not as "Task was destroyed" at exit.
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def __enter__(self) -> SyncProxy:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset_counters(self) -> None:
        self.bytes_up = self.bytes_down = self.requests = self.connections = 0
        self.dropped = self.cuts = 0

    # -- one connection ----------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        if self.faults.reset_connections > 0:
            self.faults.reset_connections -= 1
            _abort(writer)
            self._writers.discard(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            _abort(writer)
            self._writers.discard(writer)
            return
        self._writers.add(up_writer)
        link = _Link()
        link.ends = [writer, up_writer]
        try:
            await asyncio.gather(
                self._pump(reader, up_writer, link, upstream=True),
                self._pump(up_reader, writer, link, upstream=False),
            )
        finally:
            for w in (writer, up_writer):
                self._writers.discard(w)
                with contextlib.suppress(Exception):
                    w.close()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        link: _Link,
        *,
        upstream: bool,
    ) -> None:
        """Copy one direction with delay and bandwidth, in order (a queue keeps the order)."""
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                item = await queue.get()
                if item is None or link.closed:
                    break
                due, chunk = item
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                bps = self.faults.up_bps if upstream else self.faults.down_bps
                if bps:
                    await asyncio.sleep(len(chunk) * 8 / bps)
                if link.closed:
                    break
                try:
                    writer.write(chunk)
                    await writer.drain()
                except (ConnectionError, OSError):
                    link.closed = True
                    break
                if upstream:
                    self.bytes_up += len(chunk)
                else:
                    self.bytes_down += len(chunk)
            if not link.closed:
                with contextlib.suppress(Exception):
                    writer.write_eof()

        sender = asyncio.ensure_future(deliver())
        try:
            while not link.closed:
                try:
                    data = await reader.read(CHUNK)
                except (ConnectionError, OSError):
                    break
                if not data:
                    break
                if upstream:
                    if link.answering:  # a new request on this connection
                        link.answering = False
                        link.response_bytes = 0
                        self.requests += 1
                        link.request_number = self.requests
                        link.drop = self.faults.drop_first_response and self.requests % 2 == 1
                        if self.faults.canned:
                            # Answer it here; the server never sees it. The client's body (if
                            # any) is swallowed with the connection, closed after the answer.
                            link.canned = self.faults.canned.pop(0)
                    if link.canned is not None:
                        self.bytes_up += len(data)
                        await asyncio.sleep(self.faults.latency)
                        link.ends[0].write(link.canned)
                        self.bytes_down += len(link.canned)
                        with contextlib.suppress(Exception):
                            await link.ends[0].drain()
                        self._close_link(link)
                        break
                else:
                    link.answering = True
                    if link.drop:
                        # The server did the work; the client never hears of it.
                        self.dropped += 1
                        self._close_link(link)
                        break
                    room, counted = self._room(link)
                    if room is not None and len(data) >= room:
                        queue.put_nowait((time.monotonic() + self.faults.latency, data[:room]))
                        if counted:
                            self.faults.cut_times -= 1
                        self.cuts += 1
                        queue.put_nowait(None)
                        await sender
                        self._close_link(link)
                        break
                    link.response_bytes += len(data)
                    link.connection_bytes += len(data)
                queue.put_nowait((time.monotonic() + self.faults.latency, data))
        finally:
            queue.put_nowait(None)
            with contextlib.suppress(Exception):
                await sender

    def _room(self, link: _Link) -> tuple[int | None, bool]:
        """How many more response bytes this link may carry before a cut (None: no limit), and
        whether that cut counts against `cut_times`."""
        faults = self.faults
        rooms: list[tuple[int, bool]] = []
        cut = faults.cut_response_after
        if (
            cut is not None
            and faults.cut_times > 0
            and link.request_number >= faults.cut_from_request
        ):
            rooms.append((cut - link.response_bytes, True))
        if faults.cut_connection_after is not None:
            rooms.append((faults.cut_connection_after - link.connection_bytes, False))
        if not rooms:
            return None, False
        return min(rooms)

    def _close_link(self, link: _Link) -> None:
        link.closed = True
        for writer in link.ends:
            if link.canned is not None:
                with contextlib.suppress(Exception):
                    writer.close()  # a clean close: the canned answer must arrive whole
            else:
                _abort(writer)


def _abort(writer: Any) -> None:
    """Close with RST (linger 0), the way a dropped link or a middlebox looks to the peer."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(Exception):
        writer.transport.abort()
