"""Which column means which field: built-in aliases, the database's own names, and --map.

Headers are compared by a key that ignores case, spaces, punctuation and a "(wajib)"-style
note in brackets, so "No. Tiket", "NO TIKET" and "no_tiket" are the same column.
"""

from __future__ import annotations

import re

# The fields a row can fill. Reporter fields are stored apart (the reporters table).
FIELDS = (
    "tracking_no",
    "complaint_id",
    "local_id",
    "title",
    "body",
    "received_at",
    "updated_at",
    "incident_date",
    "category",
    "subcategory",
    "classification",
    "channel",
    "unit_code",
    "unit_name",
    "status",
    "location",
    "anonymous",
    "confidential",
    "rating",
    "assignee_nip",
    "due_at",
    "due_kind",
    "name",
    "nik",
    "phone",
    "email",
    "address",
)

# Aliases per field, written as they appear; `header_key` normalises them. A field's own name
# is always an alias (the export writes them as its CSV headers).
_ALIASES: dict[str, tuple[str, ...]] = {
    "tracking_no": (
        "No. Tiket", "Nomor Tiket", "No Tiket", "Tiket", "Nomor Laporan", "No. Laporan",
        "No Laporan", "ID Laporan", "Id Pengaduan", "No. Pengaduan", "Nomor Pengaduan",
        "Nomor Registrasi", "No. Registrasi", "Kode Laporan", "Tracking ID", "Tracking Number",
        "Tracking No", "Ticket", "Ticket Number", "Report ID", "Complaint Number", "Nomor",
    ),
    "complaint_id": ("Complaint ID", "ID Internal LAPOR"),
    "local_id": ("ID Lokal", "Local ID"),
    "title": ("Judul", "Judul Laporan", "Perihal", "Subjek", "Title", "Subject"),
    "body": (
        "Isi", "Isi Laporan", "Isi Pengaduan", "Uraian", "Uraian Laporan", "Deskripsi",
        "Keterangan Laporan", "Laporan", "Body", "Text", "Description", "Complaint", "Content",
    ),
    "received_at": (
        "Tanggal", "Tanggal Laporan", "Tgl Laporan", "Tgl. Laporan", "Tanggal Masuk",
        "Tanggal Pengaduan", "Tanggal Diterima", "Waktu Laporan", "Waktu Masuk",
        "Tanggal Dibuat", "Dibuat", "Received", "Received At", "Date", "Created", "Created At",
        "Report Date", "Submitted",
    ),
    "updated_at": (
        "Tanggal Update", "Terakhir Diperbarui", "Tanggal Status", "Updated", "Last Updated",
        "Updated At",
    ),
    "incident_date": (
        "Tanggal Kejadian", "Tgl Kejadian", "Tgl. Kejadian", "Waktu Kejadian",
        "Incident Date", "Date of Incident",
    ),
    "category": ("Kategori", "Kategori Laporan", "Kategori Utama", "Category"),
    "subcategory": (
        "Sub Kategori", "Subkategori", "Sub-Kategori", "Sub Category", "Subcategory",
    ),
    "classification": (
        "Klasifikasi", "Jenis Laporan", "Jenis", "Tipe Laporan", "Classification", "Type",
    ),
    "channel": ("Kanal", "Sumber", "Sumber Laporan", "Media", "Saluran", "Channel", "Source"),
    "unit_code": (
        "Instansi", "Instansi Tujuan", "Instansi Terdisposisi", "Disposisi", "Disposisi Ke",
        "Unit", "Unit Kerja", "Kode Unit", "OPD", "Perangkat Daerah", "SKPD", "Unit Code",
        "Agency", "Department",
    ),
    "unit_name": ("Nama Unit", "Nama Instansi", "Nama OPD", "Unit Name"),
    "status": ("Status", "Status Laporan", "Status Pengaduan", "Tahapan", "State"),
    "location": (
        "Lokasi", "Lokasi Kejadian", "Alamat Kejadian", "Tempat Kejadian", "Location",
    ),
    "anonymous": ("Anonim", "Anonymous", "Anonimitas"),
    "confidential": ("Rahasia", "Confidential", "Secret", "Kerahasiaan", "Is Secret"),
    "rating": ("Penilaian", "Rating", "Nilai Kepuasan"),
    "assignee_nip": ("NIP Petugas", "Petugas", "Assignee"),
    "due_at": ("Batas Waktu", "Tenggat", "Due", "Deadline"),
    "due_kind": ("Jenis Batas Waktu",),
    "name": (
        "Nama", "Nama Pelapor", "Pelapor", "Nama Lengkap", "Reporter", "Reporter Name",
        "Reporter_name", "Full Name",
    ),
    "nik": ("NIK", "NIK Pelapor", "No KTP", "Nomor KTP", "No. KTP", "National ID", "Reporter_nik"),
    "phone": (
        "Telepon", "Telp", "No Telp", "No. Telp", "No Telepon", "No. Telepon", "HP", "No HP",
        "No. HP", "Nomor HP", "Handphone", "Telepon Pelapor", "WhatsApp Pelapor", "Phone",
        "Phone Number", "Mobile", "Reporter_phone",
    ),
    "email": ("Email", "E-mail", "Surel", "Email Pelapor", "Reporter_email"),
    "address": (
        "Alamat", "Alamat Pelapor", "Domisili", "Address", "Reporter Address", "Reporter_address",
    ),
}  # fmt: skip

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def header_key(header: str) -> str:
    """ "No. Tiket (wajib)" -> "notiket": case, spaces, punctuation and notes ignored."""
    return _NOT_WORD.sub("", _BRACKETED.sub("", header.lower()))


ALIASES: dict[str, str] = {}
for _field, _names in _ALIASES.items():
    for _name in (_field, *_names):
        ALIASES.setdefault(header_key(_name), _field)
ALIASES[header_key("reporter_name")] = "name"


def parse_map(values: list[str]) -> dict[str, str]:
    """--map "Header=field" options as {header key: field}; raises ValueError(text key, value)."""
    mapping: dict[str, str] = {}
    for value in values:
        header, sep, field = value.rpartition("=")
        header, field = header.strip(), field.strip()
        if not sep or not header or not field:
            raise ValueError("import.opt.map", value)
        if field not in FIELDS and field != "extra":
            raise ValueError("import.opt.map_field", field)
        mapping[header_key(header)] = field
    return mapping


def field_for(header: str, overrides: dict[str, str]) -> str | None:
    """The field a header means, or None for a column kept in `extra`."""
    key = header_key(header)
    if key in overrides:
        field = overrides[key]
        return None if field == "extra" else field
    return ALIASES.get(key)
