"""`desk case list` and `desk officer list` as scripts and people meet them: the case number and
the NIP are never dropped nor cut, at any terminal width; a pipe gets plain columns."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from db import open_database
from desk.cli import case_cmd, officer_cmd
from desk.cli.main import app
from tests.conftest import ADMIN, OFFICERS, case_in, make_office

runner = CliRunner()
DRAWING = set("─│┌┐└┘├┤┬┴┼━")
WIDTHS = (1, 8, 12, 20, 30, 45, 60, 80, 100, 140, 200)


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))
    monkeypatch.delenv("DESK_DB", raising=False)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    for number, status in (("1001", "baru"), ("1002", "tunda"), ("1003", "terverifikasi")):
        case_in(database, status, number)
    database.execute("UPDATE cases SET title = ?", ["Jalan rusak yang sangat panjang " * 4])
    database.conn.commit()
    database.conn.close()
    yield path


def terminal(width: int) -> Console:
    return Console(highlight=False, width=width, force_terminal=True, color_system=None)


def case_list(office: Path, *extra: str) -> str:
    result = runner.invoke(
        app, ["case", "list", "--db", str(office), "--as", ADMIN.nip, "--order", "received", *extra]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("width", WIDTHS)
def test_every_terminal_width_shows_every_case_number_whole(
    office: Path, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setattr(case_cmd, "console", terminal(width))
    lines = case_list(office).splitlines()
    numbers = [line.split()[0] for line in lines if line.startswith("#")]
    assert sorted(numbers) == ["#1001", "#1002", "#1003"], lines
    assert lines[0].split()[0] == "Nomor"


def test_a_wide_terminal_draws_a_table_with_more_columns(
    office: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_cmd, "console", terminal(200))
    header, rule = case_list(office).splitlines()[:2]
    assert set(rule.strip()) == {"─"}
    assert header.split() == [
        "Nomor", "Batas", "Status", "Kategori", "Unit", "Judul", "Pelapor", "Kanal", "Diterima"
    ]  # fmt: skip


def test_a_pipe_gets_plain_columns_whatever_the_width(
    office: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(case_cmd, "console", Console(highlight=False, width=20))  # no terminal
    lines = case_list(office).splitlines()
    assert not DRAWING & set("".join(lines))
    assert lines[0].split() == [
        "Nomor", "Batas", "Status", "Kategori", "Unit", "Judul", "Pelapor", "Kanal", "Diterima"
    ]  # fmt: skip
    rows = lines[1:4]
    assert sorted(row.split()[0] for row in rows) == ["#1001", "#1002", "#1003"]
    assert all(("Jalan rusak yang sangat panjang " * 2).strip() in row for row in rows)
    assert lines[-1] == "Semua · 1–3 dari 3 kasus"
    # Columns start at the same place on every line: plain columns, not a ragged list.
    start = lines[0].index("Status")
    assert all(row[start - 2 : start] == "  " and row[start] != " " for row in rows)


def run_desk(
    *args: str, env: dict[str, str], **options: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desk.cli.main", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=120,
        check=False,
    )


def test_through_a_real_pipe_the_list_is_plain(office: Path, tmp_path: Path) -> None:
    env = {**os.environ, "DESK_CONFIG": str(tmp_path / "config.json"), "COLUMNS": "30"}
    env.pop("FORCE_COLOR", None), env.pop("TTY_COMPATIBLE", None)
    result = run_desk("case", "list", "--db", str(office), "--as", ADMIN.nip, env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert not DRAWING & set(result.stdout) and "\x1b" not in result.stdout
    assert lines[0].startswith("Nomor  ") and "Diterima" in lines[0]
    assert sorted(line.split()[0] for line in lines[1:4]) == ["#1001", "#1002", "#1003"]


def test_in_a_real_narrow_terminal_the_numbers_stay_whole(office: Path, tmp_path: Path) -> None:
    env = {**os.environ, "DESK_CONFIG": str(tmp_path / "config.json"), "COLUMNS": "14"}
    env.pop("TTY_COMPATIBLE", None)
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "desk.cli.main",
                "case",
                "list",
                "--db",
                str(office),
                "--as",
                ADMIN.nip,
            ],
            env=env,
            stdout=follower,
            stderr=subprocess.PIPE,
        )
        os.close(follower)
        output = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        assert process.wait(timeout=120) == 0
    finally:
        os.close(leader)
    text = output.decode("utf-8")
    assert "─" in text  # a terminal: a table
    for number in ("#1001", "#1002", "#1003"):
        assert number in text


# -- officer list ---------------------------------------------------------------------------------


def officer_list(office: Path) -> str:
    result = runner.invoke(app, ["officer", "list", "--db", str(office)])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_list_never_cuts_a_nip(
    office: Path, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    monkeypatch.setattr(officer_cmd, "console", terminal(width))
    shown = {line.split()[0] for line in officer_list(office).splitlines() if line.strip()}
    assert {officer.nip for officer in OFFICERS} <= shown


def test_officer_list_in_a_pipe_is_plain_columns(
    office: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(officer_cmd, "console", Console(highlight=False, width=20))
    lines = officer_list(office).splitlines()
    assert not DRAWING & set("".join(lines))
    assert lines[0].split() == ["NIP", "Nama", "Unit", "Peran"]
    assert {line.split()[0] for line in lines[1:]} == {officer.nip for officer in OFFICERS}
    assert any("Siti Rahmawati" in line and "PUPR" in line for line in lines)
