"""Writes the messy files of this folder (run once; the files are committed as they are)."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

HERE = Path(__file__).parent

LAPOR_HEADER = (
    "No. Tiket;Judul Laporan;Isi Laporan;Tanggal Laporan;Tanggal Kejadian;Kategori;Sub Kategori;"
    "Klasifikasi;Kanal;Instansi;Status;Nama Pelapor;NIK;No. HP;Email;Anonim;Rahasia;"
    "Lokasi Kejadian;Catatan Admin"
)
LAPOR_ROWS = [
    # dd/mm/yyyy HH:MM, a category in other case, a name with é, smart quotes (cp1252 0x93/0x94)
    "8200001;Jalan berlubang di Jl. Juanda;Sudah tiga bulan jalan berlubang, “mohon” segera "
    "diperbaiki.;14/07/2025 09:30;10-07-2025;pekerjaan  umum dan penataan ruang;"
    "infrastruktur jalan;Pengaduan;Website;"
    "Dinas PUPR-PERA;Terdisposisi ke Dinas PUPR-PERA;José Rahman;6472011204850003;"
    "081234567890;jose@example.id;tidak;tidak;Jl. Juanda, Samarinda;cek lapangan",
    # "14 Juli 2025", LAPOR!'s "Belum Terverifikasi", yes/no as Ya/Tidak
    "8200002;Lampu jalan padam;Lampu jalan di Kel. Sidodadi padam sejak minggu lalu.;"
    "14 Juli 2025;;Energi dan Sumber Daya Alam;;Pengaduan;SMS 1708;;Belum Terverifikasi;"
    "Siti Aminah;;0812 5555 1212;;Ya;Tidak;Kel. Sidodadi;",
    # "Senin, 2025/07/14", "Dalam Proses", a unit by its code
    "8200003;Pelayanan puskesmas lambat;Antrean di puskesmas sangat lama.;Senin, 2025/07/14;"
    "2025/07/12;Kesehatan;;Aspirasi;Android;DINKES;Dalam Proses;Budi;;;;tidak;ya;;",
    # "14 Jul 2025", Selesai, masked NIK and phone (from a masked export)
    "8200004;Sampah menumpuk;Sampah di pasar menumpuk dua minggu.;14 Jul 2025 16:05;;"
    "Lingkungan Hidup dan Kehutanan;;Pengaduan;WhatsApp;Dinas Lingkungan Hidup;Selesai;"
    "Ani;6472********0004;0812****1212;;0;0;Pasar Segiri;",
]


def main() -> None:
    text = "\r\n".join([LAPOR_HEADER, *LAPOR_ROWS]) + "\r\n"
    (HERE / "lapor_cp1252.csv").write_bytes(text.encode("cp1252"))

    tab_rows = [
        "Nomor Laporan\tJudul\tIsi\tTanggal\tStatus\tUnit\tTelepon",
        "8300001\tBanjir di Jl. Pahlawan\tAir setinggi lutut saat hujan.\t2025-08-01T08:00:00+08:00"
        "\tTerverifikasi\tPUPR\t081300000001",
        "8300002\tIzin usaha\tPermohonan izin tidak diproses.\t01/08/2025\tDitolak\t\t",
    ]
    (HERE / "excel_unicode.txt").write_bytes(
        codecs.BOM_UTF16_LE + ("\r\n".join(tab_rows) + "\r\n").encode("utf-16-le")
    )

    multiline = (
        "tracking id,title,body,received,status,unit,reporter name,nik\r\n"
        '8400001,"Jalan, jembatan dan drainase","Baris pertama,\r\nbaris kedua; ""dikutip""\r\n'
        'baris ketiga",2025-09-01 10:00,baru,,Rina,\r\n'
        "8400002,'=HYPERLINK(\"http://x\"),Isi biasa,2025-09-02,Unverified,,'-Dedi,"
        "6472********0009\r\n"
    )
    (HERE / "utf8_bom_multiline.csv").write_bytes(codecs.BOM_UTF8 + multiline.encode("utf-8"))

    array = [
        {
            "Ticket Number": "8500001",
            "Subject": "Bus kota terlambat",
            "Description": "Bus selalu terlambat 30 menit.",
            "Report Date": "2025-10-01T02:00:00Z",
            "Status": "Closed",
            "Anonymous": "yes",
            "Confidential": "no",
            "Category": "Perhubungan",
        },
        {
            "Ticket Number": "8500002",
            "Subject": "Pungutan liar",
            "Description": "Ada pungutan di loket.",
            "Report Date": "2025-10-02",
            "Status": "Reporter replied",
            "Agency": "Inspektorat Daerah",
            "Category": "Kategori Karangan Sendiri",
        },
    ]
    (HERE / "array.json").write_text(json.dumps(array, ensure_ascii=False, indent=1), "utf-8")

    lines = [
        {
            "tracking_no": "8600001",
            "title": "Air PDAM keruh",
            "body": "Air keruh tiga hari.",
            "received_at": "2025-11-03T01:15:00Z",
            "status": "baru",
            "anonymous": False,
            "confidential": True,
            "name": "Lina",
            "email": "lina@example.id",
        },
        {
            "tracking_no": "8600002",
            "title": "Trotoar rusak",
            "body": "Trotoar rusak.",
            "received_at": "2025-11-04T01:15:00Z",
            "status": "diproses",
            "unit_code": "PUPR",
        },
    ]
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    (HERE / "rows.jsonl").write_text(text + "\n{not json\n", "utf-8")

    events = [
        {
            "at": "2025-11-02T01:15:00Z",
            "actor_kind": "import",
            "actor_nip": None,
            "kind": "received",
            "visibility": "public",
            "from_status": None,
            "to_status": "baru",
            "unit_code": None,
            "body": None,
            "data": {},
        },
        {
            "at": "2025-11-03T03:00:00Z",
            "actor_kind": "officer",
            "actor_nip": "198001012005011001",
            "kind": "verify",
            "visibility": "public",
            "from_status": "baru",
            "to_status": "terverifikasi",
            "unit_code": "PUPR",
            "body": None,
            "data": {"unit": "PUPR"},
        },
        {
            "at": "2025-11-04T03:00:00Z",
            "actor_kind": "officer",
            "actor_nip": "198502022010012002",
            "kind": "note",
            "visibility": "internal",
            "from_status": "terverifikasi",
            "to_status": "terverifikasi",
            "unit_code": "PUPR",
            "body": "Sudah dicek ke lapangan.",
            "data": {},
        },
    ]
    case = {
        "format": "desk-case/1",
        "local_id": "01JD3M4Q8X6T9V2K7R5B1N0C3E",
        "tracking_no": "8112829",
        "complaint_id": None,
        "title": "Jalan berlubang di Jl. Juanda",
        "body": "Sudah tiga bulan jalan berlubang.",
        "classification": "pengaduan",
        "category": "INFRASTRUKTUR",
        "subcategory": None,
        "channel": "web",
        "location": "Samarinda",
        "incident_date": "2025-10-30",
        "anonymous": False,
        "confidential": True,
        "status": "terverifikasi",
        "unit_code": "PUPR",
        "unit_name": "Dinas PUPR-PERA",
        "assignee_nip": None,
        "received_at": "2025-11-02T01:15:00Z",
        "updated_at": "2025-11-04T03:00:00Z",
        "version": 3,
        "due_at": "2025-11-10T15:59:59Z",
        "due_kind": "tindak_lanjut",
        "auto_at": None,
        "auto_kind": None,
        "hold_remaining_hk": None,
        "duplicate_of": None,
        "rating": None,
        "source": "import",
        "extra": {"Kolom Lain": "nilai"},
        "reporter": {
            "name": "Rudi",
            "nik": "6472011204850011",
            "phone": "0811",
            "email": None,
            "address": None,
            "masked": False,
        },
        "events": events,
        "attachments": [],
    }
    local_only = {
        **case,
        "local_id": "01JD3M4Q8X6T9V2K7R5B1N0C3F",
        "tracking_no": None,
        "title": "Laporan loket tanpa nomor",
        "status": "baru",
        "unit_code": None,
        "unit_name": None,
        "due_kind": "verifikasi",
        "version": 1,
        "events": events[:1],
        "reporter": {
            "name": "R***",
            "nik": "6472********0011",
            "phone": None,
            "email": None,
            "address": None,
            "masked": True,
        },
    }
    text = "\n".join(json.dumps(item, ensure_ascii=False) for item in (case, local_only))
    (HERE / "desk_cases.jsonl").write_text(text + "\n", "utf-8")

    broken = [
        "No. Tiket;Judul;Isi Laporan;Tanggal Laporan;Status;NIK;Anonim;Klasifikasi;Penilaian",
        "9000001;Baik;Isi baik;01/09/2025;Baru;;;;",  # row 2: fine
        "9000002;Tanggal salah;Isi;31/02/2025;Baru;;;;",  # row 3: no such date
        "9000003;Status aneh;Isi;01/09/2025;Sedang Dipikirkan;;;;",  # row 4: unknown status
        "9000004;NIK pendek;Isi;01/09/2025;Baru;12345;;;",  # row 5: NIK not 16 digits
        "9000005;Anonim?;Isi;01/09/2025;Baru;;mungkin;;",  # row 6: not yes/no
        ";Tanpa nomor;Isi;01/09/2025;Baru;;;;",  # row 7: no tracking number
        "9000007;Tanpa isi;;01/09/2025;Baru;;;;",  # row 8: no complaint text
        "9000008;Klasifikasi;Isi;01/09/2025;Baru;;;Keluhan Kecil;",  # row 9
        "9000009;Nilai;Isi;01/09/2025;Baru;;;;9",  # row 10: rating out of 1-5
        "9000001;Duplikat;Isi lain;02/09/2025;Baru;;;;",  # row 11: duplicate of row 2
        "9000010;Tanpa tanggal;Isi;;Baru;;;;",  # row 12: no received date
        "9000011;Terdisposisi tanpa unit;Isi;01/09/2025;Terverifikasi;;;;",  # row 13
        "9000012;Baik juga;Isi baik juga;02/09/2025;Selesai;;;;",  # row 14: fine
    ]
    (HERE / "broken_rows.csv").write_text("\n".join(broken) + "\n", "utf-8")

    duplicates = [
        "No. Tiket,Judul,Isi,Tanggal Laporan",
        "9100001,Satu,Isi satu,2025-09-01",
        "9100002,Dua,Isi dua,2025-09-01",
        "9100001,Satu lagi,Isi satu lagi,2025-09-02",
        "9100001,Satu lagi lagi,Isi,2025-09-03",
    ]
    (HERE / "duplicates.csv").write_text("\n".join(duplicates) + "\n", "utf-8")

    (HERE / "truncated_quote.csv").write_text(
        'No. Tiket;Judul;Isi;Tanggal\n9200001;Baik;Isi;2025-09-01\n9200002;"Terpotong;Isi yang',
        "utf-8",
    )
    (HERE / "binary.csv").write_bytes(bytes(range(256)) * 8)
    clean = "No. Tiket;Judul;Isi;Tanggal\n9300001;Caf\u00e9 kotor;Pemilik Jos\u00e9;2025-09-01\n"
    # UTF-8 that was once read as Windows-1252 and saved again as UTF-8: "CafÃ©".
    (HERE / "mojibake.csv").write_bytes(clean.encode("utf-8").decode("cp1252").encode("utf-8"))


if __name__ == "__main__":
    main()
