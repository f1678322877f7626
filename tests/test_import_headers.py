"""Which column is the tracking number: the header variants recognised, ambiguous headers, the
diagnosis of a header row that is not recognised, and row errors named by the file's headers."""

from __future__ import annotations

import csv
import json
import shlex
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlite_utils

from desk.importing import ImportOptions, ImportSummary, UnknownKeyColumn, import_files
from desk.importing.columns import (
    _ALIASES,
    ALIASES,
    AMBIGUOUS,
    FIELDS,
    closest,
    field_for,
    header_key,
    map_option,
    parse_map,
)
from desk.importing.readers import FileUnreadable
from tests.conftest import ADMIN, NOW

CORPUS = Path(__file__).parent / "corpus" / "import"

# The list, and more of the same kinds (LAPOR! and regional exports).
TRACKING_HEADERS = [
    "No. Tiket", "Nomor Tiket", "No Tiket", "Tiket", "No. Laporan", "Nomor Laporan",
    "No Laporan", "ID Laporan", "Tracking ID", "Tracking Number", "Tracking No",
    "No. Tracking", "Nomor Tracking", "Ticket No", "Ticket Number", "Ticket ID",
    "Kode Tracking", "Kode Laporan", "No. Pengaduan", "Nomor Pengaduan", "ID Pengaduan",
    "No. Aduan", "Nomor Aduan", "Kode Aduan", "ID Aduan", "ID Tiket", "Tiket ID",
    "Laporan ID", "Report Number", "Report No.", "Complaint No", "Nomor Registrasi",
    "No. Reg", "Tracking Code", "Ticket #", "No. Tiket LAPOR!", "Nomor Tiket (wajib)",
    # case, punctuation and spacing
    "NOMOR_TIKET", "no.tiket", "  Tracking-Number ", "TICKET  NO.", "nomor-aduan",
]  # fmt: skip


def run(database: sqlite_utils.Database, *paths: Path, **options: Any) -> ImportSummary:
    options.setdefault("errors_path", Path(str(database.conn.execute("PRAGMA database_list")
                                               .fetchone()[2]) + ".errors.csv"))  # fmt: skip
    return import_files(database, list(paths), ImportOptions(**options), actor=ADMIN, now=NOW)


