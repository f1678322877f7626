"""The import's fast paths give exactly what the general code gives (docs/import.md)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from db.stemming import stem_text as stem_text_slow
from db.timefmt import to_text
from desk.importing.stems import stem_text
from desk.importing.values import BadValue, day_text, instant_text, parse_day, parse_instant

ZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Asia/Kolkata", "Europe/Berlin")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_stems_are_those_of_the_search_index(text: str) -> None:
    assert stem_text(text) == stem_text_slow(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aAzZ09_-.,é'\t\n İıßÉ\x00", max_size=60))
def test_stems_of_ascii_and_near_ascii_texts(text: str) -> None:
    assert stem_text(text) == stem_text_slow(text)


def test_stems_of_complaint_text() -> None:
    text = "Jalan RUSAK di-perbaiki? Pelayanan_publik MENGECEWAKAN, 2x! Café ÉCOLE"
    assert stem_text(text) == stem_text_slow(text)
    assert stem_text("") == stem_text(None) == ""


def _outcome(function: Callable[..., str], *arguments: str) -> object:
    try:
        return function(*arguments)
    except BadValue as error:
        return ("bad", str(error))


@settings(max_examples=600, deadline=None)
@given(
    st.integers(0, 33),
    st.integers(0, 13),
    st.sampled_from([1, 1900, 1969, 2024, 2025, 2026, 9999]),
    st.integers(0, 25),
    st.integers(0, 61),
    st.sampled_from(ZONES),
)
def test_fast_instants_are_the_general_ones(
    day: int, month: int, year: int, hour: int, minute: int, zone: str
) -> None:
    text = f"{day:02d}/{month:02d}/{year:04d} {hour:02d}:{minute:02d}"
    general = _outcome(lambda value, tz: to_text(parse_instant(value, tz)), text, zone)
    assert _outcome(instant_text, text, zone) == general


def test_fast_instants_across_a_daylight_saving_change() -> None:
    for text in ("30/03/2025 02:30", "26/10/2025 02:30", "30/03/2025 01:59", "26/10/2025 03:00"):
        assert instant_text(text, "Europe/Berlin") == to_text(parse_instant(text, "Europe/Berlin"))
    for text in ("14/07/2025 09:30", "Senin, 2025/07/14", "14 Juli 2025", "2025-07-14T10:00Z"):
        assert instant_text(text, "Asia/Makassar") == to_text(parse_instant(text, "Asia/Makassar"))


def test_remembered_days_are_the_parsed_ones() -> None:
    for text in ("22-04-2025", "22-04-2025", "2025-04-22", "14 Jul 2025", "45123"):
        assert day_text(text) == parse_day(text)
    for text in ("31-02-2025", "bukan tanggal", "31-02-2025"):
        assert _outcome(day_text, text) == _outcome(parse_day, text)
