"""`desk export`: the cases an admin or officer selects, to CSV, XLSX, JSON Lines or JSON.

The command reads the options, asks `desk.exporting.export_cases` (which enforces who may have
personal data) and prints one summary line. Options that cannot be used are one line on stderr
and exit status 2; a refusal or a file that cannot be written, one line and exit status 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from desk.cli.case_cmd import open_session, print_json
from desk.cli.common import AsOption, DbOption, bad_option, console
from desk.cli.progress import progress_bar
from desk.errors import InvalidInput
from desk.exporting import FORMATS, ExportOptions, export_cases, parse_day
from desk.exporting.options import check_options, format_for
from desk.i18n import count_text as _number
from desk.i18n import extend, t

# The command's own help is the catalog's "help.export" (desk/cli/commands.py).
extend(
    {
        "help.export.output": (
            "Berkas yang ditulis (ditimpa bila sudah ada). Akhiran namanya menentukan format.",
            "The file to write (replaced when it exists). Its suffix gives the format.",
        ),
        "help.export.format": (
            "Formatnya; bawaan: menurut akhiran nama berkas -o.",
            "The format; default: from the suffix of -o.",
        ),
        "help.export.status": (
            "Hanya status ini (boleh diulang).",
            "Only this status (repeatable).",
        ),
        "help.export.unit": ("Hanya unit ini (boleh diulang).", "Only this unit (repeatable)."),
        "help.export.since": (
            "Diterima pada tanggal ini atau sesudahnya (waktu kantor): 2026-03-01 atau 01/03/2026.",
            "Received on or after this day (office time): 2026-03-01 or 01/03/2026.",
        ),
        "help.export.until": (
            "Diterima pada tanggal ini atau sebelumnya (waktu kantor), sepanjang hari itu.",
            "Received on or before this day (office time), the whole day included.",
        ),
        "help.export.query": (
            "Pencarian, seperti '/' di desk: kata-kata dan status:, unit:, kategori:, kanal:, "
            "anonim:, rahasia:, sesudah:, sebelum:, #nomor.",
            "A search, as in the desk's '/': words and status:, unit:, kategori:, kanal:, "
            "anonim:, rahasia:, sesudah:, sebelum:, #number.",
        ),
        "help.export.include_personal": (
            "Nama, NIK, telepon, e-mail, dan alamat pelapor tanpa disamarkan (khusus admin).",
            "Reporters' names, NIK, phone, e-mail and address unmasked (admins only).",
        ),
        "help.export.public": (
            "Untuk dipublikasikan: tanpa kasus Rahasia, tanpa pelapor, tanpa riwayat internal.",
            "For publication: no Rahasia cases, no reporter, no internal timeline.",
        ),
        "help.export.delimiter": (
            "Pemisah kolom CSV (';' cocok untuk Excel berbahasa Indonesia).",
            "CSV field separator (';' suits Excel in Indonesian).",
        ),
        "help.export.json": (
            "Cetak satu objek ringkasan JSON, bukan teks.",
            "Print one JSON summary object instead of text.",
        ),
    }
)

BAD_OPTIONS = 2


def export_command(
    ctx: typer.Context,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help=t("help.export.output"),
            show_default=False,
        ),
    ],
    format_name: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="|".join(FORMATS),
            help=t("help.export.format"),
            show_default=False,
        ),
    ] = None,
    status: Annotated[
        list[str] | None,
        typer.Option("--status", metavar="CODE", help=t("help.export.status"), show_default=False),
    ] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option("--unit", metavar="CODE", help=t("help.export.unit"), show_default=False),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            help=t("help.export.since"),
            show_default=False,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="DATE",
            help=t("help.export.until"),
            show_default=False,
        ),
    ] = None,
    query: Annotated[
        str | None,
        typer.Option(
            "--query",
            "-q",
            metavar="Q",
            help=t("help.export.query"),
            show_default=False,
        ),
    ] = None,
    include_personal: Annotated[
        bool,
        typer.Option(
            "--include-personal",
            help=t("help.export.include_personal"),
        ),
    ] = False,
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help=t("help.export.public"),
        ),
    ] = False,
    delimiter: Annotated[
        str,
        typer.Option(
            "--delimiter",
            metavar="; , | tab",
            help=t("help.export.delimiter"),
        ),
    ] = ";",
    as_nip: AsOption = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help=t("help.export.json"))] = False,
) -> None:
    """Export cases to CSV, XLSX, JSON Lines or JSON (personal data masked unless asked)."""
    with _bad_options():
        options = ExportOptions(
            format=format_for(output, format_name),
            statuses=tuple(status or ()),
            units=tuple(unit or ()),
            since=parse_day(since, "--since") if since is not None else None,
            until=parse_day(until, "--until") if until is not None else None,
            query=query,
            include_personal=include_personal,
            public=public,
            delimiter=delimiter,
        )
        check_options(options)
    session = open_session(ctx, db, as_nip)
    with _bad_options(), progress_bar(t("export.progress"), enabled=not as_json) as progress:
        summary = export_cases(
            session.database, output, options, actor=session.actor, progress=progress
        )
    if as_json:
        print_json(summary.as_json())
        return
    if summary.personal:
        privacy = t("export.summary.personal")
    elif summary.public:
        privacy = t("export.summary.public")
    else:
        privacy = t("export.summary.masked")
    line = t(
        "export.summary",
        count=_number(summary.cases),
        path=summary.path,
        format=summary.format.upper(),
        privacy=privacy,
    )
    console.print(line, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def _bad_options() -> Iterator[None]:
    """Options that cannot be used: one line on stderr, exit status 2."""
    try:
        yield
    except InvalidInput as error:
        raise bad_option(str(error)) from None
