"""`desk remote` (where the central server is) and `desk sync` (sync, its log, its conflicts).

The sync itself is `desk.sync.run_sync`, the same function the TUI runs. Exit status: 0 when
everything went and came, 1 when something waits for an officer or stayed unsent (conflicts,
rejections, ops not acknowledged), 2 when the sync failed (link, token, server).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from desk import attachment_texts as _att_texts  # noqa: F401  (registers the texts)
from desk.cli import commands as _commands  # noqa: F401  (registers "help.sync", "help.remote")
from desk.cli.common import (
    AsOption,
    DbOption,
    bad_option,
    chosen_officer,
    console,
    database_path_for,
    error_console,
    open_for_command,
    plain,
    sign_in_officer,
)
from desk.errors import ActionRefused, DeskError
from desk.i18n import extend, role_label, t
from desk.officers import may_keep_desk
from desk.sync import texts as _texts  # noqa: F401  (registers the sync texts)
from desk.sync.conflicts import (
    Rejection,
    answers_of_sync,
    list_conflicts,
    list_rejected,
    resolution_message,
    resolve,
)
from desk.sync.errors import NotConfigured, TokenRefused
from desk.sync.files import MODES, Mode
from desk.sync.remote import (
    Remote,
    check_url,
    exposed_plain_http,
    has_token,
    load_remote,
    read_token_file,
    remote_url,
    save_remote,
    token_path,
)
from desk.sync.run import Direction, Progress, SyncReport, check_remote, run_sync, size_text
from desk.sync.texts import draft_label, field_label, field_value, op_label
from desk.sync.witness import alarm_text, stored_alarm

extend(
    {
        "help.sync.json": ("Cetak JSON, bukan teks.", "Print JSON instead of text."),
        "help.remote.set": (
            "Atur server pusat dan simpan token kantor (berkas khusus pemilik di samping basis "
            "data).\n\nMengarahkan ulang sinkron menentukan ke mana pengaduan kantor dikirim: "
            "admin masuk untuk itu (kecuali desk baru yang masih kosong, yang belum punya "
            "petugas), dan dicatat di log audit.",
            "Set the central server and store the office token (owner-only file beside the "
            "database).\n\nRepointing sync decides where the office's complaints go: an admin "
            "signs in for it (a new, empty desk excepted, which has no officers yet), and it is "
            "written in the audit log.",
        ),
        "help.remote.set.url": (
            "Server pusat, mis. https://pusat.example/",
            "The central server, e.g. https://pusat.example/",
        ),
        "help.remote.set.token_file": (
            "Berkas berisi token kantor ('-': masukan standar). Jangan di baris perintah, tempat "
            "pengguna lain bisa melihatnya.",
            "A file holding the office token ('-': standard input). Never on the command line, "
            "where other users could see it.",
        ),
        "help.remote.set.allow_http": (
            "Terima http:// biasa ke host di luar mesin ini dan jaringan privat (token dan setiap "
            "pengaduan akan melintasi jaringan tanpa enkripsi).",
            "Accept plain http:// to a host beyond this machine and private networks (the token "
            "and every complaint would cross the network in clear).",
        ),
        "help.remote.show": (
            "Tampilkan server pusat dan apakah token tersimpan (tokennya tidak pernah "
            "ditampilkan).",
            "Show the central server and whether a token is stored (never the token).",
        ),
        "help.sync.pull_only": ("Hanya ambil perubahan.", "Only fetch changes."),
        "help.sync.push_only": ("Hanya kirim antrean keluar.", "Only send the outbox."),
        "help.sync.attachments": (
            "Berkas lampiran mana yang dipindahkan setelah teks: none (tidak ada), small (sampai "
            "256 KB) atau all (semua).",
            "Which attachment files move after the text: none, small (up to 256 KB) or all.",
        ),
        "help.sync.budget": (
            "Paling banyak sekian byte berkas lampiran dalam sinkron ini; sisanya dilanjutkan "
            "pada sinkron berikutnya.",
            "At most this many bytes of attachment files in this sync; the rest continues at the "
            "next one.",
        ),
        "help.sync.log": (
            "Riwayat sinkron: permintaan, byte naik dan turun, pengulangan, operasi, durasi, "
            "hasil.",
            "Past syncs: requests, bytes up and down, retries, operations, duration, outcome.",
        ),
        "help.sync.log.limit": ("Berapa banyak, yang terbaru dulu.", "How many, newest first."),
        "help.sync.conflicts": (
            "Kasus yang tidak bisa digabungkan server: versi Anda dan versi pusat, berdampingan.",
            "Cases the server could not merge: your version and the central one, side by side.",
        ),
        "help.sync.rejected": (
            "Operasi yang ditolak server untuk seterusnya (disimpan beserta alasannya; tidak ada "
            "yang dihapus).",
            "Operations the server refused for good (kept, with its reason; nothing is deleted).",
        ),
        "help.sync.resolve": (
            "Selesaikan konflik: pakai versi mereka (theirs, kasus di pusat) atau versi saya "
            "(mine, tindakan saya diulang di atasnya).",
            "Resolve a conflict: keep theirs (the central case) or mine (my action, redone on it).",
        ),
        "help.sync.resolve.number": ("Kasus yang berkonflik.", "The case in conflict."),
        "help.sync.resolve.keep": ("Versi siapa yang dipakai.", "Whose version to keep."),
        "help.sync.resolve.as": ("Petugas yang memilih.", "The officer choosing."),
    }
)

remote_app = typer.Typer(help=t("help.remote"), no_args_is_help=True, rich_markup_mode=None)
sync_app = typer.Typer(
    help=t("help.sync"),
    invoke_without_command=True,
    rich_markup_mode=None,
)

JsonOption = Annotated[bool, typer.Option("--json", help=t("help.sync.json"))]


# -- desk remote ---------------------------------------------------------------------------


@remote_app.command("set", help=t("help.remote.set"))
def remote_set(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help=t("help.remote.set.url"))],
    token_file: Annotated[
        Path,
        typer.Option(
            "--token-file",
            metavar="PATH",
            help=t("help.remote.set.token_file"),
        ),
    ],
    allow_http: Annotated[
        bool,
        typer.Option(
            "--allow-http",
            help=t("help.remote.set.allow_http"),
        ),
    ] = False,
    db: DbOption = None,
    as_nip: AsOption = None,
) -> None:
    """Set the central server and store the office token (owner-only file beside the database).

    Repointing sync decides where the office's complaints go: an admin signs in for it (a new,
    empty desk excepted, which has no officers yet), and it is written in the audit log.
    """
    # A new desk starts here: its database is created, and its first sync fills it.
    database = open_for_command(ctx, db, must_exist=False)
    db_path = database_path_for(ctx, db)
    actor = sign_in_officer(database, db_path, chosen_officer(ctx, as_nip), empty_database_ok=True)
    if actor is not None and not may_keep_desk(database, actor):
        _audit_remote(database, actor, "remote_set_refused", {"url": url[:200]})
        raise ActionRefused(t("sync.remote_admin_only", role=role_label(actor.role.value)))
    url = check_url(url)
    if exposed_plain_http(url):
        if not allow_http:
            raise bad_option(t("sync.plain_http_refused", url=url))
        error_console.print(plain(t("sync.plain_http_warning", url=url)), soft_wrap=True)
    token = read_token_file(token_file)
    # Check the token now when the server can be reached: a typo is found at the desk, not at
    # the first sync in the field. Offline, it is stored anyway and checked by that sync.
    try:
        hello = check_remote(Remote(url, token))
    except TokenRefused as error:
        error_console.print(f"desk: {error}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    previous = remote_url(database)
    path = save_remote(database, db_path, url, token)
    detail = {"url": url, "previous": previous, "verified": hello is not None}
    _audit_remote(database, actor, "remote_set", detail)
    console.print(plain(t("sync.remote_saved", url=remote_url(database), path=path)))
    if hello is None:
        console.print(plain(t("sync.remote_unchecked")))
    else:
        units = ", ".join(str(u) for u in hello.get("units") or [])
        console.print(plain(t("sync.remote_office", office=hello.get("office"), units=units)))


def _audit_remote(database: Any, actor: Any, action: str, detail: dict[str, Any]) -> None:
    """Who repointed sync (or tried to), from where to where; never the token."""
    from db import audit
    from db.timefmt import to_text, utc_now

    audit.record(
        database,
        at=to_text(utc_now()),
        actor_nip=actor.nip if actor is not None else None,
        action=action,
        detail=detail,
    )


@remote_app.command("show", help=t("help.remote.show"))
def remote_show(ctx: typer.Context, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Show the central server and whether a token is stored (never the token)."""
    database = open_for_command(ctx, db)
    db_path = database_path_for(ctx, db)
    url = remote_url(database)
    stored = has_token(db_path)
    if json_out:
        typer.echo(
            json.dumps({"url": url, "token_stored": stored, "token_file": str(token_path(db_path))})
        )
        return
    console.print(plain(t("sync.remote_url", url=url) if url else t("sync.remote_none")))
    console.print(
        plain(t("sync.token_set", path=token_path(db_path)) if stored else t("sync.token_unset"))
    )


