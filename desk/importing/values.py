"""Reading one cell: dates, statuses, yes/no, classifications, channels, categories, NIK.

Each parser takes the cell's text (already stripped) and returns the stored value, or raises
`BadValue` with the row error's text. Nothing here touches the database.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from desk.i18n import STATUS_LABELS, t
from desk.lapor import load_categories


class BadValue(ValueError):
    """A cell that cannot be used; the message is the row error's reason."""


# -- the export's neutralisation and masked personal data -------------------------------------

_NEUTRALISED = re.compile(r"'(?=[=+\-@\t\r])")


def unneutralise(text: str) -> str:
    """Undo the export's spreadsheet neutralisation: "'=SUM(1)" was "=SUM(1)"."""
    if text.startswith("'") and _NEUTRALISED.match(text):
        return text[1:]
    return text


def is_masked(text: str) -> bool:
    """A masked personal value such as 6471********0003: never stored."""
    return "*" in text  # names, NIKs, phones and e-mail addresses never contain one


# -- dates ------------------------------------------------------------------------------------

MONTHS = {
    "januari": 1, "jan": 1, "january": 1,
    "februari": 2, "feb": 2, "pebruari": 2, "peb": 2, "february": 2,
    "maret": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "agustus": 8, "agu": 8, "agt": 8, "ags": 8, "aug": 8, "august": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "oct": 10, "october": 10,
    "november": 11, "nov": 11, "nop": 11,
    "desember": 12, "des": 12, "dec": 12, "december": 12,
}  # fmt: skip
_DAY_NAME = re.compile(
    r"^(senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)\.?,?\s+",
    re.IGNORECASE,
)
_TIME = r"(?:[ T,]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:\s*(WIB|WITA|WIT))?)?"
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})" + _TIME + r"$")
_YMD = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})" + _TIME + r"$")
_NAMED = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})" + _TIME + r"$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
# Excel serial days: five digits (1954-2173), so that a bare year such as "2025" is not a date.
_SERIAL = re.compile(r"^\d{5}(\.\d+)?$")
_ZONE_NAMES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
_EXCEL_EPOCH = datetime(1899, 12, 30)


@lru_cache(maxsize=64)
def _zone(tz: str) -> ZoneInfo:
    return ZoneInfo(tz)


def excel_serial(value: float) -> datetime:
    """A naive datetime from an Excel serial day number (1900 date system)."""
    if not 1 <= value < 2958466:
        raise BadValue(t("import.row.date", value=value))
    return (_EXCEL_EPOCH + timedelta(days=value)).replace(microsecond=0)


def _naive(text: str) -> tuple[datetime, str | None] | None:
    """The date and time written in `text` (naive) and a zone name when it says one."""
    text = _DAY_NAME.sub("", text.strip())
    for pattern, order in ((_DMY, "dmy"), (_YMD, "ymd"), (_NAMED, "named")):
        match = pattern.match(text)
        if match is None:
            continue
        a, b, c, hh, mm, ss, zone = match.groups()
        if order == "dmy":
            day, month, year = int(a), int(b), int(c)
        elif order == "ymd":
            year, month, day = int(a), int(b), int(c)
        else:
            month_number = MONTHS.get(b.lower())
            if month_number is None:
                return None
            day, month, year = int(a), month_number, int(c)
        try:
            moment = datetime(year, month, day, int(hh or 0), int(mm or 0), int(ss or 0))
        except ValueError:
            return None
        return moment, _ZONE_NAMES.get(zone) if zone else None
    return None


def parse_instant(text: str, tz: str) -> datetime:
    """An instant (UTC) from a cell; a time without zone is local time in `tz`."""
    try:
        return _parse_instant(text, tz)
    except OverflowError as error:  # "01/01/0001 00:00" east of UTC is before year 1 there
        raise BadValue(t("import.row.date", value=text)) from error


def _parse_instant(text: str, tz: str) -> datetime:
    if _ISO.match(text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as error:
            raise BadValue(t("import.row.date", value=text)) from error
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_zone(tz))
        return moment.astimezone(UTC).replace(microsecond=0)
    if _SERIAL.match(text):
        naive = excel_serial(float(text))
        return naive.replace(tzinfo=_zone(tz)).astimezone(UTC)
    try:
        only_date = date.fromisoformat(text) if len(text) == 10 and text[4] == "-" else None
    except ValueError:
        only_date = None
    if only_date is not None:
        return datetime.combine(only_date, time(), _zone(tz)).astimezone(UTC)
    parsed = _naive(text)
    if parsed is None:
        raise BadValue(t("import.row.date", value=text))
    moment, zone = parsed
    return moment.replace(tzinfo=_zone(zone or tz)).astimezone(UTC)


