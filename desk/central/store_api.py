"""What the central server asks of its store, and `open_store`, which picks one by its location.

The HTTP app (desk/central/app.py) and `desk central` (desk/cli/central_cmd.py) talk to a
`CentralStore` only: one call is one unit of work (a feed page in one snapshot, a push, an
office registered...), safe to make from any thread. Where it runs its SQL and how it keeps
concurrent calls apart is the store's business: `SqliteStore` (desk/central/sqlite_store.py)
holds one connection under one lock; a PostgreSQL store (docs/central-postgresql.md, section
1.2) will hold a pool.

What *decides* is shared by every store and stays out of it: the cursor rules and the pages
(feed.py), the op rules (apply.py), the witness's wire format and judgement (witness.py), the
digest definitions (digest.py), the file rules (files.py).

A store is named by a location: a file path or `sqlite:///path` (SQLAlchemy's spelling:
`sqlite:///central.db` is relative, `sqlite:////srv/central.db` absolute) for SQLite,
`postgresql://...` for PostgreSQL (desk/central/pg_store.py), which also needs the folder of
attachment contents every server process reaches (`files`, else $DESK_CENTRAL_FILES) to serve.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from desk.errors import DeskError
from desk.i18n import extend, t

if TYPE_CHECKING:
    from desk.automatic import AutomaticResult
    from desk.central.digest import DigestQuery
    from desk.central.feed import Page
    from desk.central.files import FileLimits
    from desk.central.witness import Alarm, Head, Statement, WitnessRecord
    from desk.seed import SeedSummary

extend(
    {
        "central.store.unknown_kind": (
            "Basis data pusat {location} tidak dikenal: beri jalur berkas SQLite, "
            "sqlite:///jalur, atau postgresql://...",
            "Unknown central store {location}: give a SQLite file path, sqlite:///path or "
            "postgresql://...",
        ),
        "central.store.conninfo": (
            "{location} tampak seperti pengaturan koneksi PostgreSQL: tulis sebagai URL, "
            "postgresql://pengguna@host:5432/basisdata.",
            "{location} looks like PostgreSQL connection settings: write it as a URL, "
            "postgresql://user@host:5432/database.",
        ),
        "central.store.no_psycopg": (
            "Untuk memakai PostgreSQL ({location}) pasang dulu psycopg: "
            "pip install 'desk[postgres]'.",
            "Using PostgreSQL ({location}) needs psycopg: pip install 'desk[postgres]'.",
        ),
        "central.store.moved": (
            "Basis data pusat {location} sudah dipindahkan ke {target}: jalankan server pusat "
            "di sana (desk central serve --store {target} --files FOLDER).",
            "The central store {location} moved to {target}: serve that one instead "
            "(desk central serve --store {target} --files DIR).",
        ),
    }
)

StoreKind = Literal["sqlite", "postgresql"]
SQLITE_PREFIX = "sqlite:///"
POSTGRESQL_SCHEMES = ("postgresql", "postgres")
FILES_ENV = "DESK_CENTRAL_FILES"  # the folder of attachment contents of a PostgreSQL store
# The central_meta key `desk central migrate` writes into a store it moved (where to): such a
# store refuses to open, so that two central servers never run (desk/central/migrate.py).
MOVED_KEY = "moved_to"


@dataclass(frozen=True)
class Office:
    """A desk's office as the server knows it: the units it works, and whether it coordinates."""

    name: str
    coordinator: bool
    units: tuple[str, ...]
    revoked_at: str | None = None
    created_at: str = ""


