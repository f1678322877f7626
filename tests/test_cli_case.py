"""`desk case` as a script uses it: lists and searches, one case in full, every action, refusals."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
import typer
from rich.console import Console
from typer.testing import CliRunner, Result

from db import open_database
from desk import services
from desk.cli import case_cmd
from desk.config import load_config
from desk.i18n import status_label
from desk.workflow import Action, Actor
from tests.conftest import (
    ADMIN,
    PETUGAS_DINKES,
    PETUGAS_PUPR,
    PETUGAS_PUPR_2,
    PIMPINAN,
    case_in,
    make_office,
    snapshot,
)

runner = CliRunner()
HOSTILE_TITLE = "[bold]x[/bold] [/x] \x1b[2J Jalan :smile:"
HOSTILE_BODY = "Isi \x1b]52;c;SGVsbG8=\x07 [red]merah[/red]\nbaris \u202edua"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # colours and bold: the only escapes desk may print


def desk_cli() -> typer.Typer:
    """The `desk` app (it loads `case` when a test runs it)."""
    from desk.cli import main

    return main.app


CLI = desk_cli()


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config" / "config.json"
    monkeypatch.setenv("DESK_CONFIG", str(config))
    # Wide enough that no cell is cut, whatever terminal (or xdist worker) runs the tests.
    monkeypatch.setattr(case_cmd, "console", Console(highlight=False, width=250))
    monkeypatch.delenv("DESK_DB", raising=False)
    return config


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Path]:
    """An office with one case in each status (#1001 ... #1008), made at a fixed time."""
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    for number, status in enumerate(STATUSES, start=1001):
        case_in(database, status, str(number))
    database.conn.close()
    yield path


STATUSES = (
    "baru",
    "tunda",
    "terverifikasi",
    "dikembalikan",
    "diproses",
    "ditanggapi",
    "selesai",
    "diarsipkan",
)


def number_in(status: str) -> str:
    return str(1001 + STATUSES.index(status))


def opened(path: Path) -> sqlite_utils.Database:
    return open_database(path)


def state(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row an action could write, to show that a refusal wrote nothing."""
    database = open_database(path)
    try:
        return snapshot(database)
    finally:
        database.conn.close()


def run(path: Path, *args: str, actor: Actor | None = None, lang: str = "id") -> Result:
    command = ["--lang", lang, *args, "--db", str(path)]
    if actor is not None:
        command += ["--as", actor.nip]
    return runner.invoke(CLI, command)


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def one_line_error(result: Result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- officer ---------------------------------------------------------------------------------


def test_without_an_officer_the_command_says_how_to_choose_one(office: Path) -> None:
    message = one_line_error(run(office, "case", "list"))
    assert "--as NIP" in message and "desk officer list" in message
    english = one_line_error(run(office, "case", "show", "1001", lang="en"))
    assert "Choose an officer with --as NIP (see desk officer list)" in english


def test_the_officer_named_with_as_is_remembered(office: Path, own_config: Path) -> None:
    assert run(office, "case", "list", actor=PETUGAS_PUPR).exit_code == 0
    assert load_config().command_officer_for(office) == PETUGAS_PUPR.nip
    shown = as_json(run(office, "case", "show", number_in("terverifikasi"), "--json"))
    assert shown["allowed_actions"] == ["return", "reply", "note", "assign"]  # as the petugas
    assert run(office, "case", "list", actor=ADMIN).exit_code == 0
    assert load_config().command_officer_for(office) == ADMIN.nip
    shown = as_json(run(office, "case", "show", number_in("terverifikasi"), "--json"))
    assert shown["allowed_actions"] == ["dispose", "note", "assign"]  # now as the admin
    # --as before the command works too.
    before = runner.invoke(CLI, ["--as", PIMPINAN.nip, "case", "list", "--db", str(office)])
    assert before.exit_code == 0, before.output
    assert load_config().command_officer_for(office) == PIMPINAN.nip


def test_an_unknown_or_disabled_officer_is_refused_and_not_remembered(office: Path) -> None:
    unknown = "199901012020011099"
    message = one_line_error(
        runner.invoke(CLI, ["case", "list", "--db", str(office), "--as", unknown])
    )
    assert f"NIP {unknown}" in message
    malformed = runner.invoke(CLI, ["case", "list", "--db", str(office), "--as", "1"])
    assert malformed.exit_code == 2 and "18" in malformed.stderr  # not a NIP: an option error
    database = opened(office)
    database.execute("UPDATE officers SET active = 0 WHERE nip = ?", [PETUGAS_DINKES.nip])
    database.conn.close()
    assert "dinonaktifkan" in one_line_error(run(office, "case", "list", actor=PETUGAS_DINKES))
    assert load_config().command_officer_for(office) is None


# -- list ------------------------------------------------------------------------------------


def listed(path: Path, *args: str, actor: Actor = ADMIN) -> list[str]:
    rows = as_json(run(path, "case", "list", "--json", *args, actor=actor))
    return [row["number"] for row in rows]


def test_list_defaults_to_everything_for_an_admin_and_the_unit_for_a_petugas(
    office: Path,
) -> None:
    assert sorted(listed(office)) == [f"#{n}" for n in range(1001, 1009)]
    assert sorted(listed(office, actor=PIMPINAN)) == [f"#{n}" for n in range(1001, 1009)]
    working = ["terverifikasi", "diproses", "ditanggapi"]
    assert sorted(listed(office, actor=PETUGAS_PUPR)) == sorted(f"#{number_in(s)}" for s in working)
    assert listed(office, actor=PETUGAS_DINKES) == []


def test_list_views_and_queries(office: Path) -> None:
    assert sorted(listed(office, "--view", "verifikasi")) == ["#1001", "#1004"]
    assert listed(office, "--view", "tunda") == ["#1002"]
    assert listed(office, "--view", "selesai", actor=PETUGAS_PUPR) == ["#1007"]
    assert listed(office, "--query", "status:baru") == ["#1001"]
    assert listed(office, "--view", "verifikasi", "-q", "status:dik") == ["#1004"]
    assert listed(office, "-q", "#1005 jalan") == ["#1005"]
    assert listed(office, "-q", "unit:pupr status:selesai,diproses", "--order", "received") == [
        "#1007",
        "#1005",
    ]
    assert listed(office, "-q", "kanal:sms") == []


def test_list_pages_with_limit_and_after(office: Path) -> None:
    everything = listed(office, "--order", "received")
    first = listed(office, "--order", "received", "--limit", "3")
    second = listed(office, "--order", "received", "--limit", "3", "--after", first[-1])
    rest = listed(office, "--order", "received", "--after", second[-1])
    assert first + second + rest == everything
    text = run(office, "case", "list", "--limit", "3", "--after", first[-1], "--order", "received")
    assert text.exit_code == 0, text.output
    assert "Semua · 4–6 dari 8 kasus" in text.stdout


def test_list_table_and_count(office: Path) -> None:
    result = run(office, "case", "list", actor=ADMIN)
    assert result.exit_code == 0, result.output
    for header in ("Nomor", "Batas", "Status", "Kategori", "Unit", "Judul", "Pelapor", "Kanal"):
        assert header in result.stdout
    assert "#1003" in result.stdout and "Terdisposisi" in result.stdout
    assert "Andi Wijaya" in result.stdout and "10/11/2026" in result.stdout
    assert "Semua · 1–8 dari 8 kasus" in result.stdout
    english = run(office, "case", "list", "--view", "tunda", actor=ADMIN, lang="en")
    assert "On hold · 1–1 of 1 cases" in english.stdout and "Received" in english.stdout
    empty = run(office, "case", "list", "-q", "kanal:sms", actor=ADMIN)
    assert "0 dari 0 kasus" in empty.stdout


def test_a_narrow_terminal_keeps_the_main_columns_whole(
    office: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = Console(highlight=False, width=80, force_terminal=True, color_system=None)
    monkeypatch.setattr(case_cmd, "console", terminal)
    result = run(office, "case", "list", "-q", "#1003", actor=ADMIN)
    header, _rule, row = result.stdout.splitlines()[:3]
    assert header.split() == ["Nomor", "Batas", "Status", "Unit", "Judul"]
    assert row.startswith("#1003 ") and " HK " in row
    assert "Terdisposisi" in row and "PUPR" in row and "Jalan rusak di Jl. Juanda" in row


def test_list_json_fields(office: Path) -> None:
    rows = as_json(run(office, "case", "list", "--json", "-q", "#1003", actor=ADMIN))
    assert rows == [
        {
            "number": "#1003",
            "tracking_no": "1003",
            "local_id": rows[0]["local_id"],
            "status": "terverifikasi",
            "due_at": "2026-11-17T15:59:59Z",
            "due_kind": "tindak_lanjut",
            "days_left": rows[0]["days_left"],
            "category": "INFRASTRUKTUR",
            "subcategory": None,
            "unit": "PUPR",
            "title": "Jalan rusak di Jl. Juanda",
            "reporter": "Andi Wijaya",
            "anonymous": False,
            "confidential": False,
            "channel": "web",
            "received_at": "2026-11-10T01:00:00Z",
            "updated_at": "2026-11-10T01:00:00Z",
            "version": 2,
        }
    ]
    assert isinstance(rows[0]["days_left"], int)


def test_list_bad_options_and_queries_are_one_line(office: Path) -> None:
    assert "'stauts:'" in run(office, "case", "list", "-q", "stauts:baru", actor=ADMIN).stderr
    view = one_line_error(run(office, "case", "list", "--view", "mine", actor=ADMIN))
    assert "'mine'" in view and "verifikasi" in view
    order = one_line_error(run(office, "case", "list", "--order", "urgent", actor=ADMIN))
    assert "'urgent'" in order and "due, received, updated" in order
    missing = one_line_error(run(office, "case", "list", "--after", "999", actor=ADMIN))
    assert "999" in missing


def test_overdue_clocks_are_red(office: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    database = opened(office)
    services.create_case(
        database,
        {"tracking_no": "2001", "title": "Lama", "body": "Sudah lama."},
        received_at=datetime(2020, 1, 6, 1, 0, tzinfo=UTC),
    )
    database.conn.close()
    rows = as_json(run(office, "case", "list", "--json", "-q", "#2001", actor=ADMIN))
    assert rows[0]["days_left"] < 0
    screen = io.StringIO()
    monkeypatch.setattr(
        case_cmd, "console", Console(file=screen, force_terminal=True, color_system="standard")
    )
    assert run(office, "case", "list", "-q", "#2001", actor=ADMIN).exit_code == 0
    assert re.search(r"\x1b\[31m\s*lewat \d+ HK", screen.getvalue())


# -- show ------------------------------------------------------------------------------------


def test_show_as_text(office: Path) -> None:
    result = run(office, "case", "show", number_in("ditanggapi"), actor=PETUGAS_PUPR)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "#1006 · Ditanggapi Pelapor · PUPR (Dinas PUPR-PERA)" in out
    assert "Tindak lanjut (5 HK): Sel 17/11/2026 23:59 WITA · " in out
    assert "Jalan berlubang besar dan belum diperbaiki sejak Agustus." in out
    assert "Klasifikasi: Pengaduan" in out and "Kanal: web" in out
    assert "Sel 10/11/2026 09:00 WITA · Sistem · diterima" in out
    assert "Admin Koordinator · verifikasi dan disposisi → Terdisposisi (PUPR) [publik]" in out
    assert "Siti Rahmawati · tindak lanjut → Ditindaklanjuti [publik]" in out
    assert "      Sampai hari ini belum diperbaiki." in out
    assert "Tindakan Anda sekarang: reply (tindak lanjut), note (catatan internal)" in out
    english = run(office, "case", "show", "#1006", actor=PETUGAS_PUPR, lang="en")
    assert "Follow-up (5 WD): Tue 17/11/2026 23:59 WITA · " in english.stdout


def test_show_as_json(office: Path) -> None:
    database = opened(office)
    services.perform(database, ADMIN, Action.NOTE, "1003", text="Cek lokasi besok.")
    database.conn.close()
    shown = as_json(run(office, "case", "show", "1003", "--json", actor=ADMIN))
    assert shown["number"] == "#1003" and shown["status"] == "terverifikasi"
    assert shown["unit"] == "PUPR" and shown["unit_name"] == "Dinas PUPR-PERA"
    assert shown["due"]["at"] == "2026-11-17T15:59:59Z"
    assert shown["due"]["kind"] == "tindak_lanjut" and isinstance(shown["due"]["days_left"], int)
    assert shown["version"] == 3
    assert [event["kind"] for event in shown["timeline"]] == ["received", "verify", "note"]
    assert shown["timeline"][1]["data"] == {"unit": "PUPR"}
    assert shown["timeline"][2]["visibility"] == "internal"
    assert shown["timeline"][2]["body"] == "Cek lokasi besok."
    assert shown["timeline"][2]["actor"] == "Admin Koordinator"
    assert shown["allowed_actions"] == ["dispose", "note", "assign"]
    assert shown["reporter"]["nik"] == "6471010101900003"  # the admin sees the identity


def test_hostile_text_is_printed_harmlessly(office: Path) -> None:
    database = opened(office)
    services.create_case(
        database,
        {"tracking_no": "3001", "title": HOSTILE_TITLE, "body": HOSTILE_BODY},
        reporter={"name": "[bold]Nama[/bold]\x1b[31m"},
    )
    database.conn.close()
    shown = run(office, "case", "show", "3001", actor=ADMIN)
    listing = run(office, "case", "list", "-q", "#3001", actor=ADMIN)
    for result in (shown, listing):
        assert result.exit_code == 0, result.output
        assert "\x1b" not in SGR.sub("", result.stdout)
        assert "\x07" not in result.stdout and "\u202e" not in result.stdout
        assert "[bold]x[/bold] [/x] ␛ Jalan :smile:" in result.stdout
    assert "Isi ␛ [red]merah[/red]" in shown.stdout
    assert "[bold]Nama[/bold]␛" in shown.stdout
    raw = run(office, "case", "show", "3001", "--json", actor=ADMIN)
    assert "\x1b" not in raw.stdout and "\u202e" not in raw.stdout
    shown_json = json.loads(raw.stdout)
    assert shown_json["title"] == HOSTILE_TITLE and shown_json["body"] == HOSTILE_BODY


def test_anonymous_reporter_is_hidden_but_from_the_admin(office: Path) -> None:
    database = opened(office)
    case = services.create_case(
        database,
        {"tracking_no": "4001", "title": "Pungli", "body": "Ada pungutan.", "anonymous": 1},
        reporter={"name": "Rina Sari", "nik": "6471020202900004", "phone": "081298765432"},
    )
    services.perform(database, ADMIN, Action.VERIFY, case["id"], unit_code="PUPR")
    database.conn.close()
    for actor in (PETUGAS_PUPR, PIMPINAN):
        text = run(office, "case", "show", "4001", actor=actor).stdout
        assert "Anonim" in text
        assert "Rina" not in text and "R. S." not in text and "0004" not in text
        assert as_json(run(office, "case", "show", "4001", "--json", actor=actor))["reporter"] is (
            None
        )
        row = as_json(run(office, "case", "list", "--json", "-q", "#4001", actor=actor))[0]
        assert row["reporter"] == "Anonim" and row["anonymous"] is True
        assert "Rina" not in run(office, "case", "list", "-q", "#4001", actor=actor).stdout
    admin = run(office, "case", "show", "4001", actor=ADMIN).stdout
    assert "Anonim" in admin and "Rina Sari" in admin and "6471020202900004" in admin


def test_nik_and_phone_are_masked_except_for_the_admin(office: Path) -> None:
    petugas = run(office, "case", "show", "1003", actor=PETUGAS_PUPR).stdout
    assert "Nama: Andi Wijaya" in petugas
    assert "NIK: 6471********0003" in petugas and "6471010101900003" not in petugas
    assert "Telepon: 0812****7890" in petugas and "081234567890" not in petugas
    head = as_json(run(office, "case", "show", "1003", "--json", actor=PIMPINAN))["reporter"]
    assert head["name"] == "A. W." and head["nik"] is None  # heads see no personal data
    assert "Andi" not in run(office, "case", "list", actor=PIMPINAN).stdout
    admin = run(office, "case", "show", "1003", actor=ADMIN).stdout
    assert "NIK: 6471010101900003" in admin and "Telepon: 081234567890" in admin


def test_show_an_unknown_case(office: Path) -> None:
    assert "9999999" in one_line_error(run(office, "case", "show", "9999999", actor=ADMIN))


# -- actions ---------------------------------------------------------------------------------

# (command, status the case starts in, who acts, extra arguments, status after)
ACTIONS: list[tuple[str, str, Actor, list[str], str]] = [
    ("verify", "baru", ADMIN, ["--unit", "pupr"], "terverifikasi"),
    ("dispose", "terverifikasi", ADMIN, ["--unit", "DINKES"], "terverifikasi"),
    ("return", "terverifikasi", PETUGAS_PUPR, ["--reason", "Jalan nasional"], "dikembalikan"),
    ("hold", "baru", ADMIN, ["--reason", "Lokasi belum jelas"], "tunda"),
    ("resume", "tunda", ADMIN, [], "baru"),
    ("note", "terverifikasi", PETUGAS_PUPR, ["--text", "Survei Kamis."], "terverifikasi"),
    ("assign", "terverifikasi", PETUGAS_PUPR, ["--officer", PETUGAS_PUPR_2.nip], "terverifikasi"),
    ("close", "ditanggapi", PETUGAS_PUPR, [], "selesai"),
    ("reopen", "selesai", ADMIN, ["--reason", "Belum tuntas"], "ditanggapi"),
    (
        "archive",
        "dikembalikan",
        ADMIN,
        ["--reason", "Ganda", "--duplicate-of", "1001"],
        "diarsipkan",
    ),
    ("restore", "diarsipkan", ADMIN, [], "baru"),
    ("reply", "terverifikasi", PETUGAS_PUPR, ["--text", "Diperbaiki Senin."], "diproses"),
    ("reporter-reply", "diproses", PETUGAS_PUPR, ["--text", "Belum juga."], "ditanggapi"),
]


ACTION_OF = {command: action for action, command in case_cmd.COMMANDS.items()}


@pytest.mark.parametrize(("command", "start", "actor", "extra", "after"), ACTIONS)
def test_every_action(
    office: Path, command: str, start: str, actor: Actor, extra: list[str], after: str
) -> None:
    number = number_in(start)
    result = run(office, "case", command, number, *extra, actor=actor)
    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    assert "\n" not in line and line.startswith(f"#{number}: ")
    if start != after:
        assert f"{status_label(start)} → {status_label(after)}" in line
    database = opened(office)
    case = services.find_case(database, number)
    sent = database.execute(
        "SELECT kind FROM outbox WHERE case_id = ? ORDER BY op_id DESC LIMIT 1", [case["id"]]
    ).fetchone()
    database.conn.close()
    assert case["status"] == after
    assert sent == (ACTION_OF[command].value,)


def test_an_action_as_json_and_the_unchanged_status_line(office: Path) -> None:
    verified = as_json(
        run(office, "case", "verify", "1001", "--unit", "PUPR", "--json", actor=ADMIN)
    )
    assert verified["case"] == "#1001" and verified["action"] == "verify"
    assert (verified["from"], verified["to"], verified["unit"]) == ("baru", "terverifikasi", "PUPR")
    assert verified["version"] == 2
    database = opened(office)
    assert database.execute(
        "SELECT kind FROM outbox WHERE op_id = ?", [verified["op_id"]]
    ).fetchone() == ("verify",)
    database.conn.close()
    noted = run(office, "case", "note", "1001", "--text", "x", actor=ADMIN)
    assert noted.stdout.strip() == "#1001: catatan internal · Terdisposisi (PUPR)"
    line = run(office, "case", "verify", "1001", "--unit", "PUPR", actor=ADMIN)
    assert "Terdisposisi" in one_line_error(line)


def test_expect_version_refuses_a_changed_case(office: Path) -> None:
    message = one_line_error(
        run(office, "case", "hold", "1001", "--reason", "x", "--expect-version", "7", actor=ADMIN)
    )
    assert "versi 7 → 1" in message


REFUSALS = [
    # (command, start, actor, extra, a part of the reason)
    ("dispose", "terverifikasi", PETUGAS_PUPR, ["--unit", "DINKES"], "memerlukan peran admin"),
    ("reply", "terverifikasi", ADMIN, ["--text", "x"], "petugas unit kasus ini (PUPR)"),
    # Another unit's case (or one not yet disposed) is refused as a read: its unit and status
    # are not told; the attempt is audited (below).
    ("verify", "baru", PETUGAS_PUPR, ["--unit", "PUPR"], "tidak dapat membaca kasus"),
    ("return", "terverifikasi", PETUGAS_DINKES, ["--reason", "x"], "tidak dapat membaca kasus"),
    ("close", "ditanggapi", PETUGAS_DINKES, [], "tidak dapat membaca kasus"),
    ("hold", "terverifikasi", ADMIN, ["--reason", "x"], "hanya dari: Belum Terverifikasi"),
    ("hold", "baru", ADMIN, [], "memerlukan alasan"),
    ("verify", "baru", ADMIN, [], "--unit"),
    ("verify", "baru", ADMIN, ["--unit", "NOPE"], "NOPE"),
    ("assign", "terverifikasi", ADMIN, ["--officer", PETUGAS_DINKES.nip], PETUGAS_DINKES.nip),
]


@pytest.mark.parametrize(("command", "start", "actor", "extra", "reason"), REFUSALS)
def test_refusals_are_one_line_and_write_nothing(
    office: Path, command: str, start: str, actor: Actor, extra: list[str], reason: str
) -> None:
    before = state(office)
    message = one_line_error(run(office, "case", command, number_in(start), *extra, actor=actor))
    assert reason in message
    after = state(office)
    added = after.pop("audit_log")[len(before.pop("audit_log")) :]
    assert after == before
    expected = ["read_refused"] if "tidak dapat membaca" in reason else []
    assert [row[3] for row in added] == expected
    if expected:  # neither the case's unit nor its status is told
        assert (
            "PUPR" not in message.replace(f"({actor.unit_code})", "") or actor.unit_code == "PUPR"
        )
        assert "Terdisposisi" not in message and "Belum Terverifikasi" not in message


def test_a_pimpinan_is_refused_every_action(office: Path) -> None:
    before = state(office)
    for command, start, _actor, extra, _after in ACTIONS:
        result = run(office, "case", command, number_in(start), *extra, actor=PIMPINAN)
        message = one_line_error(result)
        assert "pimpinan" in message and PIMPINAN.nip in message, command
    assert state(office) == before


def test_text_from_a_file_or_standard_input(office: Path, tmp_path: Path) -> None:
    reply = tmp_path / "balasan.txt"
    reply.write_text("Perbaikan selesai\nTerima kasih — Dinas PUPR", encoding="utf-8")
    result = run(office, "case", "reply", "1003", "--text-file", str(reply), actor=PETUGAS_PUPR)
    assert result.exit_code == 0, result.output
    piped = runner.invoke(
        CLI,
        ["case", "note", "1003", "--text-file", "-", "--db", str(office)],
        input="Catatan dari skrip",
    )
    assert piped.exit_code == 0, piped.output
    database = opened(office)
    bodies = [row[0] for row in database.execute("SELECT body FROM events ORDER BY id")]
    assert "Perbaikan selesai\nTerima kasih — Dinas PUPR" in bodies
    assert "Catatan dari skrip" in bodies


def test_text_file_problems_are_one_line_and_write_nothing(office: Path, tmp_path: Path) -> None:
    before = state(office)
    missing = tmp_path / "tidak-ada.txt"
    message = one_line_error(
        run(office, "case", "reply", "1003", "--text-file", str(missing), actor=PETUGAS_PUPR)
    )
    assert str(missing) in message
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Perbaikan selesai. Tanggal: 5 März".encode("latin-1"))
    message = one_line_error(
        run(office, "case", "reply", "1003", "--text-file", str(latin), actor=PETUGAS_PUPR)
    )
    assert str(latin) in message and "UTF-8" in message
    both = run(
        office, "case", "note", "1003", "--text", "a", "--text-file", str(latin), actor=ADMIN
    )
    assert "--text-file" in one_line_error(both)
    assert "memerlukan isi teks" in one_line_error(
        run(office, "case", "reply", "1003", "--text", "  ", actor=PETUGAS_PUPR)
    )
    # A stream that never ends (or a disk image by mistake) is refused, not read whole.
    huge = tmp_path / "besar.txt"
    huge.write_text("a" * 1_000_001, encoding="utf-8")
    assert "1.000.000 karakter" in one_line_error(
        run(office, "case", "note", "1003", "--text-file", str(huge), actor=ADMIN)
    )
    assert state(office) == before


def test_help_names_every_command() -> None:
    result = runner.invoke(CLI, ["case", "--help"])
    assert result.exit_code == 0
    for command in ["list", "show", *case_cmd.COMMANDS.values()]:
        assert command in result.output
