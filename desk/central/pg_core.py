"""The PostgreSQL central store's own jobs: health, epoch, offices, rate limit, witness, seeding.

`PgCorePart` is the part of `PgStore` (desk/central/pg_store.py) that holds every method of the
`CentralStore` protocol (desk/central/store_api.py) but the feed (pg_feed.py) and the push and
attachment claims (pg_ops.py). It reaches the database only through `PgBase._read()` and
`PgBase._write()` (desk/central/pg_base.py), and decides nothing the SQLite store does not
decide the same way: the witness's judgement is `witness.judge`, the hash chain's entries are
`db.audit.entry_hash`, tokens are compared as in desk/central/store.py.

What differs from SQLite is concurrency: several server processes share the database.

- Audit entries are appended under the change log's lock (`pg_changes.LOCK_KEY`, taken right
  before the chain's head is read, held until commit), so that two writers never read the same
  head and the chain stays in commit order (docs/central-postgresql.md, 2.4). It is taken last
  in a transaction: it serializes commits.
- The witness reads an office's row `FOR UPDATE`, or inserts it first: two reports of one office
  at once are judged one after the other, never both against the same row.
- The receipt key is created with `ON CONFLICT DO NOTHING` and read back: two workers making it
  at once keep one.
- The rate limit is one statement on an UNLOGGED table (section 5): an office's requests take
  their tokens one after the other, whichever process serves them.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import errors, sql

from db.audit import Entry, chained
from db.connection import private_folder
from db.timefmt import to_text, utc_now
from desk.central import feed, pg_changes, pg_setup, witness
from desk.central.pg_base import PgBase, give_event_uids
from desk.central.store import office_request, token_digest
from desk.central.store_api import Office, shown_location
from desk.errors import DeskError, InvalidInput, NotFound
from desk.i18n import extend, t

if TYPE_CHECKING:
    from desk.seed import SeedSummary

log = logging.getLogger("desk.central")

extend(
    {
        "central.store.no_files": (
            "Server pusat di PostgreSQL ({location}) menyimpan isi lampiran di folder yang "
            "dijangkau setiap prosesnya: beri --files FOLDER (atau DESK_CENTRAL_FILES).",
            "A central server on PostgreSQL ({location}) keeps attachment contents in a folder "
            "every one of its processes reaches: give --files DIR (or DESK_CENTRAL_FILES).",
        ),
        "central.seed.not_empty": (
            "Pembuat data contoh hanya mengisi basis data pusat PostgreSQL yang masih kosong; "
            "{location} sudah berisi data ({tables}). Tidak ada yang diubah.",
            "The seed generator fills only an empty PostgreSQL central store; {location} "
            "already holds data ({tables}). Nothing was changed.",
        ),
    }
)

# The tables a seed copies from its scratch SQLite store (central_meta keeps this store's own
# epoch; the change log is numbered by the triggers as the rows arrive, at commit).
_SEEDED_TABLES = tuple(
    table for table in pg_setup.CENTRAL_TABLES if table not in ("central_meta", "central_changes")
)

# The rate limit (docs/central-postgresql.md, section 5), with one change from the statement
# there: time never runs backwards for a bucket. A request that read the clock before waiting
# on the row lock of another one of the same office would otherwise take tokens back (its
# `stamp` earlier than the stored one), and a burst arriving at once could be granted one
# request fewer than `burst`.
# The bucket's update when the office has one (design, section 5): time never runs backwards
# for a bucket (a request that read the clock before waiting on the row would give tokens back).
_BUCKET_UPDATE = """
ON CONFLICT (office) DO UPDATE SET
    granted = least(%(burst)s, b.tokens + %(rate)s
                    * greatest(0, extract(epoch FROM excluded.stamp - b.stamp))) >= 1,
    tokens = least(%(burst)s, b.tokens + %(rate)s
                   * greatest(0, extract(epoch FROM excluded.stamp - b.stamp)))
             - CASE WHEN least(%(burst)s, b.tokens + %(rate)s
                               * greatest(0, extract(epoch FROM excluded.stamp - b.stamp))) >= 1
                    THEN 1 ELSE 0 END,
    stamp = greatest(b.stamp, excluded.stamp)
