"""Who may read what (issue 15, point 10; docs/security.md, "Who may read what").

A petugas reads their unit's cases and their unit's counter intakes, nothing of any other case;
admins and heads read every case; the reporter as each role may see them. Checked through the
services, the CLI (CliRunner) and the TUI (a Pilot), for each role and kind of case: normal,
Rahasia, Anonim, not yet disposed, taken at the counter. Every read that is refused says why
and leaves a `read_refused` audit entry.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from rich.console import Console
from textual.app import App
from textual.worker import WorkerFailed
from typer.testing import CliRunner, Result

from db import open_database
from desk import attachments, services
from desk.case_view import load_case_view
from desk.cli.main import app as cli
from desk.errors import ActionRefused, NotFound
from desk.inbox import InboxSource, Query
from desk.intake import IntakeDraft, record_intake
from desk.search_query import parse_query
from desk.workflow import Action, Actor
from screens.case_detail import CaseScreen
from tests.conftest import (
    ADMIN,
    NOW,
    OFFICERS,
    PETUGAS_DINKES,
    PETUGAS_PUPR,
    PETUGAS_PUPR_2,
    PIMPINAN,
    make_office,
)

runner = CliRunner()

NIK = "6471010101900003"
PHONE = "081234567890"
NAME = "Andi Wijaya"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
# Words found in one case each, to search for.
PUPR_SECRET = "Dugaan pungutan liar proyek drainase"
DINKES_TITLE = "Antrean puskesmas mengular"
DINKES_SECRET = "Dugaan suap kepala puskesmas Sempaja"
DRAFT = IntakeDraft(
    title="Lampu jalan padam di Jl. Pahlawan",
    text="Sudah dua minggu lampu jalan padam.",
    category="Pekerjaan Umum dan Penataan Ruang",
    channel="loket",
    name="Rina Marlina",
    nik="6472 0145 0590 0002",
    phone="0813-5555-0101",
)

# The office's cases: number → (unit, title, flags). Every reporter has the same NIK and phone,
# so each case is a possible duplicate of every other by reporter.
CASES: dict[str, tuple[str | None, str, dict[str, bool]]] = {
    "8300001": ("PUPR", "Jalan berlubang di Jl. Juanda", {}),
    "8300002": ("PUPR", PUPR_SECRET, {"confidential": True}),
    "8300003": ("PUPR", "Trotoar rusak di Jl. Awang Long", {"anonymous": True}),
    "8300011": ("DINKES", DINKES_TITLE, {}),
    "8300012": ("DINKES", DINKES_SECRET, {"confidential": True}),
    "8300013": ("DINKES", "Obat kosong di puskesmas", {"anonymous": True}),
    "8300021": (None, "Laporan belum diverifikasi", {}),  # the admin's: not disposed yet
}
PUPR_NUMBERS = {"8300001", "8300002", "8300003"}
DINKES_NUMBERS = {"8300011", "8300012", "8300013"}
PUPR_INTAKE = "L-PUPR-0001"  # recorded at the counter by PETUGAS_PUPR, not yet disposed
DINKES_INTAKE = "L-DINKES-0001"  # recorded by PETUGAS_DINKES, not yet disposed


def build(path: Path) -> None:
    database = open_database(path)
    make_office(database)
    reporter = {"name": NAME, "nik": NIK, "phone": PHONE, "email": "andi@example.id"}
    for number, (unit, title, flags) in CASES.items():
        case = services.create_case(
            database,
            {"tracking_no": number, "title": title, "body": f"{title}. Mohon ditindaklanjuti."}
            | flags,
            reporter=reporter,
            received_at=NOW,
            now=NOW,
        )
        if unit is not None:
            services.perform(database, ADMIN, Action.VERIFY, case["id"], unit_code=unit, now=NOW)
    assert record_intake(database, PETUGAS_PUPR, DRAFT, NOW).provisional_no == PUPR_INTAKE
    dinkes = IntakeDraft(**{**DRAFT.__dict__, "title": "Ambulans terlambat datang"})
    assert record_intake(database, PETUGAS_DINKES, dinkes, NOW).provisional_no == DINKES_INTAKE
    database.conn.close()


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from desk.cli import attach_cmd, case_cmd

    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config" / "config.json"))
    monkeypatch.delenv("DESK_DB", raising=False)
    monkeypatch.delenv("DESK_PIN", raising=False)
    for module in (case_cmd, attach_cmd):
        monkeypatch.setattr(module, "console", Console(highlight=False, width=250))
    path = tmp_path / "desk.db"
    build(path)
    return path


@pytest.fixture
def database(office: Path) -> Iterator[sqlite_utils.Database]:
    opened = open_database(office)
    yield opened
    opened.conn.close()


def may_read(actor: Actor, number: str) -> bool:
    """The rule, as docs/security.md's table says it."""
    if actor.role.value != "petugas":
        return True
    own = {"PUPR": PUPR_NUMBERS | {PUPR_INTAKE}, "DINKES": DINKES_NUMBERS | {DINKES_INTAKE}}
    return number in own.get(actor.unit_code, set())


