"""Which column means which field: built-in aliases, the database's own names, and --map.

Headers are compared by a key that ignores case, spaces, punctuation and a "(wajib)"-style
note in brackets, so "No. Tiket", "NO TIKET" and "no_tiket" are the same column.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Sequence

from desk.i18n import t
from desk.safety import printable

# The fields a row can fill. Reporter fields are stored apart (the reporters table).
FIELDS = (
    "tracking_no",
    "complaint_id",
    "local_id",
    "title",
    "body",
    "received_at",
    "updated_at",
    "incident_date",
    "category",
    "subcategory",
    "classification",
    "channel",
    "unit_code",
    "unit_name",
    "status",
    "location",
    "anonymous",
    "confidential",
    "rating",
    "assignee_nip",
    "due_at",
    "due_kind",
    "name",
    "nik",
    "phone",
    "email",
    "address",
)

KEY_FIELDS = frozenset({"tracking_no", "local_id"})  # what a row is found by (local_id: ours)

# Aliases per field, written as they appear; `header_key` normalises them. A field's own name
# is always an alias (the export writes them as its CSV headers).
_ALIASES: dict[str, tuple[str, ...]] = {
    "tracking_no": (
        "No. Tiket", "Nomor Tiket", "No Tiket", "Tiket", "Nomor Laporan", "No. Laporan",
        "No Laporan", "ID Laporan", "Id Pengaduan", "No. Pengaduan", "Nomor Pengaduan",
        "Nomor Registrasi", "No. Registrasi", "Kode Laporan", "Tracking ID", "Tracking Number",
        "Tracking No", "Ticket", "Ticket Number", "Report ID", "Complaint Number", "Nomor",
    ),
    "complaint_id": ("Complaint ID", "ID Internal LAPOR"),
    "local_id": ("ID Lokal", "Local ID"),
    "title": ("Judul", "Judul Laporan", "Perihal", "Subjek", "Title", "Subject"),
    "body": (
        "Isi", "Isi Laporan", "Isi Pengaduan", "Uraian", "Uraian Laporan", "Deskripsi",
        "Keterangan Laporan", "Laporan", "Body", "Text", "Description", "Complaint", "Content",
    ),
    "received_at": (
        "Tanggal", "Tanggal Laporan", "Tgl Laporan", "Tgl. Laporan", "Tanggal Masuk",
        "Tanggal Pengaduan", "Tanggal Diterima", "Waktu Laporan", "Waktu Masuk",
        "Tanggal Dibuat", "Dibuat", "Received", "Received At", "Date", "Created", "Created At",
        "Report Date", "Submitted",
    ),
    "updated_at": (
        "Tanggal Update", "Terakhir Diperbarui", "Tanggal Status", "Updated", "Last Updated",
        "Updated At",
    ),
    "incident_date": (
        "Tanggal Kejadian", "Tgl Kejadian", "Tgl. Kejadian", "Waktu Kejadian",
        "Incident Date", "Date of Incident",
    ),
    "category": ("Kategori", "Kategori Laporan", "Kategori Utama", "Category"),
    "subcategory": (
        "Sub Kategori", "Subkategori", "Sub-Kategori", "Sub Category", "Subcategory",
    ),
    "classification": (
        "Klasifikasi", "Jenis Laporan", "Jenis", "Tipe Laporan", "Classification", "Type",
    ),
    "channel": ("Kanal", "Sumber", "Sumber Laporan", "Media", "Saluran", "Channel", "Source"),
    "unit_code": (
        "Instansi", "Instansi Tujuan", "Instansi Terdisposisi", "Disposisi", "Disposisi Ke",
        "Unit", "Unit Kerja", "Kode Unit", "OPD", "Perangkat Daerah", "SKPD", "Unit Code",
        "Agency", "Department",
    ),
    "unit_name": ("Nama Unit", "Nama Instansi", "Nama OPD", "Unit Name"),
    "status": ("Status", "Status Laporan", "Status Pengaduan", "Tahapan", "State"),
    "location": (
        "Lokasi", "Lokasi Kejadian", "Alamat Kejadian", "Tempat Kejadian", "Location",
    ),
    "anonymous": ("Anonim", "Anonymous", "Anonimitas"),
    "confidential": ("Rahasia", "Confidential", "Secret", "Kerahasiaan", "Is Secret"),
    "rating": ("Penilaian", "Rating", "Nilai Kepuasan"),
    "assignee_nip": ("NIP Petugas", "Petugas", "Assignee"),
    "due_at": ("Batas Waktu", "Tenggat", "Due", "Deadline"),
    "due_kind": ("Jenis Batas Waktu",),
    "name": (
        "Nama", "Nama Pelapor", "Pelapor", "Nama Lengkap", "Reporter", "Reporter Name",
        "Reporter_name", "Full Name",
    ),
    "nik": ("NIK", "NIK Pelapor", "No KTP", "Nomor KTP", "No. KTP", "National ID", "Reporter_nik"),
    "phone": (
        "Telepon", "Telp", "No Telp", "No. Telp", "No Telepon", "No. Telepon", "HP", "No HP",
        "No. HP", "Nomor HP", "Handphone", "Telepon Pelapor", "WhatsApp Pelapor", "Phone",
        "Phone Number", "Mobile", "Reporter_phone",
    ),
    "email": ("Email", "E-mail", "Surel", "Email Pelapor", "Reporter_email"),
    "address": (
        "Alamat", "Alamat Pelapor", "Domisili", "Address", "Reporter Address", "Reporter_address",
    ),
}  # fmt: skip

# Tracking-number headers of LAPOR! and regional exports, Indonesian and English words mixed:
# a number word before or after a noun ("No. Tiket", "Nomor Aduan", "Ticket No", "Tracking ID",
# "Kode Laporan", "ID Pengaduan"), optionally followed by "LAPOR!" ("No. Tiket LAPOR!"). They are
# added to the tracking number's aliases above: one alias mechanism, generated words included.
_NUMBER_WORDS = ("No", "Nomor", "Nomer", "Number", "Num", "Nr", "ID", "Kode", "Code")
_KEY_NOUNS = (
    "Tiket", "Ticket", "Laporan", "Report", "Pengaduan", "Aduan", "Complaint", "Tracking",
    "Lacak", "Registrasi", "Register", "Registration", "Reg",
)  # fmt: skip
# Combinations that mean another field (the LAPOR! internal id is "Complaint ID").
_NOT_TRACKING = frozenset({"complaintid", "idcomplaint"})


def _tracking_headers() -> tuple[str, ...]:
    found: list[str] = []
    for noun in _KEY_NOUNS:
        for word in _NUMBER_WORDS:
            for name in (f"{word} {noun}", f"{noun} {word}"):
                for suffix in ("", " LAPOR"):
                    if header_key(name) not in _NOT_TRACKING:
                        found.append(name + suffix)
    # "Number" alone: the desk's own English label for the tracking number, as "Nomor" is.
    extra = ("Tiket LAPOR", "Ticket LAPOR", "No LAPOR", "Nomor LAPOR", "Tracking", "Number")
    return (*found, *extra)


# Headers that could be two fields or more: never taken silently. The column is kept in `extra`
# and the summary says so; when no other column gives the tracking number, the file is refused
# with the `--map` to choose (`describe_headers`).
_AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "ID": ("tracking_no", "complaint_id", "local_id"),
    "Kode": ("tracking_no", "unit_code"),
    "Code": ("tracking_no", "unit_code"),
    "ID LAPOR": ("tracking_no", "complaint_id"),
    "LAPOR ID": ("tracking_no", "complaint_id"),
}

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


def header_key(header: str) -> str:
    """ "No. Tiket (wajib)" -> "notiket": case, spaces, punctuation and notes ignored."""
    return _NOT_WORD.sub("", _BRACKETED.sub("", header.lower()))


_ALIASES["tracking_no"] += _tracking_headers()

ALIASES: dict[str, str] = {}
for _field, _names in _ALIASES.items():
    for _name in (_field, *_names):
        ALIASES.setdefault(header_key(_name), _field)
ALIASES[header_key("reporter_name")] = "name"

AMBIGUOUS: dict[str, tuple[str, ...]] = {header_key(name): ok for name, ok in _AMBIGUOUS.items()}

# An alias as written, by its key: what "closest" shows ("Kode Laporan", not "kodelaporan").
_SPELLING: dict[str, str] = {}
for _field, _names in _ALIASES.items():
    for _name in (*_names, _field):
        _SPELLING.setdefault(header_key(_name), _name)

CLOSE_ENOUGH = 0.6  # the likeness from which an alias is offered as "closest"
_WORD = re.compile(r"[0-9a-z]+")
# "No", "No.", "Nr": alone, the row number of a spreadsheet, like no field (nor the tracking
# number, which a lone "No" would otherwise be closest to).
_ROW_NUMBER = frozenset({"no", "nr", "num", "urut", "nourut"})


def _words(header: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(_BRACKETED.sub("", header.lower())))


_ALIAS_WORDS: dict[str, tuple[str, ...]] = {
    key: _words(name) or (key,) for key, name in _SPELLING.items()
}


def parse_map(values: list[str]) -> dict[str, str]:
    """--map "Header=field" options as {header key: field}; raises ValueError(text key, value)."""
    mapping: dict[str, str] = {}
    for value in values:
        header, sep, field = value.rpartition("=")
        header, field = header.strip(), field.strip()
        if not sep or not header or not field:
            raise ValueError("import.opt.map", value)
        if field not in FIELDS and field != "extra":
            raise ValueError("import.opt.map_field", field)
        mapping[header_key(header)] = field
    return mapping


def field_for(header: str, overrides: dict[str, str]) -> str | None:
    """The field a header means, or None for a column kept in `extra`."""
    key = header_key(header)
    if key in overrides:
        field = overrides[key]
        return None if field == "extra" else field
    return ALIASES.get(key)


def ambiguous_fields(header: str, overrides: dict[str, str]) -> tuple[str, ...]:
    """The fields a header could mean when it could mean several (and --map did not choose)."""
    key = header_key(header)
    return () if key in overrides else AMBIGUOUS.get(key, ())


def _likeness(header: str) -> list[tuple[float, str]]:
    """(likeness, alias key) for every alias, best first (0 to 1).

    Word by word: each word of the header is paired with the most like word of the alias
    (difflib's ratio) and the other way round, and the two means averaged, so that "Uraian
    Pengaduan" is most like "Uraian Laporan" (body), not "No Pengaduan" (letters in common).
    """
    words = _words(header) or (header_key(header),)
    ratios: dict[tuple[str, str], float] = {}

    def ratio(one: str, other: str) -> float:
        found = ratios.get((one, other))
        if found is None:
            found = ratios[one, other] = difflib.SequenceMatcher(None, one, other).ratio()
        return found

    found: list[tuple[float, str]] = []
    for key, alias_words in _ALIAS_WORDS.items():
        ours = sum(max(ratio(word, other) for other in alias_words) for word in words)
        theirs = sum(max(ratio(word, other) for word in words) for other in alias_words)
        found.append(((ours / len(words) + theirs / len(alias_words)) / 2, key))
    found.sort(key=lambda item: -item[0])  # stable: the first alias written wins a tie
    return found


def closest(header: str) -> tuple[str, str] | None:
    """(field, alias) of the known alias most like `header`, or None when none is like it
    enough: an offer for the admin's --map, never a column read by guess."""
    if not header_key(header) or set(_words(header)) <= _ROW_NUMBER:
        return None
    found = _likeness(header)
    if not found or found[0][0] < CLOSE_ENOUGH:
        return None
    key = found[0][1]
    return ALIASES[key], _SPELLING[key]


def map_option(header: str, field: str) -> str:
    """`--map 'Header=field'` as a POSIX shell takes it (quotes inside the header escaped)."""
    value = f"{shown_header(header)}={field}"
    return "--map " + (f"'{value}'" if "'" not in value else shlex.quote(value))


def shown_header(header: str) -> str:
    """A header on one line, inert (`--map` compares headers ignoring what this changes)."""
    return printable(header, keep_newlines=False).strip()


def describe_headers(
    headers: Sequence[object], overrides: dict[str, str], *, key_found: bool
) -> list[str]:
    """One line per header of a file whose header row was not recognised: the field it means,
    the fields it could mean, or the closest field with the `--map` that reads it so; then the
    `--map` to use. In the interface language, for the admin (docs/import.md, "Columns")."""
    lines: list[str] = []
    names = [str(value).strip() for value in headers if value not in (None, "")]
    names = [name for name in names if name and not name.startswith("\x00")]
    # The columns that could be read as the tracking number (ambiguous, or closest to it).
    could_be_key: list[str] = []
    suggestion: str | None = None
    for name in names:
        shown = shown_header(name)
        meaning = overrides.get(header_key(name)) or field_for(name, overrides)  # or "extra"
        if meaning is not None:
            lines.append(t("import.header.known", header=shown, field=meaning))
            continue
        choices = ambiguous_fields(name, overrides)
        if choices:
            lines.append(
                t(
                    "import.header.ambiguous",
                    header=shown,
                    fields=" / ".join(choices),
                    map=map_option(name, choices[0]),
                )
            )
            if "tracking_no" in choices:
                could_be_key.append(name)
            continue
        near = closest(name)
        if near is None:
            lines.append(t("import.header.none", header=shown))
            continue
        field, alias = near
        lines.append(
            t(
                "import.header.close",
                header=shown,
                field=field,
                alias=alias,
                map=map_option(name, field),
            )
        )
        if field == "tracking_no":
            could_be_key.append(name)
        elif suggestion is None:
            suggestion = map_option(name, field)
    if not key_found:
        if could_be_key:
            lines.append(t("import.header.use", map=map_option(could_be_key[0], "tracking_no")))
        else:
            lines.append(
                t(
                    "import.header.use_any",
                    map=map_option(t("import.header.placeholder"), "tracking_no"),
                )
            )
    elif suggestion is not None:
        lines.append(t("import.header.use", map=suggestion))
    else:
        lines.append(
            t("import.header.use_any", map=map_option(t("import.header.placeholder"), "title"))
        )
    return lines
