"""Hostile values into every CLI input parser issue 15 touched (`--as`, holiday files, import
rows and options, report and export options): only clean answers, never a traceback.

A clean answer is an exit status the command documents (0 done, 1 rows rejected or refused,
2 unusable input), with one line saying why on stderr when it is not 0, no raw escape sequence
on the terminal, and a database that still passes its integrity and audit checks.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from db import audit, open_database
from desk.cli.main import app
from desk.officers import NIP_PATTERN
from tests.conftest import ADMIN, case_in, make_office

runner = CliRunner()
SETTINGS = settings(
    max_examples=int(os.environ.get("DESK_HOSTILE_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text as hostile as a file or a shell can make it: controls, escapes, bidi, surrogates, quotes.
HOSTILE = st.text(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(["\x1b", "\x07", "\x00", "\x9b", "\u202e", "\ud800", '"', ";", "\n"]),
    ),
    max_size=40,
) | st.sampled_from(
    [
        "",
        '=HYPERLINK("http://x")',
        "\x1b]52;c;SGVsbG8=\x07",
        "9" * 5000,
        "-1",
        "1e999",
        "NaN",
        "0000-00-00",
        "9999-12-31T23:59:59-12:00",
        "0001-01-01T00:00:00+14:00",
        "31/02/2025",
        "2026-Q9",
        "2026-13",
        "..",
        "kemarin..besok",
        "status:",
        "#",
        '"',
        "%s%n",
        "../../etc/passwd",
    ]
)
RAW_ESCAPE = re.compile("[\x1b\x07\x9b]")


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))
    monkeypatch.delenv("DESK_PIN", raising=False)
    monkeypatch.delenv("DESK_DB", raising=False)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    case_in(database, "baru", "1001")
    case_in(database, "diproses", "1002")
    database.conn.close()
    yield path
    database = open_database(path)
    try:  # whatever was thrown at it, the database is whole and its audit chain holds
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert audit.verify(database) is None
    finally:
        database.conn.close()


def clean(result: Result, allowed: set[int]) -> None:
    """The answer is a documented exit status, never a traceback, and says why in one line."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in allowed, result.output
    assert "Traceback" not in result.output
    assert not RAW_ESCAPE.search(result.output), result.output
    if result.exit_code != 0:
        assert result.output.strip(), "a refusal says why"  # rejected rows: the summary
        lines = result.stderr.strip().splitlines()
        click_usage = any(line.startswith(("Usage:", "Try ", "Error:")) for line in lines) or any(
            "Error" in line for line in lines
        )
        assert click_usage or all(line.startswith("desk: ") for line in lines), result.stderr


def cli(office: Path, *arguments: str, as_nip: str | None = ADMIN.nip) -> Result:
    command = [*arguments, "--db", str(office)]
    if as_nip is not None:
        command.append(f"--as={as_nip}")
    return runner.invoke(app, command, input="")


# -- --as ---------------------------------------------------------------------------------------


@SETTINGS
@given(value=HOSTILE.filter(lambda text: not NIP_PATTERN.match(text.strip())))
def test_an_as_that_is_no_nip_is_a_clean_exit_2(office: Path, value: str) -> None:
    holidays = office.parent / "libur.txt"
    holidays.write_text("2026-01-09;Hari Jadi\n", "utf-8")
    for arguments in (
        ("case", "list"),
        ("import", str(holidays)),
        ("holidays", "import", str(holidays)),
        ("export", "-o", str(office.parent / "x.csv")),
        ("case", "attachments", "1001"),
    ):
        result = cli(office, *arguments, as_nip=value)
        clean(result, {2})


# -- holidays import ------------------------------------------------------------------------------


@SETTINGS
@given(day=HOSTILE, name=HOSTILE, unit=HOSTILE)
def test_hostile_holiday_lines_are_clean_answers(
    office: Path, day: str, name: str, unit: str
) -> None:
    path = office.parent / "libur.txt"
    path.write_text(f"{day};{name};{unit}\n", "utf-8", errors="surrogatepass")
    clean(cli(office, "holidays", "import", str(path)), {0, 2})


@SETTINGS
@given(content=st.binary(max_size=200))
def test_hostile_holiday_files_are_clean_answers(office: Path, content: bytes) -> None:
    path = office.parent / "libur.txt"
    path.write_bytes(content)
    clean(cli(office, "holidays", "import", str(path)), {0, 2})


# -- import: rows and options -------------------------------------------------------------------

HEADERS = (
    "No. Tiket",
    "Judul",
    "Isi",
    "Tanggal Laporan",
    "Status",
    "Instansi",
    "NIK",
    "Anonim",
    "Penilaian",
    "Tanggal Update",
    "Batas Waktu",
    "Jenis Batas Waktu",
    "Tanggal Kejadian",
    "Klasifikasi",
)


@SETTINGS
@given(cells=st.lists(HOSTILE, min_size=len(HEADERS), max_size=len(HEADERS)))
def test_hostile_spreadsheet_values_are_row_errors_or_rows(office: Path, cells: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(HEADERS)
    writer.writerow(cells)
    writer.writerow(["5001", "Jalan", "Jalan rusak", "2026-11-02", "Baru", "", "", "", "", ""])
    path = office.parent / "rows.csv"
    path.write_text(buffer.getvalue(), "utf-8", errors="surrogatepass")
    errors = office.parent / "errors.csv"
    clean(cli(office, "import", str(path), "--errors", str(errors)), {0, 1, 2})
    if errors.exists():
        assert not RAW_ESCAPE.search(errors.read_text("utf-8-sig"))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE, inner, max_size=3),
    max_leaves=6,
)
RECORD_FIELDS = (
    "tracking_no",
    "local_id",
    "title",
    "body",
    "status",
    "unit_code",
    "received_at",
    "updated_at",
    "version",
    "due_at",
    "due_kind",
    "auto_kind",
    "hold_remaining_hk",
    "rating",
    "classification",
    "channel",
    "category",
    "reporter",
    "events",
    "attachments",
    "extra",
    "assignee_nip",
    "duplicate_of",
)
EVENT_FIELDS = ("at", "kind", "actor_kind", "actor_nip", "visibility", "to_status", "body", "data")


