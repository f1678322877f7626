"""`desk import`: load complaints from CSV/TSV, XLSX, JSON and JSON Lines files into a database.

`import_files` is the whole service: it checks the officer may import (an admin, once the
database has officers; a refusal is audited), reads every file (`readers`), turns each record
into a case or a row error (`rows`), upserts the cases chunk by chunk (`upsert`), each chunk with
its audit entry in its own transaction, writes the rejected rows to an errors CSV and appends
one audit entry per file. docs/import.md says what each rule is and why.
"""

from __future__ import annotations

import codecs
import gc
import json
import os
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import sqlite_utils

import desk.importing.texts  # noqa: F401  (registers the texts)
from db import audit, bulk_load, write_transaction
from db.connection import database_path, open_private
from db.search_index import merge_search_index
from db.timefmt import to_text, utc_now
from desk.errors import ActionRefused, DeskError
from desk.i18n import role_label, t
from desk.importing.columns import ambiguous_fields, parse_map
from desk.importing.parallel import prepared_rows, use_reader_process, worker_setup
from desk.importing.readers import (
    FORMATS,
    FileInfo,
    FileUnreadable,
    UnknownKeyColumn,
    inspect,
    records,
)
from desk.importing.rows import CaseRow, RowError, RowReader
from desk.importing.upsert import ChunkResult, Upserter
from desk.importing.values import Categories
from desk.officers import may_keep_desk
from desk.safety import sheet_csv_writer
from desk.workflow import Actor

__all__ = [
    "BadImportOptions",
    "FileUnreadable",
    "ImportOptions",
    "ImportSummary",
    "UnknownKeyColumn",
    "check_options",
    "import_files",
]

DEFAULT_CHUNK = 5_000
# While importing, the WAL is copied into the database every 50,000 pages (~200 MB) rather than
# every 1,000: the index and search pages a chunk rewrites are then copied once, not per chunk.
# Each chunk is still committed whole (a killed import keeps whole chunks), see bench/README.md.
WAL_CHECKPOINT_PAGES = 50_000
# A file of at least this many rows, more than the database has cases, is bulk loaded: the
# secondary indexes of cases, events and reporters are dropped and built again at the end
# (db/bulk_load.py), when that is cheaper than keeping them up to date row by row.
BULK_MIN_ROWS = 100_000
# After an import that brought at least this many new cases, the search index is merged.
MERGE_SEARCH_FROM = 10_000


def bulk_min_rows() -> int:
    """$DESK_IMPORT_BULK_MIN (tests bulk load small files), else `BULK_MIN_ROWS`."""
    try:
        return max(1, int(os.environ.get("DESK_IMPORT_BULK_MIN", BULK_MIN_ROWS)))
    except ValueError:
        return BULK_MIN_ROWS


GC_EVERY = 20_000  # new objects between two collections of the youngest generation

SHOWN_ERRORS = 10  # rejected rows listed on screen; the CSV has all of them


def default_chunk_size() -> int:
    """Rows per transaction: $DESK_IMPORT_CHUNK (tests use small chunks), else 5,000."""
    try:
        return max(1, int(os.environ.get("DESK_IMPORT_CHUNK", DEFAULT_CHUNK)))
    except ValueError:
        return DEFAULT_CHUNK


class BadImportOptions(DeskError):
    """Options that cannot be used (exit status 2)."""