# -- the same, fast, for a million rows ------------------------------------------------------------

# LAPOR!'s own form, "14/07/2025 09:30": read by slicing, the hour's UTC start remembered.
_DMY_HM = re.compile(r"\d\d/\d\d/\d{4} \d\d:\d\d")
_hours: dict[tuple[str, str], str] = {}  # (zone, "dd/mm/yyyy HH") -> "yyyy-mm-ddTHH" in UTC, or ""
_days: dict[str, str] = {}  # a cell -> its calendar day, for cells that are one
_MEMO_LIMIT = 100_000


def _utc_hour(text: str, tz: str) -> str:
    """ "yyyy-mm-ddTHH", the UTC hour when the local hour `text` ("dd/mm/yyyy HH") begins, if
    every minute of that hour is a whole number of hours from UTC; else "" (the slow path)."""
    zone = _zone(tz)
    try:
        start = datetime(int(text[6:10]), int(text[3:5]), int(text[:2]), int(text[11:13]))
    except ValueError:
        return ""
    first = start.replace(tzinfo=zone)
    last = start.replace(minute=59, tzinfo=zone)
    offset = first.utcoffset()
    if offset is None or offset != last.utcoffset() or offset.total_seconds() % 3600:
        return ""
    try:
        return first.astimezone(UTC).strftime("%Y-%m-%dT%H")
    except OverflowError:
        return ""


def instant_text(text: str, tz: str) -> str:
    """The stored text of `parse_instant(text, tz)` ("2025-07-14T01:30:00Z"), the same value,
    with the common "dd/mm/yyyy HH:MM" read without a regular expression per row."""
    if len(text) == 16 and text[14:16] < "60" and _DMY_HM.fullmatch(text):
        key = (tz, text[:13])
        hour = _hours.get(key)
        if hour is None:
            if len(_hours) >= _MEMO_LIMIT:
                _hours.clear()
            hour = _hours[key] = _utc_hour(text[:13], tz)
        if hour:
            return f"{hour}:{text[14:16]}:00Z"
    return parse_instant(text, tz).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_text(text: str) -> str:
    """`parse_day(text)`, remembered: the incident dates of a file repeat."""
    found = _days.get(text)
    if found is None:
        found = parse_day(text)  # raises BadValue (not remembered) for a cell that is no day
        if len(_days) >= _MEMO_LIMIT:
            _days.clear()
        _days[text] = found
    return found


def parse_day(text: str) -> str:
    """A calendar day (the incident date) as YYYY-MM-DD."""
    if _SERIAL.match(text):
        return excel_serial(float(text)).date().isoformat()
    if _ISO.match(text):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
        except ValueError as error:
            raise BadValue(t("import.row.date", value=text)) from error
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    parsed = _naive(text)
    if parsed is None:
        raise BadValue(t("import.row.date", value=text))
    return parsed[0].date().isoformat()


# -- codes --------------------------------------------------------------------------------------


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


_STATUS: dict[str, str] = {}
for _code, (_id_label, _en_label) in STATUS_LABELS.items():
    _STATUS[_key(_code)] = _code
    _STATUS[_key(_id_label)] = _code
    _STATUS[_key(_en_label)] = _code
# LAPOR!'s own strings (DOMAIN.md). "Dalam Proses" is LAPOR!'s state after the instansi has
# answered and before it closes: our `diproses`. "Ditolak" (rejected) is archived here.
_STATUS.update(
    {
        "terverifikasi": "terverifikasi",
        "terdisposisi": "terverifikasi",
        "didisposisikan": "terverifikasi",
        "disposisi": "terverifikasi",
        "dalam proses": "diproses",
        "diproses": "diproses",
        "ditindaklanjuti oleh instansi": "diproses",
        "tindak lanjut": "diproses",
        "ditanggapi oleh pelapor": "ditanggapi",
        "selesai otomatis": "selesai",
        "selesai otomatis dalam 10 hari": "selesai",
        "ditutup": "selesai",
        "closed": "selesai",
        "ditolak": "diarsipkan",
        "diarsip": "diarsipkan",
        "bukan wewenang": "dikembalikan",
        "dikembalikan": "dikembalikan",
        "ditunda": "tunda",
        "belum terverifikasi": "baru",
        "baru": "baru",
        "new": "baru",
    }
)
_DISPOSED_TO = re.compile(
    r"^\s*(?:terdisposisi|didisposisikan|disposisi)\s+(?:ke|kepada)\s+(.+)$", re.I
)