EVERY_CASE = [*CASES, PUPR_INTAKE, DINKES_INTAKE]


def refusals(database: sqlite_utils.Database) -> list[tuple[str, int, dict[str, Any]]]:
    rows = database.execute(
        "SELECT actor_nip, case_id, detail FROM audit_log WHERE action = 'read_refused' "
        "ORDER BY seq"
    ).fetchall()
    return [(nip, case_id, json.loads(detail)) for nip, case_id, detail in rows]


def case_id(database: sqlite_utils.Database, number: str) -> int:
    return int(services.find_case(database, number)["id"])


# -- services ------------------------------------------------------------------------------


def test_each_officer_reads_exactly_the_cases_the_rule_gives(
    database: sqlite_utils.Database,
) -> None:
    for actor in OFFICERS:
        for number in EVERY_CASE:
            if may_read(actor, number):
                view = load_case_view(database, actor, number, NOW)
                assert view.label in (f"#{number}", number)
            else:
                with pytest.raises(ActionRefused):
                    load_case_view(database, actor, number, NOW)


def test_a_refused_read_says_why_names_nothing_of_the_case_and_is_audited(
    database: sqlite_utils.Database,
) -> None:
    with pytest.raises(ActionRefused) as refused:
        load_case_view(database, PETUGAS_PUPR, "8300012", NOW)
    message = str(refused.value)
    assert PETUGAS_PUPR.nip in message and "PUPR" in message
    assert "DINKES" not in message and "suap" not in message  # nothing of the case itself
    # A number that does not exist is still "not found", and no refusal.
    with pytest.raises(NotFound):
        load_case_view(database, PETUGAS_PUPR, "9999999", NOW)
    assert refusals(database) == [
        (
            PETUGAS_PUPR.nip,
            case_id(database, "8300012"),
            {"case": "#8300012", "for": "show", "unit": "PUPR"},
        )
    ]


def listed(path: Path, actor: Actor, view: str = "semua", search: str | None = None) -> set[str]:
    source = InboxSource(path, actor, clock=lambda: NOW)
    query = Query(view, parse_query(search) if search else None)
    rows = source.page(query, limit=1000)
    assert source.count(query) == len(rows)
    return {row["tracking_no"] or row["provisional_no"] for row in rows}


def test_the_lists_hold_exactly_what_the_officer_may_read(office: Path) -> None:
    for actor in OFFICERS:
        readable = {number for number in EVERY_CASE if may_read(actor, number)}
        assert listed(office, actor) == readable, actor.name
        counts = InboxSource(office, actor, clock=lambda: NOW).view_counts()
        assert counts["semua"] == len(readable)
        # Every other view is a part of it.
        for view in counts:
            assert listed(office, actor, view) <= readable


@pytest.mark.parametrize(
    "search",
    [
        "suap",  # a word of DINKES's Rahasia case
        "puskesmas",  # words of DINKES's cases only
        "#8300012",
        "#8300011",
        "unit:DINKES",
        "rahasia:ya",
        "anonim:ya",
        f"#{DINKES_INTAKE}",
    ],
)
def test_a_search_never_finds_another_units_case(office: Path, search: str) -> None:
    found = listed(office, PETUGAS_PUPR, search=search)
    assert not found & (DINKES_NUMBERS | {DINKES_INTAKE, "8300021"})
    assert found <= PUPR_NUMBERS | {PUPR_INTAKE}
    assert listed(office, ADMIN, search=search)  # the search does find it for an admin


def test_pages_merge_the_unit_and_its_counter_intakes_in_order(office: Path) -> None:
    source = InboxSource(office, PETUGAS_PUPR, clock=lambda: NOW)
    query = Query("semua")
    first = source.page(query, limit=2)
    rest = source.page(query, after=first[-1]["key"], limit=10)
    numbers = [row["tracking_no"] or row["provisional_no"] for row in first + rest]
    assert sorted(numbers) == sorted(PUPR_NUMBERS | {PUPR_INTAKE})
    keys = [(row["due_sort"], row["id"]) for row in first + rest]
    assert keys == sorted(keys)
    assert source.position(query, rest[0]["key"]) == 2
    back = source.page(query, before=rest[0]["key"], limit=10)
    assert [row["id"] for row in back] == [row["id"] for row in first]
    assert {row["id"] for row in source.case_ids(query, 100)} == {row["id"] for row in first + rest}


