"""The push, the automatic moves and the attachment claims on PostgreSQL (`PgOpsPart`).

The rules are those of the SQLite store, shared: desk/central/apply.py judges every op (and
files.py an `attach`) through an `OpTransaction`; `PgOps` below is the PostgreSQL one. What
PostgreSQL adds is concurrency, several server processes on one database
(docs/central-postgresql.md, sections 2.4, 3 and 4):

- One transaction per push (READ COMMITTED, `PgBase._write`). It first locks every case the
  push names, in id order (`FOR NO KEY UPDATE`): two pushes on the same cases wait for each
  other instead of deadlocking, and an op is judged against the version committed before it,
  never applied to a base another op already moved.
- The push claims its op ids first, all in one statement: `INSERT INTO applied_ops ...
  ON CONFLICT (op_id) DO NOTHING RETURNING op_id` (`PgOps.prepare`). A twin racing it on
  another worker waits for this transaction's rows; once committed, the twin finds them and
  answers `duplicate` (or `op_reused`), as a retry does on SQLite. If this transaction rolls
  back, the twin's claim goes through and it applies the op. Never both. The same statement
  reads nothing of the answers: the ids known already, and the latest op at each op's base
  (the effective base), are read in one statement each, and the answers are written in one
  at the end (`record_answers`). An op is then one statement, its case's update and its
  event together (`write_plan`): about 30 round trips for a push of 20 notes instead of 150.
- The rules judge an action before anything of it is written, so a refused op leaves nothing
  but its recorded answer; a create and an attach, which write before they can be refused,
  write in savepoints (`PgOps.savepoint`). A deadlock or a serialization failure (two pushes
  claiming the same op ids in opposite orders) retries the whole push: nothing of it was
  committed or answered.
- Tracking numbers: one row of central_meta, updated in the create's savepoint: creates take
  numbers one after the other, and a refused create gives its number back.
- The audit entries of the transaction are appended at its end, under the change log's lock
  (pg_core.append_audit): the chain follows commit order, one chain for every worker.
- The automatic moves: one process per round (`pg_try_advisory_lock`), cases being judged by a
  push skipped until the next round (`SKIP LOCKED`), every update under the version it read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import errors, sql
from ulid import ULID

from db.timefmt import to_text
from desk.attachments import location_of
from desk.automatic import CHUNK, DUE_COLUMNS, AutomaticResult, count, plan_move
from desk.central.apply import OpRecord, Seen, judge_op, op_record
from desk.central.cases import case_wire, shows_reporter
from desk.central.digest import bucket_key
from desk.central.files import FileLimits
from desk.central.pg_base import PgBase, give_event_uids
from desk.central.pg_core import append_audit_entries
from desk.central.sqlite_ops import RowRefused
from desk.central.store_api import Office
from desk.clocks import ReferenceData
from desk.services import EVENT_ROW, Applied, Plan, event_values

log = logging.getLogger("desk.central")

Conn = psycopg.Connection[dict[str, Any]]

# The advisory lock of the automatic moves' round: the bytes "desk-aut" as a bigint.
AUTOMATIC_KEY = int.from_bytes(b"desk-aut", "big", signed=True)
# How many times a push is tried again after a deadlock or a serialization failure.
PUSH_RETRIES = 3
# The column `write_plan` reads the new event's id from, beside the case's own.
EVENT_ID = "appended_event_id"
# The latest non-attach op of an office (%s, last) at each (case, base) of two arrays, for the
# effective base (desk/central/apply.py); `result IS NULL` are the asking push's own claims,
# which it answers from memory as it judges them.
LATEST_OPS = (
    "SELECT asked.case_local_id, asked.base_version, latest.n, latest.op_id, latest.result, "
    "latest.eff_base FROM unnest(%s::text[], %s::bigint[]) AS asked (case_local_id, "
    "base_version) CROSS JOIN LATERAL (SELECT n, op_id, result, eff_base FROM applied_ops "
    "WHERE office = %s AND case_local_id = asked.case_local_id AND base_version = "
    "asked.base_version AND kind <> 'attach' AND result IS NOT NULL ORDER BY n DESC LIMIT 1) "
    "AS latest"
)


class StaleWrite(RuntimeError):
    """A case update under the version guard changed no row: the case moved under its lock,
    which the lock makes impossible; it must not go unnoticed (the push is rolled back)."""


@dataclass(frozen=True)
class AuditEntry:
    """An audit entry of the transaction, appended to the chain at its end."""

    at: str
    actor_nip: str | None
    action: str
    case_id: int | None
    detail: dict[str, Any]


def scope_condition(office: Office, case: str = "cases") -> tuple[sql.Composable, list[object]]:
    """desk/central/store.py `scope_sql` in PostgreSQL: true for the cases `office` works."""
    if office.coordinator:
        return sql.SQL("TRUE"), []
    table = sql.Identifier(case)
    condition = sql.SQL(
        "({t}.unit_code IN (SELECT unit_code FROM office_units WHERE office = %s) "
        "OR ({t}.unit_code IS NULL AND {t}.id IN "
        "(SELECT case_id FROM case_origin WHERE office = %s)))"
    ).format(t=table)
    return condition, [office.name, office.name]


class PgReference:
    """`ReferenceData` (desk/clocks.py) read in the push's transaction.

    The zones and holidays are kept for the transaction: a push of 20 ops reads them once."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self._office_zone: tuple[str | None] | None = None
        self._unit_zones: dict[str, str | None] = {}
        self._holidays: dict[str | None, list[str]] = {}

    def _one(self, query: str, params: list[Any]) -> dict[str, Any] | None:
        return self.conn.execute(query, params).fetchone()

    def office_zone(self) -> str | None:
        if self._office_zone is None:
            row = self._one("SELECT value FROM settings WHERE key = 'office_tz'", [])
            self._office_zone = (str(row["value"]) if row else None,)
        return self._office_zone[0]

    def unit_zone(self, code: str) -> str | None:
        if code not in self._unit_zones:
            row = self._one("SELECT tz FROM units WHERE code = %s", [code])
            self._unit_zones[code] = str(row["tz"]) if row else None
        return self._unit_zones[code]

    def holidays(self, unit: str | None) -> list[str]:
        if unit not in self._holidays:
            rows = self.conn.execute(
                "SELECT day FROM regional_holidays WHERE unit_code IS NULL OR unit_code = %s",
                [unit or ""],
            ).fetchall()
            self._holidays[unit] = [str(row["day"]) for row in rows]
        return self._holidays[unit]

    def active_unit(self, code: str) -> str | None:
        # SQLite's `COLLATE NOCASE` (the index on lower(code) serves it).
        row = self._one(
            "SELECT code FROM units WHERE lower(code) = lower(%s) AND active = 1", [code]
        )
        return str(row["code"]) if row else None

    def petugas_of(self, nip: str, unit: str | None) -> str | None:
        row = self._one(
            "SELECT nip FROM officers WHERE nip = %s AND unit_code IS NOT DISTINCT FROM %s "
            "AND active = 1 AND role = 'petugas'",
            [nip, unit],
        )
        return str(row["nip"]) if row else None

    def case_ref(self, reference: str | int) -> dict[str, Any] | None:
        # desk/clocks.py SqliteReference.case_ref, in PostgreSQL.
        if isinstance(reference, int):
            return self._one("SELECT * FROM cases WHERE id = %s", [reference])
        text = reference.strip().lstrip("#")
        row = self._one(
            "SELECT * FROM cases WHERE tracking_no = %s OR local_id = %s ORDER BY id LIMIT 1",
            [text, text],
        )
        if row is None and text[:2].upper() == "L-":
            row = self._one("SELECT * FROM cases WHERE provisional_no = %s", [text.upper()])
        return row