@lru_cache(maxsize=4096)  # the same few labels on every row
def parse_status(text: str) -> tuple[str, str | None]:
    """The status code and, for "Terdisposisi ke <instansi>", the instansi named."""
    match = _DISPOSED_TO.match(text)
    if match:
        return "terverifikasi", match.group(1).strip()
    code = _STATUS.get(_key(text))
    if code is None:
        raise BadValue(t("import.row.status", value=text))
    return code, None


_TRUE = frozenset({"ya", "y", "1", "true", "yes", "iya", "benar", "t"})
_FALSE = frozenset({"tidak", "n", "0", "false", "no", "tdk", "bukan", "f", "-"})


@lru_cache(maxsize=4096)  # the same few labels on every row
def parse_bool(text: str) -> int:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return 1
    if lowered in _FALSE:
        return 0
    raise BadValue(t("import.row.bool", value=text))


_CLASSIFICATIONS = {
    "pengaduan": "pengaduan",
    "complaint": "pengaduan",
    "aduan": "pengaduan",
    "aspirasi": "aspirasi",
    "suggestion": "aspirasi",
    "aspiration": "aspirasi",
    "permintaan informasi": "permintaan_informasi",
    "permintaan_informasi": "permintaan_informasi",
    "permintaan info": "permintaan_informasi",
    "information request": "permintaan_informasi",
    "request for information": "permintaan_informasi",
}


@lru_cache(maxsize=4096)  # the same few labels on every row
def parse_classification(text: str) -> str:
    code = _CLASSIFICATIONS.get(" ".join(text.lower().replace("_", " ").split()))
    if code is None:
        code = _CLASSIFICATIONS.get(text.strip().lower())
    if code is None:
        raise BadValue(t("import.row.classification", value=text))
    return code


_DIGITS = re.compile(r"^\d{16}$")


def parse_nik(text: str) -> str:
    compact = text.replace(" ", "").replace(".", "")
    if not _DIGITS.match(compact):
        raise BadValue(t("import.row.nik", value=text))
    return compact


def parse_rating(text: str) -> int:
    try:
        value = int(float(text))
    except ValueError as error:
        raise BadValue(t("import.row.rating", value=text)) from error
    if not 1 <= value <= 5:
        raise BadValue(t("import.row.rating", value=text))
    return value


# -- categories ---------------------------------------------------------------------------------


class Categories:
    """The LAPOR! tree, matched case- and space-insensitively; unknown names are kept."""

    def __init__(self) -> None:
        tree = load_categories()
        self.main = {_key(name): name for name in tree}
        self.subs = {_key(main): {_key(sub): sub for sub in subs} for main, subs in tree.items()}
        self.any_sub: dict[str, str] = {}
        for subs in tree.values():
            for sub in subs:
                self.any_sub.setdefault(_key(sub), sub)

        self._main_cache: dict[str, tuple[str, bool]] = {}
        self._sub_cache: dict[tuple[str | None, str], tuple[str, bool]] = {}

    def main_category(self, text: str) -> tuple[str, bool]:
        """(the stored name, whether it is in the tree)."""
        cached = self._main_cache.get(text)
        if cached is None:
            found = self.main.get(_key(text))
            cached = (found, True) if found else (" ".join(text.split()), False)
            if len(self._main_cache) < 100_000:
                self._main_cache[text] = cached
        return cached

    def subcategory(self, main: str | None, text: str) -> tuple[str, bool]:
        cached = self._sub_cache.get((main, text))
        if cached is None:
            key = _key(text)
            found = self.subs.get(_key(main), {}).get(key) if main else None
            found = found or self.any_sub.get(key)
            cached = (found, True) if found else (" ".join(text.split()), False)
            if len(self._sub_cache) < 100_000:
                self._sub_cache[(main, text)] = cached
        return cached