def _record(number: int) -> dict[str, Any]:
    return {
        "format": "desk-case/1",
        "local_id": f"01JD3M4Q8X6T9V2K7R5B1N{number:04d}",
        "tracking_no": str(number),
        "title": "Jalan rusak",
        "body": "Jalan rusak parah.",
        "status": "diproses",
        "unit_code": "PUPR",
        "received_at": "2026-11-02T01:00:00Z",
        "events": [
            {
                "at": "2026-11-03T01:00:00Z",
                "kind": "follow_up",
                "actor_kind": "officer",
                "actor_nip": "198502022010012002",
                "visibility": "public",
                "body": "Sudah.",
            }
        ],
    }


@SETTINGS
@given(
    field=st.sampled_from(RECORD_FIELDS),
    event_field=st.sampled_from(EVENT_FIELDS),
    value=JSON_VALUES,
    event_value=JSON_VALUES,
)
# A first line longer than the part of the file read to guess its format was taken for a JSON
# document ("Extra data", exit 2): the .jsonl name now decides.
@example(field="tracking_no", event_field="at", value={"9" * 6000: "9" * 6000}, event_value=None)
def test_hostile_desk_case_records_are_row_errors_or_cases(
    office: Path, field: str, event_field: str, value: Any, event_value: Any
) -> None:
    hostile = {**_record(6001), field: value}
    event_hostile = _record(6002)
    event_hostile["events"][0][event_field] = event_value
    lines = [json.dumps(record) for record in (hostile, event_hostile, _record(6003))]
    path = office.parent / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", "utf-8", errors="surrogatepass")
    result = cli(office, "import", str(path), "--errors", str(office.parent / "errors.csv"))
    clean(result, {0, 1})
    database = open_database(office)
    try:  # the good record is always in; no event of an import names an officer
        assert database.execute("SELECT 1 FROM cases WHERE tracking_no = '6003'").fetchone()
        officers_events = database.execute(
            "SELECT count(*) FROM events e JOIN cases c ON c.id = e.case_id "
            "WHERE c.source = 'import' AND e.actor_kind <> 'import'"
        ).fetchone()
        assert officers_events == (0,)
    finally:
        database.conn.close()


@SETTINGS
@given(line=st.binary(max_size=120) | HOSTILE.map(lambda text: "[" * 5000 + text))
def test_hostile_json_lines_are_clean_answers(office: Path, line: bytes | str) -> None:
    path = office.parent / "cases.jsonl"
    if isinstance(line, str):
        path.write_text("{}\n" + line + "\n", "utf-8", errors="surrogatepass")
    else:
        path.write_bytes(b"{}\n" + line + b"\n")
    errors = str(office.parent / "errors.csv")
    clean(cli(office, "import", str(path), "--errors", errors), {0, 1, 2})


@SETTINGS
@given(
    option=st.sampled_from(["--format", "--encoding", "--map", "--on-error", "--sheet"]),
    value=HOSTILE,
)
@example(option="--encoding", value="\x00")  # codecs.lookup raised ValueError: a traceback
def test_hostile_import_options_are_clean_answers(office: Path, option: str, value: str) -> None:
    path = office.parent / "cases.jsonl"
    path.write_text(json.dumps(_record(7001)) + "\n", "utf-8")
    errors = str(office.parent / "errors.csv")
    clean(cli(office, "import", str(path), f"{option}={value}", "--errors", errors), {0, 1, 2})


# -- report and export options ------------------------------------------------------------------


@SETTINGS
@given(
    option=st.sampled_from(["--period", "--unit", "--format", "--min-cases"]),
    value=HOSTILE,
)
def test_hostile_report_options_are_clean_answers(office: Path, option: str, value: str) -> None:
    result = cli(office, "report", f"{option}={value}", as_nip=None)
    clean(result, {0, 2})


@SETTINGS
@given(
    option=st.sampled_from(
        ["--since", "--until", "--status", "--unit", "--query", "--delimiter", "--format"]
    ),
    value=HOSTILE,
)
def test_hostile_export_options_are_clean_answers(office: Path, option: str, value: str) -> None:
    result = cli(office, "export", "-o", str(office.parent / "kasus.csv"), f"{option}={value}")
    clean(result, {0, 2})
    written = office.parent / "kasus.csv"
    if result.exit_code == 0 and written.exists():
        assert not RAW_ESCAPE.search(written.read_text("utf-8-sig"))


def test_a_unicode_line_separator_in_an_option_stays_on_one_line(office: Path) -> None:
    """Found by the property test above: `--as '0\u20280'` printed a refusal split in two."""
    result = runner.invoke(app, ["case", "list", "--db", str(office), "--as", "0\u20280"])
    clean(result, {2})


def test_a_value_repeated_in_an_error_never_reaches_the_terminal_raw(office: Path) -> None:
    """`desk case show $'\\e[2J'` used to print the sequence back in "case not found"."""
    hostile = "\x1b[2J\x1b]0;PWNED\x07"
    result = runner.invoke(
        app, ["case", "show", hostile, "--db", str(office), "--as", ADMIN.nip], env={}
    )
    assert result.exit_code == 1, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "␛" in result.output  # shown, inert
