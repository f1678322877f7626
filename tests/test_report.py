"""`desk report` as a user runs it: every format read back, bad options, and no personal data."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from db import open_database
from desk.cli.main import app
from desk.i18n import set_language
from desk.workflow import Action
from tests.test_metrics import (
    ADMIN,
    PUPR,
    SETDA,
    Office,
    follow_up,
    make_office,
    verify,
    wita,
)

runner = CliRunner()
ENV = {"DESK_REPORT_NOW": "2026-11-30T02:00:00Z"}
SECRET_TITLE = "Rahasia: dugaan pungli oleh Kepala Seksi Jembatan"
REPORTER = {"name": "Yohanes Rahasiawan", "nik": "6471999999990099", "phone": "081399998888"}


@pytest.fixture(autouse=True)
def indonesian() -> Iterator[None]:
    set_language("id")
    yield
    set_language("id")


@pytest.fixture
def office_db(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    office = Office(database)
    for day in (2, 3, 4):
        office.case(wita(day), verify(wita(day, 10), "PUPR"), follow_up(wita(day + 1), PUPR))
    office.case(wita(2), verify(wita(2, 10), "SETDA"), follow_up(wita(20), SETDA))
    # A Rahasia case, still unanswered at PUPR: the oldest one, so its number is quoted.
    secret = office.case(
        datetime_wita_1(), verify(wita(2, 8), "PUPR"), title=SECRET_TITLE, confidential=True
    )
    database.execute(
        "UPDATE reporters SET name = ?, nik = ?, phone = ? WHERE case_id = ?",
        [REPORTER["name"], REPORTER["nik"], REPORTER["phone"], secret["id"]],
    )
    office.case(wita(9), (wita(10), ADMIN, Action.HOLD, {"reason": "Data kurang"}))
    database.conn.close()
    return path


def datetime_wita_1():  # type: ignore[no-untyped-def]
    return wita(2, 7)


def invoke(*args: str, lang: str = "id"):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--lang", lang, "report", *args], env=ENV)


def assert_private(text: str) -> None:
    for secret in (SECRET_TITLE, REPORTER["name"], REPORTER["nik"], REPORTER["phone"], "Andi"):
        assert secret not in text


def test_table_in_indonesian_and_english(office_db: Path, tmp_path: Path) -> None:
    shown = invoke("--db", str(office_db), "--period", "2026-11", "--min-cases", "2")
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("Kinerja unit · Periode 2026-11")
    target = tmp_path / "table.txt"  # a file gets the table at full width (200 columns)
    invoke("--db", str(office_db), "-p", "2026-11", "--min-cases", "2", "-o", str(target))
    table = target.read_text(encoding="utf-8")
    assert "Seluruh kantor" in table
    assert "Peringkat: hanya unit dengan sedikitnya 2 laporan" in table
    pupr = next(line for line in table.splitlines() if "PUPR" in line)
    assert re.search(r"│\s+1 │ PUPR\s+│\s+4 │", pupr)  # ranked first, 4 cases received
    setda = next(line for line in table.splitlines() if "SETDA" in line)
    assert re.search(r"│\s+— │ SETDA\s+│\s+1 │", setda)  # 1 case: listed, not ranked
    assert_private(shown.output + table)
    english = tmp_path / "table-en.txt"
    invoke("--db", str(office_db), "-p", "2026-11", "-o", str(english), lang="en")
    text = english.read_text(encoding="utf-8")
    assert "Unit performance" in text and "Whole office" in text
    assert "Ranking: only units with at least 10 cases" in text


def test_json_keys_and_figures(office_db: Path) -> None:
    result = invoke("--db", str(office_db), "-p", "2026-11", "-f", "json", "--min-cases", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) >= {"period", "office", "units", "weekly", "follow_up_distribution"}
    assert data["period"] == {
        "label": "2026-11",
        "from": "2026-11-01",
        "to": "2026-11-30",
        "time_zone": "Asia/Makassar",
    }
    pupr = next(unit for unit in data["units"] if unit["unit"] == "PUPR")
    assert pupr["rank"] == 1 and pupr["received"] == 4 and pupr["followed_up"] == 3
    assert pupr["followed_up_pct"] == 75.0
    assert pupr["oldest_unanswered"] == "8000005"  # the Rahasia case: its number, no more
    assert data["office"]["received"] == 6
    assert_private(result.output)


def test_csv_reads_back(office_db: Path) -> None:
    result = invoke("--db", str(office_db), "-p", "2026-11", "-f", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[-1]["unit"] == "" and rows[-1]["received"] == "6"  # the office, last
    assert {row["unit"] for row in rows[:-1]} == {"PUPR", "SETDA", "DINKES"}
    assert_private(result.output)


def test_xlsx_has_a_sheet_per_view_with_numbers(office_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "kinerja.xlsx"
    result = invoke("--db", str(office_db), "-p", "2026-11", "-f", "xlsx", "-o", str(target))
    assert result.exit_code == 0, result.output
    book = load_workbook(target)
    assert book.sheetnames == [
        "Peringkat",
        "Tren mingguan",
        "Distribusi tindak lanjut",
        "Lewat batas per unit",
    ]
    ranking = book["Peringkat"]
    header = [c.value for c in ranking[4]]
    assert header[:3] == ["Peringkat", "Unit", "Diterima"]
    assert ranking.cell(row=4, column=1).font.bold
    by_unit = {row[1]: row for row in ranking.iter_rows(min_row=5, values_only=True) if row[1]}
    assert by_unit["PUPR"][2] == 4 and isinstance(by_unit["PUPR"][2], int)
    followed_pct = header.index("Ditindaklanjuti %")
    assert by_unit["PUPR"][followed_pct] == 75.0
    weekly = list(book["Tren mingguan"].iter_rows(min_row=2, values_only=True))
    assert sum(row[1] for row in weekly) == 6 and all(isinstance(row[2], int) for row in weekly)
    texts = [
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    assert_private("\n".join(texts))


def test_html_is_self_contained_with_charts(office_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "kinerja.html"
    result = invoke("--db", str(office_db), "-p", "2026-11", "-f", "html", "-o", str(target))
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="id">' in page
    assert page.count("<svg") == 3 and "<rect" in page
    for svg in re.findall(r"<svg.*?</svg>", page, re.S):  # each chart is well-formed XML
        ElementTree.fromstring(svg)
    assert "@media print" in page
    assert not re.search(r"https?://|<script|<link|@import|src=", page)
    assert "Kinerja unit" in page
    assert_private(page)
    english = invoke("--db", str(office_db), "-p", "2026-11", "-f", "html", lang="en")
    assert '<html lang="en">' in english.output and "Unit performance" in english.output


def test_unit_filter(office_db: Path) -> None:
    result = invoke("--db", str(office_db), "-p", "2026-11", "-u", "setda", "-f", "json")
    data = json.loads(result.output)
    assert [unit["unit"] for unit in data["units"]] == ["SETDA"]
    assert data["unit"] == "SETDA"
    assert sum(item["cases"] for item in data["follow_up_distribution"]) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-13"], "Periode '2026-13' tidak dikenal"),
        (["--period", "2026-12-01..2026-11-01"], "tidak dikenal"),
        (["--unit", "NOPE"], "Unit 'NOPE' tidak ada"),
        (["--format", "pdf"], "Format 'pdf' tidak dikenal"),
        (["--format", "xlsx"], "tambahkan -o"),
        (["--min-cases", "-1"], "--min-cases harus 0 atau lebih"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    office_db: Path, args: list[str], message: str
) -> None:
    result = invoke("--db", str(office_db), *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_missing_database_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = invoke("--db", str(tmp_path / "none.db"))
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_a_file_that_cannot_be_written_is_one_line_and_exit_1(office_db: Path) -> None:
    result = invoke("--db", str(office_db), "-f", "html", "-o", "/nonexistent/folder/r.html")
    assert result.exit_code == 1
    assert "Tidak dapat menulis /nonexistent/folder/r.html" in result.output
    assert "Traceback" not in result.output


def test_a_year_read_half_in_a_forked_process_gives_the_months_figures(office_db: Path) -> None:
    # Every case of the fixture is from November: the year's cohort figures are November's,
    # whether the year was read in one process or (as the command does on two cores) two.
    from desk.metrics import Period, fork_pays

    assert fork_pays(Period(date(2026, 1, 1), date(2026, 12, 31), "2026")) == (
        (os.cpu_count() or 1) > 1
    )
    month = json.loads(invoke("--db", str(office_db), "-p", "2026-11", "-f", "json").output)
    year = json.loads(invoke("--db", str(office_db), "-p", "2026", "-f", "json").output)
    for key in (
        "received",
        "followed_up",
        "verified",
        "median_hk_to_first_follow_up",
        "unanswered",
    ):
        assert year["office"][key] == month["office"][key], key
    assert year["office"]["received"] == 6


# -- formulas (issue 15, point 8) -----------------------------------------------------------------

EVIL_CODE = '=HYPERLINK("http://evil.example/x","klik")'
EVIL_NAME = "@SUM(1+1)\x1b[2J"


@pytest.fixture
def evil_db(office_db: Path) -> Path:
    """A unit whose code and name would run as formulas (units come from imported files)."""
    database = open_database(office_db)
    database.execute(
        "INSERT INTO units (code, name, tz) VALUES (?, ?, 'Asia/Makassar')", [EVIL_CODE, EVIL_NAME]
    )
    office = Office(database)
    office.count = 100  # tracking numbers after the fixture's
    office.case(wita(5), verify(wita(5, 10), EVIL_CODE))
    database.conn.close()
    return office_db


def test_csv_never_writes_a_cell_that_runs_as_a_formula(evil_db: Path) -> None:
    result = invoke("--db", str(evil_db), "-p", "2026-11", "-f", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    cells = [cell for row in rows for cell in row]
    assert "'" + EVIL_CODE in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@") or cell.startswith("-")]
    assert "\x1b" not in result.output  # `cat report.csv` fires nothing


def test_xlsx_never_writes_a_cell_that_runs_as_a_formula(evil_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "kinerja.xlsx"
    result = invoke("--db", str(evil_db), "-p", "2026-11", "-f", "xlsx", "-o", str(target))
    assert result.exit_code == 0, result.output
    book = load_workbook(target)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert "'" + EVIL_CODE in [cell.value for cell in cells]
    assert not [cell for cell in cells if cell.data_type == "f"]
    assert not [
        cell.value
        for cell in cells
        if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@")
    ]