class CentralStore(Protocol):
    """Every read and write of the central server, each call one unit of work."""

    kind: StoreKind

    @property
    def location(self) -> str:
        """Where the store is, for messages (a path, or a URL without its password)."""
        ...

    def close(self) -> None: ...

    def healthy(self, timeout: float) -> bool:
        """Whether the store answers a trivial query within `timeout` seconds (never raises)."""
        ...

    # The feed's epoch ---------------------------------------------------------------------

    def epoch(self) -> str: ...

    def new_epoch(self) -> str:
        """Start a new epoch: every cursor given out before answers 410 and desks re-pull."""
        ...

    # Offices ------------------------------------------------------------------------------

    def add_office(self, name: str, units: list[str], *, coordinator: bool = False) -> str:
        """Register an office; its new token (shown once, only its digest is stored)."""
        ...

    def list_offices(self) -> list[Office]: ...

    def revoke_office(self, name: str) -> None: ...

    def authenticate(self, token: str) -> Office | None:
        """The office holding `token`, or None (unknown or revoked)."""
        ...

    def take_token(self, office: str, rate: float, burst: int) -> float:
        """Count a request of `office` against its token bucket (`burst` at once, refilled at
        `rate` per second, across every process serving the store): 0 when it may go now,
        else the seconds until it may (and it is not counted)."""
        ...

    def admit(
        self, token: str, rate: float, burst: int, cursor: str = ""
    ) -> tuple[Office | None, float, Page | None]:
        """`authenticate` then, for an office, `take_token`: what every request asks first
        (one round trip on PostgreSQL): the office, the seconds to wait (0 when admitted).

        With `cursor`, also the page of a desk's idle sync when the cursor is at the end of
        the log (`feed.idle_page`), else None: the most frequent request in one call. The page
        is as of the admission: a change committed after it comes with the next sync, as one
        committed after the answer would."""
        ...

    # The feed, read in one snapshot per call -----------------------------------------------

    def changes(self, office: Office, cursor: str, limit: int) -> Page:
        """One page of the feed after `cursor` (raises `feed.CursorGone`)."""
        ...

    def cases_by_id(self, office: Office, local_ids: list[str]) -> dict[str, Any]: ...

    def digests(self, office: Office, query: DigestQuery) -> dict[str, Any]:
        """The answer to a digest request (raises `digest.TooManyCases`)."""
        ...

    # The push ------------------------------------------------------------------------------

    def apply_ops(
        self,
        office: Office,
        ops: list[dict[str, Any]],
        clock: Callable[[], datetime],
        request: frozenset[str],
        limits: FileLimits,
    ) -> list[dict[str, Any]]:
        """Apply validated ops in their order, each at most once; their results, in order.

        `clock` is read once the store is ready to write (not before waiting for it), so that
        what pushes record follows the order they were applied in. `request`: the op ids of
        the whole push (an op may stack on an earlier one of it)."""
        ...

    # Attachments: who may upload and download what (files.py has the rules) -----------------

    def files_root(self) -> Path:
        """The folder holding the contents (made, owner-only, when missing)."""
        ...

    def upload_claim(self, office: Office, sha256: str) -> int | None: ...

    def proven_by(self, office: str, sha256: str) -> str | None: ...

    def declared_media_type(self, office: Office, sha256: str) -> str: ...

    def readable_size(self, office: Office, sha256: str) -> int | None: ...

    def visible(self, office: Office, sha256: str) -> bool: ...

    def mark_proven(self, office: str, sha256: str, at: str) -> None: ...

    # The audit witness (witness.py has the wire format and the judgement) --------------------

    def observe(self, office: str, head: Head, base: Head | None, now: datetime) -> Statement: ...

    def witness_record(self, office: str) -> WitnessRecord | None:
        """The head witnessed for `office`, or None."""
        ...

    def alarms(self, *, office: str | None = None, include_resolved: bool = False) -> list[Alarm]:
        """The alarms, newest first: the open ones, or all of them."""
        ...

    def open_alarm_counts(self) -> dict[str, int]: ...

    def resolve_alarm(self, alarm_id: int, note: str, now: datetime) -> str:
        """Close an alarm (raises `witness.UnknownAlarm`); returns its office."""
        ...

    def receipt_key(self) -> bytes:
        """The key of the witness's receipts (made the first time)."""
        ...

    # Housekeeping --------------------------------------------------------------------------

    def run_automatic(self, clock: Callable[[], datetime]) -> AutomaticResult | None:
        """The automatic transitions due now (`clock`, read as for `apply_ops`), their events
        given uids; None when another process runs this round."""
        ...

    def fill_event_uids(self) -> int:
        """Give every event without a uid (seeded, imported) one; returns how many."""
        ...

    def seed(
        self, cases: int, *, seed: int = 1, now: datetime | None = None, workers: int | None = None
    ) -> SeedSummary:
        """Add seeded units, officers and `cases` cases (desk/seed.py; `workers` processes
        generate them, None: as many as suit `cases`, 0: in this process)."""
        ...


