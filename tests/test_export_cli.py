"""`desk export` as a user runs it: formats, summary lines, exit statuses, refusals, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import typer
from typer.testing import CliRunner, Result

from db import open_database
from desk.cli import export_cmd
from desk.workflow import Actor
from tests.conftest import ADMIN, PETUGAS_PUPR, PIMPINAN
from tests.test_export import PLAIN, SECRET, build_office, read_csv, read_jsonl

runner = CliRunner()


def desk_cli() -> typer.Typer:
    """The `desk` app with `export` mounted as desk/cli/main.py mounts it."""
    from desk.cli import main

    if any(command.name == "export" for command in main.app.registered_commands):
        return main.app
    app = typer.Typer(cls=main.FriendlyGroup, rich_markup_mode=None, pretty_exceptions_enable=False)
    app.callback()(main.main)
    app.command("export")(export_cmd.export_command)
    return app


CLI = desk_cli()


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config" / "config.json"))
    monkeypatch.delenv("DESK_DB", raising=False)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "desk.db"
    database = open_database(path)
    build_office(database)
    database.conn.close()
    yield path


def run(db: Path, *args: str, actor: Actor | None = ADMIN, lang: str = "id") -> Result:
    command = ["--lang", lang, "export", *args, "--db", str(db)]
    if actor is not None:
        command += ["--as", actor.nip]
    return runner.invoke(CLI, command)


def one_line_error(result: Result, status: int) -> str:
    assert result.exit_code == status, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    assert lines[0].startswith("desk: ")
    return lines[0]


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "jsonl", "json"])
def test_each_format_from_the_suffix_with_a_one_line_summary(
    office: Path, tmp_path: Path, suffix: str
) -> None:
    target = tmp_path / f"kasus.{suffix}"
    result = run(office, "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"5 kasus diekspor ke {target} ({suffix.upper()}, data pribadi disamarkan)."
    )
    assert target.exists()
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_english_summary_and_format_option(office: Path, tmp_path: Path) -> None:
    target = tmp_path / "kasus.txt"
    result = run(office, "-o", str(target), "--format", "jsonl", "--public", lang="en")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"4 cases exported to {target} (JSONL, public)."
    assert len(read_jsonl(target)) == 4


def test_json_prints_one_summary_object(office: Path, tmp_path: Path) -> None:
    target = tmp_path / "kasus.csv"
    result = run(office, "-o", str(target), "--status", "terverifikasi", "--unit", "pupr", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "format": "csv",
        "path": str(target),
        "cases": 1,
        "personal": False,
        "public": False,
        "filters": {"status": ["terverifikasi"], "unit": ["PUPR"]},
    }


def test_filters_repeat_and_combine(office: Path, tmp_path: Path) -> None:
    target = tmp_path / "kasus.csv"
    result = run(
        office,
        "-o",
        str(target),
        "--status",
        "terverifikasi",
        "--status",
        "diproses",
        "--unit",
        "PUPR",
        "--since",
        "04/11/2026",
        "--until",
        "2026-11-05",
        "--query",
        "jalan",
        "--delimiter",
        ",",
    )
    assert result.exit_code == 0, result.output
    assert [row["tracking_no"] for row in read_csv(target, delimiter=",")] == ["2002"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--format", "pdf"], "pdf"),
        (["--public", "--include-personal"], "--public"),
        (["--since", "31/02/2026"], "--since"),
        (["--since", "2026-11-06", "--until", "2026-11-01"], "2026-11-06"),
        (["--query", "stauts:baru"], "status:"),
        (["--query", "sesudah:kemarin"], "kemarin"),
        (["--status", "tutup"], "tutup"),
        (["--unit", "XYZ"], "XYZ"),
        (["--delimiter", "#"], "#"),
    ],
)
def test_options_that_cannot_be_used_exit_2_with_one_line(
    office: Path, tmp_path: Path, args: list[str], words: str
) -> None:
    target = tmp_path / "kasus.csv"
    line = one_line_error(run(office, "-o", str(target), *args), 2)
    assert words in line
    assert not target.exists()


def test_no_format_to_be_told_from_the_name_exits_2(office: Path, tmp_path: Path) -> None:
    line = one_line_error(run(office, "-o", str(tmp_path / "kasus")), 2)
    assert "--format" in line


@pytest.mark.parametrize("actor", [PETUGAS_PUPR, PIMPINAN])
def test_include_personal_is_refused_to_non_admins(
    office: Path, tmp_path: Path, actor: Actor
) -> None:
    target = tmp_path / "kasus.csv"
    line = one_line_error(run(office, "-o", str(target), "--include-personal", actor=actor), 1)
    assert "admin" in line and actor.nip in line
    assert not target.exists()


def test_an_admin_may_include_personal_data(office: Path, tmp_path: Path) -> None:
    target = tmp_path / "kasus.xlsx"
    result = run(office, "-o", str(target), "--include-personal")
    assert result.exit_code == 0, result.output
    assert "dengan data pribadi" in result.stdout
    sheet = openpyxl.load_workbook(target).active
    values = {str(value) for row in sheet.iter_rows(values_only=True) for value in row}
    assert {PLAIN["nik"], PLAIN["phone"], SECRET["nik"]} <= values


def test_public_csv_holds_no_personal_data(office: Path, tmp_path: Path) -> None:
    target = tmp_path / "publik.csv"
    result = run(office, "-o", str(target), "--public", actor=PIMPINAN)  # every unit's
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8-sig")
    assert SECRET["nik"] not in text and PLAIN["phone"] not in text and "6471" not in text
    assert [row["tracking_no"] for row in read_csv(target)] == ["2001", "2002", "2004", "2005"]


def test_a_missing_database_is_one_line(tmp_path: Path) -> None:
    line = one_line_error(run(tmp_path / "nothing.db", "-o", str(tmp_path / "k.csv")), 1)
    assert "nothing.db" in line
    assert not (tmp_path / "nothing.db").exists()


def test_an_unwritable_path_is_one_line_and_leaves_nothing(office: Path, tmp_path: Path) -> None:
    line = one_line_error(run(office, "-o", str(tmp_path / "tidak-ada" / "kasus.csv")), 1)
    assert "tidak-ada" in line
    line = one_line_error(run(office, "-o", str(tmp_path), "--format", "csv"), 1)
    assert str(tmp_path) in line
    assert not any(".part" in path.name or "kasus" in path.name for path in tmp_path.iterdir())


def test_the_export_is_audited_with_the_officer(office: Path, tmp_path: Path) -> None:
    result = run(office, "-o", str(tmp_path / "kasus.json"), actor=PIMPINAN)  # every unit's
    assert result.exit_code == 0, result.output
    database = open_database(office)
    nip, detail = database.execute(
        "SELECT actor_nip, detail FROM audit_log WHERE action = 'export'"
    ).fetchone()
    assert nip == PIMPINAN.nip
    assert json.loads(detail)["cases"] == 5
