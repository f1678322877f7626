"""`desk case new` and `desk case receipt`: counter intake from the command line (docs/intake.md).

Registered on the `desk case` group by desk/cli/case_cmd.py. Invalid input is one line per
field on stderr (or `{"errors": {...}}` with --json) and exit status 2; nothing is recorded.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from db.connection import open_private
from desk.case_view import format_moment
from desk.cli.case_cmd import (
    TEXT_FILE_LIMIT,
    JsonOption,
    _say,
    open_session,
    print_json,
)
from desk.cli.common import AsOption, DbOption, bad_option, error_console
from desk.clocks import office_time_zone
from desk.errors import InvalidInput
from desk.i18n import CATALOG, extend, status_label, t
from desk.intake import (
    ALIASES,
    IntakeDraft,
    IntakeInvalid,
    check_may_record,
    duplicate_hints,
    record_intake,
)
from desk.receipt import receipt_for, receipt_pdf
from desk.safety import printable

TEXTS: dict[str, tuple[str, str]] = {
    "intake.cli.recorded": ("Laporan dicatat: {number}", "Complaint recorded: {number}"),
    "intake.cli.provisional": (
        "nomor sementara; nomor pelacakan LAPOR! datang dengan sinkronisasi",
        "provisional; the LAPOR! tracking number comes with the next sync",
    ),
    "intake.cli.due": ("Batas verifikasi: {at}", "Verification due: {at}"),
    "intake.cli.duplicates": (
        "Mungkin laporan yang sama (periksa sebelum diverifikasi):",
        "Possibly the same complaint (check before verifying):",
    ),
    "intake.cli.receipt": (
        "Tanda terima: desk case receipt {number} -o tanda-terima.txt (atau .pdf)",
        "Receipt: desk case receipt {number} -o receipt.txt (or .pdf)",
    ),
    "intake.cli.file": ("Tidak bisa membaca {path}: {reason}.", "Cannot read {path}: {reason}."),
    "intake.cli.too_long": (
        "lebih dari {limit} karakter, bukan berkas pengaduan",
        "more than {limit} characters, not a complaint file",
    ),
    "intake.cli.file_json": (
        "{path} bukan JSON yang berisi satu objek (baris {line}: {reason}).",
        "{path} is not JSON holding one object (line {line}: {reason}).",
    ),
    "intake.cli.file_key": (
        "{path}, baris {line}: isian '{key}' tidak dikenal (contoh: judul, isi, kategori, nik).",
        "{path}, line {line}: unknown field '{key}' (e.g. title, text, category, nik).",
    ),
    "intake.cli.file_line": (
        "{path}, baris {line}: tulis 'isian: nilai' (contoh: 'judul: Jalan rusak').",
        "{path}, line {line}: write 'field: value' (e.g. 'title: Broken road').",
    ),
    "intake.cli.pdf_needs_file": (
        "--format pdf perlu -o FILE (PDF tidak dicetak ke terminal).",
        "--format pdf needs -o FILE (a PDF is not printed to the terminal).",
    ),
    "intake.cli.format": (
        "Format '{value}' tidak dikenal: pilih text atau pdf.",
        "Unknown format '{value}': choose text or pdf.",
    ),
    "intake.cli.written": ("Tanda terima ditulis ke {path}", "Receipt written to {path}"),
}
if "intake.cli.recorded" not in CATALOG:
    extend(TEXTS)


# Help texts: the English is the text given to each option below (desk/cli/commands.py
# renders it again in the interface's language).
extend(
    {
        "help.case.new.from_file": (
            "Objek JSON, atau baris 'isian: nilai', berisi isian-isiannya.",
            "A JSON object, or 'field: value' lines, with the fields.",
        ),
        "help.case.new.title": ("Judul.", "Title (judul)."),
        "help.case.new.text": ("Isi laporan.", "The complaint (isi laporan)."),
        "help.case.new.classification": (
            "pengaduan (bawaan), aspirasi, permintaan_informasi.",
            "pengaduan (default), aspirasi, permintaan_informasi.",
        ),
        "help.case.new.category": (
            "Kategori LAPOR!, 'UTAMA / SUB', atau subkategori dari satu kategori utama.",
            "LAPOR! category, 'MAIN / SUB', or a sub-category of one main.",
        ),
        "help.case.new.subcategory": ("Subkategori LAPOR!.", "LAPOR! sub-category."),
        "help.case.new.channel": (
            "loket (bawaan), telepon, surat, sms, whatsapp, email.",
            "loket (default), telepon, surat, sms, whatsapp, email.",
        ),
        "help.case.new.place": ("Tempat kejadian.", "Where it happened."),
        "help.case.new.incident_date": (
            "Kapan: 28/11/2026 atau 2026-11-28.",
            "When: 28/11/2026 or 2026-11-28.",
        ),
        "help.case.new.name": ("Nama pelapor.", "The reporter's name."),
        "help.case.new.nik": ("NIK: 16 angka.", "NIK: 16 digits."),
        "help.case.new.phone": ("08…, +628… atau 0541….", "08…, +628… or 0541…."),
        "help.case.new.email": ("Alamat surel.", "E-mail address."),
        "help.case.new.address": ("Alamat surat.", "Postal address."),
        "help.case.new.anonim": (
            "Sembunyikan identitas pelapor dari publik.",
            "Hide the reporter's identity from the public.",
        ),
        "help.case.new.rahasia": (
            "Jauhkan isi laporan dari tampilan publik.",
            "Keep the content out of public view.",
        ),
        "help.case.receipt.number": (
            "Kasusnya: nomor sementara (L-PUPR-0007) atau nomor pelacakan.",
            "The case: its provisional number (L-PUPR-0007) or tracking number.",
        ),
        "help.case.receipt.output": (
            "Tulis ke berkas ini (selain itu cetak teksnya).",
            "Write to this file (else print the text).",
        ),
        "help.case.receipt.format": (
            "text atau pdf (bawaan: dari nama berkas, selain itu text).",
            "text or pdf (default: from the file name, else text).",
        ),
    }
)


def _option(name: str, help_text: str, metavar: str = "TEXT") -> Any:
    return typer.Option(name, help=help_text, metavar=metavar, show_default=False)


def _invalid(message: str) -> typer.Exit:
    """Invalid input: one line on stderr, exit status 2."""
    return bad_option(message)


def new_case(
    ctx: typer.Context,
    from_file: Annotated[
        Path | None,
        _option("--from-file", "A JSON object, or 'field: value' lines, with the fields.", "PATH"),
    ] = None,
    title: Annotated[str | None, _option("--title", "Title (judul).")] = None,
    text: Annotated[str | None, _option("--text", "The complaint (isi laporan).")] = None,
    classification: Annotated[
        str | None,
        _option("--classification", "pengaduan (default), aspirasi, permintaan_informasi."),
    ] = None,
    category: Annotated[
        str | None,
        _option("--category", "LAPOR! category, 'MAIN / SUB', or a sub-category of one main."),
    ] = None,
    subcategory: Annotated[str | None, _option("--subcategory", "LAPOR! sub-category.")] = None,
    channel: Annotated[
        str | None,
        _option("--channel", "loket (default), telepon, surat, sms, whatsapp, email."),
    ] = None,
    place: Annotated[str | None, _option("--place", "Where it happened.")] = None,
    incident_date: Annotated[
        str | None, _option("--incident-date", "When: 28/11/2026 or 2026-11-28.", "DATE")
    ] = None,
    name: Annotated[str | None, _option("--name", "The reporter's name.")] = None,
    nik: Annotated[str | None, _option("--nik", "NIK: 16 digits.", "NIK")] = None,
    phone: Annotated[str | None, _option("--phone", "08…, +628… or 0541….", "PHONE")] = None,
    email: Annotated[str | None, _option("--email", "E-mail address.", "EMAIL")] = None,
    address: Annotated[str | None, _option("--address", "Postal address.")] = None,
    anonim: Annotated[
        bool | None,
        typer.Option("--anonim/--no-anonim", help="Hide the reporter's identity from the public."),
    ] = None,
    rahasia: Annotated[
        bool | None,
        typer.Option("--rahasia/--no-rahasia", help="Keep the content out of public view."),
    ] = None,
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Record a complaint that came to the office (admin or unit officer): a provisional number."""
    values: dict[str, Any] = read_intake_file(from_file) if from_file is not None else {}
    given = {
        "title": title,
        "text": text,
        "classification": classification,
        "category": category,
        "subcategory": subcategory,
        "channel": channel,
        "place": place,
        "incident_date": incident_date,
        "name": name,
        "nik": nik,
        "phone": phone,
        "email": email,
        "address": address,
        "anonymous": anonim,
        "confidential": rahasia,
    }
    values.update({key: value for key, value in given.items() if value is not None})
    draft = IntakeDraft.from_mapping(values)
    session = open_session(ctx, db, as_nip)
    check_may_record(session.actor)
    hints = duplicate_hints(session.database, session.actor, draft)
    try:
        recorded = record_intake(session.database, session.actor, draft)
    except IntakeInvalid as error:
        if as_json:
            print_json({"errors": error.errors})
            raise typer.Exit(2) from None
        for line in error.lines():
            error_console.print(
                f"desk: {printable(line, keep_newlines=False)}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        raise typer.Exit(2) from None
    case = recorded.case
    tz = office_time_zone(session.database)
    due = format_moment(case["due_at"], tz) if case["due_at"] else None
    if as_json:
        print_json(
            {
                "case": recorded.provisional_no,
                "provisional_no": recorded.provisional_no,
                "tracking_no": case["tracking_no"],
                "local_id": case["local_id"],
                "status": case["status"],
                "due_at": case["due_at"],
                "op_id": recorded.op_id,
                "duplicates": [
                    {
                        "case": hint.label,
                        "status": hint.status,
                        "title": hint.title,
                        "reasons": list(hint.reasons),
                    }
                    for hint in hints
                ],
            }
        )
        return
    _say(
        (t("intake.cli.recorded", number=recorded.provisional_no), "bold"),
        f" ({t('intake.cli.provisional')})",
    )
    if due:
        _say(t("intake.cli.due", at=due))
    if hints:
        _say((t("intake.cli.duplicates"), "yellow"))
        for hint in hints:
            title = printable(hint.title, keep_newlines=False)[:50]
            _say(
                f"  {printable(hint.label)}  {status_label(hint.status)}  {title}"
                f"  ({hint.reason_text()})"
            )
    _say(t("intake.cli.receipt", number=recorded.provisional_no))


def read_intake_file(path: Path) -> dict[str, Any]:
    """The fields in a JSON object file, or in 'field: value' lines (an indented line continues
    the value before it: the complaint text may take many lines). Raises `typer.Exit(2)` with a
    message naming the file and the line."""
    shown = printable(str(path), keep_newlines=False)
    try:
        with path.open(encoding="utf-8-sig") as handle:
            raw = handle.read(TEXT_FILE_LIMIT + 1)
    except UnicodeDecodeError:
        raise _invalid(t("intake.cli.file", path=shown, reason="UTF-8?")) from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise _invalid(t("intake.cli.file", path=shown, reason=reason)) from None
    if len(raw) > TEXT_FILE_LIMIT:  # /dev/zero, a wrong file: never read whole
        reason = t("intake.cli.too_long", limit=TEXT_FILE_LIMIT)
        raise _invalid(t("intake.cli.file", path=shown, reason=reason))
    if raw.lstrip().startswith("{"):
        try:
            loaded = json.loads(raw)
        except ValueError as error:
            line = getattr(error, "lineno", 1)
            reason = getattr(error, "msg", str(error))
            raise _invalid(
                t("intake.cli.file_json", path=shown, line=line, reason=reason)
            ) from None
        if not isinstance(loaded, dict):
            raise _invalid(t("intake.cli.file_json", path=shown, line=1, reason="{…}"))
        for key in loaded:
            if _field(str(key)) is None:
                raise _invalid(t("intake.cli.file_key", path=shown, line=1, key=key))
        return dict(loaded)
    values: dict[str, Any] = {}
    current: str | None = None
    for number, line in enumerate(raw.splitlines(), start=1):
        head, colon, rest = line.partition(":")
        # "name: value" at the start of a line names a field; an indented line, or one that
        # does not start with a single word and a colon, continues the value before it.
        named = bool(colon) and not line[:1].isspace() and _KEY.fullmatch(head) is not None
        if named:
            key = _field(head)
            if key is None:
                raise _invalid(t("intake.cli.file_key", path=shown, line=number, key=head))
            current = key
            values[current] = rest.strip()
        elif current is not None:
            values[current] = f"{values[current]}\n{line}".strip("\n")
        elif line.strip():
            raise _invalid(t("intake.cli.file_line", path=shown, line=number))
    return values


_KEY = re.compile(r"[A-Za-z_\-]+")


def _field(key: str) -> str | None:
    return ALIASES.get(key.strip().lower().replace("-", "_").replace(" ", "_"))


def receipt(
    ctx: typer.Context,
    number: Annotated[
        str,
        typer.Argument(
            help="The case: its provisional number (L-PUPR-0007) or tracking number.",
            metavar="NUMBER",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="Write to this file (else print the text).",
            metavar="FILE",
            show_default=False,
        ),
    ] = None,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="text or pdf (default: from the file name, else text).",
            metavar="FORMAT",
            show_default=False,
        ),
    ] = None,
    as_nip: AsOption = None,
    db: DbOption = None,
) -> None:
    """The citizen's receipt: number, date, what happens next and the time limits."""
    kind = (format_ or ("pdf" if output and output.suffix.lower() == ".pdf" else "text")).lower()
    if kind not in ("text", "pdf"):
        raise _invalid(t("intake.cli.format", value=printable(kind, keep_newlines=False)))
    if kind == "pdf" and output is None:
        raise _invalid(t("intake.cli.pdf_needs_file"))
    session = open_session(ctx, db, as_nip)
    # Printing a receipt is reading the case: the read rule decides (desk/access.py), and a
    # head, who reads every case, gets one with the reporter as heads see them.
    text = receipt_for(session.database, session.actor, number)
    if output is None:
        typer.echo(text, nl=False)
        return
    data = receipt_pdf(text) if kind == "pdf" else text.encode("utf-8")
    try:
        # A receipt names the reporter: owner-only, as an export is (docs/security.md).
        with os.fdopen(open_private(output), "wb") as handle:
            handle.write(data)
    except OSError as error:
        raise InvalidInput(
            t("intake.cli.file", path=printable(str(output)), reason=error.strerror or error)
        ) from None
    _say(t("intake.cli.written", path=printable(str(output), keep_newlines=False)))