class _Abort(Exception):
    """--on-error abort met a bad row: the file's transaction is rolled back."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ImportOptions:
    format: str | None = None  # csv, tsv, xlsx, json, jsonl; None: detected
    encoding: str | None = None  # None: detected
    sheet: str | None = None
    mapping: Sequence[str] = ()  # --map "Header=field"
    strict_units: bool = False
    on_error: str = "skip"  # or "abort"
    errors_path: Path | None = None
    dry_run: bool = False
    chunk_size: int = field(default_factory=default_chunk_size)


@dataclass
class RejectedRow:
    file: str
    row: int
    column: str
    value: str
    reason: str


@dataclass
class FileSummary:
    path: str
    format: str
    encoding: str | None
    sha256: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    masked: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    # Of them, headers that could mean several fields: {header: the fields}, not read as any.
    ambiguous_columns: dict[str, list[str]] = field(default_factory=dict)
    aborted: str | None = None


@dataclass
class ImportSummary:
    files: list[FileSummary] = field(default_factory=list)
    units_created: list[str] = field(default_factory=list)
    unknown_categories: list[str] = field(default_factory=list)
    errors_path: str | None = None
    first_errors: list[RejectedRow] = field(default_factory=list)
    dry_run: bool = False
    seconds: float = 0.0

    def total(self, name: str) -> int:
        return sum(int(getattr(summary, name)) for summary in self.files)

    @property
    def rows(self) -> int:
        return self.total("rows")

    @property
    def rejected(self) -> int:
        return self.total("rejected")

    @property
    def aborted(self) -> bool:
        return any(summary.aborted for summary in self.files)

    def as_json(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "rows": self.rows,
            "inserted": self.total("inserted"),
            "updated": self.total("updated"),
            "unchanged": self.total("unchanged"),
            "rejected": self.rejected,
            "units_created": list(self.units_created),
            "errors_path": self.errors_path,
            "masked": self.total("masked"),
            "unknown_categories": list(self.unknown_categories),
            "dry_run": self.dry_run,
            "seconds": round(self.seconds, 3),
            "per_file": [asdict(summary) for summary in self.files],
        }


# progress(file name, rows read so far, estimated rows of the file or None)
Progress = Callable[[str, int, int | None], None]


def import_files(
    database: sqlite_utils.Database,
    paths: Sequence[Path],
    options: ImportOptions,
    *,
    actor: Actor | None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportSummary:
    """Import `paths` into `database` as `actor`; see the module docstring and docs/import.md.

    Raises `ActionRefused` when the officer may not import, `BadImportOptions` for unusable
    options and `FileUnreadable` (before anything is written) for a file that cannot be read.
    """
    started = time.perf_counter()
    now = (now or utc_now()).replace(microsecond=0)
    overrides = check_options(options)
    _check_permission(database, actor, paths, now)
    infos = [_inspect(Path(path), options, overrides) for path in paths]
    summary = ImportSummary(dry_run=options.dry_run)
    # A dry run writes no file, unless --errors names one: its rejected rows are in the summary.
    errors = _ErrorsFile(
        database,
        options.errors_path,
        now,
        write=not options.dry_run or options.errors_path is not None,
    )
    categories = Categories()
    conn = database.conn
    if conn.in_transaction:
        raise ValueError("import_files writes in its own transactions: call it outside one")
    if options.dry_run:
        conn.execute("BEGIN IMMEDIATE")  # everything below happens, then is rolled back
    else:
        bulk_load.restore_indexes(database)  # a bulk load cut off earlier
    checkpoint = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
    collecting = gc.get_threshold()
    # Rows make many short-lived objects and almost no cycles: with Python's default (a
    # collection every 700 new objects) the collector took about a tenth of an import.
    gc.set_threshold(GC_EVERY, *collecting[1:])
    try:
        upserter = Upserter(
            database,
            now=now,
            strict_units=options.strict_units,
            on_reject=_no_reject,
            actor_nip=actor.nip if actor else None,
        )
        for info in infos:
            summary.files.append(
                _import_file(
                    database,
                    info,
                    options,
                    overrides,
                    upserter,
                    categories,
                    errors,
                    summary,
                    actor,
                    now,
                    progress,
                )
            )
            if summary.aborted:
                break
        summary.units_created = list(upserter.units_created)
        if not options.dry_run and summary.total("inserted") >= MERGE_SEARCH_FROM:
            # Each chunk left a segment in the search index; merged, common-word searches in
            # the inbox are several times faster (db/search_index.py).
            merge_search_index(database)
    finally:
        if options.dry_run and conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute(f"PRAGMA wal_autocheckpoint = {int(checkpoint)}")
        gc.set_threshold(*collecting)
        errors.close()
    summary.errors_path = str(errors.path) if errors.count and errors.writes else None
    summary.first_errors = errors.first
    summary.seconds = time.perf_counter() - started
    return summary


def _no_reject(row: CaseRow, error: RowError) -> None:
    raise AssertionError("set per file")


def check_options(options: ImportOptions) -> dict[str, str]:
    """The --map overrides; raises `BadImportOptions` for an unusable option."""
    if options.format is not None and options.format not in FORMATS:
        raise BadImportOptions(
            t("import.opt.format", value=options.format, choices=", ".join(FORMATS))
        )
    if options.on_error not in ("skip", "abort"):
        raise BadImportOptions(t("import.opt.on_error"))
    if options.errors_path is not None and not options.errors_path.parent.is_dir():
        raise BadImportOptions(t("import.opt.errors", folder=options.errors_path.parent))
    if options.encoding is not None:
        try:
            options.encoding = codecs.lookup(options.encoding).name
        except (LookupError, ValueError) as error:  # ValueError: a NUL in the name
            raise BadImportOptions(t("import.opt.encoding", value=options.encoding)) from error
    try:
        return parse_map(list(options.mapping))
    except ValueError as error:
        key, value = error.args
        if key == "import.opt.map_field":
            from desk.importing.columns import FIELDS

            raise BadImportOptions(
                t(key, field=value, choices=", ".join((*FIELDS, "extra")))
            ) from error
        raise BadImportOptions(t(key, value=value)) from error


def _check_permission(
    database: sqlite_utils.Database,
    actor: Actor | None,
    paths: Sequence[Path],
    now: datetime,
) -> None:
    """Once a database has officers, only an admin imports; before that, the system does.

    An import writes over any unit's cases (their text, status, reporter): it is the
    coordinating admin's act, as verifying and disposing are (docs/security.md). A refusal is
    audited (`import_refused`) before it is raised.
    """
    if may_keep_desk(database, actor):
        return
    if actor is None:
        reason = "nobody"
        message = t("import.refused.nobody")
    else:
        reason = "role"
        message = t("import.refused.role", nip=actor.nip, role=role_label(actor.role))
    audit.record(
        database,
        at=to_text(now),
        actor_nip=actor.nip if actor else None,
        action="import_refused",
        detail={
            "reason": reason,
            "role": actor.role.value if actor else None,
            "files": [Path(path).name for path in paths],
        },
    )
    raise ActionRefused(message)


def _inspect(path: Path, options: ImportOptions, overrides: dict[str, str]) -> FileInfo:
    info = inspect(path, options.format, options.encoding)
    if options.sheet is not None and info.format != "xlsx":
        raise BadImportOptions(t("import.opt.sheet"))
    # Reach the first row now, so that a missing sheet or header stops before anything is written.
    first = records(info, options.sheet, overrides)
    try:
        next(first, None)
    finally:
        first.close()
    return info


def _import_file(
    database: sqlite_utils.Database,
    info: FileInfo,
    options: ImportOptions,
    overrides: dict[str, str],
    upserter: Upserter,
    categories: Categories,
    errors: _ErrorsFile,
    summary: ImportSummary,
    actor: Actor | None,
    now: datetime,
    progress: Progress | None,
) -> FileSummary:
    name = info.path.name
    result = FileSummary(str(info.path), info.format, info.encoding, info.sha256)
    reader = RowReader(overrides, categories, upserter.units.tz_for)
    abort = options.on_error == "abort"
    pending: list[RejectedRow] = []  # rejected rows of the current chunk (or, aborting, the file)

    def reject(row: int, error: RowError) -> None:
        result.rejected += 1
        pending.append(RejectedRow(str(info.path), row, error.column, error.value, error.reason))
        if abort:
            raise _Abort(t("import.aborted", path=info.path, row=row, reason=error.reason))

    upserter.on_reject = lambda case_row, error: reject(case_row.row, error)
    units_before = len(upserter.units_created)  # units created by earlier files of the import
    seen = _SeenKeys(database)
    chunk: list[CaseRow] = []
    repeated: list[tuple[CaseRow, int]] = []  # rows whose key an earlier row of the chunk had
    unknown_categories: dict[str, None] = {}

    def duplicate(case_row: CaseRow, first: int) -> None:
        reject(
            case_row.row,
            RowError(
                case_row.key_column,
                case_row.key,
                t("import.row.duplicate", value=case_row.key, row=first),
            ),
        )

    def flush() -> None:
        # Keys read in earlier chunks, looked up once per chunk (a row at a time when aborting).
        earlier = seen.earlier_chunks()
        for case_row, first in repeated:
            duplicate(case_row, earlier.get(case_row.key, first))
        repeated.clear()
        if earlier:
            for case_row in chunk:
                if case_row.key in earlier:
                    duplicate(case_row, earlier[case_row.key])
            chunk[:] = [case_row for case_row in chunk if case_row.key not in earlier]
        seen.end_chunk()
        written = len(chunk)

        def audit_chunk(done: ChunkResult) -> None:
            _audit_chunk(database, info, len(chunks) + 1, chunk, done, len(pending), actor, now)

        outcome = upserter.write(chunk, audit=audit_chunk if chunk else None)
        if chunk:
            chunks.append(len(chunk))
        if bulk is None and written:
            decide_bulk(outcome.inserted / written)
        result.inserted += outcome.inserted
        result.updated += outcome.updated
        result.unchanged += outcome.unchanged
        chunk.clear()
        if not abort:  # the chunk is committed: its rejected rows are final
            errors.write(pending)
            pending.clear()

    bulk: list[str] | None = None  # the indexes dropped for a bulk load, once decided
    chunks: list[int] = []  # the rows of each chunk written (and audited) so far

    def decide_bulk(new_share: float) -> None:
        """After the first chunk: bulk load the rest when it brings many new cases, more than
        the database has (not when most rows are already there: a file imported again)."""
        nonlocal bulk
        bulk = []
        if options.dry_run:
            return
        new_rows = (info.rows_estimate(result.rows) or 0) * new_share
        if new_rows >= bulk_min_rows() and new_rows > _case_count(database):
            bulk = bulk_load.drop_indexes(database)

    # Aborting reads in this process: a reader process would read past the row that stops it.
    in_process = abort or not use_reader_process(info)
    setup = worker_setup(overrides, upserter.units.tz_by_key(), upserter.units.office_tz)
    try:
        # closing(): however the loop ends, the reader process (if any) is stopped right away.
        with (
            write_transaction(database) if abort else _nothing(),
            closing(
                prepared_rows(reader, info, options.sheet, setup, in_process=in_process)
            ) as rows,
        ):
            for number, prepared in rows:
                result.rows += 1
                if isinstance(prepared, RowError):
                    reject(number, prepared)
                    continue
                case_row = prepared
                first = seen.first_row(case_row.key, everywhere=abort)
                if first is not None:
                    if abort:
                        duplicate(case_row, first)
                    repeated.append((case_row, first))
                    continue
                seen.add(case_row.key, number)
                result.masked += case_row.masked
                if case_row.unknown_category:
                    unknown_categories.setdefault(case_row.unknown_category)
                chunk.append(case_row)
                if len(chunk) >= options.chunk_size:
                    flush()
                    if progress is not None:
                        progress(name, result.rows, info.rows_estimate(result.rows))
            if chunk or repeated:
                flush()
            if bulk:
                bulk_load.restore_indexes(database, force=True)
            _audit(
                database, info, result, upserter.units_created[units_before:], actor, now, chunks
            )
    except BaseException as stop:
        # Skipping, the chunks written are kept: their indexes are built now. Aborting, the
        # file's transaction is rolled back, the dropped indexes with it.
        if bulk and not abort:
            bulk_load.restore_indexes(database, force=True)
        if not isinstance(stop, _Abort):
            raise
        result.aborted = stop.message
        result.inserted = result.updated = result.unchanged = 0
        upserter.units.reload()  # the file's new units were rolled back with it
        del upserter.units_created[units_before:]
        _audit_aborted(database, info, result, actor, now)
    errors.write(pending)
    if progress is not None:
        progress(name, result.rows, result.rows)
    result.unknown_columns = list(reader.unknown_columns)
    for header in result.unknown_columns:
        if choices := ambiguous_fields(header, overrides):
            result.ambiguous_columns[header] = list(choices)
    for category in unknown_categories:
        if category not in summary.unknown_categories:
            summary.unknown_categories.append(category)
    return result


def _case_count(database: sqlite_utils.Database) -> int:
    return int(database.execute("SELECT count(*) FROM cases").fetchone()[0])


class _SeenKeys:
    """The keys already read from this file, with their row: a key read again is a row error.

    Kept in a temporary table rather than a dict, so that a file of millions of rows stays in
    bounded memory; the current chunk's keys are in a dict until the chunk is written.
    """

    def __init__(self, database: sqlite_utils.Database) -> None:
        self.conn = database.conn
        self.conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS desk_import_seen "
            "(key TEXT PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID"
        )
        self.conn.execute("DELETE FROM temp.desk_import_seen")
        self.chunk: dict[str, int] = {}

    def first_row(self, key: str, *, everywhere: bool) -> int | None:
        """The row that had `key` in this chunk (`everywhere`: or in an earlier one)."""
        first = self.chunk.get(key)
        if first is None and everywhere:
            found = self.conn.execute(
                "SELECT row FROM temp.desk_import_seen WHERE key = ?", [key]
            ).fetchone()
            first = found[0] if found else None
        return first

    def add(self, key: str, row: int) -> None:
        self.chunk[key] = row

    def earlier_chunks(self) -> dict[str, int]:
        """Keys of the current chunk that earlier chunks had, with their first row."""
        if not self.chunk:
            return {}
        found = self.conn.execute(
            "SELECT key, row FROM temp.desk_import_seen "
            "WHERE key IN (SELECT value FROM json_each(?))",
            [json.dumps(list(self.chunk))],
        )
        return {str(key): int(row) for key, row in found}

    def end_chunk(self) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO temp.desk_import_seen VALUES (?, ?)", self.chunk.items()
        )
        self.chunk.clear()


class _nothing:
    """A context manager that does nothing (skip mode commits chunk by chunk)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _audit_chunk(
    database: sqlite_utils.Database,
    info: FileInfo,
    number: int,
    rows: list[CaseRow],
    done: ChunkResult,
    rejected: int,
    actor: Actor | None,
    now: datetime,
) -> None:
    """The audit entry of one chunk, appended inside the chunk's transaction (`Upserter.write`):
    an import killed half-way has an entry for every chunk it committed, and none for the rest.
    It names the cases the chunk changed: an import may write over any unit's case."""
    audit.append(
        database,
        at=to_text(now),
        actor_nip=actor.nip if actor else None,
        action="import_chunk",
        detail={
            "file": info.path.name,
            "sha256": info.sha256,
            "chunk": number,
            "rows": [min(row.row for row in rows), max(row.row for row in rows)],
            "inserted": done.inserted,
            "updated": done.updated,
            "unchanged": done.unchanged,
            "rejected": rejected,
            "updated_cases": done.updated_cases,
            "events_imported": done.events_imported,
            "units_created": done.units_created,
        },
    )


