"""The receipt (tanda terima) a citizen takes home after a complaint is recorded at the office.

Plain text of at most 80 columns, to print on any printer or show on screen, in the officer's
language: the number (a provisional one marked as such), when it was received in the office's
time zone, what happens next with the legal limits, and the office. `receipt_pdf` writes the
same lines as a minimal PDF (Courier, A4) by hand: no PDF library needed.

A receipt names the reporter, so it is read like the case itself (desk/access.py): only by an
officer who may read the case (a petugas of another unit is refused, and the refusal audited),
with the reporter's name as that officer may see it.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from desk.access import readable_case, reporter_view
from desk.case_view import format_moment
from desk.clocks import unit_time_zone
from desk.i18n import CATALOG, classification_label, extend, t
from desk.safety import printable
from desk.workflow import Actor

__all__ = ["WIDTH", "Receipt", "load_receipt", "receipt_for", "receipt_pdf", "receipt_text"]

WIDTH = 78  # fits an 80-column terminal and a printed A4 line in 10 pt Courier

TEXTS: dict[str, tuple[str, str]] = {
    "receipt.title": ("TANDA TERIMA PENGADUAN", "COMPLAINT RECEIPT"),
    "receipt.subtitle": (
        "SP4N-LAPOR! - Layanan Aspirasi dan Pengaduan Online Rakyat",
        "SP4N-LAPOR! - the national complaint service",
    ),
    "receipt.number": ("Nomor laporan", "Complaint number"),
    "receipt.provisional": (
        "SEMENTARA: nomor pelacakan LAPOR! diberikan setelah data dikirim ke pusat; "
        "nomor ini tetap dapat dipakai untuk menanyakan laporan Anda.",
        "PROVISIONAL: the LAPOR! tracking number is given once the data reaches the central "
        "system; this number still finds your complaint.",
    ),
    "receipt.also": ("Nomor sementara", "Provisional number"),
    "receipt.received": ("Diterima", "Received"),
    "receipt.channel": ("Melalui", "Channel"),
    "receipt.subject": ("Perihal", "Subject"),
    "receipt.classification": ("Klasifikasi", "Classification"),
    "receipt.category": ("Kategori", "Category"),
    "receipt.reporter": ("Pelapor", "Reporter"),
    "receipt.anonymous": (
        "Anonim (identitas tidak ditampilkan kepada publik dan terlapor)",
        "Anonim (identity hidden from the public and from whoever is complained about)",
    ),
    "receipt.confidential": (
        "Rahasia: isi laporan tidak dipublikasikan.",
        "Rahasia: the content of the complaint is not published.",
    ),
    "receipt.officer": ("Petugas penerima", "Received by"),
    "receipt.office": ("Kantor", "Office"),
    "receipt.next": ("Apa yang terjadi selanjutnya", "What happens next"),
    "receipt.step1": (
        "Laporan diverifikasi dan diteruskan (disposisi) ke instansi yang berwenang paling "
        "lambat 3 hari kerja setelah diterima{due}.",
        "The complaint is verified and passed (disposed) to the responsible office within 3 "
        "working days of its receipt{due}.",
    ),
    "receipt.due": (" (paling lambat {at})", " (by {at})"),
    "receipt.step2": (
        "Instansi tersebut memberi tindak lanjut paling lambat 5 hari kerja setelah menerima "
        "disposisi.",
        "That office answers with a follow-up within 5 working days of receiving it.",
    ),
    "receipt.step3": (
        "Setelah tindak lanjut, Anda dapat menanggapinya dalam 10 hari kerja; tanpa "
        "tanggapan, laporan selesai dengan sendirinya.",
        "After the follow-up you have 10 working days to reply; without a reply the complaint "
        "is closed.",
    ),
    "receipt.step4": (
        "Pantau laporan di www.lapor.go.id, SMS 1708, atau tanyakan ke kantor ini dengan "
        "menyebut nomor di atas.",
        "Follow it on www.lapor.go.id, by SMS 1708, or ask at this office quoting the number "
        "above.",
    ),
    "receipt.hk": (
        "Hari kerja: Senin-Jumat, di luar hari libur nasional, cuti bersama dan libur daerah.",
        "Working days: Monday to Friday, except national holidays, collective leave and "
        "regional holidays.",
    ),
    "receipt.keep": ("Simpan tanda terima ini.", "Keep this receipt."),
}
if "receipt.title" not in CATALOG:
    extend(TEXTS)


@dataclass(frozen=True)
class Receipt:
    """What a receipt shows, read from the database."""

    number: str  # "#9000001" or "L-PUPR-0007"
    provisional_no: str | None
    provisional: bool  # no tracking number yet
    received: str  # "Sen 30/11/2026 09:15 WITA"
    due: str | None
    channel: str
    title: str
    classification: str
    category: str
    reporter: str | None  # the name, or None when anonymous / not recorded
    anonymous: bool
    confidential: bool
    officer: str | None
    office: str | None


def load_receipt(database: sqlite_utils.Database, actor: Actor, reference: str | int) -> Receipt:
    """The receipt of a case (any number it answers to) as `actor` may read it; `NotFound` when
    there is none, `ReadRefused` (audited) when `actor` may not read the case."""
    case = readable_case(database, actor, reference, purpose="receipt")
    received = database.execute(
        "SELECT e.actor_nip, o.name, o.unit_code, u.name FROM events AS e "
        "LEFT JOIN officers AS o ON o.nip = e.actor_nip "
        "LEFT JOIN units AS u ON u.code = o.unit_code "
        "WHERE e.case_id = ? AND e.kind = 'received' ORDER BY e.id LIMIT 1",
        [case["id"]],
    ).fetchone()
    officer_unit = received[2] if received else None
    tz = unit_time_zone(database, officer_unit)
    reporter = next(
        database.query("SELECT name FROM reporters WHERE case_id = ?", [case["id"]]), None
    )
    category = " / ".join(part for part in (case["category"], case["subcategory"]) if part)
    tracking = case.get("tracking_no")
    return Receipt(
        number=f"#{tracking}" if tracking else str(case.get("provisional_no") or case["local_id"]),
        provisional_no=case.get("provisional_no"),
        provisional=not tracking,
        received=format_moment(case["received_at"], tz),
        due=format_moment(case["due_at"], tz)
        if case["status"] == "baru" and case["due_at"]
        else None,
        channel=_channel(case["channel"]),
        title=str(case["title"]),
        classification=classification_label(case["classification"]),
        category=category,
        reporter=_reporter(actor, reporter, bool(case["anonymous"])),
        anonymous=bool(case["anonymous"]),
        confidential=bool(case["confidential"]),
        officer=received[1] if received else None,
        office=received[3] if received else None,
    )


def _reporter(actor: Actor, reporter: dict[str, Any] | None, anonymous: bool) -> str | None:
    """The reporter's name as `actor` may see it; None when anonymous or not recorded (the
    receipt says "Anonim" for an anonymous case whoever prints it: it is the citizen's)."""
    if anonymous or reporter is None or not (reporter.get("name") or "").strip():
        return None
    return reporter_view(actor, reporter, anonymous=False).name


