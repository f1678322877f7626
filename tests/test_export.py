"""`desk.exporting.export_cases`: each format read back, every filter, the privacy levels, the
spreadsheet-safe cells, hostile text, failures that leave no file, and the audit entry."""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlite_utils

from db import open_database
from desk import services
from desk.errors import ActionRefused, InvalidInput
from desk.exporting import ExportFailed, ExportOptions, ExportSummary, export_cases, xlsx_file
from desk.exporting import service as export_service
from desk.exporting.privacy import Privacy
from desk.exporting.source import iter_cases, select_cases
from desk.search_query import QueryError
from desk.workflow import Action, Actor
from tests.conftest import ADMIN, NOW, PETUGAS_PUPR, PIMPINAN, make_office

# Known personal data: must never appear in a masked or public file.
PLAIN = {
    "name": "Andi Wijaya",
    "nik": "6471010101900003",
    "phone": "081234567890",
    "email": "andi@example.id",
    "address": "Jl. Juanda No. 12, Samarinda",
}
ANONYMOUS = {"name": "Budi Santosa", "nik": "6471020202900004", "phone": "081311112222"}
SECRET = {"name": "Citra Lestari", "nik": "6471030303900005", "phone": "081399998888"}
HOSTILE = {"name": "Dedi Kurnia", "nik": "6471040404900006", "phone": "081377776666"}
HOSTILE_BODY = "Isi \x1b]52;c;SGVsbG8=\x07 [red]merah[/red] \x1b[2J\nbaris \u202edua :smile:"
PICTURED_BODY = HOSTILE_BODY.replace("\x1b", "␛").replace("\x07", "␇")
# A raw control character a terminal could act on (tab, line ends aside).
CONTROLS = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
FORMULA_TITLE = '=HYPERLINK("http://contoh.id","klik")'
INTERNAL_NOTE = "Catatan internal: pelapor kerabat pejabat"


def build_office(database: sqlite_utils.Database) -> None:
    """Five cases: plain (#2001), anonymous (#2002), Rahasia (#2003), hostile (#2004), #2005."""
    make_office(database)

    def create(number: str, received: datetime, reporter: dict[str, str], **fields: Any) -> int:
        values = {
            "tracking_no": number,
            "title": "Jalan rusak di Jl. Juanda",
            "body": "Jalan berlubang besar dan belum diperbaiki sejak Agustus.",
            "category": "INFRASTRUKTUR",
            **fields,
        }
        case = services.create_case(
            database, values, reporter=reporter, received_at=received, now=received
        )
        return int(case["id"])

    def act(case_id: int, actor: Actor, action: Action, **kwargs: Any) -> None:
        services.perform(database, actor, action, case_id, now=NOW, **kwargs)

    plain = create(
        "2001", datetime(2026, 11, 2, 1, 0, tzinfo=UTC), PLAIN, incident_date="2026-10-30"
    )
    database.execute("UPDATE cases SET extra = ? WHERE id = ?", ['{"Kolom Lain": "nilai"}', plain])
    # 17:30 UTC on 3 November is 01:30 on 4 November in WITA: the office's day is the 4th.
    anonymous = create("2002", datetime(2026, 11, 3, 17, 30, tzinfo=UTC), ANONYMOUS, anonymous=True)
    act(anonymous, ADMIN, Action.VERIFY, unit_code="PUPR")
    secret = create(
        "2003",
        datetime(2026, 11, 5, 2, 0, tzinfo=UTC),
        SECRET,
        confidential=True,
        title="Dugaan pungutan liar di puskesmas",
    )
    act(secret, ADMIN, Action.VERIFY, unit_code="DINKES")
    hostile = create(
        "2004",
        datetime(2026, 11, 6, 3, 0, tzinfo=UTC),
        HOSTILE,
        title=FORMULA_TITLE,
        body=HOSTILE_BODY,
        location="+62 Samarinda",
        category="-",
        subcategory="@kantor",
    )
    act(hostile, ADMIN, Action.VERIFY, unit_code="PUPR")
    act(hostile, PETUGAS_PUPR, Action.FOLLOW_UP, text="Perbaikan dijadwalkan minggu depan.")
    act(hostile, PETUGAS_PUPR, Action.NOTE, text=INTERNAL_NOTE)
    other = create("2005", datetime(2026, 11, 9, 1, 0, tzinfo=UTC), PLAIN)
    act(other, ADMIN, Action.VERIFY, unit_code="DINKES")


