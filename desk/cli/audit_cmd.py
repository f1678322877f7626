"""`desk audit`: check the audit chain and read who did what."""

from __future__ import annotations

import json
from typing import Annotated

import sqlite_utils
import typer
from rich.table import Table

from db import audit
from desk.cli import commands as _commands  # noqa: F401  (registers "help.audit")
from desk.cli.common import (
    DbOption,
    console,
    database_path_for,
    error_console,
    open_for_command,
    plain,
)
from desk.errors import DeskError
from desk.i18n import extend, t

extend(
    {
        "help.audit.verify": (
            "Periksa setiap entri rantai, dan bahwa rantai masih memuat yang disaksikan server "
            "pusat (tanda terima tersimpan, dan server itu sendiri bila server pusat sudah "
            "diatur dan menjawab); laporkan entri pertama yang rusak atau hilang (status keluar "
            "1).",
            "Check every entry of the chain, and that it still holds what the central system "
            "witnessed (the stored receipt, and the server itself when a remote is set and "
            "answers); report the first broken or missing entry (exit 1).",
        ),
        "help.audit.json": ("Cetak JSON.", "Print JSON."),
        "help.audit.verify.online": (
            "Server pusat harus ditanya (status keluar 2 bila tidak bisa).",
            "The central system must be asked (exit 2 if it cannot).",
        ),
        "help.audit.verify.offline": (
            "Jangan tanya server pusat.",
            "Do not ask the central system.",
        ),
        "help.audit.show": (
            "Entri terakhir, yang terbaru dulu (khusus admin dan pimpinan).",
            "The latest entries, newest first (admins and heads only).",
        ),
        "help.audit.show.case": (
            "Hanya kasus ini (nomor pelacakan).",
            "Only this case (tracking number).",
        ),
        "help.audit.show.officer": ("Hanya petugas ini (NIP).", "Only this officer (NIP)."),
        "help.audit.show.limit": ("Berapa entri yang ditampilkan.", "How many entries."),
        "help.audit.show.as": ("Petugas (NIP) yang membaca.", "The officer (NIP) reading."),
        "cli.audit.receipt": (
            "Tanda terima saksi terakhir dari server pusat: entri {seq}, disaksikan {at}.",
            "The last witness receipt from the central system: entry {seq}, witnessed {at}.",
        ),
        "cli.audit.no_receipt": (
            "Belum ada tanda terima saksi dari server pusat (belum pernah sinkron, atau "
            "tanda terimanya dihapus).",
            "No witness receipt from the central system (never synced, or its receipts "
            "were deleted).",
        ),
        "cli.audit.central": (
            "Server pusat ({url}) menyaksikan entri {seq} pada {at}.",
            "The central system ({url}) witnessed entry {seq} at {at}.",
        ),
        "cli.audit.central_none": (
            "Server pusat ({url}) belum menyaksikan rantai kantor ini.",
            "The central system ({url}) has not witnessed this office's chain yet.",
        ),
        "cli.audit.no_remote": (
            "Server pusat belum diatur: rantai hanya dibandingkan dengan tanda terima tersimpan.",
            "No central system is set: the chain is compared with the stored receipt only.",
        ),
        "cli.audit.unreachable": (
            "Server pusat tidak bisa ditanya ({reason}): rantai hanya dibandingkan dengan "
            "tanda terima tersimpan.",
            "The central system could not be asked ({reason}): the chain is compared with "
            "the stored receipt only.",
        ),
        "cli.audit.online_needed": (
            "--online: server pusat harus ditanya, tetapi tidak bisa ({reason}).",
            "--online: the central system must be asked, but cannot be ({reason}).",
        ),
        "cli.audit.both_modes": (
            "Pilih salah satu: --online atau --offline.",
            "Choose one: --online or --offline.",
        ),
        "cli.audit.witness_missing": (
            "Rantai audit TIDAK SESUAI SAKSI ({source}): entri {seq}, disaksikan server pusat "
            "pada {at}, hilang; log hanya sampai entri {last}. Log audit dipotong atau dihapus.",
            "The audit chain does NOT MATCH THE WITNESS ({source}): entry {seq}, witnessed by "
            "the central system at {at}, is missing; the log ends at entry {last}. The audit "
            "log was cut or deleted.",
        ),
        "cli.audit.witness_differs": (
            "Rantai audit TIDAK SESUAI SAKSI ({source}): entri {seq} bukan entri yang "
            "disaksikan server pusat pada {at}. Log audit ditulis ulang.",
            "The audit chain does NOT MATCH THE WITNESS ({source}): entry {seq} is not the "
            "entry the central system witnessed at {at}. The audit log was rewritten.",
        ),
        "cli.audit.source.receipt": ("tanda terima tersimpan", "stored receipt"),
        "cli.audit.source.central": ("server pusat", "central system"),
        "cli.audit.forged": (
            "Tanda terima tersimpan (entri {seq}) BUKAN dari server pusat: tanda terima "
            "dipalsukan.",
            "The stored receipt (entry {seq}) was NOT given by the central system: it was forged.",
        ),
        "cli.audit.receipt_behind": (
            "Catatan: tanda terima tersimpan (entri {seq}) lebih lama dari saksi server pusat "
            "(entri {central}); tanda terima yang lebih baru hilang.",
            "Note: the stored receipt (entry {seq}) is older than the central witness (entry "
            "{central}); the newer receipt is missing.",
        ),
        "cli.audit.told": (
            "Server pusat memberi tahu pada {told}: rantai meja ini tidak memuat entri {seq} "
            "yang disaksikan pada {at} (alarm dicatat di pusat).",
            "The central system said at {told}: this desk's chain does not hold entry {seq} "
            "witnessed at {at} (an alarm is recorded centrally).",
        ),
        "cli.audit.alarm": (
            "Alarm terbuka di server pusat #{id}: rantai {kind} (entri {seq}, disaksikan "
            "{at}); dilaporkan {times}×, terakhir {last}.",
            "Open alarm at the central system #{id}: chain {kind} (entry {seq}, witnessed "
            "{at}); reported {times}×, last {last}.",
        ),
        "cli.audit.kind.truncated": ("dipotong", "truncated"),
        "cli.audit.kind.rewritten": ("ditulis ulang", "rewritten"),
    }
)

