"""`desk case new` and `desk case receipt` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from db import open_database
from tests.conftest import ADMIN, PIMPINAN, make_office, new_case
from tests.test_cli_case import own_config, run  # noqa: F401  (the fixture isolates the config)

FIELDS = [
    "--title", "Lampu jalan padam di Jl. Pahlawan",
    "--text", "Sudah dua minggu padam.",
    "--category", "pekerjaan umum dan penataan ruang / penerangan jalan",
    "--name", "Rina Marlina",
    "--phone", "0813 5555 0101",
]  # fmt: skip


@pytest.fixture
def office(tmp_path: Path) -> Path:
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    new_case(database)  # #8112829, phone 081234567890
    database.conn.close()
    return path


def count(path: Path, sql: str) -> int:
    database = open_database(path)
    try:
        return int(database.execute(sql).fetchone()[0])
    finally:
        database.conn.close()


def test_new_prints_the_provisional_number_and_the_deadline(office: Path) -> None:
    result = run(office, "case", "new", *FIELDS, "--channel", "telepon", actor=ADMIN)
    assert result.exit_code == 0, result.output
    assert "Laporan dicatat: L-SETDA-0001" in result.stdout
    assert "nomor sementara" in result.stdout
    assert "Batas verifikasi:" in result.stdout and "WITA" in result.stdout
    assert count(office, "SELECT count(*) FROM outbox WHERE kind = 'create'") == 1


def test_new_json_lists_possible_duplicates(office: Path) -> None:
    result = run(
        office, "case", "new", *FIELDS, "--phone", "+62 812 3456 7890", "--json", actor=ADMIN
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["provisional_no"] == "L-SETDA-0001" and answer["tracking_no"] is None
    assert answer["status"] == "baru" and answer["op_id"]
    assert answer["duplicates"] == [
        {"case": "#8112829", "status": "baru", "title": "Jalan rusak di Jl. Juanda",
         "reasons": ["phone"]}
    ]  # fmt: skip


def test_invalid_fields_are_one_line_each_and_exit_2(office: Path) -> None:
    result = run(
        office, "case", "new", *FIELDS, "--nik", "123", "--incident-date", "2099-01-01",
        actor=ADMIN,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "desk: Tanggal kejadian: 01/01/2099 masih di masa depan: kejadian yang dilaporkan sudah "
        "terjadi.",
        "desk: NIK: NIK harus tepat 16 angka (tertulis 3 angka).",
    ]
    assert count(office, "SELECT count(*) FROM cases") == 1


def test_invalid_fields_in_english_and_as_json(office: Path) -> None:
    result = run(office, "case", "new", "--nik", "12", "--json", actor=ADMIN, lang="en")
    assert result.exit_code == 2
    errors = json.loads(result.stdout)["errors"]
    assert errors["title"] == "is required."
    assert errors["nik"] == "A NIK is exactly 16 digits (2 given)."
    assert next(iter(errors)) == "title"


def test_from_file_json_and_key_value_text(office: Path, tmp_path: Path) -> None:
    as_json = tmp_path / "laporan.json"
    as_json.write_text(
        json.dumps(
            {
                "judul": "Sampah menumpuk di pasar",
                "isi": "Tidak diangkut dua minggu.",
                "kategori": "LINGKUNGAN HIDUP DAN KEHUTANAN",
                "kanal": "surat",
                "anonim": True,
            }
        ),
        encoding="utf-8",
    )
    result = run(office, "case", "new", "--from-file", str(as_json), actor=ADMIN)
    assert result.exit_code == 0, result.output
    as_text = tmp_path / "laporan.txt"
    as_text.write_text(
        "judul: Jalan berlubang\nisi: Lubang besar di depan sekolah.\n"
        "  Sudah ada yang jatuh.\nkategori: jalan berlubang\nnama: Budi\n"
        "telepon: 0541 741234\n",
        encoding="utf-8",
    )
    # An option overrides the file.
    result = run(
        office, "case", "new", "--from-file", str(as_text), "--channel", "whatsapp", actor=ADMIN
    )
    assert result.exit_code == 0, result.output
    database = open_database(office)
    rows = database.execute(
        "SELECT c.provisional_no, c.channel, c.anonymous, c.body, r.phone FROM cases AS c "
        "LEFT JOIN reporters AS r ON r.case_id = c.id WHERE c.provisional_no IS NOT NULL "
        "ORDER BY c.id"
    ).fetchall()
    database.conn.close()
    assert rows == [
        ("L-SETDA-0001", "surat", 1, "Tidak diangkut dua minggu.", None),
        (
            "L-SETDA-0002",
            "whatsapp",
            0,
            "Lubang besar di depan sekolah.\n  Sudah ada yang jatuh.",
            "+62541741234",
        ),
    ]


def test_a_bad_file_names_the_file_and_line(office: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("judul: A\nwarna: merah\n", encoding="utf-8")
    result = run(office, "case", "new", "--from-file", str(bad), actor=ADMIN)
    assert result.exit_code == 2
    assert "baris 2" in result.stderr and "'warna'" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"judul": "A",\n', encoding="utf-8")
    result = run(office, "case", "new", "--from-file", str(broken), actor=ADMIN)
    assert result.exit_code == 2 and "bukan JSON" in result.stderr
    missing = run(office, "case", "new", "--from-file", str(tmp_path / "nope.txt"), actor=ADMIN)
    assert missing.exit_code == 2 and "nope.txt" in missing.stderr


def test_a_pimpinan_is_refused(office: Path) -> None:
    result = run(office, "case", "new", *FIELDS, actor=PIMPINAN)
    assert result.exit_code == 1
    assert "pimpinan" in result.stderr
    assert count(office, "SELECT count(*) FROM cases") == 1


def test_receipt_as_text_and_pdf(office: Path, tmp_path: Path) -> None:
    assert run(office, "case", "new", *FIELDS, actor=ADMIN).exit_code == 0
    shown = run(office, "case", "receipt", "L-SETDA-0001", actor=ADMIN)
    assert shown.exit_code == 0, shown.output
    assert "TANDA TERIMA PENGADUAN" in shown.stdout and "L-SETDA-0001" in shown.stdout
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80
    pdf = tmp_path / "tanda-terima.pdf"
    written = run(office, "case", "receipt", "#l-setda-0001", "-o", str(pdf), actor=ADMIN)
    assert written.exit_code == 0, written.output
    assert pdf.read_bytes().startswith(b"%PDF-1.4")
    text = tmp_path / "tanda-terima.txt"
    run(office, "case", "receipt", "L-SETDA-0001", "-o", str(text), actor=ADMIN, lang="en")
    assert "COMPLAINT RECEIPT" in text.read_text(encoding="utf-8")
    refused = run(office, "case", "receipt", "L-SETDA-0001", "--format", "pdf", actor=ADMIN)
    assert refused.exit_code == 2 and "-o FILE" in refused.stderr
    unknown = run(office, "case", "receipt", "L-SETDA-0099", actor=ADMIN)
    assert unknown.exit_code == 1 and "L-SETDA-0099" in unknown.stderr


def test_a_head_prints_a_receipt_with_the_reporter_as_heads_see_them(office: Path) -> None:
    shown = run(office, "case", "receipt", "#8112829", actor=PIMPINAN)
    assert shown.exit_code == 0, shown.output
    assert "8112829" in shown.output