def test_possible_duplicates_are_only_cases_the_officer_may_read(
    database: sqlite_utils.Database,
) -> None:
    # The same NIK and phone on every case: the admin is offered cases of every unit...
    offered = {d.label for d in load_case_view(database, ADMIN, "8300001", NOW).duplicates}
    assert "#8300012" in offered or "#8300011" in offered
    # ...a petugas only their own unit's (not the title of DINKES's Rahasia case).
    view = load_case_view(database, PETUGAS_PUPR, "8300001", NOW)
    assert view.duplicates
    assert {d.label for d in view.duplicates} <= {"#8300002", "#8300003", PUPR_INTAKE}
    assert all(DINKES_SECRET not in d.title for d in view.duplicates)


def test_the_receipt_follows_the_same_rule(database: sqlite_utils.Database) -> None:
    from desk.receipt import receipt_for

    with pytest.raises(ActionRefused):
        receipt_for(database, PETUGAS_PUPR, "8300011")
    with pytest.raises(ActionRefused):
        receipt_for(database, PETUGAS_PUPR, DINKES_INTAKE)
    assert [entry[2]["for"] for entry in refusals(database)] == ["receipt", "receipt"]
    # A colleague of the same unit reprints the counter's receipt; the name as they may see it.
    assert "Rina Marlina" in receipt_for(database, PETUGAS_PUPR_2, PUPR_INTAKE)
    assert NAME in receipt_for(database, PETUGAS_PUPR, "8300001")
    assert NAME not in receipt_for(database, PIMPINAN, "8300001")  # a head: initials
    assert "A. W." in receipt_for(database, PIMPINAN, "8300001")
    assert NAME not in receipt_for(database, ADMIN, "8300003")  # Anonim, whoever prints it


def test_counter_intakes_belong_to_the_unit_until_disposed(
    database: sqlite_utils.Database,
) -> None:
    load_case_view(database, PETUGAS_PUPR_2, PUPR_INTAKE, NOW)  # a colleague of the unit
    services.perform(
        database, ADMIN, Action.VERIFY, case_id(database, PUPR_INTAKE), unit_code="DINKES", now=NOW
    )
    with pytest.raises(ActionRefused):
        load_case_view(database, PETUGAS_PUPR, PUPR_INTAKE, NOW)
    load_case_view(database, PETUGAS_DINKES, PUPR_INTAKE, NOW)