class PgOps:
    """The statements of the ops of one push on PostgreSQL (an `OpTransaction`,
    desk/central/apply.py), inside the push's transaction on `conn`."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.audit: list[AuditEntry] = []  # appended to the chain when the push commits
        self._reference = PgReference(conn)
        # Read once a push: the officers its ops name (20 notes of one officer: one read),
        # and the rows of the cases it locked (their scope is known from their unit).
        self._officers: dict[str, tuple[str, str, str, str | None, int] | None] = {}
        self._locked: dict[int, dict[str, Any]] = {}  # by id, as this transaction wrote them
        self._ids: dict[str, int] = {}  # local id -> id, for the locked cases
        # The op records of the push (`prepare`): its office; the ids it claimed, with their
        # `n`, and those it has still to judge; the first answers of the ids known (committed
        # before, or judged in this push); the latest op at each (case, base) as (n, op id,
        # answer, effective base), as stored before the push and as it judged them; the cases
        # it had locked when it read those; and the answers to record when the push ends.
        self._office = ""
        self._claimed: dict[str, int] = {}
        self._to_judge: set[str] = set()
        self._seen: dict[str, Seen] = {}
        self._latest: dict[tuple[str, int], tuple[int, str, str, int | None]] = {}
        self._read_when_locked: set[str] = set()
        self._answers: list[tuple[str, str, int | None]] = []

    def lock_cases(self, ops: list[dict[str, Any]]) -> None:
        """Lock every case the push names, in id order, before any op is judged (section 4);
        their rows are kept: no other transaction can change them until this one ends."""
        local_ids = sorted({op["c"] for op in ops if op["k"] != "create"})
        if local_ids:
            rows = self.conn.execute(
                "SELECT * FROM cases WHERE local_id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",
                [local_ids],
            ).fetchall()
            for row in rows:
                self._keep(row)

    def _keep(self, row: dict[str, Any]) -> None:
        self._locked[int(row["id"])] = row
        self._ids[str(row["local_id"])] = int(row["id"])

    def _one(self, query: str | sql.Composed, params: list[Any]) -> dict[str, Any] | None:
        return self.conn.execute(query, params).fetchone()

    # The op's record ----------------------------------------------------------------------

    def prepare(self, office: str, records: list[OpRecord]) -> None:
        """Claim the push's op ids in one statement, then read the first answers of the ids
        known already and, for each op, the office's latest op at the version before its base
        (the effective base): `claim_op` and `last_op` answer from these and from what the
        push judges, instead of two statements an op (design, section 3). Call it once the
        push's cases are locked."""
        self._office = office
        first: dict[str, OpRecord] = {}
        for record in records:  # an id twice in the push: claimed as its first comes
            first.setdefault(record.op_id, record)
        claimed = self.conn.execute(
            "INSERT INTO applied_ops (op_id, office, case_local_id, kind, base_version, "
            "content_sha256, at) SELECT op_id, %s, case_local_id, kind, base_version, "
            "content_sha256, at FROM unnest(%s::text[], %s::text[], %s::text[], %s::bigint[], "
            "%s::text[], %s::text[]) WITH ORDINALITY AS pushed (op_id, case_local_id, kind, "
            "base_version, content_sha256, at, place) ORDER BY place "  # `n` in push order
            "ON CONFLICT (op_id) DO NOTHING RETURNING op_id, n",
            [
                office,
                list(first),
                [r.case_local_id for r in first.values()],
                [r.kind for r in first.values()],
                [r.base_version for r in first.values()],
                [r.content_sha256 for r in first.values()],
                [r.at for r in first.values()],
            ],
        ).fetchall()
        self._claimed = {str(row["op_id"]): int(row["n"]) for row in claimed}
        self._to_judge = set(self._claimed)
        known = [op_id for op_id in first if op_id not in self._to_judge]
        if known:
            # Committed by another push: this statement's snapshot is taken after the claim
            # waited for it (a twin racing this push on another worker).
            for row in self.conn.execute(
                "SELECT op_id, office, content_sha256, result FROM applied_ops "
                "WHERE op_id = ANY(%s)",
                [known],
            ):
                if row["result"] is None:  # pragma: no cover - the unique key says not
                    raise RuntimeError(f"op {row['op_id']} is claimed but has no answer")
                self._seen[row["op_id"]] = (row["office"], row["content_sha256"], row["result"])
        # The effective base's look-up for every op on a case this push holds locked: no
        # other push can record an op of this office on it meanwhile. An op on a case that
        # did not exist when the push locked its cases (created since) looks it up when it is
        # judged (`last_op`).
        self._read_when_locked = set(self._ids)
        bases = {
            (r.case_local_id, r.base_version - 1)
            for r in records
            if r.kind != "create" and r.case_local_id in self._read_when_locked
        }
        if bases:
            for row in self.conn.execute(
                LATEST_OPS, [[c for c, _ in bases], [b for _, b in bases], office]
            ):
                self._remember(row)

    def claim_op(self, record: OpRecord) -> Seen | None:
        if record.op_id in self._to_judge:
            self._to_judge.discard(record.op_id)  # judged now; the same id again is known
            return None
        seen = self._seen.get(record.op_id)
        if seen is None:
            raise RuntimeError(f"op {record.op_id} was not prepared")
        return seen

    def _remember(self, row: dict[str, Any]) -> None:
        """Keep an op of `LATEST_OPS` (or judged in this push) if it is the latest at its key:
        the highest `n`, as SQLite's latest rowid."""
        key = (str(row["case_local_id"]), int(row["base_version"]))
        kept = self._latest.get(key)
        if kept is None or int(row["n"]) > kept[0]:
            self._latest[key] = (
                int(row["n"]),
                str(row["op_id"]),
                str(row["result"]),
                row["eff_base"],
            )

    def finish_op(self, record: OpRecord, result: str, eff_base: int | None) -> None:
        self._answers.append((record.op_id, result, eff_base))
        self._seen[record.op_id] = (record.office, record.content_sha256, result)
        if record.kind != "attach":
            self._remember(
                {
                    "case_local_id": record.case_local_id,
                    "base_version": record.base_version,
                    "n": self._claimed[record.op_id],
                    "op_id": record.op_id,
                    "result": result,
                    "eff_base": eff_base,
                }
            )

    def record_answers(self) -> None:
        """Write the answers of the ops the push judged, in one statement."""
        if self._to_judge:  # pragma: no cover - every claimed op is judged before this
            raise RuntimeError(f"ops claimed and not judged: {sorted(self._to_judge)}")
        if not self._answers:
            return
        ids, results, bases = zip(*self._answers, strict=True)
        written = self.conn.execute(
            "UPDATE applied_ops SET result = answer.result, eff_base = answer.eff_base "
            "FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS answer (op_id, result, "
            "eff_base) WHERE applied_ops.op_id = answer.op_id",
            [list(ids), list(results), list(bases)],
        )
        if written.rowcount != len(self._answers):  # pragma: no cover - claimed above
            raise RuntimeError("an op's answer found no claim to record it on")
        self._answers.clear()

    def last_op(
        self, office: str, case_local_id: str, base: int
    ) -> tuple[str, str, int | None] | None:
        if office != self._office:  # pragma: no cover - the rules ask for the push's office
            raise ValueError(f"a push of {self._office} asked for an op of {office}")
        if case_local_id not in self._read_when_locked:
            # Not read by `prepare`: what is recorded now, beside what this push judged.
            for row in self.conn.execute(LATEST_OPS, [[case_local_id], [base], office]):
                self._remember(row)
        kept = self._latest.get((case_local_id, base))
        return None if kept is None else kept[1:]

    # Reads --------------------------------------------------------------------------------

    def officer(self, nip: str) -> tuple[str, str, str, str | None, int] | None:
        if nip not in self._officers:
            row = self._one(
                "SELECT nip, name, role, unit_code, active FROM officers WHERE nip = %s", [nip]
            )
            self._officers[nip] = (
                None
                if row is None
                else (row["nip"], row["name"], row["role"], row["unit_code"], row["active"])
            )
        return self._officers[nip]

    def case_by_local_id(self, local_id: str) -> dict[str, Any] | None:
        # Locked already with the push's other cases; taken again (a no-op) so that the row
        # read is the one the lock protects.
        case_id = self._ids.get(local_id)
        if case_id is not None:
            return dict(self._locked[case_id])
        row = self._one("SELECT * FROM cases WHERE local_id = %s FOR NO KEY UPDATE", [local_id])
        if row is not None:
            self._keep(row)
            return dict(row)
        return None

    def in_scope(self, office: Office, case_id: int) -> bool:
        if office.coordinator:
            return True
        row = self._locked.get(case_id)
        if row is not None and row["unit_code"] is not None:
            # A case with a unit is in the scope of the offices of that unit (a unit-less one
            # needs its origin, below); the row is locked: its unit cannot change meanwhile.
            return row["unit_code"] in office.units
        condition, params = scope_condition(office)
        query = sql.SQL("SELECT 1 AS found FROM cases WHERE id = %s AND {}").format(condition)
        return self._one(query, [case_id, *params]) is not None

    def versions_since(self, case_id: int, base: int) -> list[tuple[int, int, int, int]]:
        rows = self.conn.execute(
            "SELECT status, unit_code, assignee_nip, duplicate_of FROM case_versions "
            "WHERE case_id = %s AND version > %s",
            [case_id, base],
        ).fetchall()
        return [
            (row["status"], row["unit_code"], row["assignee_nip"], row["duplicate_of"])
            for row in rows
        ]

    def case_id_of(self, reference: str) -> int | None:
        row = self._one(
            "SELECT id FROM cases WHERE local_id = %s OR tracking_no = %s ORDER BY id LIMIT 1",
            [reference, reference],
        )
        return int(row["id"]) if row is not None else None

    def reference(self) -> ReferenceData:
        return self._reference

    def case_json(self, case: dict[str, Any], office: Office) -> dict[str, Any]:
        # cases.case_wire, with its two look-ups in PostgreSQL.
        duplicate_ref = None
        if case.get("duplicate_of") is not None:
            row = self._one(
                "SELECT coalesce(tracking_no, local_id) AS label FROM cases WHERE id = %s",
                [case["duplicate_of"]],
            )
            duplicate_ref = row["label"] if row is not None else None
        reporter = None
        if shows_reporter(case, office):
            reporter = self._one(
                "SELECT name, nik, phone, email, address FROM reporters WHERE case_id = %s",
                [case["id"]],
            )
        return case_wire(case, office, duplicate_ref, reporter)

    def local_id_taken(self, local_id: str) -> bool:
        return self._one("SELECT 1 AS found FROM cases WHERE local_id = %s", [local_id]) is not None

    def provisional_taken(self, provisional_no: str) -> bool:
        row = self._one("SELECT 1 AS found FROM cases WHERE provisional_no = %s", [provisional_no])
        return row is not None

    # Writes -------------------------------------------------------------------------------

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        # What a savepoint holds (a create, an attach) writes no case row this push keeps:
        # the kept rows change only in `write_plan`, which no savepoint holds.
        kept = len(self.audit)
        try:
            with self.conn.transaction():
                yield
        except BaseException as error:
            del self.audit[kept:]  # the entries of what was undone
            if isinstance(error, errors.IntegrityError):
                raise RowRefused(str(error).strip(), error.diag.constraint_name) from error
            raise

    def write_plan(self, plan: Plan) -> Applied:
        # The case's update under its version and its event, in one statement: a round trip
        # an op. No row of the update, no event: the version guard raises below.
        assignments = sql.SQL(", ").join(
            sql.SQL("{} = %s").format(sql.Identifier(column)) for column in plan.changes
        )
        event = event_values(**plan.event)
        row = self._one(
            sql.SQL(
                "WITH updated AS (UPDATE cases SET {} WHERE id = %s AND version = %s "
                "RETURNING *), appended AS (INSERT INTO events ({}) SELECT {} FROM updated "
                "RETURNING id) SELECT updated.*, appended.id AS {} FROM updated, appended"
            ).format(
                assignments,
                sql.SQL(", ").join(map(sql.Identifier, EVENT_ROW)),
                sql.SQL(", ").join(sql.Placeholder() * len(event)),
                sql.Identifier(EVENT_ID),
            ),
            [*plan.changes.values(), plan.case_id, plan.expected_version, *event],
        )
        if row is None:
            raise StaleWrite(f"case {plan.case_id} is no longer at version {plan.expected_version}")
        event_id = int(row.pop(EVENT_ID))
        self._keep(row)
        return plan.applied(row, event_id)

    def next_tracking_no(self, first: int) -> str:
        # The last number given, in one row: the update locks it until the push commits, so
        # creates on other workers take theirs after this one (the savepoint gives it back).
        take = (
            "UPDATE central_meta SET value = greatest(value::bigint + 1, %s)::text "
            "WHERE key = 'last_tracking_no' RETURNING value"
        )
        row = self._one(take, [first])
        if row is None:  # the first create of this store: start after any number given
            self.conn.execute(
                "INSERT INTO central_meta (key, value) SELECT 'last_tracking_no', "
                "coalesce(max(substring(tracking_no FROM '^[0-9]+')::bigint), 0)::text "
                "FROM cases WHERE tracking_no ~ '^[0-9]' ON CONFLICT (key) DO NOTHING"
            )
            row = self._one(take, [first])
            assert row is not None
        number = int(row["value"])
        # Numbers given elsewhere (an import) may have caught up: skip the ones already taken.
        start = number
        while self._one("SELECT 1 AS found FROM cases WHERE tracking_no = %s", [str(number)]):
            number += 1
        if number != start:
            self.conn.execute(
                "UPDATE central_meta SET value = %s WHERE key = 'last_tracking_no'", [str(number)]
            )
        return str(number)

    def insert_case(self, values: dict[str, Any], reporter: list[Any] | None, office: str) -> int:
        row_values = {**values, "bucket": bucket_key(values["local_id"])}
        columns = sql.SQL(", ").join(map(sql.Identifier, row_values))
        marks = sql.SQL(", ").join(sql.Placeholder() * len(row_values))
        row = self._one(
            sql.SQL("INSERT INTO cases ({}) VALUES ({}) RETURNING id").format(columns, marks),
            list(row_values.values()),
        )
        assert row is not None
        case_id = int(row["id"])
        if reporter is not None:
            self.conn.execute(
                "INSERT INTO reporters (case_id, name, nik, phone, email, address) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [case_id, *reporter],
            )
        self.conn.execute(
            "INSERT INTO case_origin (case_id, office) VALUES (%s, %s)", [case_id, office]
        )
        return case_id

    def append_event(self, **fields: Any) -> int:
        # services.append_event's row, in PostgreSQL.
        values = event_values(**fields)
        row = self._one(
            f"INSERT INTO events ({', '.join(EVENT_ROW)}) "
            f"VALUES ({', '.join(['%s'] * len(values))}) RETURNING id",
            values,
        )
        assert row is not None
        return int(row["id"])

    def append_audit(
        self,
        *,
        at: str,
        actor_nip: str | None,
        action: str,
        case_id: int | None,
        detail: dict[str, Any],
    ) -> None:
        self.audit.append(AuditEntry(at, actor_nip, action, case_id, detail))

    def commit_audit(self) -> None:
        """Append the transaction's audit entries to the chain: the push's last writes."""
        if self.audit:
            append_audit_entries(
                self.conn,
                [(e.at, e.actor_nip, e.action, e.case_id, e.detail) for e in self.audit],
            )
        self.audit.clear()

    # Attachments --------------------------------------------------------------------------

    def claimed_bytes(self, office: str, excluding: str) -> int:
        row = self._one(
            "SELECT coalesce(sum(size), 0) AS used FROM (SELECT sha256, max(size) AS size "
            "FROM attachment_claims WHERE office = %s AND sha256 <> %s GROUP BY sha256) AS kept",
            [office, excluding],
        )
        return int(row["used"]) if row is not None else 0

    def proven_by(self, office: str, sha256: str) -> str | None:
        return _proven_by(self.conn, office, sha256)

    def recorder(self, case_id: int) -> str | None:
        row = self._one(
            "SELECT actor_nip FROM events WHERE case_id = %s AND kind = 'received' "
            "ORDER BY id LIMIT 1",
            [case_id],
        )
        return row["actor_nip"] if row is not None else None

    def record_attachment(self, case_id: int, meta: dict[str, Any], at: str, by: str) -> None:
        # Inserted only when missing (no id drawn for a content the case has: ids stay those
        # SQLite would give); the unique key is what keeps it one row.
        self.conn.execute(
            "INSERT INTO attachments (case_id, name, size, sha256, media_type, location, "
            "added_at, added_by) SELECT %s, %s, %s, %s, %s, %s, %s, %s WHERE NOT EXISTS "
            "(SELECT 1 FROM attachments WHERE case_id = %s AND sha256 = %s) "
            "ON CONFLICT (case_id, sha256) DO NOTHING",
            [
                case_id,
                meta["name"],
                meta["size"],
                meta["sha256"],
                meta["media_type"],
                location_of(meta["sha256"]),
                at,
                by,
                case_id,
                meta["sha256"],
            ],
        )

    def claim_attachment(
        self, case_id: int, office: str, meta: dict[str, Any], proven: str | None
    ) -> None:
        self.conn.execute(
            "INSERT INTO attachment_claims (case_id, sha256, office, size, media_type, "
            "verified_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            [case_id, meta["sha256"], office, meta["size"], meta["media_type"], proven],
        )


