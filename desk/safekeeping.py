"""Backups and restores of a desk database, and reading the audit trail.

Both use SQLite's online backup API: a backup is a consistent copy even while desks are open and
writing (it copies a snapshot, page by page); a restore writes into the live database through the
same API, so open desks see the restored content instead of a file swapped under them.
Only an admin may back up (a backup holds every reporter's personal data) or restore.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from db import audit, open_database
from db.migrations import CURRENT_VERSION
from db.timefmt import to_text, utc_now
from desk.errors import ActionRefused, InvalidInput
from desk.i18n import extend, role_label, t
from desk.workflow import Actor, Role

extend(
    {
        "safe.need_admin": (
            "Hanya admin yang boleh {action} (Anda: {role}).",
            "Only an admin may {action} (you are: {role}).",
        ),
        "safe.action.backup": ("membuat cadangan", "make a backup"),
        "safe.action.restore": ("memulihkan cadangan", "restore a backup"),
        "safe.audit_readers": (
            "Hanya admin dan pimpinan yang boleh membaca log audit (Anda: {role}).",
            "Only admins and heads may read the audit log (you are: {role}).",
        ),
        "safe.exists": (
            "{path} sudah ada: pilih nama lain atau pakai --force untuk menimpanya.",
            "{path} already exists: choose another name or use --force to replace it.",
        ),
        "safe.no_backup": ("Tidak ada berkas cadangan di {path}.", "No backup file at {path}."),
        "safe.damaged": (
            "{path} rusak ({detail}): basis data tidak diubah.",
            "{path} is damaged ({detail}): the database was not changed.",
        ),
        "safe.not_desk": (
            "{path} bukan cadangan desk (tidak ada tabel kasus): basis data tidak diubah.",
            "{path} is not a desk backup (no cases table): the database was not changed.",
        ),
        "safe.too_new": (
            "{path} berasal dari desk yang lebih baru (skema {version}, desk ini {known}): "
            "perbarui desk dulu.",
            "{path} comes from a newer desk (schema {version}, this desk {known}): upgrade "
            "desk first.",
        ),
        "safe.same_file": (
            "Cadangan dan basis data adalah berkas yang sama.",
            "The backup and the database are the same file.",
        ),
    }
)


def _require_admin(actor: Actor | None, action_key: str, database: sqlite_utils.Database) -> None:
    has_officers = database.execute("SELECT 1 FROM officers LIMIT 1").fetchone() is not None
    if has_officers and (actor is None or actor.role is not Role.ADMIN):
        role = role_label(actor.role.value) if actor else "-"
        raise ActionRefused(t("safe.need_admin", action=t(action_key), role=role))


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    cases: int


def backup(
    database: sqlite_utils.Database,
    actor: Actor | None,
    target: Path,
    *,
    force: bool = False,
    now: datetime | None = None,
) -> BackupResult:
    """Copy the database to `target`, consistent even while desks write to it."""
    now = now or utc_now()
    _require_admin(actor, "safe.action.backup", database)
    target = target.expanduser()
    if target.exists() and not force:
        raise InvalidInput(t("safe.exists", path=target))
    # Written beside the target and renamed at the end: a failed backup never leaves a half
    # file under the name an admin will later restore from.
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    copy = sqlite3.connect(partial)
    try:
        database.conn.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        cases = int(copy.execute("SELECT count(*) FROM cases").fetchone()[0])
    except BaseException:
        copy.close()
        partial.unlink(missing_ok=True)
        raise
    copy.close()
    os.replace(partial, target)
    audit.append(
        database,
        at=to_text(now),
        actor_nip=actor.nip if actor else None,
        action="backup",
        detail={"path": str(target), "cases": cases},
    )
    return BackupResult(target, target.stat().st_size, cases)


def check_backup(path: Path) -> int:
    """The backup's schema version, after checking that it is whole and a desk database."""
    if not path.is_file():
        raise InvalidInput(t("safe.no_backup", path=path))
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [row[0] for row in source.execute("PRAGMA integrity_check").fetchall()]
            tables = {
                row[0]
                for row in source.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            version = int(source.execute("PRAGMA user_version").fetchone()[0])
        finally:
            source.close()
    except sqlite3.DatabaseError as error:
        raise InvalidInput(t("safe.damaged", path=path, detail=error)) from None
    if result != ["ok"]:
        raise InvalidInput(t("safe.damaged", path=path, detail="; ".join(result[:3])))
    if "cases" not in tables:
        raise InvalidInput(t("safe.not_desk", path=path))
    if version > CURRENT_VERSION:
        raise InvalidInput(t("safe.too_new", path=path, version=version, known=CURRENT_VERSION))
    return version


def restore(
    database: sqlite_utils.Database,
    actor: Actor | None,
    source_path: Path,
    *,
    keep_copy: Path,
    now: datetime | None = None,
) -> int:
    """Replace the database's content with a checked backup; the current content is first
    saved to `keep_copy`. Returns the number of cases restored."""
    now = now or utc_now()
    _require_admin(actor, "safe.action.restore", database)
    source_path = source_path.expanduser()
    here = database.execute("PRAGMA database_list").fetchone()[2]
    if here and Path(here).resolve() == source_path.resolve():
        raise InvalidInput(t("safe.same_file", path=source_path))
    check_backup(source_path)
    backup(database, actor, keep_copy, now=now)
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    try:
        source.backup(database.conn)
    finally:
        source.close()
    # The restored content may be an older schema: bring it up to this desk's.
    restored = open_database(Path(here)) if here else database
    cases = int(restored.execute("SELECT count(*) FROM cases").fetchone()[0])
    audit.append(
        restored,
        at=to_text(now),
        actor_nip=actor.nip if actor else None,
        action="restore",
        detail={"from": str(source_path), "previous_saved_to": str(keep_copy), "cases": cases},
    )
    if restored is not database:
        restored.conn.close()
    return cases


def audit_entries(
    database: sqlite_utils.Database,
    actor: Actor,
    *,
    case_id: int | None = None,
    officer_nip: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The latest audit entries, newest first: admins and heads only (it names officers)."""
    if actor.role is Role.PETUGAS:
        raise ActionRefused(t("safe.audit_readers", role=role_label(actor.role.value)))
    clauses: list[str] = []
    params: list[Any] = []
    if case_id is not None:
        clauses.append("a.case_id = ?")
        params.append(case_id)
    if officer_nip is not None:
        clauses.append("a.actor_nip = ?")
        params.append(officer_nip)
    where = " AND ".join(clauses) or "1"
    rows = database.query(
        "SELECT a.seq, a.at, a.actor_nip, o.name AS actor_name, a.action, a.case_id, "
        "c.tracking_no, a.detail FROM audit_log AS a "
        "LEFT JOIN officers AS o ON o.nip = a.actor_nip "
        f"LEFT JOIN cases AS c ON c.id = a.case_id WHERE {where} ORDER BY a.seq DESC LIMIT ?",
        [*params, limit],
    )
    entries = []
    for row in rows:
        row["detail"] = json.loads(row["detail"] or "{}")
        entries.append(row)
    return entries
