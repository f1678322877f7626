"""Reading a file as records: format and encoding detection, then a stream of rows.

`inspect` reads the whole file once in blocks (bounded memory) before anything is imported: it
computes the sha256 for the audit log, settles the encoding (UTF-8 with or without BOM, UTF-16
with BOM, else Windows-1252, never a guess that leaves mojibake), refuses binary data and a
quote left open at the end of a delimited file. Only then does `records` stream the rows, so a
file that cannot be read at all is refused before a single row is written.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import sys
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from desk.errors import DeskError
from desk.i18n import t
from desk.importing.columns import ALIASES, KEY_FIELDS, describe_headers, field_for, header_key
from desk.safety import printable

FORMATS = ("csv", "tsv", "xlsx", "json", "jsonl")
CASE_FORMAT = "desk-case/1"  # a record of ours (docs/case-format.md): its keys are field names
BLOCK = 1 << 16  # 64 KB: blocks of 1 MB left ~150 MB of freed heap behind (glibc)
HEADER_SEARCH_ROWS = 30  # a header row may sit below a few title rows

# UTF-8 read as Windows-1252: "Ã©" for é, "â€™" for ’, "Â " for a no-break space.
_MOJIBAKE = re.compile(
    "[\u00c2\u00c3\u00c5][\u00a0-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]|\u00e2\u20ac"
)

_MOJIBAKE_LEADS = ("\u00c2", "\u00c3", "\u00c5", "\u00e2")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # long complaint texts are legitimate


class FileUnreadable(DeskError):
    """A file that cannot be imported at all (exit status 2): the message says why."""


class UnknownKeyColumn(FileUnreadable):
    """A header row without a recognised tracking-number column (or with it alone).

    The message is several lines: what is wrong, one line per header found (the field it means,
    could mean, or is closest to, with the `--map` that reads it so), then the `--map` to use.
    """

    def __init__(self, message: str) -> None:  # one argument: it pickles (the reader process)
        super().__init__(message)

    @classmethod
    def of(
        cls, path: Path, row: int, headers: list[Any], overrides: dict[str, str], *, key_found: bool
    ) -> UnknownKeyColumn:
        key = "import.file.key_only" if key_found else "import.file.no_key"
        first = t(key, path=printable(str(path), keep_newlines=False), row=row)
        lines = describe_headers(headers, overrides, key_found=key_found)
        return cls("\n".join([first, *("  " + line for line in lines)]))


@dataclass
class Record:
    """One row: its number as a spreadsheet user counts it, and its cells by header.

    A table's rows share one `headers` tuple and carry their `values` in the same order (no
    dict per row: this is the hot path of a million-row import); a JSON object is `cells`.
    """

    row: int
    cells: dict[str, Any] | None = None
    headers: tuple[str, ...] = ()
    values: list[Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        if self.cells is not None:
            return self.cells
        return dict(zip(self.headers, self.values or (), strict=False))


@dataclass
class FileInfo:
    """What `inspect` found out about a file."""

    path: Path
    format: str
    encoding: str | None
    sha256: str
    size: int
    delimiter: str | None = None
    lines: int | None = None  # line breaks in the file, for the progress bar's estimate
    lines_read: int = 0  # of them, read so far (rows with line breaks inside span several)

    def rows_estimate(self, rows_read: int) -> int | None:
        """The file's rows, estimated from the lines per row so far."""
        if self.lines is None:
            return None
        if not self.lines_read or not rows_read:
            return self.lines
        return max(rows_read, round(self.lines * rows_read / self.lines_read))


def _unreadable(key: str, path: Path, **values: object) -> FileUnreadable:
    return FileUnreadable(t(key, path=path, **values))