app = typer.Typer(help=t("help.audit"), no_args_is_help=True)


@app.command("verify", help=t("help.audit.verify"))
def verify_command(
    ctx: typer.Context,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help=t("help.audit.json"))] = False,
    online: Annotated[
        bool,
        typer.Option("--online", help=t("help.audit.verify.online")),
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help=t("help.audit.verify.offline"))
    ] = False,
) -> None:
    """Check every entry of the chain, and that it still holds what the central system
    witnessed (the stored receipt, and the server itself when a remote is set and answers);
    report the first broken or missing entry (exit 1)."""
    from desk.sync.errors import NotConfigured
    from desk.sync.witness import ask_central, stored_alarm, stored_receipt

    if online and offline:
        raise DeskError(t("cli.audit.both_modes"))
    location = database_path_for(ctx, db)
    database = open_for_command(ctx, db)
    entries = int(database.execute("SELECT count(*) FROM audit_log").fetchone()[0])
    broken = audit.verify(database)
    problems: list[tuple[int, str]] = []  # (entry, what is wrong), in the order shown
    if broken is not None:
        problems.append((broken.seq, t("cli.audit.broken", seq=broken.seq, problem=broken.problem)))
    receipt = stored_receipt(database)
    notes: list[str] = []
    notes.append(
        t("cli.audit.receipt", seq=receipt.seq, at=_when(receipt.at))
        if receipt
        else t("cli.audit.no_receipt")
    )
    if receipt is not None:
        _witness_problem(database, receipt.witness(), "receipt", problems)
    view = None
    central_error: str | None = None
    if not offline:
        try:
            view = ask_central(database, location)
        except NotConfigured:
            central_error = t("cli.audit.no_remote")
        except DeskError as error:
            central_error = t("cli.audit.unreachable", reason=error)
    if online and view is None:
        reason = central_error or ""
        error_console.print(plain(t("cli.audit.online_needed", reason=reason)), soft_wrap=True)
        raise typer.Exit(2)
    if central_error:
        notes.append(central_error)
    if view is not None:
        if view.head is None:
            notes.append(t("cli.audit.central_none", url=view.url))
        else:
            notes.append(
                t("cli.audit.central", url=view.url, seq=view.head.seq, at=_when(view.head.at))
            )
            _witness_problem(database, view.head, "central", problems)
            if receipt is not None and receipt.seq < view.head.seq:
                notes.append(t("cli.audit.receipt_behind", seq=receipt.seq, central=view.head.seq))
        if receipt is not None and view.receipt_genuine is False:
            problems.append((receipt.seq, t("cli.audit.forged", seq=receipt.seq)))
        for alarm in view.alarms:
            problems.append(
                (
                    int(alarm.get("seq", 0)),
                    t(
                        "cli.audit.alarm",
                        id=alarm.get("id"),
                        kind=t(f"cli.audit.kind.{alarm.get('kind')}")
                        if alarm.get("kind") in ("truncated", "rewritten")
                        else alarm.get("kind"),
                        seq=alarm.get("seq"),
                        at=_when(str(alarm.get("witnessed_at", ""))),
                        times=alarm.get("times"),
                        last=_when(str(alarm.get("last_at", ""))),
                    ),
                )
            )
    told = stored_alarm(database)
    if told is not None:
        notes.append(
            t(
                "cli.audit.told",
                told=_when(str(told.get("told_at", ""))),
                seq=told.get("seq"),
                at=_when(str(told.get("at", ""))),
            )
        )
    if as_json:
        first = problems[0] if problems else None
        typer.echo(
            json.dumps(
                {
                    "entries": entries,
                    "intact": not problems,
                    "chain_intact": broken is None,
                    "first_broken": first[0] if first else None,
                    "problem": first[1] if first else None,
                    "problems": [text for _seq, text in problems],
                    "witness": {
                        "receipt": receipt.__dict__ if receipt else None,
                        "central": {
                            "url": view.url,
                            "head": view.head.__dict__ if view.head else None,
                            "alarms": view.alarms,
                            "receipt_genuine": view.receipt_genuine,
                        }
                        if view
                        else None,
                        "central_error": central_error,
                        "told_alarm": told,
                    },
                },
                ensure_ascii=False,
            )
        )
    else:
        if broken is None:
            console.print(t("cli.audit.intact", entries=entries), markup=False)
        # Notes and problems may quote the server's words: made inert like every such text.
        for note in notes:
            console.print(plain(note), soft_wrap=True)
        for _seq, text in problems:
            console.print(plain(text), soft_wrap=True)
    if problems:
        raise typer.Exit(1)


