"""The export's own texts, Indonesian first, registered in the desk's catalog on import."""

from __future__ import annotations

from desk.i18n import extend

TEXTS: dict[str, tuple[str, str]] = {
    "export.action.personal": ("ekspor dengan data pribadi", "export with personal data"),
    "export.error.format": (
        "Format '{value}' tidak dikenal. Pilihan: {choices}.",
        "Unknown format '{value}'. Choose one of: {choices}.",
    ),
    "export.error.no_format": (
        "Tidak bisa menebak format dari '{name}': pakai --format {choices} "
        "atau akhiran .csv, .xlsx, .jsonl, .json.",
        "Cannot tell the format from '{name}': use --format {choices} "
        "or a name ending in .csv, .xlsx, .jsonl, .json.",
    ),
    "export.error.public_personal": (
        "--public dan --include-personal tidak bisa dipakai bersama: ekspor publik tidak "
        "memuat data pribadi.",
        "--public and --include-personal cannot be used together: a public export holds no "
        "personal data.",
    ),
    "export.error.delimiter": (
        "Pemisah '{value}' tidak bisa dipakai: pilih ; , | atau tab.",
        "Cannot use the delimiter '{value}': choose ; , | or tab.",
    ),
    "export.error.date": (
        "Tanggal '{value}' pada {option} tidak terbaca: tulis seperti 2026-03-01 atau 01/03/2026.",
        "Cannot read the date '{value}' in {option}: write it like 2026-03-01 or 01/03/2026.",
    ),
    "export.error.range": (
        "--since {since} jatuh sesudah --until {until}: tidak ada hari di antaranya.",
        "--since {since} is after --until {until}: no day lies between them.",
    ),
    "export.error.status": (
        "Status '{value}' tidak dikenal. Kode status: {codes}.",
        "Unknown status '{value}'. Status codes: {codes}.",
    ),
    "export.error.unit": (
        "Unit '{value}' tidak ada di basis data ini (lihat desk unit list).",
        "There is no unit '{value}' in this database (see desk unit list).",
    ),
    "export.error.write": (
        "Tidak bisa menulis {path}: {reason}. Tidak ada berkas yang dibuat.",
        "Cannot write {path}: {reason}. No file was made.",
    ),
    "export.error.full": ("disk penuh", "the disk is full"),
    "export.error.denied": ("tidak ada izin menulis di sana", "no permission to write there"),
    "export.error.read_only": ("disk hanya bisa dibaca", "the disk is read-only"),
    "export.error.directory": ("itu sebuah folder", "it is a folder"),
    "export.error.no_folder": ("folder {folder} tidak ada", "the folder {folder} does not exist"),
    "export.summary": (
        "{count} kasus diekspor ke {path} ({format}{privacy}).",
        "{count} cases exported to {path} ({format}{privacy}).",
    ),
    "export.summary.one": (
        "{count} kasus diekspor ke {path} ({format}{privacy}).",
        "{count} case exported to {path} ({format}{privacy}).",
    ),
    "export.summary.personal": (", dengan data pribadi", ", with personal data"),
    "export.summary.masked": (", data pribadi disamarkan", ", personal data masked"),
    "export.summary.public": (", publik", ", public"),
    "export.progress": ("Mengekspor", "Exporting"),
}

extend(TEXTS)