def error_rows(summary: ImportSummary) -> list[dict[str, str]]:
    assert summary.errors_path is not None
    with open(summary.errors_path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def cases(database: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    return {row["tracking_no"]: row for row in database.query("SELECT * FROM cases")}


# -- the aliases ----------------------------------------------------------------------------------


@pytest.mark.parametrize("header", TRACKING_HEADERS)
def test_tracking_number_headers_are_recognised(
    database: sqlite_utils.Database, tmp_path: Path, header: str
) -> None:
    assert field_for(header, {}) == "tracking_no"
    path = tmp_path / "laporan.csv"
    path.write_text(f"{header};Judul;Isi;Tanggal\nT-1;Judul;Isi;01/09/2025\n", "utf-8")
    assert run(database, path).total("inserted") == 1
    assert "T-1" in cases(database)


def test_no_header_means_two_fields() -> None:
    """Generous, never ambiguous: every alias means one field, and the ambiguous headers none."""
    meaning: dict[str, str] = {}
    for field, names in _ALIASES.items():
        for name in (field, *names):
            assert meaning.setdefault(header_key(name), field) == field, (name, field)
    assert not set(AMBIGUOUS) & set(ALIASES)
    assert all(set(fields) <= set(FIELDS) and len(fields) >= 2 for fields in AMBIGUOUS.values())
    # Other fields keep their own headers (LAPOR!'s internal id is not the tracking number).
    assert field_for("Complaint ID", {}) == "complaint_id"
    assert field_for("ID Lokal", {}) == "local_id"
    assert field_for("Kode Unit", {}) == "unit_code"
    assert field_for("No. HP", {}) == "phone"
    assert field_for("No KTP", {}) == "nik"
    assert field_for("Laporan", {}) == "body"
    assert field_for("No", {}) is None  # a spreadsheet's row number


@pytest.mark.parametrize(
    ("name", "numbers"),
    [
        ("regional_no_aduan.csv", {"RG-0001", "RG-0002"}),
        ("english_ticket_id.csv", {"TK-77001", "TK-77002"}),
        ("kode_tracking.tsv", {"KT-5001"}),
    ],
)
def test_regional_and_english_exports_import(
    database: sqlite_utils.Database, name: str, numbers: set[str]
) -> None:
    summary = run(database, CORPUS / name)
    assert (summary.total("inserted"), summary.rejected) == (len(numbers), 0)
    assert set(cases(database)) == numbers
    assert summary.files[0].unknown_columns == []


# -- ambiguous headers ----------------------------------------------------------------------------


def test_an_ambiguous_header_beside_the_key_is_kept_apart_and_reported(
    database: sqlite_utils.Database,
) -> None:
    summary = run(database, CORPUS / "ambiguous_id.csv")
    assert summary.total("inserted") == 1
    assert summary.files[0].ambiguous_columns == {"ID": ["tracking_no", "complaint_id", "local_id"]}
    case = cases(database)["AM-0001"]
    assert json.loads(case["extra"]) == {"ID": "17"}
    assert case["complaint_id"] is None and case["local_id"] != "17"
    assert summary.as_json()["per_file"][0]["ambiguous_columns"] == {
        "ID": ["tracking_no", "complaint_id", "local_id"]
    }


def test_an_ambiguous_header_alone_is_not_taken_as_the_key(
    database: sqlite_utils.Database,
) -> None:
    with pytest.raises(UnknownKeyColumn) as raised:
        run(database, CORPUS / "ambiguous_id_only.csv")
    lines = str(raised.value).splitlines()
    assert lines[1].strip().startswith('"ID": bisa berarti tracking_no / complaint_id / local_id')
    assert lines[-1].strip() == "Tambahkan: --map 'ID=tracking_no'"
    assert database.execute("SELECT count(*) FROM cases").fetchone() == (0,)
    # Chosen with --map, it is read as chosen.
    summary = run(database, CORPUS / "ambiguous_id_only.csv", mapping=["ID=tracking_no"])
    assert summary.total("inserted") == 1 and "17" in cases(database)
    assert summary.files[0].ambiguous_columns == {}


# -- a header row that is not recognised ----------------------------------------------------------


def test_an_unrecognised_key_column_stops_before_anything_is_written(
    database: sqlite_utils.Database,
) -> None:
    before = database.execute("SELECT count(*) FROM audit_log").fetchone()
    with pytest.raises(UnknownKeyColumn) as raised:
        # Good files first: nothing of them is written either (every file is read first).
        run(database, CORPUS / "regional_no_aduan.csv", CORPUS / "unknown_key.csv")
    assert isinstance(raised.value, FileUnreadable)  # exit status 2, like any unreadable file
    assert database.execute("SELECT count(*) FROM cases").fetchone() == (0,)
    assert database.execute("SELECT count(*) FROM audit_log").fetchone() == before
    lines = str(raised.value).splitlines()
    assert "unknown_key.csv" in lines[0] and "baris 3" in lines[0]  # below the title row
    assert lines[2].strip() == (
        '"Kode Berkas": tidak dikenal; paling mirip tracking_no ("Kode Registrasi"): '
        "--map 'Kode Berkas=tracking_no'"
    )
    offered = shlex.split(lines[-1].split("--map ", 1)[1])
    summary = run(database, CORPUS / "unknown_key.csv", mapping=offered)
    assert set(cases(database)) == {"KB-0001", "KB-0002"}
    assert summary.files[0].unknown_columns == ["No"]


def test_the_key_alone_is_not_a_header_row(database: sqlite_utils.Database, tmp_path: Path) -> None:
    path = tmp_path / "sedikit.csv"
    path.write_text("No. Tiket;Ringkasan;Cerita\n1;a;b\n", "utf-8")
    with pytest.raises(UnknownKeyColumn) as raised:
        run(database, path)
    lines = str(raised.value).splitlines()
    assert "satu kolom lain yang dikenal" in lines[0]
    assert lines[1].strip() == '"No. Tiket" → tracking_no'
    assert len(lines) == 1 + 3 + 1


def test_an_xlsx_with_title_rows_names_the_header_row(
    database: sqlite_utils.Database, tmp_path: Path
) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Rekapitulasi Pengaduan Triwulan III"])
    sheet.append(["Kabupaten Contoh"])
    sheet.append([])
    sheet.append(["Nmr Tiket", "Judul", "Isi Laporan", "Tgl Masuk"])
    sheet.append(["X-1", "Judul", "Isi", "01/09/2025"])
    path = tmp_path / "rekap.xlsx"
    book.save(path)
    with pytest.raises(UnknownKeyColumn) as raised:
        run(database, path)
    text = str(raised.value)
    assert "baris 4" in text.splitlines()[0]
    assert "--map 'Nmr Tiket=tracking_no'" in text.splitlines()[-1]


def test_a_json_file_whose_objects_have_no_key_is_refused(database: sqlite_utils.Database) -> None:
    with pytest.raises(UnknownKeyColumn) as raised:
        run(database, CORPUS / "unknown_key.json")
    assert '"judul" → title' in str(raised.value)
    summary = run(database, CORPUS / "unknown_key.json", mapping=["kode_berkas=tracking_no"])
    assert summary.total("inserted") == 1


def test_the_message_is_in_english_too(database: sqlite_utils.Database) -> None:
    from desk.i18n import set_language

    set_language("en")
    try:
        with pytest.raises(UnknownKeyColumn) as raised:
            run(database, CORPUS / "unknown_key.csv")
    finally:
        set_language("id")
    lines = str(raised.value).splitlines()
    assert "the tracking-number column is not recognised" in lines[0] and "row 3" in lines[0]
    assert "closest field tracking_no" in lines[2]
    assert lines[-1].strip() == "Add: --map 'Kode Berkas=tracking_no'"


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Tgl Masuk", "received_at"),
        ("Tanggal Lapor", "received_at"),
        ("Kategory", "category"),
        ("Uraian Pengaduan", "body"),  # its words, not letters shared with "No Pengaduan"
        ("Isi Aduan", "body"),
        ("Nmr Tiket", "tracking_no"),
        ("Kode Berkas", "tracking_no"),
        ("No", None),  # a row number
        ("Catatan", None),
        ("2025-09-01", None),
    ],
)
def test_the_closest_field(header: str, field: str | None) -> None:
    found = closest(header)
    assert (found[0] if found else None) == field


