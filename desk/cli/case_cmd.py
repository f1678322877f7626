"""`desk case`: list, read and act on cases from the command line, with the desk's own rules.

Every action goes through `desk.services.perform`, like the TUI's: the same checks, the same one
transaction, the same refusals (which the top-level group prints as one line, exit status 1).
Complaint text comes from the public, so everything read from a case is passed through
`printable` and printed as `Text`, never as markup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar
from zoneinfo import ZoneInfo

import sqlite_utils
import typer
from rich.text import Text

from db.inbox import ORDERS, key_of
from db.timefmt import from_text, utc_now
from desk.access import readable_case, reporter_view
from desk.calendar import zone_abbreviation
from desk.cli.commands import Lazy, LazyGroup, help_text
from desk.cli.common import AsOption, DbOption, console
from desk.cli.common import Session as Session  # re-exported: see "who is working" below
from desk.cli.common import open_session as open_session
from desk.clocks import days_left, office_time_zone, unit_time_zone
from desk.errors import InvalidInput
from desk.i18n import (
    action_label,
    classification_label,
    clock_text,
    current_language,
    extend,
    status_label,
    t,
)
from desk.i18n import count_text as _number
from desk.safety import printable
from desk.services import case_label, find_case, perform
from desk.views import VIEW_CODES, view_by_code
from desk.workflow import Action, Actor, Role, allowed_actions

extend(
    {
        "help.case.number": (
            "Kasusnya: nomor pelacakan (8112829 atau '#8112829') atau ID lokalnya.",
            "The case: its tracking number (8112829 or '#8112829') or its local id.",
        ),
        "help.case.json": ("Cetak JSON, bukan teks.", "Print JSON instead of text."),
        "help.case.unit": ("Unit tujuan disposisi.", "The unit to dispose to."),
        "help.case.reason": (
            "Alasannya: disimpan di riwayat kasus.",
            "Why: kept on the case's timeline.",
        ),
        "help.case.text": ("Teksnya, ditulis langsung.", "The text, given inline."),
        "help.case.text_file": (
            "Baca teks dari berkas UTF-8 ('-': masukan standar).",
            "Read the text from a UTF-8 file ('-': standard input).",
        ),
        "help.case.officer": ("Petugas dari unit kasus.", "An officer of the case's unit."),
        "help.case.duplicate_of": (
            "Kasus yang diduplikasi kasus ini (nomornya).",
            "The case this one duplicates (its number).",
        ),
        "help.case.expect_version": (
            "Tolak bila versi kasus bukan lagi versi ini (lihat 'case show --json').",
            "Refuse if the case's version is no longer this one (see 'case show --json').",
        ),
        "help.case.list": (
            "Daftar kasus sebuah tampilan, dipersempit dengan pencarian, satu halaman sekali.",
            "List the cases of a view, narrowed by a search, a page at a time.",
        ),
        "help.case.list.view": (
            "Tampilannya: {views}. Bawaan: unit untuk petugas, selain itu semua.",
            "The view: {views}. Default: unit for a petugas, else semua.",
        ),
        "help.case.list.query": (
            "Pencarian, seperti '/' di desk: kata-kata dan status:, unit:, kategori:, kanal:, "
            "anonim:, rahasia:, sesudah:, sebelum:, #nomor.",
            "A search, as in the desk's '/': words and status:, unit:, kategori:, kanal:, "
            "anonim:, rahasia:, sesudah:, sebelum:, #number.",
        ),
        "help.case.list.order": (
            "due (tenggat paling mendesak dulu), received atau updated (terbaru dulu). "
            "Bawaan: urutan tampilannya.",
            "due (most urgent first), received or updated (newest first). Default: the view's.",
        ),
        "help.case.list.limit": ("Berapa kasus yang ditampilkan.", "How many cases to show."),
        "help.case.list.after": (
            "Lanjutkan setelah kasus ini (nomor terakhir halaman sebelumnya).",
            "Continue after this case (the last number of the previous page).",
        ),
        "help.case.show": (
            "Tampilkan satu kasus: status, tenggat, teks, pelapor, riwayat, dan tindakan Anda "
            "sekarang.",
            "Show one case: status, clocks, text, reporter, timeline, and what you may do now.",
        ),
        "help.case.verify": (
            "Verifikasi laporan baru dan disposisikan ke unit (admin): --unit KODE.",
            "Verify a new report and dispose it to a unit (admin): --unit CODE.",
        ),
        "help.case.dispose": (
            "Disposisikan ulang kasus ke unit lain (admin): --unit KODE.",
            "Dispose a case again, to another unit (admin): --unit CODE.",
        ),
        "help.case.return": (
            "Kembalikan kasus sebagai Bukan Wewenang unit Anda (petugas unitnya): --reason.",
            "Return a case as not your unit's authority, Bukan Wewenang (its unit's petugas): "
            "--reason.",
        ),
        "help.case.hold": (
            "Tunda laporan baru sampai pelapor melengkapinya (admin): --reason.",
            "Put a new report on hold until the reporter completes it (admin): --reason.",
        ),
        "help.case.resume": (
            "Lanjutkan kasus dari tunda: pelapor sudah melengkapi data (admin).",
            "Resume a case from hold: the reporter completed the data (admin).",
        ),
        "help.case.note": (
            "Tambahkan catatan internal ke riwayat kasus: --text atau --text-file.",
            "Add an internal note to a case's timeline: --text or --text-file.",
        ),
        "help.case.assign": (
            "Tugaskan kasus ke petugas unitnya: --officer NIP.",
            "Assign a case to an officer of its unit: --officer NIP.",
        ),
        "help.case.close": (
            "Tutup kasus yang sudah ditindaklanjuti (admin, atau petugas unitnya).",
            "Close a followed-up case (admin, or a petugas of its unit).",
        ),
        "help.case.reopen": (
            "Buka kembali kasus yang sudah ditutup (admin): --reason.",
            "Reopen a closed case (admin): --reason.",
        ),
        "help.case.archive": (
            "Arsipkan kasus: spam, di luar cakupan, atau duplikat (--duplicate-of) (admin): "
            "--reason.",
            "Archive a case: spam, out of scope, or a duplicate (--duplicate-of) (admin): "
            "--reason.",
        ),
        "help.case.restore": (
            "Pulihkan kasus yang diarsipkan ke Belum Terverifikasi (admin).",
            "Restore an archived case to Belum Terverifikasi (admin).",
        ),
        "help.case.reply": (
            "Tulis tindak lanjut, jawaban publik kepada pelapor (petugas unit).",
            "Write the follow-up (tindak lanjut), the public reply to the reporter (unit petugas).",
        ),
        "help.case.reporter-reply": (
            "Catat jawaban pelapor: --text atau --text-file.",
            "Record what the reporter answered: --text or --text-file.",
        ),
        "help.case.new": (
            "Catat pengaduan yang datang ke kantor (admin atau petugas unit): nomor sementara.",
            "Record a complaint that came to the office (admin or unit officer): a provisional "
            "number.",
        ),
        "help.case.receipt": (
            "Tanda terima warga: nomor, tanggal, langkah berikutnya, dan batas waktunya.",
            "The citizen's receipt: number, date, what happens next and the time limits.",
        ),
        "help.case.attach": (
            "Lampirkan berkas ke kasus: disimpan sekali menurut isinya, dikirim ke sistem pusat "
            "saat sinkron.",
            "Attach files to a case: stored once by content, sent to the central system at sync.",
        ),
        "help.case.attachments": (
            "Daftar lampiran kasus: nama, ukuran, jenis, dan apakah berkasnya ada di desk ini.",
            "List a case's attachments: name, size, type and whether the file is on this desk.",
        ),
        "help.case.open-attachment": (
            "Buka lampiran dengan penampil sistem (setelah sha256-nya diperiksa).\n\n"
            "Membaca berkas kiriman warga adalah tindakan petugas: masuk, dan diaudit "
            "(attachment_read) sebelum berkasnya diberikan.",
            "Open an attachment with the system's viewer (after checking its sha256).\n\n"
            "Reading a file a citizen sent is an officer's act: signed in, and audited "
            "(attachment_read) before the file is handed over.",
        ),
    }
)


class CaseGroup(LazyGroup):
    """`desk case`: the verbs here, and the counter intake and attachments from their modules."""

    lazy: ClassVar[dict[str, Lazy]] = {
        "new": ("desk.cli.intake_cmd", "new_case", "help.case.new"),
        "receipt": ("desk.cli.intake_cmd", "receipt", "help.case.receipt"),
        "attach": ("desk.cli.attach_cmd", "attach_command", "help.case.attach"),
        "attachments": ("desk.cli.attach_cmd", "attachments_command", "help.case.attachments"),
        "open-attachment": (
            "desk.cli.attach_cmd",
            "open_attachment_command",
            "help.case.open-attachment",
        ),
    }


app = typer.Typer(cls=CaseGroup, help=t("help.case"), no_args_is_help=True)

# The command that takes each action.
COMMANDS: dict[Action, str] = {
    Action.VERIFY: "verify",
    Action.DISPOSE: "dispose",
    Action.RETURN: "return",
    Action.HOLD: "hold",
    Action.RESUME: "resume",
    Action.NOTE: "note",
    Action.ASSIGN: "assign",
    Action.CLOSE: "close",
    Action.REOPEN: "reopen",
    Action.ARCHIVE: "archive",
    Action.RESTORE: "restore",
    Action.FOLLOW_UP: "reply",
    Action.REPORTER_REPLY: "reporter-reply",
}

_TEXTS: dict[str, tuple[str, str]] = {
    "unknown_view": (
        "Tampilan '{value}' tidak dikenal. Pilihan: {choices}.",
        "Unknown view '{value}'. Choose one of: {choices}.",
    ),
    "unknown_order": (
        "Urutan '{value}' tidak dikenal. Pilihan: {choices}.",
        "Unknown order '{value}'. Choose one of: {choices}.",
    ),
    "text_both": (
        "Pakai --text atau --text-file, tidak keduanya.",
        "Use --text or --text-file, not both.",
    ),
    "text_file": ("Tidak bisa membaca {path}: {reason}.", "Cannot read {path}: {reason}."),
    "text_file_long": (
        "lebih dari {limit} karakter, bukan teks sebuah tindakan",
        "more than {limit} characters, not the text of an action",
    ),
    "not_utf8": ("bukan teks UTF-8", "not UTF-8 text"),
    "range": ("{first}–{last} dari {total} kasus", "{first}–{last} of {total} cases"),
    "none": ("0 dari {total} kasus", "0 of {total} cases"),
    "col.number": ("Nomor", "Number"),
    "col.clock": ("Batas", "Clock"),
    "col.status": ("Status", "Status"),
    "col.category": ("Kategori", "Category"),
    "col.unit": ("Unit", "Unit"),
    "col.title": ("Judul", "Title"),
    "col.reporter": ("Pelapor", "Reporter"),
    "col.channel": ("Kanal", "Channel"),
    "col.received": ("Diterima", "Received"),
    "anonymous": ("Anonim", "Anonim"),
    "confidential": ("Rahasia", "Confidential"),
    "classification": ("Klasifikasi", "Classification"),
    "subcategory": ("Subkategori", "Sub-category"),
    "location": ("Lokasi", "Location"),
    "incident": ("Tanggal kejadian", "Incident date"),
    "local_id": ("ID lokal", "Local id"),
    "version": ("Versi", "Version"),
    "assignee": ("Ditugaskan ke", "Assigned to"),
    "duplicate_of": ("Duplikat dari", "Duplicate of"),
    "no_unit": ("belum ada unit", "no unit yet"),
    "name": ("Nama", "Name"),
    "nik": ("NIK", "NIK"),
    "phone": ("Telepon", "Phone"),
    "email": ("Email", "Email"),
    "address": ("Alamat", "Address"),
    "no_reporter": ("(tidak ada data pelapor)", "(no reporter data)"),
    "timeline": ("Riwayat", "Timeline"),
    "public": ("publik", "public"),
    "internal": ("internal", "internal"),
    "actor.system": ("Sistem", "System"),
    "actor.reporter": ("Pelapor", "Reporter"),
    "actor.import": ("Impor", "Import"),
    "received": ("diterima", "received"),
    "allowed": ("Tindakan Anda sekarang", "What you can do now"),
    "allowed_none": ("tidak ada", "none"),
}
_WEEKDAYS = {
    "id": ("Sen", "Sel", "Rab", "Kam", "Jum", "Sab", "Min"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
# Characters JSON leaves raw that a terminal may still act on: C1 controls, bidi overrides.
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
TITLE_WIDTH = 60


def _t(key: str, /, **values: object) -> str:
    indonesian, english = _TEXTS[key]
    text = english if current_language() == "en" else indonesian
    return text.format(**values) if values else text


# -- options ---------------------------------------------------------------------------------

NumberArgument = Annotated[
    str,
    typer.Argument(
        help=t("help.case.number"),
        metavar="NUMBER",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help=t("help.case.json"))]
UnitOption = Annotated[
    str | None,
    typer.Option("--unit", metavar="CODE", help=t("help.case.unit"), show_default=False),
]
ReasonOption = Annotated[
    str | None,
    typer.Option("--reason", metavar="TEXT", help=t("help.case.reason"), show_default=False),
]
TextOption = Annotated[
    str | None,
    typer.Option("--text", metavar="TEXT", help=t("help.case.text"), show_default=False),
]
TextFileOption = Annotated[
    Path | None,
    typer.Option(
        "--text-file",
        metavar="PATH",
        help=t("help.case.text_file"),
        show_default=False,
    ),
]
OfficerOption = Annotated[
    str | None,
    typer.Option("--officer", metavar="NIP", help=t("help.case.officer"), show_default=False),
]
DuplicateOption = Annotated[
    str | None,
    typer.Option(
        "--duplicate-of",
        metavar="NUMBER",
        help=t("help.case.duplicate_of"),
        show_default=False,
    ),
]
ExpectVersionOption = Annotated[
    int | None,
    typer.Option(
        "--expect-version",
        help=t("help.case.expect_version"),
        show_default=False,
    ),
]


# -- who is working, on which database --------------------------------------------------------
# `Session` and `open_session` live in desk/cli/common.py: every command that acts as an officer
# signs in the same way (`sign_in_officer`). They are re-exported here for the commands that
# have always imported them from this module.


# -- presentation helpers ---------------------------------------------------------------------


def _one_line(text: object, width: int | None = None) -> str:
    line = printable(str(text or ""), keep_newlines=False)
    if width is not None and len(line) > width:
        return line[: width - 1] + "…"
    return line


def _local(instant: str, tz: str) -> datetime:
    return from_text(instant).astimezone(ZoneInfo(tz))


def local_date(instant: str, tz: str) -> str:
    """ "30/03/2026": the local day of an instant."""
    return _local(instant, tz).strftime("%d/%m/%Y")


def local_moment(instant: str, tz: str) -> str:
    """ "Sen 30/03/2026 23:59 WITA": an instant as officers read it."""
    moment = _local(instant, tz)
    weekday = _WEEKDAYS[current_language()][moment.weekday()]
    return f"{weekday} {moment:%d/%m/%Y %H:%M} {zone_abbreviation(tz)}"


def reporter_identity(
    actor: Actor, reporter: dict[str, Any] | None, anonymous: object
) -> dict[str, str | None] | None:
    """What `actor` may see of the reporter (desk.case_view decides); None when withheld."""
    view = reporter_view(actor, reporter, bool(anonymous))
    if view.withheld and anonymous:
        return None
    return {
        "name": view.full_name or view.name,
        "nik": view.nik,
        "phone": view.phone,
        "email": view.email,
        "address": view.address,
    }


def print_json(value: object) -> None:
    """JSON on stdout, with nothing in it a terminal could act on."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    typer.echo(_JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text))