@pytest.fixture
def office(tmp_path: Path) -> sqlite_utils.Database:
    database = open_database(tmp_path / "desk.db")
    build_office(database)
    return database


def export(
    database: sqlite_utils.Database,
    path: Path,
    actor: Actor = ADMIN,
    **options: Any,
) -> ExportSummary:
    return export_cases(database, path, ExportOptions(**options), actor=actor, now=NOW)


def read_csv(path: Path, delimiter: str = ";") -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    text = raw.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    return [json.loads(line) for line in lines[:-1]]


def by_number(cases: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {case["tracking_no"]: case for case in cases}


def numbers(summary: ExportSummary) -> list[str]:
    """The tracking numbers in an export, read back from its file."""
    if summary.format in ("jsonl", "json"):
        path = summary.path
        cases = read_jsonl(path) if summary.format == "jsonl" else json.loads(path.read_text())
        return [case["tracking_no"] for case in cases]
    return [row["tracking_no"] for row in read_csv(summary.path)]


# -- CSV ---------------------------------------------------------------------------------------


def test_csv_has_database_headers_masked_reporters_and_stored_instants(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    summary = export(office, tmp_path / "kasus.csv")
    assert (summary.format, summary.cases, summary.personal) == ("csv", 5, False)
    rows = read_csv(tmp_path / "kasus.csv")
    header = list(rows[0])
    assert header[:2] == ["tracking_no", "local_id"]
    for name in ("title", "body", "anonymous", "confidential", "status", "unit_code",
                 "assignee_nip", "received_at", "updated_at", "due_at", "due_kind",
                 "reporter_name", "nik", "phone", "email", "address"):  # fmt: skip
        assert name in header
    cases = {row["tracking_no"]: row for row in rows}
    plain = cases["2001"]
    assert plain["received_at"] == "2026-11-02T01:00:00Z"
    assert (plain["anonymous"], plain["confidential"], plain["status"]) == (
        "tidak",
        "tidak",
        "baru",
    )
    assert plain["reporter_name"] == "A*** W***"
    assert plain["nik"] == "6471********0003"
    assert plain["phone"] == "0812****7890"
    assert plain["email"] == "a***@example.id"
    assert plain["address"] == ""
    assert plain["Kolom Lain"] == "nilai"  # an imported column keeps its own header
    assert plain["incident_date"] == "2026-10-30"
    anonymous = cases["2002"]
    assert anonymous["anonymous"] == "ya"
    assert [anonymous[name] for name in ("reporter_name", "nik", "phone")] == ["", "", ""]
    assert (cases["2003"]["confidential"], cases["2003"]["unit_code"]) == ("ya", "DINKES")
    text = (tmp_path / "kasus.csv").read_text(encoding="utf-8-sig")
    for reporter in (PLAIN, ANONYMOUS, SECRET, HOSTILE):
        assert reporter["nik"] not in text and reporter["phone"] not in text
    assert PLAIN["name"] not in text and PLAIN["address"] not in text


def test_csv_delimiter_can_be_a_comma(office: sqlite_utils.Database, tmp_path: Path) -> None:
    export(office, tmp_path / "kasus.csv", delimiter=",")
    first_line = (tmp_path / "kasus.csv").read_text(encoding="utf-8-sig").split("\r\n")[0]
    assert first_line.startswith("tracking_no,local_id,")
    assert len(read_csv(tmp_path / "kasus.csv", delimiter=",")) == 5


def test_spreadsheet_cells_that_would_run_as_formulas_are_neutralised(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    export(office, tmp_path / "kasus.csv")
    row = {r["tracking_no"]: r for r in read_csv(tmp_path / "kasus.csv")}["2004"]
    assert row["title"] == "'" + FORMULA_TITLE
    assert row["location"] == "'+62 Samarinda"
    assert row["category"] == "'-"
    assert row["subcategory"] == "'@kantor"
    assert row["body"] == PICTURED_BODY  # controls as pictures; nothing else changes

    export(office, tmp_path / "kasus.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "kasus.xlsx").active
    header = [cell.value for cell in sheet[1]]
    cells = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    hostile = cells["2004"]
    title = hostile[header.index("title")]
    assert title.value == "'" + FORMULA_TITLE
    assert title.data_type == "s"  # text, not a formula
    assert hostile[header.index("location")].value == "'+62 Samarinda"
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)


def test_hostile_text_is_data_in_json_and_inert_in_csv_and_xlsx(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    # CSV: raw ESC and BEL would fire when someone runs `cat kasus.csv` (issue 15): they are
    # written as their pictures, like XLSX; markup, bidi and the rest stay as they are.
    export(office, tmp_path / "kasus.csv")
    raw = (tmp_path / "kasus.csv").read_text("utf-8-sig")
    assert not CONTROLS.search(raw.replace("\r\n", "").replace("\n", ""))
    body = {r["tracking_no"]: r for r in read_csv(tmp_path / "kasus.csv")}["2004"]["body"]
    assert body == PICTURED_BODY
    # JSON Lines keeps the text exactly, every control character a JSON escape, never raw.
    export(office, tmp_path / "kasus.jsonl")
    raw = (tmp_path / "kasus.jsonl").read_text("utf-8")
    assert not CONTROLS.search(raw.replace("\n", "")) and "\\u001b" in raw
    assert by_number(read_jsonl(tmp_path / "kasus.jsonl"))["2004"]["body"] == HOSTILE_BODY
    # XLSX (XML) cannot hold control characters: they become visible pictures, the rest stays.
    export(office, tmp_path / "kasus.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "kasus.xlsx").active
    header = [cell.value for cell in sheet[1]]
    body = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "2004")[
        header.index("body")
    ]
    assert body == PICTURED_BODY
    assert "[red]merah[/red]" in body and "\u202e" in body


def test_c1_controls_and_del_are_never_raw_in_csv_or_jsonl(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    # 0x9B is an 8-bit CSI to some terminals; JSON leaves it (and DEL) raw unless told.
    office.execute("UPDATE cases SET title = 'a\x9b2Jb\x7fc' WHERE tracking_no = '2001'")
    for name in ("kasus.csv", "kasus.jsonl"):
        export(office, tmp_path / name)
        assert not CONTROLS.search((tmp_path / name).read_text("utf-8-sig").replace("\n", ""))
    title = by_number(read_jsonl(tmp_path / "kasus.jsonl"))["2001"]["title"]
    assert title == "a\x9b2Jb\x7fc"  # the JSON escapes read back as the same text


# -- XLSX --------------------------------------------------------------------------------------


def test_xlsx_has_real_dates_in_office_time_a_styled_frozen_header_and_a_filter(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    office.execute("UPDATE cases SET rating = 4 WHERE tracking_no = '2004'")
    summary = export(office, tmp_path / "kasus.xlsx")
    assert (summary.format, summary.cases) == ("xlsx", 5)
    sheet = openpyxl.load_workbook(tmp_path / "kasus.xlsx").active
    header = [cell.value for cell in sheet[1]]
    assert header[0] == "tracking_no"
    assert "received_at (WITA)" in header and "due_at (WITA)" in header
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}6"
    assert all(cell.font.b for cell in sheet[1])
    assert sheet[1][0].fill.fgColor.rgb.endswith("DDEBF7")
    assert sheet.column_dimensions["E"].width >= 40  # the body column is wide
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    received = rows["2001"][header.index("received_at (WITA)")]
    assert received.is_date
    assert received.value == datetime(2026, 11, 2, 9, 0)  # 01:00 UTC is 09:00 WITA
    incident = rows["2001"][header.index("incident_date")]
    assert incident.is_date and incident.value.date() == date(2026, 10, 30)
    rating = rows["2004"][header.index("rating")]
    assert rating.data_type == "n" and rating.value == 4
    assert rows["2001"][0].data_type == "s"  # tracking numbers stay text
    assert rows["2001"][header.index("nik")].value == "6471********0003"
    assert rows["2002"][header.index("anonymous")].value == "ya"


def test_xlsx_continues_on_a_new_sheet_when_one_is_full(
    office: sqlite_utils.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx_file, "MAX_ROWS", 3)  # a header and two cases per sheet
    export(office, tmp_path / "kasus.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "kasus.xlsx")
    assert workbook.sheetnames == ["kasus", "kasus 2", "kasus 3"]
    found = []
    for sheet in workbook.worksheets:
        assert sheet["A1"].value == "tracking_no" and sheet.freeze_panes == "A2"
        found += [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert found == ["2001", "2002", "2003", "2004", "2005"]


def test_text_longer_than_a_cell_is_cut_in_xlsx_only(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    long_body = "panjang " * 5000  # 40,000 characters
    office.execute("UPDATE cases SET body = ? WHERE tracking_no = '2001'", [long_body])
    export(office, tmp_path / "kasus.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "kasus.xlsx").active
    body = sheet.cell(2, [cell.value for cell in sheet[1]].index("body") + 1).value
    assert len(body) == 32_767 and body.endswith("…") and long_body.startswith(body[:-1])
    export(office, tmp_path / "kasus.csv")
    assert read_csv(tmp_path / "kasus.csv")[0]["body"] == long_body


# -- JSON Lines and JSON ----------------------------------------------------------------------


def test_jsonl_carries_each_case_whole_with_its_timeline(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    summary = export(office, tmp_path / "kasus.jsonl")
    assert (summary.format, summary.cases) == ("jsonl", 5)
    cases = by_number(read_jsonl(tmp_path / "kasus.jsonl"))
    hostile = cases["2004"]
    assert hostile["format"] == "desk-case/1"
    assert hostile["status"] == "diproses" and hostile["unit_code"] == "PUPR"
    assert hostile["unit_name"] == "Dinas PUPR-PERA"
    kinds = [event["kind"] for event in hostile["events"]]
    assert kinds == ["received", "verify", "follow_up", "note"]
    note = hostile["events"][-1]
    assert (note["visibility"], note["body"]) == ("internal", INTERNAL_NOTE)
    assert note["actor_nip"] == PETUGAS_PUPR.nip
    assert hostile["attachments"] == []
    assert cases["2001"]["extra"] == {"Kolom Lain": "nilai"}
    assert cases["2001"]["reporter"] == {
        "name": "A*** W***",
        "nik": "6471********0003",
        "phone": "0812****7890",
        "email": "a***@example.id",
        "address": None,
        "masked": True,
    }
    # An anonymous case shows no identity at all, and says that it is withheld.
    assert cases["2002"]["anonymous"] is True
    assert cases["2002"]["reporter"] == {
        "name": None,
        "nik": None,
        "phone": None,
        "email": None,
        "address": None,
        "masked": True,
    }
    assert cases["2003"]["confidential"] is True
    assert cases["2001"]["received_at"] == "2026-11-02T01:00:00Z"


def test_json_is_an_array_of_the_same_cases(office: sqlite_utils.Database, tmp_path: Path) -> None:
    export(office, tmp_path / "kasus.jsonl")
    export(office, tmp_path / "kasus.json")
    array = json.loads((tmp_path / "kasus.json").read_text(encoding="utf-8"))
    assert array == read_jsonl(tmp_path / "kasus.jsonl")


def test_an_empty_selection_writes_a_valid_empty_file(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    assert export(office, tmp_path / "none.json", statuses=("selesai",)).cases == 0
    assert json.loads((tmp_path / "none.json").read_text()) == []
    export(office, tmp_path / "none.csv", statuses=("selesai",))
    assert read_csv(tmp_path / "none.csv") == []
    assert (tmp_path / "none.csv").read_text(encoding="utf-8-sig").startswith("tracking_no;")


def test_a_line_separator_in_text_does_not_split_a_jsonl_line(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    office.execute("UPDATE cases SET body = ? WHERE tracking_no = '2001'", ["satu\u2028dua\x85"])
    export(office, tmp_path / "kasus.jsonl")
    assert len((tmp_path / "kasus.jsonl").read_text(encoding="utf-8").splitlines()) == 5
    assert by_number(read_jsonl(tmp_path / "kasus.jsonl"))["2001"]["body"] == "satu\u2028dua\x85"


# -- filters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, ["2001", "2002", "2003", "2004", "2005"]),
        ({"statuses": ("baru",)}, ["2001"]),
        ({"statuses": ("terverifikasi", "diproses")}, ["2002", "2003", "2004", "2005"]),
        ({"units": ("pupr",)}, ["2002", "2004"]),
        ({"units": ("PUPR", "DINKES")}, ["2002", "2003", "2004", "2005"]),
        ({"since": date(2026, 11, 4)}, ["2002", "2003", "2004", "2005"]),  # 2002: 4 Nov WITA
        ({"until": date(2026, 11, 3)}, ["2001"]),
        ({"since": date(2026, 11, 4), "until": date(2026, 11, 5)}, ["2002", "2003"]),
        ({"query": "puskesmas"}, ["2003"]),
        ({"query": "status:baru"}, ["2001"]),
        ({"query": "#2004"}, ["2004"]),
        ({"query": "rahasia:ya"}, ["2003"]),
        ({"query": "anonim:ya unit:pupr"}, ["2002"]),
        ({"query": "diperbaiki sesudah:2026-11-06"}, ["2005"]),
        # Every filter narrows: a status in the query and another in --status leave nothing.
        ({"query": "status:baru", "statuses": ("terverifikasi",)}, []),
        (
            {"query": "jalan", "units": ("DINKES",), "statuses": ("terverifikasi",)},
            ["2003", "2005"],
        ),
    ],
)
def test_filters_combine(
    office: sqlite_utils.Database,
    tmp_path: Path,
    options: dict[str, Any],
    expected: list[str],
) -> None:
    summary = export(office, tmp_path / "kasus.jsonl", **options)
    assert numbers(summary) == expected
    assert summary.cases == len(expected)


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"query": "stauts:baru"}, QueryError, "status:"),  # the search box's own suggestion
        ({"query": "sesudah:2026-13-45"}, QueryError, "2026-13-45"),
        ({"query": '"jalan'}, QueryError, '"'),
        ({"statuses": ("selsai",)}, InvalidInput, "selsai"),
        ({"units": ("PUPRR",)}, InvalidInput, "PUPRR"),
        ({"since": date(2026, 11, 5), "until": date(2026, 11, 4)}, InvalidInput, "2026-11-05"),
        ({"public": True, "include_personal": True}, InvalidInput, "--public"),
        ({"format": "pdf"}, InvalidInput, "pdf"),
        ({"delimiter": "::"}, InvalidInput, "::"),
    ],
)
def test_options_that_cannot_be_used_are_refused_before_any_file_is_made(
    office: sqlite_utils.Database,
    tmp_path: Path,
    options: dict[str, Any],
    error: type[Exception],
    words: str,
) -> None:
    with pytest.raises(error) as raised:
        export(office, tmp_path / "kasus.csv", **options)
    assert words in str(raised.value)
    assert "\n" not in str(raised.value)
    assert list(tmp_path.glob("kasus*")) == [] and list(tmp_path.glob(".kasus*")) == []


def test_the_format_comes_from_the_suffix_unless_given(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    assert export(office, tmp_path / "a.ndjson").format == "jsonl"
    assert export(office, tmp_path / "b.txt", format="csv").format == "csv"
    with pytest.raises(InvalidInput, match="--format"):
        export(office, tmp_path / "c.txt")


def test_cases_are_read_in_batches_by_keyset_each_once(office: sqlite_utils.Database) -> None:
    selection = select_cases(office, ExportOptions(), "Asia/Makassar", ADMIN)
    batches = list(
        iter_cases(
            office, selection, privacy=Privacy.MASKED, role=ADMIN.role, timeline=True, batch=2
        )
    )
    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert [case["tracking_no"] for batch in batches for case in batch] == [
        "2001",
        "2002",
        "2003",
        "2004",
        "2005",
    ]


@pytest.mark.parametrize(
    ("options", "batch", "expected"),
    [
        (ExportOptions(query="jalan"), 2, ["2001", "2002", "2003", "2005"]),
        (ExportOptions(query="jalan", units=("DINKES",)), 1, ["2003", "2005"]),
        (ExportOptions(query="jalan status:baru"), 1, ["2001"]),
        (ExportOptions(query="tidakadadimanapun"), 2, []),
    ],
)
def test_searches_page_through_the_index_each_match_once(
    office: sqlite_utils.Database, options: ExportOptions, batch: int, expected: list[str]
) -> None:
    selection = select_cases(office, options, "Asia/Makassar", ADMIN)
    batches = list(
        iter_cases(
            office, selection, privacy=Privacy.MASKED, role=ADMIN.role, timeline=False, batch=batch
        )
    )
    assert all(0 < len(found) <= batch for found in batches)
    assert [case["tracking_no"] for found in batches for case in found] == expected


def test_progress_is_reported_up_to_the_total(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    seen: list[tuple[int, int]] = []
    export_cases(
        office,
        tmp_path / "kasus.csv",
        ExportOptions(),
        actor=ADMIN,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)


def test_an_export_sees_one_moment_while_officers_keep_working(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    other = open_database(tmp_path / "desk.db")  # another desk on the same file

    def officer_works(done: int, total: int) -> None:
        if done == 0:  # counted, nothing read yet
            services.create_case(other, {"tracking_no": "2999", "title": "Baru", "body": "Isi"})
            other.execute("UPDATE cases SET title = 'Diubah' WHERE tracking_no = '2005'")

    export_cases(
        office,
        tmp_path / "kasus.jsonl",
        ExportOptions(),
        actor=ADMIN,
        progress=officer_works,
    )
    cases = read_jsonl(tmp_path / "kasus.jsonl")
    assert [case["tracking_no"] for case in cases] == ["2001", "2002", "2003", "2004", "2005"]
    assert cases[-1]["title"] == "Jalan rusak di Jl. Juanda"
    assert office.execute("SELECT count(*) FROM cases").fetchone()[0] == 6  # it did happen


# -- privacy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [PETUGAS_PUPR, PIMPINAN])
def test_personal_data_is_refused_to_anyone_but_an_admin(
    office: sqlite_utils.Database, tmp_path: Path, actor: Actor
) -> None:
    audit_before = office.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(ActionRefused) as refused:
        export(office, tmp_path / "kasus.csv", actor=actor, include_personal=True)
    assert "admin" in str(refused.value) and actor.nip in str(refused.value)
    assert list(tmp_path.glob("*kasus*")) == []
    assert office.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_before


def test_an_admin_gets_the_reporters_as_stored_anonymous_ones_too(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    summary = export(office, tmp_path / "kasus.jsonl", include_personal=True)
    assert summary.personal
    cases = by_number(read_jsonl(tmp_path / "kasus.jsonl"))
    assert cases["2001"]["reporter"] == {**PLAIN, "masked": False}
    assert cases["2002"]["reporter"]["nik"] == ANONYMOUS["nik"]
    rows = {r["tracking_no"]: r for r in read_csv(export(office, tmp_path / "k.csv",
                                                         include_personal=True).path)}  # fmt: skip
    assert (rows["2001"]["nik"], rows["2001"]["address"]) == (PLAIN["nik"], PLAIN["address"])
    # Personal data stays readable by its owner alone.
    assert (tmp_path / "kasus.jsonl").stat().st_mode & 0o077 == 0


def test_a_pimpinan_gets_no_contact_data_even_masked(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    export(office, tmp_path / "kasus.jsonl", actor=PIMPINAN)
    reporter = by_number(read_jsonl(tmp_path / "kasus.jsonl"))["2001"]["reporter"]
    assert reporter["name"] == "A*** W***"
    assert [reporter[name] for name in ("nik", "phone", "email", "address")] == [None] * 4


@pytest.mark.parametrize("suffix", ["csv", "xlsx", "jsonl", "json"])
def test_public_leaves_out_rahasia_cases_reporters_and_internal_events(
    office: sqlite_utils.Database, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"publik.{suffix}"
    # A head: every unit's cases (a petugas exports only their unit's, tests/test_read_access.py)
    summary = export(office, path, actor=PIMPINAN, public=True)
    assert summary.public and summary.cases == 4
    raw = path.read_bytes()
    if suffix == "xlsx":
        sheet = openpyxl.load_workbook(path).active
        raw = "\n".join(
            str(value) for row in sheet.iter_rows(values_only=True) for value in row
        ).encode()
    for reporter in (PLAIN, ANONYMOUS, SECRET, HOSTILE):
        for value in (reporter["nik"], reporter["phone"], reporter["nik"][:4] + "****"):
            assert value.encode() not in raw
        assert reporter["name"].encode() not in raw
    assert b"pungutan liar" not in raw  # the Rahasia case's title
    assert INTERNAL_NOTE.encode() not in raw
    assert PETUGAS_PUPR.nip.encode() not in raw  # officers are not named either
    if suffix in ("jsonl", "json"):
        cases = read_jsonl(path) if suffix == "jsonl" else json.loads(raw)
        assert all(case["reporter"] is None and not case["confidential"] for case in cases)
        assert {event["visibility"] for case in cases for event in case["events"]} == {"public"}
        assert by_number(cases)["2004"]["events"][-1]["kind"] == "follow_up"
    elif suffix == "csv":
        header = list(read_csv(path)[0])
        assert "nik" not in header and "reporter_name" not in header


# -- failures ----------------------------------------------------------------------------------


def test_a_failed_export_leaves_no_half_file_and_keeps_the_old_one(
    office: sqlite_utils.Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "kasus.csv"
    target.write_text("ekspor kemarin", encoding="utf-8")

    def half_then_full(handle: Any, names: Any, batches: Any, delimiter: str) -> int:
        handle.write("tracking_no;title\r\n2001;separuh")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_service, "write_csv", half_then_full)
    audit_before = office.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(ExportFailed) as failed:
        export(office, target)
    assert "disk penuh" in str(failed.value) and str(target) in str(failed.value)
    assert target.read_text(encoding="utf-8") == "ekspor kemarin"
    assert sorted(path.name for path in tmp_path.iterdir() if "kasus" in path.name) == ["kasus.csv"]
    assert office.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_before


@pytest.mark.parametrize("where", ["no-folder/kasus.csv", "."])
def test_a_path_that_cannot_be_written_is_one_clear_error(
    office: sqlite_utils.Database, tmp_path: Path, where: str
) -> None:
    with pytest.raises(ExportFailed) as failed:
        export(office, tmp_path / where, format="csv")
    message = str(failed.value)
    assert message.startswith("Tidak bisa menulis") and "\n" not in message
    assert not (tmp_path / "no-folder").exists()


def test_a_read_only_folder_is_one_clear_error(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    folder = tmp_path / "terkunci"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.geteuid() == 0:
            pytest.skip("running as root: permissions do not stop writes")
        with pytest.raises(ExportFailed, match="Tidak bisa menulis"):
            export(office, folder / "kasus.csv")
    finally:
        folder.chmod(0o700)


# -- audit -------------------------------------------------------------------------------------


def test_each_export_is_one_audit_entry_saying_who_what_and_how_much(
    office: sqlite_utils.Database, tmp_path: Path
) -> None:
    before = office.execute("SELECT max(seq) FROM audit_log").fetchone()[0]
    summary = export(office, tmp_path / "kasus.xlsx", statuses=("terverifikasi",), query="jalan")
    rows = office.execute(
        "SELECT seq, actor_nip, action, detail FROM audit_log WHERE seq > ?", [before]
    ).fetchall()
    assert len(rows) == 1
    seq, nip, action, detail = rows[0]
    assert (seq, nip, action) == (summary.audit_seq, ADMIN.nip, "export")
    assert json.loads(detail) == {
        "format": "xlsx",
        "path": str((tmp_path / "kasus.xlsx").resolve()),
        "cases": 3,
        "personal": False,
        "public": False,
        "filters": {"query": "jalan", "status": ["terverifikasi"]},
    }
    export(office, tmp_path / "semua.jsonl", include_personal=True)
    detail = office.execute("SELECT detail FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    assert json.loads(detail[0])["personal"] is True
