"""Every text `desk import` shows, in Indonesian and English (registered with `desk.i18n`)."""

from __future__ import annotations

from desk.i18n import extend

TEXTS: dict[str, tuple[str, str]] = {
    # Files that cannot be read at all (exit status 2).
    "import.file.missing": ("{path}: berkas tidak ada", "{path}: no such file"),
    "import.file.unreadable": (
        "{path}: tidak bisa dibaca: {reason}",
        "{path}: cannot read: {reason}",
    ),
    "import.file.binary": (
        "{path}: berisi data biner, bukan CSV/TSV/XLSX/JSON",
        "{path}: contains binary data, not CSV/TSV/XLSX/JSON",
    ),
    "import.reader.stopped": (
        "{path}: proses pembaca berhenti sebelum akhir berkas (kode {code}); baris yang sudah "
        "tersimpan aman, jalankan impor lagi untuk melanjutkan",
        "{path}: the reading process stopped before the end of the file (code {code}); the rows "
        "already stored are safe, run the import again to go on",
    ),
    "import.reader.killed": (
        "{path}: proses pembaca dihentikan paksa sebelum akhir berkas (kehabisan memori?); baris "
        "yang sudah tersimpan aman, jalankan impor lagi untuk melanjutkan",
        "{path}: the reading process was killed before the end of the file (out of memory?); "
        "the rows already stored are safe, run the import again to go on",
    ),
    "import.file.empty": ("{path}: berkas kosong", "{path}: the file is empty"),
    "import.file.quote": (
        "{path}: tanda kutip tidak ditutup sebelum akhir berkas (berkas terpotong?)",
        "{path}: a quote is not closed before the end of the file (truncated file?)",
    ),
    "import.file.encoding": (
        "{path}: bukan teks {encoding} yang sah; sebutkan --encoding",
        "{path}: not valid {encoding} text; say --encoding",
    ),
    "import.file.mojibake": (
        '{path}: teks tampak rusak (mis. "{sample}") bila dibaca sebagai {encoding}; '
        "sebutkan --encoding yang benar",
        '{path}: the text looks garbled (e.g. "{sample}") when read as {encoding}; '
        "say the right --encoding",
    ),
    "import.file.no_header": (
        "{path}: baris judul kolom tidak ditemukan (tidak ada kolom nomor tiket)",
        "{path}: no header row found (no tracking-number column)",
    ),
    "import.file.sheet": (
        "{path}: lembar '{sheet}' tidak ada; yang ada: {sheets}",
        "{path}: no sheet '{sheet}'; the sheets are: {sheets}",
    ),
    "import.json.too_deep": ("bersarang terlalu dalam", "nested too deep"),
    "import.json.big_number": (
        "memuat bilangan lebih dari 4.300 digit, bukan nilai sebuah kolom",
        "holds a number of more than 4,300 digits, not a column's value",
    ),
    "import.file.json": ("{path}: JSON tidak sah: {reason}", "{path}: invalid JSON: {reason}"),
    "import.file.json_array": (
        "{path}: JSON harus berupa array objek",
        "{path}: JSON must be an array of objects",
    ),
    "import.file.xlsx": ("{path}: XLSX tidak sah: {reason}", "{path}: invalid XLSX: {reason}"),
    # Wrong options (exit status 2).
    "import.opt.format": (
        "format '{value}' tidak dikenal; pilihan: {choices}",
        "unknown format '{value}'; choose one of: {choices}",
    ),
    "import.opt.encoding": ("encoding '{value}' tidak dikenal", "unknown encoding '{value}'"),
    "import.opt.map": (
        "--map '{value}' harus berbentuk \"Judul Kolom=field\"",
        "--map '{value}' must look like \"Column Header=field\"",
    ),
    "import.opt.map_field": (
        "--map: field '{field}' tidak dikenal; pilihan: {choices}",
        "--map: unknown field '{field}'; choose one of: {choices}",
    ),
    "import.opt.on_error": (
        "--on-error harus skip atau abort",
        "--on-error must be skip or abort",
    ),
    "import.opt.errors": (
        "--errors: folder {folder} tidak ada",
        "--errors: the folder {folder} does not exist",
    ),
    "import.opt.sheet": (
        "--sheet hanya berlaku untuk XLSX",
        "--sheet applies to XLSX files only",
    ),
    # Permission.
    "import.refused.role": (
        "Impor hanya boleh oleh admin; {nip} berperan {role}.",
        "Only an admin may import; {nip} is a {role}.",
    ),
    "import.refused.nobody": (
        "Impor hanya boleh oleh admin: sebutkan --as NIP seorang admin.",
        "Only an admin may import: say --as NIP of an admin.",
    ),
    "import.aborted": (
        "{path} baris {row}: {reason}; impor berkas ini dibatalkan (--on-error abort), "
        "tidak ada yang ditulis",
        "{path} row {row}: {reason}; import of this file aborted (--on-error abort), "
        "nothing written",
    ),
    # Row errors (the errors CSV and the summary).
    "import.row.no_key": ("nomor tiket kosong", "tracking number is empty"),
    "import.row.duplicate": (
        "nomor tiket {value} sudah ada di baris {row} berkas ini",
        "tracking number {value} already on row {row} of this file",
    ),
    "import.row.no_body": ("isi laporan kosong", "the complaint text is empty"),
    "import.row.no_received": ("tanggal laporan kosong", "the received date is empty"),
    "import.row.date": ("tanggal tidak dikenali: {value}", "unrecognised date: {value}"),
    "import.row.status": ("status tidak dikenal: {value}", "unknown status: {value}"),
    "import.row.status_unit": (
        "status {status} memerlukan unit/instansi",
        "status {status} needs a unit (instansi)",
    ),
    "import.row.bool": (
        "nilai ya/tidak tidak dikenali: {value}",
        "unrecognised yes/no value: {value}",
    ),
    "import.row.nik": ("NIK harus 16 angka: {value}", "NIK must be 16 digits: {value}"),
    "import.row.classification": (
        "klasifikasi tidak dikenal: {value}",
        "unknown classification: {value}",
    ),
    "import.row.due_kind": (
        "jenis batas waktu tidak dikenal: {value}",
        "unknown deadline kind: {value}",
    ),
    "import.row.rating": ("penilaian harus 1-5: {value}", "rating must be 1-5: {value}"),
    "import.row.unit_unknown": (
        "unit tidak dikenal: {value} (--strict-units)",
        "unknown unit: {value} (--strict-units)",
    ),
    "import.row.json": (
        "baris bukan JSON yang sah: {reason}",
        "the line is not valid JSON: {reason}",
    ),
    "import.row.record": ("baris bukan objek JSON", "the row is not a JSON object"),
    "import.row.case_format": (
        "kasus desk-case/1 tidak sah: {reason}",
        "invalid desk-case/1 case: {reason}",
    ),
    "import.row.too_long": ("nilai terlalu panjang", "value too long"),
    # The summary.
    "import.progress": ("Mengimpor {name}", "Importing {name}"),
    "import.interrupted": (
        "impor dihentikan; baris yang sudah tersimpan aman. Jalankan perintah yang sama lagi "
        "untuk menyelesaikan berkas (tanpa duplikat)",
        "import stopped; the rows already stored are safe. Run the same command again to "
        "finish the file (no duplicates)",
    ),
    "import.interrupted.dry_run": (
        "impor dihentikan; uji coba (--dry-run) tidak menulis apa pun",
        "import stopped; a dry run (--dry-run) writes nothing",
    ),
    "import.interrupted.abort": (
        "impor dihentikan; berkas yang sedang dibaca tidak ditulis sama sekali (--on-error "
        "abort), berkas sebelumnya tersimpan. Jalankan perintah yang sama lagi",
        "import stopped; nothing of the file being read was written (--on-error abort), the "
        "files before it are stored. Run the same command again",
    ),
    "import.progress.rate": ("{rate} baris/dtk", "{rate} rows/s"),
    "import.summary.title": ("Impor {mode}", "Import {mode}"),
    "import.summary.done": ("selesai", "done"),
    "import.summary.dry": (
        "uji coba (--dry-run): tidak ada yang ditulis",
        "dry run: nothing written",
    ),
    "import.summary.files": ("Berkas", "Files"),
    "import.summary.rows": ("Baris", "Rows"),
    "import.summary.inserted": ("Baru", "Inserted"),
    "import.summary.updated": ("Diperbarui", "Updated"),
    "import.summary.unchanged": ("Tidak berubah", "Unchanged"),
    "import.summary.rejected": ("Ditolak", "Rejected"),
    "import.summary.masked": (
        "Nilai bertopeng tidak disimpan",
        "Masked values not stored",
    ),
    "import.summary.speed": (
        "{rows} baris dalam {seconds} dtk ({rate} baris/dtk)",
        "{rows} rows in {seconds} s ({rate} rows/s)",
    ),
    "import.summary.units_created": ("Unit baru dibuat: {units}", "Units created: {units}"),
    "import.summary.units_would": (
        "Unit yang akan dibuat: {units}",
        "Units to be created: {units}",
    ),
    "import.summary.unknown_columns": (
        "Kolom tak dikenal (disimpan di data tambahan kasus): {columns}",
        "Unknown columns (kept in the case's extra data): {columns}",
    ),
    "import.summary.unknown_categories": (
        "Kategori di luar daftar LAPOR! (disimpan apa adanya): {categories}",
        "Categories outside the LAPOR! list (kept as written): {categories}",
    ),
    "import.summary.file": (
        "{name}: {format}, {encoding}, {rows} baris",
        "{name}: {format}, {encoding}, {rows} rows",
    ),
    "import.summary.errors": (
        "Baris yang ditolak ada di {path}",
        "The rejected rows are in {path}",
    ),
    "import.summary.first_errors": ("Kesalahan pertama:", "First errors:"),
    "import.summary.error_line": (
        "{file} baris {row}, kolom {column}: {reason}",
        "{file} row {row}, column {column}: {reason}",
    ),
    # The errors CSV header.
    "import.csv.file": ("berkas", "file"),
    "import.csv.row": ("baris", "row"),
    "import.csv.column": ("kolom", "column"),
    "import.csv.value": ("nilai", "value"),
    "import.csv.reason": ("alasan", "reason"),
}

extend(TEXTS)