RETURNING granted, tokens
"""
TAKE_TOKEN = (
    "INSERT INTO rate_buckets AS b (office, tokens, stamp, granted) "
    "VALUES (%(office)s, %(burst)s - 1, clock_timestamp(), true)" + _BUCKET_UPDATE
)
# An office with its units (the statements below add their WHERE and GROUP BY).
OFFICES = (
    "SELECT o.name, o.coordinator, o.revoked_at, o.created_at, o.token_sha256, "
    'coalesce(array_agg(u.unit_code ORDER BY u.unit_code COLLATE "C") '
    "FILTER (WHERE u.unit_code IS NOT NULL), '{}') AS units "
    "FROM offices o LEFT JOIN office_units u ON u.office = o.name "
)
# What every request asks first, in one statement: the token's office and, when it may work,
# a token from its bucket.
ADMIT = (
    f"WITH office AS ({OFFICES}WHERE o.token_sha256 = %(digest)s GROUP BY o.name), "
    "bucket AS (INSERT INTO rate_buckets AS b (office, tokens, stamp, granted) "
    "SELECT name, %(burst)s - 1, clock_timestamp(), true FROM office "
    f"WHERE revoked_at IS NULL{_BUCKET_UPDATE}) "
    "SELECT office.*, bucket.granted, bucket.tokens FROM office LEFT JOIN bucket ON true"
)
# ADMIT with the epoch and the end of the change log, of the statement's one snapshot (a
# number it shows has every number below it committed: pg_changes.py).
ADMIT_IDLE = ADMIT.replace(
    "bucket.tokens FROM",
    "bucket.tokens, (SELECT value FROM central_meta WHERE key = 'epoch') AS epoch, "
    "(SELECT coalesce(max(seq), 0) FROM central_changes) AS last_seq FROM",
    1,
)
assert ADMIT_IDLE != ADMIT, "ADMIT's last select changed: say where the log's head goes"


class FilesFolderMissing(DeskError):
    """A PostgreSQL store was opened without the folder of attachment contents (`--files`)."""


class StoreNotEmpty(DeskError):
    """`seed` into a PostgreSQL store that already holds data."""


def append_audit(
    conn: psycopg.Connection[Any],
    *,
    at: str,
    actor_nip: str | None,
    action: str,
    case_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Append one entry to the central audit chain inside the caller's transaction; its seq
    (`append_audit_entries` with one)."""
    return append_audit_entries(conn, [(at, actor_nip, action, case_id, detail)])


