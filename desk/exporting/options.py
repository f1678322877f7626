"""What an export is asked for (`ExportOptions`), what it did (`ExportSummary`), and the checks
that need no database: the format, the delimiter, the dates, and the options that exclude each
other. Every refusal is an `InvalidInput` with one sentence saying how to write it instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from desk.errors import InvalidInput
from desk.exporting import texts as _texts  # noqa: F401  (registers the texts)
from desk.i18n import t
from desk.safety import printable

FORMATS = ("csv", "xlsx", "jsonl", "json")
# Indonesian Excel uses the comma as its decimal mark, so it splits CSV files at ";".
DEFAULT_DELIMITER = ";"
DELIMITERS = {";": ";", ",": ",", "|": "|", "tab": "\t", "\\t": "\t", "\t": "\t"}
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_LOCAL_DATE = re.compile(r"([0-9]{1,2})([/-])([0-9]{1,2})\2([0-9]{4})")


@dataclass(frozen=True)
class ExportOptions:
    """Which cases to export, how, and how much of the reporter to show.

    Filters combine: a case is exported when it passes every one that is set. `since` and
    `until` are days of the office's time zone, both included. `format` None: from the suffix.
    """

    format: str | None = None
    statuses: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    query: str | None = None
    include_personal: bool = False  # admins only: the reporter as stored
    public: bool = False  # no Rahasia cases, no reporter, no internal events
    delimiter: str = DEFAULT_DELIMITER  # CSV only


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    format: str
    path: Path
    cases: int
    personal: bool  # reporters as stored (--include-personal)
    public: bool
    filters: dict[str, Any] = field(default_factory=dict)
    audit_seq: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "path": str(self.path),
            "cases": self.cases,
            "personal": self.personal,
            "public": self.public,
            "filters": self.filters,
        }


def shown(text: object) -> str:
    """A value the user typed, echoed in a message: one inert line, not too long."""
    line = printable(str(text), keep_newlines=False)
    return line if len(line) <= 60 else line[:59] + "…"


def format_for(path: Path, chosen: str | None) -> str:
    """The format asked for, else the one the file name's suffix says."""
    if chosen is not None:
        value = chosen.strip().lower().lstrip(".")
        if value not in FORMATS:
            raise InvalidInput(
                t("export.error.format", value=shown(chosen), choices="|".join(FORMATS))
            )
        return value
    suffix = path.suffix.lower().lstrip(".")
    if suffix == "ndjson":
        return "jsonl"
    if suffix not in FORMATS:
        raise InvalidInput(
            t("export.error.no_format", name=shown(path.name), choices="|".join(FORMATS))
        )
    return suffix


def delimiter_for(value: str) -> str:
    """`;` `,` `|` or a tab (`tab`, `\\t`)."""
    delimiter = DELIMITERS.get(value.strip() if value.strip() else value)
    if delimiter is None:
        raise InvalidInput(t("export.error.delimiter", value=shown(value)))
    return delimiter


def parse_day(value: str, option: str) -> date:
    """A day written as the inbox search writes it: 2026-03-01, 01/03/2026 or 01-03-2026."""
    text = value.strip()
    iso, local = _ISO_DATE.fullmatch(text), _LOCAL_DATE.fullmatch(text)
    try:
        if iso:
            day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        elif local:
            day = date(int(local.group(4)), int(local.group(3)), int(local.group(1)))
        else:
            raise ValueError(text)
        if not 1900 <= day.year <= 2999:
            raise ValueError(text)
    except ValueError:
        raise InvalidInput(t("export.error.date", value=shown(value), option=option)) from None
    return day


def check_options(options: ExportOptions) -> None:
    """Refuse option combinations that cannot mean anything, before any work is done."""
    if options.public and options.include_personal:
        raise InvalidInput(t("export.error.public_personal"))
    if options.since and options.until and options.since > options.until:
        raise InvalidInput(
            t("export.error.range", since=options.since.isoformat(), until=options.until)
        )
    delimiter_for(options.delimiter)
