"""One pushed op's statements on the SQLite central store: `SqliteOps`, an `OpTransaction`.

desk/central/apply.py judges an op (and files.py an `attach`) and reaches the database only
through an `OpTransaction`; this is the SQLite one, holding the statements the central server
has always run, so that the SQLite store answers and writes exactly what it did before the
PostgreSQL store existed. The PostgreSQL one is `PgOps` in desk/central/pg_ops.py.

The caller holds the store's lock and runs each op in its own `write_transaction`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlite_utils

from db import audit, write_transaction
from desk import attachments
from desk.central import cases, files, store
from desk.central.store import Office
from desk.clocks import ReferenceData, SqliteReference
from desk.services import Applied, Plan, append_event, find_case

if TYPE_CHECKING:
    from desk.central.apply import OpRecord, Seen


class RowRefused(Exception):
    """The database refused a row (a CHECK, a unique key): the op is refused, not a 500.

    `constraint` names the constraint when the database says which (PostgreSQL does)."""

    def __init__(self, message: str, constraint: str | None = None) -> None:
        super().__init__(message)
        self.constraint = constraint


class SqliteOps:
    """The statements of one op on a SQLite central store (an `OpTransaction`)."""

    __slots__ = ("_reference", "database")

    def __init__(self, database: sqlite_utils.Database) -> None:
        self.database = database
        self._reference = SqliteReference(database)

    # The op's record ----------------------------------------------------------------------

    def claim_op(self, record: OpRecord) -> Seen | None:
        # One writer at a time: nobody can claim the id between this look and `finish_op`,
        # so the row is written once, complete, when the op has been judged.
        row = self.database.execute(
            "SELECT office, content_sha256, result FROM applied_ops WHERE op_id = ?",
            [record.op_id],
        ).fetchone()
        return (str(row[0]), str(row[1]), str(row[2])) if row is not None else None

    def finish_op(self, record: OpRecord, result: str, eff_base: int | None) -> None:
        self.database.execute(
            "INSERT INTO applied_ops (op_id, office, case_local_id, kind, base_version, eff_base, "
            "content_sha256, result, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                record.op_id,
                record.office,
                record.case_local_id,
                record.kind,
                record.base_version,
                eff_base,
                record.content_sha256,
                result,
                record.at,
            ],
        )

    def last_op(
        self, office: str, case_local_id: str, base: int
    ) -> tuple[str, str, int | None] | None:
        # An `attach` changes no version on either side: it never made a desk version.
        row = self.database.execute(
            "SELECT op_id, result, eff_base FROM applied_ops WHERE office = ? AND "
            "case_local_id = ? AND base_version = ? AND kind != 'attach' "
            "ORDER BY rowid DESC LIMIT 1",
            [office, case_local_id, base],
        ).fetchone()
        return (str(row[0]), str(row[1]), row[2]) if row is not None else None

    # Reads --------------------------------------------------------------------------------

    def officer(self, nip: str) -> tuple[str, str, str, str | None, int] | None:
        row = self.database.execute(
            "SELECT nip, name, role, unit_code, active FROM officers WHERE nip = ?", [nip]
        ).fetchone()
        return tuple(row) if row is not None else None

    def case_by_local_id(self, local_id: str) -> dict[str, Any] | None:
        row = self.database.execute(
            "SELECT id FROM cases WHERE local_id = ?", [local_id]
        ).fetchone()
        return find_case(self.database, int(row[0])) if row is not None else None

    def in_scope(self, office: Office, case_id: int) -> bool:
        return store.in_scope(self.database, office, case_id)

    def versions_since(self, case_id: int, base: int) -> list[tuple[int, int, int, int]]:
        rows = self.database.execute(
            "SELECT status, unit_code, assignee_nip, duplicate_of FROM case_versions "
            "WHERE case_id = ? AND version > ?",
            [case_id, base],
        ).fetchall()
        return [tuple(row) for row in rows]

    def case_id_of(self, reference: str) -> int | None:
        row = self.database.execute(
            "SELECT id FROM cases WHERE local_id = ? OR tracking_no = ?", [reference, reference]
        ).fetchone()
        return int(row[0]) if row is not None else None

    def reference(self) -> ReferenceData:
        return self._reference

    def case_json(self, case: dict[str, Any], office: Office) -> dict[str, Any]:
        return cases.case_json(self.database, case, office)

    def local_id_taken(self, local_id: str) -> bool:
        found = self.database.execute("SELECT 1 FROM cases WHERE local_id = ?", [local_id])
        return found.fetchone() is not None

    def provisional_taken(self, provisional_no: str) -> bool:
        found = self.database.execute(
            "SELECT 1 FROM cases WHERE provisional_no = ?", [provisional_no]
        )
        return found.fetchone() is not None

    # Writes -------------------------------------------------------------------------------

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        try:
            with write_transaction(self.database):
                yield
        except sqlite3.IntegrityError as error:  # a CHECK (bad classification...)
            raise RowRefused(str(error)) from error

    def write_plan(self, plan: Plan) -> Applied:
        # desk/services.apply_action's write: the update under the version it was judged at.
        assignments = ", ".join(f"{column} = ?" for column in plan.changes)
        self.database.execute(
            f"UPDATE cases SET {assignments} WHERE id = ? AND version = ?",
            [*plan.changes.values(), plan.case_id, plan.expected_version],
        )
        event_id = append_event(self.database, **plan.event)
        return plan.applied(find_case(self.database, plan.case_id), event_id)

    def next_tracking_no(self, first: int) -> str:
        """The next tracking number (at least `first`); the last one given is kept, so this
        is not a table scan."""
        database = self.database
        row = database.execute(
            "SELECT value FROM central_meta WHERE key = 'last_tracking_no'"
        ).fetchone()
        if row is None:
            row = database.execute(
                "SELECT max(CAST(tracking_no AS INTEGER)) FROM cases "
                "WHERE tracking_no GLOB '[0-9]*'"
            ).fetchone()
        number = max(first, int(row[0] or 0) + 1)
        # Numbers given elsewhere (an import) may have caught up: skip the ones already taken.
        while database.execute(
            "SELECT 1 FROM cases WHERE tracking_no = ?", [str(number)]
        ).fetchone():
            number += 1
        database.execute(
            "INSERT OR REPLACE INTO central_meta (key, value) VALUES ('last_tracking_no', ?)",
            [str(number)],
        )
        return str(number)

    def insert_case(self, values: dict[str, Any], reporter: list[Any] | None, office: str) -> int:
        database = self.database
        cursor = database.execute(
            f"INSERT INTO cases ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
            list(values.values()),
        )
        case_id = int(cursor.lastrowid or 0)
        if reporter is not None:
            database.execute(
                "INSERT INTO reporters (case_id, name, nik, phone, email, address) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [case_id, *reporter],
            )
        database.execute(
            "INSERT INTO case_origin (case_id, office) VALUES (?, ?)", [case_id, office]
        )
        return case_id

    def append_event(self, **fields: Any) -> int:
        return append_event(self.database, **fields)

    def append_audit(
        self,
        *,
        at: str,
        actor_nip: str | None,
        action: str,
        case_id: int | None,
        detail: dict[str, Any],
    ) -> None:
        audit.append(
            self.database,
            at=at,
            actor_nip=actor_nip,
            action=action,
            case_id=case_id,
            detail=detail,
        )

    # Attachments --------------------------------------------------------------------------

    def claimed_bytes(self, office: str, excluding: str) -> int:
        return files.claimed_bytes(self.database, office, excluding=excluding)

    def proven_by(self, office: str, sha256: str) -> str | None:
        return files.proven_by(self.database, office, sha256)

    def recorder(self, case_id: int) -> str | None:
        row = self.database.execute(
            "SELECT actor_nip FROM events WHERE case_id = ? AND kind = 'received' "
            "ORDER BY id LIMIT 1",
            [case_id],
        ).fetchone()
        return row[0] if row is not None else None

    def record_attachment(self, case_id: int, meta: dict[str, Any], at: str, by: str) -> None:
        attachments.record(self.database, case_id, meta, at=at, by=by)

    def claim_attachment(
        self, case_id: int, office: str, meta: dict[str, Any], proven: str | None
    ) -> None:
        self.database.execute(
            "INSERT INTO attachment_claims (case_id, sha256, office, size, media_type, "
            "verified_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [case_id, meta["sha256"], office, meta["size"], meta["media_type"], proven],
        )
