"""`export_cases`: one export, from the checks to the audit entry.

The file is written beside the target under a temporary name and renamed over it only when it is
whole, in the same transaction as the audit entry that records it: a failed export leaves no half
file under the target's name, and every export that landed is in the audit log.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from db import audit, write_transaction
from db.timefmt import to_text, utc_now
from desk.clocks import office_time_zone
from desk.errors import DeskError
from desk.exporting import texts as _texts  # noqa: F401  (registers the texts)
from desk.exporting.cells import MAX_EXTRA_COLUMNS, columns
from desk.exporting.csv_file import write_csv
from desk.exporting.json_file import write_json, write_jsonl
from desk.exporting.options import (
    ExportOptions,
    ExportSummary,
    check_options,
    delimiter_for,
    format_for,
)
from desk.exporting.privacy import Privacy, privacy_for
from desk.exporting.source import (
    Selection,
    count,
    extra_keys,
    has_attachments,
    iter_cases,
    select_cases,
)
from desk.i18n import t
from desk.workflow import Actor

Progress = Callable[[int, int], None]  # (cases written so far, cases to write)


# The causes a user meets most, in their language (else the system's own words).
_REASONS = {
    errno.ENOSPC: "export.error.full",
    errno.EDQUOT: "export.error.full",
    errno.EACCES: "export.error.denied",
    errno.EPERM: "export.error.denied",
    errno.EROFS: "export.error.read_only",
}


class ExportFailed(DeskError):
    """The export file could not be written; nothing was left under the target's name."""


def export_cases(
    database: sqlite_utils.Database,
    path: str | os.PathLike[str],
    options: ExportOptions,
    *,
    actor: Actor,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ExportSummary:
    """Export the cases `options` select to `path`, as `actor` may see them.

    Raises `InvalidInput` for options that cannot be used (a `QueryError` for --query),
    `ActionRefused` when `actor` may not have personal data, `ExportFailed` when the file
    cannot be written.
    """
    check_options(options)
    target = Path(path).expanduser()
    chosen = format_for(target, options.format)
    privacy = privacy_for(options, actor)
    delimiter = delimiter_for(options.delimiter)
    office_tz = office_time_zone(database)
    conn = database.conn
    reading = not conn.in_transaction
    if reading:
        conn.execute("BEGIN")  # a long export reads one consistent moment of the database
    try:
        selection = select_cases(database, options, office_tz, actor)
        total = count(database, selection)
        temp = _temporary_beside(target)
        try:
            written = _write(
                database,
                temp,
                chosen,
                selection,
                privacy,
                actor,
                office_tz,
                delimiter,
                _reporting(progress, total),
            )
            _set_permissions(temp, shared=privacy is Privacy.PUBLIC)
        except BaseException as error:
            temp.unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise _failed(target, error) from error
            raise
    finally:
        if reading and conn.in_transaction:
            conn.execute("COMMIT")
    summary = ExportSummary(
        format=chosen,
        path=target.resolve(),
        cases=written,
        personal=privacy is Privacy.PERSONAL,
        public=privacy is Privacy.PUBLIC,
        filters=selection.description,
    )
    return _land(database, temp, target, summary, actor, now or utc_now())


def _write(
    database: sqlite_utils.Database,
    temp: Path,
    chosen: str,
    selection: Selection,
    privacy: Privacy,
    actor: Actor,
    office_tz: str,
    delimiter: str,
    report: Callable[[Iterable[list[dict[str, Any]]]], Iterator[list[dict[str, Any]]]],
) -> int:
    timeline = chosen in ("jsonl", "json")
    public = privacy is Privacy.PUBLIC
    # File names can name people: a public spreadsheet leaves them out. The column appears only
    # when some case has a file, so a desk without attachments exports what it always did.
    files = not timeline and not public and has_attachments(database, selection)
    batches = report(
        iter_cases(
            database, selection, privacy=privacy, role=actor.role, timeline=timeline, files=files
        )
    )
    if timeline:
        with temp.open("w", encoding="utf-8", newline="\n") as handle:
            return (
                write_jsonl(handle, batches) if chosen == "jsonl" else write_json(handle, batches)
            )
    keys = [] if public else extra_keys(database, selection, MAX_EXTRA_COLUMNS)
    names = columns(public=public, extra_keys=keys, attachments=files)
    if chosen == "xlsx":
        # openpyxl takes ~0.1 s to import: only the XLSX export pays for it, not every command.
        from desk.exporting.xlsx_file import write_xlsx

        return write_xlsx(temp, names, batches, office_tz)
    # The byte-order mark tells Excel the file is UTF-8 (else it reads it as the ANSI code page).
    with temp.open("w", encoding="utf-8-sig", newline="") as handle:
        return write_csv(handle, names, batches, delimiter)


def _reporting(
    progress: Progress | None, total: int
) -> Callable[[Iterable[list[dict[str, Any]]]], Iterator[list[dict[str, Any]]]]:
    def report(batches: Iterable[list[dict[str, Any]]]) -> Iterator[list[dict[str, Any]]]:
        done = 0
        if progress is not None:
            progress(0, total)
        for batch in batches:
            yield batch
            done += len(batch)
            if progress is not None:
                progress(done, total)

    return report


def _temporary_beside(target: Path) -> Path:
    """A new empty file in the target's folder (so the final rename stays on one disk)."""
    if target.is_dir():
        raise ExportFailed(t("export.error.write", path=target, reason=t("export.error.directory")))
    folder = target.parent
    if not folder.is_dir():
        reason = t("export.error.no_folder", folder=folder)
        raise ExportFailed(t("export.error.write", path=target, reason=reason))
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".part")
    except OSError as error:
        raise _failed(target, error) from error
    os.close(handle)
    return Path(name)


def _set_permissions(temp: Path, *, shared: bool) -> None:
    """An export stays readable by its owner alone (mkstemp made it 0600): even masked, it holds
    complaint texts, which name people and places, and Rahasia cases. Only a `--public` export,
    made to be published, gets the usual rights."""
    if not shared:
        return
    umask = os.umask(0o022)
    os.umask(umask)
    temp.chmod(0o666 & ~umask)


def _failed(target: Path, error: OSError) -> ExportFailed:
    key = _REASONS.get(error.errno or 0)
    reason = t(key) if key else (error.strerror or str(error))
    return ExportFailed(t("export.error.write", path=target, reason=reason))


def _land(
    database: sqlite_utils.Database,
    temp: Path,
    target: Path,
    summary: ExportSummary,
    actor: Actor,
    now: datetime,
) -> ExportSummary:
    """Record the export in the audit log and put the file in place, both or neither."""
    renamed = False
    try:
        with write_transaction(database):
            seq = audit.append(
                database,
                at=to_text(now),
                actor_nip=actor.nip,
                action="export",
                detail={**summary.as_json(), "path": str(summary.path)},
            )
            os.replace(temp, target)
            renamed = True
    except BaseException as error:
        temp.unlink(missing_ok=True)
        if renamed:  # the audit entry did not commit: take the file back
            target.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise _failed(target, error) from error
        raise
    return ExportSummary(**{**vars(summary), "audit_seq": seq})