def append_audit_entries(
    conn: psycopg.Connection[Any],
    entries: list[Entry],
) -> int:
    """Append entries (at, actor, action, case, detail) to the central audit chain inside the
    caller's transaction, in their order; the last one's seq.

    The change log's lock first, held until commit: the head read next is the last committed
    one, and no other writer reads it before these entries are committed (design, 2.4). Call
    it as the transaction's last write. Each entry is `db.audit.append`'s, byte for byte; a
    push's entries go in one statement (a statement each was a tenth of a push's time)."""
    conn.execute("SELECT pg_advisory_xact_lock(%s)", [pg_changes.LOCK_KEY])
    last = _row(conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"))
    rows = chained(last, entries)
    conn.execute(
        "INSERT INTO audit_log (seq, at, actor_nip, action, case_id, detail, prev_hash, hash) "
        "SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::bigint[], "
        "%s::text[], %s::text[], %s::text[])",
        [list(column) for column in zip(*rows, strict=True)],
    )
    return int(rows[-1][0])


def _row(cursor: psycopg.Cursor[Any]) -> tuple[Any, ...] | None:
    """A row as a tuple, whether the connection gives dicts (the pool's) or tuples."""
    row = cursor.fetchone()
    if row is None:
        return None
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


class PgCorePart(PgBase):
    """Offices, epoch, health, rate limit, witness, files folder and seeding, on PostgreSQL."""

    _receipt_key: bytes | None = None

    @property
    def location(self) -> str:
        return shown_location(self.url)

    def healthy(self, timeout: float) -> bool:
        # `SELECT 1` on a pooled connection, bounded as a whole: waiting for a connection is
        # bounded by the pool, but a query on a connection whose server vanished (packets
        # dropped) waits for TCP. The check runs in a thread of its own, and an answer later
        # than `timeout` counts as none.
        answer: list[bool] = []
        done = threading.Event()

        def check() -> None:
            try:
                with self.pool.connection(timeout=timeout) as conn, conn.transaction():
                    conn.execute("SELECT 1").fetchone()
                answer.append(True)
            except Exception as error:  # any failure of the store is "not healthy", never a 500
                log.warning("health check: the store cannot be reached: %s", type(error).__name__)
            finally:
                done.set()

        threading.Thread(target=check, name="central-health", daemon=True).start()
        return done.wait(timeout) and bool(answer)

    # The feed's epoch ---------------------------------------------------------------------

    def epoch(self) -> str:
        with self._read() as conn:
            row = conn.execute("SELECT value FROM central_meta WHERE key = 'epoch'").fetchone()
        assert row is not None, "pg_setup.ensure_schema makes the epoch"
        return str(row["value"])

    def new_epoch(self) -> str:
        value = pg_setup.new_epoch_value()
        with self._write() as conn:
            conn.execute("UPDATE central_meta SET value = %s WHERE key = 'epoch'", [value])
        return value

    # Offices ------------------------------------------------------------------------------

    def add_office(self, name: str, units: list[str], *, coordinator: bool = False) -> str:
        name, codes = office_request(name, units)
        token = secrets.token_urlsafe(32)
        try:
            with self._write() as conn:
                if conn.execute("SELECT 1 FROM offices WHERE name = %s", [name]).fetchone():
                    raise InvalidInput(t("central.office.exists", name=name))
                known = []
                for code in codes:
                    # SQLite's `code = ? COLLATE NOCASE` (an index on lower(code)).
                    row = conn.execute(
                        "SELECT code FROM units WHERE lower(code) = lower(%s) "
                        'ORDER BY code COLLATE "C" LIMIT 1',
                        [code],
                    ).fetchone()
                    if row is None:
                        raise NotFound(t("notfound.unit", code=code))
                    known.append(str(row["code"]))
                conn.execute(
                    "INSERT INTO offices (name, token_sha256, coordinator, created_at) "
                    "VALUES (%s, %s, %s, %s)",
                    [name, token_digest(token), int(coordinator), to_text(utc_now())],
                )
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO office_units (office, unit_code) VALUES (%s, %s)",
                        [(name, code) for code in sorted(set(known))],
                    )
        except errors.UniqueViolation:  # the same office registered by another process at once
            raise InvalidInput(t("central.office.exists", name=name)) from None
        return token

    # Units in SQLite's order (binary), whatever the database's collation.
    def list_offices(self) -> list[Office]:
        with self._read() as conn:
            rows = conn.execute(OFFICES + 'GROUP BY o.name ORDER BY o.name COLLATE "C"').fetchall()
        return [_office(row) for row in rows]

    def revoke_office(self, name: str) -> None:
        with self._write() as conn:
            row = conn.execute(
                "SELECT revoked_at FROM offices WHERE name = %s FOR UPDATE", [name]
            ).fetchone()
            if row is None:
                raise NotFound(t("central.office.unknown", name=name))
            if row["revoked_at"] is None:
                conn.execute(
                    "UPDATE offices SET revoked_at = %s WHERE name = %s",
                    [to_text(utc_now()), name],
                )

    def authenticate(self, token: str) -> Office | None:
        digest = token_digest(token)
        with self._single() as conn:
            row = conn.execute(
                OFFICES + "WHERE o.token_sha256 = %s GROUP BY o.name", [digest]
            ).fetchone()
        return _admitted(row, digest)

    def admit(
        self, token: str, rate: float, burst: int, cursor: str = ""
    ) -> tuple[Office | None, float, feed.Page | None]:
        # One statement, one round trip (every request makes it): the office with its units
        # and, when it may work, a token from its bucket; for a cursor, the log's head too.
        digest = token_digest(token)
        with self._single() as conn:
            row = conn.execute(
                ADMIT_IDLE if cursor else ADMIT,
                {"digest": digest, "rate": float(rate), "burst": float(burst)},
            ).fetchone()
        office = _admitted(row, digest)
        if office is None or row is None:
            return None, 0.0, None
        if not row["granted"]:
            return office, _wait(float(row["tokens"]), rate), None
        idle = feed.idle_page(cursor, str(row["epoch"]), int(row["last_seq"])) if cursor else None
        return office, 0.0, idle

    def take_token(self, office: str, rate: float, burst: int) -> float:
        with self._write() as conn:
            row = conn.execute(
                TAKE_TOKEN, {"office": office, "rate": float(rate), "burst": float(burst)}
            ).fetchone()
        assert row is not None, "INSERT ... RETURNING gives its row"
        if row["granted"]:
            return 0.0
        return _wait(float(row["tokens"]), rate)

    # Attachments' folder -------------------------------------------------------------------

    def files_root(self) -> Path:
        folder: Path | None = self.files
        if folder is None:
            raise FilesFolderMissing(t("central.store.no_files", location=self.location))
        private_folder(folder)  # 0700, made when missing
        return folder

    # The audit witness ---------------------------------------------------------------------

    def observe(
        self, office: str, head: witness.Head, base: witness.Head | None, now: datetime
    ) -> witness.Statement:
        at = to_text(now)
        key = self.receipt_key()
        with self._write() as conn:
            while True:
                record = _witness_record(conn, office, lock=True)
                judgement = witness.judge(record, head, base, at)
                seen = judgement.witnessed
                if not judgement.store:
                    break
                if record is not None:
                    conn.execute(
                        "UPDATE audit_witness SET seq = %s, hash = %s, witnessed_at = %s "
                        "WHERE office = %s",
                        [seen.seq, seen.hash, at, office],
                    )
                    break
                inserted = conn.execute(
                    "INSERT INTO audit_witness (office, seq, hash, witnessed_at, since) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (office) DO NOTHING RETURNING 1",
                    [office, seen.seq, seen.hash, at, at],
                ).fetchone()
                if inserted is not None:
                    break
                # Another report of this office made the row first (it waited for that one's
                # commit): judge again, against what it stored.
            if judgement.alarm is not None:
                self._raise_alarm(conn, office, judgement.alarm, seen, head, at)
        return witness.statement_of(key, office, judgement)

    def _raise_alarm(
        self,
        conn: psycopg.Connection[Any],
        office: str,
        kind: str,
        witnessed: witness.WitnessRecord,
        reported: witness.Head,
        at: str,
    ) -> None:
        """Record the alarm, or count it again when the same divergence is still open (the
        office's witness row is locked: its reports come here one at a time)."""
        open_one = conn.execute(
            "SELECT id FROM audit_alarms WHERE office = %s AND kind = %s AND seq = %s "
            "AND hash = %s AND resolved_at IS NULL",
            [office, kind, witnessed.seq, witnessed.hash],
        ).fetchone()
        if open_one is not None:
            conn.execute(
                "UPDATE audit_alarms SET last_at = %s, times = times + 1, reported_seq = %s, "
                "reported_hash = %s WHERE id = %s",
                [at, reported.seq, reported.hash, open_one["id"]],
            )
            return
        row = conn.execute(
            "INSERT INTO audit_alarms (office, kind, seq, hash, witnessed_at, reported_seq, "
            "reported_hash, first_at, last_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "RETURNING id",
            [
                office,
                kind,
                witnessed.seq,
                witnessed.hash,
                witnessed.at,
                reported.seq,
                reported.hash,
                at,
                at,
            ],
        ).fetchone()
        assert row is not None
        seen = witness.Head(witnessed.seq, witnessed.hash)
        detail = witness.alarm_raised(int(row["id"]), office, kind, seen, witnessed.at, reported)
        append_audit(conn, at=at, actor_nip=None, action="audit_witness_alarm", detail=detail)

    def witness_record(self, office: str) -> witness.WitnessRecord | None:
        with self._read() as conn:
            return _witness_record(conn, office, lock=False)

    _ALARM_COLUMNS = (
        "id, office, kind, seq, witnessed_at, reported_seq, first_at, last_at, times, "
        "resolved_at, resolution"
    )

    def alarms(
        self, *, office: str | None = None, include_resolved: bool = False
    ) -> list[witness.Alarm]:
        where: list[sql.Composable] = [sql.SQL("true")]
        params: list[Any] = []
        if office is not None:
            where.append(sql.SQL("office = %s"))
            params.append(office)
        if not include_resolved:
            where.append(sql.SQL("resolved_at IS NULL"))
        query = sql.SQL("SELECT {} FROM audit_alarms WHERE {} ORDER BY id DESC").format(
            sql.SQL(self._ALARM_COLUMNS), sql.SQL(" AND ").join(where)
        )
        with self._read() as conn:
            rows = conn.execute(query, params).fetchall()
        return [witness.Alarm(**{**row, "id": int(row["id"])}) for row in rows]

    def open_alarm_counts(self) -> dict[str, int]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT office, count(*) AS n FROM audit_alarms WHERE resolved_at IS NULL "
                "GROUP BY office"
            ).fetchall()
        return {str(row["office"]): int(row["n"]) for row in rows}

    def resolve_alarm(self, alarm_id: int, note: str, now: datetime) -> str:
        at = to_text(now)
        with self._write() as conn:
            row = conn.execute(
                "SELECT office, resolved_at FROM audit_alarms WHERE id = %s FOR UPDATE",
                [alarm_id],
            ).fetchone()
            if row is None or row["resolved_at"] is not None:
                raise witness.UnknownAlarm(alarm_id)
            office = str(row["office"])
            conn.execute(
                "UPDATE audit_alarms SET resolved_at = %s, resolution = %s WHERE id = %s",
                [at, note, alarm_id],
            )
            still_open = conn.execute(
                "SELECT 1 FROM audit_alarms WHERE office = %s AND resolved_at IS NULL", [office]
            ).fetchone()
            if still_open is None:
                conn.execute("DELETE FROM audit_witness WHERE office = %s", [office])
            append_audit(
                conn,
                at=at,
                actor_nip=None,
                action="audit_alarm_resolved",
                detail={"alarm": alarm_id, "office": office, "note": note},
            )
        return office

    def receipt_key(self) -> bytes:
        # Made once, never changed: read from the database once per process.
        if self._receipt_key is None:
            with self._write() as conn:
                conn.execute(
                    "INSERT INTO central_meta (key, value) VALUES (%s, %s) "
                    "ON CONFLICT (key) DO NOTHING",
                    [witness.KEY_NAME, secrets.token_hex(32)],
                )
                row = conn.execute(
                    "SELECT value FROM central_meta WHERE key = %s", [witness.KEY_NAME]
                ).fetchone()
            assert row is not None
            self._receipt_key = bytes.fromhex(str(row["value"]))
        return self._receipt_key

    # Housekeeping --------------------------------------------------------------------------

    def fill_event_uids(self) -> int:
        with self.pool.connection() as conn:
            conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
            conn.read_only = False
            return give_event_uids(conn)

    def seed(
        self, cases: int, *, seed: int = 1, now: datetime | None = None, workers: int | None = None
    ) -> SeedSummary:
        """The seed generator writes SQLite only: it seeds a scratch SQLite central store, whose
        rows are then copied in, into an empty store only (the copy keeps their ids)."""
        from desk.central.store import open_central
        from desk.seed import seed_database

        with tempfile.TemporaryDirectory(prefix="desk-seed-") as scratch:
            path = Path(scratch) / "central.db"
            database = open_central(path)
            try:
                summary = seed_database(database, cases, seed=seed, now=now, workers=workers)
            finally:
                database.close()
            with _plain_connection(self.url) as conn:
                self._copy_seeded(path, conn)
        return summary

    def _copy_seeded(self, path: Path, conn: psycopg.Connection[Any]) -> None:
        from desk.central import migrate

        with conn.transaction():
            # A second seed (or a migration) at once waits, then finds the store not empty.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [pg_changes.SCHEMA_LOCK_KEY])
            holding = [
                table
                for table in (*_SEEDED_TABLES, "central_changes")
                if conn.execute(
                    sql.SQL("SELECT 1 FROM {} LIMIT 1").format(sql.Identifier(table))
                ).fetchone()
            ]
            if holding:
                raise StoreNotEmpty(
                    t("central.seed.not_empty", location=self.location, tables=", ".join(holding))
                )
            source = sqlite3.connect(path)
            try:
                for table in _SEEDED_TABLES:
                    migrate.copy_table(source, conn, table)
                migrate.move_identities_past_copied_ids(source, conn)
            finally:
                source.close()


