"""Help in the language of the messages, and commands imported only when they are used."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer import _click
from typer.main import get_command
from typer.testing import CliRunner

from desk.cli.commands import TOP_LEVEL, language_in
from desk.cli.main import app

runner = CliRunner()

# The commands whose every help text (command, options, arguments) is in the catalog in both
# languages: every command of desk.
TRANSLATED = (
    "case",
    "seed",
    "demo",
    "officer",
    "unit",
    "import",
    "export",
    "report",
    "sync",
    "remote",
    "db",
    "audit",
    "holidays",
    "central",
)


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))
    monkeypatch.delenv("DESK_LANG", raising=False)


def test_top_level_help_is_indonesian_by_default_and_english_with_lang() -> None:
    indonesian = runner.invoke(app, ["--help"])
    assert indonesian.exit_code == 0
    assert "Cara pakai: desk" in indonesian.stdout and "Perintah" in indonesian.stdout
    assert "Daftar, baca, dan tindak lanjuti kasus" in indonesian.stdout
    assert "Tampilkan bantuan ini lalu keluar." in indonesian.stdout
    assert "Show this message" not in indonesian.stdout
    for arguments in (["--lang", "en", "--help"], ["--lang=en", "--help"]):
        english = runner.invoke(app, arguments)
        assert "Usage: desk" in english.stdout and "Commands" in english.stdout
        assert "List, read and act on cases" in english.stdout
    from_env = runner.invoke(app, ["--help"], env={"DESK_LANG": "en"})
    assert "List, read and act on cases" in from_env.stdout


@pytest.mark.parametrize(
    ("arguments", "indonesian", "english"),
    [
        (["case", "list"], "Berapa kasus yang ditampilkan.", "How many cases to show."),
        (["case", "show"], "Tampilkan satu kasus", "Show one case"),
        (["case", "list"], "[bawaan: 50", "[default: 50"),
        (["seed"], "Benih acak", "Random seed"),
        (["case", "new"], "Catat pengaduan", "Record a complaint"),
        (["officer"], "Petugas yang dapat memakai", "The officers who can use"),
        (["officer", "add"], "Daftarkan petugas", "Register an officer"),
        (["officer", "add"], "NIP petugas (18 angka).", "The officer's NIP (18 digits)."),
        (["officer", "set-pin"], "PIN siapa", "Whose PIN"),
        (["unit", "add"], "Nama lengkap unit (OPD).", "Full name of the unit (OPD)."),
        (["unit", "list"], "Cetak JSON, bukan tabel.", "Print JSON instead of a table."),
        (["db", "check"], "Periksa basis data", "Check the database"),
        (["db", "backup"], "Timpa berkas yang sudah ada.", "Replace an existing file."),
        (["db", "restore"], "Berkas cadangan yang dipulihkan.", "The backup file to restore"),
        (["audit", "verify"], "Jangan tanya server pusat.", "Do not ask the central system."),
        (["audit", "show"], "Petugas (NIP) yang membaca.", "The officer (NIP) reading."),
        (["holidays", "import"], "Baca libur daerah", "Read regional holidays"),
        (["holidays", "list"], "Tahun yang ditampilkan.", "The year to list."),
        (["remote", "set"], "Berkas berisi token kantor", "A file holding the office token"),
        (["remote", "show"], "Tampilkan server pusat", "Show the central server"),
        (["sync"], "Hanya kirim antrean keluar.", "Only send the outbox."),
        (["sync"], "Riwayat sinkron", "Past syncs"),
        (["sync", "resolve"], "Versi siapa yang dipakai.", "Whose version to keep."),
        (["sync", "verify"], "Ambil salinan pusat", "Fetch the central copy"),
        (["central"], "Layani protokol sinkron", "Serve the sync protocol"),
        (["central", "serve"], "Alamat yang didengarkan.", "Address to listen on."),
        (["central", "office", "add"], "Kantor koordinator", "A coordinating office"),
        (["central", "office", "revoke"], "Cabut token kantor", "Revoke an office's token"),
        (["central", "audit"], "Saksi audit", "The audit witness"),
        (["central", "audit", "resolve"], "Nomor alarm", "The alarm's number"),
        (["central", "seed"], "Benih acak", "Random seed"),
        (["export"], "Pemisah kolom CSV", "CSV field separator"),
        (["export"], "Ekspor kasus", "Export cases"),
        (["report"], "Hanya unit ini.", "Only this unit."),
        (["report"], "Kinerja unit", "Unit performance"),
        (["import"], "Impor pengaduan", "Import complaints"),
    ],
)
def test_a_commands_help_follows_lang(arguments: list[str], indonesian: str, english: str) -> None:
    shown_id = runner.invoke(app, [*arguments, "--help"]).stdout
    shown_en = runner.invoke(app, ["--lang", "en", *arguments, "--help"]).stdout
    assert indonesian in shown_id and english not in shown_id
    assert english in shown_en and indonesian not in shown_en
    # Back to Indonesian in the same process: nothing is stuck in the language of the first run.
    assert indonesian in runner.invoke(app, [*arguments, "--help"]).stdout


def every_command(command: _click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    ctx = _click.Context(command)
    for name in getattr(command, "list_commands", lambda ctx: [])(ctx):
        sub = command.get_command(ctx, name)  # type: ignore[attr-defined]
        found += every_command(sub, (*path, name))
    return found


@pytest.mark.parametrize("name", TRANSLATED)
def test_every_help_text_of_a_translated_command_is_in_both_languages(name: str) -> None:
    from desk.cli.commands import _key_of, _made
    from desk.i18n import set_language

    root = get_command(app)
    ctx = _click.Context(root)
    command = root.get_command(ctx, name)  # type: ignore[attr-defined]
    assert command is not None
    for path in every_command(command):
        target = command
        for part in path:
            target = target.get_command(_click.Context(target), part)  # type: ignore[attr-defined]
        texts = [target.help] + [getattr(param, "help", None) for param in target.params]
        for text in filter(None, texts):
            assert _key_of(text) is not None or text in _made, (name, path, text)
    set_language("id")


def test_the_language_is_read_before_the_command() -> None:
    assert language_in(["--lang", "en", "case", "list"]) == "en"
    assert language_in(["--db", "x.db", "--lang=en", "seed"]) == "en"
    assert language_in(["case", "note", "--text", "--lang en"]) is None  # the command's own
    assert language_in(["--lang", "fr"]) is None  # an error for the option, later


def modules_after(*arguments: str, env: dict[str, str]) -> list[str]:
    """The desk.cli modules a fresh `desk ARGUMENTS` process imported."""
    script = (
        "import sys, json\n"
        f"sys.argv = ['desk', *{list(arguments)!r}]\n"
        "from desk.cli.main import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    return list(json.loads(done.stderr.strip().splitlines()[-1]))


def test_a_verb_imports_only_what_it_needs(tmp_path: Path) -> None:
    env = {**os.environ, "DESK_CONFIG": str(tmp_path / "config.json")}
    helped = modules_after("--help", env=env)
    for module, _attribute, _help in TOP_LEVEL.values():
        assert module not in helped
    assert not {"desk.services", "desk.seed", "db"} & set(helped)
    shown = modules_after("case", "show", "1", "--db", str(tmp_path / "none.db"), env=env)
    assert "desk.cli.case_cmd" in shown
    for unneeded in ("desk.cli.sync_cmd", "desk.cli.import_cmd", "desk.cli.intake_cmd"):
        assert unneeded not in shown
    # Neither the sync client, the importer, the exports nor the central server.
    assert not {"httpx", "openpyxl", "starlette", "uvicorn", "desk.importing"} & set(shown)


def test_in_a_fresh_process_help_is_in_the_language_asked(tmp_path: Path) -> None:
    env = {**os.environ, "DESK_CONFIG": str(tmp_path / "config.json")}
    command = [sys.executable, "-m", "desk.cli.main"]
    english = subprocess.run(
        [*command, "--lang", "en", "case", "list", "--help"], env=env, capture_output=True
    )
    assert b"How many cases to show." in english.stdout and b"Usage:" in english.stdout
    indonesian = subprocess.run([*command, "case", "list", "--help"], env=env, capture_output=True)
    assert b"Berapa kasus yang ditampilkan." in indonesian.stdout
