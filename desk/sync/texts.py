"""The texts of sync (CLI and TUI), registered with the desk's catalog once on import."""

from __future__ import annotations

from desk.i18n import CATALOG, action_label, extend, status_label, t

TEXTS: dict[str, tuple[str, str]] = {
    "sync.remote_admin_only": (
        "Hanya admin yang boleh mengganti server pusat (Anda: {role}).",
        "Only an admin may change the central server (you are: {role}).",
    ),
    "sync.plain_http_refused": (
        "{url} memakai http:// tanpa enkripsi ke alamat di luar jaringan lokal: token kantor dan "
        "setiap pengaduan akan terbaca di jalan. Pakai https://, atau --allow-http bila memang "
        "sengaja.",
        "{url} is plain http:// to an address beyond local networks: the office token and every "
        "complaint could be read on the way. Use https://, or --allow-http if you really mean it.",
    ),
    "sync.plain_http_warning": (
        "Peringatan: {url} tanpa enkripsi (http://); token dan pengaduan dapat terbaca di jalan.",
        "Warning: {url} is not encrypted (http://); the token and complaints can be read on the "
        "way.",
    ),
    "sync.no_remote": (
        "Belum ada server pusat untuk basis data ini: jalankan 'desk remote set URL "
        "--token-file PATH'.",
        "No central server is set for this database: run 'desk remote set URL --token-file PATH'.",
    ),
    "sync.no_token": (
        "Token kantor belum disimpan ({path}): jalankan 'desk remote set URL --token-file PATH'.",
        "The office token is not stored ({path}): run 'desk remote set URL --token-file PATH'.",
    ),
    "sync.token_refused": (
        "Server menolak token kantor (salah atau dicabut). Tidak ada yang dikirim lagi; antrean "
        "kirim tetap utuh. Minta token baru ke admin pusat, lalu 'desk remote set'.",
        "The server refused the office token (wrong or revoked). Nothing more was sent; the "
        "outbox is intact. Ask the central admin for a new token, then run 'desk remote set'.",
    ),
    "sync.bad_request": (
        "Server tidak dapat membaca permintaan ({code}): {message}",
        "The server cannot read the request ({code}): {message}",
    ),
    "sync.unreachable": (
        "Server {url} tidak dapat dihubungi ({reason}; dicoba {seconds} dtk). Yang belum "
        "terkirim tetap di antrean; periksa jaringan atau alamat server ('desk remote show').",
        "The server {url} cannot be reached ({reason}; tried for {seconds} s). Everything "
        "unsent stays in the outbox; check the network or the server's address "
        "('desk remote show').",
    ),
    "sync.unreachable.timeout": ("tidak ada jawaban", "no answer"),
    "sync.unreachable.name": ("nama server tidak dikenal", "unknown server name"),
    "sync.unreachable.refused": ("koneksi ditolak", "connection refused"),
    "sync.unreachable.other": ("koneksi gagal: {detail}", "connection failed: {detail}"),
    "sync.answer_too_large": (
        "Jawaban server lebih besar dari {limit} MB, dan tidak ada jawaban server desk yang "
        "sebesar itu: pembacaannya dihentikan. Periksa alamat server ('desk remote show').",
        "The server's answer is larger than {limit} MB, which no desk server's answer is: "
        "reading it was stopped. Check the server's address ('desk remote show').",
    ),
    "sync.link_failed": (
        "Koneksi ke server gagal setelah {attempts} percobaan ({reason}). Yang belum terkirim "
        "tetap di antrean; coba lagi nanti.",
        "The link to the server failed after {attempts} attempts ({reason}). Everything unsent "
        "stays in the outbox; try again later.",
    ),
    "sync.too_large": (
        "Satu operasi terlalu besar untuk server ({op}).",
        "One operation is too large for the server ({op}).",
    ),
    "sync.bad_url": (
        "Alamat server '{url}' tidak bisa dipakai: harus http:// atau https://.",
        "The server address '{url}' cannot be used: it must be http:// or https://.",
    ),
    "sync.token_file": (
        "Tidak bisa membaca token dari {path}: {reason}.",
        "Cannot read the token from {path}: {reason}.",
    ),
    "sync.token_empty": (
        "Berkas token {path} kosong atau berisi lebih dari satu baris.",
        "The token file {path} is empty or holds more than one line.",
    ),
    "sync.remote_saved": (
        "Server pusat disimpan: {url} (token di {path}, hanya bisa dibaca pemilik).",
        "Central server saved: {url} (token in {path}, readable by its owner only).",
    ),
    "sync.remote_unchecked": (
        "Server belum bisa dihubungi: token akan diperiksa saat sinkron pertama.",
        "The server cannot be reached now: the token will be checked at the first sync.",
    ),
    "sync.remote_office": (
        "Token diterima: kantor {office} (unit: {units}).",
        "Token accepted: office {office} (units: {units}).",
    ),
    "sync.remote_url": ("Server pusat: {url}", "Central server: {url}"),
    "sync.remote_none": ("Server pusat: belum diatur", "Central server: not set"),
    "sync.token_set": ("Token: tersimpan ({path})", "Token: stored ({path})"),
    "sync.token_unset": ("Token: belum ada", "Token: not stored"),
    "sync.both_only": (
        "Pilih --pull-only atau --push-only, tidak keduanya.",
        "Choose --pull-only or --push-only, not both.",
    ),
    "sync.phase.push": ("Mengirim", "Sending"),
    "sync.phase.pull": ("Mengambil", "Fetching"),
    "sync.phase.wait": (
        "Menunggu {seconds} dtk sebelum mencoba lagi",
        "Waiting {seconds} s to retry",
    ),
    "sync.summary": (
        "Sinkron {outcome}: {sent} operasi dikirim ({applied} diterapkan, {duplicate} sudah ada, "
        "{conflict} konflik, {rejected} ditolak), {pulled} perubahan diambil, {pending} masih di "
        "antrean; {requests} permintaan, {up} naik / {down} turun, {retries} ulangan, "
        "{seconds} dtk.",
        "Sync {outcome}: {sent} operations sent ({applied} applied, {duplicate} already there, "
        "{conflict} conflicts, {rejected} rejected), {pulled} changes pulled, {pending} still in "
        "the outbox; {requests} requests, {up} up / {down} down, {retries} retries, {seconds} s.",
    ),
    "sync.outcome.ok": ("selesai", "done"),
    "sync.outcome.partial": ("sebagian", "partial"),
    "sync.outcome.failed": ("gagal", "failed"),
    "sync.outcome.running": ("terputus", "interrupted"),
    # A pulled case whose tracking number a desk-only record (a local import) already holds.
    "sync.numbers_held": (
        "{count} kasus dari pusat disimpan tanpa nomor pelacakannya, karena kasus lain di desk "
        "ini sudah memakai nomor itu ({numbers}): cari nomornya, lalu arsipkan salinan yang "
        "ganda sebagai duplikat.",
        "{count} cases from the central system were stored without their tracking number, "
        "because another case on this desk already holds it ({numbers}): look the number up, "
        "then archive the extra copy as a duplicate.",
    ),
    "sync.numbers_held.one": (
        "{count} kasus dari pusat disimpan tanpa nomor pelacakannya, karena kasus lain di desk "
        "ini sudah memakai nomor itu ({numbers}): cari nomornya, lalu arsipkan salinan yang "
        "ganda sebagai duplikat.",
        "{count} case from the central system was stored without its tracking number, "
        "because another case on this desk already holds it ({numbers}): look the number up, "
        "then archive the extra copy as a duplicate.",
    ),
    "sync.conflicts_hint": (
        "{count} kasus berkonflik: lihat 'desk sync conflicts', pilih dengan 'desk sync resolve "
        "NOMOR --keep mine|theirs'.",
        "{count} cases in conflict: see 'desk sync conflicts', choose with 'desk sync resolve "
        "NUMBER --keep mine|theirs'.",
    ),
    "sync.conflicts_hint.one": (
        "{count} kasus berkonflik: lihat 'desk sync conflicts', pilih dengan 'desk sync resolve "
        "NOMOR --keep mine|theirs'.",
        "{count} case in conflict: see 'desk sync conflicts', choose with 'desk sync resolve "
        "NUMBER --keep mine|theirs'.",
    ),
    "sync.refused_op": ("  {case} {kind}: {reason}", "  {case} {kind}: {reason}"),
    "sync.log_empty": ("Belum pernah sinkron.", "Never synced yet."),
    "sync.conflicts_none": ("Tidak ada konflik.", "No conflicts."),
    "sync.col.started": ("Mulai (UTC)", "Started (UTC)"),
    "sync.col.direction": ("Arah", "Dir"),
    "sync.col.requests": ("Req", "Req"),
    "sync.col.up": ("Naik", "Up"),
    "sync.col.down": ("Turun", "Down"),
    "sync.col.retries": ("Ulang", "Retry"),
    "sync.col.ops": ("Op", "Ops"),
    "sync.col.pulled": ("Ambil", "Pulled"),
    "sync.col.seconds": ("Dtk", "Sec"),
    "sync.col.outcome": ("Hasil", "Outcome"),
    "sync.rejected_none": ("Tidak ada operasi yang ditolak.", "No rejected operations."),
    "sync.col.reason": ("Alasan", "Reason"),
    "sync.col.case": ("Kasus", "Case"),
    "sync.col.fields": ("Bidang", "Fields"),
    "sync.col.mine": ("Versi saya", "Mine"),
    "sync.col.theirs": ("Versi pusat", "Theirs"),
    "sync.col.op": ("Operasi", "Operation"),
    "sync.not_in_conflict": (
        "Kasus {ref} tidak sedang berkonflik.",
        "Case {ref} is not in conflict.",
    ),
    "sync.keep_choice": (
        "Pilih --keep mine atau --keep theirs.",
        "Choose --keep mine or --keep theirs.",
    ),
    "sync.resolved_theirs": (
        "{ref}: versi pusat dipakai; {count} operasi lokal dibatalkan (tetap tercatat).",
        "{ref}: the central version is kept; {count} local operations dropped (still recorded).",
    ),
    "sync.resolved_mine": (
        "{ref}: tindakan Anda diulang di atas versi pusat ({count} operasi baru di antrean).",
        "{ref}: your action is redone on the central version ({count} new operations queued).",
    ),
    "sync.cannot_redo": (
        "Operasi '{kind}' tidak bisa diulang di desk; pilih --keep theirs.",
        "The operation '{kind}' cannot be redone at the desk; choose --keep theirs.",
    ),
    "binding.sync": ("Sinkron", "Sync"),
    "binding.sync_conflicts": ("Konflik sinkron", "Sync conflicts"),
    "binding.sync_keep_mine": ("Pakai versi saya", "Keep mine"),
    "binding.sync_keep_theirs": ("Pakai versi pusat", "Keep theirs"),
    "sync.status.progress": ("sinkron: {phase} {done}", "sync: {phase} {done}"),
    "sync.status.running": ("sinkron…", "syncing…"),
    "sync.status.failed": ("sinkron gagal", "sync failed"),
    "sync.status.conflicts": ("konflik: {count}", "conflicts: {count}"),
    "sync.gone": ("di luar cakupan kantor ini ({reason})", "out of this office's scope ({reason})"),
    # -- refusals, outcomes already in place, honest conflicts (issue 14) ----------------------
    "sync.op.create": ("catat laporan baru", "record a new complaint"),
    "sync.op.attach": ("lampirkan berkas", "attach a file"),
    "sync.draft.tindak_lanjut": ("tindak lanjut", "follow-up"),
    "sync.draft.catatan": ("catatan", "note"),
    "sync.draft.tanggapan_pelapor": ("tanggapan pelapor", "reporter's reply"),
    "sync.draft.alasan": ("alasan", "reason"),
    "sync.draft_how.tindak_lanjut": (
        "tekan r untuk memeriksa dan mengirimnya lagi",
        "press r to review and send it again",
    ),
    "sync.draft_how.catatan": (
        "tekan n: catatan baru dimulai dengan teks itu",
        "press n: a new note starts with it",
    ),
    "sync.draft_how.tanggapan_pelapor": (
        "tekan R: isian tanggapan pelapor dimulai dengan teks itu",
        "press R: the reporter's reply starts with it",
    ),
    "sync.draft_how.alasan": (
        "isian alasan berikutnya dimulai dengan teks itu",
        "the next reason you write starts with it",
    ),
    "sync.same_reason": ("sudah dilakukan di pusat", "already done centrally"),
    "sync.conflict_reason": ("konflik: {fields}", "conflict: {fields}"),
    "sync.result.rejected": ("ditolak", "refused"),
    "sync.result.conflict": ("konflik", "conflict"),
    "sync.result.same": ("sudah ada di pusat", "already done centrally"),
    "sync.refused_undone": ("kasus kembali ke data pusat", "the case is back to the central copy"),
    "sync.refused_local": (
        "kasus ini hanya ada di desk ini; tidak ada yang dibatalkan",
        "this case exists only on this desk; nothing was undone",
    ),
    "sync.refused_draft": (
        "teks Anda disimpan sebagai draf {draft}",
        "your text is kept as a {draft} draft",
    ),
    "sync.refused_draft_of": (
        "teksnya disimpan sebagai draf {draft} milik petugas {nip}",
        "the text is kept as a {draft} draft of officer {nip}",
    ),
    "sync.audit_alarm": (
        "PERINGATAN: server pusat mencatat bahwa log audit meja ini tidak lagi memuat entri "
        "{seq} yang disaksikannya pada {at} (dihapus atau diubah). Periksa dengan "
        "'desk audit verify' dan laporkan ke admin pusat.",
        "WARNING: the central system has recorded that this desk's audit log no longer holds "
        "entry {seq} it witnessed at {at} (deleted or changed). Check with 'desk audit verify' "
        "and tell the central admin.",
    ),
    "sync.refused_hint": (
        "Tindakan yang ditolak pusat: 'desk sync rejected'; teksnya ada di draf kasusnya.",
        "Actions the central system refused: 'desk sync rejected'; their text is in the case's "
        "drafts.",
    ),
    "sync.keep_mine_refused": (
        "{ref}: tindakan Anda tidak bisa diulang di atas versi pusat ({reason}). Konflik tetap; "
        "pilih 'pakai versi pusat': teks Anda disimpan sebagai draf.",
        "{ref}: your action cannot be redone on the central version ({reason}). The conflict "
        "stays; choose 'keep theirs': your text is kept as a draft.",
    ),
    "sync.keep_mine_impossible": (
        "Pakai versi saya tidak bisa: {reason}",
        "Keep mine is not possible: {reason}",
    ),
    "sync.keep_theirs_text": (
        "Pakai versi pusat menyimpan teks Anda sebagai draf ({drafts}).",
        "Keep theirs keeps your text as a draft ({drafts}).",
    ),
    "sync.resolved_theirs_drafts": (
        "{ref}: versi pusat dipakai; {count} operasi lokal dibatalkan (tetap tercatat); teks "
        "Anda disimpan sebagai draf ({drafts}).",
        "{ref}: the central version is kept; {count} local operations dropped (still recorded); "
        "your text is kept as a draft ({drafts}).",
    ),
    "sync.field.status": ("Status", "Status"),
    "sync.field.unit_code": ("Unit", "Unit"),
    "sync.field.assignee_nip": ("Petugas", "Assignee"),
    "sync.field.duplicate_of": ("Duplikat dari", "Duplicate of"),
    "sync.col.draft": ("Draf", "Draft"),
    "sync.col.result": ("Hasil", "Result"),
    "sync.status.notices": ("ditolak pusat: {count}", "refused centrally: {count}"),
    "sync.notice.title": (
        "Sistem pusat tidak menerima tindakan berikut pada kasus ini:",
        "The central system did not take these actions on this case:",
    ),
    "sync.notice.line": (
        "{action} ({at}, {nip}): {result}: {reason}",
        "{action} ({at}, {nip}): {result}: {reason}",
    ),
    "sync.notice.dismiss": ("c: tutup pemberitahuan ini", "c: dismiss this notice"),
    "binding.dismiss_notices": ("Tutup pemberitahuan", "Dismiss notices"),
}

extend(TEXTS)


def op_label(kind: str) -> str:
    """An operation's kind as an officer reads it (the actions, and create and attach)."""
    if kind in ("create", "attach"):
        return t(f"sync.op.{kind}")
    return action_label(kind)


def draft_label(kind: str) -> str:
    """A kind of draft (desk/drafts.py) as an officer reads it."""
    key = f"sync.draft.{kind}"
    return t(key) if key in CATALOG else kind


def draft_how(kind: str) -> str:
    """Where the officer finds a draft of that kind again."""
    key = f"sync.draft_how.{kind}"
    return t(key) if key in CATALOG else ""


def field_label(name: str) -> str:
    key = f"sync.field.{name}"
    return t(key) if key in CATALOG else name


def field_value(name: str, value: object) -> str:
    """A field's value as an officer reads it (a status by its label)."""
    if value in (None, ""):
        return "-"
    if name == "status":
        return status_label(str(value))
    return str(value)