def _say(*parts: str | tuple[str, str]) -> None:
    """Print one line made of plain text parts and (text, style) parts; never markup."""
    console.print(Text.assemble(*parts), soft_wrap=False)


# -- list -------------------------------------------------------------------------------------


@app.command("list", help=t("help.case.list"))
def list_cases(
    ctx: typer.Context,
    view: Annotated[
        str | None,
        typer.Option(
            "--view",
            help=help_text("help.case.list.view", views=", ".join(VIEW_CODES)),
            show_default=False,
        ),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option(
            "--query",
            "-q",
            help=t("help.case.list.query"),
            show_default=False,
        ),
    ] = None,
    order: Annotated[
        str | None,
        typer.Option(
            "--order",
            help=t("help.case.list.order"),
            show_default=False,
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help=t("help.case.list.limit"))
    ] = 50,
    after: Annotated[
        str | None,
        typer.Option(
            "--after",
            help=t("help.case.list.after"),
            show_default=False,
        ),
    ] = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the cases of a view, narrowed by a search, a page at a time."""
    from desk.inbox import InboxSource, Query  # imported here: `case show` starts faster
    from desk.search_query import parse_query

    session = open_session(ctx, db, as_nip)
    view_code = view or ("unit" if session.actor.role is Role.PETUGAS else "semua")
    if view_code not in VIEW_CODES:
        choices = ", ".join(VIEW_CODES)
        raise InvalidInput(_t("unknown_view", value=_one_line(view_code), choices=choices))
    chosen_order = order or view_by_code(view_code).order
    if chosen_order not in ORDERS:
        choices = ", ".join(ORDERS)
        raise InvalidInput(_t("unknown_order", value=_one_line(chosen_order), choices=choices))
    office_tz = office_time_zone(session.database)
    search = parse_query(query, office_tz=office_tz) if query and query.strip() else None
    inbox = InboxSource(session.path, session.actor)
    inbox_query = Query(view_code, search, chosen_order)
    start = None
    if after:  # a case to continue after is read like any other (desk/access.py)
        start = key_of(
            readable_case(session.database, session.actor, after, purpose="list"), chosen_order
        )
    rows = inbox.page(inbox_query, after=start, limit=limit)
    for row in rows:  # the page named the reporter as the actor may see them (desk/access.py)
        row["reporter"] = _t("anonymous") if row["anonymous"] else row["reporter_name"] or ""
    if as_json:
        print_json([_row_json(row) for row in rows])
        return
    total = inbox.count(inbox_query)
    if rows:
        first = inbox.position(inbox_query, rows[0]["key"]) + 1
        _print_list(rows, office_tz)
        summary = _t(
            "range",
            first=_number(first),
            last=_number(first + len(rows) - 1),
            total=_number(total),
        )
    else:
        summary = _t("none", total=_number(total))
    console.print(Text(f"{view_by_code(view_code).label} · {summary}"), soft_wrap=True)


def _row_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "number": case_label(row),
        "tracking_no": row["tracking_no"],
        "local_id": row["local_id"],
        "status": row["status"],
        "due_at": row["due_at"],
        "due_kind": row["due_kind"],
        "days_left": row["days_left"],
        "category": row["category"],
        "subcategory": row["subcategory"],
        "unit": row["unit_code"],
        "title": row["title"],
        "reporter": row["reporter"],
        "anonymous": bool(row["anonymous"]),
        "confidential": bool(row["confidential"]),
        "channel": row["channel"],
        "received_at": row["received_at"],
        "updated_at": row["updated_at"],
        "version": row["version"],
    }


# The list's columns in order, with Rich column settings, and the terminal width each needs:
# a narrow terminal leaves out the least needed ones rather than cutting every cell to nothing.
# The number is never left out nor cut (desk/cli/columns.py); a pipe gets every column, plain.
COLUMNS: tuple[tuple[str, int, dict[str, Any]], ...] = (
    ("number", 0, {}),
    ("clock", 0, {"min_width": 11}),
    ("status", 0, {"overflow": "ellipsis"}),
    ("category", 120, {"overflow": "ellipsis", "max_width": 28}),
    ("unit", 0, {}),
    ("title", 0, {"overflow": "ellipsis", "min_width": 12}),
    ("reporter", 90, {"overflow": "ellipsis", "max_width": 24}),
    ("channel", 120, {}),
    ("received", 110, {"min_width": 10}),
)
# Which columns a narrow terminal keeps first, after the number; the least width of each; and
# which are narrowed first when they do not fit whole.
_KEPT_FIRST = ("number", "clock", "status", "unit", "title")
_LEAST = {"clock": 11, "status": 12, "title": 12, "category": 12, "reporter": 10, "unit": 6}
_SHRINK = ("title", "category", "reporter", "status", "unit", "clock")


def _print_list(rows: list[dict[str, Any]], office_tz: str) -> None:
    from desk.cli import columns

    keys = [key for key, _needs, _settings in COLUMNS]
    headers = {key: _t(f"col.{key}") for key in keys}
    width = console.width
    if not console.is_terminal or max(len(case_label(row)) for row in rows) > width:
        whole = [_cells(row, office_tz, title_width=None) for row in rows]  # nothing cut
        columns.print_plain(console, columns.plain_lines(keys, headers, whole))
        return
    cells = [_cells(row, office_tz) for row in rows]
    natural = columns.natural_widths(keys, headers, cells)
    settings = {key: options for key, _needs, options in COLUMNS}
    for key, options in settings.items():  # a column's widest, e.g. a long category
        natural[key] = min(natural[key], options.get("max_width", natural[key]))
    shown = columns.fitting(_KEPT_FIRST, "number", natural, _LEAST, width)
    if len(shown) == len(_KEPT_FIRST):  # a wide terminal's extra columns, while they fit
        extras = [key for key, needs, _settings in COLUMNS if needs and width >= needs]
        shown = columns.fitting([*shown, *extras], "number", natural, _LEAST, width)
    shown = [key for key in keys if key in shown]
    widths = columns.layout(shown, natural, _LEAST, width, _SHRINK)
    console.print(columns.table(widths, headers, cells, settings))


def _cells(
    row: dict[str, Any], office_tz: str, title_width: int | None = TITLE_WIDTH
) -> dict[str, Text]:
    days = row["days_left"]
    clock = Text("—", style="dim") if days is None else Text(clock_text(days))
    if days is not None and days < 0:
        clock.stylize("red")
    return {
        "number": Text(_one_line(case_label(row))),
        "clock": clock,
        "status": Text(status_label(row["status"])),
        "category": Text(_one_line(row["subcategory"] or row["category"])),
        "unit": Text(_one_line(row["unit_code"])),
        "title": Text(_one_line(row["title"], title_width)),
        "reporter": Text(_one_line(row["reporter"]), style="dim" if row["anonymous"] else ""),
        "channel": Text(_one_line(row["channel"])),
        "received": Text(local_date(row["received_at"], office_tz)),
    }


# -- show -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseDetail:
    """Everything `case show` prints about a case, read for one officer at one moment."""

    case: dict[str, Any]
    unit_name: str | None
    assignee: str | None  # the assigned officer's name
    duplicate_of: str | None  # the label of the case this one duplicates
    reporter: dict[str, str | None] | None  # None: anonymous to this officer
    events: list[dict[str, Any]]
    days_left: int | None
    allowed: list[Action]
    office_tz: str
    due_tz: str  # the zone each deadline was set in (office's or unit's), to show it as 23:59
    auto_tz: str


def read_detail(database: sqlite_utils.Database, actor: Actor, reference: str) -> CaseDetail:
    """The case `reference` as `actor` may see it now (`ReadRefused`, audited, when they may not
    read it: desk/access.py)."""
    case = readable_case(database, actor, reference, purpose="show")
    unit = case["unit_code"]
    unit_row = database.execute("SELECT name FROM units WHERE code = ?", [unit]).fetchone()
    reporter_row = next(
        database.query(
            "SELECT name, nik, phone, email, address FROM reporters WHERE case_id = ?",
            [case["id"]],
        ),
        None,
    )
    assignee = database.execute(
        "SELECT name FROM officers WHERE nip = ?", [case["assignee_nip"]]
    ).fetchone()
    events = database.query(
        "SELECT e.*, o.name AS officer_name FROM events AS e "
        "LEFT JOIN officers AS o ON o.nip = e.actor_nip WHERE e.case_id = ? ORDER BY e.at, e.id",
        [case["id"]],
    )
    duplicate = case["duplicate_of"]
    return CaseDetail(
        case=case,
        unit_name=unit_row[0] if unit_row else None,
        assignee=assignee[0] if assignee else case["assignee_nip"],
        duplicate_of=case_label(find_case(database, int(duplicate))) if duplicate else None,
        reporter=reporter_identity(actor, reporter_row, case["anonymous"]),
        events=list(events),
        days_left=days_left(database, case, utc_now()),
        allowed=allowed_actions(actor, case["status"], unit),
        office_tz=office_time_zone(database),
        due_tz=unit_time_zone(database, unit if case["due_kind"] == "tindak_lanjut" else None),
        auto_tz=unit_time_zone(database, unit if case["auto_kind"] == "tutup_otomatis" else None),
    )


@app.command("show", help=t("help.case.show"))
def show_case(
    ctx: typer.Context,
    number: NumberArgument,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one case: status, clocks, text, reporter, timeline, and what you may do now."""
    session = open_session(ctx, db, as_nip)
    detail = read_detail(session.database, session.actor, number)
    if as_json:
        print_json(_detail_json(detail))
    else:
        _print_detail(detail)


# Columns of a case that `case show --json` passes on as they are stored.
DETAIL_FIELDS = (
    "classification",
    "category",
    "subcategory",
    "channel",
    "location",
    "incident_date",
    "received_at",
    "updated_at",
)


def _detail_json(detail: CaseDetail) -> dict[str, Any]:
    case = detail.case
    due = {"kind": case["due_kind"], "at": case["due_at"], "days_left": detail.days_left}
    auto = {"kind": case["auto_kind"], "at": case["auto_at"]}
    return {
        "number": case_label(case),
        **{name: case[name] for name in ("tracking_no", "local_id", "complaint_id", "status")},
        "unit": case["unit_code"],
        "unit_name": detail.unit_name,
        "assignee_nip": case["assignee_nip"],
        "version": case["version"],
        "due": due if case["due_at"] else None,
        "auto": auto if case["auto_at"] else None,
        "anonymous": bool(case["anonymous"]),
        "confidential": bool(case["confidential"]),
        **{name: case[name] for name in DETAIL_FIELDS},
        "duplicate_of": detail.duplicate_of,
        "title": case["title"],
        "body": case["body"],
        "reporter": detail.reporter,
        "timeline": [_event_json(event) for event in detail.events],
        "allowed_actions": [COMMANDS[action] for action in detail.allowed],
    }


def _print_detail(detail: CaseDetail) -> None:
    case, unit = detail.case, detail.case["unit_code"]
    unit_text = _one_line(unit or _t("no_unit"))
    if unit and detail.unit_name:
        unit_text += f" ({_one_line(detail.unit_name)})"
    header = (_one_line(case_label(case)), "bold")
    _say(header, " · ", status_label(case["status"]), " · ", unit_text)
    if case["due_at"]:
        left = detail.days_left
        label = t(f"clock.{case['due_kind']}") if case["due_kind"] else ""
        clock = (clock_text(left), "red" if left is not None and left < 0 else "")
        _say(f"{label}: {local_moment(case['due_at'], detail.due_tz)} · ", clock)
    if case["auto_at"]:
        label = t(f"clock.{case['auto_kind']}") if case["auto_kind"] else ""
        _say(f"{label}: {local_moment(case['auto_at'], detail.auto_tz)}")
    flags = [_t(name) for name in ("anonymous", "confidential") if case[name]]
    if flags:
        _say((" · ".join(flags), "bold"))
    details = [
        (_t("classification"), classification_label(case["classification"])),
        (_t("col.category"), case["category"]),
        (_t("subcategory"), case["subcategory"]),
        (_t("col.channel"), case["channel"]),
        (_t("location"), case["location"]),
        (_t("incident"), _incident_date(case["incident_date"])),
        (_t("col.received"), local_moment(case["received_at"], detail.office_tz)),
        (_t("assignee"), detail.assignee),
        (_t("duplicate_of"), detail.duplicate_of),
        (_t("local_id"), case["local_id"]),
        (_t("version"), case["version"]),
    ]
    for label, value in details:
        if value:
            _say(f"{label}: ", _one_line(value))
    console.print()
    console.print(Text(printable(case["title"]), style="bold"))
    console.print(Text(printable(case["body"])))
    console.print()
    _say((_t("col.reporter"), "bold"))
    if detail.reporter is None:
        _say("  ", _t("anonymous"))
    elif not any(detail.reporter.values()):
        _say("  ", _t("no_reporter"))
    else:
        for name, value in detail.reporter.items():
            if value:
                _say(f"  {_t(name)}: ", _one_line(value))
    console.print()
    _say((_t("timeline"), "bold"))
    for event in detail.events:
        _print_event(event, detail.office_tz)
    console.print()
    offered = ", ".join(f"{COMMANDS[a]} ({action_label(a.value)})" for a in detail.allowed)
    _say((f"{_t('allowed')}: ", "bold"), offered or _t("allowed_none"))


def _incident_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value).strftime("%d/%m/%Y")
    except ValueError:
        return value