# -- desk sync ----------------------------------------------------------------------------


@sync_app.callback()
def sync(
    ctx: typer.Context,
    pull_only: Annotated[bool, typer.Option("--pull-only", help=t("help.sync.pull_only"))] = False,
    push_only: Annotated[bool, typer.Option("--push-only", help=t("help.sync.push_only"))] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
    attachments: Annotated[
        str,
        typer.Option(
            "--attachments",
            metavar="none|small|all",
            help=t("help.sync.attachments"),
        ),
    ] = "all",
    budget: Annotated[
        int | None,
        typer.Option(
            "--budget",
            metavar="BYTES",
            min=0,
            help=t("help.sync.budget"),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Send the outbox, then fetch what changed (without a subcommand)."""
    if ctx.invoked_subcommand is not None:
        return
    if pull_only and push_only:
        raise DeskError(t("sync.both_only"))
    direction: Direction = "pull" if pull_only else "push" if push_only else "both"
    if attachments not in MODES:
        raise DeskError(t("sync.bad_attachments", value=attachments))
    files = FileOptions(attachments, budget)
    database = open_for_command(ctx, db)
    try:
        remote = load_remote(database, database_path_for(ctx, db))
    except NotConfigured as error:
        error_console.print(f"desk: {error}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if error_console.is_terminal and not json_out:
        report = _sync_with_progress(database, remote, direction, files)
    else:
        report = run_sync(
            database, remote, direction=direction, attachments=files.mode, budget=files.budget
        )
    if json_out:
        typer.echo(json.dumps(_report_json(database, report), ensure_ascii=False))
    else:
        _print_report(database, report)
    raise typer.Exit(report.exit_code)


def _report_json(database: Any, report: SyncReport) -> dict[str, Any]:
    """The report, with what the officer must see of each op the server did not take:
    `refused` (refused for good, or in conflict) and `same` (already done centrally), each with
    the case, the action, the reason, and the draft its text went to."""
    result = report.as_dict()
    answers = answers_of_sync(database, report.log_id) if report.log_id else []
    refused = [a.as_dict() for a in answers if a.result != "same"]
    if len(refused) < len(report.refused):
        # Refusals without an answer recorded with this sync (e.g. an op the server cannot read
        # whose row says nothing more): listed as the push saw them.
        for local_id, kind, reason in report.refused[len(refused) :]:
            refused.append(
                {"case": _case_label(database, local_id), "local_id": local_id, "action": kind}
                | {"result": "rejected", "reason": reason, "draft": None}
            )
    result["refused"] = refused
    result["same"] = [a.as_dict() for a in answers if a.result == "same"]
    result["audit_alarm"] = stored_alarm(database)
    return result


@dataclass(frozen=True)
class FileOptions:
    mode: Mode
    budget: int | None


def _sync_with_progress(
    database: Any, remote: Any, direction: Direction, files: FileOptions
) -> SyncReport:
    with error_console.status(
        t("sync.phase.push" if direction != "pull" else "sync.phase.pull")
    ) as status:

        def show(event: Progress) -> None:
            status.update(event.text())

        return run_sync(
            database,
            remote,
            direction=direction,
            progress=show,
            attachments=files.mode,
            budget=files.budget,
        )


def _case_label(database: Any, local_id: str) -> str:
    row = database.execute(
        "SELECT tracking_no FROM cases WHERE local_id = ?", [local_id]
    ).fetchone()
    return f"#{row[0]}" if row and row[0] else local_id


def _answer_line(answer: Rejection) -> str:
    """ "  #8112829 tindak lanjut: 403 role: … — kasus kembali ke data pusat; teks Anda …" """
    line = t("sync.refused_op", case=answer.label, kind=op_label(answer.kind), reason=answer.reason)
    notes = []
    if answer.result != "conflict":
        notes.append(t("sync.refused_undone") if answer.undone else t("sync.refused_local"))
    if answer.draft:
        notes.append(t("sync.refused_draft", draft=draft_label(answer.draft)))
    return f"{line} — {'; '.join(notes)}" if notes else line


def _print_report(database: Any, report: SyncReport) -> None:
    summary = report.summary()
    target = error_console if report.outcome == "failed" else console
    target.print(plain(summary), soft_wrap=True)
    answers = answers_of_sync(database, report.log_id) if report.log_id else []
    for answer in answers:
        if answer.result != "same" or answer.draft:
            console.print(plain(_answer_line(answer)), soft_wrap=True)
    told = sum(1 for a in answers if a.result != "same")
    for local_id, kind, reason in report.refused[told:]:
        label = _case_label(database, local_id)
        console.print(
            plain(t("sync.refused_op", case=label, kind=op_label(kind), reason=reason)),
            soft_wrap=True,
        )
    if any(a.result == "rejected" for a in answers):
        console.print(plain(t("sync.refused_hint")), soft_wrap=True)
    if report.error:
        error_console.print(plain(f"desk: {report.error}"), soft_wrap=True)
    if report.conflicts:
        console.print(plain(t("sync.conflicts_hint", count=report.conflicts)), soft_wrap=True)
    held = report.numbers_held_text()
    if held:
        error_console.print(plain(held), soft_wrap=True)
    if report.files_up or report.files_down or report.files_waiting:
        files_line = t(
            "sync.files_summary",
            up=report.files_up,
            down=report.files_down,
            size=size_text(report.file_bytes),
            waiting=report.files_waiting,
        )
        console.print(plain(files_line), soft_wrap=True)
    for name, reason in report.files_failed:
        error_console.print(plain(t("att.transfer_failed", name=name, reason=reason)))
    alarm = alarm_text(database)
    if alarm:  # said after every sync until the central system answers `ok` again
        error_console.print(plain(alarm), soft_wrap=True)


@sync_app.command("log", help=t("help.sync.log"))
def sync_log(
    ctx: typer.Context,
    db: DbOption = None,
    json_out: JsonOption = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help=t("help.sync.log.limit"))] = 20,
) -> None:
    """Past syncs: requests, bytes up and down, retries, operations, duration, outcome."""
    database = open_for_command(ctx, db)
    rows = list(database.query("SELECT * FROM sync_log ORDER BY id DESC LIMIT ?", [limit]))
    if json_out:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not rows:
        console.print(plain(t("sync.log_empty")))
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for key in ("started", "direction", "requests", "up", "down", "retries", "ops", "pulled"):
        right = key not in ("started", "direction")
        table.add_column(t(f"sync.col.{key}"), justify="right" if right else "left", no_wrap=True)
    table.add_column(t("sync.col.outcome"), ratio=1, min_width=12)
    from db.timefmt import from_text

    for row in rows:
        seconds = ""
        if row["finished_at"]:
            elapsed = from_text(row["finished_at"]) - from_text(row["started_at"])
            seconds = str(int(elapsed.total_seconds()))
        ops = f"{row['ops_applied'] + row['ops_duplicate']}/{row['ops_sent']}"
        outcome = t(f"sync.outcome.{row['outcome']}")
        if seconds:
            outcome += f" ({seconds} {t('sync.col.seconds').lower()})"
        if row["error"]:
            outcome += f": {row['error']}"
        table.add_row(
            plain(str(row["started_at"])[5:16].replace("T", " ")),
            plain(row["direction"]),
            str(row["requests"]),
            size_text(row["bytes_up"]),
            size_text(row["bytes_down"]),
            str(row["retries"]),
            ops,
            str(row["changes_pulled"]),
            plain(outcome),
        )
    console.print(table)


@sync_app.command("conflicts", help=t("help.sync.conflicts"))
def sync_conflicts(ctx: typer.Context, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Cases the server could not merge: your version and the central one, side by side."""
    database = open_for_command(ctx, db)
    conflicts = list_conflicts(database)
    if json_out:
        typer.echo(
            json.dumps(
                [
                    {
                        "case": c.label,
                        "local_id": c.local_id,
                        "fields": c.fields,
                        "mine": c.mine,
                        "theirs": c.theirs,
                        "ops": c.ops,
                        "keep_mine": c.keep_mine,
                        "drafts": c.texts,
                    }
                    for c in conflicts
                ],
                ensure_ascii=False,
            )
        )
        return
    if not conflicts:
        console.print(plain(t("sync.conflicts_none")))
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for key in ("case", "fields", "op", "mine", "theirs"):
        table.add_column(t(f"sync.col.{key}"))
    for conflict in conflicts:
        fields = conflict.fields or list(conflict.mine)
        table.add_row(
            plain(conflict.label),
            plain(", ".join(field_label(f) for f in conflict.fields)),
            plain(", ".join(op_label(op["kind"]) for op in conflict.ops)),
            plain("; ".join(_side(f, conflict.mine.get(f)) for f in fields)),
            plain("; ".join(_side(f, conflict.theirs.get(f)) for f in fields)),
        )
    console.print(table)
    for conflict in conflicts:
        notes = []
        if conflict.keep_mine:
            notes.append(t("sync.keep_mine_impossible", reason=conflict.keep_mine))
        if conflict.texts:
            drafts = ", ".join(draft_label(kind) for kind in conflict.texts)
            notes.append(t("sync.keep_theirs_text", drafts=drafts))
        if notes:
            console.print(plain(f"{conflict.label}: {' '.join(notes)}"), soft_wrap=True)


def _side(name: str, value: object) -> str:
    return f"{field_label(name)}: {field_value(name, value)}"


@sync_app.command("rejected", help=t("help.sync.rejected"))
def sync_rejected(ctx: typer.Context, db: DbOption = None, json_out: JsonOption = False) -> None:
    """Operations the server refused for good (kept, with its reason; nothing is deleted)."""
    database = open_for_command(ctx, db)
    rejected = list_rejected(database)
    if json_out:
        typer.echo(json.dumps([vars(r) for r in rejected], ensure_ascii=False))
        return
    if not rejected:
        console.print(plain(t("sync.rejected_none")))
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for key in ("case", "op", "reason", "draft"):
        table.add_column(t(f"sync.col.{key}"))
    for item in rejected:
        done = t("sync.refused_undone") if item.undone else t("sync.refused_local")
        table.add_row(
            plain(item.label),
            plain(op_label(item.kind)),
            plain(f"{item.reason} ({done})"),
            plain(draft_label(item.draft) if item.draft else "-"),
        )
    console.print(table)


@sync_app.command("resolve", help=t("help.sync.resolve"))
def sync_resolve(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(metavar="NUMBER", help=t("help.sync.resolve.number"))],
    keep: Annotated[
        str, typer.Option("--keep", metavar="mine|theirs", help=t("help.sync.resolve.keep"))
    ],
    as_nip: Annotated[
        str | None, typer.Option("--as", metavar="NIP", help=t("help.sync.resolve.as"))
    ] = None,
    db: DbOption = None,
) -> None:
    """Resolve a conflict: keep theirs (the central case) or mine (my action, redone on it)."""
    from desk.cli.case_cmd import open_session

    if keep not in ("mine", "theirs"):
        raise DeskError(t("sync.keep_choice"))
    session = open_session(ctx, db, as_nip)
    outcome = resolve(
        session.database, number, "mine" if keep == "mine" else "theirs", session.actor
    )
    console.print(plain(resolution_message(outcome, keep)))
