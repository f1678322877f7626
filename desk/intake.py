"""Counter intake: complaints that arrive at the office (loket, phone, letter, SMS, WhatsApp,
e-mail) recorded at the desk, with a provisional number until the central system gives the
tracking number (docs/intake.md).

`validate` turns what an officer typed (an `IntakeDraft`, every field as text) into an `Intake`
or raises `IntakeInvalid` with one message per field, so a form can show each at its field and
keep everything typed. `duplicate_hints` finds cases that may be the same complaint (similar
text, same NIK or phone) while the officer types. `record_intake` checks who may record, validates
and creates the case in one transaction through `desk.services.create_case`, which also queues
the `create` op for the central system.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from db import write_transaction
from db.stemming import stem_words
from db.timefmt import utc_now
from desk.access import readable_condition
from desk.case_view import distinctive_terms, similar_text_expression
from desk.clocks import office_time_zone
from desk.errors import ActionRefused, InvalidInput
from desk.i18n import CATALOG, extend, role_label, t
from desk.services import case_label, create_case
from desk.workflow import Actor, Role

__all__ = [
    "CHANNELS",
    "FIELDS",
    "INTAKE_ROLES",
    "DuplicateHint",
    "Intake",
    "IntakeDraft",
    "IntakeInvalid",
    "category_choices",
    "check_may_record",
    "duplicate_hints",
    "field_label",
    "match_category",
    "normalise_phone",
    "phone_variants",
    "record_intake",
    "validate",
]

# Who may record a complaint that arrived at the office. LAPOR!'s manual has the admins
# digitise them; at an OPD's own counter that admin is the unit's liaison (admin penghubung),
# the petugas role here. A pimpinan reads and acts on nothing. The central server accepts
# `create` from the same two roles (desk/central/apply.py).
INTAKE_ROLES = frozenset({Role.ADMIN, Role.PETUGAS})

# The channels a complaint reaches an office by, and what officers type for them.
CHANNELS = ("loket", "telepon", "surat", "sms", "whatsapp", "email")
_CHANNEL_ALIASES = {
    "counter": "loket",
    "walk-in": "loket",
    "walkin": "loket",
    "tatap muka": "loket",
    "langsung": "loket",
    "phone": "telepon",
    "telp": "telepon",
    "tel": "telepon",
    "letter": "surat",
    "wa": "whatsapp",
    "e-mail": "email",
    "surel": "email",
}
_CLASSIFICATIONS = {
    "pengaduan": "pengaduan",
    "complaint": "pengaduan",
    "aspirasi": "aspirasi",
    "suggestion": "aspirasi",
    "aspiration": "aspirasi",
    "permintaan informasi": "permintaan_informasi",
    "permintaan_informasi": "permintaan_informasi",
    "information request": "permintaan_informasi",
    "info": "permintaan_informasi",
}

# Field names, in the order a form shows them.
FIELDS = (
    "title",
    "text",
    "classification",
    "category",
    "subcategory",
    "channel",
    "place",
    "incident_date",
    "name",
    "nik",
    "phone",
    "email",
    "address",
)
LIMITS = {
    "title": 200,
    "text": 20_000,
    "place": 200,
    "name": 120,
    "email": 254,
    "address": 500,
}
DUPLICATE_LIMIT = 5
PROVISIONAL_PREFIX = "L"

TEXTS: dict[str, tuple[str, str]] = {
    "intake.field.title": ("Judul", "Title"),
    "intake.field.text": ("Isi laporan", "Complaint text"),
    "intake.field.classification": ("Klasifikasi", "Classification"),
    "intake.field.category": ("Kategori", "Category"),
    "intake.field.subcategory": ("Subkategori", "Sub-category"),
    "intake.field.channel": ("Kanal", "Channel"),
    "intake.field.place": ("Lokasi kejadian", "Place"),
    "intake.field.incident_date": ("Tanggal kejadian", "Incident date"),
    "intake.field.name": ("Nama pelapor", "Reporter's name"),
    "intake.field.nik": ("NIK", "NIK"),
    "intake.field.phone": ("Telepon", "Phone"),
    "intake.field.email": ("Email", "Email"),
    "intake.field.address": ("Alamat", "Address"),
    "intake.channel.loket": ("Loket (datang langsung)", "Counter (walk-in)"),
    "intake.channel.telepon": ("Telepon", "Phone call"),
    "intake.channel.surat": ("Surat", "Letter"),
    "intake.channel.sms": ("SMS", "SMS"),
    "intake.channel.whatsapp": ("WhatsApp", "WhatsApp"),
    "intake.channel.email": ("Email", "E-mail"),
    "intake.err.required": ("wajib diisi.", "is required."),
    "intake.err.too_long": (
        "terlalu panjang ({length} karakter; paling banyak {limit}).",
        "is too long ({length} characters; at most {limit}).",
    ),
    "intake.err.classification": (
        "'{value}' tidak dikenal: pilih Pengaduan, Aspirasi atau Permintaan Informasi.",
        "'{value}' is unknown: choose Complaint, Suggestion or Information request.",
    ),
    "intake.err.category": (
        "'{value}' bukan kategori LAPOR!.{hint}",
        "'{value}' is not a LAPOR! category.{hint}",
    ),
    "intake.err.category_needed": (
        "wajib diisi: pilih dari daftar kategori LAPOR! (TOPIK LAINNYA bila tidak ada yang cocok).",
        "is required: choose from the LAPOR! categories (TOPIK LAINNYA when none fits).",
    ),
    "intake.err.subcategory": (
        "'{value}' bukan subkategori dari {category}.{hint}",
        "'{value}' is not a sub-category of {category}.{hint}",
    ),
    "intake.err.subcategory_ambiguous": (
        "'{value}' ada di beberapa kategori ({categories}): pilih kategorinya.",
        "'{value}' is in several categories ({categories}): choose the category.",
    ),
    "intake.err.hint": (" Maksud Anda {value}?", " Did you mean {value}?"),
    "intake.err.channel": (
        "'{value}' tidak dikenal: pilih {choices}.",
        "'{value}' is unknown: choose {choices}.",
    ),
    "intake.err.date": (
        "'{value}' bukan tanggal yang ada: tulis seperti 28/11/2026 atau 2026-11-28.",
        "'{value}' is not a real date: write it like 28/11/2026 or 2026-11-28.",
    ),
    "intake.err.future": (
        "{value} masih di masa depan: kejadian yang dilaporkan sudah terjadi.",
        "{value} is in the future: a complaint is about something that happened.",
    ),
    "intake.err.nik": (
        "NIK harus tepat 16 angka (tertulis {count} angka).",
        "A NIK is exactly 16 digits ({count} given).",
    ),
    "intake.err.nik_chars": (
        "NIK hanya berisi angka, tanpa huruf atau tanda lain.",
        "A NIK holds digits only, no letters or other signs.",
    ),
    "intake.err.phone": (
        "'{value}' bukan nomor Indonesia: tulis nomor HP (08…, +628…) atau telepon rumah/kantor "
        "dengan kode wilayah (0541…).",
        "'{value}' is not an Indonesian number: write a mobile (08…, +628…) or a landline with "
        "its area code (0541…).",
    ),
    "intake.err.email": (
        "'{value}' bukan alamat email (contoh: nama@contoh.id).",
        "'{value}' is not an e-mail address (e.g. name@example.id).",
    ),
    "intake.err.name": (
        "wajib diisi, kecuali laporan Anonim.",
        "is required unless the complaint is Anonim.",
    ),
    "intake.err.contact": (
        "isi telepon, email atau alamat, agar tindak lanjut sampai ke pelapor (atau pilih Anonim).",
        "give a phone, an e-mail or an address so the follow-up reaches the reporter (or choose "
        "Anonim).",
    ),
    "intake.err.field": ("{field}: {message}", "{field}: {message}"),
    "intake.err.summary": (
        "{count} isian perlu diperbaiki.",
        "{count} fields need correcting.",
    ),
    "intake.err.summary.one": (
        "{count} isian perlu diperbaiki.",
        "{count} field needs correcting.",
    ),
    "intake.refused": (
        "{role} tidak dapat mencatat laporan baru: hanya admin dan petugas unit.",
        "A {role} cannot record a new complaint: only admins and unit officers can.",
    ),
    "intake.anonymous": (
        "Anonim: identitas pelapor disembunyikan dari publik dan dari pihak yang dilaporkan.",
        "Anonim: the reporter's identity is hidden from the public and from whoever is "
        "complained about.",
    ),
    "intake.confidential": (
        "Rahasia: isi laporan tidak dipublikasikan dan tidak masuk ekspor publik.",
        "Rahasia: the complaint's content is not published nor in any public export.",
    ),
    "binding.new_case": ("Laporan baru", "New complaint"),
    "intake.dup.text": ("isi mirip", "similar text"),
    "intake.dup.nik": ("NIK sama", "same NIK"),
    "intake.dup.phone": ("telepon sama", "same phone"),
}
if "intake.field.title" not in CATALOG:  # a reload (tests) must not register twice
    extend(TEXTS)


def field_label(name: str) -> str:
    return t(f"intake.field.{name}")


# ---------------------------------------------------------------------------------------------
# What the officer typed, and what it becomes


@dataclass(frozen=True)
class IntakeDraft:
    """A new complaint as typed: every field text (empty when not given), flags as booleans."""

    title: str = ""
    text: str = ""
    classification: str = ""
    category: str = ""
    subcategory: str = ""
    channel: str = ""
    place: str = ""
    incident_date: str = ""
    name: str = ""
    nik: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    anonymous: bool = False
    confidential: bool = False

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> IntakeDraft:
        """A draft from a mapping of field names (or their Indonesian names) to values."""
        known = {f.name for f in fields(cls)}
        given: dict[str, Any] = {}
        for key, value in values.items():
            name = ALIASES.get(str(key).strip().lower().replace("-", "_").replace(" ", "_"))
            if name is None or name not in known or value is None:
                continue
            if name in ("anonymous", "confidential"):
                given[name] = _yes(value)
            else:
                given[name] = str(value)
        return cls(**given)


# Names a file (or a form) may use for each field: English, Indonesian, and the case format's.
ALIASES: dict[str, str] = {
    **{name: name for name in (*FIELDS, "anonymous", "confidential")},
    "judul": "title",
    "isi": "text",
    "body": "text",
    "laporan": "text",
    "klasifikasi": "classification",
    "kategori": "category",
    "subkategori": "subcategory",
    "sub_kategori": "subcategory",
    "kanal": "channel",
    "lokasi": "place",
    "location": "place",
    "tempat": "place",
    "tanggal": "incident_date",
    "tanggal_kejadian": "incident_date",
    "date": "incident_date",
    "nama": "name",
    "telepon": "phone",
    "telp": "phone",
    "hp": "phone",
    "surel": "email",
    "alamat": "address",
    "anonim": "anonymous",
    "rahasia": "confidential",
}


def _yes(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "ya", "y", "yes", "true", "benar"}


@dataclass(frozen=True)
class Intake:
    """A validated complaint, ready for `create_case`."""

    title: str
    text: str
    classification: str
    category: str
    subcategory: str | None
    channel: str
    place: str | None
    incident_date: str | None  # ISO day
    reporter: dict[str, str | None]
    anonymous: bool
    confidential: bool

    def case_fields(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "body": self.text,
            "classification": self.classification,
            "category": self.category,
            "subcategory": self.subcategory,
            "channel": self.channel,
            "location": self.place,
            "incident_date": self.incident_date,
            "anonymous": self.anonymous,
            "confidential": self.confidential,
        }


class IntakeInvalid(InvalidInput):
    """Fields the officer must correct: `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        lines = [t("intake.err.field", field=field_label(n), message=m) for n, m in errors.items()]
        super().__init__(" ".join(lines))

    def lines(self) -> list[str]:
        """One line per field: "NIK: NIK harus tepat 16 angka (tertulis 15 angka)."."""
        return [
            t("intake.err.field", field=field_label(name), message=message)
            for name, message in self.errors.items()
        ]


# ---------------------------------------------------------------------------------------------
# Validation


def validate(
    draft: IntakeDraft, *, today: date, categories: dict[str, tuple[str, ...]] | None = None
) -> Intake:
    """The clean complaint, or `IntakeInvalid` naming every field that is wrong.

    `today`: the office's local day (an incident date after it is refused).
    """
    errors: dict[str, str] = {}
    text = {f.name: _clean(getattr(draft, f.name)) for f in fields(draft) if f.name in FIELDS}
    text["text"] = draft.text.strip()  # the complaint keeps its lines
    for name, limit in LIMITS.items():
        if len(text[name]) > limit:
            errors[name] = t("intake.err.too_long", length=len(text[name]), limit=limit)
    for name in ("title", "text"):
        if not text[name]:
            errors[name] = t("intake.err.required")

    classification = "pengaduan"
    if text["classification"]:
        key = " ".join(text["classification"].lower().replace("_", " ").split())
        found = _CLASSIFICATIONS.get(key) or _CLASSIFICATIONS.get(text["classification"].lower())
        if found is None:
            errors["classification"] = t("intake.err.classification", value=text["classification"])
        else:
            classification = found

    category, subcategory = "", None
    try:
        category, subcategory = match_category(
            text["category"], text["subcategory"], categories or load_tree()
        )
    except _FieldError as error:
        errors[error.field] = error.message

    channel = "loket"
    if text["channel"]:
        key = text["channel"].lower()
        found = key if key in CHANNELS else _CHANNEL_ALIASES.get(key)
        if found is None:
            errors["channel"] = t(
                "intake.err.channel", value=text["channel"], choices=", ".join(CHANNELS)
            )
        else:
            channel = found

    incident = None
    if text["incident_date"]:
        try:
            day = parse_day(text["incident_date"])
        except ValueError:
            errors["incident_date"] = t("intake.err.date", value=text["incident_date"])
        else:
            if day > today:
                errors["incident_date"] = t("intake.err.future", value=day.strftime("%d/%m/%Y"))
            incident = day.isoformat()

    nik = None
    if text["nik"]:
        compact = re.sub(r"[\s.\-]", "", text["nik"])
        if not compact.isascii() or not compact.isdigit():
            errors["nik"] = t("intake.err.nik_chars")
        elif len(compact) != 16:
            errors["nik"] = t("intake.err.nik", count=len(compact))
        else:
            nik = compact

    phone = None
    if text["phone"]:
        phone = normalise_phone(text["phone"])
        if phone is None:
            errors["phone"] = t("intake.err.phone", value=text["phone"])

    email = None
    if text["email"]:
        if _EMAIL.fullmatch(text["email"]) is None:
            errors["email"] = t("intake.err.email", value=text["email"])
        else:
            email = text["email"]

    if not draft.anonymous:
        if not text["name"]:
            errors.setdefault("name", t("intake.err.name"))
        if not (text["phone"] or text["email"] or text["address"]):
            errors.setdefault("phone", t("intake.err.contact"))

    if errors:
        raise IntakeInvalid({name: errors[name] for name in FIELDS if name in errors})
    return Intake(
        title=text["title"],
        text=text["text"],
        classification=classification,
        category=category,
        subcategory=subcategory,
        channel=channel,
        place=text["place"] or None,
        incident_date=incident,
        reporter={
            "name": text["name"] or None,
            "nik": nik,
            "phone": phone,
            "email": email,
            "address": text["address"] or None,
        },
        anonymous=draft.anonymous,
        confidential=draft.confidential,
    )


def _clean(value: str) -> str:
    """One line, its runs of white space made one space (what a form's one-line field holds)."""
    return " ".join(value.split())


_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
_DAY_FORMATS = (
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),
    re.compile(r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})"),
)


def parse_day(text: str) -> date:
    """A day written 2026-11-28, 28/11/2026, 28-11-2026 or 28.11.2026 (day first, as in
    Indonesia); ValueError when it is none of these or no such day exists."""
    for pattern in _DAY_FORMATS:
        match = pattern.fullmatch(text.strip())
        if match:
            day = date(int(match["y"]), int(match["m"]), int(match["d"]))
            if day.year < 1900:
                raise ValueError(text)
            return day
    raise ValueError(text)


def normalise_phone(text: str) -> str | None:
    """An Indonesian phone number in one form, `+62` and the national number without its 0
    (`0812-3456-7890` → `+6281234567890`, `(0541) 123456` → `+62541123456`); None when it is
    not one.

    Accepted: `+62…`, `62…`, `0…` and a mobile's bare `8…`, with spaces, dots, dashes and
    brackets. A mobile (national number starting with 8) has 9–12 digits after the 0; a
    landline starts with an area code (2–7 or 9: 021, 061, 0541…) and has 7–11 digits after the 0.
    """
    compact = re.sub(r"[\s.\-()/]", "", text)
    if compact.startswith("+62"):
        national = compact[3:]
    elif compact.startswith("62") and len(compact) > 10:
        national = compact[2:]
    elif compact.startswith("0"):
        national = compact[1:]
    elif compact.startswith("8"):
        national = compact
    else:
        return None
    if not national.isascii() or not national.isdigit():
        return None
    if national.startswith("8"):
        ok = 9 <= len(national) <= 12
    else:
        ok = national[:1] in "2345679" and 7 <= len(national) <= 11
    return f"+62{national}" if ok else None


def phone_variants(phone: str) -> list[str]:
    """The forms the same number may be stored in (imports keep `08…` as written)."""
    normal = normalise_phone(phone)
    if normal is None:
        return [phone]
    national = normal[3:]
    return [normal, f"0{national}", f"62{national}"]


# ---------------------------------------------------------------------------------------------
# Categories


@dataclass(frozen=True)
class _FieldError(Exception):
    field: str
    message: str


@lru_cache(maxsize=1)
def load_tree() -> dict[str, tuple[str, ...]]:
    from desk.lapor import load_categories

    return load_categories()


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _hint(value: str, names: list[str]) -> str:
    by_key = {_key(name): name for name in names}
    # A fragment ("jalan") of a longer name is what officers type most; then typos.
    start = re.compile(r"\b" + re.escape(_key(value)))
    close = [key for key in by_key if start.search(key)][:1]
    if not close:
        close = difflib.get_close_matches(_key(value), list(by_key), n=1, cutoff=0.6)
    return t("intake.err.hint", value=by_key[close[0]]) if close else ""


def match_category(
    category: str, subcategory: str, tree: dict[str, tuple[str, ...]]
) -> tuple[str, str | None]:
    """The tree's own names for a category and sub-category typed in any case.

    `category` may also be "MAIN / SUB" (or "MAIN > SUB"), or a sub-category alone when only
    one main category has it.
    """
    category, subcategory = _clean(category), _clean(subcategory)
    for separator in (" / ", " > "):
        if separator in category and not subcategory and _key(category) not in _main_keys(tree):
            category, subcategory = (part.strip() for part in category.split(separator, 1))
    if not category and not subcategory:
        raise _FieldError("category", t("intake.err.category_needed"))
    mains = {_key(name): name for name in tree}
    main = mains.get(_key(category)) if category else None
    if main is None and category:
        # A sub-category typed as the category: take its main category when it is unique.
        owners = [name for name, subs in tree.items() if _key(category) in map(_key, subs)]
        if len(owners) == 1 and not subcategory:
            main, subcategory = owners[0], category
        elif len(owners) > 1:
            raise _FieldError(
                "category",
                t("intake.err.subcategory_ambiguous", value=category, categories=", ".join(owners)),
            )
        else:
            raise _FieldError(
                "category",
                t("intake.err.category", value=category, hint=_category_hint(category, tree)),
            )
    if main is None:  # only a sub-category was given
        owners = [name for name, subs in tree.items() if _key(subcategory) in map(_key, subs)]
        if len(owners) != 1:
            raise _FieldError("category", t("intake.err.category_needed"))
        main = owners[0]
    if not subcategory:
        return main, None
    subs = {_key(name): name for name in tree[main]}
    sub = subs.get(_key(subcategory))
    if sub is None:
        hint = _hint(subcategory, list(tree[main]))
        raise _FieldError(
            "subcategory",
            t("intake.err.subcategory", value=subcategory, category=main, hint=hint),
        )
    return main, sub


def _category_hint(value: str, tree: dict[str, tuple[str, ...]]) -> str:
    return _hint(value, list(tree)) or _hint(
        value, [f"{main} / {sub}" for main, subs in tree.items() for sub in subs]
    )


def _main_keys(tree: dict[str, tuple[str, ...]]) -> set[str]:
    return {_key(name) for name in tree}


def category_choices(
    tree: dict[str, tuple[str, ...]] | None = None,
) -> list[tuple[str, str]]:
    """(value, label) for a picker: every main category, then each "SUB · MAIN".

    The value is "MAIN" or "MAIN / SUB", which `match_category` reads back.
    """
    tree = tree or load_tree()
    choices = [(main, main) for main in tree]
    choices += [
        (f"{main} / {sub}", f"{sub} · {main}") for main, subs in tree.items() for sub in subs
    ]
    return choices


# ---------------------------------------------------------------------------------------------
# Possible duplicates


@dataclass(frozen=True)
class DuplicateHint:
    case_id: int
    label: str  # "#8112829", "L-PUPR-0003"
    status: str
    title: str
    reasons: tuple[str, ...] = field(default=())  # "nik", "phone", "text"

    def reason_text(self) -> str:
        return ", ".join(t(f"intake.dup.{reason}") for reason in self.reasons)


def duplicate_hints(
    database: sqlite_utils.Database,
    actor: Actor,
    draft: IntakeDraft,
    limit: int = DUPLICATE_LIMIT,
) -> list[DuplicateHint]:
    """Cases that may be this complaint again: the same NIK or phone first, then similar text.

    Works on a draft as typed (a half-typed NIK is simply not looked up). Similar text: the
    title's and the text's most distinctive words, as the case screen finds duplicates
    (desk.case_view), keeping cases that share at least two of them. Indexed lookups only:
    fast enough to run on every pause in typing. Only cases `actor` may read (desk/access.py):
    a NIK typed at the counter must not tell a petugas what the person complained about to
    other units.
    """
    found: dict[int, list[str]] = {}
    nik = re.sub(r"[\s.\-]", "", draft.nik)
    if len(nik) == 16 and nik.isdigit():
        for (case_id,) in database.execute(
            "SELECT case_id FROM reporters WHERE nik = ? ORDER BY case_id DESC LIMIT ?",
            [nik, limit],
        ).fetchall():
            found.setdefault(int(case_id), []).append("nik")
    phone = normalise_phone(draft.phone) if draft.phone.strip() else None
    if phone is not None:
        variants = phone_variants(phone)
        marks = ", ".join("?" for _ in variants)
        for (case_id,) in database.execute(
            f"SELECT case_id FROM reporters WHERE phone IN ({marks}) ORDER BY case_id DESC LIMIT ?",
            [*variants, limit],
        ).fetchall():
            found.setdefault(int(case_id), []).append("phone")
    # The title and the text together, and the title alone: the text's rarer words must not
    # crowd out a title that already names a case (a clear duplicate stays while the body is
    # typed). The title's matches come first.
    for text in (draft.title, f"{draft.title} {draft.text[:500]}"):
        for candidate in _similar_text(database, actor, text, limit):
            found.setdefault(candidate, [])
            if "text" not in found[candidate]:
                found[candidate].append("text")
    rows = _rows(database, list(found), actor)
    hints = [
        DuplicateHint(
            case_id=case_id,
            label=case_label(rows[case_id]),
            status=str(rows[case_id]["status"]),
            title=str(rows[case_id]["title"]),
            reasons=tuple(reasons),
        )
        for case_id, reasons in found.items()
        if case_id in rows
    ]
    # The same person first (NIK, then phone), then the text matches in rank order.
    hints.sort(key=lambda hint: 0 if "nik" in hint.reasons else 1 if "phone" in hint.reasons else 2)
    return hints[:limit]


def _similar_text(
    database: sqlite_utils.Database, actor: Actor, text: str, limit: int
) -> list[int]:
    """Cases `actor` may read sharing at least two of `text`'s most distinctive words, best
    match first."""
    terms = distinctive_terms(database, text, known_only=True)
    # Two shared words at least: with the complaint's text in play, one word ("jalan") is
    # shared by half the office's cases.
    expression = similar_text_expression(terms) if len(terms) >= 2 else None
    if expression is None:
        return []
    wanted = set(terms)
    candidates = [
        int(rowid)
        for (rowid,) in database.execute(
            "SELECT rowid FROM case_search WHERE case_search MATCH ? "
            "ORDER BY bm25(case_search, 3.0, 1.0) LIMIT ?",
            [expression, limit * 4],
        ).fetchall()
    ]
    rows = _rows(database, candidates, actor)
    return [
        candidate
        for candidate in candidates
        if candidate in rows
        and len(wanted & set(stem_words(f"{rows[candidate]['title']} {rows[candidate]['body']}")))
        >= 2
    ]


def _rows(
    database: sqlite_utils.Database, ids: list[int], actor: Actor
) -> dict[int, dict[str, Any]]:
    """The rows of `ids` that `actor` may read."""
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    readable, params = readable_condition(actor, "c")
    return {
        int(row["id"]): row
        for row in database.query(
            "SELECT c.id, c.local_id, c.tracking_no, c.provisional_no, c.status, c.title, c.body "
            f"FROM cases AS c WHERE c.id IN ({marks}) AND {readable}",
            [*ids, *params],
        )
    }


# ---------------------------------------------------------------------------------------------
# Recording


def check_may_record(actor: Actor) -> None:
    if actor.role not in INTAKE_ROLES:
        raise ActionRefused(t("intake.refused", role=role_label(actor.role.value)))


def office_today(database: sqlite_utils.Database, now: datetime) -> date:
    return now.astimezone(ZoneInfo(office_time_zone(database))).date()


def next_provisional_no(database: sqlite_utils.Database, unit_code: str) -> str:
    """The next provisional number of this desk for a unit: `L-PUPR-0007`.

    The counter lives in `settings` and only goes up; call inside the write transaction that
    stores the case, so two intakes at once never get the same number.
    """
    unit = re.sub(r"[^A-Z0-9]", "", unit_code.upper())[:12] or "DESK"
    key = f"intake.provisional.{unit}"
    row = database.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    number = int(row[0]) + 1 if row else 1
    while True:
        candidate = f"{PROVISIONAL_PREFIX}-{unit}-{number:04d}"
        taken = database.execute(
            "SELECT 1 FROM cases WHERE provisional_no = ?", [candidate]
        ).fetchone()
        if taken is None:
            break
        number += 1  # a restored backup may have fallen behind the numbers already given
    database.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, str(number)],
    )
    return candidate


# ---------------------------------------------------------------------------------------------
# The form's unsaved draft: what an officer typed survives closing the desk or a crash


def _draft_key(nip: str) -> str:
    return f"intake.draft.{nip}"


def save_form_draft(database: sqlite_utils.Database, nip: str, draft: IntakeDraft) -> None:
    """Keep what `nip` has typed so far (one draft per officer, replaced each time)."""
    text = json.dumps(asdict(draft), ensure_ascii=False, separators=(",", ":"))
    with write_transaction(database):
        database.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [_draft_key(nip), text],
        )


def load_form_draft(database: sqlite_utils.Database, nip: str) -> IntakeDraft | None:
    row = database.execute("SELECT value FROM settings WHERE key = ?", [_draft_key(nip)]).fetchone()
    if row is None:
        return None
    try:
        values = json.loads(row[0])
    except ValueError:
        return None
    return IntakeDraft.from_mapping(values) if isinstance(values, dict) else None


def discard_form_draft(database: sqlite_utils.Database, nip: str) -> None:
    with write_transaction(database):
        database.execute("DELETE FROM settings WHERE key = ?", [_draft_key(nip)])


@dataclass(frozen=True)
class Recorded:
    """A complaint recorded at the desk."""

    case: dict[str, Any]
    provisional_no: str
    op_id: str


def record_intake(
    database: sqlite_utils.Database,
    actor: Actor,
    draft: IntakeDraft,
    now: datetime | None = None,
) -> Recorded:
    """Record a complaint that arrived at the office, as `actor`, in one transaction.

    Refuses officers who may not record (`ActionRefused`) and invalid input (`IntakeInvalid`)
    before anything is written. The case gets a provisional number, status baru with its
    verification clock, a "received" event whose uid is the `create` op's id, that op in the
    outbox and an audit entry.
    """
    now = now or utc_now()
    check_may_record(actor)
    intake = validate(draft, today=office_today(database, now))
    with write_transaction(database):
        number = next_provisional_no(database, actor.unit_code)
        case = create_case(
            database,
            intake.case_fields(),
            reporter=intake.reporter,
            received_at=now,
            source="desk",
            actor_nip=actor.nip,
            provisional_no=number,
            now=now,
        )
        row = database.execute(
            "SELECT op_id FROM outbox WHERE case_id = ? AND kind = 'create'", [case["id"]]
        ).fetchone()
        # The form's draft is now a case: gone with the same commit.
        database.execute("DELETE FROM settings WHERE key = ?", [_draft_key(actor.nip)])
    return Recorded(case, number, str(row[0]))
