"""One neutralising writer for every CSV and XLSX file desk writes (issue 15, point 8)."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest

from desk.safety import sheet_csv_writer, sheet_row, sheet_text

DESK = Path(__file__).resolve().parent.parent / "desk"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+62 811", "'+62 811"),
        ("-", "'-"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Jalan rusak", "Jalan rusak"),
        ("a\x1b[2Jb\x07c", "a␛[2Jb␇c"),
        ("a\x9b2Jb\x7fc", "a\ufffd2Jb\u2421c"),
        ("baris\nbaris\r\n\tkolom", "baris\nbaris\r\n\tkolom"),
        ("'=sudah", "'=sudah"),
    ],
)
def test_sheet_text_neutralises_formulas_and_raw_controls(text: str, written: str) -> None:
    assert sheet_text(text) == written
    assert sheet_text(written) == written  # once is enough: writing twice changes nothing


def test_numbers_and_dates_are_left_alone() -> None:
    from datetime import date

    assert sheet_row([-5, 2.5, None, date(2026, 1, 9), True]) == [
        -5,
        2.5,
        None,
        date(2026, 1, 9),
        True,
    ]


def test_the_csv_writer_writes_every_cell_through_it() -> None:
    buffer = io.StringIO()
    writer = sheet_csv_writer(buffer, delimiter=",", lineterminator="\r\n")
    writer.writerow(["=1+1", 3, "\x1b]52;c;SGVsbG8=\x07"])
    writer.writerows([["@x"], ["ok"]])
    assert buffer.getvalue() == "'=1+1,3,␛]52;c;SGVsbG8=␇\r\n'@x\r\nok\r\n"


def _calls(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name):
                names.add(f"{function.value.id}.{function.attr}")
            elif isinstance(function, ast.Name):
                names.add(function.id)
    return names


def test_no_module_writes_csv_or_xlsx_but_through_the_neutralising_writer() -> None:
    """A new CSV or XLSX writer must use desk.safety's: `csv.writer`/`csv.DictWriter` only
    there; every module that builds a workbook uses `sheet_row` or `sheet_text`."""
    offenders: list[str] = []
    for path in sorted(DESK.rglob("*.py")):
        calls = _calls(path)
        relative = str(path.relative_to(DESK.parent))
        if relative != "desk/safety.py" and calls & {"csv.writer", "csv.DictWriter"}:
            offenders.append(f"{relative}: csv writer")
        if "Workbook" in calls and not calls & {"sheet_row", "sheet_text"}:
            offenders.append(f"{relative}: workbook without sheet_row/sheet_text")
    assert offenders == []
