"""The central store on PostgreSQL (`desk central serve --store postgresql://... --files DIR`).

`PgStore` is assembled from parts, each holding one job's SQL over the pool of `PgBase`
(desk/central/pg_base.py): the feed's reads (pg_feed.py), the push, the automatic moves and the
attachment claims (pg_ops.py), and the rest of the `CentralStore` protocol (pg_core.py).
docs/central-postgresql.md says why it is correct with several server processes on one
database.

`open_pg_store` is what `open_store` (desk/central/store_api.py) calls for a PostgreSQL URL: the
schema is made (or found made) once, before the pool opens, and a store that was moved
elsewhere is refused, as a SQLite store that moved is.
"""

from __future__ import annotations

from pathlib import Path

import psycopg

from desk.central import pg_setup
from desk.central.pg_base import DEFAULT_POOL, PgBase
from desk.central.pg_core import PgCorePart
from desk.central.pg_feed import PgFeedPart
from desk.central.pg_ops import PgOpsPart
from desk.central.store_api import (
    MOVED_KEY,
    StoreKind,
    StoreMoved,
    StoreUnavailable,
    shown_location,
)
from desk.i18n import extend, t

extend(
    {
        "central.store.pg_unreachable": (
            "Tidak bisa menghubungi basis data pusat PostgreSQL {location}: {cause}",
            "Cannot reach the PostgreSQL central store {location}: {cause}",
        ),
    }
)

SETUP_TIMEOUT = 10  # seconds to connect before the schema is checked


class PgStore(PgFeedPart, PgOpsPart, PgCorePart, PgBase):
    """A `CentralStore` (desk/central/store_api.py) on a PostgreSQL database."""

    kind: StoreKind = "postgresql"


def open_pg_store(url: str, *, files: Path | None = None, pool_size: int = DEFAULT_POOL) -> PgStore:
    """The store at `url`, its schema made when missing; `files`: the folder of attachment
    contents shared by every server process (`--files DIR`; only serving needs it).

    Raises `StoreUnavailable` when the server cannot be reached and `StoreMoved` when the store
    was migrated elsewhere (its central_meta says where)."""
    shown = shown_location(url)
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=SETUP_TIMEOUT) as conn:
            pg_setup.ensure_schema(conn)
            moved = conn.execute(
                "SELECT value FROM central_meta WHERE key = %s", [MOVED_KEY]
            ).fetchone()
    except psycopg.OperationalError as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        cause = lines[0] if lines else type(error).__name__
        raise StoreUnavailable(
            t("central.store.pg_unreachable", location=shown, cause=cause)
        ) from None
    if moved is not None:
        raise StoreMoved(t("central.store.moved", location=shown, target=moved[0]))
    # Without a files folder the store serves everything but attachments, whose every use
    # (files_root) names the missing `--files`: the office, seed and audit verbs need none.
    return PgStore(url, files=files, pool_size=pool_size)
