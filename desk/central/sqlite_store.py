"""The central store on one SQLite file (`desk central serve --db central.db`).

One connection under one lock: every call takes the lock for its whole unit of work, in the
worker thread the app runs it in. That is one writer at a time, which is what SQLite allows
anyway, and it gives the feed a consistent snapshot without a second connection (a page reads
the log, the cases and their events inside one BEGIN...COMMIT of this connection). The
connection may be used from any thread (db.open_database), never from two at once.

The SQL is in the modules that hold each job's SQLite statements and take the connection:
desk/central/store.py (schema, epoch, offices, scope), sqlite_feed.py (feed pages, digests),
sqlite_ops.py (the push's statements; apply.py and files.py keep the rules), witness.py,
desk/automatic.py and desk/seed.py. This class is the only caller of those at run time; the
PostgreSQL store (pg_store.py) supplies the same methods with its own SQL
(docs/central-postgresql.md, section 1.2).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from db import write_transaction
from desk.automatic import AutomaticResult, apply_automatic_transitions
from desk.central import digest, feed, files, sqlite_feed, store, witness
from desk.central.apply import apply_op
from desk.central.store_api import Office, StoreKind, StoreMoved
from desk.i18n import t
from desk.seed import SeedSummary, seed_database

log = logging.getLogger("desk.central")
T = TypeVar("T")


class SqliteStore:
    """A `CentralStore` (desk/central/store_api.py) on the SQLite file at `path`."""

    kind: StoreKind = "sqlite"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        # Created when missing, with the central tables and an epoch. Tests that look at the
        # rows themselves read through it; at run time only the methods below use it.
        self.database: sqlite_utils.Database = store.open_central(self.path)
        self._lock = threading.Lock()
        moved = store.moved_to(self.database)
        if moved is not None:
            self.database.conn.close()
            raise StoreMoved(t("central.store.moved", location=self.path, target=moved))
        # The rate limit's buckets (office: tokens, monotonic stamp), in memory: one process
        # serves a SQLite store, so they are all there are; a restart starts them full. Under
        # a lock of their own: counting a request never waits for a push.
        self._buckets: dict[str, tuple[float, float]] = {}
        self._buckets_lock = threading.Lock()

    @property
    def location(self) -> str:
        return str(self.path)

    def _locked(self, work: Callable[[sqlite_utils.Database], T]) -> T:
        with self._lock:
            return work(self.database)

    def close(self) -> None:
        with self._lock:
            self.database.conn.close()

    def healthy(self, timeout: float) -> bool:
        # A store busy past `timeout` (a long push holding the lock) is as bad as a dead one
        # to a load balancer; the wait is bounded here so no thread is left hanging.
        if not self._lock.acquire(timeout=timeout):
            return False
        try:
            self.database.execute("SELECT 1").fetchone()
        except Exception as error:  # any failure of the store is "not healthy", never a 500
            log.warning("health check: the store cannot be reached: %s", type(error).__name__)
            return False
        finally:
            self._lock.release()
        return True

    # The feed's epoch ---------------------------------------------------------------------

    def epoch(self) -> str:
        return self._locked(store.epoch)

    def new_epoch(self) -> str:
        return self._locked(store.new_epoch)

    # Offices ------------------------------------------------------------------------------

    def add_office(self, name: str, units: list[str], *, coordinator: bool = False) -> str:
        return self._locked(lambda db: store.add_office(db, name, units, coordinator=coordinator))

    def list_offices(self) -> list[Office]:
        return self._locked(store.list_offices)

    def revoke_office(self, name: str) -> None:
        self._locked(lambda db: store.revoke_office(db, name))

    def authenticate(self, token: str) -> Office | None:
        return self._locked(lambda db: store.authenticate(db, token))

    def admit(
        self, token: str, rate: float, burst: int, cursor: str = ""
    ) -> tuple[Office | None, float, feed.Page | None]:
        office = self.authenticate(token)
        if office is None:
            return None, 0.0, None
        wait = self.take_token(office.name, rate, burst)
        if wait > 0 or not cursor:
            return office, wait, None
        return office, wait, self._locked(lambda db: sqlite_feed.idle_page(db, cursor))

    def take_token(self, office: str, rate: float, burst: int) -> float:
        now = time.monotonic()
        with self._buckets_lock:
            tokens, stamp = self._buckets.get(office, (float(burst), now))
            tokens = min(float(burst), tokens + (now - stamp) * rate)
            if tokens >= 1:
                self._buckets[office] = (tokens - 1, now)
                return 0.0
            self._buckets[office] = (tokens, now)
            return (1 - tokens) / rate if rate > 0 else 3600.0

    # The feed ------------------------------------------------------------------------------

    def changes(self, office: Office, cursor: str, limit: int) -> feed.Page:
        return self._locked(lambda db: sqlite_feed.changes(db, office, cursor, limit))

    def cases_by_id(self, office: Office, local_ids: list[str]) -> dict[str, Any]:
        return self._locked(lambda db: sqlite_feed.cases_by_id(db, office, local_ids))

    def digests(self, office: Office, query: digest.DigestQuery) -> dict[str, Any]:
        return self._locked(lambda db: sqlite_feed.digests(db, office, query))

    # The push ------------------------------------------------------------------------------

    def apply_ops(
        self,
        office: Office,
        ops: list[dict[str, Any]],
        clock: Callable[[], datetime],
        request: frozenset[str],
        limits: files.FileLimits,
    ) -> list[dict[str, Any]]:
        # All ops of a push under one hold of the lock, each in its own transaction (apply_op):
        # a refused op leaves nothing behind and does not undo the others.
        def apply_all(database: sqlite_utils.Database) -> list[dict[str, Any]]:
            now = clock()
            return [apply_op(database, office, op, now, request, limits) for op in ops]

        return self._locked(apply_all)

    # Attachments ---------------------------------------------------------------------------

    def files_root(self) -> Path:
        return self._locked(files.files_root)

    def upload_claim(self, office: Office, sha256: str) -> int | None:
        return self._locked(lambda db: files.upload_claim(db, office, sha256))

    def proven_by(self, office: str, sha256: str) -> str | None:
        return self._locked(lambda db: files.proven_by(db, office, sha256))

    def declared_media_type(self, office: Office, sha256: str) -> str:
        return self._locked(lambda db: files.declared_media_type(db, office, sha256))

    def readable_size(self, office: Office, sha256: str) -> int | None:
        return self._locked(lambda db: files.readable_size(db, office, sha256))

    def visible(self, office: Office, sha256: str) -> bool:
        return self._locked(lambda db: files.visible(db, office, sha256))

    def mark_proven(self, office: str, sha256: str, at: str) -> None:
        self._locked(lambda db: files.mark_proven(db, office, sha256, at))

    # The audit witness ---------------------------------------------------------------------

    def observe(
        self, office: str, head: witness.Head, base: witness.Head | None, now: datetime
    ) -> witness.Statement:
        return self._locked(lambda db: witness.observe(db, office, head, base, now))

    def witness_record(self, office: str) -> witness.WitnessRecord | None:
        return self._locked(lambda db: witness.witness_record(db, office))

    def alarms(
        self, *, office: str | None = None, include_resolved: bool = False
    ) -> list[witness.Alarm]:
        return self._locked(
            lambda db: witness.alarms(db, office=office, include_resolved=include_resolved)
        )

    def open_alarm_counts(self) -> dict[str, int]:
        return self._locked(witness.open_alarm_counts)

    def resolve_alarm(self, alarm_id: int, note: str, now: datetime) -> str:
        return self._locked(lambda db: witness.resolve_alarm(db, alarm_id, note, now))

    def receipt_key(self) -> bytes:
        def key(database: sqlite_utils.Database) -> bytes:
            with write_transaction(database):  # made the first time it is asked for
                return witness.receipt_key(database)

        return self._locked(key)

    # Housekeeping --------------------------------------------------------------------------

    def run_automatic(self, clock: Callable[[], datetime]) -> AutomaticResult:
        # One process, one lock: this store always runs the round (never None).
        def run(database: sqlite_utils.Database) -> AutomaticResult:
            result = apply_automatic_transitions(database, clock())
            store.fill_event_uids(database)
            return result

        return self._locked(run)

    def fill_event_uids(self) -> int:
        return self._locked(store.fill_event_uids)

    def seed(
        self, cases: int, *, seed: int = 1, now: datetime | None = None, workers: int | None = None
    ) -> SeedSummary:
        return self._locked(
            lambda db: seed_database(db, cases, seed=seed, now=now, workers=workers)
        )
