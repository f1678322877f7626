"""What an operator of the central server sees: one log line per request, and a health check.

The log line (`desk.central.requests`, INFO) names the office (when the token was good), the
method, path, status, bytes in and out on the wire and the time taken:

    office=pupr GET /sync/v1/changes 200 in=0 out=3124 ms=12.4

It is written when the answer's last byte has gone, so a streamed page is counted whole and a
desk that cut the connection shows what it really got. Query strings are left out (cursors say
nothing an operator needs, and keep lines short); tokens are never logged.

`GET /sync/v1/health` needs no token: a load balancer asks it whether this process can reach its
store. 200 `{"status": "ok", "store": <its kind: sqlite | postgresql>}` when the store answers a
trivial query within HEALTH_TIMEOUT (`CentralStore.healthy`), else 503 `{"status":
"unavailable", "reason": ...}`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("desk.central.requests")
HEALTH_TIMEOUT = 2.0  # seconds: a store slower than this is not one to send desks to
# How every central server runs under uvicorn: our request log (`RequestLog`) instead of its
# access log, which knows neither the office nor the bytes; the app's lifespan (the store
# opened and closed, the automatic moves); no Server or Date header, bytes a GPRS desk pays for.
UVICORN_SETTINGS: dict[str, Any] = {
    "access_log": False,
    "lifespan": "on",
    "server_header": False,
    "date_header": False,
}

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def note_office(request: Request, office: str) -> None:
    """Remember whose request this is, for its log line."""
    request.state.office = office


class RequestLog:
    """ASGI middleware: one line per HTTP request (see the module's docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        counted = {"status": 0, "in": 0, "out": 0}

        async def counting_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                counted["in"] += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                counted["status"] = int(message["status"])
            elif message["type"] == "http.response.body":
                counted["out"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, counting_send)
        finally:
            office = scope.get("state", {}).get("office", "-")
            log.info(
                "office=%s %s %s %d in=%d out=%d ms=%.1f",
                office,
                scope.get("method", "-"),
                scope.get("path", "-"),
                counted["status"] or 500,
                counted["in"],
                counted["out"],
                (time.perf_counter() - started) * 1000,
            )


async def health(request: Request) -> Response:
    """Whether this process reaches its store (no token: for a load balancer)."""
    store = request.app.state.central.store
    # The store bounds its own wait (`healthy` never raises); this bound is for a store that
    # does not keep its word.
    try:
        ok = await asyncio.wait_for(
            run_in_threadpool(store.healthy, HEALTH_TIMEOUT), HEALTH_TIMEOUT + 1
        )
    except TimeoutError:
        ok = False
    if not ok:
        reason = f"the store did not answer within {HEALTH_TIMEOUT:g} s, or cannot be reached"
        return JSONResponse({"status": "unavailable", "reason": reason}, status_code=503)
    return JSONResponse({"status": "ok", "store": store.kind})


def log_requests_to_stderr() -> None:
    """The request log's lines on stderr (once per process: each worker of `--workers` too)."""
    if log.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s pid=%(process)d %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
