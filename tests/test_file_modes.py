"""Files with personal data or secrets are readable by their owner alone (issue 15, point 9).

Databases and their -wal/-shm, backups (they hold PIN hashes), before-restore copies, the
attachment store, exports, the central server's database and files, the office token and the
PIN key: before, all of them were made with the usual 0644.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from db import open_database
from desk import attachments
from desk.central.store import open_central
from desk.cli.main import app
from desk.exporting import ExportOptions, export_cases
from desk.safekeeping import backup, restore
from tests.conftest import ADMIN, make_office, new_case

runner = CliRunner()
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


@pytest.fixture(autouse=True)
def usual_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A umask that lets others read what a program makes, as on most desktops."""
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config.json"))
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def private(path: Path) -> bool:
    return path.exists() and mode(path) & 0o077 == 0


def test_a_new_database_and_its_wal_and_shm_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "office.db"
    database = open_database(path)
    make_office(database)  # a write: the -wal and -shm are there while it is open
    for name in ("office.db", "office.db-wal", "office.db-shm"):
        assert private(tmp_path / name), (name, oct(mode(tmp_path / name)))
    database.conn.close()


def test_an_existing_loose_database_is_tightened_and_db_check_says_so(tmp_path: Path) -> None:
    path = tmp_path / "office.db"
    make_office(open_database(path))
    path.chmod(0o644)
    result = runner.invoke(app, ["--lang", "en", "db", "check", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert f"note: {path} was open to other users" in result.output
    assert private(path)
    path.chmod(0o664)
    open_database(path).conn.close()  # any opening closes it again
    assert private(path)


def test_a_file_named_by_mistake_keeps_its_mode(tmp_path: Path) -> None:
    """`--db` naming a text file or a folder is refused, and their modes are not desk's to
    change (as root, `--db /etc/passwd` made it 0600)."""
    text = tmp_path / "notes.txt"
    text.write_text("bukan basis data\n")
    text.chmod(0o644)
    folder = tmp_path / "folder"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    for target in (text, folder):
        result = runner.invoke(app, ["officer", "list", "--db", str(target)])
        assert result.exit_code != 0 and "Traceback" not in result.output
    assert mode(text) == 0o644 and mode(folder) == 0o755


def test_backups_and_before_restore_copies_are_owner_only(tmp_path: Path) -> None:
    database = open_database(tmp_path / "office.db")
    make_office(database)
    new_case(database)
    backup(database, ADMIN, tmp_path / "copy.db")
    assert private(tmp_path / "copy.db")
    (tmp_path / "old.db").write_bytes(b"")
    os.chmod(tmp_path / "old.db", 0o644)
    backup(database, ADMIN, tmp_path / "old.db", force=True)  # replaced by an owner-only file
    assert private(tmp_path / "old.db")
    restore(database, ADMIN, tmp_path / "copy.db", keep_copy=tmp_path / "before.db")
    assert private(tmp_path / "before.db")


def test_the_attachment_store_is_closed_to_others(tmp_path: Path) -> None:
    database = open_database(tmp_path / "office.db")
    make_office(database)
    case = new_case(database)
    photo = tmp_path / "surat.pdf"
    photo.write_bytes(PDF)
    attachments.attach(database, ADMIN, case["id"], photo)
    root = tmp_path / "office.db.files"
    assert mode(root) == 0o700
    stored = [path for path in root.rglob("*") if path.is_file()]
    assert stored and all(private(path) for path in stored)
    assert all(mode(path) == 0o700 for path in root.rglob("*") if path.is_dir())
    root.chmod(0o755)  # made by an older desk, or by hand
    attachments.store_root(database)
    assert mode(root) == 0o700


def test_exports_are_owner_only_except_public_ones(tmp_path: Path) -> None:
    database = open_database(tmp_path / "office.db")
    make_office(database)
    new_case(database)
    export_cases(database, tmp_path / "masked.csv", ExportOptions(), actor=ADMIN)
    export_cases(
        database, tmp_path / "personal.jsonl", ExportOptions(include_personal=True), actor=ADMIN
    )
    export_cases(database, tmp_path / "public.csv", ExportOptions(public=True), actor=ADMIN)
    # Masked exports still carry complaint texts, which name people, and Rahasia cases.
    assert private(tmp_path / "masked.csv") and private(tmp_path / "personal.jsonl")
    assert mode(tmp_path / "public.csv") == 0o644  # made to be published


def test_the_central_database_and_its_files_are_owner_only(tmp_path: Path) -> None:
    central = open_central(tmp_path / "central.db")
    assert private(tmp_path / "central.db")
    attachments.store_root(central)
    assert mode(tmp_path / "central.db.files") == 0o700
    central.conn.close()


def test_office_add_writes_the_token_to_a_new_owner_only_file(tmp_path: Path) -> None:
    central = open_central(tmp_path / "central.db")
    make_office(central)
    central.conn.close()
    token_file = tmp_path / "pupr.token"
    base = ["--lang", "en", "central", "office", "add"]
    db = ["--db", str(tmp_path / "central.db")]
    added = runner.invoke(
        app, [*base, "pupr", "--unit", "PUPR", *db, "--token-file", str(token_file)]
    )
    assert added.exit_code == 0, added.output
    assert private(token_file)
    token = token_file.read_text().strip()
    assert len(token) >= 40 and token not in added.output  # in the file, not on the screen
    assert "desk remote set URL --token-file" in added.output
    # An existing file is never overwritten (nor read): and then no office is registered.
    token_file.write_text("mine\n")
    again = runner.invoke(
        app, [*base, "dinkes", "--unit", "DINKES", *db, "--token-file", str(token_file)]
    )
    assert again.exit_code == 1 and "already exists" in again.output
    assert token_file.read_text() == "mine\n"
    listed = runner.invoke(app, ["central", "office", "list", *db])
    assert "dinkes" not in listed.output and "pupr" in listed.output
    # Printing stays for pipes.
    printed = runner.invoke(app, [*base, "setda", "--unit", "SETDA", *db])
    assert printed.exit_code == 0 and len(printed.stdout.strip()) >= 40


def test_import_errors_and_receipts_written_to_a_file_are_owner_only(tmp_path: Path) -> None:
    """Both hold personal data: the rejected rows hold what the file held (names, NIK), a
    receipt names the reporter. An existing file at the path is closed to others too."""
    path = tmp_path / "office.db"
    database = open_database(path)
    make_office(database)
    new_case(database)
    database.conn.close()
    errors = tmp_path / "errors.csv"
    errors.write_text("old\n")
    os.chmod(errors, 0o644)
    corpus = Path(__file__).parent / "corpus" / "import" / "broken_rows.csv"
    imported = runner.invoke(
        app,
        ["import", str(corpus), "--db", str(path), "--as", ADMIN.nip, "--errors", str(errors)],
    )
    assert imported.exit_code == 1, imported.output
    assert private(errors), oct(mode(errors))
    assert "old" not in errors.read_text("utf-8-sig")
    receipt = tmp_path / "receipt.txt"
    written = runner.invoke(
        app,
        ["case", "receipt", "#8112829", "-o", str(receipt), "--db", str(path), "--as", ADMIN.nip],
    )
    assert written.exit_code == 0, written.output
    assert private(receipt), oct(mode(receipt))


def test_opening_again_in_a_process_keeps_another_processs_close_from_deleting_the_wal(
    tmp_path: Path,
) -> None:
    """A desk holds its database open while a second connection opens in it (a worker thread)
    and a CLI command in another process opens and closes it. The command must not take itself
    for the last user and delete the -wal and -shm under the desk ("disk I/O error", seen in
    the TUI after `desk remote set`, when opening read the file's header to check it)."""
    import subprocess
    import sys

    path = tmp_path / "office.db"
    held = open_database(path)
    make_office(held)
    open_database(path).conn.close()  # a second connection of this process, opened and closed
    command = (
        f"from db import open_database; d = open_database({str(path)!r}); "
        "d.execute('SELECT count(*) FROM cases').fetchone(); d.conn.close()"
    )
    subprocess.run([sys.executable, "-c", command], check=True)
    assert (tmp_path / "office.db-shm").exists()
    new_case(held)  # a write on the connection held all along
    assert held.execute("SELECT count(*) FROM cases").fetchone()[0] == 1
    held.conn.close()
