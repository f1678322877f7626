"""Who the desk opens as, and what a command's `--as` changes: a one-off `--as` on a command
never changes who the TUI opens as next; `desk demo` opens as the demo's admin unless `--as`
says otherwise; a command that finds no database after `desk demo` says where the demo is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import desk.app
import desk.cli.tui
from db import open_database
from desk.cli.main import app
from desk.config import load_config
from tests.conftest import ADMIN, PETUGAS_PUPR, PIMPINAN, make_office

runner = CliRunner()


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))
    monkeypatch.delenv("DESK_DB", raising=False)
    monkeypatch.delenv("DESK_PIN", raising=False)


@pytest.fixture
def opened_as(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The officer each TUI run opened as (None: the picker)."""
    opened: list[Any] = []

    class FakeApp:
        def __init__(self, path: Path, actor: Any, officers: Any, *, office_tz: str) -> None:
            opened.append(actor.nip if actor else None)

        def run(self) -> None:
            pass

    monkeypatch.setattr(desk.app, "DeskApp", FakeApp)
    return opened


def office_at(path: Path) -> Path:
    database = open_database(path)
    make_office(database)
    database.conn.close()
    return path


@pytest.fixture
def office(tmp_path: Path) -> Path:
    return office_at(tmp_path / "office.db")


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small demo database where `desk demo` looks for it (its admin is the seed's)."""
    (tmp_path / "data").mkdir()
    path = office_at(tmp_path / "data" / "demo.db")
    monkeypatch.setattr(desk.cli.tui, "demo_database_path", lambda: path)
    return path


def ok(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output


def test_a_one_off_as_on_a_command_leaves_the_desks_officer_alone(
    office: Path, opened_as: list[Any]
) -> None:
    ok("--db", str(office), "--as", PETUGAS_PUPR.nip)  # the desk, as the petugas
    ok("case", "list", "--db", str(office), "--as", ADMIN.nip)  # a one-off as the admin
    ok("--as", PIMPINAN.nip, "case", "list", "--db", str(office))  # --as before the command
    ok("--db", str(office))  # the desk again, no --as
    assert opened_as == [PETUGAS_PUPR.nip, PETUGAS_PUPR.nip]
    config = load_config()
    assert config.officer_for(office) == PETUGAS_PUPR.nip
    assert config.command_officer_for(office) == PIMPINAN.nip


def test_a_command_without_its_own_as_works_as_the_desks_officer(
    office: Path, opened_as: list[Any]
) -> None:
    ok("--db", str(office), "--as", ADMIN.nip)
    result = runner.invoke(app, ["case", "list", "--db", str(office), "--json"])
    assert result.exit_code == 0, result.output  # no --as: the desk's officer
    assert load_config().command_officer_for(office) == ADMIN.nip


def test_the_desk_with_no_officer_of_its_own_opens_the_picker(
    office: Path, opened_as: list[Any]
) -> None:
    ok("case", "list", "--db", str(office), "--as", ADMIN.nip)
    ok("--db", str(office))
    assert opened_as == [None]


def test_demo_opens_as_the_coordinating_admin_unless_as_says_otherwise(
    demo: Path, opened_as: list[Any]
) -> None:
    ok("demo")
    ok("demo", "--as", PETUGAS_PUPR.nip)
    ok("case", "list", "--db", str(demo), "--as", PIMPINAN.nip)
    ok("demo")
    assert opened_as == [ADMIN.nip, PETUGAS_PUPR.nip, ADMIN.nip]


def test_after_demo_a_command_that_finds_no_database_names_the_demo(
    demo: Path, tmp_path: Path
) -> None:
    missing = tmp_path / "nothing-here.db"
    result = runner.invoke(app, ["case", "list"], env={"DESK_DB": str(missing)})
    assert result.exit_code == 1
    (line,) = result.stderr.strip().splitlines()
    assert str(missing) in line and f"--db {demo}" in line and f"DESK_DB={demo}" in line
    english = runner.invoke(app, ["--lang", "en", "officer", "list"], env={"DESK_DB": str(missing)})
    assert f"The demo database is {demo}" in english.stderr
    named = runner.invoke(app, ["case", "list", "--db", str(missing)])  # --db: what was asked
    assert named.exit_code == 1 and str(demo) not in named.stderr
    demo.unlink()
    without = runner.invoke(app, ["case", "list"], env={"DESK_DB": str(missing)})
    assert without.exit_code == 1 and "demo.db" not in without.stderr
