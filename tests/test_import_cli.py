"""`desk import` as an admin meets it: summaries, exit statuses, --json, --dry-run, languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from db import open_database
from desk.cli.main import app
from tests.conftest import ADMIN, PETUGAS_PUPR, make_office

CORPUS = Path(__file__).parent / "corpus" / "import"
runner = CliRunner()


@pytest.fixture
def office_db(tmp_path: Path) -> Path:
    path = tmp_path / "office.db"
    database = open_database(path)
    make_office(database)
    database.conn.close()
    return path


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The remembered officer lives in the user's config: keep the tests' apart."""
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))


def test_a_clean_file_exits_0_with_a_summary(office_db: Path) -> None:
    result = runner.invoke(
        app, ["import", str(CORPUS / "lapor_cp1252.csv"), "--db", str(office_db), "--as", ADMIN.nip]
    )
    assert result.exit_code == 0, result.output
    assert "Baru: 4" in result.output
    assert "Catatan Admin" in result.output  # the unknown column is listed
    assert "DINAS-LINGKUNGAN-HIDUP" in result.output
    # Seconds with a decimal comma in Indonesian, like every other number there.
    assert re.search(r"4 baris dalam \d+,\d dtk", result.output), result.output


def test_rejected_rows_exit_1_and_are_in_the_errors_file_next_to_the_database(
    office_db: Path,
) -> None:
    result = runner.invoke(
        app, ["import", str(CORPUS / "broken_rows.csv"), "--db", str(office_db), "--as", ADMIN.nip]
    )
    assert result.exit_code == 1
    assert "Ditolak: 11" in result.output
    assert "Sedang Dipikirkan" in result.output
    written = list(office_db.parent.glob("office.db.import-errors-*.csv"))
    assert len(written) == 1
    assert written[0].read_text("utf-8-sig").count("\n") == 12  # header + 11 rows


