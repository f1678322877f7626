"""`desk seed`: deterministic, realistic demo and benchmark data for one provincial office.

`seed_database` adds N cases of the Pemerintah Provinsi Kalimantan Timur (time zone WITA) to an
open, migrated database, with the units (OPD and kabupaten/kota) and officers they need, each
case with its reporter, its timeline (events) and the clock columns `desk.clocks` would have set
after its last action. The same N, seed, `now` and starting database give the same rows.

Stable officers, there in every seeded database whatever the seed:

- admin koordinator: NIP 198001012005011001, "Admin Koordinator Diskominfo", unit DISKOMINFO
- petugas:           NIP 198502022010012002, "Siti Rahmawati", unit DISKOMINFO
- pimpinan:          NIP 197505052000051005, "Hendra Kurniawan", unit SETDA (Sekretaris Daerah)

Other officers (2-4 petugas and one pimpinan per unit, two more admins) are the same in every
seeded database too: they come from a fixed generator, not from the seed.

How the history is made: each case is received at a time in the ~18 months before `now` (more
of them lately) and walks through the workflow (verify, dispose, hold, return, follow-up, the
reporter's reply, close, archive, reopen, restore, notes, assignments and the system's automatic
moves) with delays drawn in working days, stopping at the first action that would fall after
`now`. So a case's status, unit, assignee, version (1 + the actions after receipt, i.e. the number
of its events), `updated_at` (its last event) and clocks always match its last event; a case
followed up more than 10 HK ago has already been closed automatically and one on hold for 10 HK
archived; about 7% of cases are open, a fifth to a third of those overdue. Every case has a
reporter row (anonymous ones too: the flag hides it on display). Categories are LAPOR!'s, from
desk/data/lapor_categories.json, with their whitespace normalised (see `load_categories`).

This is history, not actions: no outbox rows and no audit entries per case, only one audit entry
`seed` that says what was added. Cases get `source = 'seed'`.

Speed (a million cases in about a minute on two cores): worker processes generate chunks of
`CHUNK` cases as plain tuples and bind them into an in-memory scratch database, handed over
serialized; the main process copies each chunk with one INSERT ... SELECT per table in one
transaction, with `synchronous = OFF`, a large page cache and foreign-key checks off for the
duration (restored after). Inside each chunk's transaction the three `cases_search_*` triggers
are dropped and the search index rows are inserted directly, from stems precomputed per text
fragment (see `desk.seed_texts`), and the triggers are created again before the chunk commits, so
an interrupted seed never leaves a database without them. The data do not depend on the number
of workers: each chunk has its own random stream.
"""

from __future__ import annotations

import collections
import contextlib
import json
import multiprocessing
import multiprocessing.context
import multiprocessing.pool
import os
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from multiprocessing.pool import AsyncResult
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from db import audit, write_transaction
from db.case_columns import CASE_COLUMNS
from db.search_index import merge_search_index, search_triggers
from db.timefmt import to_text, utc_now
from desk.calendar import WITA, WorkingCalendar, calendar_with
from desk.clocks import FOLLOW_UP_HK, HOLD_LIMIT_HK, REPORTER_WINDOW_HK, VERIFY_HK
from desk.errors import ActionRefused
from desk.i18n import role_label, t
from desk.lapor import CHANNEL_NAMES, load_categories
from desk.officers import may_keep_desk
from desk.seed_texts import (
    ARCHIVE_REASONS,
    ASPIRATION_GENERIC,
    ASPIRATION_TITLES,
    CHRONOLOGY,
    CHRONOLOGY_HEAD,
    CLOSINGS,
    COMPLETIONS,
    CONTROL,
    DUPLICATE_REASON,
    EMAIL_DOMAINS,
    EMOJI,
    FEMALE_NAMES,
    FEMALE_SURNAMES,
    GREETINGS,
    HOLD_REASONS,
    IMPACTS,
    INFO_GENERIC,
    INFO_TITLES,
    INTROS,
    MALE_NAMES,
    MARKUP,
    MONTHS,
    NOTES,
    PHONE_PREFIXES,
    PLACES,
    REOPEN_REASONS,
    REPLIES_SOLVED,
    REPLIES_UNSOLVED,
    REPLY_CLOSERS,
    REPLY_OPENERS,
    REQUESTS,
    RETURN_REASONS,
    SINCE,
    SURNAMES,
    TOPICS,
    WAKTU,
    Frag,
    Place,
    Template,
    Topic,
    frag,
)
from desk.services import PUBLIC_EVENTS
from desk.workflow import Actor

CHUNK = 20_000  # cases per transaction
SPAN_DAYS = 548  # cases are received over the ~18 months before `now`
OFFICE_TZ = WITA
SOURCE = "seed"
FIRST_TRACKING_NO = 7_000_001
COORDINATING_UNIT = "DISKOMINFO"

STABLE_ADMIN = ("198001012005011001", "Admin Koordinator Diskominfo", COORDINATING_UNIT, "admin")
STABLE_PETUGAS = ("198502022010012002", "Siti Rahmawati", COORDINATING_UNIT, "petugas")
STABLE_PIMPINAN = ("197505052000051005", "Hendra Kurniawan", "SETDA", "pimpinan")

