"""The command line as a user meets it: help, version, the database commands, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlite_utils
from typer.testing import CliRunner

from db import open_database
from desk import __version__
from desk.cli.main import app
from tests.conftest import ADMIN, make_office

runner = CliRunner()


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The remembered officer lives in the user's config: keep the tests' apart."""
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))


@pytest.fixture
def office_db(tmp_path: Path) -> Path:
    path = tmp_path / "office.db"
    database = open_database(path)
    make_office(database)
    database.conn.close()
    return path


def test_help_lists_the_command_groups() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("db", "officer", "unit", "seed", "holidays"):
        assert group in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"desk {__version__}"


def test_db_path_follows_option_then_environment(tmp_path: Path) -> None:
    chosen = tmp_path / "a.db"
    assert runner.invoke(app, ["--db", str(chosen), "db", "path"]).output.strip() == str(chosen)
    assert runner.invoke(app, ["db", "path", "--db", str(chosen)]).output.strip() == str(chosen)
    from_env = runner.invoke(app, ["db", "path"], env={"DESK_DB": str(tmp_path / "env.db")})
    assert from_env.output.strip() == str(tmp_path / "env.db")


def test_db_check_reports_a_healthy_database(office_db: Path) -> None:
    result = runner.invoke(app, ["db", "check", "--db", str(office_db), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["healthy"] is True
    assert report["counts"]["officers"] == 5
    assert report["schema_version"] == report["current_schema_version"]


def test_db_check_catches_a_tampered_audit_log(office_db: Path) -> None:
    from db import audit

    database = open_database(office_db)
    for action in ("login", "verify", "close"):
        audit.append(database, at="2026-11-10T01:00:00Z", actor_nip="1", action=action)
    database.execute("DROP TRIGGER audit_log_no_update")
    database.execute("UPDATE audit_log SET action = 'nothing' WHERE seq = 2")
    database.conn.close()
    result = runner.invoke(app, ["db", "check", "--db", str(office_db)])
    assert result.exit_code == 1
    assert "entry 2 was altered" in result.output


def test_check_names_the_indexes_a_stopped_bulk_import_left_out(office_db: Path) -> None:
    """A bulk import killed before it built its indexes again: `db check` (which changes
    nothing) says so and what rebuilds them; `db optimize` does."""
    from db import bulk_load

    database = open_database(office_db)
    bulk_load.drop_indexes(database)
    database.execute(
        "UPDATE settings SET value = json_set(value, '$.pid', 999999999) WHERE key = ?",
        [bulk_load.MARKER],  # the process that dropped them is gone
    )
    database.conn.commit()
    database.conn.close()
    result = runner.invoke(app, ["db", "check", "--db", str(office_db), "--json"])
    assert result.exit_code == 1
    (problem,) = json.loads(result.output)["problems"]
    assert "cases_by_due" in problem and "desk db optimize" in problem
    assert runner.invoke(app, ["db", "optimize", "--db", str(office_db)]).exit_code == 0
    assert runner.invoke(app, ["db", "check", "--db", str(office_db)]).exit_code == 0

    database = open_database(office_db)  # an index gone another way (no bulk-load note)
    database.execute("DROP INDEX cases_by_updated")
    database.conn.close()
    result = runner.invoke(app, ["db", "check", "--db", str(office_db)])
    assert result.exit_code == 1 and "cases_by_updated" in result.output
    assert runner.invoke(app, ["db", "optimize", "--db", str(office_db)]).exit_code == 0
    assert runner.invoke(app, ["db", "check", "--db", str(office_db)]).exit_code == 0


def test_missing_database_is_one_clear_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    result = runner.invoke(app, ["db", "check", "--db", str(missing)])
    assert result.exit_code == 1
    assert str(missing) in result.output
    assert "Traceback" not in result.output
    listed = runner.invoke(app, ["officer", "list", "--db", str(missing)])
    assert listed.exit_code == 1 and "desk seed" in listed.output
    assert not missing.exists()  # asking about a database must not create one


def test_not_a_database_is_one_clear_line(tmp_path: Path) -> None:
    bogus = tmp_path / "export.xlsx"
    bogus.write_bytes(b"PK\x03\x04" + b"\x00" * 2000)
    result = runner.invoke(app, ["officer", "list", "--db", str(bogus)])
    assert result.exit_code == 1
    assert "bukan basis data desk" in result.output  # Indonesian by default
    assert "Traceback" not in result.output
    english = runner.invoke(app, ["--lang", "en", "officer", "list", "--db", str(bogus)])
    assert english.exit_code == 1 and "is not a desk database" in english.output


def test_db_check_speaks_both_languages(office_db: Path) -> None:
    indonesian = runner.invoke(app, ["db", "check", "--db", str(office_db)])
    english = runner.invoke(app, ["--lang", "en", "db", "check", "--db", str(office_db)])
    assert indonesian.exit_code == 0 and "sehat" in indonesian.output
    assert "versi skema" in indonesian.output and "healthy" not in indonesian.output
    assert english.exit_code == 0 and "healthy" in english.output
    assert "schema version" in english.output


def test_officer_list(office_db: Path) -> None:
    result = runner.invoke(app, ["officer", "list", "--db", str(office_db), "--json"])
    assert result.exit_code == 0
    officers = json.loads(result.output)
    assert officers[0]["role"] == "admin"  # admins first
    assert {o["nip"] for o in officers} >= {"198001012005011001", "198502022010012002"}
    table = runner.invoke(app, ["--lang", "en", "officer", "list", "--db", str(office_db)])
    assert "Siti Rahmawati" in table.output and "unit officer" in table.output


def test_unit_list(office_db: Path) -> None:
    result = runner.invoke(app, ["unit", "list", "--db", str(office_db), "--json"])
    units = {u["code"]: u for u in json.loads(result.output)}
    assert units["PUPR"]["officers"] == 2


def test_unknown_language_is_refused() -> None:
    result = runner.invoke(app, ["--lang", "fr", "db", "path"])
    assert result.exit_code == 2
    assert "--lang" in result.output


def test_regional_holidays_import_and_list(office_db: Path, tmp_path: Path) -> None:
    holidays = tmp_path / "libur.txt"
    holidays.write_text(
        "# libur daerah Kaltim\n2026-01-09;Hari Jadi Provinsi Kalimantan Timur\n"
        "2026-05-21;Hari Jadi Kota Samarinda;PUPR\n",
        encoding="utf-8",
    )
    as_admin = ["--db", str(office_db), "--as", ADMIN.nip]
    result = runner.invoke(app, ["holidays", "import", str(holidays), *as_admin])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(
        app, ["holidays", "list", "--year", "2026", "--db", str(office_db), "--json"]
    )
    days = {d["day"]: d for d in json.loads(listed.output)}
    assert days["2026-01-09"]["kind"] == "regional"
    assert days["2026-05-21"]["unit"] == "PUPR"
    assert days["2026-08-17"]["kind"] == "national"
    broken = tmp_path / "rusak.txt"
    broken.write_text("2026-13-40;Tidak ada\n", encoding="utf-8")
    failed = runner.invoke(app, ["holidays", "import", str(broken), *as_admin])
    # A file that cannot be used is an input error, as for `desk import`: exit 2, one line.
    assert failed.exit_code == 2 and "line 1" in failed.output.lower().replace("baris", "line")
    assert len(failed.stderr.strip().splitlines()) == 1


def test_regional_holiday_moves_a_deadline(office_db: Path, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from desk.clocks import verification_clock

    database: sqlite_utils.Database = open_database(office_db)
    received = datetime(2026, 11, 10, 1, 0, tzinfo=UTC)  # Tuesday
    assert verification_clock(database, received).due_at == "2026-11-13T15:59:59Z"
    database.execute(
        "INSERT INTO regional_holidays (day, name) VALUES ('2026-11-12', 'Libur daerah')"
    )
    assert verification_clock(database, received).due_at == "2026-11-16T15:59:59Z"


def test_the_demo_database_is_made_once_and_whole(tmp_path: Path) -> None:
    from desk.cli.tui import DEMO_ADMIN_NIP, ensure_demo_database

    path = tmp_path / "data" / "demo.db"
    assert ensure_demo_database(path) is True
    database = open_database(path)
    cases = database.execute("SELECT count(*) FROM cases").fetchone()[0]
    assert 4_000 <= cases <= 6_000
    admin = database.execute("SELECT role FROM officers WHERE nip = ?", [DEMO_ADMIN_NIP])
    assert admin.fetchone() == ("admin",)
    database.conn.close()
    assert ensure_demo_database(path) is False  # opened again, never seeded twice
    assert not list(path.parent.glob("*.partial*"))


def test_desk_without_a_database_points_to_the_demo(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", str(tmp_path / "none.db")])
    assert result.exit_code == 1
    assert "desk demo" in result.output


def test_names_that_look_like_markup_are_printed_literally(office_db: Path) -> None:
    database = open_database(office_db)
    database.execute(
        "UPDATE officers SET name = '[bold]Siti[/bold] \x1b[2J' WHERE unit_code = 'PUPR'"
    )
    database.conn.close()
    result = runner.invoke(app, ["officer", "list", "--db", str(office_db)], env={"COLUMNS": "200"})
    assert "[bold]Siti[/bold]" in result.output
    assert "\x1b" not in result.output


def test_db_optimize_merges_the_search_index_and_finds_the_same_cases(tmp_path: Path) -> None:
    from db.inbox import CaseFilter, fetch_page
    from db.search_index import search_segments
    from tests.conftest import new_case

    path = tmp_path / "desk.db"
    database = open_database(path)
    for number in range(12):  # one write each: the index gains a segment each time
        new_case(database, str(8_000_000 + number), title=f"Jalan rusak {number}")
    before = [row["id"] for row in fetch_page(database, CaseFilter(words="jalan rusak"))]
    assert search_segments(database) > 1
    check = runner.invoke(app, ["--lang", "en", "db", "check", "--db", str(path)])
    assert "search index segments" in check.output and "desk db optimize" in check.output

    result = runner.invoke(app, ["--lang", "en", "db", "optimize", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "merged into 1" in result.output
    assert search_segments(database) == 1
    assert [row["id"] for row in fetch_page(database, CaseFilter(words="jalan rusak"))] == before
    assert len(before) == 12
    again = runner.invoke(app, ["db", "optimize", "--db", str(path)])
    assert again.exit_code == 0 and "1 segmen menjadi 1" in again.output


def test_a_seeded_database_has_its_search_index_merged(tmp_path: Path) -> None:
    from db.search_index import search_segments
    from desk.seed import seed_database

    database = open_database(tmp_path / "desk.db")
    seed_database(database, 300, workers=0)
    seed_database(database, 300, seed=2, workers=0)  # a second transaction: a second segment
    assert search_segments(database) == 1


def test_a_large_import_leaves_the_search_index_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import desk.importing
    from db.search_index import search_segments
    from desk.exporting import ExportOptions, export_cases
    from desk.seed import seed_database
    from tests.conftest import ADMIN, NOW, new_case

    source = open_database(tmp_path / "source.db")
    seed_database(source, 300, workers=0)
    exported = tmp_path / "all.csv"
    export_cases(source, exported, ExportOptions(include_personal=True), actor=ADMIN, now=NOW)
    monkeypatch.setattr(desk.importing, "MERGE_SEARCH_FROM", 200)
    for number, expected in ((1, 1), (2, None)):
        path = tmp_path / f"target-{number}.db"
        target = open_database(path)
        for extra in range(3):
            new_case(target, str(9_000_000 + extra))
        if expected is None:  # below the threshold: left as the chunks wrote it
            monkeypatch.setattr(desk.importing, "MERGE_SEARCH_FROM", 10_000)
        result = runner.invoke(app, ["import", str(exported), "--db", str(path), "--json"])
        assert json.loads(result.output)["inserted"] == 300, result.output
        segments = search_segments(target)
        assert segments == 1 if expected == 1 else segments > 1