def _when(at: str) -> str:
    """A stored UTC instant as an officer reads it: 2026-11-10 01:00:00 UTC."""
    return at.replace("T", " ").replace("Z", " UTC") if at else "-"


def _witness_problem(
    database: sqlite_utils.Database,
    witness: audit.Witness,
    source: str,
    problems: list[tuple[int, str]],
) -> None:
    """Add the reason the chain no longer holds `witness`, if it does not (once per entry)."""
    found = audit.check_witness(database, witness)
    if found is None or any(seq == found.seq for seq, _text in problems):
        return
    values = {
        "source": t(f"cli.audit.source.{source}"),
        "seq": found.seq,
        "at": _when(found.at),
        "last": found.last,
    }
    problems.append((found.seq, t(f"cli.audit.witness_{found.kind}", **values)))


@app.command("show", help=t("help.audit.show"))
def show_command(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option("--case", help=t("help.audit.show.case"))] = None,
    officer: Annotated[
        str | None, typer.Option("--officer", help=t("help.audit.show.officer"))
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help=t("help.audit.show.limit"))] = 50,
    db: DbOption = None,
    as_nip: Annotated[str | None, typer.Option("--as", help=t("help.audit.show.as"))] = None,
    as_json: Annotated[bool, typer.Option("--json", help=t("help.audit.json"))] = False,
) -> None:
    """The latest entries, newest first (admins and heads only)."""
    from desk.cli.case_cmd import open_session
    from desk.safekeeping import audit_entries
    from desk.services import find_case

    session = open_session(ctx, db, as_nip)
    case_id = int(find_case(session.database, case)["id"]) if case else None
    entries = audit_entries(
        session.database, session.actor, case_id=case_id, officer_nip=officer, limit=limit
    )
    if as_json:
        typer.echo(json.dumps(entries, ensure_ascii=False, indent=2))
        return
    table = Table(title=t("cli.audit.title"), title_justify="left")
    for column in ("#", t("cli.audit.col.at"), "NIP", t("cli.audit.col.action")):
        table.add_column(column, no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("", overflow="fold")
    for entry in entries:
        detail = json.dumps(entry["detail"], ensure_ascii=False, separators=(", ", ": "))
        table.add_row(
            str(entry["seq"]),
            entry["at"].replace("T", " ").rstrip("Z"),
            plain(entry["actor_nip"] or "-"),
            entry["action"],
            plain(f"#{entry['tracking_no']}" if entry["tracking_no"] else ""),
            plain(detail),
        )
    console.print(table)