def _actor_name(event: dict[str, Any]) -> str:
    kind = event["actor_kind"]
    if kind == "officer":
        return str(event["officer_name"] or event["actor_nip"] or "")
    name = _t(f"actor.{kind}") if f"actor.{kind}" in _TEXTS else str(kind)
    who = event["officer_name"] or event["actor_nip"]
    if kind == "import" and who:  # every event an import writes is its admin's (issue 15)
        return f"{name} ({who})"
    return name


def _event_label(kind: str) -> str:
    return _t("received") if kind == "received" else action_label(kind)


def _event_data(event: dict[str, Any]) -> Any:
    """The event's structured detail (unit, assignee, duplicate), parsed when it is JSON."""
    if not event["data"]:
        return None
    try:
        return json.loads(event["data"])
    except ValueError:
        return event["data"]


def _event_json(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "at": event["at"],
        "actor_kind": event["actor_kind"],
        "actor_nip": event["actor_nip"],
        "actor": _actor_name(event),
        "kind": event["kind"],
        "visibility": event["visibility"],
        "from_status": event["from_status"],
        "to_status": event["to_status"],
        "unit": event["unit_code"],
        "body": event["body"],
        "data": _event_data(event),
    }


def _print_event(event: dict[str, Any], office_tz: str) -> None:
    change = ""
    if event["to_status"] and event["to_status"] != event["from_status"]:
        change = f" → {status_label(event['to_status'])}"
        if event["unit_code"] and event["kind"] in ("verify", "dispose"):
            change += f" ({_one_line(event['unit_code'])})"
    data = _event_data(event)
    if isinstance(data, dict) and data.get("assignee"):
        change += f" → {_one_line(data['assignee'])}"
    claimed = data.get("claimed") if isinstance(data, dict) else None
    if event["kind"] == "import_event" and isinstance(claimed, dict):
        # What the imported file claims happened, and in whose name: a record, not an action.
        said = f"{claimed.get('kind')} · {claimed.get('actor_nip') or claimed.get('actor_kind')}"
        change += f" ({_one_line(said)})"
    visibility = _t("public") if event["visibility"] == "public" else _t("internal")
    _say(
        f"  {local_moment(event['at'], office_tz)} · ",
        (_one_line(_actor_name(event)), "bold"),
        f" · {_one_line(_event_label(event['kind']))}{change} ",
        (f"[{visibility}]", "dim"),
    )
    if event["body"]:
        body = printable(str(event["body"]))
        console.print(Text("\n".join(f"      {line}" for line in body.split("\n"))))


