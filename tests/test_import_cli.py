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
