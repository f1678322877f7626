"""Every text desk shows, in Bahasa Indonesia (the default) and English.

`t("key", name=value)` returns the text in the current language with the values filled in. The
language is chosen once per process (`--lang`, the config, else Indonesian) with `set_language`.
Values are filled with `str.format`, never interpreted as markup.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["id", "en"]
LANGUAGES: tuple[Language, ...] = ("id", "en")
_current: Language = "id"


def set_language(language: str) -> None:
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: choose id or en")
    _current = "en" if language == "en" else "id"


def current_language() -> Language:
    return _current


def count_text(value: int) -> str:
    """12345 → "12.345" in Indonesian, "12,345" in English."""
    text = f"{value:,}"
    return text.replace(",", ".") if current_language() == "id" else text


def decimal_text(value: float) -> str:
    """12.4 in English, 12,4 in Indonesian."""
    text = f"{value:.1f}"
    return text.replace(".", ",") if current_language() == "id" else text


def t(key: str, /, **values: object) -> str:
    """The text for `key` in the current language, with `values` filled in."""
    if _current == "en" and str(values.get("count", "")) == "1" and f"{key}.one" in CATALOG:
        key = f"{key}.one"  # English says "1 case": a text may have a singular form
    indonesian, english = CATALOG[key]
    text = english if _current == "en" else indonesian
    return text.format(**values) if values else text


STATUS_LABELS: dict[str, tuple[str, str]] = {
    "baru": ("Belum Terverifikasi", "Unverified"),
    "tunda": ("Ditunda", "On hold"),
    "terverifikasi": ("Terdisposisi", "Assigned to a unit"),
    "dikembalikan": ("Bukan Wewenang", "Returned (not our authority)"),
    "diproses": ("Ditindaklanjuti", "Followed up, waiting for reporter"),
    "ditanggapi": ("Ditanggapi Pelapor", "Reporter replied"),
    "selesai": ("Selesai", "Closed"),
    "diarsipkan": ("Diarsipkan", "Archived"),
}

ACTION_LABELS: dict[str, tuple[str, str]] = {
    "verify": ("verifikasi dan disposisi", "verify and dispose"),
    "dispose": ("disposisi ulang", "dispose again"),
    "hold": ("tunda", "put on hold"),
    "resume": ("lanjutkan dari tunda", "resume from hold"),
    "return": ("kembalikan (Bukan Wewenang)", "return (not our authority)"),
    "follow_up": ("tindak lanjut", "follow up"),
    "note": ("catatan internal", "internal note"),
    "assign": ("tugaskan", "assign"),
    "close": ("tutup", "close"),
    "reopen": ("buka kembali", "reopen"),
    "archive": ("arsipkan", "archive"),
    "restore": ("pulihkan", "restore"),
    "reporter_reply": ("catat tanggapan pelapor", "record the reporter's reply"),
    "auto_close": ("selesai otomatis", "closed automatically"),
    "auto_archive": ("arsip otomatis", "archived automatically"),
}

ROLE_LABELS: dict[str, tuple[str, str]] = {
    "admin": ("admin koordinator", "coordinating admin"),
    "petugas": ("petugas unit", "unit officer"),
    "pimpinan": ("pimpinan", "head of office"),
}

CLASSIFICATION_LABELS: dict[str, tuple[str, str]] = {
    "pengaduan": ("Pengaduan", "Complaint"),
    "aspirasi": ("Aspirasi", "Suggestion"),
    "permintaan_informasi": ("Permintaan Informasi", "Information request"),
}


def _pick(labels: dict[str, tuple[str, str]], code: str) -> str:
    pair = labels.get(code)
    if pair is None:
        return code
    return pair[1] if _current == "en" else pair[0]


def status_label(code: str) -> str:
    return _pick(STATUS_LABELS, code)


def action_label(code: str) -> str:
    return _pick(ACTION_LABELS, code)


def role_label(code: str) -> str:
    return _pick(ROLE_LABELS, code)


def classification_label(code: str) -> str:
    return _pick(CLASSIFICATION_LABELS, code)


def clock_text(days_left: int | None) -> str:
    """ "sisa 2 HK" / "2 WD left", "hari ini" / "due today", "lewat 3 HK" / "3 WD overdue"."""
    if days_left is None:
        return ""
    if days_left > 0:
        return t("clock.left", days=days_left)
    if days_left == 0:
        return t("clock.today")
    return t("clock.overdue", days=-days_left)


CATALOG: dict[str, tuple[str, str]] = {
    # clocks
    "clock.left": ("sisa {days} HK", "{days} WD left"),
    "clock.today": ("batas hari ini", "due today"),
    "clock.overdue": ("lewat {days} HK", "{days} WD overdue"),
    "clock.verifikasi": ("Verifikasi (3 HK)", "Verification (3 WD)"),
    "clock.tindak_lanjut": ("Tindak lanjut (5 HK)", "Follow-up (5 WD)"),
    "clock.tutup_otomatis": ("Selesai otomatis (10 HK)", "Auto-close (10 WD)"),
    "clock.arsip_otomatis": ("Arsip otomatis (10 HK)", "Auto-archive (10 WD)"),
    "clock.verifikasi_ditunda": ("Verifikasi (3 HK), dijeda", "Verification (3 WD), paused"),
    "clock.paused": ("berhenti selama ditunda", "stopped while on hold"),
    # refusals
    "refuse.state": (
        "Tidak bisa {action} kasus berstatus '{status}' (hanya dari: {allowed}).",
        "Cannot {action} a case that is '{status}' (only from: {allowed}).",
    ),
    "refuse.admin_only": (
        "'{action}' memerlukan peran admin; {nip} adalah {role}.",
        "'{action}' needs the admin role; {nip} is a {role}.",
    ),
    "refuse.unit_only": (
        "'{action}' hanya untuk petugas unit kasus ini ({unit}), bukan admin.",
        "'{action}' is for an officer of the case's unit ({unit}), not for an admin.",
    ),
    "refuse.other_unit": (
        "'{action}' hanya untuk petugas unit kasus ini ({unit}); {nip} dari unit {own}.",
        "'{action}' is only for officers of the case's unit ({unit}); {nip} belongs to {own}.",
    ),
    "refuse.pimpinan": (
        "{nip} adalah pimpinan: pimpinan membaca kasus tetapi tidak bertindak atasnya.",
        "{nip} is a head of office (pimpinan): heads read cases but do not act on them.",
    ),
    "refuse.inactive": (
        "Petugas {nip} sudah dinonaktifkan.",
        "Officer {nip} has been disabled.",
    ),
    "refuse.no_unit_yet": ("belum ada unit", "no unit yet"),
    # missing input
    "input.reason": (
        "'{action}' memerlukan alasan: tuliskan alasannya.",
        "'{action}' needs a reason: write one.",
    ),
    "input.text": (
        "'{action}' memerlukan isi teks: tulisannya masih kosong.",
        "'{action}' needs text: it is still empty.",
    ),
    "input.unit": (
        "'{action}' memerlukan unit tujuan (--unit KODE).",
        "'{action}' needs a unit to dispose to (--unit CODE).",
    ),
    "input.same_unit": (
        "Kasus ini sudah di unit {unit}: pilih unit lain.",
        "The case is already with {unit}: choose another unit.",
    ),
    "input.officer": (
        "'{action}' memerlukan petugas yang ditugaskan (NIP).",
        "'{action}' needs the officer to assign (NIP).",
    ),
    "input.officer_unit": (
        "Petugas {nip} bukan petugas aktif unit {unit}.",
        "Officer {nip} is not an active officer of unit {unit}.",
    ),
    "input.duplicate_self": (
        "Kasus tidak bisa menjadi duplikat dirinya sendiri.",
        "A case cannot be a duplicate of itself.",
    ),
    # not found
    "notfound.case": ("Kasus {ref} tidak ditemukan.", "Case {ref} not found."),
    "notfound.unit": (
        "Unit {code} tidak dikenal. Lihat daftar unit dengan 'desk unit list'.",
        "Unknown unit {code}. See the units with 'desk unit list'.",
    ),
    "notfound.officer": (
        "Petugas dengan NIP {nip} tidak terdaftar. Lihat 'desk officer list'.",
        "No officer with NIP {nip}. See 'desk officer list'.",
    ),
    # inbox
    "inbox.loading": ("Memuat…", "Loading…"),
    "inbox.empty": ("Tidak ada kasus di sini.", "No cases here."),
    "inbox.search": ("Cari", "Search"),
    "inbox.search_placeholder": (
        "kata, status:baru unit:PUPR kategori:… kanal:sms anonim:ya #8112829 sesudah:2026-01-01",
        "words, status:baru unit:PUPR kategori:… kanal:sms anonim:ya #8112829 after:2026-01-01",
    ),
    "inbox.position": ("{position} dari {total}", "{position} of {total}"),
    "inbox.search_active": ("cari: {query}", "search: {query}"),
    "inbox.marked": ("{count} ditandai", "{count} marked"),
    "binding.mark": ("Tandai", "Mark"),
    "binding.mark_view": ("Tandai semua", "Mark view"),
    "binding.open": ("Buka", "Open"),
    "binding.search": ("Cari", "Search"),
    "binding.clear_search": ("Hapus cari", "Clear search"),
    "binding.order": ("Urutan", "Order"),
    "binding.refresh": ("Muat ulang", "Reload"),
    "binding.bulk_assign": ("Tugaskan", "Assign"),
    "binding.quit": ("Keluar", "Quit"),
    "binding.help": ("Bantuan", "Help"),
    "bulk.title": ("{action}: {count} kasus", "{action}: {count} cases"),
    "bulk.reason": (
        "Alasan (berlaku untuk semua kasus yang ditandai)",
        "Reason (for every marked case)",
    ),
    "bulk.confirm": ("{action} untuk {count} kasus?", "{action} {count} cases?"),
    "bulk.done": ("{action}: {count} kasus selesai.", "{action}: {count} cases done."),
    "bulk.done.one": ("{action}: {count} kasus selesai.", "{action}: {count} case done."),
    "bulk.title.one": ("{action}: {count} kasus", "{action}: {count} case"),
    "bulk.confirm.one": ("{action} untuk {count} kasus?", "{action} {count} case?"),
    "bulk.refused": ("{count} ditolak, misalnya: {reason}", "{count} refused, e.g.: {reason}"),
    "bulk.mark_limit": (
        "Hanya {count} kasus pertama yang ditandai: persempit tampilan dengan pencarian.",
        "Only the first {count} cases were marked: narrow the view with a search.",
    ),
    "status.officer": ("{name} ({role}, {unit})", "{name} ({role}, {unit})"),
    "status.outbox": ("antrean kirim: {count}", "outbox: {count}"),
    "status.never_synced": ("belum pernah sinkron", "never synced"),
    "status.last_sync": ("sinkron terakhir: {at}", "last sync: {at}"),
    "status.local_only": ("hanya lokal", "local only"),
    "picker.title": (
        "Siapa yang bekerja? Pilih petugas (Enter), atau jalankan dengan --as NIP.",
        "Who is working? Choose an officer (Enter), or start with --as NIP.",
    ),
    # command line
    "cli.officers.title": ("Petugas", "Officers"),
    "cli.units.title": ("Unit", "Units"),
    "cli.col.name": ("Nama", "Name"),
    "cli.col.unit": ("Unit", "Unit"),
    "cli.col.role": ("Peran", "Role"),
    "cli.col.code": ("Kode", "Code"),
    "cli.col.tz": ("Zona waktu", "Time zone"),
    "cli.col.officers": ("Petugas", "Officers"),
    "cli.inactive": ("nonaktif", "disabled"),
    "cli.no_database": (
        "Tidak ada basis data di {path}. Buat dengan 'desk seed --db {path}' atau pilih yang "
        "lain dengan --db PATH.",
        "No database at {path}. Create one with 'desk seed --db {path}' or choose another with "
        "--db PATH.",
    ),
    "cli.no_database_tui": (
        "Tidak ada basis data di {path}. Coba 'desk demo' untuk basis data contoh, atau pilih "
        "dengan --db PATH.",
        "No database at {path}. Try 'desk demo' for a demo database, or choose one with --db PATH.",
    ),
    "cli.no_officers": (
        "{path} belum punya petugas: tambahkan unit dan admin dengan 'desk unit add' dan "
        "'desk officer add NIP --name NAMA --unit KODE --role admin'.",
        "{path} has no officers yet: add a unit and an admin with 'desk unit add' and "
        "'desk officer add NIP --name NAME --unit CODE --role admin'.",
    ),
    "cli.pin_prompt": ("PIN untuk {nip}", "PIN for {nip}"),
    "cli.officer.new_pin": ("PIN baru (minimal 6 karakter)", "New PIN (at least 6 characters)"),
    "cli.officer.no_pin_given": ("Tidak ada PIN yang dimasukkan.", "No PIN was given."),
    "cli.officer.bad_role": (
        "pilih admin, petugas atau pimpinan",
        "choose admin, petugas or pimpinan",
    ),
    "cli.officer.added": ("Petugas {nip} ditambahkan ({role}).", "Officer {nip} added ({role})."),
    "cli.officer.disabled": ("Petugas {nip} dinonaktifkan.", "Officer {nip} disabled."),
    "cli.officer.enabled": ("Petugas {nip} diaktifkan lagi.", "Officer {nip} enabled again."),
    "cli.officer.pin_set": ("PIN {nip} disimpan.", "PIN of {nip} saved."),
    "cli.unit.added": ("Unit {code} ditambahkan.", "Unit {code} added."),
    "cli.backup.working": ("Membuat cadangan…", "Backing up…"),
    "cli.backup.done": (
        "Cadangan {cases:,} kasus ditulis ke {path} ({mb:,.1f} MB).",
        "Backup of {cases:,} cases written to {path} ({mb:,.1f} MB).",
    ),
    "cli.restore.working": ("Memulihkan…", "Restoring…"),
    "cli.restore.done": (
        "{cases:,} kasus dipulihkan dari {path}. Isi sebelumnya disimpan di {kept}.",
        "{cases:,} cases restored from {path}. The previous content is saved in {kept}.",
    ),
    "cli.audit.intact": (
        "Rantai audit utuh: {entries:,} entri.",
        "The audit chain is intact: {entries:,} entries.",
    ),
    "cli.audit.broken": (
        "Rantai audit RUSAK mulai entri {seq}: {problem}",
        "The audit chain is BROKEN from entry {seq}: {problem}",
    ),
    "cli.audit.title": ("Log audit (terbaru dulu)", "Audit log (newest first)"),
    "cli.audit.col.at": ("waktu (UTC)", "time (UTC)"),
    "cli.audit.col.action": ("tindakan", "action"),
    "dialog.hint.pin": ("Enter masuk · Esc kembali", "Enter signs in · Esc goes back"),
    "picker.pin_title": ("PIN untuk {name}", "PIN for {name}"),
    "cli.demo_created": ("Basis data demo dibuat di {path}", "Demo database created at {path}"),
    "cli.database_error": ("galat basis data: {error}", "database error: {error}"),
    "cli.check.checking": (
        "Memeriksa {path} (basis data besar butuh waktu)…",
        "Checking {path} (a large database takes a while)…",
    ),
    "cli.check.status": ("status", "status"),
    "cli.check.segments": ("segmen indeks pencarian", "search index segments"),
    "cli.check.segments_advice": (
        " (jalankan `desk db optimize` agar pencarian lebih cepat)",
        " (run `desk db optimize` for faster searches)",
    ),
    "cli.optimize.working": ("Merapikan indeks pencarian…", "Merging the search index…"),
    "cli.optimize.done": (
        "Indeks pencarian: {before} segmen menjadi {after} ({seconds} detik).",
        "Search index: {before} segments merged into {after} ({seconds} s).",
    ),
    "cli.check.healthy": ("sehat", "healthy"),
    "cli.check.problems_found": ("ADA MASALAH", "PROBLEMS FOUND"),
    "cli.check.schema": ("versi skema", "schema version"),
    "cli.check.upgrade_note": (
        " (diperbarui saat desk membukanya lagi)",
        " (upgraded when desk next opens it)",
    ),
    "cli.check.size": ("ukuran", "size"),
    "cli.check.problem": ("masalah: {problem}", "problem: {problem}"),
    "cli.check.integrity": ("integritas: {detail}", "integrity: {detail}"),
    "cli.check.indexes_missing": (
        "{count} indeks tidak ada ({names}), mis. dari impor besar yang terhenti: "
        "desk db optimize membangunnya kembali",
        "{count} indexes are missing ({names}), e.g. left by a large import that was stopped: "
        "desk db optimize builds them again",
    ),
    "cli.check.too_new": (
        "versi skema {version} lebih baru daripada desk ini ({known})",
        "schema version {version} is newer than this desk ({known})",
    ),
    "cli.check.search_index": ("indeks pencarian: {detail}", "search index: {detail}"),
    "cli.check.audit": ("log audit: {detail}", "audit log: {detail}"),
    "cli.seed.progress": ("mengisi", "seeding"),
    "cli.seed.done": (
        "{cases} kasus, {events} peristiwa, {units} unit dan {officers} petugas ditambahkan "
        "ke {path} dalam {seconds} dtk.",
        "Seeded {cases} cases, {events} events, {units} units and {officers} officers into "
        "{path} in {seconds} s.",
    ),
    "seed.refused.role": (
        "Mengisi data contoh ke basis data yang sudah dipakai hanya boleh oleh admin; "
        "{nip} berperan {role}.",
        "Only an admin may seed a database that is in use; {nip} is a {role}.",
    ),
    "seed.refused.nobody": (
        "Basis data ini sudah punya petugas: mengisi data contoh ke dalamnya hanya boleh oleh "
        "admin; sebutkan --as NIP seorang admin (atau pakai --db berkas baru).",
        "This database already has officers: only an admin may seed it; say --as NIP of an "
        "admin (or use --db with a new file).",
    ),
    "cli.holidays.unknown_unit": (
        "{file}: unit {unit} tidak dikenal untuk {day}; lihat 'desk unit list'.",
        "{file}: unknown unit {unit} for {day}; see 'desk unit list'.",
    ),
    "cli.holidays.stored": (
        "{count} hari libur daerah disimpan dari {file}.",
        "{count} regional holidays stored from {file}.",
    ),
    "cli.holidays.title": ("Hari libur {year}", "Holidays {year}"),
    "cli.col.day": ("tanggal", "date"),
    "cli.col.holiday": ("nama", "name"),
    "cli.col.kind": ("jenis", "kind"),
    "cli.holidays.national": ("nasional", "national"),
    "cli.holidays.regional": ("daerah", "regional"),
    "storage.busy": (
        "Basis data {path} sedang dipakai: desk atau perintah lain sedang menulis. Coba lagi.",
        "The database {path} is busy: another desk or command is writing to it. Try again.",
    ),
    "storage.full": (
        "Disk tempat {path} penuh: kosongkan ruang; tidak ada yang disimpan.",
        "The disk holding {path} is full: free some space; nothing was saved.",
    ),
    "storage.not_database": (
        "{path} bukan basis data desk atau rusak ({error}).",
        "{path} is not a desk database or is damaged ({error}).",
    ),
    "storage.read_only": (
        "Basis data {path} hanya-baca: periksa izin berkasnya.",
        "The database {path} is read-only: check its file permissions.",
    ),
    "storage.cannot_open": (
        "Tidak dapat membuka {path}: pastikan foldernya ada dan dapat ditulisi.",
        "Cannot open {path}: check that the folder exists and is writable.",
    ),
    "storage.no_folder": (
        "Tidak dapat membuat {path}: folder {folder} tidak ada.",
        "Cannot create {path}: the folder {folder} does not exist.",
    ),
    "storage.too_new": (
        "{path} memakai skema versi {version}, padahal desk ini hanya mengenal sampai versi "
        "{known}: perbarui desk untuk membukanya.",
        "{path} uses schema version {version}, but this desk knows only up to version {known}: "
        "upgrade desk to open it.",
    ),
    "storage.the_database": ("basis data", "the database"),
    "storage.other": ("Galat basis data di {path}: {error}", "Database error in {path}: {error}"),
    "refuse.gone": (
        "Kasus {ref} sudah dipindahkan ke unit kantor lain di sistem pusat: salinan di sini "
        "hanya untuk dibaca.",
        "Case {ref} was moved to another office's units on the central system: the copy here is "
        "read-only.",
    ),
    "stale": (
        "Kasus {ref} sudah berubah sejak dibuka (versi {seen} → {now}): muat ulang lalu coba lagi.",
        "Case {ref} changed since it was opened (version {seen} → {now}): reload and try again.",
    ),
    # case screen, dialogs and reply composer (screens/case_detail.py, screens/reply.py)
    "case.loading": ("Memuat kasus…", "Loading the case…"),
    "case.anonymous": ("Anonim", "Anonymous"),
    "case.confidential": ("Rahasia", "Confidential"),
    "case.reporter": ("Pelapor", "Reporter"),
    "case.actor.officer": ("Petugas", "Officer"),
    "case.actor.system": ("Sistem", "System"),
    "case.actor.reporter": ("Pelapor", "Reporter"),
    "case.actor.import": ("Impor", "Import"),
    "case.event.received": ("laporan diterima", "report received"),
    "case.event.duplicate": ("(duplikat)", "(duplicate)"),
    "case.section.details": ("Rincian", "Details"),
    "case.section.reporter": ("Pelapor", "Reporter"),
    "case.section.attachments": ("Lampiran", "Attachments"),
    "case.section.duplicates": ("Kemungkinan duplikat", "Possible duplicates"),
    "case.section.timeline": ("Riwayat", "Timeline"),
    "case.field.classification": ("Klasifikasi", "Classification"),
    "case.field.category": ("Kategori", "Category"),
    "case.field.subcategory": ("Sub-kategori", "Subcategory"),
    "case.field.channel": ("Kanal", "Channel"),
    "case.field.location": ("Lokasi", "Location"),
    "case.field.incident": ("Tanggal kejadian", "Incident date"),
    "case.field.received": ("Diterima", "Received"),
    "case.field.unit": ("Unit", "Unit"),
    "case.field.assignee": ("Petugas", "Assigned to"),
    "case.field.duplicate_of": ("Duplikat dari", "Duplicate of"),
    "case.field.name": ("Nama", "Name"),
    "case.field.nik": ("NIK", "NIK"),
    "case.field.phone": ("Telepon", "Phone"),
    "case.field.email": ("Email", "E-mail"),
    "case.field.address": ("Alamat", "Address"),
    "case.no_clock": ("tidak ada batas waktu berjalan", "no clock running"),
    "case.no_attachments": ("Tidak ada lampiran.", "No attachments."),
    "case.no_duplicates": ("Tidak ada kasus serupa.", "No similar cases."),
    "case.no_actions": (
        "Anda hanya dapat membaca kasus ini.",
        "You can only read this case.",
    ),
    "case.dup.reporter": ("pelapor sama", "same reporter"),
    "case.dup.text": ("teks mirip", "similar text"),
    "case.public": ("Publik", "Public"),
    "case.internal": ("Internal", "Internal"),
    "case.done": ("{ref}: {action} berhasil.", "{ref}: {action} done."),
    "case.verify.title": ("Verifikasi {ref} dan disposisi ke unit", "Verify {ref}, dispose to"),
    "case.dispose.title": ("Disposisi ulang {ref} ke unit", "Dispose {ref} again, to"),
    "case.return.title": ("Kembalikan {ref}: Bukan Wewenang", "Return {ref}: not our authority"),
    "case.return.prompt": (
        "Alasan: mengapa bukan wewenang unit ini? Sebutkan instansi yang berwenang bila tahu.",
        "Reason: why is this not the unit's authority? Name the right institution if known.",
    ),
    "case.hold.title": ("Tunda {ref}", "Put {ref} on hold"),
    "case.hold.prompt": (
        "Data apa yang kurang? Pelapor akan diminta melengkapinya.",
        "What data is missing? The reporter will be asked for it.",
    ),
    "case.note.title": ("Catatan internal {ref}", "Internal note on {ref}"),
    "case.note.prompt": (
        "Hanya terlihat oleh petugas, tidak oleh pelapor.",
        "Seen by officers only, never by the reporter.",
    ),
    "case.reporter_reply.title": ("Tanggapan pelapor {ref}", "Reporter's reply on {ref}"),
    "case.reporter_reply.prompt": (
        "Tulis tanggapan pelapor yang diterima di luar LAPOR! (telepon, loket, surat).",
        "Write the reply the reporter gave outside LAPOR! (phone, counter, letter).",
    ),
    "case.reopen.title": ("Buka kembali {ref}", "Reopen {ref}"),
    "case.reopen.prompt": ("Alasan membuka kembali:", "Why reopen it:"),
    "case.archive.title": ("Arsipkan {ref}", "Archive {ref}"),
    "case.archive.prompt": (
        "Alasan (spam, duplikat, di luar lingkup):",
        "Reason (spam, duplicate, out of scope):",
    ),
    "case.assign.title": (
        "Tugaskan {ref} ke petugas {unit}",
        "Assign {ref} to an officer of {unit}",
    ),
    "case.no_assignees": (
        "Unit {unit} tidak punya petugas aktif untuk ditugaskan.",
        "Unit {unit} has no active officer to assign.",
    ),
    "case.no_units": ("Tidak ada unit lain untuk disposisi.", "No other unit to dispose to."),
    "case.close.confirm": ("Tutup kasus {ref}?", "Close case {ref}?"),
    "case.resume.confirm": (
        "Lanjutkan {ref} dari tunda (data sudah lengkap)?",
        "Resume {ref} from hold (the data is complete)?",
    ),
    "case.restore.confirm": ("Pulihkan {ref} dari arsip?", "Restore {ref} from the archive?"),
    "case.duplicate.confirm": (
        "Arsipkan {ref} sebagai duplikat dari {other}?",
        "Archive {ref} as a duplicate of {other}?",
    ),
    "case.reply_sent": ("{ref}: tindak lanjut terkirim.", "{ref}: follow-up sent."),
    "dialog.required": ("Wajib diisi.", "Required."),
    "dialog.hint.line": ("Enter: simpan · Esc: batal", "Enter: save · Esc: cancel"),
    "dialog.hint.text": (
        "Ctrl+S atau Ctrl+J: simpan · Esc: batal",
        "Ctrl+S or Ctrl+J: save · Esc: cancel",
    ),
    "dialog.hint.pick": (
        "Ketik untuk menyaring · ↑↓ pilih · Enter: ambil · Esc: batal",
        "Type to filter · ↑↓ move · Enter: choose · Esc: cancel",
    ),
    "dialog.hint.confirm": ("y: ya · n: tidak", "y: yes · n: no"),
    "dialog.filter": ("saring…", "filter…"),
    "dialog.no_match": ("Tidak ada yang cocok.", "Nothing matches."),
    "dialog.working": ("Menyimpan…", "Saving…"),
    "dialog.unit.title": ("Pilih unit", "Choose a unit"),
    "dialog.assignee.title": ("Pilih petugas", "Choose an officer"),
    "dialog.confirm.title": ("Konfirmasi", "Confirm"),
    "reply.title": ("Tindak lanjut {ref}", "Follow-up on {ref}"),
    "reply.templates": ("Templat", "Templates"),
    "reply.empty": (
        "Balasan masih kosong: tulis dulu isinya.",
        "The reply is empty: write it first.",
    ),
    "reply.replace": (
        "Ganti teks yang sudah ditulis dengan templat '{title}'?",
        "Replace what you wrote with the template '{title}'?",
    ),
    "reply.draft_restored": ("Draf tersimpan dimuat ({at}).", "Saved draft restored ({at})."),
    "reply.draft_saved": ("draf tersimpan {at}", "draft saved {at}"),
    "reply.hint": (
        "Shift+Tab: templat · Ctrl+J/Alt+Enter: periksa & kirim",
        "Shift+Tab: templates · Ctrl+J/Alt+Enter: review & send",
    ),
    "reply.review.title": ("Periksa sebelum mengirim: {ref}", "Review before sending: {ref}"),
    "reply.review.to": ("Kepada: {recipient}", "To: {recipient}"),
    "reply.review.public": (
        "Balasan ini publik: dikirim ke pelapor dan tampil di LAPOR!.",
        "This reply is public: it goes to the reporter and shows on LAPOR!.",
    ),
    "reply.review.hint": (
        "y: kirim · e: ubah lagi · n: jangan kirim sekarang (draf disimpan)",
        "y: send · e: edit again · n: not now (draft kept)",
    ),
    "binding.back": ("Kembali", "Back"),
    "binding.reload": ("Muat ulang", "Reload"),
    "binding.verify": ("Disposisi", "Dispose"),
    "binding.return": ("Bukan Wewenang", "Not ours"),
    "binding.hold": ("Tunda", "Hold"),
    "binding.resume": ("Lanjutkan", "Resume"),
    "binding.note": ("Catatan", "Note"),
    "binding.assign": ("Tugaskan", "Assign"),
    "binding.close": ("Tutup", "Close"),
    "binding.reopen": ("Buka lagi", "Reopen"),
    "binding.archive": ("Arsipkan", "Archive"),
    "binding.restore": ("Pulihkan", "Restore"),
    "binding.reply": ("Balas", "Reply"),
    "binding.reporter_reply": ("Tanggapan pelapor", "Reporter reply"),
    "binding.duplicate": ("Duplikat", "Duplicate"),
    "binding.review": ("Periksa & kirim", "Review & send"),
    "binding.save": ("Simpan", "Save"),
    "binding.cancel": ("Batal", "Cancel"),
    "binding.yes": ("Ya", "Yes"),
    "binding.no": ("Tidak", "No"),
    "binding.send": ("Kirim", "Send"),
    "binding.edit": ("Ubah", "Edit"),
    "binding.not_now": ("Jangan kirim", "Not now"),
}


def extend(texts: dict[str, tuple[str, str]]) -> None:
    """Add a feature's own texts (kept beside the feature) to the catalog; keys must be new."""
    clashing = sorted(set(texts) & set(CATALOG))
    if clashing:
        raise ValueError(f"text keys already defined: {', '.join(clashing)}")
    CATALOG.update(texts)
