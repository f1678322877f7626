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
    # A header row that was not recognised: the first line, then one line per header
    # (`columns.describe_headers`), then the --map to use.
    "import.file.no_key": (
        "{path}: kolom nomor tiket tidak dikenali. Judul kolom di baris {row}:",
        "{path}: the tracking-number column is not recognised. The headers in row {row}:",
    ),
    "import.file.key_only": (
        "{path}: baris judul kolom perlu kolom nomor tiket dan satu kolom lain yang dikenal. "
        "Judul kolom di baris {row}:",
        "{path}: a header row needs the tracking-number column and one more known column. "
        "The headers in row {row}:",
    ),
    "import.header.known": ('"{header}" → {field}', '"{header}" → {field}'),
    "import.header.ambiguous": (
        '"{header}": bisa berarti {fields}, tidak diambil tanpa pilihan Anda; mis. {map}',
        '"{header}": could mean {fields}, not taken unless you choose; e.g. {map}',
    ),
    "import.header.close": (
        '"{header}": tidak dikenal; paling mirip {field} ("{alias}"): {map}',
        '"{header}": not recognised; closest field {field} ("{alias}"): {map}',
    ),
    "import.header.none": (
        '"{header}": tidak dikenal, tidak mirip field mana pun (akan disimpan di data tambahan)',
        '"{header}": not recognised, like no field (would be kept in the extra data)',
    ),
    "import.header.use": ("Tambahkan: {map}", "Add: {map}"),
    "import.header.use_any": (
        "Tambahkan {map} dengan judul kolom yang benar",
        "Add {map} with the right column header",
    ),
    "import.header.placeholder": ("Judul Kolom", "Column Header"),
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
    # A required column the file does not have at all: the row names no column, this says which.
    "import.row.no_key_column": (
        "tidak ada kolom nomor tiket ({map})",
        "no tracking-number column ({map})",
    ),
    "import.row.no_body_column": (
        "tidak ada kolom isi laporan ({map})",
        "no complaint-text column ({map})",
    ),
    "import.row.no_received_column": (
        "tidak ada kolom tanggal laporan ({map})",
        "no received-date column ({map})",
    ),
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
        "uji coba (--dry-run): database tidak diubah",
        "dry run: the database is not changed",
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
    "import.summary.errors_dry": (
        "Baris yang akan ditolak ditulis ke {path} (--errors)",
        "The rows that would be rejected are written to {path} (--errors)",
    ),
    "import.summary.errors_none": (
        "Uji coba: tidak ada berkas yang ditulis; --errors PATH menuliskan semua baris yang akan "
        "ditolak",
        "Dry run: no file written; --errors PATH writes every row that would be rejected",
    ),
    "import.summary.ambiguous": (
        'Kolom "{header}" bisa berarti {fields}: tidak diambil, disimpan di data tambahan; '
        "pilih dengan mis. {map}",
        'The column "{header}" could mean {fields}: not taken, kept in the extra data; '
        "choose with e.g. {map}",
    ),
    "import.summary.first_errors": ("Kesalahan pertama:", "First errors:"),
    "import.summary.first_errors_dry": (
        "Baris yang akan ditolak (yang pertama):",
        "Rows that would be rejected (the first ones):",
    ),
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
    # `desk import --help` (desk/cli/import_cmd.py).
    "import.help.files": ("Berkas yang diimpor.", "The files to import."),
    "import.help.format": (
        "csv, tsv, xlsx, json atau jsonl (bawaan: dikenali otomatis).",
        "csv, tsv, xlsx, json or jsonl (default: detected).",
    ),
    "import.help.encoding": (
        "Pengodean teks, mis. utf-8, cp1252 (bawaan: dikenali otomatis).",
        "Text encoding, e.g. utf-8, cp1252 (default: detected).",
    ),
    "import.help.sheet": (
        "Lembar XLSX (bawaan: lembar pertama).",
        "The XLSX sheet (default: the first one).",
    ),
    "import.help.map": (
        '"Judul Kolom=field": baca kolom itu sebagai field tersebut (=extra: simpan terpisah); '
        "boleh diulang.",
        '"Column Header=field": read a column as that field (=extra: keep it apart); '
        "may be repeated.",
    ),
    "import.help.strict_units": (
        "Tolak baris yang menyebut unit tak dikenal (tidak membuat unit baru).",
        "Reject rows naming an unknown unit (no new units).",
    ),
    "import.help.on_error": (
        "skip: impor baris yang baik; abort: hentikan berkas itu.",
        "skip: import the good rows; abort: stop the file.",
    ),
    "import.help.errors": (
        "Ke mana baris yang ditolak ditulis (CSV); dengan --dry-run, satu-satunya berkas yang "
        "ditulis.",
        "Where to write the rejected rows (CSV); with --dry-run, the only file written.",
    ),
    "import.help.dry_run": (
        "Jalankan semuanya tanpa menulis apa pun, lalu laporkan hasilnya.",
        "Do everything without writing anything; report it.",
    ),
    "import.help.json": ("Cetak satu objek JSON ringkasan.", "Print one JSON summary object."),
    "import.help.as_nip": ("Admin yang mengimpor (NIP).", "The admin importing (NIP)."),
}

extend(TEXTS)
