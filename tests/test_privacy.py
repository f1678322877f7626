"""A sweep for leaks: a known NIK and phone number must not appear where a role may not see them.

Every export format at every level, the command line and the case screen, for each role.
(Sync payloads: tests/test_central_feed.py; reports: tests/test_report.py.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlite_utils
from typer.testing import CliRunner

from db import open_database
from desk import services
from desk.cli.main import app
from desk.exporting import ExportOptions, export_cases
from desk.inbox import InboxSource
from desk.workflow import Action, Actor
from screens.case_detail import CaseScreen
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, PIMPINAN, make_office

NIK = "6471010101900003"
PHONE = "081234567890"
NAME = "Andi Wijaya"
SECRET_TITLE = "Dugaan suap pejabat dinas"
runner = CliRunner()


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    reporter = {"name": NAME, "nik": NIK, "phone": PHONE, "email": "andi@example.id"}
    for number, fields in (
        ("8200001", {"title": "Jalan rusak", "body": "Berlubang."}),
        ("8200002", {"title": "Pungli di loket", "body": "Diminta uang.", "anonymous": True}),
        ("8200003", {"title": SECRET_TITLE, "body": "Rahasia.", "confidential": True}),
    ):
        case = services.create_case(
            database, {"tracking_no": number, **fields}, reporter=reporter, received_at=NOW, now=NOW
        )
        services.perform(database, ADMIN, Action.VERIFY, case["id"], unit_code="PUPR", now=NOW)
    database.conn.close()
    return path


def exported_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        return "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    return path.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("actor", [ADMIN, PETUGAS_PUPR, PIMPINAN], ids=lambda a: a.role.value)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl", ".json"])
def test_no_export_without_include_personal_carries_nik_or_phone(
    office: Path, tmp_path: Path, actor: Actor, suffix: str
) -> None:
    database = open_database(office)
    target = tmp_path / f"out{suffix}"
    export_cases(database, target, ExportOptions(), actor=actor, now=NOW)
    text = exported_text(target)
    assert "8200002" in text  # the cases are there...
    assert NIK not in text and PHONE not in text  # ...their reporters' numbers are not
    public = tmp_path / f"public{suffix}"
    export_cases(database, public, ExportOptions(public=True), actor=actor, now=NOW)
    text = exported_text(public)
    assert NIK not in text and PHONE not in text and NAME not in text
    assert SECRET_TITLE not in text and "8200003" not in text  # Rahasia: never public


def test_only_an_admin_export_with_include_personal_carries_them(
    office: Path, tmp_path: Path
) -> None:
    database = open_database(office)
    target = tmp_path / "personal.jsonl"
    export_cases(database, target, ExportOptions(include_personal=True), actor=ADMIN, now=NOW)
    assert NIK in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("actor", [PETUGAS_PUPR, PIMPINAN], ids=lambda a: a.role.value)
@pytest.mark.parametrize("number", ["8200001", "8200002"])
def test_case_show_never_prints_them_to_a_unit_officer_or_a_head(
    office: Path, actor: Actor, number: str
) -> None:
    for extra in ([], ["--json"]):
        result = runner.invoke(
            app, ["case", "show", number, "--db", str(office), "--as", actor.nip, *extra]
        )
        assert result.exit_code == 0, result.output
        assert NIK not in result.output and PHONE not in result.output
        if number == "8200002":  # Anonim: not even the name
            assert NAME not in result.output


async def screen_text(path: Path, actor: Actor, case_id: int) -> str:
    from textual.app import App

    class OneCase(App[None]):
        def on_mount(self) -> None:
            self.push_screen(CaseScreen(InboxSource(path, actor, clock=lambda: NOW), case_id))

    shown = OneCase()
    async with shown.run_test(size=(120, 60)) as pilot:
        for _ in range(3):
            await shown.workers.wait_for_complete()
            await pilot.pause()
        return str(shown.export_screenshot())


@pytest.mark.parametrize("actor", [PETUGAS_PUPR, PIMPINAN], ids=lambda a: a.role.value)
async def test_the_case_screen_never_shows_them_to_a_unit_officer_or_a_head(
    office: Path, actor: Actor
) -> None:
    database = open_database(office)
    ids: dict[str, Any] = dict(database.execute("SELECT tracking_no, id FROM cases").fetchall())
    database.conn.close()
    normal = await screen_text(office, actor, ids["8200001"])
    anonymous = await screen_text(office, actor, ids["8200002"])
    assert "8200001" in normal  # the screen did render the case
    for text in (normal, anonymous):
        assert NIK not in text and PHONE not in text
    assert NAME.replace(" ", "&#160;") not in anonymous and NAME not in anonymous


async def test_the_admin_sees_the_full_reporter_on_the_case_screen(office: Path) -> None:
    database: sqlite_utils.Database = open_database(office)
    case_id = database.execute("SELECT id FROM cases WHERE tracking_no = '8200001'").fetchone()[0]
    database.conn.close()
    assert NIK in await screen_text(office, ADMIN, case_id)  # the check above can fail