def _proven_by(conn: Conn, office: str, sha256: str) -> str | None:
    row = conn.execute(
        "SELECT min(verified_at) AS proven FROM attachment_claims "
        "WHERE office = %s AND sha256 = %s",
        [office, sha256],
    ).fetchone()
    return str(row["proven"]) if row and row["proven"] else None


class PgOpsPart(PgBase):
    """The push, the automatic moves and the attachment claims of `PgStore`."""

    # The push ------------------------------------------------------------------------------

    def apply_ops(
        self,
        office: Office,
        ops: list[dict[str, Any]],
        clock: Callable[[], datetime],
        request: frozenset[str],
        limits: FileLimits,
    ) -> list[dict[str, Any]]:
        for attempt in range(PUSH_RETRIES + 1):
            try:
                return self._push(office, ops, clock, request, limits)
            except (errors.DeadlockDetected, errors.SerializationFailure) as error:
                if attempt == PUSH_RETRIES:
                    raise
                log.info("push of %s tried again: %s", office.name, type(error).__name__)
        raise AssertionError("unreachable")  # pragma: no cover

    def _push(
        self,
        office: Office,
        ops: list[dict[str, Any]],
        clock: Callable[[], datetime],
        request: frozenset[str],
        limits: FileLimits,
    ) -> list[dict[str, Any]]:
        with self._write() as conn:
            tx = PgOps(conn)
            tx.lock_cases(ops)
            now = clock()  # read once the cases are ours: times follow the order of commits
            records = [op_record(op, office, now) for op in ops]
            tx.prepare(office.name, records)
            results = [
                judge_op(tx, office, op, now, request, limits, record)
                for op, record in zip(ops, records, strict=True)
            ]
            tx.record_answers()
            tx.commit_audit()
        return results

    # The automatic moves -------------------------------------------------------------------

    def run_automatic(self, clock: Callable[[], datetime]) -> AutomaticResult | None:
        with self.pool.connection() as conn:
            conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
            conn.read_only = False
            with conn.transaction():
                row = conn.execute("SELECT pg_try_advisory_lock(%s) AS got", [AUTOMATIC_KEY])
                got = row.fetchone()
            if not got or not got["got"]:
                return None  # another process runs this round
            try:
                result = _automatic_round(conn, to_text(clock()))
                give_event_uids(conn)  # as SQLite's round ends: a desk needs every uid
                return result
            finally:
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_unlock(%s)", [AUTOMATIC_KEY])

    # Attachments ---------------------------------------------------------------------------

    def upload_claim(self, office: Office, sha256: str) -> int | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT max(size) AS size FROM attachment_claims WHERE office = %s AND sha256 = %s",
                [office.name, sha256],
            ).fetchone()
        return int(row["size"]) if row and row["size"] is not None else None

    def proven_by(self, office: str, sha256: str) -> str | None:
        with self._read() as conn:
            return _proven_by(conn, office, sha256)

    def declared_media_type(self, office: Office, sha256: str) -> str:
        with self._read() as conn:
            row = conn.execute(
                "SELECT media_type FROM attachment_claims WHERE office = %s AND sha256 = %s "
                "LIMIT 1",
                [office.name, sha256],
            ).fetchone()
        return str(row["media_type"]) if row else ""

    def readable_size(self, office: Office, sha256: str) -> int | None:
        condition, params = scope_condition(office)
        query = sql.SQL(
            "SELECT attachments.size FROM attachments JOIN cases ON cases.id = attachments.case_id "
            "WHERE attachments.sha256 = %s AND {} AND ("
            "NOT EXISTS (SELECT 1 FROM attachment_claims k WHERE k.case_id = attachments.case_id "
            "AND k.sha256 = attachments.sha256) OR EXISTS (SELECT 1 FROM attachment_claims k "
            "WHERE k.case_id = attachments.case_id AND k.sha256 = attachments.sha256 "
            "AND k.verified_at IS NOT NULL)) LIMIT 1"
        ).format(condition)
        with self._read() as conn:
            row = conn.execute(query, [sha256, *params]).fetchone()
        return int(row["size"]) if row else None

    def visible(self, office: Office, sha256: str) -> bool:
        condition, params = scope_condition(office)
        query = sql.SQL(
            "SELECT 1 AS found FROM attachments JOIN cases ON cases.id = attachments.case_id "
            "WHERE attachments.sha256 = %s AND {} LIMIT 1"
        ).format(condition)
        with self._read() as conn:
            return conn.execute(query, [sha256, *params]).fetchone() is not None

    def mark_proven(self, office: str, sha256: str, at: str) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE attachment_claims SET verified_at = %s WHERE office = %s AND sha256 = %s "
                "AND verified_at IS NULL",
                [at, office, sha256],
            )


