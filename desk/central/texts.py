"""The texts of the central server and its commands, in Indonesian and English."""

from __future__ import annotations

from desk.i18n import extend

TEXTS: dict[str, tuple[str, str]] = {
    "central.no_database": (
        "Tidak ada basis data pusat di {path}. Buat dengan 'desk central seed --db {path}' "
        "atau 'desk central office add ... --db {path}'.",
        "No central database at {path}. Create one with 'desk central seed --db {path}' "
        "or 'desk central office add ... --db {path}'.",
    ),
    "central.office.no_name": ("Nama kantor tidak boleh kosong.", "The office name is empty."),
    "central.office.no_units": (
        "Sebutkan minimal satu unit kantor ini (--unit KODE): petugasnya yang boleh bertindak.",
        "Name at least one unit of the office (--unit CODE): its officers are who may act.",
    ),
    "central.office.exists": (
        "Kantor {name} sudah terdaftar.",
        "The office {name} is already registered.",
    ),
    "central.office.unknown": ("Kantor {name} tidak dikenal.", "Unknown office {name}."),
    "central.office.added": (
        "Kantor {name} terdaftar (unit: {units}). Token (hanya ditampilkan sekali ini):",
        "Office {name} registered (units: {units}). Token (shown this once only):",
    ),
    "central.office.hint": (
        "Simpan ke berkas di meja kerja lalu: desk remote set URL --token-file BERKAS",
        "Save it to a file on the desk, then: desk remote set URL --token-file FILE",
    ),
    "central.office.revoked": (
        "Token kantor {name} dicabut: meja kerjanya tidak bisa sinkron lagi.",
        "The token of office {name} is revoked: its desk can no longer sync.",
    ),
    "central.office.none": ("Belum ada kantor terdaftar.", "No office registered yet."),
    "central.office.col.name": ("Kantor", "Office"),
    "central.office.col.units": ("Unit", "Units"),
    "central.office.col.coordinator": ("Koordinator", "Coordinator"),
    "central.office.col.state": ("Status", "State"),
    "central.office.active": ("aktif", "active"),
    "central.office.revoked_at": ("dicabut {at}", "revoked {at}"),
    "central.yes": ("ya", "yes"),
    "central.no": ("tidak", "no"),
    "central.seed.done": (
        "{cases} kasus ditambahkan ke {path} ({events} kejadian, {uids} uid baru).",
        "{cases} cases added to {path} ({events} events, {uids} new uids).",
    ),
    "central.serve.start": (
        "Server pusat di http://{host}:{port}/sync/v1/ (basis data {path}). Ctrl+C untuk berhenti.",
        "Central server at http://{host}:{port}/sync/v1/ (database {path}). Ctrl+C to stop.",
    ),
    "central.serve.port_busy": (
        "Tidak bisa mendengarkan di {host}:{port}: {error}",
        "Cannot listen on {host}:{port}: {error}",
    ),
    # Reasons an operation is refused (sent to desks in receipts).
    "central.op.unknown_case": (
        "Kasus {ref} tidak dikenal di server pusat.",
        "Case {ref} is not known to the central server.",
    ),
    "central.op.scope": (
        "Kasus {ref} bukan milik unit kantor {office}.",
        "Case {ref} does not belong to the units of office {office}.",
    ),
    "central.op.actor_scope": (
        "Petugas {nip} bukan petugas unit kantor {office}.",
        "Officer {nip} is not an officer of the units of office {office}.",
    ),
    "central.op.kind": ("Jenis operasi tidak dikenal: {kind}.", "Unknown operation kind: {kind}."),
    "central.op.payload": (
        "Isian operasi tidak dikenal: {keys}.",
        "Unknown operation fields: {keys}.",
    ),
    "central.op.reused": (
        "Id operasi {op} sudah dipakai untuk operasi lain.",
        "Operation id {op} was already used for a different operation.",
    ),
    "central.op.ahead": (
        "Versi dasar {base} lebih baru dari versi server {server}.",
        "Base version {base} is newer than the server's version {server}.",
    ),
    "central.op.nul": (
        "Teksnya berisi karakter NUL (\\0), yang tidak bisa disimpan: hapus lalu kirim lagi.",
        "Its text holds a NUL character (\\0), which cannot be stored: remove it and send again.",
    ),
    "central.op.exists": (
        "Kasus {ref} sudah ada di server pusat.",
        "Case {ref} already exists on the central server.",
    ),
    "central.op.create_role": (
        "Pimpinan tidak mencatat pengaduan baru.",
        "A pimpinan does not record new complaints.",
    ),
    "central.op.time": (
        "Waktu operasi tidak sah: {value} (harus waktu ISO 8601 dengan zona, mis. "
        "2026-11-29T03:10:00Z).",
        "Invalid operation time: {value} (an ISO 8601 time with its zone is expected, e.g. "
        "2026-11-29T03:10:00Z).",
    ),
    # Malformed input (issue 15): each refusal names the field and what is wrong with it.
    "central.op.id_taken": (
        "Id operasi {op} tidak bisa dipakai kantor ini: buat operasi dengan id baru.",
        "Operation id {op} cannot be used by this office: make the operation with a new id.",
    ),
    "central.op.not_text": ("Isian {key} harus berupa teks.", "The field {key} must be text."),
    "central.op.not_flag": (
        "Isian {key} harus true atau false.",
        "The field {key} must be true or false.",
    ),
    "central.op.not_object": (
        "Isian {key} harus berupa objek.",
        "The field {key} must be an object.",
    ),
    "central.op.not_scalar": (
        "Isian {key} harus berupa teks atau angka, bukan objek atau daftar.",
        "The field {key} must be text or a number, not an object or a list.",
    ),
    "central.op.required": ("Isian {key} wajib diisi.", "The field {key} is required."),
    "central.op.too_long": (
        "Isian {key} lebih dari {limit} karakter.",
        "The field {key} is longer than {limit} characters.",
    ),
    "central.op.rating": (
        "Penilaian harus bilangan bulat 1-5, bukan {value}.",
        "The rating must be a whole number 1-5, not {value}.",
    ),
    "central.op.local_id": (
        "local_id {value} tidak sama dengan kasus operasi ({ref}).",
        "local_id {value} is not the op's case ({ref}).",
    ),
    "central.op.classification": (
        "Klasifikasi tidak dikenal: {value} (pilihan: {choices}).",
        "Unknown classification: {value} (one of {choices}).",
    ),
    "central.op.channel": (
        "Kanal tidak dikenal: {value} (pilihan: {choices}).",
        "Unknown channel: {value} (one of {choices}).",
    ),
    "central.op.date": (
        "Tanggal {key} tidak sah: {value} (tanggal itu tidak ada atau bukan format ISO 8601).",
        "Invalid date in {key}: {value} (no such date, or not ISO 8601).",
    ),
    "central.op.future": (
        "Tanggal {key} ada di masa depan: {value}.",
        "The date in {key} is in the future: {value}.",
    ),
    "central.op.too_old": (
        "Tanggal {key} sebelum {earliest}: {value}. Periksa tanggal komputer meja kerja.",
        "The date in {key} is before {earliest}: {value}. Check the desk computer's date.",
    ),
    "central.file.bad_meta": (
        "Data lampiran tidak sah pada '{key}' (sha256: 64 heksa, name: teks, size: bilangan "
        "positif, media_type: salah satu jenis yang diterima).",
        "Invalid attachment data at '{key}' (sha256: 64 hex digits, name: text, size: a "
        "positive whole number, media_type: one of the accepted types).",
    ),
    "central.file.too_large": (
        "Lampiran {size} byte melebihi batas server {limit} byte per berkas.",
        "The attachment of {size} bytes is over the server's limit of {limit} bytes a file.",
    ),
    "central.file.quota": (
        "Lampiran kantor {office} sudah mencapai batas server ({limit} byte).",
        "The attachments of office {office} have reached the server's limit ({limit} bytes).",
    ),
    "central.file.wrong_type": (
        "Isi berkas bukan {declared} seperti yang dinyatakan ({found}): berkas ditolak.",
        "The file's content is not the {declared} it was declared as ({found}): refused.",
    ),
}

extend(TEXTS)