def test_the_offered_map_is_what_the_command_reads() -> None:
    for header in ("Kode Berkas", "Pelapor's Nomor", 'Kolom "aneh"', "No. Berkas (wajib)"):
        option = map_option(header, "tracking_no")
        assert option.startswith("--map ")
        value = shlex.split(option)[1]
        assert parse_map([value]) == {header_key(header): "tracking_no"}


# -- row errors name the file's columns -----------------------------------------------------------


def test_row_errors_name_the_files_headers(database: sqlite_utils.Database, tmp_path: Path) -> None:
    path = tmp_path / "baris.csv"
    path.write_text(
        "Nomor Aduan;Perihal;Uraian;Tgl Laporan;Instansi;Status\n"
        "1;a;isi;01/09/2025;Dinas Antah Berantah;Belum Terverifikasi\n"
        "2;b;isi;01/09/2025;;Terdisposisi ke Badan Entah\n"
        "3;c;;01/09/2025;;Baru\n"
        "4;d;isi;;;Baru\n"
        ";e;isi;01/09/2025;;Baru\n"
        "5;f;isi;01/09/2025;;Baru\n"
        "5;g;isi;01/09/2025;;Baru\n",
        "utf-8",
    )
    summary = run(database, path, strict_units=True)
    assert [(row["baris"], row["kolom"]) for row in error_rows(summary)] == [
        ("2", "Instansi"),
        ("3", "Status"),  # the unit came from "Terdisposisi ke ..."
        ("4", "Uraian"),
        ("5", "Tgl Laporan"),
        ("6", "Nomor Aduan"),
        ("8", "Nomor Aduan"),  # a duplicate of row 7's number
    ]
    assert summary.first_errors[0].column == "Instansi"


def test_row_errors_name_the_headers_when_a_reader_process_reads(
    database: sqlite_utils.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DESK_IMPORT_WORKERS", "1")
    summary = run(database, CORPUS / "broken_rows.csv")
    columns = {int(row["baris"]): row["kolom"] for row in error_rows(summary)}
    assert (columns[7], columns[8], columns[11], columns[12]) == (
        "No. Tiket",
        "Isi Laporan",
        "No. Tiket",
        "Tanggal Laporan",
    )


def test_a_missing_required_column_is_said_in_the_reason(database: sqlite_utils.Database) -> None:
    summary = run(database, CORPUS / "missing_body_column.csv")
    [row] = error_rows(summary)
    assert row["kolom"] == ""
    assert row["alasan"] == "tidak ada kolom isi laporan (--map 'Judul Kolom=body')"