def inspect(path: Path, fmt: str | None, encoding: str | None) -> FileInfo:
    """Settle the format and encoding of `path`, checking the whole file can be read."""
    if not path.is_file():
        raise _unreadable("import.file.missing", path)
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as error:  # no permission, a device error
        raise _unreadable("import.file.unreadable", path, reason=error.strerror) from error
    if not head:
        raise _unreadable("import.file.empty", path)
    if fmt is None:
        fmt = _guess_format(path, head)
    if fmt == "xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise _unreadable("import.file.xlsx", path, reason="not a ZIP/XLSX file")
        digest, size = _digest(path)
        return FileInfo(path, "xlsx", None, digest, size)
    binary = head.startswith(b"PK\x03\x04") or (b"\x00" in head and not _utf16_bom(head))
    if binary and not (encoding or "").lower().startswith("utf-16"):
        raise _unreadable("import.file.binary", path)
    if encoding is None:
        encoding = _bom_encoding(head)
    if encoding is not None:
        try:
            digest, size, quotes, lines, sample = _scan(path, encoding)
        except UnicodeDecodeError as error:
            raise _unreadable("import.file.encoding", path, encoding=encoding) from error
    else:
        try:
            digest, size, quotes, lines, sample = _scan(path, "utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            digest, size, quotes, lines, sample = _scan(path, "cp1252")
            encoding = "cp1252"
    if sample:
        raise _unreadable("import.file.mojibake", path, sample=sample, encoding=encoding)
    info = FileInfo(path, fmt, encoding, digest, size, lines=lines)
    if fmt in ("csv", "tsv"):
        if quotes % 2:
            raise _unreadable("import.file.quote", path)
        info.delimiter = "\t" if fmt == "tsv" else _guess_delimiter(path, encoding)
        if info.delimiter == "\t":
            info.format = "tsv"
    return info


def _guess_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower().lstrip(".")
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    text = _decode_head(head).lstrip("\ufeff \r\n\t")
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        if suffix in ("jsonl", "ndjson"):
            return "jsonl"  # the name says so: a first line longer than the head is still one
        first_line = text.split("\n", 1)[0].strip()
        # One object per line is JSON Lines; an object spread over lines is a JSON document.
        return "jsonl" if first_line.endswith("}") else "json"
    if suffix in ("json", "jsonl", "ndjson") and not text:
        return "json"
    return "tsv" if suffix == "tsv" else "csv"


def _utf16_bom(head: bytes) -> bool:
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if _utf16_bom(head):
        return "utf-16"
    return None


def _decode_head(head: bytes) -> str:
    encoding = _bom_encoding(head) or "utf-8"
    return head.decode(encoding, errors="ignore")


def _digest(path: Path) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(BLOCK):
            sha.update(block)
            size += len(block)
    return sha.hexdigest(), size


def _scan(path: Path, encoding: str) -> tuple[str, int, int, int, str]:
    """sha256, size, quote characters, line breaks and a mojibake sample ("" if none).

    Raises UnicodeDecodeError when the file is not text in `encoding` (for Windows-1252, its
    five unassigned bytes are read as Latin-1 rather than refused).
    """
    try:
        decoder = codecs.getincrementaldecoder(encoding)(
            errors="strict" if encoding != "cp1252" else "desk-latin1-fallback"
        )
    except LookupError as error:
        raise FileUnreadable(t("import.opt.encoding", value=encoding)) from error
    sha = hashlib.sha256()
    size = quotes = lines = 0
    sample = ""
    tail = ""
    with path.open("rb") as handle:
        while True:
            block = handle.read(BLOCK)
            final = not block
            text = decoder.decode(block, final=final)
            sha.update(block)
            size += len(block)
            quotes += text.count('"')
            lines += text.count("\n")
            if not sample:
                window = tail + text
                # Every mojibake pair starts with one of four letters: most blocks have none.
                if not window.isascii() and any(lead in window for lead in _MOJIBAKE_LEADS):
                    found = _MOJIBAKE.search(window)
                    if found:
                        sample = window[max(0, found.start() - 10) : found.end() + 10].strip()
                tail = text[-3:]
            if final:
                break
    return sha.hexdigest(), size, quotes, lines + 1, " ".join(sample.split())


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    """Windows-1252 leaves 0x81, 0x8D, 0x8F, 0x90, 0x9D unassigned: read them as Latin-1."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("latin-1"), error.end


codecs.register_error("desk-latin1-fallback", _latin1_fallback)


def _errors(info: FileInfo) -> str:
    """How the reader decodes: as strictly as `_scan` checked the whole file."""
    return "desk-latin1-fallback" if info.encoding == "cp1252" else "strict"


def _guess_delimiter(path: Path, encoding: str) -> str:
    """The delimiter used most in the first lines (outside the longest text)."""
    with path.open(encoding=encoding, errors="replace", newline="") as handle:
        sample = handle.read(65536)
    lines = [line for line in sample.splitlines()[:10] if line.strip()]
    counts = {delimiter: sum(line.count(delimiter) for line in lines) for delimiter in ";,\t"}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


# -- streaming the rows -------------------------------------------------------------------------


def records(
    info: FileInfo, sheet: str | None, overrides: dict[str, str] | None = None
) -> Generator[Record, None, None]:
    """The rows of an inspected file, streamed; `overrides` (--map) help find the header."""
    overrides = overrides or {}
    try:
        if info.format == "xlsx":
            yield from _xlsx_records(info.path, sheet, overrides)
        elif info.format == "json":
            yield from _keyed(info.path, _json_records(info), overrides)
        elif info.format == "jsonl":
            yield from _keyed(info.path, _jsonl_records(info), overrides)
        else:
            yield from _delimited_records(info, overrides)
    # The whole file was checked before (`inspect`): these mean it changed while being read.
    except UnicodeDecodeError as error:
        raise _unreadable("import.file.encoding", info.path, encoding=info.encoding) from error
    except csv.Error as error:
        raise _unreadable("import.file.unreadable", info.path, reason=error) from error
    except OSError as error:  # a disk or network share failing halfway
        reason = error.strerror or error
        raise _unreadable("import.file.unreadable", info.path, reason=reason) from error


def _fields(values: list[Any], known: dict[str, str]) -> set[str]:
    fields = {known.get(header_key(str(value))) for value in values if value not in (None, "")}
    fields.discard(None)
    fields.discard("extra")  # --map "Header=extra": a column kept apart names no field
    return fields  # type: ignore[return-value]


def is_header(values: list[Any], known: dict[str, str]) -> bool:
    """A header row names the tracking number and at least one more known field."""
    fields = _fields(values, known)
    return bool(fields & KEY_FIELDS) and len(fields) >= 2


def _likeliest_header(rows: list[tuple[int, list[Any]]]) -> tuple[int, list[Any]] | None:
    """The row that must have been meant as the header row: the first as wide as the table
    (at least half its widest row: title rows above it have a cell or two, data rows follow)."""

    def width(values: list[Any]) -> int:
        return sum(1 for value in values if value is not None and str(value).strip())

    widest = max((width(values) for _, values in rows), default=0)
    if not widest:
        return None
    enough = max(min(2, widest), (widest + 1) // 2)
    return next((number, values) for number, values in rows if width(values) >= enough)


def _keyed(path: Path, items: Iterator[Record], overrides: dict[str, str]) -> Iterator[Record]:
    """JSON records, refused whole when the first object has no key the tracking number (or
    local id) is read from: every row would be rejected for it."""
    checked = False
    for record in items:
        cells = record.cells
        if not checked and cells and not any(name.startswith("\x00") for name in cells):
            checked = True
            if cells.get("format") != CASE_FORMAT and not any(
                field_for(str(name), overrides) in KEY_FIELDS for name in cells
            ):
                raise UnknownKeyColumn.of(path, record.row, list(cells), overrides, key_found=False)
        yield record


def _tabular(
    path: Path, rows: Iterator[tuple[int, list[Any]]], overrides: dict[str, str]
) -> Iterator[Record]:
    """Records from a table: find the header row, then pair every later row with it."""
    known = {**ALIASES, **overrides}
    headers: tuple[str, ...] | None = None
    wider: dict[int, tuple[str, ...]] = {}  # headers for rows with cells beyond the last column
    early: list[tuple[int, list[Any]]] = []  # the rows before a header: for the error, if none
    for number, values in rows:
        if headers is None:
            if number > HEADER_SEARCH_ROWS:
                break
            if is_header(values, known):
                headers = tuple(str(value).strip() if value is not None else "" for value in values)
            else:
                early.append((number, values))
            continue
        if not any(values):
            continue  # blank lines between rows are not rows
        width = len(headers)
        if len(values) > width and any(values[width:]):
            names = wider.get(len(values))
            if names is None:
                names = wider[len(values)] = headers + tuple(
                    f"kolom_{index}" for index in range(width + 1, len(values) + 1)
                )
            yield Record(number, headers=names, values=values)
            continue
        yield Record(number, headers=headers, values=values)
    if headers is None:
        likeliest = _likeliest_header(early)
        if likeliest is None:  # nothing but empty rows
            raise _unreadable("import.file.no_header", path)
        number, values = likeliest
        key_found = bool(_fields(values, known) & KEY_FIELDS)
        raise UnknownKeyColumn.of(path, number, values, overrides, key_found=key_found)


def _delimited_records(info: FileInfo, overrides: dict[str, str]) -> Iterator[Record]:
    assert info.encoding is not None and info.delimiter is not None
    with info.path.open(encoding=info.encoding, errors=_errors(info), newline="") as handle:
        reader = csv.reader(handle, delimiter=info.delimiter)

        def numbered() -> Iterator[tuple[int, list[Any]]]:
            for number, values in enumerate(reader, start=1):
                info.lines_read = reader.line_num
                yield number, values

        yield from _tabular(info.path, numbered(), overrides)


def _xlsx_records(path: Path, sheet: str | None, overrides: dict[str, str]) -> Iterator[Record]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    # A file object, not the path: openpyxl judges a path by its suffix, and a workbook saved
    # as "laporan.csv" (or with no suffix) is still a workbook.
    with path.open("rb") as handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
            raise _unreadable("import.file.xlsx", path, reason=error) from error
        yield from _xlsx_rows(book, path, sheet, overrides)


def _xlsx_rows(
    book: Any, path: Path, sheet: str | None, overrides: dict[str, str]
) -> Iterator[Record]:
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise _unreadable(
                "import.file.sheet", path, sheet=sheet, sheets=", ".join(book.sheetnames)
            )
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        rows = (
            (number, [_xlsx_value(value) for value in values])
            for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)
        )
        yield from _tabular(path, rows, overrides)
    finally:
        book.close()


def _xlsx_value(value: Any) -> Any:
    """Numbers as text (a tracking number 8112829.0 is "8112829"); dates stay datetimes."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return value
    return value


def _json_problem(error: ValueError | RecursionError) -> str:
    """What is wrong with a JSON text, in words for the admin (Python's own advice about
    `sys.set_int_max_str_digits` is not theirs to follow)."""
    if isinstance(error, RecursionError):
        return t("import.json.too_deep")
    if "integer string conversion" in str(error):
        return t("import.json.big_number")
    return str(error)


def _json_records(info: FileInfo) -> Iterator[Record]:
    """A JSON array of objects. It is read whole: use JSON Lines for very large files."""
    assert info.encoding is not None
    try:
        with info.path.open(encoding=info.encoding, errors=_errors(info)) as handle:
            data = json.load(handle)
    # ValueError: JSONDecodeError, and a number of more than 4,300 digits; RecursionError: arrays
    # nested thousands deep. A hostile file is an unreadable file, never a traceback.
    except (ValueError, RecursionError) as error:
        raise _unreadable("import.file.json", info.path, reason=_json_problem(error)) from error
    if not isinstance(data, list):
        raise _unreadable("import.file.json_array", info.path)
    for number, item in enumerate(data, start=1):
        yield Record(number, item if isinstance(item, dict) else {"\x00not_an_object": item})


def _jsonl_records(info: FileInfo) -> Iterator[Record]:
    """JSON Lines: one object per line; a line that is not JSON is a row error, not the file's."""
    assert info.encoding is not None
    with info.path.open(encoding=info.encoding, errors=_errors(info)) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except (ValueError, RecursionError) as error:  # as in _json_records
                yield Record(number, {"\x00bad_json": _json_problem(error)})
                continue
            yield Record(number, item if isinstance(item, dict) else {"\x00not_an_object": item})