# (code, name): the provincial OPDs, then the kabupaten/kota (their codes are in seed_texts.PLACES).
UNITS: tuple[tuple[str, str], ...] = (
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika"),
    ("SETDA", "Sekretariat Daerah Provinsi Kalimantan Timur"),
    ("PUPR", "Dinas Pekerjaan Umum, Penataan Ruang dan Perumahan Rakyat (PUPR-PERA)"),
    ("DINKES", "Dinas Kesehatan"),
    ("DISDIKBUD", "Dinas Pendidikan dan Kebudayaan"),
    ("DISHUB", "Dinas Perhubungan"),
    ("DINSOS", "Dinas Sosial"),
    ("DLH", "Dinas Lingkungan Hidup"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu"),
    ("BAPENDA", "Badan Pendapatan Daerah"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil"),
    ("RSUD-AWS", "RSUD Abdul Wahab Sjahranie"),
    ("DISNAKERTRANS", "Dinas Tenaga Kerja dan Transmigrasi"),
    ("DPTPH", "Dinas Pangan, Tanaman Pangan dan Hortikultura"),
    ("ESDM", "Dinas Energi dan Sumber Daya Mineral"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah"),
    ("BKD", "Badan Kepegawaian Daerah"),
    ("DPMPD", "Dinas Pemberdayaan Masyarakat dan Pemerintahan Desa"),
    ("INSPEKTORAT", "Inspektorat Daerah"),
    *((place.unit, f"Pemerintah {place.name}") for place in PLACES),
)

# Channels and their weights; the office channels are typed in by an officer at intake.
CHANNELS: tuple[tuple[str, int], ...] = (
    ("web", 38),
    ("android", 18),
    ("ios", 6),
    ("whatsapp", 10),
    ("sms", 9),
    ("twitter", 4),
    ("loket", 6),
    ("telepon", 4),
    ("surat", 2),
    ("email", 3),
)
OFFICE_CHANNELS = frozenset({"loket", "telepon", "surat"})
assert tuple(name for name, _ in CHANNELS) == CHANNEL_NAMES  # one list of LAPOR! channels
CLASSIFICATIONS = ("pengaduan", "aspirasi", "permintaan_informasi")

SPECIAL_SHARE = 0.005  # each of: emoji, markup-like text, control characters
LONG_SHARE = 0.02  # bodies of 2-5 KB (a chronology)
NEGLECT = 0.008  # officer steps left lying for months (returned cases: RETURN_NEGLECT)
RETURN_NEGLECT = 0.12
NEGLECT_DAYS = 100
ON_TIME = 0.86  # share of steps done within their limit
LATE_END = 0.975  # up to here a late step is a few days late; after it, weeks
GROWTH = 2.0  # the newest day gets 1 + GROWTH times the cases of the oldest (the service grows)
HOLD_SHARE = 0.16  # new cases put on hold for missing data
ARCHIVE_SHARE = 0.06  # new cases archived (spam, duplicates, out of scope)
WRONG_UNIT_SHARE = 0.10  # first disposed to a unit that returns them
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
OPENS = 27_000  # officers work from 07:30 local time
OPEN_FOR = 32_400  # for nine hours
DAY = 86_400

_CASE_COLUMNS = tuple(name for name in CASE_COLUMNS if name != "extra")
INSERT_CASE = (
    f"INSERT INTO cases ({', '.join(_CASE_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _CASE_COLUMNS)})"
)
INSERT_REPORTER = (
    "INSERT INTO reporters (case_id, name, nik, phone, email, address) VALUES (?, ?, ?, ?, ?, ?)"
)
INSERT_EVENT = (
    "INSERT INTO events (case_id, at, actor_kind, actor_nip, kind, visibility, from_status, "
    "to_status, unit_code, body, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_SEARCH = "INSERT INTO case_search (rowid, title, body) VALUES (?, ?, ?)"

_PUBLIC = frozenset(action.value for action in PUBLIC_EVENTS) | {"received", "auto_close"}


@dataclass
class SeedSummary:
    """What a seed added: units and officers that were missing, cases and their events."""

    units: int
    officers: int
    cases: int
    events: int
    seconds: float


def check_may_seed(
    database: sqlite_utils.Database, actor: Actor | None, now: datetime | None = None
) -> None:
    """Seeding a working desk's database is the coordinating admin's act, as an import is.

    Seeded cases look like complaints and their timelines name real-looking officers: into a
    database that already has officers only an admin may add them, and a refusal is audited
    (`seed_refused`) before it is raised. A new database (no officers yet) has nobody to ask.
    """
    if may_keep_desk(database, actor):
        return
    audit.record(
        database,
        at=to_text(now or utc_now()),
        actor_nip=actor.nip if actor else None,
        action="seed_refused",
        detail={"role": actor.role.value if actor else None},
    )
    if actor is None:
        raise ActionRefused(t("seed.refused.nobody"))
    raise ActionRefused(t("seed.refused.role", nip=actor.nip, role=role_label(actor.role)))


def seed_database(
    database: sqlite_utils.Database,
    cases: int,
    *,
    seed: int = 1,
    actor_nip: str | None = None,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> SeedSummary:
    """Add `cases` seeded cases (and any missing units and officers) to `database`.

    `actor_nip`: the admin who asked for it (`check_may_seed`), for the audit entry.
    `now` (default: the current time) is the moment the history leads up to; received dates lie
    in the ~18 months before it. `progress(done, total)` is called after every chunk. Cases added
    to a database that already has some get the next ids and tracking numbers. `workers` is the
    number of processes that generate chunks while this one writes (default: one per CPU, up to
    4, and none for a single chunk); it does not change the data.
    """
    started = time.perf_counter()
    if cases < 0:
        raise ValueError("the number of cases cannot be negative")
    if database.conn.in_transaction:
        raise ValueError("seed_database writes in its own transactions: call it outside one")
    now = (now or utc_now()).astimezone(UTC).replace(microsecond=0)
    units_added, officers_added = _reference_data(database, now)
    plan = _plan(database, seed, now)
    received = _received_times(plan, cases)
    conn = database.conn
    saved = {
        name: conn.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("cache_size", "synchronous", "foreign_keys")
    }
    if workers is None:
        workers = default_workers(cases)
    chunks = list(enumerate(range(0, cases, CHUNK)))
    events = 0
    pool: multiprocessing.pool.Pool | None = None
    try:
        conn.execute("PRAGMA cache_size = -400000")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA foreign_keys = OFF")  # the rows are consistent by construction
        triggers = search_triggers(database)

        def finish(start: int, scratch: bytes, chunk_events: int) -> None:
            nonlocal events
            _move_scratch(database, scratch, triggers)
            events += chunk_events
            if progress is not None:
                progress(min(start + CHUNK, cases), cases)

        if workers > 0:
            pool = _pool_context().Pool(workers, _start_worker, (plan,))
            pending: collections.deque[tuple[int, AsyncResult[tuple[bytes, int]]]]
            pending = collections.deque()
            for index, start in chunks:
                # A few chunks in flight keep the workers busy without piling up in memory.
                while len(pending) > workers:
                    done, result = pending.popleft()
                    finish(done, *result.get())
                arguments = (index, start, received[start : start + CHUNK])
                pending.append((start, pool.apply_async(_make_chunk, arguments)))
            while pending:
                done, result = pending.popleft()
                finish(done, *result.get())
            pool.close()
            pool.join()
            pool = None
        else:
            generator = _Generator(plan)
            for index, start in chunks:
                rows = generator.chunk(index, start, received[start : start + CHUNK])
                finish(start, _scratch(rows), len(rows.events))
        if progress is not None and cases == 0:
            progress(0, 0)
        if cases:
            merge_search_index(database)  # one segment per chunk slows every search down
        audit.record(
            database,
            at=to_text(now),
            actor_nip=actor_nip,
            action="seed",
            detail={
                "cases": cases,
                "events": events,
                "first_id": plan.first_id if cases else None,
                "last_id": plan.first_id + cases - 1 if cases else None,
                "tracking_nos": [
                    str(plan.first_tracking_no),
                    str(plan.first_tracking_no + cases - 1),
                ]
                if cases
                else None,
                "seed": seed,
                "units_added": units_added,
                "officers_added": officers_added,
            },
        )
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        for name, value in saved.items():
            conn.execute(f"PRAGMA {name} = {int(value)}")
    return SeedSummary(
        units=units_added,
        officers=officers_added,
        cases=cases,
        events=events,
        seconds=time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------------------------
# Units, officers and the plan


def officer_rows() -> list[tuple[str, str, str, str]]:
    """Every seeded officer as (nip, name, unit_code, role); the same list in every database."""
    rng = random.Random("desk-seed/officers")
    stable = (STABLE_ADMIN, STABLE_PETUGAS, STABLE_PIMPINAN)
    used = {nip for nip, *_ in stable}
    rows: list[tuple[str, str, str, str]] = list(stable)

    def person(role: str, unit: str) -> tuple[str, str, str, str]:
        female = rng.random() < 0.45
        while True:
            born = date(rng.randint(1966, 1997), rng.randint(1, 12), rng.randint(1, 28))
            year = min(2023, born.year + rng.randint(22, 32))
            month = rng.choice((1, 1, 3, 3, 4, 12))
            nip = f"{born:%Y%m%d}{year}{month:02d}{2 if female else 1}{rng.randint(1, 40):03d}"
            if nip not in used:
                used.add(nip)
                break
        first = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        last = rng.choice(FEMALE_SURNAMES if female and rng.random() < 0.4 else SURNAMES)
        name = f"{first} {last}".strip()
        if role == "pimpinan":
            title = rng.choice(("Dr. ", "Ir. ", "", ""))
            name = f"{title}{name}, {rng.choice(('M.Si.', 'M.T.', 'M.M.', 'M.Kes.', 'M.AP.'))}"
        elif rng.random() < 0.5:
            degree = rng.choice(("S.Kom.", "S.T.", "S.E.", "S.H.", "S.Sos.", "S.AP.", "A.Md."))
            name = f"{name}, {degree}"
        return (nip, name, unit, role)

    for _ in range(2):
        rows.append(person("admin", COORDINATING_UNIT))
    for code, _name in UNITS:
        count = rng.randint(2, 4) - (1 if code == COORDINATING_UNIT else 0)
        rows.extend(person("petugas", code) for _ in range(count))
        if code != STABLE_PIMPINAN[2]:
            rows.append(person("pimpinan", code))
    return rows


def _reference_data(database: sqlite_utils.Database, now: datetime) -> tuple[int, int]:
    """Insert the units, officers and office time zone that are missing; count what was added."""
    created = to_text(now - timedelta(days=SPAN_DAYS + 60))
    with write_transaction(database):
        conn = database.conn
        before_units = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO units (code, name, tz) VALUES (?, ?, ?)",
            [(code, name, OFFICE_TZ) for code, name in UNITS],
        )
        units = conn.total_changes - before_units
        before_officers = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO officers (nip, name, unit_code, role, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(*row, created) for row in officer_rows()],
        )
        officers = conn.total_changes - before_officers
        conn.execute(
            "INSERT OR REPLACE INTO settings (key, value) VALUES ('office_tz', ?)", [OFFICE_TZ]
        )
    return units, officers


@dataclass(frozen=True)
class _Plan:
    """Everything the case generator needs, as plain data (it may run in another process)."""

    seed: int
    now: int  # epoch seconds
    first_id: int
    first_tracking_no: int
    office_tz: str
    unit_names: dict[str, str]
    unit_tz: dict[str, str]
    petugas: dict[str, tuple[str, ...]]  # units that can receive cases: active petugas
    admins: tuple[str, ...]
    holidays: dict[str | None, frozenset[date]]  # regional holidays per unit (None: the office)
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _plan(database: sqlite_utils.Database, seed: int, now: datetime) -> _Plan:
    conn = database.conn
    last_id = conn.execute("SELECT max(id) FROM cases").fetchone()[0] or 0
    last_tracking = conn.execute(
        "SELECT max(CAST(tracking_no AS INTEGER)) FROM cases "
        "WHERE tracking_no NOT GLOB '*[^0-9]*' AND tracking_no != ''"
    ).fetchone()[0]
    office_tz = conn.execute("SELECT value FROM settings WHERE key = 'office_tz'").fetchone()
    units = conn.execute("SELECT code, name, tz FROM units WHERE active = 1").fetchall()
    petugas: dict[str, list[str]] = {}
    for nip, unit in conn.execute(
        "SELECT nip, unit_code FROM officers WHERE role = 'petugas' AND active = 1 ORDER BY nip"
    ):
        petugas.setdefault(unit, []).append(nip)
    admins = tuple(
        nip
        for (nip,) in conn.execute(
            "SELECT nip FROM officers WHERE role = 'admin' AND active = 1 ORDER BY nip"
        )
    ) or (STABLE_ADMIN[0],)
    holidays: dict[str | None, set[date]] = {None: set()}
    active = {code for code, _name, _tz in units}
    for code in active:
        holidays[code] = set()
    for day, unit in conn.execute("SELECT day, unit_code FROM regional_holidays"):
        parsed = date.fromisoformat(day[:10])
        for key in holidays if unit is None else (unit,):
            if key in holidays:
                holidays[key].add(parsed)
    return _Plan(
        seed=seed,
        now=int(now.timestamp()),
        first_id=last_id + 1,
        first_tracking_no=max(FIRST_TRACKING_NO, (last_tracking or 0) + 1),
        office_tz=str(office_tz[0]) if office_tz else OFFICE_TZ,
        unit_names={code: name for code, name, _tz in units},
        unit_tz={code: tz for code, _name, tz in units},
        petugas={code: tuple(nips) for code, nips in petugas.items() if code in active},
        admins=admins,
        holidays={key: frozenset(days) for key, days in holidays.items()},
        categories=load_categories(),
    )


def _received_times(plan: _Plan, cases: int) -> list[int]:
    """When each case was received (epoch seconds), sorted: tracking numbers follow this order.

    Days further back are a little less likely (the service grows), weekends are quieter, and the
    hour follows office and evening peaks in the office's time zone.
    """
    rng = random.Random(f"desk-seed/{plan.seed}/{plan.first_id}/received")
    offset = _utc_offset(plan.office_tz, plan.now)
    today = (plan.now + offset) // DAY  # local day number of `now`
    day_weights = []
    for age in range(SPAN_DAYS):
        weekday = (today - age + 3) % 7  # 1970-01-01 was a Thursday (3)
        weight = (1.0 + GROWTH * (1 - age / SPAN_DAYS)) * (0.55 if weekday >= 5 else 1.0)
        day_weights.append(weight)
    hour_weights = (1, 1, 1, 1, 1, 2, 4, 7, 10, 11, 11, 10, 8, 9, 10, 10, 9, 7, 6, 6, 6, 5, 3, 2)
    ages = rng.choices(range(SPAN_DAYS), cum_weights=list(accumulate(day_weights)), k=cases)
    hours = rng.choices(range(24), cum_weights=list(accumulate(hour_weights)), k=cases)
    random_ = rng.random
    times = []
    for age, hour in zip(ages, hours, strict=True):
        moment = (today - age) * DAY - offset + hour * 3600 + int(random_() * 3600)
        if moment >= plan.now:
            moment = plan.now - 1 - int(random_() * 3 * 3600)
        times.append(moment)
    times.sort()
    return times


def _utc_offset(tz: str, at: int) -> int:
    """The offset of `tz` in seconds; Indonesia's zones have no daylight saving time."""
    offset = datetime.fromtimestamp(at, ZoneInfo(tz)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


# ---------------------------------------------------------------------------------------------
# Writing: each chunk goes through a scratch database
#
# Binding Python values row by row costs about as much as SQLite's own work, so the rows of a chunk
# are bound where they are made (a worker process, into an in-memory database with plain tables,
# handed over serialized) and the main process moves them with one INSERT ... SELECT per table,
# which runs entirely inside SQLite.

_SCRATCH_TABLES = {
    "c": _CASE_COLUMNS,  # instants as Unix times
    "r": ("case_id", "name", "nik", "phone", "email", "address"),
    "e": ("case_id", "at", "shape", "actor_nip", "unit_code", "body", "data"),
    "k": (
        "code INTEGER PRIMARY KEY",
        "actor_kind",
        "kind",
        "visibility",
        "from_status",
        "to_status",
    ),  # the shapes of events: what is the same for many of them
    "s": ("id", "title", "body"),
}
_INSTANT = "strftime('%Y-%m-%dT%H:%M:%SZ', {}, 'unixepoch')"  # db.timefmt.to_text, in SQL
_TIME_COLUMNS = frozenset({"received_at", "updated_at", "due_at", "auto_at"})
_MOVES = (
    (
        f"INSERT INTO cases ({', '.join(_CASE_COLUMNS)}) SELECT "
        + ", ".join(_INSTANT.format(c) if c in _TIME_COLUMNS else c for c in _CASE_COLUMNS)
        + " FROM seed_chunk.c ORDER BY rowid"
    ),
    "INSERT INTO reporters (case_id, name, nik, phone, email, address) "
    "SELECT case_id, name, nik, phone, email, address FROM seed_chunk.r ORDER BY rowid",
    "INSERT INTO events (case_id, at, actor_kind, actor_nip, kind, visibility, from_status, "
    "to_status, unit_code, body, data) "
    f"SELECT e.case_id, {_INSTANT.format('e.at')}, k.actor_kind, e.actor_nip, k.kind, "
    "k.visibility, k.from_status, k.to_status, e.unit_code, e.body, e.data "
    "FROM seed_chunk.e AS e CROSS JOIN seed_chunk.k AS k ON k.code = e.shape ORDER BY e.rowid",
)


@dataclass
class _Rows:
    cases: list[tuple[Any, ...]]
    reporters: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    search: list[tuple[int, str, str]]
    shapes: list[tuple[Any, ...]]


def _scratch(rows: _Rows) -> bytes:
    """One chunk's rows as a serialized in-memory database (plain tables, no indexes)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.execute("BEGIN")
        for table, data in zip(
            "cresk",
            (rows.cases, rows.reporters, rows.events, rows.search, rows.shapes),
            strict=True,
        ):
            columns = _SCRATCH_TABLES[table]
            conn.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
            conn.executemany(
                f"INSERT INTO {table} VALUES ({', '.join('?' for _ in columns)})", data
            )
        conn.execute("COMMIT")
        return conn.serialize()
    finally:
        conn.close()


def _move_scratch(
    database: sqlite_utils.Database, scratch: bytes, triggers: dict[str, str] | None
) -> None:
    """Copy a scratch chunk into the database in one transaction."""
    conn = database.conn
    conn.execute("ATTACH DATABASE ':memory:' AS seed_chunk")
    try:
        conn.deserialize(scratch, name="seed_chunk")
        with write_transaction(database):
            if triggers is not None:
                for name in triggers:
                    conn.execute(f"DROP TRIGGER {name}")
            for move in _MOVES:
                conn.execute(move)
            if triggers is not None:
                conn.execute(
                    "INSERT INTO case_search (rowid, title, body) "
                    "SELECT id, title, body FROM seed_chunk.s ORDER BY rowid"
                )
                for sql in triggers.values():
                    conn.execute(sql)
    finally:
        conn.execute("DETACH DATABASE seed_chunk")


# A worker process keeps its generator between chunks.
_worker_generator: _Generator | None = None


def _start_worker(plan: _Plan) -> None:
    global _worker_generator
    # Ctrl-C reaches the whole process group: the main process stops the seed (and the pool)
    # and says so in one line; a worker interrupted mid-chunk would print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        os.nice(4)  # the main process's SQLite work is the bottleneck: let it go first
    _worker_generator = _Generator(plan)


def _make_chunk(index: int, start: int, received: list[int]) -> tuple[bytes, int]:
    """Generate chunk `index` (in a worker): its scratch database and its number of events."""
    if _worker_generator is None:
        raise RuntimeError("seed worker not started")
    rows = _worker_generator.chunk(index, start, received)
    return _scratch(rows), len(rows.events)


def _pool_context() -> multiprocessing.context.BaseContext:
    """Fork when it is safe (one thread: the CLI, a script); spawn when other threads run (a
    TUI), since a forked child could inherit a lock that another thread held."""
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def default_workers(cases: int) -> int:
    """Processes that generate chunks while this one writes: none for a single chunk."""
    if cases <= CHUNK:
        return 0
    return max(1, min(os.cpu_count() or 1, 4))


# ---------------------------------------------------------------------------------------------
# Making cases

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = tuple(first + second for first in CROCKFORD for second in CROCKFORD)  # 10 bits each


def ulid_text(milliseconds: int, randomness: int) -> str:
    """A ULID (26 Crockford base32 characters) from its 48-bit time and 80 random bits.

    Made here rather than by python-ulid, whose constructors draw their own randomness: a seed
    must give the same local ids every time.
    """
    v = (milliseconds << 80) | randomness
    p = _PAIRS
    return "".join(
        (
            p[v >> 120 & 1023],
            p[v >> 110 & 1023],
            p[v >> 100 & 1023],
            p[v >> 90 & 1023],
            p[v >> 80 & 1023],
            p[v >> 70 & 1023],
            p[v >> 60 & 1023],
            p[v >> 50 & 1023],
            p[v >> 40 & 1023],
            p[v >> 30 & 1023],
            p[v >> 20 & 1023],
            p[v >> 10 & 1023],
            p[v & 1023],
        )
    )


def _json(data: dict[str, Any]) -> str:
    """Event data as `desk.services.append_event` writes it."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _table(items: Sequence[tuple[Any, int]]) -> tuple[Any, ...]:
    """A lookup table where each item appears as often as its weight: pick with one index."""
    return tuple(item for item, weight in items for _ in range(weight))


@dataclass(frozen=True)
class _PlaceFrags:
    place: Place
    kota: Frag
    kecamatan: tuple[tuple[Frag, tuple[Frag, ...], int], ...]  # (kec, kelurahan, kec number)
    streets: tuple[Frag, ...]


@dataclass(frozen=True)
class _TopicPlan:
    topic: Topic
    categories: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # main, preferred, all
    units: tuple[str, ...]  # weighted table; "KOTA" stands for the place's unit
    first_share: float  # how often the first category is chosen


class _Clock:
    """Deadlines of one unit's calendar, cached by the local day the clock starts on."""

    def __init__(self, calendar: WorkingCalendar, tz: str, now: int) -> None:
        self.calendar = calendar
        self.tz = tz
        self.offset = _utc_offset(tz, now)
        if self.offset != _utc_offset(tz, now - 2 * 366 * DAY):
            raise ValueError(f"time zone {tz} changes its offset; desk seeds Indonesian zones only")
        self.cache: dict[tuple[int, int], int] = {}

    def deadline(self, start: int, hk: int) -> int:
        key = ((start + self.offset) // DAY, hk)  # hk < 0: a held case resumed as late
        found = self.cache.get(key)
        if found is None:
            moment = datetime.fromtimestamp(start, UTC)
            found = self.cache[key] = int(self.calendar.deadline(moment, hk, self.tz).timestamp())
        return found

    def remaining(self, due: int, at: int) -> int:
        return self.calendar.frozen_at(
            datetime.fromtimestamp(due, UTC), datetime.fromtimestamp(at, UTC), self.tz
        )


class _Generator:
    """Makes the rows of one chunk of cases at a time; each chunk has its own random stream."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan
        self.now = plan.now
        calendars: dict[frozenset[date], WorkingCalendar] = {}
        clocks: dict[tuple[frozenset[date], str], _Clock] = {}

        def clock_for(unit: str | None) -> _Clock:
            days = plan.holidays.get(unit, plan.holidays[None])
            tz = plan.office_tz if unit is None else plan.unit_tz.get(unit, plan.office_tz)
            calendar = calendars.setdefault(days, calendar_with(days))
            key = (days, tz)
            if key not in clocks:
                clocks[key] = _Clock(calendar, tz, plan.now)
            return clocks[key]

        self.office = clock_for(None)
        self.clocks: dict[str | None, _Clock] = {None: self.office}
        for unit in plan.unit_tz:
            self.clocks[unit] = clock_for(unit)
        # The office's working days, for when officers act: an index per local day number.
        offset = self.office.offset
        first_day = (plan.now + offset) // DAY - SPAN_DAYS - 10
        last_day = (plan.now + offset) // DAY + 400
        calendar = self.office.calendar
        self.work_days = [
            day
            for day in range(first_day, last_day + 1)
            if calendar.is_working_day(date.fromordinal(day + EPOCH_ORDINAL))
        ]
        self.first_day = first_day
        self.next_work = []
        position = 0
        for day in range(first_day, last_day + 1):
            while position < len(self.work_days) and self.work_days[position] < day:
                position += 1
            self.next_work.append(position)
        self.shapes: dict[tuple[str, str, str | None, str], int] = {}  # event shapes, coded
        self.units_ok = frozenset(plan.petugas)
        self.unit_list = sorted(self.units_ok)
        self.fallback_unit = (
            COORDINATING_UNIT
            if COORDINATING_UNIT in self.units_ok
            else sorted(self.units_ok)[0]
            if self.units_ok
            else None
        )
        self.places = tuple(self._place_frags(place) for place in PLACES)
        self.place_table = _table([(index, place.weight) for index, place in enumerate(PLACES)])
        self.topics = tuple(self._topic_plan(topic) for topic in TOPICS)
        self.topic_table = _table([(index, topic.weight) for index, topic in enumerate(TOPICS)])
        self.channel_table = _table(CHANNELS)
        self.waktu = tuple(frag(text) for text in WAKTU)
        self.day_frags: dict[int, Frag] = {}
        self.unit_data = {unit: _json({"unit": unit}) for unit in plan.unit_tz}
        self.assignee_data = {
            nip: _json({"assignee": nip}) for nips in plan.petugas.values() for nip in nips
        }

    # -- static tables --------------------------------------------------------------------------

    def _place_frags(self, place: Place) -> _PlaceFrags:
        kecamatan = tuple(
            (frag(kec), tuple(frag(kel) for kel in kelurahan), number)
            for number, (kec, kelurahan) in enumerate(place.kecamatan.items(), start=1)
        )
        return _PlaceFrags(
            place, frag(place.name), kecamatan, tuple(frag(s) for s in place.streets)
        )

    def _topic_plan(self, topic: Topic) -> _TopicPlan:
        categories = []
        for main, preferred in topic.categories:
            subs = self.plan.categories.get(main)
            if subs is None:
                continue  # a category the file no longer has
            categories.append((main, tuple(s for s in preferred if s in subs), subs))
        units = _table([(unit, weight) for unit, weight in topic.units])
        first_share = 0.8 if categories and categories[0][1] else 1 / max(1, len(categories))
        return _TopicPlan(topic, tuple(categories), units, first_share)

    def _day_frag(self, day: int) -> Frag:
        """A local day number as Indonesians write it ("15 Maret 2025"), with its stems."""
        found = self.day_frags.get(day)
        if found is None:
            when = date.fromordinal(day + EPOCH_ORDINAL)
            found = self.day_frags[day] = frag(f"{when.day} {MONTHS[when.month - 1]} {when.year}")
        return found

    # -- one chunk ------------------------------------------------------------------------------

    def chunk(self, index: int, start: int, received: Sequence[int]) -> _Rows:
        plan = self.plan
        rng = random.Random(f"desk-seed/{plan.seed}/{plan.first_id}/chunk/{index}")
        rows = _Rows([], [], [], [], [])
        recent: dict[int, tuple[Any, ...]] = {}  # per topic: the last case, for duplicates
        for offset, moment in enumerate(received):
            self._case(rng, rows, start + offset, moment, recent)
        rows.shapes.extend(
            (code, actor_kind, kind, "public" if kind in _PUBLIC else "internal", old, new)
            for (actor_kind, kind, old, new), code in self.shapes.items()
        )
        return rows

    def _case(
        self,
        rng: random.Random,
        rows: _Rows,
        number: int,
        received: int,
        recent: dict[int, tuple[Any, ...]],
    ) -> None:
        plan = self.plan
        random_ = rng.random
        case_id = plan.first_id + number
        tracking_int = plan.first_tracking_no + number
        tracking_no = str(tracking_int)
        topic_index = self.topic_table[int(random_() * len(self.topic_table))]
        topic_plan = self.topics[topic_index]
        topic = topic_plan.topic
        place = self.places[self.place_table[int(random_() * len(self.place_table))]]
        channel = self.channel_table[int(random_() * len(self.channel_table))]
        cls_weights = topic.classification
        pick = random_() * sum(cls_weights)
        classification = (
            CLASSIFICATIONS[0]
            if pick < cls_weights[0]
            else CLASSIFICATIONS[1]
            if pick < cls_weights[0] + cls_weights[1]
            else CLASSIFICATIONS[2]
        )
        secret_topic = topic.key == "pungli"
        anonymous = 1 if random_() < (0.4 if secret_topic else 0.09) else 0
        confidential = 1 if random_() < (0.3 if secret_topic else 0.04) else 0
        if topic_plan.categories:
            categories = topic_plan.categories
            # The topic's own category mostly; the others it touches now and then.
            if len(categories) == 1 or random_() < topic_plan.first_share:
                main, preferred, subs = categories[0]
            else:
                main, preferred, subs = categories[1 + int(random_() * (len(categories) - 1))]
            if preferred and random_() < 0.92:
                subcategory: str | None = preferred[int(random_() * len(preferred))]
            elif subs:
                subcategory = subs[int(random_() * len(subs))]
            else:
                subcategory = None
            category: str | None = main
        else:
            category = subcategory = None
        unit = topic_plan.units[int(random_() * len(topic_plan.units))]
        if unit == "KOTA":
            unit = place.place.unit
        if unit not in self.units_ok:
            unit = self.fallback_unit or unit
        kec, kelurahan, _number = place.kecamatan[int(random_() * len(place.kecamatan))]
        kel = kelurahan[int(random_() * len(kelurahan))]
        street = place.streets[int(random_() * len(place.streets))]
        where = {"kel": kel[0], "kec": kec[0], "kota": place.kota[0], "jalan": street[0]}
        original = recent.get(topic_index)
        history = self._history(
            rng, case_id, received, unit, channel, original, topic.replies, where
        )
        (
            status,
            unit_code,
            assignee,
            due,
            due_kind,
            auto,
            auto_kind,
            hold,
            duplicate_of,
            events,
        ) = history

        if duplicate_of is not None and original is not None:
            title, title_stem, body, body_stem, location, reporter = (
                original[3],
                original[4],
                original[5],
                original[6],
                original[7],
                original[8],
            )
        else:
            title, title_stem, body, body_stem, location = self._texts(
                rng,
                topic_plan,
                place,
                (kec, kel, street),
                classification,
                (received + self.office.offset) // DAY,
            )
            reporter = self._reporter(rng, place, channel)

        local_day = (received + self.office.offset) // DAY
        incident_date = (
            date.fromordinal(local_day - int(random_() * 20) + EPOCH_ORDINAL).isoformat()
            if random_() < 0.6
            else None
        )
        rating = None
        if status == "selesai" and random_() < 0.4:
            rating = (1, 2, 3, 3, 4, 4, 4, 5, 5, 5, 5, 5)[int(random_() * 12)]
        local_id = ulid_text(received * 1000 + int(random_() * 1000), rng.getrandbits(80))
        rows.cases.append(
            (
                case_id,
                local_id,
                tracking_no,
                None if channel in OFFICE_CHANNELS else str(tracking_int - 4_817_000),
                title,
                body,
                classification,
                category,
                subcategory,
                channel,
                location,
                incident_date,
                anonymous,
                confidential,
                status,
                unit_code,
                assignee,
                received,
                events[-1][1],
                len(events),
                due,
                due_kind,
                auto,
                auto_kind,
                hold,
                duplicate_of,
                rating,
                SOURCE,
            )
        )
        rows.reporters.append((case_id, *reporter))
        rows.search.append((case_id, title_stem, body_stem))
        rows.events.extend(events)
        recent[topic_index] = (
            case_id,
            local_id,
            tracking_no,
            title,
            title_stem,
            body,
            body_stem,
            location,
            reporter,
        )

    # -- the timeline ---------------------------------------------------------------------------

    def _officer_at(self, rng: random.Random, after: int, days: int) -> int:
        """When an officer acts `days` working days after `after`: office hours, local time."""
        offset = self.office.offset
        day = (after + offset) // DAY - self.first_day
        if day < 0 or day >= len(self.next_work):
            return after + (days + 1) * DAY
        position = self.next_work[day] + days
        if position >= len(self.work_days):
            return self.now + DAY
        moment = self.work_days[position] * DAY - offset + OPENS + int(rng.random() * OPEN_FOR)
        if moment <= after:  # the same day, but after the case came in
            moment = after + 300 + int(rng.random() * 5_400)
            if (moment + offset) % DAY > OPENS + OPEN_FOR and position + 1 < len(self.work_days):
                # too late in the day: the next working day then
                next_day = self.work_days[position + 1]
                moment = next_day * DAY - offset + OPENS + int(rng.random() * OPEN_FOR)
        return moment

    @staticmethod
    def _delay(rng: random.Random, limit: int, neglect: float = NEGLECT) -> int:
        """Working days an officer takes for a step whose legal limit is `limit` HK.

        Most steps are on time, some a few days late, and a few are left lying for months:
        the "unanswered" cases the officials want to see.
        """
        r = rng.random()
        if r < neglect:
            return limit + 20 + int(rng.random() * NEGLECT_DAYS)
        if r < 0.5:
            return 0 if r < 0.22 else 1
        if r < ON_TIME:
            return 1 + int(rng.random() * limit)
        if r < LATE_END:
            return limit + 1 + int(rng.random() * 5)
        return limit + 6 + int(rng.random() * 25)

    def _history(
        self,
        rng: random.Random,
        case_id: int,
        received: int,
        right_unit: str,
        channel: str,
        original: tuple[Any, ...] | None,
        replies: tuple[str, ...],
        where: dict[str, str],
    ) -> tuple[Any, ...]:
        """Walk one case from receipt towards `now`; its final columns and its events."""
        plan = self.plan
        now = self.now
        random_ = rng.random
        admins = plan.admins
        petugas = plan.petugas
        office = self.office
        clocks = self.clocks
        officer_at = self._officer_at
        delay = self._delay
        names = plan.unit_names

        def admin() -> str:
            return admins[int(random_() * len(admins))]

        def officer_of(unit: str | None) -> str:
            staff = petugas.get(unit or "")
            return staff[int(random_() * len(staff))] if staff else admin()

        online = channel not in OFFICE_CHANNELS
        shapes = self.shapes

        def shape(actor_kind: str, kind: str, old: str | None, new: str) -> int:
            key = (actor_kind, kind, old, new)
            code = shapes.get(key)
            if code is None:
                code = shapes[key] = len(shapes) + 1
            return code

        # Scratch event rows: (case_id, at, shape, actor_nip, unit_code, body, data).
        events: list[tuple[Any, ...]] = [
            (
                case_id,
                received,
                shape("system" if online else "officer", "received", None, "baru"),
                None if online else admin(),
                None,
                None,
                None,
            )
        ]
        status = "baru"
        unit: str | None = None
        assignee: str | None = None
        due: int | None = office.deadline(received, VERIFY_HK)
        due_kind: str | None = "verifikasi"
        auto: int | None = None
        auto_kind: str | None = None
        hold: int | None = None
        duplicate_of: int | None = None
        t = received
        wrong = random_() < WRONG_UNIT_SHARE
        held = assigned = False
        notes = 0

        def add(
            at: int,
            actor_kind: str,
            nip: str | None,
            kind: str,
            new: str,
            body: str | None = None,
            data: str | None = None,
        ) -> None:
            events.append(
                (case_id, at, shape(actor_kind, kind, status, new), nip, unit, body, data)
            )

        while True:
            force = len(events) >= 14
            if status in ("selesai", "diarsipkan"):
                if (
                    force
                    or duplicate_of is not None
                    or random_() >= (0.02 if status == "selesai" else 0.01)
                ):
                    break
                at = officer_at(rng, t, 1 + int(random_() * 10))
                if at > now:
                    break
                if status == "selesai":
                    status_new = "ditanggapi"
                    reason = REOPEN_REASONS[int(random_() * len(REOPEN_REASONS))]
                    add(at, "officer", admin(), "reopen", status_new, reason)
                    status = status_new
                    due, due_kind = clocks[unit].deadline(at, FOLLOW_UP_HK), "tindak_lanjut"
                else:
                    add(at, "officer", admin(), "restore", "baru")
                    status = "baru"
                    due, due_kind = office.deadline(at, VERIFY_HK), "verifikasi"
                auto = auto_kind = hold = None
                t = at
                continue

            if not force and notes < 2 and random_() < 0.05:
                at = officer_at(rng, t, int(random_() * 3))
                if status == "diproses" and auto is not None and at >= auto:
                    pass  # too late for a note: the window closes first
                elif status == "tunda" and auto is not None and at >= auto:
                    pass
                else:
                    if at > now:
                        break
                    on_unit = status in ("terverifikasi", "diproses", "ditanggapi")
                    nip = officer_of(unit) if on_unit and random_() < 0.8 else admin()
                    add(at, "officer", nip, "note", status, NOTES[int(random_() * len(NOTES))])
                    t = at
                    notes += 1
                    continue

            if status == "baru":
                r = 1.0 if force else random_()
                at = officer_at(rng, t, delay(rng, VERIFY_HK))
                if at > now:
                    break
                if r < HOLD_SHARE and not held:
                    hold = office.remaining(due, at) if due is not None else VERIFY_HK
                    add(
                        at,
                        "officer",
                        admin(),
                        "hold",
                        "tunda",
                        HOLD_REASONS[int(random_() * len(HOLD_REASONS))],
                    )
                    status, held = "tunda", True
                    due = due_kind = None
                    auto, auto_kind = office.deadline(at, HOLD_LIMIT_HK), "arsip_otomatis"
                elif r < HOLD_SHARE + ARCHIVE_SHARE or force:
                    data = None
                    if original is not None and original[1] is not None and random_() < 0.45:
                        duplicate_of = original[0]
                        reason = DUPLICATE_REASON.format(tracking_no=original[2])
                        data = _json({"duplicate_of": original[1]})
                    else:
                        reason = ARCHIVE_REASONS[int(random_() * len(ARCHIVE_REASONS))]
                    add(at, "officer", admin(), "archive", "diarsipkan", reason, data)
                    status = "diarsipkan"
                    due = due_kind = auto = auto_kind = hold = None
                else:
                    target = right_unit
                    if wrong:
                        others = [u for u in self.unit_list if u != right_unit]
                        target = others[int(random_() * len(others))] if others else right_unit
                    unit = target
                    add(
                        at,
                        "officer",
                        admin(),
                        "verify",
                        "terverifikasi",
                        None,
                        self.unit_data.get(target),
                    )
                    status, assignee, assigned = "terverifikasi", None, False
                    due, due_kind = clocks[unit].deadline(at, FOLLOW_UP_HK), "tindak_lanjut"
                    auto = auto_kind = hold = None
                t = at
            elif status == "tunda":
                assert auto is not None
                r = 1.0 if force else random_()
                if r < 0.45:
                    at = t + int(rng.expovariate(1 / (6 * DAY)))
                    kind = "reporter_reply"
                elif r < 0.6:
                    at = officer_at(rng, t, 1 + int(random_() * 9))
                    kind = "resume" if r < 0.53 else "archive"
                else:
                    at, kind = auto, "auto_archive"
                if at >= auto:
                    at, kind = auto, "auto_archive"
                if at > now:
                    break
                if kind == "auto_archive":
                    add(at, "system", None, kind, "diarsipkan")
                    status = "diarsipkan"
                    due = due_kind = auto = auto_kind = hold = None
                elif kind == "archive":
                    reason = ARCHIVE_REASONS[3]
                    add(at, "officer", admin(), kind, "diarsipkan", reason)
                    status = "diarsipkan"
                    due = due_kind = auto = auto_kind = hold = None
                else:
                    if kind == "reporter_reply":
                        text = COMPLETIONS[int(random_() * len(COMPLETIONS))]
                        if online:
                            add(at, "reporter", None, kind, "baru", text)
                        else:
                            add(at, "officer", admin(), kind, "baru", text)
                    else:
                        add(at, "officer", admin(), kind, "baru")
                    status = "baru"
                    due = office.deadline(at, hold if hold is not None else VERIFY_HK)
                    due_kind = "verifikasi"
                    auto = auto_kind = hold = None
                t = at
            elif status == "terverifikasi":
                assert unit is not None
                if not assigned and not force and random_() < 0.45:
                    at = officer_at(rng, t, int(random_() * 2))
                    if at > now:
                        break
                    staff = petugas.get(unit, ())
                    if staff:
                        chosen = staff[int(random_() * len(staff))]
                        nip = chosen if random_() < 0.7 else admin()
                        add(
                            at,
                            "officer",
                            nip,
                            "assign",
                            status,
                            None,
                            self.assignee_data.get(chosen),
                        )
                        assignee = chosen
                        t = at
                    assigned = True
                    continue
                at = officer_at(rng, t, delay(rng, FOLLOW_UP_HK))
                if at > now:
                    break
                p_return = 0.85 if unit != right_unit else 0.025
                if not force and random_() < p_return:
                    reason = RETURN_REASONS[int(random_() * len(RETURN_REASONS))].format(
                        unit=names.get(unit, unit)
                    )
                    add(
                        at,
                        "officer",
                        assignee or officer_of(unit),
                        "return",
                        "dikembalikan",
                        reason,
                    )
                    status = "dikembalikan"
                    due, due_kind = office.deadline(at, VERIFY_HK), "verifikasi"
                    auto = auto_kind = hold = None
                else:
                    add(
                        at,
                        "officer",
                        assignee or officer_of(unit),
                        "follow_up",
                        "diproses",
                        self._reply(rng, unit, replies, where),
                    )
                    status = "diproses"
                    due = due_kind = hold = None
                    auto = clocks[unit].deadline(at, REPORTER_WINDOW_HK)
                    auto_kind = "tutup_otomatis"
                t = at
            elif status == "dikembalikan":  # the admin often lets returned cases wait
                at = officer_at(rng, t, delay(rng, VERIFY_HK, RETURN_NEGLECT))
                if at > now:
                    break
                if force or random_() < 0.15:
                    reason = ARCHIVE_REASONS[2]
                    add(at, "officer", admin(), "archive", "diarsipkan", reason)
                    status = "diarsipkan"
                    due = due_kind = auto = auto_kind = hold = None
                else:
                    target = right_unit
                    if target == unit:  # it was the right unit after all: pick another one
                        target = next(
                            (
                                u
                                for u in ("SETDA", COORDINATING_UNIT, "PUPR")
                                if u != unit and u in self.units_ok
                            ),
                            target,
                        )
                    right_unit = target
                    unit = target
                    add(
                        at,
                        "officer",
                        admin(),
                        "dispose",
                        "terverifikasi",
                        None,
                        self.unit_data.get(target),
                    )
                    status, assignee, assigned = "terverifikasi", None, False
                    due, due_kind = clocks[unit].deadline(at, FOLLOW_UP_HK), "tindak_lanjut"
                    auto = auto_kind = hold = None
                t = at
            elif status == "diproses":
                assert auto is not None
                r = 1.0 if force else random_()
                if r < 0.32:
                    at = t + int(rng.expovariate(1 / (2 * DAY)))
                    kind = "reporter_reply"
                elif r < 0.52:
                    at = officer_at(rng, t, 1 + int(random_() * 8))
                    kind = "close"
                elif r < 0.57:
                    at = officer_at(rng, t, 2 + int(random_() * 6))
                    kind = "follow_up"
                else:
                    at, kind = auto, "auto_close"
                if at >= auto:
                    at, kind = auto, "auto_close"
                if at > now:
                    break
                if kind == "auto_close":
                    add(at, "system", None, kind, "selesai")
                    status = "selesai"
                    due = due_kind = auto = auto_kind = hold = None
                elif kind == "close":
                    nip = (assignee or officer_of(unit)) if random_() < 0.8 else admin()
                    add(at, "officer", nip, kind, "selesai")
                    status = "selesai"
                    due = due_kind = auto = auto_kind = hold = None
                elif kind == "follow_up":
                    add(
                        at,
                        "officer",
                        assignee or officer_of(unit),
                        kind,
                        "diproses",
                        self._reply(rng, unit, replies, where),
                    )
                    auto = clocks[unit].deadline(at, REPORTER_WINDOW_HK)
                else:
                    text = REPLIES_UNSOLVED[int(random_() * len(REPLIES_UNSOLVED))]
                    if online:
                        add(at, "reporter", None, kind, "ditanggapi", text)
                    else:
                        add(at, "officer", assignee or officer_of(unit), kind, "ditanggapi", text)
                    status = "ditanggapi"
                    due, due_kind = clocks[unit].deadline(at, FOLLOW_UP_HK), "tindak_lanjut"
                    auto = auto_kind = hold = None
                t = at
            elif status == "ditanggapi":
                at = officer_at(rng, t, delay(rng, FOLLOW_UP_HK))
                if at > now:
                    break
                if not force and random_() < 0.55:
                    add(
                        at,
                        "officer",
                        assignee or officer_of(unit),
                        "follow_up",
                        "diproses",
                        self._reply(rng, unit, replies, where),
                    )
                    status = "diproses"
                    due = due_kind = hold = None
                    auto = clocks[unit].deadline(at, REPORTER_WINDOW_HK)
                    auto_kind = "tutup_otomatis"
                else:
                    nip = (assignee or officer_of(unit)) if random_() < 0.85 else admin()
                    solved = REPLIES_SOLVED[int(random_() * len(REPLIES_SOLVED))]
                    add(
                        at,
                        "officer",
                        nip,
                        "close",
                        "selesai",
                        None if random_() < 0.7 else f"Pelapor menyatakan: {solved}",
                    )
                    status = "selesai"
                    due = due_kind = auto = auto_kind = hold = None
                t = at
        return (status, unit, assignee, due, due_kind, auto, auto_kind, hold, duplicate_of, events)

    def _reply(
        self, rng: random.Random, unit: str | None, replies: tuple[str, ...], where: dict[str, str]
    ) -> str:
        """A unit's follow-up: an opening, the topic's answer about the place, a closing."""
        random_ = rng.random
        opener = REPLY_OPENERS[int(random_() * len(REPLY_OPENERS))]
        closer = REPLY_CLOSERS[int(random_() * len(REPLY_CLOSERS))]
        text = replies[int(random_() * len(replies))].format(
            unit=self.plan.unit_names.get(unit or "", unit or ""), **where
        )
        return f"{opener} {text} {closer}".strip()

    # -- texts ----------------------------------------------------------------------------------

    def _texts(
        self,
        rng: random.Random,
        topic_plan: _TopicPlan,
        place: _PlaceFrags,
        spot: tuple[Frag, Frag, Frag],
        classification: str,
        day: int,
    ) -> tuple[str, str, str, str, str | None]:
        """Title, its stems, body, its stems and location; `day` is the local day of receipt."""
        random_ = rng.random
        topic = topic_plan.topic
        kec, kel, street = spot
        obj = topic.objects[int(random_() * len(topic.objects))]
        waktu = self.waktu[int(random_() * len(self.waktu))]
        tgl = self._day_frag(day)
        slot_texts = {
            "jalan": street[0],
            "kel": kel[0],
            "kec": kec[0],
            "kota": place.kota[0],
            "obj": obj[0],
            "waktu": waktu[0],
            "tgl": tgl[0],
        }
        slot_stems = {
            "jalan": street[1],
            "kel": kel[1],
            "kec": kec[1],
            "kota": place.kota[1],
            "obj": obj[1],
            "waktu": waktu[1],
            "tgl": tgl[1],
        }
        texts: list[str] = []
        stems: list[str] = []

        def one(options: Sequence[Any]) -> Any:
            return options[int(random_() * len(options))]

        def put(template: Template) -> None:
            texts.append(template[0].format_map(slot_texts))
            stem = template[1].format_map(slot_stems)
            if stem:
                stems.append(stem)

        def put_frag(item: Frag) -> None:
            texts.append(item[0])
            if item[1]:
                stems.append(item[1])

        # Title.
        if classification == "pengaduan" or random_() < 0.3:
            put(one(topic.titles))
        elif classification == "aspirasi":
            put(one(ASPIRATION_TITLES))
        else:
            put(one(INFO_TITLES))
        special = random_()
        title_special = random_() < 0.3
        if special < 3 * SPECIAL_SHARE and title_special:
            texts.append(" ")
            put_frag(one((EMOJI, MARKUP, CONTROL)[int(special / SPECIAL_SHARE)]))
        title = "".join(texts)
        title_stem = " ".join(stems)
        texts.clear()
        stems.clear()

        # Body: greeting, the matter, what it causes and what is asked, closing.
        if random_() < 0.8:
            put_frag(one(GREETINGS))
            texts.append("\n\n" if random_() < 0.5 else " ")
        if random_() < 0.6:
            put(one(INTROS))
            texts.append(" ")
        if classification == "pengaduan":
            put(one(topic.problems))
            if random_() < 0.4:
                texts.append(" ")
                put(one(SINCE))
            details = topic.details
            first = int(random_() * len(details))
            for step in range(min(len(details), 1 + int(random_() * 3))):
                texts.append(" ")
                put(details[(first + step) % len(details)])
            texts.append("\n\n" if random_() < 0.6 else " ")
            if random_() < 0.6:
                put_frag(one(IMPACTS))
                texts.append(" ")
            put_frag(one(topic.requests) if random_() < 0.5 else one(REQUESTS))
        elif classification == "aspirasi":
            put(one(topic.ideas))
            texts.append(" ")
            put_frag(one(ASPIRATION_GENERIC))
            if random_() < 0.5:
                texts.append(" ")
                put(one(topic.details))
        else:
            put(one(topic.asks))
            texts.append(" ")
            put_frag(one(INFO_GENERIC))
        if random_() < LONG_SHARE:
            texts.append("\n\n")
            put_frag(one(CHRONOLOGY_HEAD))
            lines = 25 + int(random_() * 31)
            days = sorted(day - 1 - int(random_() * 4 * lines) for _ in range(lines))
            for line_day in days:
                slot_texts["tgl"], slot_stems["tgl"] = self._day_frag(line_day)
                texts.append("\n")
                put(one(CHRONOLOGY))
        if special < 3 * SPECIAL_SHARE:
            texts.append(" " if random_() < 0.5 else "\n")
            put_frag(one((EMOJI, MARKUP, CONTROL)[int(special / SPECIAL_SHARE)]))
        if random_() < 0.85:
            texts.append("\n\n")
            put(one(CLOSINGS))
        body = "".join(texts)
        body_stem = " ".join(stems)
        location = (
            f"{street[0]}, Kel. {kel[0]}, Kec. {kec[0]}, {place.kota[0]}"
            if random_() < 0.9
            else None
        )
        return title, title_stem, body, body_stem, location

    def _reporter(
        self, rng: random.Random, place: _PlaceFrags, channel: str
    ) -> tuple[str | None, str | None, str | None, str | None, str | None]:
        random_ = rng.random
        if random_() < 0.2:  # people complain about other places than where they live
            place = self.places[self.place_table[int(random_() * len(self.place_table))]]
        female = random_() < 0.45
        first_names = FEMALE_NAMES if female else MALE_NAMES
        first = first_names[int(random_() * len(first_names))]
        surnames = FEMALE_SURNAMES if female and random_() < 0.3 else SURNAMES
        last = surnames[int(random_() * len(surnames))]
        name = f"{first} {last}" if last else first
        kec, kelurahan, number = place.kecamatan[int(random_() * len(place.kecamatan))]
        kel = kelurahan[int(random_() * len(kelurahan))]
        street = place.streets[int(random_() * len(place.streets))]
        nik = None
        if channel not in ("twitter", "sms") or random_() < 0.5:
            day = 1 + int(random_() * 28) + (40 if female else 0)
            nik = (
                f"{place.place.nik_code}{number:02d}{day:02d}{1 + int(random_() * 12):02d}"
                f"{int(random_() * 50) + 50:02d}{1 + int(random_() * 400):04d}"
            )
        phone = None
        if channel != "twitter" or random_() < 0.3:
            prefix = PHONE_PREFIXES[int(random_() * len(PHONE_PREFIXES))]
            digits = f"{int(random_() * 10**8):08d}"[: 6 + int(random_() * 3)]
            phone = f"+62{prefix[1:]}{digits}" if random_() < 0.35 else f"{prefix}{digits}"
        email = None
        if channel == "email" or (channel in ("web", "android", "ios") and random_() < 0.45):
            handle = name.lower().replace(" ", "." if random_() < 0.5 else "")
            domain = EMAIL_DOMAINS[int(random_() * len(EMAIL_DOMAINS))]
            email = f"{handle}{int(random_() * 100) if random_() < 0.6 else ''}@{domain}"
        address = (
            f"{street[0]} No. {1 + int(random_() * 120)}, RT {1 + int(random_() * 40):03d}, "
            f"Kel. {kel[0]}, Kec. {kec[0]}, {place.kota[0]}"
            if random_() < 0.8
            else None
        )
        return name, nik, phone, email, address
