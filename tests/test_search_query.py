"""The inbox search language: every qualifier, its aliases, quoting, and a clear error per typo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db import open_database
from db.inbox import CaseFilter, count_cases, fetch_page
from desk.i18n import set_language
from desk.search_query import QueryError, parse_query
from tests.conftest import case_in, make_office, new_case


def test_empty_query_filters_nothing() -> None:
    assert parse_query("") == CaseFilter()
    assert parse_query("   \t ") == CaseFilter()


def test_plain_words_are_full_text() -> None:
    assert parse_query("jalan  rusak") == CaseFilter(words="jalan rusak")
    assert parse_query("perbaik*").words == "perbaik*"


@pytest.mark.parametrize(
    ("query", "statuses"),
    [
        ("status:baru", ("baru",)),
        ("STATUS:Baru", ("baru",)),
        ("status:terv", ("terverifikasi",)),  # an unambiguous prefix
        ("status:baru,tunda", ("baru", "tunda")),
        ("status:baru, status:tunda status:baru", ("baru", "tunda")),  # repeated: they add up
        ("status:sel,diars", ("selesai", "diarsipkan")),
    ],
)
def test_status(query: str, statuses: tuple[str, ...]) -> None:
    assert parse_query(query).statuses == statuses


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("unit:PUPR", "unit_code", "PUPR"),
        ("Unit:pupr", "unit_code", "PUPR"),
        ("opd:rsud-aws", "unit_code", "RSUD-AWS"),
        ('kategori:"JALAN RUSAK"', "category", "JALAN RUSAK"),
        ('category:"Jalan Rusak"', "category", "Jalan Rusak"),
        ("kategori:INFRASTRUKTUR", "category", "INFRASTRUKTUR"),
        ("kanal:SMS", "channel", "sms"),
        ("channel:whatsapp", "channel", "whatsapp"),
        ("#8112829", "tracking_no", "8112829"),
    ],
)
def test_single_valued_qualifiers(query: str, field: str, value: str) -> None:
    assert getattr(parse_query(query), field) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ya", True),
        ("Y", True),
        ("yes", True),
        ("true", True),
        ("1", True),
        ("tidak", False),
        ("n", False),
        ("NO", False),
        ("false", False),
        ("0", False),
    ],
)
@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("anonim", "anonymous"),
        ("anonymous", "anonymous"),
        ("rahasia", "confidential"),
        ("confidential", "confidential"),
    ],
)
def test_yes_no_qualifiers(name: str, field: str, value: str, expected: bool) -> None:
    assert getattr(parse_query(f"{name}:{value}"), field) is expected


@pytest.mark.parametrize(
    "written", ["2026-03-01", "01/03/2026", "01-03-2026", "2026-3-1", "1/3/2026"]
)
def test_dates_are_local_days_of_the_office(written: str) -> None:
    # 2026-03-01 00:00 WITA (UTC+8) is 2026-02-28 16:00 UTC.
    assert parse_query(f"sesudah:{written}").received_from == "2026-02-28T16:00:00Z"
    assert parse_query(f"after:{written}").received_from == "2026-02-28T16:00:00Z"
    assert parse_query(f"sebelum:{written}").received_until == "2026-02-28T16:00:00Z"
    assert parse_query(f"BEFORE:{written}").received_until == "2026-02-28T16:00:00Z"


def test_dates_follow_the_office_time_zone() -> None:
    assert parse_query("sesudah:2026-03-01", office_tz="Asia/Jakarta").received_from == (
        "2026-02-28T17:00:00Z"
    )
    assert parse_query("sesudah:2026-03-01", office_tz="Asia/Jayapura").received_from == (
        "2026-02-28T15:00:00Z"
    )


def test_a_combination() -> None:
    query = (
        'jalan status:baru,tunda unit:pupr kategori:"JALAN RUSAK" kanal:sms anonim:ya '
        "rahasia:tidak sesudah:2026-03-01 sebelum:2026-04-01 #8112829 berlubang"
    )
    assert parse_query(query) == CaseFilter(
        words="jalan berlubang",
        statuses=("baru", "tunda"),
        unit_code="PUPR",
        category="JALAN RUSAK",
        channel="sms",
        anonymous=True,
        confidential=False,
        received_from="2026-02-28T16:00:00Z",
        received_until="2026-03-31T16:00:00Z",
        tracking_no="8112829",
    )


def test_text_that_only_looks_like_a_qualifier_is_words() -> None:
    assert parse_query("rapat 10:30").words == "rapat 10:30"  # a time
    assert parse_query("lihat https://lapor.go.id/x").words == "lihat https://lapor.go.id/x"
    assert parse_query("Catatan: jalan").words == "Catatan: jalan"  # nothing after the colon
    assert parse_query('"jam:10" "status:baru"') == CaseFilter(words="jam:10 status:baru")
    assert parse_query('"#JalanRusak"').words == "#JalanRusak"
    assert parse_query("# jalan").words == "jalan"


def test_quotes_group_words_and_typographic_quotes_count() -> None:
    assert parse_query('"jalan rusak" parah').words == "jalan rusak parah"
    assert parse_query("kategori:“JALAN RUSAK”").category == "JALAN RUSAK"
    assert parse_query('kategori:JALAN" "RUSAK').category == "JALAN RUSAK"


def test_a_repeated_qualifier_with_the_same_value_is_fine() -> None:
    assert parse_query("unit:PUPR unit:pupr").unit_code == "PUPR"
    assert parse_query("kategori:Jalan category:JALAN").category == "Jalan"


# -- errors ---------------------------------------------------------------------------------


def error_of(query: str) -> str:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    return str(caught.value)


def test_unknown_qualifier_is_named_with_the_known_ones() -> None:
    message = error_of("jalan stauts:baru")
    assert "'stauts:'" in message
    assert "Maksud Anda 'status:'?" in message
    for known in ("status:", "unit:", "kategori:", "kanal:", "anonim:", "sesudah:", "#nomor"):
        assert known in message
    assert '"stauts:baru"' in message  # how to search for the text instead
    assert "'jam:'" in error_of("jam:10")
    assert "'warna:'" in error_of("warna:merah")


def test_bad_dates() -> None:
    for value in ("2026-13-01", "31/02/2026", "kemarin", "2026/03/01", "0001-01-01", "1-3-26"):
        message = error_of(f"sesudah:{value}")
        assert f"'{value}'" in message and "2026-03-01" in message, value
    assert "'sebelum:'" in error_of("sebelum:30-02-2026")


def test_unknown_and_ambiguous_status() -> None:
    message = error_of("status:bru")
    assert "'bru'" in message
    assert "Yang paling mirip: baru (Belum Terverifikasi)" in message
    assert "tunda (Ditunda), terverifikasi (Terdisposisi), dikembalikan (Bukan Wewenang)" in message
    ambiguous = error_of("status:di")
    assert "dikembalikan (Bukan Wewenang), diproses (Ditindaklanjuti)" in ambiguous
    assert "'xx'" in error_of("status:baru,xx")


def test_unbalanced_quote() -> None:
    assert 'Tanda kutip (")' in error_of('kategori:"JALAN RUSAK')
    assert 'Tanda kutip (")' in error_of('jalan "rusak')


def test_empty_values() -> None:
    assert "'status:' tanpa nilai" in error_of("status:")
    assert "status:baru" in error_of("status: baru")  # shows how to write it
    assert "'kategori:' tanpa nilai" in error_of('kategori:""')
    assert "'sesudah:' tanpa nilai" in error_of("jalan sesudah:")
    assert "'status:' tanpa nilai" in error_of("status:,")


def test_other_bad_values() -> None:
    assert "'mungkin'" in error_of("anonim:mungkin")
    assert "'#12a'" in error_of("#12a")
    assert "'PUPR,DINKES'" in error_of("unit:PUPR,DINKES")
    assert "'PUPR' dan 'DINKES'" in error_of("unit:PUPR unit:DINKES")
    assert "'#' diberikan dua kali" in error_of("#1 #2")
    assert "sesudah:2026-03-02 dan sebelum:2026-03-01" in error_of(
        "sesudah:2026-03-02 sebelum:2026-03-01"
    )
    error_of("sesudah:2026-03-01 sebelum:2026-03-01")  # no day in between


def test_errors_in_english() -> None:
    set_language("en")
    assert "Unknown filter 'stauts:'. Did you mean 'status:'?" in error_of("stauts:baru")
    assert "category:" in error_of("stauts:baru")
    assert "Cannot read the date '2026-13-01' in 'after:'" in error_of("after:2026-13-01")
    assert "Unknown status 'bru'" in error_of("status:bru")
    assert 'A quote (") is not closed' in error_of('"jalan')
    assert "'status:' has no value" in error_of("status:")
    assert "takes yes or no" in error_of("anonymous:maybe")


def test_echoed_input_is_inert() -> None:
    message = error_of("warna:\x1b]52;c;SGVsbG8=\x07")
    assert "\x1b" not in message and "\x07" not in message


# -- against a database ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite_utils.Database]:
    database = open_database(Path(tmp_path_factory.mktemp("search")) / "desk.db")
    make_office(database)
    case_in(database, "baru", "1001")
    case_in(database, "terverifikasi", "1002")
    new_case(database, "1003", title="Lampu jalan mati", subcategory="Penerangan Jalan Umum")
    new_case(database, "1004", channel="sms", anonymous=1)
    yield database
    database.conn.close()


def numbers(database: sqlite_utils.Database, query: str) -> list[str]:
    rows = fetch_page(database, parse_query(query), "received", limit=100)
    return sorted(row["tracking_no"] for row in rows)


def test_queries_find_the_cases_they_describe(small_db: sqlite_utils.Database) -> None:
    assert numbers(small_db, "status:terv") == ["1002"]
    assert numbers(small_db, "unit:pupr") == ["1002"]
    assert numbers(small_db, 'kategori:"penerangan jalan umum"') == ["1003"]
    assert numbers(small_db, "kanal:SMS anonim:ya") == ["1004"]
    assert numbers(small_db, "lampu") == ["1003"]
    assert numbers(small_db, "#1001") == ["1001"]
    assert numbers(small_db, "sesudah:10/11/2026 sebelum:11/11/2026") == [
        "1001",
        "1002",
        "1003",
        "1004",
    ]
    assert numbers(small_db, "sebelum:10/11/2026") == []
    assert count_cases(small_db, parse_query("rapat 10:30")) == 0


QUERY_PARTS = st.sampled_from(
    [
        "status:",
        "status:baru",
        "status:di",
        "unit:",
        "kategori:",
        "kanal:sms",
        "anonim:",
        "rahasia:ya",
        "sebelum:",
        "sesudah:",
        "after:2026-02-30",
        "#",
        '"',
        ":",
        ",",
        "*",
        "jalan",
        "NEAR(",
        "http://",
        "\x1b[2J",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(), st.lists(st.one_of(QUERY_PARTS, st.text(max_size=8))).map("".join)))
def test_any_text_is_a_filter_or_a_query_error(small_db: sqlite_utils.Database, text: str) -> None:
    try:
        case_filter = parse_query(text)
    except QueryError as error:
        assert str(error)
        return
    assert isinstance(case_filter, CaseFilter)
    fetch_page(small_db, case_filter, "due", limit=5)
    count_cases(small_db, case_filter)


# -- as an officer reads it out (issue: an officer's day) ------------------------------------


@pytest.mark.parametrize(
    ("query", "statuses"),
    [
        ("status:Terdisposisi", ("terverifikasi",)),
        ("status:Disposisi", ("terverifikasi",)),  # the list's short label
        ('status:"Bukan Wewenang"', ("dikembalikan",)),
        ("status:Bukan Wewenang", ("dikembalikan",)),  # no quotes needed
        ("status:ditindaklanjuti", ("diproses",)),
        ("status:returned", ("dikembalikan",)),
        ("status:followed up", ("diproses",)),
        ("status:on hold,closed", ("tunda", "selesai")),
        ("status:baru,bukan wewenang", ("baru", "dikembalikan")),
        ("status:Ditanggapi Pelapor", ("ditanggapi",)),
    ],
)
def test_status_labels_in_both_languages(query: str, statuses: tuple[str, ...]) -> None:
    parsed = parse_query(query)
    assert parsed.statuses == statuses and parsed.words is None


def test_status_label_words_that_complete_no_label_stay_words() -> None:
    assert parse_query("status:baru wewenang") == CaseFilter(statuses=("baru",), words="wewenang")


@pytest.mark.parametrize(
    ("query", "number", "words"),
    [
        ("7004565", "7004565", None),
        ("#7004565", "7004565", None),
        ("L-PUPR-0001", "L-PUPR-0001", None),
        ("l-pupr-0001", "L-PUPR-0001", None),
        ("jalan L-PUPR-0001", "L-PUPR-0001", "jalan"),
        ("jalan 7004565", None, "jalan 7004565"),  # a number among words is a word
        ("2026", None, "2026"),  # too short to be a tracking number
    ],
)
def test_a_number_read_out_on_the_phone(query: str, number: str | None, words: str | None) -> None:
    from desk.search_query import is_number_search

    parsed = parse_query(query)
    assert parsed.tracking_no == number and parsed.words == words
    assert is_number_search(parsed) == (number is not None and words is None)


def known() -> object:
    from desk.inbox import KnownValues

    return KnownValues(
        units=frozenset({"PUPR", "DINKES", "DISDIK", "SETDA"}),
        channels=frozenset({"web", "sms", "whatsapp", "loket"}),
        categories=frozenset({"infrastruktur", "jalan rusak", "kesehatan"}),
    )


@pytest.mark.parametrize(
    ("query", "typed", "closest"),
    [
        ("unit:PUPX", "PUPX", "PUPR"),
        ("unit:dinks", "dinks", "DINKES"),
        ("kanal:smss", "smss", "sms"),
        ('kategori:"jalan rusk"', "jalan rusk", "JALAN RUSAK"),
    ],
)
def test_unknown_values_are_errors_with_the_closest_known(
    query: str, typed: str, closest: str
) -> None:
    with pytest.raises(QueryError) as raised:
        parse_query(query, known=known())  # type: ignore[arg-type]
    message = str(raised.value)
    assert f"'{typed}'" in message and closest in message and "Yang paling mirip" in message


def test_known_values_pass_and_english_messages() -> None:
    parsed = parse_query("unit:pupr kanal:WA kategori:Kesehatan", known=known())  # type: ignore[arg-type]
    assert (parsed.unit_code, parsed.channel, parsed.category) == ("PUPR", "whatsapp", "Kesehatan")
    set_language("en")
    try:
        with pytest.raises(QueryError, match=r"No unit 'XYZ'.*Known, for example: DINKES"):
            parse_query("unit:XYZ", known=known())  # type: ignore[arg-type]
    finally:
        set_language("id")


def test_known_values_come_from_the_database(tmp_path: Path) -> None:
    from desk.inbox import InboxSource
    from tests.conftest import ADMIN

    database = open_database(tmp_path / "desk.db")
    make_office(database)
    new_case(database, "1", channel="faksimili", category="KATEGORI IMPOR")
    database.conn.close()
    values = InboxSource(tmp_path / "desk.db", ADMIN).known_values()
    assert {"PUPR", "SETDA"} <= values.units
    assert "faksimili" in values.channels and "sms" in values.channels  # imported and known
    assert "kategori impor" in values.categories and "kesehatan" in values.categories
