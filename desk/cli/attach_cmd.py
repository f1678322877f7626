"""`desk case attach`, `desk case attachments`, `desk case open-attachment`.

All three sign the officer in (`open_session`: PIN, lockout); listing and opening read the case
as desk/access.py allows (a petugas of another unit is refused, audited); opening a file is
audited (`desk.attachments.read_attachment`, as the case screen does).

Each file is attached in its own transaction (desk/attachments.py): one refused file (too large,
not an accepted type, already attached) is reported and the others still go; the exit status is
1 when any was refused. File names come from the public: printed through `plain`, never markup.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from desk.attachments import (
    AttachmentProblem,
    attach,
    attachments_for,
    human_size,
    read_attachment,
)
from desk.cli.case_cmd import JsonOption, NumberArgument, open_session
from desk.cli.common import AsOption, DbOption, console, error_console, plain
from desk.errors import DeskError
from desk.i18n import extend, t
from desk.services import case_label
from desk.viewer import open_with_viewer

# Help texts: the English is the text given to each option below (desk/cli/commands.py
# renders it again in the interface's language).
extend(
    {
        "help.case.attach.files": (
            "Foto, PDF, atau dokumen kantor (DOC, DOCX, XLS, XLSX, ODT, ODS).",
            "Photos, PDFs or office documents (DOC, DOCX, XLS, XLSX, ODT, ODS).",
        ),
        "help.case.attach.which": (
            "Yang mana: urutannya (1, 2…), namanya, atau awalan sha256-nya.",
            "Which: its position (1, 2…), name or sha256 prefix.",
        ),
        "help.case.attach.path": (
            "Cetak letak berkasnya (yang sudah diperiksa) saja.",
            "Only print where the (checked) file is.",
        ),
    }
)


def attach_command(
    ctx: typer.Context,
    number: NumberArgument,
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Photos, PDFs or office documents (DOC, DOCX, XLS, XLSX, ODT, ODS).",
            metavar="FILE...",
            show_default=False,
        ),
    ],
    db: DbOption = None,
    as_nip: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Attach files to a case: stored once by content, sent to the central system at sync."""
    session = open_session(ctx, db, as_nip)
    results: list[dict[str, object]] = []
    failed = 0
    for path in files:
        try:
            done = attach(session.database, session.actor, number, path)
        except DeskError as error:
            failed += 1
            results.append({"file": str(path), "ok": False, "error": str(error)})
            if not as_json:
                error_console.print(plain(f"desk: {error}"), soft_wrap=True)
            continue
        stored = done.stored
        results.append(
            {
                "file": str(path),
                "ok": True,
                "case": done.case,
                "name": done.name,
                "size": stored.size,
                "media_type": stored.media_type,
                "sha256": stored.sha256,
                "stored_new": stored.new,
                "op_id": done.op_id,
            }
        )
        if not as_json:
            message = t(
                "att.attached",
                name=done.name,
                size=human_size(stored.size),
                type=stored.media_type,
                case=done.case,
            )
            console.print(plain(message), soft_wrap=True)
    if as_json:
        typer.echo(json.dumps(results, ensure_ascii=False))
    if failed:
        raise typer.Exit(1)


def attachments_command(
    ctx: typer.Context,
    number: NumberArgument,
    db: DbOption = None,
    as_nip: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """List a case's attachments: name, size, type and whether the file is on this desk."""
    session = open_session(ctx, db, as_nip)
    case, entries = attachments_for(session.database, session.actor, number)
    if as_json:
        typer.echo(json.dumps([e.as_dict() for e in entries], ensure_ascii=False))
        return
    if not entries:
        console.print(plain(t("att.none")))
        return
    table = Table(box=box.SIMPLE, title=plain(case_label(case)))
    for key in ("name", "size", "type", "state", "added"):
        table.add_column(t(f"att.col.{key}"))
    for index, entry in enumerate(entries, 1):
        table.add_row(
            plain(f"{index}. {entry.name}"),
            human_size(entry.size),
            entry.kind,
            t(f"att.state.{entry.state}"),
            plain(f"{entry.added_at[:16]} {entry.added_by or ''}"),
        )
    console.print(table)


def open_attachment_command(
    ctx: typer.Context,
    number: NumberArgument,
    which: Annotated[
        str | None,
        typer.Argument(help="Which: its position (1, 2…), name or sha256 prefix.", metavar="WHICH"),
    ] = None,
    db: DbOption = None,
    as_nip: AsOption = None,
    print_path: Annotated[
        bool, typer.Option("--path", help="Only print where the (checked) file is.")
    ] = False,
) -> None:
    """Open an attachment with the system's viewer (after checking its sha256).

    Reading a file a citizen sent is an officer's act: signed in, and audited
    (`attachment_read`) before the file is handed over."""
    session = open_session(ctx, db, as_nip)
    try:
        _entry, path = read_attachment(
            session.database,
            session.actor,
            number,
            which,
            shown="path" if print_path else "viewer",
        )
    except AttachmentProblem as error:
        raise DeskError(str(error)) from None
    if print_path or not open_with_viewer(path):
        if not print_path:
            console.print(plain(t("att.no_viewer", path=path)), soft_wrap=True)
        else:
            typer.echo(str(path))