# -- actions ----------------------------------------------------------------------------------


# Far above any text an action takes (the services say how long one may be); a bound, so that
# `--text-file /dev/zero` or a wrong file is refused instead of filling the memory.
TEXT_FILE_LIMIT = 1_000_000


def _bounded(text: str, path: Path) -> str:
    if len(text) > TEXT_FILE_LIMIT:
        reason = _t("text_file_long", limit=f"{TEXT_FILE_LIMIT:,}".replace(",", "."))
        raise InvalidInput(_t("text_file", path=_one_line(path), reason=reason))
    return text


def read_text(text: str | None, text_file: Path | None) -> str | None:
    """The text of `--text`, or of `--text-file` (UTF-8; '-' is standard input)."""
    if text is not None and text_file is not None:
        raise InvalidInput(_t("text_both"))
    if text_file is None:
        return text
    if str(text_file) == "-":
        return _bounded(typer.get_text_stream("stdin").read(TEXT_FILE_LIMIT + 1), text_file)
    try:
        with text_file.open(encoding="utf-8") as handle:
            return _bounded(handle.read(TEXT_FILE_LIMIT + 1), text_file)
    except UnicodeDecodeError:
        reason = _t("not_utf8")
    except OSError as error:
        reason = error.strerror or type(error).__name__
    raise InvalidInput(_t("text_file", path=_one_line(text_file), reason=reason))