class StoreUnavailable(DeskError):
    """The location names no store this server can open (shown to the operator as it is)."""


class NoCentralDatabase(DeskError):
    """A command that works on an existing store was pointed at none."""


class StoreMoved(DeskError):
    """The store was migrated elsewhere (`desk central migrate`): the message says where."""


def kind_of(location: str | os.PathLike[str]) -> StoreKind:
    """Which store `location` names (see the module's docstring); `StoreUnavailable` when
    neither."""
    text = os.fspath(location)
    scheme, separator, _ = text.partition("://")
    if _CONNINFO.match(text):
        # libpq's key=value form: taken for a file name, it would make a new SQLite store
        # called "host=db dbname=central" and serve it, empty.
        raise StoreUnavailable(t("central.store.conninfo", location=_conninfo_shown(text)))
    if not separator or text.startswith(SQLITE_PREFIX):
        return "sqlite"
    if scheme.lower() in POSTGRESQL_SCHEMES:
        return "postgresql"
    raise StoreUnavailable(t("central.store.unknown_kind", location=shown_location(text)))


def open_store(
    location: str | os.PathLike[str],
    *,
    create: bool = True,
    files: str | os.PathLike[str] | None = None,
    pool_size: int | None = None,
) -> CentralStore:
    """Open the store at `location` (see the module's docstring), creating a SQLite file (and
    the central tables) when missing unless `create` is false. A PostgreSQL store's schema is
    made when missing; `files` (default $DESK_CENTRAL_FILES) is its folder of attachment
    contents, `pool_size` its connections in this process. A store that was migrated elsewhere
    raises `StoreMoved`."""
    text = os.fspath(location)
    if kind_of(text) == "postgresql":
        folder = files if files is not None else os.environ.get(FILES_ENV, "").strip() or None
        return _open_postgresql(text, Path(folder).expanduser() if folder else None, pool_size)
    return _open_sqlite(Path(text.removeprefix(SQLITE_PREFIX)), create)


def _open_sqlite(path: Path, create: bool) -> CentralStore:
    from desk.central.sqlite_store import SqliteStore

    path = path.expanduser()
    if not create and not path.exists():
        raise NoCentralDatabase(t("central.no_database", path=path))
    return SqliteStore(path)


def _open_postgresql(url: str, files: Path | None, pool_size: int | None) -> CentralStore:
    try:
        from desk.central.pg_store import open_pg_store
    except ImportError as error:
        if error.name not in ("psycopg", "psycopg_pool"):
            raise
        raise StoreUnavailable(
            t("central.store.no_psycopg", location=shown_location(url))
        ) from None
    from desk.central.pg_base import DEFAULT_POOL

    return open_pg_store(url, files=files, pool_size=pool_size or DEFAULT_POOL)


_CONNINFO = re.compile(r"\s*(host|hostaddr|port|dbname|user|password|service)\s*=", re.ASCII)


def _conninfo_shown(text: str) -> str:
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", text)


def shown_location(location: str) -> str:
    """A location fit for messages and logs: a URL's password replaced by `***`."""
    scheme, separator, rest = location.partition("://")
    netloc, slash, tail = rest.partition("/")
    credentials, at, host = netloc.rpartition("@")
    if not separator or not at or ":" not in credentials:
        return location
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{slash}{tail}"