def _admitted(row: dict[str, Any] | None, digest: str) -> Office | None:
    """The office of a row found by token digest: compared again in constant time, as
    desk/central/store.py does; a revoked office is none."""
    if row is None or not hmac.compare_digest(str(row["token_sha256"]), digest):
        return None
    return None if row["revoked_at"] is not None else _office(row)


def _wait(tokens: float, rate: float) -> float:
    """Seconds until a bucket holding `tokens` has one again."""
    return (1 - tokens) / rate if rate > 0 else 3600.0


def _office(row: dict[str, Any]) -> Office:
    return Office(
        str(row["name"]),
        bool(row["coordinator"]),
        tuple(str(code) for code in row["units"]),
        row["revoked_at"],
        str(row["created_at"]),
    )


def _witness_record(
    conn: psycopg.Connection[Any], office: str, *, lock: bool
) -> witness.WitnessRecord | None:
    query = "SELECT seq, hash, witnessed_at FROM audit_witness WHERE office = %s"
    row = conn.execute(query + (" FOR UPDATE" if lock else ""), [office]).fetchone()
    if row is None:
        return None
    return witness.WitnessRecord(int(row["seq"]), str(row["hash"]), str(row["witnessed_at"]))


@contextmanager
def _plain_connection(url: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection of its own, with tuple rows (what desk/central/migrate.py's copy reads)."""
    conn = psycopg.connect(url, autocommit=True)
    try:
        yield conn
    finally:
        conn.close()
