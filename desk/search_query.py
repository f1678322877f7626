"""The inbox search language, shared by the TUI's `/` box and `desk case list --query`.

A query is words and qualifiers separated by spaces; every part must hold, so each one narrows::

    jalan rusak status:baru,tunda unit:PUPR kategori:"JALAN RUSAK" sesudah:2026-03-01

- **Words** search the title and body, stemmed like the index ("perbaikan" finds "diperbaiki");
  a word ending in `*` matches as a prefix. Double quotes group text: `"jalan rusak"`.
- **Qualifiers** are `name:value`, the name in any case, Indonesian or English:

  ==========================  =============================================================
  `status:`                   a status code (`baru`, `tunda`, `terverifikasi`, ...), a label
                              as the desk shows it, in either language (`Terdisposisi`,
                              `Bukan Wewenang`, `returned`, `followed up`; spaces need no
                              quotes), or an unambiguous prefix of one (`status:terv`);
                              several with commas (`status:baru,tunda`); repeated
                              qualifiers add up
  `unit:` / `opd:`            a unit code (`unit:pupr` is `PUPR`)
  `kategori:` / `category:`   a main category or a sub-category, any case; quote values
                              with spaces: `kategori:"JALAN RUSAK"`
  `kanal:` / `channel:`       web, sms, android, whatsapp, loket, ...
  `anonim:` / `anonymous:`    ya/tidak, y/n, yes/no, true/false, 1/0
  `rahasia:` / `confidential:` the same yes/no values
  `sesudah:` / `after:`       received on or after a date: from 00:00 of that day
  `sebelum:` / `before:`      received before a date: until 00:00 of that day (exclusive)
  `#8112829`                  a tracking number; `#L-PUPR-0007` the provisional number a
                              desk gave a case at counter intake (docs/intake.md). A query
                              that is only a number of 5 digits or more (`8112829`), and a
                              provisional number anywhere (`L-PUPR-0007`), need no `#`
  ==========================  =============================================================

  Dates are written `2026-03-01`, `01/03/2026` or `01-03-2026` and are days of the office's
  time zone: `sesudah:2026-03-01` in WITA starts at 2026-02-28T16:00:00Z.

What counts as a qualifier, so that a typo is an error and never a silently empty list:

- Only a part that starts with letters and a colon *and has something after the colon* is read
  as a qualifier: `stauts:baru` and `jam:10` are errors (unknown qualifier, with a suggestion).
  To search for such text, quote it: `"jam:10"`. A part that starts with a quote is always words.
- A known qualifier with nothing after the colon (`status:` or `status: baru`) is an error.
- A word that merely ends in a colon (`catatan:`), a time (`10:30`) and a web address
  (`http://...`, a name followed by `//`) are words.
- `#` followed by anything but digits is an error (quote it to search for a hashtag); a lone `#`
  is ignored.
- Given the values the database knows (`known`, see `desk.inbox.InboxSource.known_values`), a
  `unit:`, `kanal:` or `kategori:` value that no case or unit has is an error naming the closest
  known values (the TUI and the CLI pass them; without them any value is taken).
- A single-valued qualifier given twice with different values is an error, and so is a date
  range with no day in it (`sesudah:` on or after `sebelum:`).

Typographic quotes (“ ”, as phones type them) count as `"`; a quote cannot be escaped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from db.inbox import CaseFilter
from db.timefmt import to_text
from desk.errors import InvalidInput
from desk.i18n import STATUS_LABELS, current_language, status_label
from desk.safety import printable
from desk.workflow import Status

if TYPE_CHECKING:
    from desk.inbox import KnownValues

__all__ = ["QUALIFIERS", "QueryError", "parse_query"]


class QueryError(InvalidInput):
    """A search the desk cannot read; the message says which part and how to write it."""


@dataclass(frozen=True)
class Qualifier:
    """One qualifier: the CaseFilter field it sets and its names in each language."""

    field: str
    name_id: str
    name_en: str
    example: str

    def name(self) -> str:
        return self.name_en if current_language() == "en" else self.name_id


_STATUS = Qualifier("statuses", "status", "status", "baru")
_UNIT = Qualifier("unit_code", "unit", "unit", "PUPR")
_CATEGORY = Qualifier("category", "kategori", "category", '"JALAN RUSAK"')
_CHANNEL = Qualifier("channel", "kanal", "channel", "sms")
_ANONYMOUS = Qualifier("anonymous", "anonim", "anonymous", "ya")
_CONFIDENTIAL = Qualifier("confidential", "rahasia", "confidential", "tidak")
_BEFORE = Qualifier("received_until", "sebelum", "before", "2026-03-31")
_AFTER = Qualifier("received_from", "sesudah", "after", "2026-03-01")

# Every name a qualifier answers to, in lower case.
QUALIFIERS: dict[str, Qualifier] = {
    "status": _STATUS,
    "unit": _UNIT,
    "opd": _UNIT,
    "kategori": _CATEGORY,
    "category": _CATEGORY,
    "kanal": _CHANNEL,
    "channel": _CHANNEL,
    "anonim": _ANONYMOUS,
    "anonymous": _ANONYMOUS,
    "rahasia": _CONFIDENTIAL,
    "confidential": _CONFIDENTIAL,
    "sebelum": _BEFORE,
    "before": _BEFORE,
    "sesudah": _AFTER,
    "after": _AFTER,
}
_KNOWN_ID = "status:, unit:, kategori:, kanal:, anonim:, rahasia:, sebelum:, sesudah:, #nomor"
_KNOWN_EN = (
    "status:, unit:, category:, channel:, anonymous:, confidential:, before:, after:, #number "
    "(or their Indonesian names)"
)

_YES = frozenset({"ya", "y", "yes", "true", "1"})
_NO = frozenset({"tidak", "n", "no", "false", "0"})
_STATUS_CODES = tuple(status.value for status in Status)

# A qualifier attempt: letters (any script), a colon, then the value (possibly empty).
_QUALIFIER = re.compile(r"([^\W\d_]+):(.*)", re.DOTALL)
_TRACKING = re.compile(r"[0-9]+")
_BARE_TRACKING = re.compile(r"[0-9]{5,}")  # a query that is only this is a tracking number
# A provisional number a desk gave at counter intake (docs/intake.md): L-<unit>-<n>.
_PROVISIONAL = re.compile(r"[Ll]-[A-Za-z0-9]+-[0-9]+")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_LOCAL_DATE = re.compile(r"([0-9]{1,2})([/-])([0-9]{1,2})\2([0-9]{4})")
_TYPOGRAPHIC_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"'})
_FIRST_YEAR, _LAST_YEAR = 1900, 2999  # beyond these a date is a typo (and UTC text breaks)

_MESSAGES: dict[str, tuple[str, str]] = {
    "unknown": (
        "Penyaring '{name}:' tidak dikenal.{hint} Yang dikenal: {known}. "
        'Untuk mencari teks itu sendiri, beri tanda kutip: "{token}".',
        "Unknown filter '{name}:'.{hint} Known filters: {known}. "
        'To search for the text itself, put it in quotes: "{token}".',
    ),
    "hint": (" Maksud Anda '{name}:'?", " Did you mean '{name}:'?"),
    "empty": (
        "'{name}:' tanpa nilai: tulis nilainya langsung setelah titik dua, misalnya {example}.",
        "'{name}:' has no value: write it right after the colon, e.g. {example}.",
    ),
    "quote": (
        'Tanda kutip (") tidak ditutup: tambahkan " penutup.',
        'A quote (") is not closed: add the closing ".',
    ),
    "status": (
        "Status '{value}' tidak dikenal.{close} Status: {codes}.",
        "Unknown status '{value}'.{close} Statuses: {codes}.",
    ),
    "unknown_value": (
        "{what} '{value}' tidak dikenal di basis data ini.{close}",
        "No {what} '{value}' in this database.{close}",
    ),
    "closest": (" Yang paling mirip: {names}.", " Closest: {names}."),
    "some_known": (" Contoh yang dikenal: {names}.", " Known, for example: {names}."),
    "what.unit": ("Unit", "unit"),
    "what.channel": ("Kanal", "channel"),
    "what.category": ("Kategori", "category"),
    "ambiguous": (
        "Status '{value}' bisa berarti {codes}: ketik lebih lengkap.",
        "Status '{value}' could mean {codes}: type more of it.",
    ),
    "date": (
        "Tanggal '{value}' pada '{name}:' tidak terbaca: tulis seperti 2026-03-01 atau 01/03/2026.",
        "Cannot read the date '{value}' in '{name}:': write it like 2026-03-01 or 01/03/2026.",
    ),
    "yes_no": (
        "'{name}:' menerima ya atau tidak, bukan '{value}'.",
        "'{name}:' takes yes or no, not '{value}'.",
    ),
    "tracking": (
        "Nomor pelacakan '#{value}' harus berupa angka, misalnya #8112829, atau nomor sementara "
        'seperti #L-PUPR-0007 (untuk mencari teksnya, beri tanda kutip: "#{value}").',
        "The tracking number '#{value}' must be digits, e.g. #8112829, or a provisional number "
        'like #L-PUPR-0007 (to search for the text, put it in quotes: "#{value}").',
    ),
    "one_unit": (
        "'{name}:' menerima satu kode unit, bukan '{value}'.",
        "'{name}:' takes one unit code, not '{value}'.",
    ),
    "twice": (
        "'{name}' diberikan dua kali dengan nilai berbeda ('{first}' dan '{second}'): pilih satu.",
        "'{name}' is given twice with different values ('{first}' and '{second}'): choose one.",
    ),
    "range": (
        "Tidak ada hari di antara sesudah:{after} dan sebelum:{before}.",
        "No day lies between after:{after} and before:{before}.",
    ),
}


def _error(key: str, **values: object) -> QueryError:
    indonesian, english = _MESSAGES[key]
    template = english if current_language() == "en" else indonesian
    return QueryError(template.format(**values))


def _shown(text: str) -> str:
    """User input echoed in a message: one inert line, not too long."""
    text = printable(text, keep_newlines=False)
    return text if len(text) <= 40 else text[:39] + "…"


def parse_query(
    text: str, *, office_tz: str = "Asia/Makassar", known: KnownValues | None = None
) -> CaseFilter:
    """The filter that `text` asks for; raise `QueryError` naming the part that cannot be read.

    Dates are local days in `office_tz`. An empty query gives a filter that filters nothing.
    `known`: the units, channels and categories of the database; a value outside them is an
    error (with the closest ones) rather than an empty list.
    """
    parser = _Parser(ZoneInfo(office_tz), known)
    tokens = _join_status_words(_tokens(text.translate(_TYPOGRAPHIC_QUOTES)))
    if len(tokens) == 1 and _BARE_TRACKING.fullmatch(tokens[0]):
        tokens = ["#" + tokens[0]]  # read out on the phone: "tujuh juta empat ribu..."
    for token in tokens:
        if _PROVISIONAL.fullmatch(token):
            token = "#" + token
        parser.read(token)
    return parser.result()


def is_number_search(case_filter: CaseFilter) -> bool:
    """The search names one case by its number and asks nothing else."""
    return case_filter.tracking_no is not None and case_filter == CaseFilter(
        tracking_no=case_filter.tracking_no
    )


def _fold(text: str) -> str:
    """A status name as compared: case, spaces and punctuation left out."""
    return "".join(character for character in text.casefold() if character.isalnum())


def _status_names() -> dict[str, str]:
    """Every name a status answers to (folded) → its code: codes, and the labels the desk shows
    (the case screen's and the list's), in both languages."""
    from desk.inbox import SHORT_STATUS_LABELS

    names = {code: code for code in _STATUS_CODES}
    for labels in (STATUS_LABELS, SHORT_STATUS_LABELS):
        for code, pair in labels.items():
            for label in pair:
                names.setdefault(_fold(label), code)
    return names


def _join_status_words(tokens: list[str]) -> list[str]:
    """`status:Bukan Wewenang` typed without quotes: the words that complete a status label
    belong to the qualifier, not to the text searched."""
    names = _status_names()
    joined: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        match = _QUALIFIER.fullmatch(token)
        if match and QUALIFIERS.get(match.group(1).casefold()) is _STATUS and match.group(2):
            last = match.group(2).rsplit(",", 1)[-1]
            for extra in (3, 2, 1):
                following = tokens[index : index + extra]
                if len(following) < extra or any('"' in part or ":" in part for part in following):
                    continue
                words = [last, *following[:-1], following[-1].split(",", 1)[0]]
                folded = _fold(" ".join(words))
                # A whole label, or the start of exactly one ("followed up" of "Followed up,
                # waiting for reporter").
                if folded in names or (
                    len({code for name, code in names.items() if name.startswith(folded)}) == 1
                ):
                    token = " ".join([token, *following])
                    index += extra
                    break
        joined.append(token)
    return joined


def _tokens(text: str) -> list[str]:
    """The parts of `text` split at spaces outside double quotes, quotes kept."""
    tokens: list[str] = []
    current: list[str] = []
    quoted = False
    for character in text:
        if character == '"':
            quoted = not quoted
        elif character.isspace() and not quoted:
            if current:
                tokens.append("".join(current))
                current = []
            continue
        current.append(character)
    if quoted:
        raise _error("quote")
    if current:
        tokens.append("".join(current))
    return tokens


class _Parser:
    """Reads the parts of one query and gathers what they ask for."""

    def __init__(self, zone: ZoneInfo, known: KnownValues | None = None) -> None:
        self.zone = zone
        self.known = known
        self.words: list[str] = []
        self.statuses: list[str] = []
        self.fields: dict[str, Any] = {}
        self.typed: dict[str, str] = {}  # field → the value as typed, for messages

    def read(self, token: str) -> None:
        if token.startswith("#") and token != "#":
            self._tracking(token[1:].replace('"', ""))
            return
        match = _QUALIFIER.fullmatch(token)
        if match is None or match.group(2).startswith("//"):
            self._word(token)
            return
        typed_name, raw_value = match.groups()
        qualifier = QUALIFIERS.get(typed_name.casefold())
        if qualifier is None:
            if not raw_value:  # "catatan:" is a word that ends a phrase, not a filter
                self._word(token)
                return
            raise self._unknown(typed_name, token)
        value = raw_value.replace('"', "").strip()
        if not value:
            raise _error(
                "empty", name=_shown(typed_name), example=f"{typed_name}:{qualifier.example}"
            )
        self._qualifier(qualifier, typed_name, value)

    def _word(self, token: str) -> None:
        word = token.replace('"', "").strip()
        if word and word != "#":
            self.words.append(word)

    def _tracking(self, number: str) -> None:
        if _PROVISIONAL.fullmatch(number):
            number = number.upper()
        elif not _TRACKING.fullmatch(number):
            raise _error("tracking", value=_shown(number))
        self._set("tracking_no", number, "#", number)

    def _unknown(self, typed_name: str, token: str) -> QueryError:
        names = [name for name in QUALIFIERS if name.isascii()]
        close = difflib.get_close_matches(typed_name.casefold(), names, n=1, cutoff=0.6)
        hint = _error("hint", name=close[0]).args[0] if close else ""
        known = _KNOWN_EN if current_language() == "en" else _KNOWN_ID
        return _error(
            "unknown", name=_shown(typed_name), hint=hint, known=known, token=_shown(token)
        )

    def _qualifier(self, qualifier: Qualifier, typed_name: str, value: str) -> None:
        if qualifier is _STATUS:
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not parts:
                raise _error("empty", name=_shown(typed_name), example=f"{typed_name}:baru")
            for code in map(_status_code, parts):
                if code not in self.statuses:
                    self.statuses.append(code)
        elif qualifier is _UNIT:
            if "," in value:
                raise _error("one_unit", name=_shown(typed_name), value=_shown(value))
            if self.known is not None:
                _check_known("unit", value.upper(), self.known.units, value)
            self._set(qualifier.field, value.upper(), typed_name, value)
        elif qualifier is _CATEGORY:
            if self.known is not None:
                _check_known("category", value.casefold(), self.known.categories, value)
            self._set(qualifier.field, value, typed_name, value, fold=True)
        elif qualifier is _CHANNEL:
            from desk.lapor import parse_channel

            channel = parse_channel(value)  # "wa" is whatsapp, "website" web, as imports read
            if self.known is not None:
                _check_known("channel", channel, self.known.channels, value)
            self._set(qualifier.field, channel, typed_name, value)
        elif qualifier in (_ANONYMOUS, _CONFIDENTIAL):
            self._set(qualifier.field, _yes_no(typed_name, value), typed_name, value)
        else:  # a date
            day = _date(typed_name, value)
            start = datetime.combine(day, time(0), tzinfo=self.zone)
            self._set(qualifier.field, to_text(start), typed_name, value)

    def _set(
        self, field: str, value: Any, typed_name: str, typed: str, *, fold: bool = False
    ) -> None:
        """Set a single-valued field; a second, different value is an error."""
        earlier = self.fields.get(field)
        if earlier is not None:
            if (fold and str(earlier).casefold() == str(value).casefold()) or earlier == value:
                return
            raise _error(
                "twice",
                name="#" if typed_name == "#" else f"{_shown(typed_name)}:",
                first=_shown(self.typed[field]),
                second=_shown(typed),
            )
        self.fields[field] = value
        self.typed[field] = typed

    def result(self) -> CaseFilter:
        after, before = self.fields.get("received_from"), self.fields.get("received_until")
        if after is not None and before is not None and after >= before:
            raise _error(
                "range",
                after=_shown(self.typed["received_from"]),
                before=_shown(self.typed["received_until"]),
            )
        return CaseFilter(
            statuses=tuple(self.statuses) or None,
            words=" ".join(self.words) or None,
            **self.fields,
        )


def _check_known(what: str, value: str, known: frozenset[str], typed: str) -> None:
    """An error naming the closest known values when `value` is not one of them."""
    if value in known:
        return
    close = difflib.get_close_matches(value, sorted(known), n=3, cutoff=0.5)
    if what == "unit":
        # "DINKS" is close to DINKES; a unit typed in part ("PU") is close to its start.
        close += [name for name in sorted(known) if name.startswith(value) and name not in close]
    shown = [name.upper() if what == "category" else name for name in close[:3]]
    if shown:
        hint = _error("closest", names=", ".join(shown)).args[0]
    else:
        examples = [name.upper() if what == "category" else name for name in sorted(known)[:6]]
        hint = _error("some_known", names=", ".join(examples)).args[0] if examples else ""
    raise _error(
        "unknown_value", what=_error(f"what.{what}").args[0], value=_shown(typed), close=hint
    )


def _status_code(value: str) -> str:
    names = _status_names()
    folded = _fold(value)
    if folded in names:
        return names[folded]
    candidates = sorted(
        {code for name, code in names.items() if folded and name.startswith(folded)},
        key=_STATUS_CODES.index,
    )
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise _error(
            "ambiguous", value=_shown(value), codes=", ".join(_status_named(c) for c in candidates)
        )
    close = difflib.get_close_matches(folded, list(names), n=2, cutoff=0.6)
    codes = sorted({names[name] for name in close}, key=_STATUS_CODES.index)
    hint = _error("closest", names=", ".join(map(_status_named, codes))).args[0] if codes else ""
    raise _error(
        "status",
        value=_shown(value),
        close=hint,
        codes=", ".join(_status_named(code) for code in _STATUS_CODES),
    )


def _status_named(code: str) -> str:
    """ "dikembalikan (Bukan Wewenang)": a code with the label the officer reads."""
    return f"{code} ({status_label(code)})"


def _yes_no(typed_name: str, value: str) -> bool:
    folded = value.casefold()
    if folded in _YES:
        return True
    if folded in _NO:
        return False
    raise _error("yes_no", name=_shown(typed_name), value=_shown(value))


def _date(typed_name: str, value: str) -> date:
    """A date written 2026-03-01, 01/03/2026 or 01-03-2026."""
    iso = _ISO_DATE.fullmatch(value)
    local = _LOCAL_DATE.fullmatch(value)
    try:
        if iso:
            day = date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        elif local:
            day = date(int(local.group(4)), int(local.group(3)), int(local.group(1)))
        else:
            raise ValueError(value)
        if not _FIRST_YEAR <= day.year <= _LAST_YEAR:
            raise ValueError(value)
    except ValueError:
        raise _error("date", value=_shown(value), name=_shown(typed_name)) from None
    return day