def act(
    ctx: typer.Context,
    action: Action,
    number: str,
    db: Path | None,
    as_nip: str | None,
    as_json: bool,
    expect_version: int | None,
    *,
    reason: str | None = None,
    text: str | None = None,
    text_file: Path | None = None,
    unit: str | None = None,
    officer: str | None = None,
    duplicate_of: str | None = None,
) -> None:
    """Take `action` through the services and report what changed in one line."""
    body = read_text(text, text_file)
    session = open_session(ctx, db, as_nip)
    outcome = perform(
        session.database,
        session.actor,
        action,
        number,
        reason=reason,
        text=body,
        unit_code=unit,
        officer_nip=officer,
        duplicate_of=duplicate_of,
        expected_version=expect_version,
    )
    event = session.database.execute(
        "SELECT from_status, to_status FROM events WHERE id = ?", [outcome.event_id]
    ).fetchone()
    before, after = str(event[0]), str(event[1])
    case = outcome.case
    label = case_label(case)
    if as_json:
        print_json(
            {
                "case": label,
                "tracking_no": case["tracking_no"],
                "local_id": case["local_id"],
                "action": action.value,
                "from": before,
                "to": after,
                "unit": case["unit_code"],
                "version": case["version"],
                "op_id": outcome.op_id,
                "event_id": outcome.event_id,
            }
        )
        return
    where = f" ({_one_line(case['unit_code'])})" if case["unit_code"] else ""
    if before != after:
        _say(f"{_one_line(label)}: {status_label(before)} → {status_label(after)}{where}")
    else:
        _say(f"{_one_line(label)}: {action_label(action.value)} · {status_label(after)}{where}")