def _channel(code: str) -> str:
    key = f"intake.channel.{code}"
    return t(key) if key in CATALOG else code


def receipt_text(receipt: Receipt, width: int = WIDTH) -> str:
    """The receipt as plain text lines of at most `width` columns."""
    lines: list[str] = []

    def centred(text: str) -> None:
        lines.append(text.center(width).rstrip())

    def pair(label: str, value: str | None) -> None:
        if not value:
            return
        head = f"{label:<18}: "
        wrapped = textwrap.wrap(_clean(value), width=width - len(head), break_long_words=True) or [
            ""
        ]
        lines.append(head + wrapped[0])
        lines.extend(" " * len(head) + rest for rest in wrapped[1:])

    def paragraph(text: str, first: str = "", rest: str = "") -> None:
        lines.extend(textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest))

    rule = "=" * width
    lines.append(rule)
    centred(t("receipt.title"))
    centred(t("receipt.subtitle"))
    if receipt.office:
        centred(_clean(receipt.office))
    lines.append(rule)
    pair(t("receipt.number"), receipt.number)
    if receipt.provisional:
        paragraph(t("receipt.provisional"), " " * 20, " " * 20)
    elif receipt.provisional_no:
        pair(t("receipt.also"), receipt.provisional_no)
    pair(t("receipt.received"), receipt.received)
    pair(t("receipt.channel"), receipt.channel)
    pair(t("receipt.subject"), receipt.title)
    pair(t("receipt.classification"), receipt.classification)
    pair(t("receipt.category"), receipt.category)
    pair(t("receipt.reporter"), t("receipt.anonymous") if receipt.anonymous else receipt.reporter)
    pair(t("receipt.officer"), receipt.officer)
    pair(t("receipt.office"), receipt.office)
    if receipt.confidential:
        paragraph(t("receipt.confidential"))
    lines.append("-" * width)
    lines.append(t("receipt.next") + ":")
    # A no-break space keeps the deadline on one line when the paragraph wraps.
    due = t("receipt.due", at=receipt.due.replace(" ", "\u00a0")) if receipt.due else ""
    for number, text in enumerate(
        (
            t("receipt.step1", due=due),
            t("receipt.step2"),
            t("receipt.step3"),
            t("receipt.step4"),
        ),
        start=1,
    ):
        paragraph(text, f" {number}. ", "    ")
    paragraph(t("receipt.hk"))
    lines.append(rule)
    paragraph(t("receipt.keep"))
    return "\n".join(lines) + "\n"


def _clean(text: str) -> str:
    """Public text on one line, with nothing a printer or a terminal would act on."""
    return printable(str(text), keep_newlines=False).strip()


# ---------------------------------------------------------------------------------------------
# A minimal PDF


PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 50
FONT_SIZE = 10  # Courier: 6 pt a character, so 78 columns are 468 pt of the 495 available
LEADING = 13
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LEADING


def _pdf_string(line: str) -> bytes:
    """A PDF literal string in WinAnsi (Latin-1 here); characters outside it become '?'."""
    data = line.encode("cp1252", errors="replace")
    return b"(" + data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def receipt_pdf(text: str) -> bytes:
    """`text` (lines of at most 80 columns) as a PDF of A4 pages in 10 pt Courier."""
    lines = text.rstrip("\n").split("\n")
    pages = [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)] or [[]]
    objects: list[bytes] = []
    # 1 catalog, 2 page tree, 3 font; then for each page: its page object and its content.
    kids = " ".join(f"{4 + 2 * index} 0 R" for index in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>"
    )
    for index, page in enumerate(pages):
        content = [
            b"BT",
            f"/F1 {FONT_SIZE} Tf {LEADING} TL {MARGIN} {PAGE_HEIGHT - MARGIN} Td".encode(),
        ]
        content += [_pdf_string(line) + b" '" for line in page]
        content.append(b"ET")
        stream = b"\n".join(content)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * index} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def receipt_for(database: sqlite_utils.Database, actor: Actor, reference: str | int) -> str:
    """The receipt text of a case as `actor` may read it (a shortcut for the CLI and the TUI)."""
    return receipt_text(load_receipt(database, actor, reference))
