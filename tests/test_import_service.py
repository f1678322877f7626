"""`desk.importing.import_files` on the corpus of messy files in tests/corpus/import/."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlite_utils

from db import audit
from db.stemming import match_expression
from desk.errors import ActionRefused
from desk.importing import (
    BadImportOptions,
    FileUnreadable,
    ImportOptions,
    ImportSummary,
    import_files,
)
from desk.workflow import Actor
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, new_case

CORPUS = Path(__file__).parent / "corpus" / "import"


def run(
    database: sqlite_utils.Database,
    *names: str | Path,
    actor: Actor | None = ADMIN,
    **options: Any,
) -> ImportSummary:
    paths = [name if isinstance(name, Path) else CORPUS / name for name in names]
    options.setdefault(
        "errors_path", Path(database.execute("PRAGMA database_list").fetchone()[2] + ".errors.csv")
    )
    return import_files(database, paths, ImportOptions(**options), actor=actor, now=NOW)


def case(database: sqlite_utils.Database, number: str) -> dict[str, Any]:
    rows = list(
        database.query(
            "SELECT c.*, r.name, r.nik, r.phone, r.email FROM cases c "
            "LEFT JOIN reporters r ON r.case_id = c.id WHERE tracking_no = ?",
            [number],
        )
    )
    assert rows, f"case {number} not imported"
    return rows[0]


def events(database: sqlite_utils.Database, number: str) -> list[dict[str, Any]]:
    return list(
        database.query(
            "SELECT e.* FROM events e JOIN cases c ON c.id = e.case_id "
            "WHERE c.tracking_no = ? ORDER BY e.id",
            [number],
        )
    )


def counts(database: sqlite_utils.Database) -> tuple[int, ...]:
    return tuple(
        database.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("cases", "events", "reporters", "units", "audit_log", "outbox")
    )


def error_rows(summary: ImportSummary) -> list[dict[str, str]]:
    assert summary.errors_path is not None
    with open(summary.errors_path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


# -- formats and encodings ----------------------------------------------------------------------


def test_lapor_export_in_cp1252_with_semicolons(database: sqlite_utils.Database) -> None:
    summary = run(database, "lapor_cp1252.csv")
    assert (summary.total("inserted"), summary.rejected) == (4, 0)
    assert (summary.files[0].format, summary.files[0].encoding) == ("csv", "cp1252")
    first = case(database, "8200001")
    assert first["name"] == "José Rahman"  # é from Windows-1252, not mojibake
    assert "“mohon”" in first["body"]
    assert first["received_at"] == "2025-07-14T01:30:00Z"  # 09:30 WITA
    assert first["incident_date"] == "2025-07-10"
    assert (first["status"], first["unit_code"]) == ("terverifikasi", "PUPR")  # by unit name
    assert first["category"] == "PEKERJAAN UMUM DAN PENATAAN RUANG"
    assert first["subcategory"] == "INFRASTRUKTUR JALAN"
    assert json.loads(first["extra"]) == {"Catatan Admin": "cek lapangan"}
    assert summary.files[0].unknown_columns == ["Catatan Admin"]
    second = case(database, "8200002")
    assert second["received_at"] == "2025-07-13T16:00:00Z"  # "14 Juli 2025", midnight WITA
    assert (second["anonymous"], second["confidential"], second["channel"]) == (1, 0, "sms")
    third = case(database, "8200003")
    assert (third["status"], third["unit_code"], third["classification"]) == (
        "diproses",
        "DINKES",
        "aspirasi",
    )
    assert third["received_at"] == "2025-07-13T16:00:00Z"  # "Senin, 2025/07/14"
    fourth = case(database, "8200004")
    assert fourth["status"] == "selesai"
    assert fourth["received_at"] == "2025-07-14T08:05:00Z"  # "14 Jul 2025 16:05"
    assert (fourth["nik"], fourth["phone"]) == (None, None)  # masked values never stored
    assert summary.total("masked") == 2
    assert summary.units_created == ["DINAS-LINGKUNGAN-HIDUP"]
    assert database.execute(
        "SELECT name FROM units WHERE code = 'DINAS-LINGKUNGAN-HIDUP'"
    ).fetchone() == ("Dinas Lingkungan Hidup",)


def test_utf16_tab_file_from_excel(database: sqlite_utils.Database) -> None:
    summary = run(database, "excel_unicode.txt")
    assert (summary.files[0].format, summary.files[0].encoding) == ("tsv", "utf-16")
    flood = case(database, "8300001")
    assert flood["received_at"] == "2025-08-01T00:00:00Z"  # an offset: an instant
    assert (flood["status"], flood["phone"]) == ("terverifikasi", "081300000001")
    assert case(database, "8300002")["status"] == "diarsipkan"  # LAPOR!'s "Ditolak"


def test_utf8_bom_quoted_newlines_and_neutralised_cells(database: sqlite_utils.Database) -> None:
    summary = run(database, "utf8_bom_multiline.csv")
    assert summary.total("inserted") == 2
    first = case(database, "8400001")
    assert first["title"] == "Jalan, jembatan dan drainase"
    assert first["body"] == 'Baris pertama,\r\nbaris kedua; "dikutip"\r\nbaris ketiga'
    second = case(database, "8400002")
    assert second["title"] == '=HYPERLINK("http://x")'  # the export's apostrophe removed
    assert (second["name"], second["nik"]) == ("-Dedi", None)


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """A hand-kept spreadsheet: title rows above the header, dates as dates and as serials."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Rekap"
    sheet.append(["Rekap Pengaduan LAPOR! Provinsi Kalimantan Timur"])
    sheet.append(["Periode Juli 2025"])
    sheet.append([])
    sheet.append(
        [
            "No",
            "No. Tiket",
            "Judul",
            "Isi Laporan",
            "Tanggal Laporan",
            "Tgl Kejadian",
            "Status",
            "OPD",
        ]
    )
    sheet.append(
        [
            1,
            8700001,
            "Jalan rusak",
            "Isi satu",
            datetime(2025, 7, 14, 9, 30),
            45850,
            "Selesai",
            "DINKES",
        ]
    )
    sheet.append(
        [2, 8700002, "Lampu", "Isi dua", 45852.5, "2025-07-01", "Belum Terverifikasi", None]
    )
    book.create_sheet("Lain").append(["kosong"])
    path = tmp_path / "rekap.xlsx"
    book.save(path)
    return path