def _automatic_round(conn: Conn, at: str) -> AutomaticResult:
    """desk/automatic.py apply_automatic_transitions on PostgreSQL, `CHUNK` cases a
    transaction; the moved cases' events get uids at once (no later `fill_event_uids`)."""
    result = AutomaticResult()
    columns = sql.SQL(", ").join(map(sql.Identifier, DUE_COLUMNS))
    query = sql.SQL(
        "SELECT {} FROM cases WHERE auto_at IS NOT NULL AND auto_at <= %s "
        "ORDER BY auto_at, id LIMIT %s FOR NO KEY UPDATE SKIP LOCKED"
    ).format(columns)  # ties in id order, as SQLite's index on auto_at gives them
    while True:
        with conn.transaction():
            due = conn.execute(query, [at, CHUNK]).fetchall()
            tx = PgOps(conn)
            for row in due:
                move = plan_move(row, at)
                if move is None:  # stale clock: clear it, move nothing
                    conn.execute(
                        "UPDATE cases SET auto_at = NULL, auto_kind = NULL WHERE id = %s",
                        [row["id"]],
                    )
                    continue
                assignments = sql.SQL(", ").join(
                    sql.SQL("{} = %s").format(sql.Identifier(column)) for column in move.changes
                )
                updated = conn.execute(
                    sql.SQL("UPDATE cases SET {} WHERE id = %s AND version = %s").format(
                        assignments
                    ),
                    [*move.changes.values(), move.case_id, move.version],
                )
                if updated.rowcount != 1:
                    raise StaleWrite(f"case {move.case_id} is no longer at version {move.version}")
                tx.append_event(**move.event, uid=str(ULID()))
                tx.append_audit(**move.audit)
                count(result, move)
            tx.commit_audit()
        # Cases a push holds were skipped: they stay due, and the next round moves them.
        if len(due) < CHUNK:
            return result