def test_attachments_follow_the_same_rule_and_every_read_is_audited(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    photo = tmp_path / "foto.png"
    photo.write_bytes(PNG)
    attachments.attach(database, PETUGAS_DINKES, "8300012", photo, NOW)
    attachments.attach(database, PETUGAS_PUPR, "8300001", photo, NOW)
    for read in (
        lambda: attachments.attachments_for(database, PETUGAS_PUPR, "8300012"),
        lambda: attachments.pick(database, PETUGAS_PUPR, "8300012", None),
        lambda: attachments.read_attachment(database, PETUGAS_PUPR, "8300012", "1", shown="path"),
    ):
        with pytest.raises(ActionRefused):
            read()
    assert [entry[2]["for"] for entry in refusals(database)] == [
        "attachments",
        "attachment",
        "attachment",
    ]
    for actor in (ADMIN, PIMPINAN, PETUGAS_DINKES):
        _case, files = attachments.attachments_for(database, actor, "8300012")
        assert [entry.name for entry in files] == ["foto.png"]
    _entry, path = attachments.read_attachment(database, PETUGAS_PUPR, "8300001", "1", shown="path")
    assert path.read_bytes() == PNG
    audited = database.execute(
        "SELECT actor_nip, detail FROM audit_log WHERE action = 'attachment_read'"
    ).fetchall()
    assert [(nip, json.loads(detail)["as"]) for nip, detail in audited] == [
        (PETUGAS_PUPR.nip, "path")
    ]


# -- the command line ------------------------------------------------------------------------


def run(path: Path, *args: str, actor: Actor) -> Result:
    return runner.invoke(cli, ["--lang", "id", *args, "--db", str(path), "--as", actor.nip])


def refused_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("number", ["8300011", "8300012", "8300013", "8300021", DINKES_INTAKE])
@pytest.mark.parametrize("extra", [[], ["--json"]], ids=["text", "json"])
def test_case_show_refuses_another_units_case(office: Path, number: str, extra: list[str]) -> None:
    result = run(office, "case", "show", number, *extra, actor=PETUGAS_PUPR)
    line = refused_line(result)
    assert PETUGAS_PUPR.nip in line
    for secret in (NAME, "6471", DINKES_SECRET, DINKES_TITLE):
        assert secret not in result.output
    database = open_database(office)
    assert [entry[2]["for"] for entry in refusals(database)] == ["show"]


def test_a_rahasia_case_is_shown_to_its_unit_admins_and_heads_only(office: Path) -> None:
    refused_line(run(office, "case", "show", "8300012", actor=PETUGAS_PUPR))
    for actor in (ADMIN, PIMPINAN, PETUGAS_DINKES):
        result = run(office, "case", "show", "8300012", actor=actor)
        assert result.exit_code == 0, result.output
        assert DINKES_SECRET in result.stdout
        assert (NIK in result.stdout) == (actor == ADMIN)


def test_case_list_and_search_give_a_petugas_their_units_cases_only(office: Path) -> None:
    result = run(office, "case", "list", "--view", "semua", "--json", actor=PETUGAS_PUPR)
    assert result.exit_code == 0, result.output
    numbers = {row["number"].lstrip("#") for row in json.loads(result.stdout)}
    assert numbers == PUPR_NUMBERS | {PUPR_INTAKE}
    text = run(office, "case", "list", "--view", "semua", actor=PETUGAS_PUPR).stdout
    assert DINKES_SECRET not in text and DINKES_TITLE not in text
    assert "1–4 dari 4 kasus" in text
    for query in ("suap", "#8300012", "unit:DINKES"):
        searched = run(office, "case", "list", "-q", query, "--json", actor=PETUGAS_PUPR)
        assert json.loads(searched.stdout) == [], query
    admin = run(office, "case", "list", "-q", "suap", "--json", actor=ADMIN)
    assert [row["number"] for row in json.loads(admin.stdout)] == ["#8300012"]


def test_case_list_after_another_units_case_is_refused(office: Path) -> None:
    result = run(office, "case", "list", "--after", "8300012", actor=PETUGAS_PUPR)
    refused_line(result)
    assert [entry[2]["for"] for entry in refusals(open_database(office))] == ["list"]


def test_case_receipt_refuses_another_units_case(office: Path) -> None:
    for number in ("8300011", DINKES_INTAKE):
        result = run(office, "case", "receipt", number, actor=PETUGAS_PUPR)
        refused_line(result)
        assert NAME not in result.output and "Rina Marlina" not in result.output
    own = run(office, "case", "receipt", PUPR_INTAKE, actor=PETUGAS_PUPR_2)
    assert own.exit_code == 0, own.output
    assert "Rina Marlina" in own.stdout


def test_case_attachments_and_open_attachment_refuse_another_units_case(
    office: Path, tmp_path: Path
) -> None:
    photo = tmp_path / "foto.png"
    photo.write_bytes(PNG)
    attached = run(office, "case", "attach", "8300012", str(photo), actor=PETUGAS_DINKES)
    assert attached.exit_code == 0, attached.output
    listing = run(office, "case", "attachments", "8300012", actor=PETUGAS_PUPR)
    refused_line(listing)
    assert "foto.png" not in listing.output
    opening = run(office, "case", "open-attachment", "8300012", "--path", actor=PETUGAS_PUPR)
    refused_line(opening)
    assert "foto.png" not in opening.output and ".files" not in opening.output
    database = open_database(office)
    assert [entry[2]["for"] for entry in refusals(database)] == ["attachments", "attachment"]
    assert database.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'attachment_read'"
    ).fetchone() == (0,)
    mine = run(office, "case", "attachments", "8300012", actor=PETUGAS_DINKES)
    assert mine.exit_code == 0 and "foto.png" in mine.stdout


def test_an_export_by_a_petugas_holds_only_their_units_cases(office: Path, tmp_path: Path) -> None:
    target = tmp_path / "kasus.jsonl"
    result = run(office, "export", "-o", str(target), actor=PETUGAS_PUPR)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    # The counter intake has no tracking number yet: known by its title.
    assert {record["tracking_no"] or record["title"] for record in records} == PUPR_NUMBERS | {
        DRAFT.title
    }
    everything = tmp_path / "semua.jsonl"
    assert run(office, "export", "-o", str(everything), actor=PIMPINAN).exit_code == 0
    assert DINKES_SECRET in everything.read_text(encoding="utf-8")


