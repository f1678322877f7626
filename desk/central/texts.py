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
    "central.op.exists": (
        "Kasus {ref} sudah ada di server pusat.",
        "Case {ref} already exists on the central server.",
    ),
    "central.op.create_role": (
        "Pimpinan tidak mencatat pengaduan baru.",
        "A pimpinan does not record new complaints.",
    ),
    "central.op.time": ("Waktu operasi tidak sah: {value}.", "Invalid operation time: {value}."),
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
