"""The attachment store and `attach`: content addressing, type and size checks, one transaction
with its event, op and audit entry, the officer rules, and the CLI."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from db import open_database
from desk import attachments
from desk.attachments import AttachmentProblem
from desk.errors import ActionRefused, InvalidInput
from desk.importing.readers import Record
from desk.importing.rows import RowError, RowReader
from desk.importing.values import Categories
from tests.conftest import (
    ADMIN,
    NOW,
    PETUGAS_DINKES,
    PETUGAS_PUPR,
    PETUGAS_PUPR_2,
    PIMPINAN,
    case_in,
    make_office,
    snapshot,
)
from tests.test_cli_case import STATUSES, number_in, opened, run


@pytest.fixture(autouse=True)
def own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    from desk.cli import attach_cmd

    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "config" / "config.json"))
    monkeypatch.delenv("DESK_DB", raising=False)
    monkeypatch.setattr(attach_cmd, "console", Console(highlight=False, width=250))


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """An office with one case in each status (#1001 ... #1008)."""
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    for number, status in enumerate(STATUSES, start=1001):
        case_in(database, status, str(number))
    database.conn.close()
    return path


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def office_zip(entries: dict[str, str]) -> bytes:
    """A zip with a fixed date in each entry: the same bytes in every test worker (xdist's
    workers must collect the same parameter ids)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


DOCX = office_zip(
    {
        "[Content_Types].xml": '<Types><Override ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>',
        "word/document.xml": "<w:document/>",
    }
)
ODS = office_zip({"mimetype": "application/vnd.oasis.opendocument.spreadsheet"})
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "Workbook".encode("utf-16-le")


def files_in(database: sqlite_utils.Database) -> list[Path]:
    root = attachments.store_root(database)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


# -- the store -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("foto.png", PNG, "image/png"),
        ("foto.JPG", b"\xff\xd8\xff\xe0" + b"x" * 100, "image/jpeg"),
        ("anim.gif", b"GIF89a" + b"x" * 100, "image/gif"),
        ("foto.webp", b"RIFF\x10\0\0\0WEBPVP8 " + b"x" * 100, "image/webp"),
        ("iphone.heic", b"\0\0\0\x18ftypheic" + b"x" * 100, "image/heic"),
        ("surat.pdf", b"%PDF-1.7\n" + b"x" * 100, "application/pdf"),
        (
            "surat.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("rekap.ods", ODS, "application/vnd.oasis.opendocument.spreadsheet"),
        ("rekap.xls", XLS, "application/vnd.ms-excel"),
        # The content decides, not the name: a PDF sent as "foto.jpg" is a PDF.
        ("foto.jpg", b"%PDF-1.4\n" + b"x" * 100, "application/pdf"),
    ],
)
def test_accepted_types_are_known_by_their_content(
    tmp_path: Path, name: str, data: bytes, media_type: str
) -> None:
    stored = attachments.ingest(tmp_path / "store", write(tmp_path, name, data))
    assert stored.media_type == media_type
    assert attachments.stored_path(tmp_path / "store", stored.sha256).read_bytes() == data


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("foto.jpg", b"MZ\x90\0" + b"\0" * 100),  # a Windows program renamed
        ("surat.pdf", b"<html>bukan pdf</html>"),
        ("arsip.docx", office_zip({"lain.txt": "bukan dokumen"})),
        ("catatan.txt", b"teks biasa"),
    ],
)
def test_anything_else_is_refused_clearly_and_nothing_is_stored(
    tmp_path: Path, name: str, data: bytes
) -> None:
    with pytest.raises(InvalidInput, match="Jenis berkas tidak diterima"):
        attachments.ingest(tmp_path / "store", write(tmp_path, name, data))
    assert not [p for p in (tmp_path / "store").rglob("*") if p.is_file()]


def test_the_same_content_twice_is_stored_once(tmp_path: Path) -> None:
    root = tmp_path / "store"
    first = attachments.ingest(root, write(tmp_path, "a.png", PNG))
    second = attachments.ingest(root, write(tmp_path, "salinan.png", PNG))
    assert first.sha256 == second.sha256 and first.new and not second.new
    assert len([p for p in root.rglob("*") if p.is_file()]) == 1
    assert first.location == f"{first.sha256[:2]}/{first.sha256[2:]}"


def test_the_size_limit_is_a_setting(database: sqlite_utils.Database, tmp_path: Path) -> None:
    case = case_in(database, "baru")
    database.execute("INSERT INTO settings (key, value) VALUES (?, '500')", [attachments.LIMIT_KEY])
    with pytest.raises(InvalidInput, match=r"terlalu besar.*500 B"):
        attachments.attach(database, ADMIN, case["id"], write(tmp_path, "besar.png", PNG))
    assert attachments.size_limit(database) == 500
    assert not files_in(database)


def test_a_failed_copy_leaves_no_file_under_a_hash_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("desk.attachments.os.fsync", disk_full)
    with pytest.raises(InvalidInput, match="No space left"):
        attachments.ingest(tmp_path / "store", write(tmp_path, "a.png", PNG))
    assert not [p for p in (tmp_path / "store").rglob("*") if p.is_file()]


def test_missing_and_corrupt_files_are_reported_not_crashed_on(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    case = case_in(database, "baru")
    done = attachments.attach(database, ADMIN, case["id"], write(tmp_path, "a.png", PNG))
    [entry] = attachments.list_attachments(database, case["id"])
    assert entry.state == "uploading"  # here, and not yet sent
    path = attachments.stored_path(attachments.store_root(database), done.stored.sha256)

    path.write_bytes(PNG[:-1] + b"!")  # same size, other content: only the hash tells
    with pytest.raises(AttachmentProblem, match="rusak"):
        attachments.checked_path(attachments.list_attachments(database, case["id"])[0])
    path.write_bytes(b"short")
    assert attachments.list_attachments(database, case["id"])[0].state == "corrupt"
    path.unlink()
    assert attachments.list_attachments(database, case["id"])[0].state == "missing"
    with pytest.raises(AttachmentProblem, match="tidak ada"):
        attachments.verify(path, done.stored.sha256, name="a.png")
    # Once uploaded, a file that is not here is one the next sync can fetch.
    database.execute("DELETE FROM sync_state")
    assert attachments.list_attachments(database, case["id"])[0].state == "pending"


# -- attach ----------------------------------------------------------------------------------


def test_attach_writes_row_event_op_and_audit_in_one_go(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    case = case_in(database, "terverifikasi")
    done = attachments.attach(
        database, PETUGAS_PUPR, case["id"], write(tmp_path, "jalan \x1b[2J.png", PNG)
    )
    meta = {"sha256": done.stored.sha256, "name": "jalan \x1b[2J.png", "size": len(PNG)}
    meta["media_type"] = "image/png"
    row = database.execute(
        "SELECT name, size, media_type, location, added_by FROM attachments"
    ).fetchone()
    assert row == (meta["name"], len(PNG), "image/png", done.stored.location, PETUGAS_PUPR.nip)
    event = database.execute(
        "SELECT kind, uid, data FROM events WHERE uid = ?", [done.op_id]
    ).fetchone()
    assert event[0] == "attachment" and json.loads(event[2]) == meta
    op = database.execute(
        "SELECT kind, payload, base_version, state FROM outbox WHERE op_id = ?", [done.op_id]
    ).fetchone()
    assert op == (
        "attach",
        json.dumps(meta, ensure_ascii=False, separators=(",", ":")),
        case["version"],
        "pending",
    )
    audit = database.execute(
        "SELECT action, detail FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert audit[0] == "attach" and done.op_id in audit[1]
    # Attaching changes no field of the case.
    version = database.execute("SELECT version FROM cases WHERE id = ?", [case["id"]]).fetchone()
    assert version[0] == case["version"]


def test_the_same_file_on_the_same_case_is_refused_but_another_case_may_share_it(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    first, second = case_in(database, "baru", "1001"), case_in(database, "baru", "1002")
    attachments.attach(database, ADMIN, first["id"], write(tmp_path, "a.png", PNG))
    before = snapshot(database)
    with pytest.raises(InvalidInput, match="sudah terlampir pada #1001"):
        attachments.attach(database, ADMIN, first["id"], write(tmp_path, "lagi.png", PNG))
    assert snapshot(database) == before
    attachments.attach(database, ADMIN, second["id"], write(tmp_path, "b.png", PNG))
    assert len(files_in(database)) == 1
    assert database.execute("SELECT count(*) FROM attachments").fetchone()[0] == 2


@pytest.mark.parametrize(
    ("actor", "status", "allowed"),
    [
        (ADMIN, "baru", True),
        (ADMIN, "diproses", True),
        (PETUGAS_PUPR, "diproses", True),
        (PETUGAS_DINKES, "diproses", False),  # another unit's case
        (PETUGAS_PUPR, "baru", False),  # not disposed to a unit yet
        (PIMPINAN, "diproses", False),  # reads, acts on nothing
    ],
)
def test_who_may_attach_is_who_may_add_a_note(
    database: sqlite_utils.Database, tmp_path: Path, actor: Any, status: str, allowed: bool
) -> None:
    case = case_in(database, status)
    path = write(tmp_path, "a.png", PNG)
    if allowed:
        attachments.attach(database, actor, case["id"], path)
        return
    before = snapshot(database)
    with pytest.raises(ActionRefused):
        attachments.attach(database, actor, case["id"], path)
    assert snapshot(database) == before and not files_in(database)


def test_metadata_from_the_wire_is_checked() -> None:
    good = {"sha256": "a" * 64, "name": "../../etc/foto.png", "size": 10, "media_type": "image/png"}
    assert attachments.check_meta(good) == {**good, "name": "foto.png"}
    assert attachments.check_meta({**good, "sha256": "A" * 64}) is None
    assert attachments.check_meta({**good, "size": True}) is None
    assert attachments.check_meta({**good, "media_type": "application/x-msdownload"}) is None
    assert attachments.check_meta({**good, "extra": 1}) is None


# -- CLI -------------------------------------------------------------------------------------


def test_cli_attaches_several_files_and_reports_each_refusal(office: Path, tmp_path: Path) -> None:
    number = number_in("diproses")
    good = write(tmp_path, "jalan.png", PNG)
    bad = write(tmp_path, "virus.jpg", b"MZ" + b"\0" * 64)
    result = run(office, "case", "attach", number, str(good), str(bad), actor=ADMIN)
    assert result.exit_code == 1
    assert f"jalan.png (1,0 KB, image/png) dilampirkan pada #{number}." in result.stdout
    assert "virus.jpg" in result.stderr and "Traceback" not in result.output

    again = run(office, "case", "attach", number, str(good), "--json", actor=ADMIN)
    assert again.exit_code == 1
    [answer] = json.loads(again.stdout)
    assert answer["ok"] is False and "sudah terlampir" in answer["error"]

    listing = run(office, "case", "attachments", number, "--json")
    [entry] = json.loads(listing.stdout)
    assert (entry["name"], entry["size"], entry["state"]) == ("jalan.png", len(PNG), "uploading")
    table = run(office, "case", "attachments", number)
    assert "jalan.png" in table.stdout and "menunggu unggah" in table.stdout


def test_cli_names_from_the_public_never_reach_the_terminal_raw(
    office: Path, tmp_path: Path
) -> None:
    number = number_in("diproses")
    hostile = write(tmp_path, "[bold]x\x1b]52;c;SGVsbG8=\x07.png", PNG)
    result = run(office, "case", "attach", number, str(hostile), actor=ADMIN)
    assert result.exit_code == 0, result.output
    assert "\x1b]52" not in result.stdout and "[bold]x" in result.stdout
    listing = run(office, "case", "attachments", number)
    assert "\x1b]52" not in listing.stdout and "\x07" not in listing.stdout


def test_cli_open_attachment_checks_the_file_and_says_where_it_is(
    office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = number_in("diproses")
    run(office, "case", "attach", number, str(write(tmp_path, "a.pdf", b"%PDF-1.4\n")), actor=ADMIN)
    from desk import viewer

    monkeypatch.setattr(viewer, "viewer_command", lambda path: None)
    shown = run(office, "case", "open-attachment", number)
    assert shown.exit_code == 0 and "Tidak ada penampil berkas" in shown.stdout
    printed = run(office, "case", "open-attachment", number, "1", "--path")
    path = Path(printed.stdout.strip())
    assert path.read_bytes() == b"%PDF-1.4\n"
    os.chmod(path, 0o600)
    path.write_bytes(b"%PDF-1.5\n")
    broken = run(office, "case", "open-attachment", number)
    assert broken.exit_code == 1 and "rusak" in broken.stderr
    missing = run(office, "case", "open-attachment", number, "9")
    assert missing.exit_code == 1 and "tidak punya lampiran 9" in missing.stderr
    assert opened(office).execute("SELECT count(*) FROM attachments").fetchone()[0] == 1


# -- exports and imports ---------------------------------------------------------------------


def test_exports_list_attachments_and_a_jsonl_move_restores_their_rows(
    office: Path, tmp_path: Path
) -> None:
    number = number_in("diproses")
    pdf = write(tmp_path, "surat; balasan.pdf", b"%PDF-1.4\n")
    run(office, "case", "attach", number, str(write(tmp_path, "jalan.png", PNG)), actor=ADMIN)
    run(office, "case", "attach", number, str(pdf), actor=ADMIN)

    csv_path, jsonl_path, public = tmp_path / "a.csv", tmp_path / "a.jsonl", tmp_path / "p.csv"
    for target in (csv_path, jsonl_path):
        result = run(office, "export", "-o", str(target), "--delimiter", ",", actor=ADMIN)
        assert result.exit_code == 0, result.output
    with csv_path.open(encoding="utf-8-sig") as handle:
        rows = {row["tracking_no"]: row for row in csv.DictReader(handle)}
    assert rows[number]["attachments"] == "jalan.png; surat; balasan.pdf"
    assert rows[number_in("baru")]["attachments"] == ""
    assert run(office, "export", "-o", str(public), "--public", actor=ADMIN).exit_code == 0
    assert "attachments" not in public.read_text(encoding="utf-8-sig").splitlines()[0]

    records = [json.loads(line) for line in jsonl_path.read_text().splitlines()]
    [record] = [r for r in records if r.get("tracking_no") == number]
    assert [a["name"] for a in record["attachments"]] == ["jalan.png", "surat; balasan.pdf"]

    reader = RowReader({}, Categories(), unit_tz=lambda unit: "Asia/Makassar")
    row = reader.read(Record(row=1, cells=record))
    assert [a["sha256"] for a in row.attachments] == [a["sha256"] for a in record["attachments"]]
    bad = {**record, "attachments": [{"name": "x.exe", "size": 1}]}
    with pytest.raises(RowError, match="attachment incomplete"):
        reader.read(Record(row=2, cells=bad))


def test_sync_refuses_an_unknown_attachments_mode_in_one_line(office: Path) -> None:
    result = run(office, "sync", "--attachments", "some")
    assert result.exit_code == 1
    assert "--attachments harus none, small, atau all" in result.stderr


def test_importing_a_jsonl_move_restores_the_attachment_rows_once(
    office: Path, tmp_path: Path
) -> None:
    from desk.importing import ImportOptions, import_files

    number = number_in("diproses")
    run(office, "case", "attach", number, str(write(tmp_path, "jalan.png", PNG)), actor=ADMIN)
    moved = tmp_path / "move.jsonl"
    exported = run(office, "export", "-o", str(moved), "--include-personal", actor=ADMIN)
    assert exported.exit_code == 0, exported.output
    target = open_database(tmp_path / "target.db")
    options = ImportOptions(errors_path=tmp_path / "errors.csv")
    first = import_files(target, [moved], options, actor=None)
    rows = target.execute(
        "SELECT a.name, a.sha256 FROM attachments a JOIN cases c ON c.id = a.case_id "
        "WHERE c.tracking_no = ?",
        [number],
    ).fetchall()
    assert [name for name, _ in rows] == ["jalan.png"]
    assert rows[0][1] == hashlib.sha256(PNG).hexdigest()
    again = import_files(target, [moved], options, actor=None)
    assert again.total("unchanged") == first.total("inserted")  # nothing twice
    assert target.execute("SELECT count(*) FROM attachments").fetchone()[0] == 1


def test_the_officer_who_took_a_walk_in_complaint_may_attach_its_photo(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    from desk.intake import IntakeDraft, record_intake

    draft = IntakeDraft(
        title="Jalan amblas di depan pasar",
        text="Sedalam setengah meter.",
        category="PEKERJAAN UMUM DAN PENATAAN RUANG / JALAN BERLUBANG",
        channel="loket",
        name="Budi Santoso",
        phone="081255443322",
    )
    recorded = record_intake(database, PETUGAS_PUPR, draft, NOW)
    assert recorded.case["status"] == "baru" and recorded.case["unit_code"] is None
    attachments.attach(database, PETUGAS_PUPR, recorded.case["id"], write(tmp_path, "a.png", PNG))
    # Another officer of the unit may not, before the case is disposed to it.
    with pytest.raises(ActionRefused):
        attachments.attach(
            database, PETUGAS_PUPR_2, recorded.case["id"], write(tmp_path, "b.png", PNG + b"2")
        )


def test_reading_an_attachment_needs_an_officer_and_is_audited(
    office: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15, point 6: reading a file a citizen sent is an officer's act, in the audit log."""
    number = number_in("diproses")
    run(office, "case", "attach", number, str(write(tmp_path, "a.pdf", b"%PDF-1.4\n")), actor=ADMIN)
    monkeypatch.setenv("DESK_CONFIG", str(tmp_path / "other-config.json"))  # nobody remembered
    for command in (("case", "attachments", number), ("case", "open-attachment", number)):
        nobody = run(office, *command)
        assert nobody.exit_code == 1 and "--as" in nobody.stderr, nobody.output
    printed = run(office, "case", "open-attachment", number, "--path", actor=PETUGAS_PUPR)
    assert printed.exit_code == 0, printed.output
    database = opened(office)
    nip, action, case_id, detail = database.execute(
        "SELECT actor_nip, action, case_id, detail FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    case_row = database.execute("SELECT id FROM cases WHERE tracking_no = ?", [number]).fetchone()
    assert (nip, action, case_id) == (PETUGAS_PUPR.nip, "attachment_read", case_row[0])
    assert json.loads(detail) == {
        "name": "a.pdf",
        "sha256": hashlib.sha256(b"%PDF-1.4\n").hexdigest(),
        "as": "path",
    }
