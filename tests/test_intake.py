"""Counter intake (desk/intake.py): every field's rule in both languages, duplicate hints,
provisional numbers, the create op that syncs, who may record, and the receipt."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
import sqlite_utils

from desk import services
from desk.errors import ActionRefused
from desk.i18n import set_language
from desk.intake import (
    IntakeDraft,
    IntakeInvalid,
    category_choices,
    duplicate_hints,
    normalise_phone,
    record_intake,
    validate,
)
from desk.receipt import WIDTH, load_receipt, receipt_pdf, receipt_text
from desk.search_query import QueryError, parse_query
from desk.sync.push import _set_tracking
from desk.workflow import Action
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, PIMPINAN, new_case

TODAY = date(2026, 11, 10)
GOOD = IntakeDraft(
    title="Lampu jalan padam di Jl. Pahlawan",
    text="Sudah dua minggu lampu jalan padam.\nRawan kecelakaan malam hari.",
    category="Pekerjaan Umum dan Penataan Ruang",
    subcategory="penerangan jalan",
    channel="telepon",
    place="Samarinda",
    incident_date="01/11/2026",
    name="Rina Marlina",
    nik="6472 0145 0590 0002",
    phone="0813-5555-0101",
    email="rina@contoh.id",
    address="Jl. Pahlawan 3, Samarinda",
)


def errors_of(draft: IntakeDraft, **changes: Any) -> dict[str, str]:
    values = {**draft.__dict__, **changes}
    with pytest.raises(IntakeInvalid) as caught:
        validate(IntakeDraft(**values), today=TODAY)
    return caught.value.errors


# ---------------------------------------------------------------------------------------------
# Validation


def test_a_good_draft_becomes_clean_values() -> None:
    intake = validate(GOOD, today=TODAY)
    assert intake.category == "PEKERJAAN UMUM DAN PENATAAN RUANG"
    assert intake.subcategory == "PENERANGAN JALAN"
    assert intake.channel == "telepon"
    assert intake.incident_date == "2026-11-01"
    assert intake.reporter["nik"] == "6472014505900002"
    assert intake.reporter["phone"] == "+6281355550101"
    assert intake.text == GOOD.text  # the complaint keeps its lines
    assert intake.classification == "pengaduan"


@pytest.mark.parametrize(
    ("changes", "field", "indonesian", "english"),
    [
        ({"title": "  "}, "title", "wajib diisi", "is required"),
        ({"text": ""}, "text", "wajib diisi", "is required"),
        ({"title": "x" * 201}, "title", "terlalu panjang (201", "too long (201"),
        ({"classification": "keluhan"}, "classification", "'keluhan' tidak dikenal", "unknown"),
        ({"category": "", "subcategory": ""}, "category", "TOPIK LAINNYA", "TOPIK LAINNYA"),
        ({"category": "jalan", "subcategory": ""}, "category", "Maksud Anda", "Did you mean"),
        ({"subcategory": "jembatan rusak"}, "subcategory", "bukan subkategori", "not a sub"),
        ({"channel": "fax"}, "channel", "pilih loket, telepon", "choose loket, telepon"),
        ({"incident_date": "31/02/2026"}, "incident_date", "bukan tanggal", "not a real date"),
        ({"incident_date": "kemarin"}, "incident_date", "bukan tanggal", "not a real date"),
        ({"incident_date": "11/11/2026"}, "incident_date", "masa depan", "in the future"),
        ({"nik": "647201450590000"}, "nik", "tepat 16 angka (tertulis 15", "16 digits (15"),
        ({"nik": "64720145059000021"}, "nik", "(tertulis 17", "(17 given"),
        ({"nik": "6472O14505900002"}, "nik", "hanya berisi angka", "digits only"),
        ({"phone": "+1 415 555 0100"}, "phone", "bukan nomor Indonesia", "not an Indonesian"),
        ({"phone": "0812"}, "phone", "bukan nomor Indonesia", "not an Indonesian"),
        ({"phone": "1708"}, "phone", "bukan nomor Indonesia", "not an Indonesian"),
        ({"email": "rina@contoh"}, "email", "bukan alamat email", "not an e-mail"),
        ({"name": ""}, "name", "kecuali laporan Anonim", "unless the complaint is Anonim"),
        (
            {"phone": "", "email": "", "address": ""},
            "phone",
            "telepon, email atau alamat",
            "a phone, an e-mail or an address",
        ),
    ],
)
@pytest.mark.parametrize("lang", ["id", "en"])
def test_each_field_has_its_message(
    changes: dict[str, str], field: str, indonesian: str, english: str, lang: str
) -> None:
    set_language(lang)
    errors = errors_of(GOOD, **changes)
    assert list(errors) == [field]
    assert (english if lang == "en" else indonesian) in errors[field]


def test_every_wrong_field_is_named_at_once_in_form_order() -> None:
    errors = errors_of(GOOD, title="", nik="123", phone="abc", incident_date="2099-01-01")
    assert list(errors) == ["title", "incident_date", "nik", "phone"]
    with pytest.raises(IntakeInvalid) as caught:
        validate(IntakeDraft(**{**GOOD.__dict__, "nik": "123"}), today=TODAY)
    assert caught.value.lines() == ["NIK: NIK harus tepat 16 angka (tertulis 3 angka)."]


def test_an_anonymous_complaint_needs_no_name_or_contact() -> None:
    draft = IntakeDraft(
        title="Pungli",
        text="Diminta uang",
        category="TOPIK LAINNYA",
        anonymous=True,
        confidential=True,
    )
    intake = validate(draft, today=TODAY)
    assert intake.anonymous and intake.confidential
    assert intake.reporter == dict.fromkeys(("name", "nik", "phone", "email", "address"))


@pytest.mark.parametrize(
    ("typed", "main", "sub"),
    [
        ("kependudukan", "KEPENDUDUKAN", None),
        (
            "Pekerjaan Umum dan Penataan Ruang / Jalan Berlubang",
            "PEKERJAAN UMUM DAN PENATAAN RUANG",
            "JALAN BERLUBANG",
        ),
        (
            "PEKERJAAN UMUM DAN PENATAAN RUANG > trotoar",
            "PEKERJAAN UMUM DAN PENATAAN RUANG",
            "TROTOAR",
        ),
        ("jalan berlubang", "PEKERJAAN UMUM DAN PENATAAN RUANG", "JALAN BERLUBANG"),
    ],
)
def test_categories_match_the_lapor_tree_in_any_case(
    typed: str, main: str, sub: str | None
) -> None:
    intake = validate(
        IntakeDraft(**{**GOOD.__dict__, "category": typed, "subcategory": ""}), today=TODAY
    )
    assert (intake.category, intake.subcategory) == (main, sub)


def test_a_sub_category_in_several_main_categories_asks_which() -> None:
    errors = errors_of(GOOD, category="lainnya", subcategory="")
    assert "beberapa kategori" in errors["category"]


def test_every_picker_choice_is_accepted() -> None:
    choices = category_choices()
    assert len(choices) > 900
    for value, _label in choices[::97]:
        validate(
            IntakeDraft(**{**GOOD.__dict__, "category": value, "subcategory": ""}), today=TODAY
        )


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("812 3456 7890", "+6281234567890"),
        ("(0541) 741 234", "+62541741234"),
        ("021-555-1234", "+62215551234"),
        ("061 4567890", "+62614567890"),
        ("+1 415 555 0100", None),
        ("08123", None),
        ("081234567890123", None),
        ("0812345678a", None),
        ("112", None),
    ],
)
def test_phone_numbers_are_normalised_to_plus_62(typed: str, normal: str | None) -> None:
    assert normalise_phone(typed) == normal


def test_an_incident_today_is_accepted_and_tomorrow_is_not() -> None:
    validate(IntakeDraft(**{**GOOD.__dict__, "incident_date": TODAY.isoformat()}), today=TODAY)
    tomorrow = (TODAY + timedelta(days=1)).strftime("%d-%m-%Y")
    assert "incident_date" in errors_of(GOOD, incident_date=tomorrow)


def test_a_draft_reads_indonesian_field_names() -> None:
    draft = IntakeDraft.from_mapping(
        {
            "judul": "A",
            "isi": "B",
            "kategori": "X",
            "telepon": "08",
            "anonim": "ya",
            "rahasia": "tidak",
            "unknown": "ignored",
        }
    )
    assert (draft.title, draft.text, draft.category, draft.phone) == ("A", "B", "X", "08")
    assert draft.anonymous is True and draft.confidential is False


# ---------------------------------------------------------------------------------------------
# Recording


def test_record_creates_the_case_its_event_its_create_op_and_an_audit_entry(
    database: sqlite_utils.Database,
) -> None:
    recorded = record_intake(database, ADMIN, GOOD, NOW)
    case = recorded.case
    assert recorded.provisional_no == "L-SETDA-0001"
    assert case["provisional_no"] == "L-SETDA-0001" and case["tracking_no"] is None
    assert (case["status"], case["channel"], case["source"]) == ("baru", "telepon", "desk")
    assert case["due_kind"] == "verifikasi" and case["due_at"] == "2026-11-13T15:59:59Z"
    events = database.execute(
        "SELECT kind, uid, actor_nip FROM events WHERE case_id = ?", [case["id"]]
    ).fetchall()
    assert events == [("received", recorded.op_id, ADMIN.nip)]
    op = database.execute(
        "SELECT op_id, kind, base_version, payload, state, case_local_id FROM outbox"
    ).fetchone()
    assert op[:3] == (recorded.op_id, "create", 0) and op[4] == "pending"
    assert op[5] == case["local_id"]
    payload = json.loads(op[3])
    assert payload["title"] == GOOD.title and payload["provisional_no"] == "L-SETDA-0001"
    assert payload["reporter"]["nik"] == "6472014505900002"
    assert payload["received_at"] == "2026-11-10T01:00:00Z"
    assert "tracking_no" not in payload
    audit = database.execute("SELECT action, detail FROM audit_log").fetchall()
    assert audit[-1][0] == "create"
    assert json.loads(audit[-1][1])["op_id"] == recorded.op_id


def test_invalid_input_and_a_pimpinan_write_nothing(database: sqlite_utils.Database) -> None:
    before = database.execute("SELECT count(*) FROM cases").fetchone()
    with pytest.raises(IntakeInvalid):
        record_intake(database, ADMIN, IntakeDraft(**{**GOOD.__dict__, "nik": "1"}), NOW)
    with pytest.raises(ActionRefused, match="pimpinan"):
        record_intake(database, PIMPINAN, GOOD, NOW)
    assert database.execute("SELECT count(*) FROM cases").fetchone() == before
    assert database.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
    assert database.execute("SELECT value FROM settings WHERE key LIKE 'intake.%'").fetchall() == []


def test_a_unit_officer_may_record(database: sqlite_utils.Database) -> None:
    recorded = record_intake(database, PETUGAS_PUPR, GOOD, NOW)
    assert recorded.provisional_no == "L-PUPR-0001"
    assert recorded.case["unit_code"] is None  # an admin still verifies and disposes it


def test_provisional_numbers_are_unique_and_never_reused(database: sqlite_utils.Database) -> None:
    numbers = [record_intake(database, ADMIN, GOOD, NOW).provisional_no for _ in range(3)]
    assert numbers == ["L-SETDA-0001", "L-SETDA-0002", "L-SETDA-0003"]
    assert all(re.fullmatch(r"L-[A-Z0-9]+-\d{4,}", number) for number in numbers)
    # A number already on a case (a restored backup, say) is skipped, not given twice.
    database.execute("UPDATE settings SET value = '0' WHERE key = 'intake.provisional.SETDA'")
    assert record_intake(database, ADMIN, GOOD, NOW).provisional_no == "L-SETDA-0004"


def test_both_numbers_find_the_case_once_sync_gives_the_real_one(
    database: sqlite_utils.Database,
) -> None:
    recorded = record_intake(database, ADMIN, GOOD, NOW)
    case_id = recorded.case["id"]
    assert services.find_case(database, "l-setda-0001")["id"] == case_id
    assert services.case_label(recorded.case) == "L-SETDA-0001"
    _set_tracking(database, recorded.case["local_id"], "9000001")
    case = services.find_case(database, "#9000001")
    assert case["id"] == case_id and services.case_label(case) == "#9000001"
    assert services.find_case(database, "#L-SETDA-0001")["id"] == case_id
    for query in ("#9000001", "#L-SETDA-0001", "#l-setda-0001"):
        where, params = parse_query(query, office_tz="Asia/Makassar").where()
        found = database.execute(f"SELECT c.id FROM cases AS c WHERE {where}", params).fetchall()
        assert found == [(case_id,)], query
    with pytest.raises(QueryError, match="L-PUPR-0007"):
        parse_query("#abc", office_tz="Asia/Makassar")


def test_actions_on_an_intake_case_stack_on_its_create(database: sqlite_utils.Database) -> None:
    recorded = record_intake(database, ADMIN, GOOD, NOW)
    services.perform(database, ADMIN, Action.VERIFY, "L-SETDA-0001", unit_code="PUPR", now=NOW)
    ops = database.execute("SELECT kind, base_version FROM outbox ORDER BY rowid").fetchall()
    assert ops == [("create", 0), ("verify", 1)]
    assert recorded.case["version"] == 1


def test_create_case_without_an_officer_queues_nothing(database: sqlite_utils.Database) -> None:
    new_case(database)
    assert database.execute("SELECT count(*) FROM outbox").fetchone() == (0,)
    assert database.execute("SELECT uid FROM events").fetchall() == [(None,)]


# ---------------------------------------------------------------------------------------------
# Possible duplicates


def test_duplicates_by_nik_phone_and_text(database: sqlite_utils.Database) -> None:
    new_case(database)  # #8112829, NIK 6471010101900003, phone 081234567890, "Jalan rusak…"
    other = record_intake(database, ADMIN, GOOD, NOW)
    by_nik = duplicate_hints(database, ADMIN, IntakeDraft(nik="6471 0101 0190 0003"))
    assert [(h.label, h.reasons) for h in by_nik] == [("#8112829", ("nik",))]
    by_phone = duplicate_hints(database, ADMIN, IntakeDraft(phone="+62 812-3456-7890"))
    assert [h.label for h in by_phone] == ["#8112829"]  # stored as 08…, typed as +62…
    by_new_phone = duplicate_hints(database, ADMIN, IntakeDraft(phone="081355550101"))
    assert [h.label for h in by_new_phone] == [other.provisional_no]
    by_text = duplicate_hints(
        database, ADMIN, IntakeDraft(title="Lampu jalan padam lagi", text="di Jl. Pahlawan")
    )
    assert [(h.label, h.reasons) for h in by_text] == [(other.provisional_no, ("text",))]
    assert duplicate_hints(database, ADMIN, IntakeDraft(nik="6471", phone="08", title="")) == []


# ---------------------------------------------------------------------------------------------
# The receipt


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_receipt_fits_80_columns_and_says_what_happens_next(
    database: sqlite_utils.Database, lang: str
) -> None:
    set_language(lang)
    recorded = record_intake(database, ADMIN, GOOD, NOW)
    text = receipt_text(load_receipt(database, ADMIN, recorded.provisional_no))
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    assert "L-SETDA-0001" in text
    assert ("SEMENTARA" if lang == "id" else "PROVISIONAL") in text
    assert "10/11/2026 09:00 WITA" in text  # 01:00 UTC in the unit's zone
    assert "13/11/2026 23:59 WITA" in " ".join(text.split())  # the verification deadline
    for limit in ("3", "5", "10"):
        assert re.search(rf"\b{limit} (hari kerja|working days)", text), limit
    assert "Sekretariat Daerah" in text and "Rina Marlina" in text


def test_the_receipt_of_a_synced_case_shows_both_numbers(database: sqlite_utils.Database) -> None:
    recorded = record_intake(database, ADMIN, GOOD, NOW)
    _set_tracking(database, recorded.case["local_id"], "9000001")
    text = receipt_text(load_receipt(database, ADMIN, "#9000001"))
    assert "#9000001" in text and "L-SETDA-0001" in text and "SEMENTARA" not in text


def test_hostile_text_on_the_receipt_is_inert(database: sqlite_utils.Database) -> None:
    draft = IntakeDraft(**{**GOOD.__dict__, "title": "Judul \x1b[2J [bold]x[/bold] \u202eabc"})
    recorded = record_intake(database, ADMIN, draft, NOW)
    text = receipt_text(load_receipt(database, ADMIN, recorded.provisional_no))
    assert "\x1b" not in text and "\u202e" not in text and "[bold]x[/bold]" in text


def test_the_pdf_is_a_well_formed_file() -> None:
    text = "\n".join(f"baris {n} (kurung) \\ garis" for n in range(140)) + "\nRp50.000 – é\n"
    data = receipt_pdf(text)
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert data[start:].startswith(b"xref")
    offsets = [int(line[:10]) for line in data[start:].split(b"\n")[3:] if line.endswith(b" n ")]
    for number, offset in enumerate(offsets, start=1):
        assert data[offset:].startswith(f"{number} 0 obj".encode())
    assert b"/Count 3" in data  # 141 lines: three pages
    assert b"\\(kurung\\) \\\\ garis" in data
    assert "é".encode("cp1252") in data


def test_a_duplicate_found_on_the_title_stays_when_the_body_is_typed(
    database: sqlite_utils.Database,
) -> None:
    original = new_case(database)  # "Jalan rusak di Jl. Juanda"
    # Other cases whose rare words the new complaint's text happens to use.
    for number, (title, body) in enumerate(
        [
            ("Sekolah kekurangan guru honorer", "Murid terlantar tanpa pengajar matematika."),
            ("Puskesmas kehabisan vaksin", "Bidan menolak imunisasi balita posyandu."),
            ("Pasar becek drainase mampet", "Pedagang sayur mengeluh genangan kios."),
        ]
    ):
        new_case(database, f"81130{number:02d}", title=title, body=body, category="LAIN")
    for number, place in enumerate(["Sudirman", "Pahlawan", "Merdeka"]):  # common words
        new_case(database, f"81140{number:02d}", title=f"Jalan rusak di {place}", body="Rusak.")
    title_only = duplicate_hints(database, ADMIN, IntakeDraft(title="Jalan rusak di Juanda"))
    assert original["tracking_no"] == "8112829"
    assert title_only[0].label == "#8112829"
    with_body = duplicate_hints(
        database,
        ADMIN,
        IntakeDraft(
            title="Jalan rusak di Juanda",
            text="Dekat sekolah dan puskesmas, murid dan bidan terlantar, pedagang mengeluh "
            "genangan, balita imunisasi di posyandu, pengajar matematika honorer.",
        ),
    )
    assert "#8112829" in [h.label for h in with_body]
    assert with_body[0].label == "#8112829"  # the clear match comes first
