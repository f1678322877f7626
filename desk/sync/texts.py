"""The texts of sync (CLI and TUI), registered with the desk's catalog once on import."""

from __future__ import annotations

from desk.i18n import extend

TEXTS: dict[str, tuple[str, str]] = {
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
    "sync.conflicts_hint": (
        "{count} kasus berkonflik: lihat 'desk sync conflicts', pilih dengan 'desk sync resolve "
        "NOMOR --keep mine|theirs'.",
        "{count} cases in conflict: see 'desk sync conflicts', choose with 'desk sync resolve "
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
}

extend(TEXTS)