def test_xlsx_header_below_title_rows_and_excel_serials(
    database: sqlite_utils.Database, workbook: Path
) -> None:
    summary = run(database, workbook)
    assert (summary.total("inserted"), summary.rejected) == (2, 0)
    first = case(database, "8700001")  # a numeric cell: no "8700001.0"
    assert (first["received_at"], first["incident_date"]) == ("2025-07-14T01:30:00Z", "2025-07-12")
    assert first["unit_code"] == "DINKES"
    assert case(database, "8700002")["received_at"] == "2025-07-14T04:00:00Z"  # 45852.5 = noon
    assert summary.files[0].unknown_columns == ["No"]


def test_xlsx_unknown_sheet_is_refused_naming_the_sheets(
    database: sqlite_utils.Database, workbook: Path
) -> None:
    with pytest.raises(FileUnreadable, match="Rekap, Lain"):
        run(database, workbook, sheet="Tidak Ada")
    summary = run(database, workbook, sheet="Rekap")
    assert summary.total("inserted") == 2


def test_json_array_with_english_headers(database: sqlite_utils.Database) -> None:
    summary = run(database, "array.json")
    assert summary.total("inserted") == 2
    bus = case(database, "8500001")
    assert (bus["status"], bus["anonymous"], bus["confidential"]) == ("selesai", 1, 0)
    assert bus["category"] == "PERHUBUNGAN"
    levy = case(database, "8500002")
    assert levy["status"] == "ditanggapi"
    assert levy["category"] == "Kategori Karangan Sendiri"  # unknown: kept as written, listed
    assert summary.unknown_categories == ["Kategori Karangan Sendiri"]


def test_json_lines_with_database_field_names_and_a_bad_line(
    database: sqlite_utils.Database,
) -> None:
    summary = run(database, "rows.jsonl")
    assert (summary.total("inserted"), summary.rejected) == (2, 1)
    water = case(database, "8600001")
    assert (water["confidential"], water["name"], water["email"]) == (1, "Lina", "lina@example.id")
    assert case(database, "8600002")["unit_code"] == "PUPR"
    assert error_rows(summary)[0]["baris"] == "3"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("truncated_quote.csv", "kutip"),
        ("binary.csv", "biner"),
        ("mojibake.csv", "CafÃ©"),
    ],
)
def test_unreadable_files_are_refused_before_anything_is_written(
    database: sqlite_utils.Database, name: str, message: str
) -> None:
    before = counts(database)
    with pytest.raises(FileUnreadable, match=message):
        run(database, "lapor_cp1252.csv", name)  # the good file first: not imported either
    assert counts(database) == before