@app.command("verify", help=t("help.case.verify"))
def verify(
    ctx: typer.Context,
    number: NumberArgument,
    unit: UnitOption = None,
    reason: ReasonOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Verify a new report and dispose it to a unit (admin): --unit CODE."""
    act(ctx, Action.VERIFY, number, db, as_nip, as_json, expect_version, unit=unit, reason=reason)


@app.command("dispose", help=t("help.case.dispose"))
def dispose(
    ctx: typer.Context,
    number: NumberArgument,
    unit: UnitOption = None,
    reason: ReasonOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Dispose a case again, to another unit (admin): --unit CODE."""
    act(ctx, Action.DISPOSE, number, db, as_nip, as_json, expect_version, unit=unit, reason=reason)


@app.command("return", help=t("help.case.return"))
def return_case(
    ctx: typer.Context,
    number: NumberArgument,
    reason: ReasonOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Return a case as not your unit's authority, Bukan Wewenang (its unit's petugas): --reason."""
    act(ctx, Action.RETURN, number, db, as_nip, as_json, expect_version, reason=reason)


@app.command("hold", help=t("help.case.hold"))
def hold(
    ctx: typer.Context,
    number: NumberArgument,
    reason: ReasonOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put a new report on hold until the reporter completes it (admin): --reason."""
    act(ctx, Action.HOLD, number, db, as_nip, as_json, expect_version, reason=reason)


@app.command("resume", help=t("help.case.resume"))
def resume(
    ctx: typer.Context,
    number: NumberArgument,
    reason: ReasonOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Resume a case from hold: the reporter completed the data (admin)."""
    act(ctx, Action.RESUME, number, db, as_nip, as_json, expect_version, reason=reason)


@app.command("note", help=t("help.case.note"))
def note(
    ctx: typer.Context,
    number: NumberArgument,
    text: TextOption = None,
    text_file: TextFileOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add an internal note to a case's timeline: --text or --text-file."""
    act(
        ctx,
        Action.NOTE,
        number,
        db,
        as_nip,
        as_json,
        expect_version,
        text=text,
        text_file=text_file,
    )


@app.command("assign", help=t("help.case.assign"))
def assign(
    ctx: typer.Context,
    number: NumberArgument,
    officer: OfficerOption = None,
    reason: ReasonOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Assign a case to an officer of its unit: --officer NIP."""
    act(
        ctx,
        Action.ASSIGN,
        number,
        db,
        as_nip,
        as_json,
        expect_version,
        officer=officer,
        reason=reason,
    )


@app.command("close", help=t("help.case.close"))
def close(
    ctx: typer.Context,
    number: NumberArgument,
    reason: ReasonOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Close a followed-up case (admin, or a petugas of its unit)."""
    act(ctx, Action.CLOSE, number, db, as_nip, as_json, expect_version, reason=reason)


@app.command("reopen", help=t("help.case.reopen"))
def reopen(
    ctx: typer.Context,
    number: NumberArgument,
    reason: ReasonOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reopen a closed case (admin): --reason."""
    act(ctx, Action.REOPEN, number, db, as_nip, as_json, expect_version, reason=reason)


@app.command("archive", help=t("help.case.archive"))
def archive(
    ctx: typer.Context,
    number: NumberArgument,
    reason: ReasonOption = None,
    duplicate_of: DuplicateOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Archive a case: spam, out of scope, or a duplicate (--duplicate-of) (admin): --reason."""
    act(
        ctx,
        Action.ARCHIVE,
        number,
        db,
        as_nip,
        as_json,
        expect_version,
        reason=reason,
        duplicate_of=duplicate_of,
    )


@app.command("restore", help=t("help.case.restore"))
def restore(
    ctx: typer.Context,
    number: NumberArgument,
    reason: ReasonOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Restore an archived case to Belum Terverifikasi (admin)."""
    act(ctx, Action.RESTORE, number, db, as_nip, as_json, expect_version, reason=reason)


@app.command("reply", help=t("help.case.reply"))
def reply(
    ctx: typer.Context,
    number: NumberArgument,
    text: TextOption = None,
    text_file: TextFileOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Write the follow-up (tindak lanjut), the public reply to the reporter (unit petugas)."""
    act(
        ctx,
        Action.FOLLOW_UP,
        number,
        db,
        as_nip,
        as_json,
        expect_version,
        text=text,
        text_file=text_file,
    )


@app.command("reporter-reply", help=t("help.case.reporter-reply"))
def reporter_reply(
    ctx: typer.Context,
    number: NumberArgument,
    text: TextOption = None,
    text_file: TextFileOption = None,
    expect_version: ExpectVersionOption = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record what the reporter answered: --text or --text-file."""
    act(
        ctx,
        Action.REPORTER_REPLY,
        number,
        db,
        as_nip,
        as_json,
        expect_version,
        text=text,
        text_file=text_file,
    )