def test_counter_intake_hints_show_only_cases_the_officer_may_read(
    database: sqlite_utils.Database,
) -> None:
    from desk.intake import duplicate_hints

    typed = IntakeDraft(nik=NIK)  # the NIK of every case in the office
    assert {hint.label for hint in duplicate_hints(database, PETUGAS_PUPR, typed)} <= {
        f"#{number}" for number in PUPR_NUMBERS
    }
    hints = {hint.label for hint in duplicate_hints(database, ADMIN, typed)}
    assert hints & {f"#{number}" for number in DINKES_NUMBERS}


# -- the desk (TUI) --------------------------------------------------------------------------


async def test_the_inbox_lists_a_petugas_only_their_units_cases(office: Path) -> None:
    from desk.app import DeskApp
    from widgets.case_list import CaseList

    app = DeskApp(office, PETUGAS_PUPR, office_tz="Asia/Makassar", clock=lambda: NOW)
    async with app.run_test(size=(160, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("7")  # all
        await app.workers.wait_for_complete()
        await pilot.pause()
        cases = app.screen.query_one(CaseList)
        shown = {row["tracking_no"] or row["provisional_no"] for row in cases.rows}
        assert shown == PUPR_NUMBERS | {PUPR_INTAKE}
        assert app.screen.counts["semua"] == 4  # type: ignore[attr-defined]
        screen = str(app.export_screenshot())
        assert DINKES_SECRET not in screen and DINKES_TITLE not in screen
        await pilot.press("slash", *"suap", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert cases.total == 0 and cases.rows == []


class OneCase(App[None]):
    def __init__(self, path: Path, actor: Actor, case: int) -> None:
        super().__init__()
        self.source = InboxSource(path, actor, clock=lambda: NOW)
        self.case = case

    def on_mount(self) -> None:
        self.push_screen(CaseScreen(self.source, self.case))


async def shown_case(path: Path, actor: Actor, number: str) -> tuple[str, list[str]]:
    database = open_database(path)
    case = case_id(database, number)
    database.conn.close()
    app = OneCase(path, actor, case)
    notified: list[str] = []
    async with app.run_test(size=(120, 60)) as pilot:
        for _ in range(3):
            with contextlib.suppress(WorkerFailed):  # a refused read fails its worker
                await app.workers.wait_for_complete()
            await pilot.pause()
        notified = [str(note.message) for note in app._notifications]
        return str(app.export_screenshot()), notified


async def test_the_case_screen_of_another_units_rahasia_case_says_why_and_shows_nothing(
    office: Path,
) -> None:
    screen, notified = await shown_case(office, PETUGAS_PUPR, "8300012")
    assert "suap" not in screen and "Sempaja" not in screen
    assert "Andi" not in screen and "6471" not in screen
    assert any(PETUGAS_PUPR.nip in message for message in notified)
    database = open_database(office)
    assert {entry[2]["for"] for entry in refusals(database)} == {"show"}
    # The same screen for the unit that handles it: the check above can fail.
    own, _ = await shown_case(office, PETUGAS_DINKES, "8300012")
    assert "suap" in own


async def test_opening_an_attachment_on_the_case_screen_is_audited(
    office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desk import viewer

    photo = tmp_path / "foto.png"
    photo.write_bytes(PNG)
    database = open_database(office)
    attachments.attach(database, PETUGAS_PUPR, "8300001", photo, NOW)
    case = case_id(database, "8300001")
    database.conn.close()
    monkeypatch.setattr(viewer, "viewer_command", lambda path: ["true", str(path)])
    opened: list[list[str]] = []
    monkeypatch.setattr(
        "desk.viewer.subprocess.Popen", lambda command, **kw: opened.append(command)
    )
    app = OneCase(office, PETUGAS_PUPR, case)
    async with app.run_test(size=(120, 60)) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        await pilot.press("f")
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert len(opened) == 1  # handed to the viewer...
    database = open_database(office)
    read = database.execute(  # ...after its audit entry
        "SELECT actor_nip, case_id, detail FROM audit_log WHERE action = 'attachment_read'"
    ).fetchall()
    assert [(nip, case_of) for nip, case_of, _detail in read] == [(PETUGAS_PUPR.nip, case)]
    assert json.loads(read[0][2])["name"] == "foto.png"
