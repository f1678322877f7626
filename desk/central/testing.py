"""A real central server for tests: `running_server(store) -> base URL`.

    with running_server(tmp_path / "central.db", rate=1000) as url:
        httpx.get(f"{url}/sync/v1/hello", headers={"Authorization": f"Bearer {token}"})

The server listens on 127.0.0.1 on a free port, in a background thread, and stops cleanly when
the block ends. Options are those of `desk.central.app.create_app`; by default the automatic
transitions run once at start only. `prepare_central` fills a central store and registers
offices for a test. Both take the store's location: a SQLite file path (as most tests give) or a
URL (desk/central/store_api.py `open_store`); a PostgreSQL store also its folder of attachment
contents, `files` (default $DESK_CENTRAL_FILES).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import uvicorn

from desk.central.app import create_app
from desk.central.operations import UVICORN_SETTINGS
from desk.central.store_api import open_store

STARTUP_TIMEOUT = 10.0


@contextlib.contextmanager
def running_server(
    store: str | os.PathLike[str], *, files: str | os.PathLike[str] | None = None, **options: Any
) -> Iterator[str]:
    """Run a central server on `store` for the duration of the block; yields its base URL."""
    options.setdefault("auto_interval", 3600.0)
    app = create_app(store, files=files, **options)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", **UVICORN_SETTINGS)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"central-{port}", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError("the central server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def prepare_central(
    store: str | os.PathLike[str],
    *,
    cases: int = 0,
    seed: int = 1,
    now: datetime | None = None,
    offices: dict[str, tuple[list[str], bool]] | None = None,
    files: str | os.PathLike[str] | None = None,
) -> dict[str, str]:
    """Seed `cases` into a central store and register `offices` (name: (units, coordinator)).

    Returns each office's token. With `cases=0` the seeded units and officers are still added.
    A PostgreSQL store is seeded only when empty (desk/central/pg_core.py `seed`).
    """
    central = open_store(store, files=files)
    try:
        central.seed(cases, seed=seed, now=now, workers=0)
        central.fill_event_uids()
        return {
            name: central.add_office(name, units, coordinator=coordinator)
            for name, (units, coordinator) in (offices or {}).items()
        }
    finally:
        central.close()