def _audit_aborted(
    database: sqlite_utils.Database,
    info: FileInfo,
    result: FileSummary,
    actor: Actor | None,
    now: datetime,
) -> None:
    """--on-error abort rolled a file back: what was attempted, and why it stopped."""
    if database.conn.in_transaction:
        return  # a dry run: everything it did is rolled back anyway
    audit.record(
        database,
        at=to_text(now),
        actor_nip=actor.nip if actor else None,
        action="import_aborted",
        detail={
            "file": info.path.name,
            "sha256": info.sha256,
            "format": info.format,
            "rows": result.rows,
            "reason": result.aborted,
        },
    )


def _audit(
    database: sqlite_utils.Database,
    info: FileInfo,
    result: FileSummary,
    units_created: list[str],
    actor: Actor | None,
    now: datetime,
    chunks: list[int],
) -> None:
    """One audit entry per imported file, once it is complete: its name, sha256 and what
    happened to its rows (each chunk has its own entry too)."""
    audit.record(
        database,
        at=to_text(now),
        actor_nip=actor.nip if actor else None,
        action="import",
        detail={
            "file": info.path.name,
            "sha256": info.sha256,
            "format": info.format,
            "encoding": info.encoding,
            "rows": result.rows,
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rejected": result.rejected,
            "units_created": units_created,
            "chunks": len(chunks),
        },
    )