def test_json_prints_exactly_one_object(office_db: Path, tmp_path: Path) -> None:
    errors = tmp_path / "errors.csv"
    result = runner.invoke(
        app,
        [
            "import",
            str(CORPUS / "lapor_cp1252.csv"),
            str(CORPUS / "duplicates.csv"),
            "--db",
            str(office_db),
            "--as",
            ADMIN.nip,
            "--json",
            "--errors",
            str(errors),
        ],
    )
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert {
        key: summary[key]
        for key in ("files", "rows", "inserted", "updated", "unchanged", "rejected")
    } == {
        "files": 2,
        "rows": 8,
        "inserted": 6,
        "updated": 0,
        "unchanged": 0,
        "rejected": 2,
    }
    assert summary["units_created"] == ["DINAS-LINGKUNGAN-HIDUP"]
    assert summary["errors_path"] == str(errors)
    assert errors.exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([str(CORPUS / "truncated_quote.csv")], "kutip"),
        ([str(CORPUS / "binary.csv")], "biner"),
        ([str(CORPUS / "mojibake.csv")], "--encoding"),
        (["tidak-ada.csv"], "tidak ada"),
        ([str(CORPUS / "array.json"), "--format", "docx"], "docx"),
        ([str(CORPUS / "array.json"), "--map", "Judul=apa_saja"], "apa_saja"),
        ([str(CORPUS / "array.json"), "--encoding", "klingon"], "klingon"),
        ([str(CORPUS / "array.json"), "--sheet", "Rekap"], "XLSX"),
        ([str(CORPUS / "array.json"), "--errors", "/tidak/ada/e.csv"], "/tidak/ada"),
        ([str(CORPUS / "array.json"), "--on-error", "lanjut"], "abort"),
    ],
)
def test_unreadable_files_and_wrong_options_exit_2_in_one_line(
    office_db: Path, arguments: list[str], message: str
) -> None:
    result = runner.invoke(app, ["import", *arguments, "--db", str(office_db), "--as", ADMIN.nip])
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_wrong_options_create_no_database(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    for arguments in (["--format", "docx"], ["--map", "x=y"]):
        result = runner.invoke(
            app, ["import", str(CORPUS / "array.json"), "--db", str(path), *arguments]
        )
        assert result.exit_code == 2
    missing = runner.invoke(app, ["import", str(tmp_path / "nope.csv"), "--db", str(path)])
    assert missing.exit_code == 2
    assert not path.exists()


def test_dry_run_creates_no_database(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    result = runner.invoke(
        app, ["import", str(CORPUS / "array.json"), "--db", str(path), "--dry-run", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inserted"] == 2
    assert not path.exists()


def test_importing_into_a_missing_database_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "baru" / "desk.db"
    result = runner.invoke(app, ["import", str(CORPUS / "array.json"), "--db", str(path)])
    assert result.exit_code == 0, result.output
    database = open_database(path)
    assert database.execute("SELECT count(*) FROM cases").fetchone() == (2,)


def test_a_petugas_is_refused_naming_the_role(office_db: Path) -> None:
    nobody = runner.invoke(app, ["import", str(CORPUS / "array.json"), "--db", str(office_db)])
    assert nobody.exit_code == 1
    assert "--as" in nobody.stderr
    result = runner.invoke(
        app,
        ["import", str(CORPUS / "array.json"), "--db", str(office_db), "--as", PETUGAS_PUPR.nip],
    )
    assert result.exit_code == 1
    assert "admin" in result.stderr


def test_english(office_db: Path) -> None:
    result = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "import",
            str(CORPUS / "broken_rows.csv"),
            "--db",
            str(office_db),
            "--as",
            ADMIN.nip,
        ],
    )
    assert result.exit_code == 1
    assert "Inserted: 2" in result.output
    assert "unknown status: Sedang Dipikirkan" in result.output
    unreadable = runner.invoke(
        app, ["--lang", "en", "import", str(CORPUS / "binary.csv"), "--db", str(office_db)]
    )
    assert "binary data" in unreadable.stderr


def test_complaint_text_reaches_the_terminal_inert(office_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "escape.csv"
    path.write_text(
        "No. Tiket;Judul;Isi;Tanggal\n1;[bold]x[/bold];isi;\x1b[2J[red]bukan tanggal\n",
        "utf-8",
    )
    result = runner.invoke(app, ["import", str(path), "--db", str(office_db), "--as", ADMIN.nip])
    assert result.exit_code == 1
    assert "\x1b" not in result.output
    assert "[red]bukan tanggal" in result.output  # shown as written, not read as markup


def test_second_import_of_the_same_file_reports_unchanged(office_db: Path) -> None:
    arguments = [
        "import",
        str(CORPUS / "desk_cases.jsonl"),
        "--db",
        str(office_db),
        "--as",
        ADMIN.nip,
    ]
    assert runner.invoke(app, arguments).exit_code == 0
    again = runner.invoke(app, [*arguments, "--json"])
    assert json.loads(again.stdout)["unchanged"] == 2


def test_the_progress_bar_shows_rows_per_second_and_time_left_while_the_total_moves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The total is an estimate that changes with every update; rows/s and time left must
    still show (rich's own columns started afresh at each change and showed nothing)."""
    import desk.cli.import_cmd as import_cmd

    clock = iter([100.0, 110.0, 120.0])
    monkeypatch.setattr(import_cmd.time, "monotonic", lambda: next(clock))
    progress = import_cmd._progress(enabled=True)
    assert progress.bar is not None
    progress("lapor.csv", 5_000, 200_400)  # shown after the first chunk
    assert progress.bar.tasks[0].fields["rate"] == ""  # nothing to measure yet
    progress("lapor.csv", 55_000, 199_800)
    progress("lapor.csv", 105_000, 200_100)
    fields = progress.bar.tasks[0].fields
    assert fields["done"] == "105.000" and fields["total_text"] == "200.100"
    assert fields["rate"] == "5.000 baris/dtk"  # 100,000 rows in the 20 s measured
    assert fields["left"] == "0:00:19"  # 95,100 rows to go at that rate


def test_ctrl_c_says_the_stored_rows_are_safe_and_how_to_go_on(
    office_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import desk.cli.import_cmd as import_cmd

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(import_cmd, "import_files", interrupted)
    result = runner.invoke(
        app, ["import", str(CORPUS / "lapor_cp1252.csv"), "--db", str(office_db), "--as", ADMIN.nip]
    )
    assert result.exit_code == 130
    assert "impor dihentikan" in result.output
    assert "perintah yang sama lagi" in result.output
    assert "Traceback" not in result.output
    for option, said in (("--dry-run", "tidak menulis apa pun"), ("--on-error", "abort),")):
        extra = [option, "abort"] if option == "--on-error" else [option]
        result = runner.invoke(
            app,
            ["import", str(CORPUS / "lapor_cp1252.csv"), "--db", str(office_db), *extra],
        )
        assert result.exit_code == 130 and said in result.output, result.output


# -- an unrecognised key column, --dry-run, help texts --------------------------------------------


def _map_options(stderr: str) -> list[str]:
    """The --map options the message offers, as a shell would split them."""
    import shlex

    return [
        shlex.split(line.split("--map ", 1)[1])[0]
        for line in stderr.splitlines()
        if "--map " in line
    ]


def test_an_unrecognised_key_column_lists_each_header_with_its_closest_field_and_the_map(
    office_db: Path,
) -> None:
    path = CORPUS / "unknown_key.csv"
    result = runner.invoke(app, ["import", str(path), "--db", str(office_db), "--as", ADMIN.nip])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    # What is wrong and where the headers are (below a title row and a blank line), then one
    # line per header, then the --map to use.
    assert lines[0].startswith("desk: ") and "nomor tiket" in lines[0] and "baris 3" in lines[0]
    assert len(lines) == 1 + 6 + 1
    by_header = {line.split('"')[1]: line for line in lines[1:-1]}
    assert list(by_header) == [
        "No",
        "Kode Berkas",
        "Judul",
        "Isi Laporan",
        "Tanggal Laporan",
        "Status",
    ]
    assert "tracking_no" in by_header["Kode Berkas"]
    assert "--map 'Kode Berkas=tracking_no'" in by_header["Kode Berkas"]
    assert by_header["Judul"].endswith("→ title")
    assert by_header["Tanggal Laporan"].endswith("→ received_at")
    assert "tracking_no" not in by_header["No"]  # a row number is like no field
    assert lines[-1].strip() == "Tambahkan: --map 'Kode Berkas=tracking_no'"
    # The offered option is exactly what the command takes: with it, the file imports.
    offered = _map_options(lines[-1])
    assert offered == ["Kode Berkas=tracking_no"]
    again = runner.invoke(
        app,
        ["import", str(path), "--map", offered[0], "--db", str(office_db), "--as", ADMIN.nip],
    )
    assert again.exit_code == 0, again.output
    assert "Baru: 2" in again.output


def test_the_unrecognised_key_message_in_english(office_db: Path) -> None:
    result = runner.invoke(
        app,
        [
            "--lang",
            "en",
            "import",
            str(CORPUS / "ambiguous_id_only.csv"),
            "--db",
            str(office_db),
            "--as",
            ADMIN.nip,
        ],
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert "tracking-number column is not recognised" in lines[0] and "row 1" in lines[0]
    assert "could mean tracking_no / complaint_id / local_id" in lines[1]
    assert lines[-1].strip() == "Add: --map 'ID=tracking_no'"


def test_a_json_file_without_a_key_is_refused_with_its_keys(office_db: Path) -> None:
    result = runner.invoke(
        app,
        ["import", str(CORPUS / "unknown_key.json"), "--db", str(office_db), "--as", ADMIN.nip],
    )
    assert result.exit_code == 2, result.output
    assert '"kode_berkas"' in result.stderr and '"judul" → title' in result.stderr
    assert _map_options(result.stderr)[-1] == "kode_berkas=tracking_no"


def test_an_ambiguous_column_is_kept_apart_and_said(office_db: Path) -> None:
    result = runner.invoke(
        app,
        ["import", str(CORPUS / "ambiguous_id.csv"), "--db", str(office_db), "--as", ADMIN.nip],
    )
    assert result.exit_code == 0, result.output
    assert 'Kolom "ID" bisa berarti tracking_no / complaint_id / local_id' in result.output
    assert "--map 'ID=tracking_no'" in result.output
    database = open_database(office_db)
    assert database.execute("SELECT extra FROM cases WHERE tracking_no = 'AM-0001'").fetchone() == (
        '{"ID":"17"}',
    )


def test_dry_run_writes_no_file_and_lists_what_would_be_rejected(
    tmp_path: Path, office_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "kerja"
    work.mkdir()
    monkeypatch.chdir(work)

    def files() -> list[Path]:  # but the config, where the officer signed in is remembered
        return sorted(path for path in tmp_path.rglob("*") if path.name != "config.json")

    before = files()
    missing_db = tmp_path / "belum-ada.db"
    # An existing database, and one that is not there (a dry run into it uses one in memory,
    # whose errors file went to the current folder before).
    for database, signed_in in ((office_db, ["--as", ADMIN.nip]), (missing_db, [])):
        result = runner.invoke(
            app,
            [
                "import",
                str(CORPUS / "broken_rows.csv"),
                "--db",
                str(database),
                *signed_in,
                "--dry-run",
            ],
        )
        assert result.exit_code == 1, result.output
        assert "Ditolak: 11" in result.output
        assert "Baris yang akan ditolak (yang pertama):" in result.output
        assert "broken_rows.csv baris 3, kolom Tanggal Laporan" in result.output
        assert "tidak ada berkas yang ditulis" in result.output
        assert files() == before, "a dry run wrote a file"
    as_json = runner.invoke(
        app,
        [
            "import",
            str(CORPUS / "broken_rows.csv"),
            "--db",
            str(office_db),
            "--as",
            ADMIN.nip,
            "--dry-run",
            "--json",
        ],
    )
    summary = json.loads(as_json.stdout)
    assert (summary["rejected"], summary["errors_path"], summary["dry_run"]) == (11, None, True)
    assert files() == before


def test_dry_run_with_errors_writes_there_and_says_so(tmp_path: Path, office_db: Path) -> None:
    errors = tmp_path / "akan-ditolak.csv"
    result = runner.invoke(
        app,
        [
            "import",
            str(CORPUS / "broken_rows.csv"),
            "--db",
            str(office_db),
            "--as",
            ADMIN.nip,
            "--dry-run",
            "--errors",
            str(errors),
        ],
    )
    assert result.exit_code == 1, result.output
    assert f"Baris yang akan ditolak ditulis ke {errors}" in result.output.replace("\n", "")
    assert errors.read_text("utf-8-sig").count("\n") == 12  # header + 11 rows
    assert not list(tmp_path.glob("office.db.import-errors-*"))
    database = open_database(office_db)
    assert database.execute("SELECT count(*) FROM cases").fetchone() == (0,)


def test_the_errors_file_names_columns_by_their_headers(office_db: Path, tmp_path: Path) -> None:
    errors = tmp_path / "errors.csv"
    result = runner.invoke(
        app,
        [
            "import",
            str(CORPUS / "missing_body_column.csv"),
            str(CORPUS / "duplicates.csv"),
            "--db",
            str(office_db),
            "--as",
            ADMIN.nip,
            "--errors",
            str(errors),
        ],
    )
    assert result.exit_code == 1
    import csv

    with errors.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["kolom"], row["baris"]) for row in rows] == [
        ("", "2"),  # the file has no body column at all: no column to name, the reason says
        ("No. Tiket", "4"),
        ("No. Tiket", "5"),
    ]
    assert "tidak ada kolom isi laporan (--map 'Judul Kolom=body')" in rows[0]["alasan"]
    assert "kolom No. Tiket" in result.output


def test_help_texts_follow_the_language(office_db: Path) -> None:
    indonesian = runner.invoke(app, ["import", "--help"])
    assert indonesian.exit_code == 0, indonesian.output
    text = " ".join(indonesian.output.split())
    assert "Ke mana baris yang ditolak ditulis (CSV)" in text
    assert "Jalankan semuanya tanpa menulis apa pun" in text
    english = runner.invoke(app, ["--lang", "en", "import", "--help"])
    text = " ".join(english.output.split())
    assert "Where to write the rejected rows (CSV)" in text
    assert "Do everything without writing anything" in text
    assert "Jalankan semuanya" not in text


def test_every_help_text_is_looked_up_when_the_module_is_imported() -> None:
    """Written as t("import.help....") at the module's import: a process whose language is set
    first gets every option's help in it (what the lazily loaded command tree relies on)."""
    import subprocess
    import sys

    from desk.importing.texts import TEXTS

    program = (
        "from desk.i18n import set_language; set_language('en')\n"
        "import typer, typer.main\n"
        "from desk.cli import import_cmd\n"
        "app = typer.Typer(add_completion=False)\n"
        "app.command('import')(import_cmd.import_command)\n"
        "command = typer.main.get_command(app)\n"
        "print(*(param.help for param in command.params if param.name != 'db'), sep='\\n')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        check=True,
    )
    english = {TEXTS[key][1] for key in TEXTS if key.startswith("import.help.")}
    shown = done.stdout.strip().splitlines()
    assert len(shown) == 11 and set(shown) == english, shown
