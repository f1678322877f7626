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


def t(key: str, /, **values: object) -> str:
    """The text for `key` in the current language, with `values` filled in."""
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
    "stale": (
        "Kasus {ref} sudah berubah sejak dibuka (versi {seen} → {now}): muat ulang lalu coba lagi.",
        "Case {ref} changed since it was opened (version {seen} → {now}): reload and try again.",
    ),
}
