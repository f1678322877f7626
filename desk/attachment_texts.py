"""The texts of attachments (store, CLI, TUI, sync), registered with the catalog once on import."""

from __future__ import annotations

from desk.i18n import CATALOG, extend

TEXTS: dict[str, tuple[str, str]] = {
    "att.no_file": ("Berkas tidak ditemukan: {path}", "No such file: {path}"),
    "att.unreadable": (
        "Berkas tidak dapat dibaca ({path}): {reason}",
        "The file cannot be read ({path}): {reason}",
    ),
    "att.empty": ("Berkas kosong: {path}", "The file is empty: {path}"),
    "att.too_large": (
        "Berkas terlalu besar ({path}): lebih dari {limit}. Perkecil foto atau pindai dengan "
        "resolusi lebih rendah.",
        "The file is too large ({path}): over {limit}. Shrink the photo or scan at a lower "
        "resolution.",
    ),
    "att.bad_type": (
        "Jenis berkas tidak diterima ({path}): isinya bukan gambar (JPEG, PNG, GIF, WebP, HEIC), "
        "PDF, atau dokumen kantor (DOC, DOCX, XLS, XLSX, ODT, ODS).",
        "This kind of file is not accepted ({path}): its content is not an image (JPEG, PNG, "
        "GIF, WebP, HEIC), a PDF or an office document (DOC, DOCX, XLS, XLSX, ODT, ODS).",
    ),
    "att.already": (
        "{name} sudah terlampir pada {case} (berkas yang sama).",
        "{name} is already attached to {case} (the same file).",
    ),
    "att.no_store": (
        "Lampiran butuh basis data dalam berkas (bukan di memori).",
        "Attachments need a database in a file (not in memory).",
    ),
    "att.missing": (
        "Berkas lampiran {name} tidak ada di penyimpanan ({path}).",
        "The attached file {name} is not in the store ({path}).",
    ),
    "att.corrupt": (
        "Berkas lampiran {name} rusak: isinya tidak cocok dengan sidik sha256 ({path}).",
        "The attached file {name} is corrupt: its content does not match its sha256 ({path}).",
    ),
    "att.not_found": (
        "{case} tidak punya lampiran {which}.",
        "{case} has no attachment {which}.",
    ),
    "att.attached": (
        "{name} ({size}, {type}) dilampirkan pada {case}.",
        "{name} ({size}, {type}) attached to {case}.",
    ),
    "att.state.here": ("ada", "here"),
    "att.state.pending": ("menunggu unduhan", "pending download"),
    "att.state.uploading": ("menunggu unggah", "pending upload"),
    "att.state.missing": ("HILANG", "MISSING"),
    "att.state.corrupt": ("RUSAK", "CORRUPT"),
    "att.none": ("Tidak ada lampiran.", "No attachments."),
    "att.col.name": ("Nama", "Name"),
    "att.col.size": ("Ukuran", "Size"),
    "att.col.type": ("Jenis", "Type"),
    "att.col.state": ("Berkas", "File"),
    "att.col.added": ("Ditambahkan", "Added"),
    "att.event": ("Lampiran ditambahkan", "Attachment added"),
    "att.open_none": ("Kasus ini belum punya lampiran.", "This case has no attachments yet."),
    "att.no_viewer": (
        "Tidak ada penampil berkas di komputer ini. Berkasnya ada di: {path}",
        "No file viewer on this machine. The file is at: {path}",
    ),
    "att.opening": ("Membuka {name}…", "Opening {name}…"),
    "att.not_here": (
        "{name} belum diunduh: sinkronkan dengan --attachments all (atau anggaran lebih besar).",
        "{name} is not downloaded yet: sync with --attachments all (or a larger budget).",
    ),
    "att.add_title": ("Lampirkan berkas", "Attach a file"),
    "att.add_prompt": (
        "Jalur berkas (foto, PDF, dokumen):",
        "Path of the file (photo, PDF, document):",
    ),
    "sync.bad_attachments": (
        "--attachments harus none, small, atau all (bukan {value!r}).",
        "--attachments must be none, small or all (not {value!r}).",
    ),
    "sync.phase.files": ("Lampiran", "Attachments"),
    "sync.files_summary": (
        "Lampiran: {up} terunggah, {down} terunduh ({size}); {waiting} menunggu sinkronisasi "
        "berikutnya.",
        "Attachments: {up} uploaded, {down} downloaded ({size}); {waiting} wait for the next sync.",
    ),
    "case.event.attachment": ("lampiran ditambahkan", "attachment added"),
    "binding.open_attachment": ("Buka lampiran", "Open attachment"),
    "binding.attach": ("Lampirkan", "Attach"),
    "case.attached": ("{name} dilampirkan pada {ref}.", "{name} attached to {ref}."),
    "att.transfer_failed": (
        "Transfer lampiran {name} gagal: {reason}",
        "Transfer of attachment {name} failed: {reason}",
    ),
}

if "att.no_file" not in CATALOG:
    extend(TEXTS)