def test_a_wrong_encoding_is_refused_not_stored_as_mojibake(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    utf8 = tmp_path / "utf8.csv"
    utf8.write_text("No. Tiket;Judul;Isi;Tanggal\n1;Café;José;2025-09-01\n", "utf-8")
    with pytest.raises(FileUnreadable, match="cp1252"):
        run(database, utf8, encoding="windows-1252")
    with pytest.raises(FileUnreadable, match="utf-8"):
        run(database, "lapor_cp1252.csv", encoding="utf-8")
    assert run(database, "lapor_cp1252.csv", encoding="latin-1").total("inserted") == 4


# -- rows and values ------------------------------------------------------------------------------


def test_every_broken_row_is_reported_and_the_good_ones_imported(
    database: sqlite_utils.Database,
) -> None:
    summary = run(database, "broken_rows.csv")
    assert (summary.total("inserted"), summary.rejected) == (2, 11)
    rows = {int(row["baris"]): row for row in error_rows(summary)}
    assert sorted(rows) == list(range(3, 14))
    assert rows[3]["nilai"] == "31/02/2025"
    assert "Sedang Dipikirkan" in rows[4]["alasan"]
    assert (rows[5]["kolom"], rows[5]["nilai"]) == ("NIK", "12345")
    assert "mungkin" in rows[6]["alasan"]
    assert "nomor tiket kosong" in rows[7]["alasan"]
    assert "isi laporan kosong" in rows[8]["alasan"]
    # Every error names the column as the file does, never by a field name of ours.
    assert {number: rows[number]["kolom"] for number in (3, 4, 7, 8, 11, 12, 13)} == {
        3: "Tanggal Laporan",
        4: "Status",
        7: "No. Tiket",
        8: "Isi Laporan",
        11: "No. Tiket",  # the duplicate
        12: "Tanggal Laporan",
        13: "Status",
    }
    assert "Keluhan Kecil" in rows[9]["alasan"]
    assert "1-5" in rows[10]["alasan"]
    assert "baris 2" in rows[11]["alasan"]
    assert "tanggal laporan kosong" in rows[12]["alasan"]
    assert "unit" in rows[13]["alasan"]
    assert all(row["berkas"].endswith("broken_rows.csv") for row in rows.values())
    assert case(database, "9000001")["title"] == "Baik"  # the first of the duplicates


@pytest.mark.parametrize("chunk_size", [1, 2, 5000])
def test_duplicate_tracking_numbers_in_one_file_are_not_merged(
    database: sqlite_utils.Database, chunk_size: int
) -> None:
    summary = run(database, "duplicates.csv", chunk_size=chunk_size)
    assert (summary.total("inserted"), summary.rejected) == (2, 2)
    assert case(database, "9100001")["title"] == "Satu"
    assert [row["baris"] for row in error_rows(summary)] == ["4", "5"]
    assert all("baris 2" in row["alasan"] for row in error_rows(summary))


def test_abort_stops_at_a_duplicate_in_an_earlier_chunk(database: sqlite_utils.Database) -> None:
    summary = run(database, "duplicates.csv", on_error="abort", chunk_size=1)
    assert "baris 4" in (summary.files[0].aborted or "")
    assert database.execute("SELECT count(*) FROM cases").fetchone() == (0,)


def test_errors_csv_neutralises_formulas(database: sqlite_utils.Database, tmp_path: Path) -> None:
    path = tmp_path / "evil.csv"
    path.write_text("No. Tiket;Judul;Isi;Tanggal\n1;x;y;=cmd|' /C calc'!A0\n", "utf-8")
    summary = run(database, path)
    assert error_rows(summary)[0]["nilai"].startswith("'=")


def test_map_overrides_and_bad_map_options(database: sqlite_utils.Database, tmp_path: Path) -> None:
    path = tmp_path / "own.csv"
    path.write_text("Kode Berkas;Ringkasan;Cerita;Masuk\nA-1;Judul;Isi;2025-09-01\n", "utf-8")
    with pytest.raises(FileUnreadable):
        run(database, path)  # no tracking-number column recognised
    summary = run(
        database,
        path,
        mapping=["Kode Berkas=tracking_no", "ringkasan=title", "Cerita=body", "MASUK=received_at"],
    )
    assert summary.total("inserted") == 1
    assert case(database, "A-1")["title"] == "Judul"
    with pytest.raises(BadImportOptions, match="no_such_field"):
        run(database, path, mapping=["Kode Berkas=no_such_field"])
    with pytest.raises(BadImportOptions):
        run(database, path, mapping=["tanpa tanda sama dengan"])
    with pytest.raises(BadImportOptions):
        run(database, path, format="docx")


def test_strict_units_rejects_unknown_units(database: sqlite_utils.Database) -> None:
    units = database.execute("SELECT count(*) FROM units").fetchone()
    summary = run(database, "lapor_cp1252.csv", strict_units=True)
    assert (summary.total("inserted"), summary.rejected) == (3, 1)
    assert "Dinas Lingkungan Hidup" in error_rows(summary)[0]["alasan"]
    assert database.execute("SELECT count(*) FROM units").fetchone() == units
    assert summary.units_created == []


# -- upsert ---------------------------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing(database: sqlite_utils.Database) -> None:
    run(database, "lapor_cp1252.csv", "array.json", "desk_cases.jsonl")
    before = list(database.query("SELECT * FROM cases ORDER BY id"))
    event_count = database.execute("SELECT count(*) FROM events").fetchone()
    again = run(database, "lapor_cp1252.csv", "array.json", "desk_cases.jsonl")
    assert (again.total("inserted"), again.total("updated"), again.total("unchanged")) == (0, 0, 8)
    assert list(database.query("SELECT * FROM cases ORDER BY id")) == before
    assert database.execute("SELECT count(*) FROM events").fetchone() == event_count


def test_a_changed_row_updates_the_case_with_one_timeline_event(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    first = tmp_path / "v1.csv"
    first.write_text(
        "No. Tiket;Judul;Isi;Tanggal Laporan;Status;Instansi;NIK\n"
        "77;Judul lama;Isi;2025-09-01 08:00;Baru;;6472011204850003\n",
        "utf-8",
    )
    run(database, first)
    old = case(database, "77")
    second = tmp_path / "v2.csv"
    second.write_text(  # new title and status; the NIK column is empty: it erases nothing
        "No. Tiket;Judul;Isi;Tanggal Laporan;Status;Instansi;NIK\n"
        "77;Judul baru;Isi;2025-09-01 08:00;Terdisposisi ke Dinas Kesehatan;;\n",
        "utf-8",
    )
    summary = run(database, second)
    assert (summary.total("updated"), summary.total("inserted")) == (1, 0)
    new = case(database, "77")
    assert (new["title"], new["status"], new["unit_code"]) == (
        "Judul baru",
        "terverifikasi",
        "DINKES",
    )
    assert new["nik"] == "6472011204850003"
    assert new["version"] == old["version"] + 1
    assert (new["due_kind"], new["due_at"]) == ("tindak_lanjut", "2026-11-17T15:59:59Z")
    update = events(database, "77")[-1]
    assert (update["kind"], update["visibility"], update["actor_kind"]) == (
        "import_update",
        "internal",
        "import",
    )
    assert (update["from_status"], update["to_status"]) == ("baru", "terverifikasi")
    assert json.loads(update["data"])["fields"]["title"] == "Judul baru"
    found = database.execute(
        "SELECT rowid FROM case_search WHERE case_search MATCH 'baru'"
    ).fetchall()
    assert found == [(new["id"],)]  # the search index follows the new title


def test_an_existing_desk_case_is_updated_by_a_file(database: sqlite_utils.Database) -> None:
    made = new_case(database, "8200001")
    summary = run(database, "lapor_cp1252.csv")
    assert (summary.total("updated"), summary.total("inserted")) == (1, 3)
    updated = case(database, "8200001")
    assert updated["local_id"] == made["local_id"]
    assert updated["title"] == "Jalan berlubang di Jl. Juanda"


def test_desk_case_records_restore_the_whole_timeline(database: sqlite_utils.Database) -> None:
    summary = run(database, "desk_cases.jsonl")
    assert (summary.total("inserted"), summary.total("masked")) == (2, 2)
    restored = case(database, "8112829")
    assert restored["local_id"] == "01JD3M4Q8X6T9V2K7R5B1N0C3E"
    assert (restored["status"], restored["unit_code"], restored["confidential"]) == (
        "terverifikasi",
        "PUPR",
        1,
    )
    assert (restored["due_at"], restored["due_kind"], restored["version"]) == (
        "2025-11-10T15:59:59Z",
        "tindak_lanjut",
        3,
    )
    # The timeline is kept as what the file claims, each event the importing admin's, internal
    # (docs/import.md, "Imported timelines").
    timeline = events(database, "8112829")
    assert [(e["kind"], e["actor_kind"], e["actor_nip"], e["visibility"]) for e in timeline] == [
        ("received", "import", ADMIN.nip, "public"),
        ("import_event", "import", ADMIN.nip, "internal"),
        ("import_event", "import", ADMIN.nip, "internal"),
    ]
    claimed = [json.loads(e["data"])["claimed"] for e in timeline[1:]]
    assert [(c["kind"], c["actor_kind"], c["actor_nip"]) for c in claimed] == [
        ("verify", "officer", "198001012005011001"),
        ("note", "officer", "198502022010012002"),
    ]
    assert timeline[2]["body"] == "Sudah dicek ke lapangan."
    assert json.loads(restored["extra"]) == {"Kolom Lain": "nilai"}
    local = database.execute(
        "SELECT c.title, r.name FROM cases c LEFT JOIN reporters r ON r.case_id = c.id "
        "WHERE local_id = '01JD3M4Q8X6T9V2K7R5B1N0C3F'"
    ).fetchone()
    assert local == ("Laporan loket tanpa nomor", None)  # keyed by local_id; masked: not stored


def test_a_changed_desk_case_gets_its_new_events(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    run(database, "desk_cases.jsonl")
    record = json.loads((CORPUS / "desk_cases.jsonl").read_text("utf-8").splitlines()[0])
    record["status"] = "diproses"
    record["events"].append(
        {"at": "2025-11-05T03:00:00Z", "actor_kind": "officer", "actor_nip": None,
         "kind": "follow_up", "visibility": "public", "from_status": "terverifikasi",
         "to_status": "diproses", "unit_code": "PUPR", "body": "Sudah diperbaiki.", "data": {}}
    )  # fmt: skip
    path = tmp_path / "later.jsonl"
    path.write_text(json.dumps(record) + "\n", "utf-8")
    summary = run(database, path)
    assert summary.total("updated") == 1
    kinds = [event["kind"] for event in events(database, "8112829")]
    assert kinds == ["received", "import_event", "import_event", "import_event", "import_update"]
    assert case(database, "8112829")["status"] == "diproses"
    assert run(database, path).total("unchanged") == 1


# -- clocks ---------------------------------------------------------------------------------------


def test_clocks_follow_the_documented_rule(database: sqlite_utils.Database, tmp_path: Path) -> None:
    path = tmp_path / "clocks.csv"
    path.write_text(
        "No. Tiket;Judul;Isi;Tanggal Laporan;Status;Instansi;Tanggal Update\n"
        "1;a;a;2026-11-09 09:00;Baru;;\n"  # verification: 3 HK from receipt
        "2;b;b;2026-11-02 09:00;Terverifikasi;PUPR;\n"  # start unknown: the import (NOW)
        "3;c;c;2026-11-02 09:00;Terverifikasi;PUPR;2026-11-03 10:00\n"  # start given
        "4;d;d;2026-11-02 09:00;Ditindaklanjuti;PUPR;\n"  # reporter window from NOW
        "5;e;e;2026-11-02 09:00;Ditunda;;\n"  # on hold: archived after 10 HK from NOW
        "6;f;f;2026-11-02 09:00;Selesai;PUPR;\n",  # closed: no clock
        "utf-8",
    )
    run(database, path)
    clocks = {
        row[0]: row[1:]
        for row in database.execute(
            "SELECT tracking_no, due_at, due_kind, auto_at, auto_kind, hold_remaining_hk FROM cases"
        )
    }
    assert clocks["1"] == ("2026-11-12T15:59:59Z", "verifikasi", None, None, None)
    assert clocks["2"] == ("2026-11-17T15:59:59Z", "tindak_lanjut", None, None, None)
    assert clocks["3"] == ("2026-11-10T15:59:59Z", "tindak_lanjut", None, None, None)
    assert clocks["4"] == (None, None, "2026-11-24T15:59:59Z", "tutup_otomatis", None)
    assert clocks["5"] == (None, None, "2026-11-24T15:59:59Z", "arsip_otomatis", 3)
    assert clocks["6"] == (None, None, None, None, None)
    timeline = events(database, "3")
    assert [(e["kind"], e["at"]) for e in timeline] == [
        ("received", "2026-11-02T01:00:00Z"),
        ("import_status", "2026-11-03T02:00:00Z"),
    ]
    assert timeline[0]["actor_kind"] == "import"
    assert json.loads(timeline[1]["data"]) == {"status": "terverifikasi", "start_known": True}
    assert [(e["kind"], e["to_status"], e["unit_code"]) for e in events(database, "2")] == [
        ("received", "baru", None),
        ("import_status", "terverifikasi", "PUPR"),
    ]
    assert json.loads(events(database, "2")[1]["data"])["start_known"] is False
    assert [e["kind"] for e in events(database, "1")] == ["received"]  # still "baru"
    assert case(database, "3")["version"] == 2 and case(database, "1")["version"] == 1


# -- modes, permission, audit ------------------------------------------------------------------


def test_on_error_abort_writes_nothing_of_the_file(database: sqlite_utils.Database) -> None:
    before = counts(database)
    summary = run(database, "broken_rows.csv", on_error="abort", chunk_size=1)
    assert summary.aborted
    assert "baris 3" in (summary.files[0].aborted or "")
    assert summary.total("inserted") == 0
    # Nothing of the file; the attempt itself is audited.
    assert counts(database)[:4] + counts(database)[5:] == before[:4] + before[5:]
    last = database.execute("SELECT action, detail FROM audit_log ORDER BY seq DESC").fetchone()
    assert last[0] == "import_aborted" and "baris 3" in json.loads(last[1])["reason"]
    assert counts(database)[4] == before[4] + 1


def test_dry_run_reports_and_writes_nothing(
    database: sqlite_utils.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = counts(database)
    files = sorted(tmp_path.rglob("*"))
    options = ImportOptions(dry_run=True)  # no --errors: no file at all
    summary = import_files(
        database,
        [CORPUS / "lapor_cp1252.csv", CORPUS / "broken_rows.csv"],
        options,
        actor=ADMIN,
        now=NOW,
    )
    assert (summary.total("inserted"), summary.rejected) == (6, 11)
    assert summary.units_created == ["DINAS-LINGKUNGAN-HIDUP"]
    assert counts(database) == before
    assert not database.conn.in_transaction
    assert sorted(tmp_path.rglob("*")) == files  # no errors CSV, beside the database or here
    assert summary.errors_path is None
    # What would have been rejected is in the summary, the first rows with their column.
    assert len(summary.first_errors) == 10
    assert (summary.first_errors[0].row, summary.first_errors[0].column) == (3, "Tanggal Laporan")


def test_dry_run_with_errors_writes_that_file_only(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    before = counts(database)
    errors = tmp_path / "akan-ditolak.csv"
    summary = run(database, "broken_rows.csv", dry_run=True, errors_path=errors)
    assert summary.errors_path == str(errors)
    assert len(error_rows(summary)) == 11
    assert counts(database) == before


def test_only_an_admin_imports_once_there_are_officers(database: sqlite_utils.Database) -> None:
    with pytest.raises(ActionRefused, match="admin"):
        run(database, "array.json", actor=PETUGAS_PUPR)
    with pytest.raises(ActionRefused, match="admin"):
        run(database, "array.json", actor=None)
    assert database.execute("SELECT count(*) FROM cases").fetchone() == (0,)


def test_an_empty_database_imports_as_the_system(tmp_path: Path) -> None:
    from db import open_database

    empty = open_database(tmp_path / "new.db")
    summary = run(empty, "array.json", actor=None)
    assert summary.total("inserted") == 2
    assert empty.execute("SELECT actor_nip, action FROM audit_log").fetchall() == [
        (None, "import_chunk"),
        (None, "import"),
    ]


def test_one_audit_entry_per_chunk_and_per_file_and_nothing_in_the_outbox(
    database: sqlite_utils.Database,
) -> None:
    run(database, "lapor_cp1252.csv", "array.json")
    entries = database.execute("SELECT actor_nip, action, detail FROM audit_log").fetchall()
    assert [(nip, action) for nip, action, _ in entries] == [
        (ADMIN.nip, "import_chunk"),
        (ADMIN.nip, "import"),
    ] * 2
    chunk = json.loads(entries[0][2])
    assert (chunk["file"], chunk["chunk"], chunk["rows"], chunk["inserted"]) == (
        "lapor_cp1252.csv",
        1,
        [2, 5],
        4,
    )
    detail = json.loads(entries[1][2])
    assert detail["file"] == "lapor_cp1252.csv"
    assert len(detail["sha256"]) == 64
    assert (detail["rows"], detail["inserted"], detail["rejected"]) == (4, 4, 0)
    assert audit.verify(database) is None
    assert database.execute("SELECT count(*) FROM outbox").fetchone() == (0,)


def test_imported_cases_are_found_by_search(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    # 60 rows: the chunk indexes them itself (triggers dropped and restored), 1 row: triggers do.
    lines = ["No. Tiket;Judul;Isi;Tanggal"]
    lines += [f"{n};Jalan diperbaiki {n};Mohon perbaikan jalan;2025-09-01" for n in range(60)]
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n", "utf-8")
    run(database, path)
    single = tmp_path / "one.csv"
    single.write_text("No. Tiket;Judul;Isi;Tanggal\nX1;Lampu padam;Gelap;2025-09-01\n", "utf-8")
    run(database, single)
    hits = database.execute(
        "SELECT count(*) FROM case_search WHERE case_search MATCH ?",
        [match_expression("perbaikan")],
    ).fetchone()
    assert hits == (60,)  # "diperbaiki" and "perbaikan" share the stem
    assert database.execute(
        "SELECT count(*) FROM case_search WHERE case_search MATCH 'padam'"
    ).fetchone() == (1,)
    triggers = database.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'cases_search_%'"
    ).fetchone()
    assert triggers == (3,)


def test_updated_at_is_the_last_known_change(database: sqlite_utils.Database) -> None:
    run(database, "rows.jsonl", "array.json")
    assert case(database, "8600001")["updated_at"] == "2025-11-03T01:15:00Z"  # baru: receipt
    closed = case(database, "8500001")  # a later status of unknown start: the import
    assert closed["updated_at"] == NOW.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_worker_processes_give_the_same_cases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db import open_database
    from tests.conftest import make_office

    def imported(workers: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        monkeypatch.setenv("DESK_IMPORT_WORKERS", workers)
        database = open_database(tmp_path / f"workers-{workers}.db")
        make_office(database)
        summary = run(database, "lapor_cp1252.csv", "broken_rows.csv", "rows.jsonl", chunk_size=3)
        assert summary.rejected == 12
        cases = database.execute(
            "SELECT tracking_no, title, body, status, unit_code, received_at, due_at, extra "
            "FROM cases ORDER BY id"
        ).fetchall()
        found = database.execute(
            "SELECT rowid FROM case_search WHERE case_search MATCH ? ORDER BY rowid",
            [match_expression("jalan")],
        ).fetchall()
        return cases, found

    assert imported("1") == imported("0")


def test_database_field_names_as_headers_as_our_export_writes_them(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "tracking_no,local_id,title,body,status,unit_code,unit_name,assignee_nip,received_at,"
        "updated_at,due_at,due_kind,anonymous,confidential,reporter_name,nik\n"
        ",01JD3M4Q8X6T9V2K7R5B1N0C9Z,Loket,Laporan di loket,terverifikasi,DISHUB,"
        f"Dinas Perhubungan,{PETUGAS_PUPR.nip},2026-11-02T01:00:00Z,2026-11-03T01:00:00Z,"
        "2026-11-20T15:59:59Z,tindak_lanjut,true,false,'=Budi,6472011204850003\n"
        "1,01JD3M4Q8X6T9V2K7R5B1N0C9Y,Dua,Isi,baru,,,,2026-11-02T01:00:00Z,,,tunggu,0,0,,\n",
        "utf-8",
    )
    summary = run(database, path)
    assert (summary.total("inserted"), summary.rejected) == (1, 1)
    assert "tunggu" in error_rows(summary)[0]["alasan"]  # an unknown deadline kind
    walk_in = database.execute(
        "SELECT c.tracking_no, c.status, c.unit_code, c.assignee_nip, c.due_at, c.due_kind, "
        "c.anonymous, r.name, u.name FROM cases c JOIN reporters r ON r.case_id = c.id "
        "JOIN units u ON u.code = c.unit_code WHERE c.local_id = '01JD3M4Q8X6T9V2K7R5B1N0C9Z'"
    ).fetchone()
    assert walk_in == (
        None,
        "terverifikasi",
        "DISHUB",
        PETUGAS_PUPR.nip,
        "2026-11-20T15:59:59Z",  # the exported deadline, not one recomputed
        "tindak_lanjut",
        1,
        "=Budi",
        "Dinas Perhubungan",
    )
    assert run(database, path).total("unchanged") == 1  # keyed by its local id


def test_a_bare_year_is_not_an_excel_serial(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    path = tmp_path / "year.csv"
    path.write_text("No. Tiket;Judul;Isi;Tanggal\n1;a;b;2025\n2;a;b;45852\n", "utf-8")
    summary = run(database, path)
    assert (summary.total("inserted"), summary.rejected) == (1, 1)
    assert error_rows(summary)[0]["nilai"] == "2025"
    assert case(database, "2")["received_at"] == "2025-07-13T16:00:00Z"


def test_a_json_object_that_is_not_an_array_is_refused(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    path = tmp_path / "object.json"
    path.write_text('{\n  "tracking_no": "1",\n  "title": "a"\n}\n', "utf-8")
    with pytest.raises(FileUnreadable, match="array"):
        run(database, path)


def test_a_disk_error_halfway_is_a_clear_error_and_keeps_the_whole_chunks_before(
    database: sqlite_utils.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from desk.importing import readers

    path = tmp_path / "lapor.csv"
    lines = [f"T{number};Judul {number};Isi {number};2026-11-02 09:00" for number in range(30)]
    path.write_text("No. Tiket;Judul;Isi;Tanggal\n" + "\n".join(lines) + "\n", "utf-8")
    reading = readers._delimited_records

    def failing(info: Any, known: Any) -> Any:
        for count, record in enumerate(reading(info, known)):
            if count == 25:
                raise OSError(errno.EIO, "Input/output error")
            yield record

    monkeypatch.setattr(readers, "_delimited_records", failing)
    monkeypatch.setenv("DESK_IMPORT_WORKERS", "0")
    with pytest.raises(FileUnreadable, match="Input/output error"):
        run(database, path, chunk_size=10)
    stored = database.execute("SELECT count(*) FROM cases WHERE tracking_no LIKE 'T%'")
    assert stored.fetchone() == (20,)


# -- imported timelines, attribution and audit (issue 15, point 1) -----------------------------


def _exported_case(database: sqlite_utils.Database, tmp_path: Path, number: str) -> dict[str, Any]:
    from desk.exporting import ExportOptions, export_cases

    path = tmp_path / "export.jsonl"
    export_cases(database, path, ExportOptions(include_personal=True), actor=ADMIN, now=NOW)
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    return next(record for record in records if record["tracking_no"] == number)


def _jsonl(tmp_path: Path, name: str, *records: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(record) + "\n" for record in records), "utf-8")
    return path


BACKDATED_FOLLOW_UP = {
    "at": "2026-11-05T01:00:00Z",
    "actor_kind": "officer",
    "actor_nip": PETUGAS_PUPR.nip,
    "kind": "follow_up",
    "visibility": "public",
    "from_status": "terverifikasi",
    "to_status": "diproses",
    "unit_code": "PUPR",
    "body": "Jalan sudah diperbaiki (palsu).",
    "data": {},
}


def test_an_imported_timeline_cannot_put_a_follow_up_in_an_officers_name(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    """The repro: a JSON Lines file appends a backdated public follow-up "by" a petugas."""
    from tests.conftest import case_in

    made = case_in(database, "terverifikasi", "7001")
    record = _exported_case(database, tmp_path, "7001")
    unchanged = _jsonl(tmp_path, "same.jsonl", record)
    assert run(database, unchanged).total("unchanged") == 1  # its own export adds nothing
    received_again = {  # a second public "received", as an import would have written it
        "at": "2026-11-04T01:00:00Z",
        "actor_kind": "import",
        "kind": "received",
        "visibility": "public",
    }
    forged_events = [*record["events"], received_again, BACKDATED_FOLLOW_UP]
    forged = _jsonl(tmp_path, "forged.jsonl", {**record, "events": forged_events})
    public_before = [e for e in events(database, "7001") if e["visibility"] == "public"]

    assert run(database, forged).total("updated") == 1

    timeline = events(database, "7001")
    assert not [e for e in timeline if e["actor_nip"] == PETUGAS_PUPR.nip]
    assert [e for e in timeline if e["visibility"] == "public"] == public_before
    added, update = timeline[-2:]
    assert (added["kind"], added["actor_kind"], added["actor_nip"], added["visibility"]) == (
        "import_event",
        "import",
        ADMIN.nip,
        "internal",
    )
    assert (added["at"], added["body"]) == (BACKDATED_FOLLOW_UP["at"], BACKDATED_FOLLOW_UP["body"])
    claimed = json.loads(added["data"])["claimed"]
    assert (claimed["kind"], claimed["actor_nip"], claimed["visibility"]) == (
        "follow_up",
        PETUGAS_PUPR.nip,
        "public",
    )
    assert (update["kind"], update["actor_nip"]) == ("import_update", ADMIN.nip)
    # No clock or figure moved: the unit did not follow up.
    followed = database.execute(
        "SELECT followed FROM case_clocks WHERE case_id = ?", [made["id"]]
    ).fetchone()
    assert followed in (None, (None,))
    # The chunk's audit entry names the admin and the case it changed.
    nip, detail = database.execute(
        "SELECT actor_nip, detail FROM audit_log WHERE action = 'import_chunk' "
        "ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert nip == ADMIN.nip
    assert (json.loads(detail)["updated_cases"], json.loads(detail)["events_imported"]) == (
        ["7001"],
        1,
    )
    # Importing it again changes nothing.
    assert run(database, forged).total("unchanged") == 1
    assert len(events(database, "7001")) == len(timeline)


def test_a_new_case_from_a_file_gets_no_officer_event_and_no_follow_up_figure(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    record = json.loads((CORPUS / "desk_cases.jsonl").read_text("utf-8").splitlines()[0])
    record["status"] = "diproses"
    record["events"].append(BACKDATED_FOLLOW_UP)
    run(database, _jsonl(tmp_path, "new.jsonl", record))
    timeline = events(database, "8112829")
    assert {(e["actor_kind"], e["actor_nip"]) for e in timeline} == {("import", ADMIN.nip)}
    assert [e["kind"] for e in timeline if e["visibility"] == "public"] == ["received"]
    clocks = database.execute(
        "SELECT k.verified, k.followed FROM case_clocks k JOIN cases c ON c.id = k.case_id "
        "WHERE c.tracking_no = '8112829'"
    ).fetchall()
    assert clocks in ([], [(None, None)])


def test_a_spreadsheet_import_is_attributed_to_the_importing_admin(
    database: sqlite_utils.Database,
) -> None:
    run(database, "lapor_cp1252.csv")
    nips = {row[0] for row in database.execute("SELECT DISTINCT actor_nip FROM events")}
    assert nips == {ADMIN.nip}


def test_a_refused_import_is_audited(database: sqlite_utils.Database) -> None:
    with pytest.raises(ActionRefused, match="admin"):
        run(database, "array.json", actor=PETUGAS_PUPR)
    nip, action, detail = database.execute(
        "SELECT actor_nip, action, detail FROM audit_log ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert (nip, action) == (PETUGAS_PUPR.nip, "import_refused")
    assert json.loads(detail)["files"] == ["array.json"]
    assert audit.verify(database) is None


def test_an_import_stopped_half_way_has_an_audit_entry_for_each_chunk_it_committed(
    database: sqlite_utils.Database,
) -> None:
    chunks = 0

    def progress(name: str, done: int, total: int | None) -> None:
        nonlocal chunks
        chunks += 1
        if chunks == 2:
            raise KeyboardInterrupt  # killed after the second chunk was committed

    with pytest.raises(KeyboardInterrupt):
        import_files(
            database,
            [CORPUS / "lapor_cp1252.csv"],
            ImportOptions(chunk_size=1, errors_path=None),
            actor=ADMIN,
            progress=progress,
            now=NOW,
        )
    entries = [
        json.loads(detail)
        for action, detail in database.execute("SELECT action, detail FROM audit_log")
        if action.startswith("import")
    ]
    assert [(entry["chunk"], entry["inserted"]) for entry in entries] == [(1, 1), (2, 1)]
    assert database.execute("SELECT count(*) FROM cases").fetchone() == (2,)


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"tracking_no": {"x": 1}}, "tracking_no"),
        ({"title": ["a"]}, "title"),
        ({"category": {"x": 1}}, "category"),
        ({"version": "tiga"}, "version"),
        ({"version": 2**70}, "version"),
        ({"due_kind": "kapan-kapan"}, "due_kind"),
        ({"updated_at": "kemarin"}, "updated_at"),
        ({"hold_remaining_hk": -1_001}, "hold_remaining_hk"),
        ({"rating": True}, "rating"),
        ({"reporter": "Budi"}, "reporter"),
        ({"reporter": {"name": {"first": "Budi"}}}, "name"),
        ({"events": [{**BACKDATED_FOLLOW_UP, "at": "kemarin sore"}]}, "events.at"),
        ({"events": [{**BACKDATED_FOLLOW_UP, "body": {"x": 1}}]}, "body"),
        ({"events": [{**BACKDATED_FOLLOW_UP, "to_status": "hilang"}]}, "to_status"),
        ({"events": [{**BACKDATED_FOLLOW_UP, "data": [1, 2]}]}, "events"),
    ],
)
def test_hostile_values_in_a_desk_case_record_are_row_errors(
    database: sqlite_utils.Database, tmp_path: Path, change: dict[str, Any], column: str
) -> None:
    good = json.loads((CORPUS / "desk_cases.jsonl").read_text("utf-8").splitlines()[0])
    bad = {**good, "tracking_no": "666", "local_id": "01JD3M4Q8X6T9V2K7R5B1N0C66", **change}
    summary = run(database, _jsonl(tmp_path, "hostile.jsonl", bad, good))
    assert (summary.total("inserted"), summary.rejected) == (1, 1)
    assert error_rows(summary)[0]["kolom"] == column


def test_a_json_line_with_a_huge_number_is_a_row_error_in_the_admins_words(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    good = json.loads((CORPUS / "desk_cases.jsonl").read_text("utf-8").splitlines()[0])
    path = tmp_path / "angka.jsonl"
    path.write_text('{"tracking_no": ' + "9" * 5000 + "}\n" + json.dumps(good) + "\n", "utf-8")
    summary = run(database, path)
    assert (summary.total("inserted"), summary.rejected) == (1, 1)
    reason = error_rows(summary)[0]["alasan"]
    assert "4.300 digit" in reason and "set_int_max_str_digits" not in reason