class _ErrorsFile:
    """The rejected rows as CSV: file, row, column, value, reason; created at the first one.

    With `write=False` (a dry run without --errors) no file is made: the rows are counted and
    the first ones kept for the summary."""

    def __init__(
        self,
        database: sqlite_utils.Database,
        path: Path | None,
        now: datetime,
        *,
        write: bool = True,
    ) -> None:
        self.writes = write
        if path is None:
            location = database_path(database)
            stamp = now.strftime("%Y%m%dT%H%M%SZ")
            path = (
                Path(f"{location}.import-errors-{stamp}.csv")
                if location
                else Path.cwd() / f"desk-import-errors-{stamp}.csv"
            )
        self.path = path
        self.count = 0
        self.first: list[RejectedRow] = []
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def write(self, rows: list[RejectedRow]) -> None:
        if not rows:
            return
        if not self.writes:
            for row in sorted(rows, key=lambda rejected: rejected.row):
                self.count += 1
                if len(self.first) < SHOWN_ERRORS:
                    self.first.append(row)
            rows.clear()
            return
        if self._writer is None:
            # The rows hold what the file held (names, NIK): owner-only, as an export is.
            self._handle = os.fdopen(open_private(self.path), "w", encoding="utf-8-sig", newline="")
            # The one neutralising writer (desk.safety): values from the file are written as
            # text, never as formulas, and their control characters as visible pictures.
            self._writer = sheet_csv_writer(self._handle)
            self._writer.writerow(
                [t(f"import.csv.{name}") for name in ("file", "row", "column", "value", "reason")]
            )
        for row in sorted(rows, key=lambda rejected: rejected.row):
            self.count += 1
            if len(self.first) < SHOWN_ERRORS:
                self.first.append(row)
            self._writer.writerow([row.file, row.row, row.column, row.value, row.reason])
        rows.clear()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
