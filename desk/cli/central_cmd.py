"""`desk central`: run the reference central server and manage the offices that sync with it."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from desk.cli import commands as _commands  # noqa: F401  (registers "help.central")
from desk.cli.common import console, error_console, plain
from desk.errors import DeskError
from desk.i18n import extend, t

if TYPE_CHECKING:
    from desk.central.store_api import CentralStore

extend(
    {
        "help.central.office": (
            "Kantor-kantor (masing-masing satu desk, satu token).",
            "The offices (one desk, one token each).",
        ),
        "help.central.audit": (
            "Saksi audit: desk yang rantai auditnya tidak memuat yang sudah disaksikan.",
            "The audit witness: desks whose audit chain does not hold what was witnessed.",
        ),
        "help.central.store": (
            "Basis data server pusat: berkas SQLite (jalurnya, atau sqlite:///jalur) atau "
            "postgresql://... (--db JALUR sama artinya).",
            "The central store: a SQLite file (its path, or sqlite:///path) or "
            "postgresql://... (--db PATH means the same).",
        ),
        "help.central.json": ("Cetak JSON.", "Print JSON."),
        "help.central.serve": (
            "Layani protokol sinkron (docs/sync-protocol.md) lewat HTTP sampai Ctrl+C.",
            "Serve the sync protocol (docs/sync-protocol.md) over HTTP until Ctrl+C.",
        ),
        "help.central.serve.host": ("Alamat yang didengarkan.", "Address to listen on."),
        "help.central.serve.port": ("Port.", "Port."),
        "help.central.serve.rate": (
            "Permintaan per detik per kantor.",
            "Requests per second per office.",
        ),
        "help.central.serve.burst": (
            "Permintaan sekaligus per kantor.",
            "Requests at once per office.",
        ),
        "help.central.serve.files": (
            "Folder isi lampiran yang dijangkau setiap proses server (wajib untuk PostgreSQL; "
            "SQLite memakai <basis data>.files).",
            "The folder of attachment contents every server process reaches (required with "
            "PostgreSQL; SQLite uses <database>.files).",
        ),
        "help.central.serve.pool": (
            "Koneksi PostgreSQL per proses server.",
            "PostgreSQL connections per server process.",
        ),
        "help.central.serve.workers": (
            "Proses server yang melayani bersama (hanya PostgreSQL; SQLite satu proses).",
            "Server processes serving together (PostgreSQL only; SQLite is one process).",
        ),
        "central.serve.workers_sqlite": (
            "Server pusat di SQLite ({location}) dilayani satu proses (satu penulis): "
            "--workers lebih dari 1 perlu PostgreSQL (desk central migrate).",
            "A central server on SQLite ({location}) is served by one process (one writer): "
            "--workers above 1 needs PostgreSQL (desk central migrate).",
        ),
        "central.serve.workers_start": (
            "{workers} proses, masing-masing sampai {pool} koneksi: max_connections PostgreSQL "
            "harus lebih dari {total} (semua host yang melayani basis data ini dijumlahkan).",
            "{workers} processes, each with up to {pool} connections: PostgreSQL's "
            "max_connections must exceed {total} (adding up every host serving this database).",
        ),
        "central.serve.no_files": (
            "Server pusat di PostgreSQL ({location}) menyimpan isi lampiran di folder yang "
            "dijangkau setiap prosesnya: beri --files FOLDER (atau DESK_CENTRAL_FILES).",
            "A central server on PostgreSQL ({location}) keeps attachment contents in a folder "
            "every one of its processes reaches: give --files DIR (or DESK_CENTRAL_FILES).",
        ),
        "help.central.migrate": (
            "Pindahkan server pusat SQLite ke basis data PostgreSQL yang kosong, persis sama "
            "(kantor, kasus, kejadian, catatan lampiran, log perubahan, rantai audit), agar "
            "desk tetap sinkron. Hentikan dulu server pusatnya.",
            "Move a SQLite central store into an empty PostgreSQL database, exactly "
            "(offices, cases, events, attachment records, the change log, the audit chain), so "
            "that desks keep syncing. Stop its central server first.",
        ),
        "help.central.migrate.from": (
            "Berkas SQLite server pusat yang dipindahkan.",
            "The SQLite file of the central store to move.",
        ),
        "help.central.migrate.to": (
            "Basis data PostgreSQL tujuan (postgresql://...), harus kosong.",
            "The PostgreSQL database to move it into (postgresql://...), which must be empty.",
        ),
        "help.central.migrate.new_epoch": (
            "Beri epoch baru: setiap desk menarik ulang semuanya sekali (untuk salinan yang "
            "tidak persis, mis. cadangan yang dipulihkan).",
            "Give it a new epoch: every desk pulls everything again once (for a copy that is "
            "not exact, such as a restored backup).",
        ),
        "central.migrate.done": (
            "{source} dipindahkan ke {target} dalam {seconds} detik. Baris disalin:",
            "{source} moved to {target} in {seconds} s. Rows copied:",
        ),
        "central.migrate.row": ("  {table}: {rows}", "  {table}: {rows}"),
        "central.migrate.ends": (
            "Log perubahan berakhir di {seq}; rantai audit sampai entri {head} (sama di kedua "
            "sisi).",
            "The change log ends at {seq}; the audit chain at entry {head} (the same on both "
            "sides).",
        ),
        "central.migrate.continues": (
            "Epoch {epoch} tetap: desk melanjutkan sinkron seperti biasa, tanpa menarik ulang.",
            "Epoch {epoch} kept: desks continue syncing as before, with no re-pull.",
        ),
        "central.migrate.repull": (
            "Epoch baru {epoch}: setiap desk menarik ulang semuanya sekali; pekerjaannya yang "
            "belum terkirim tetap ada.",
            "New epoch {epoch}: every desk pulls everything again once; its unsent work stays.",
        ),
        "central.migrate.next": (
            "Berikutnya: salin {source}.files ke folder bersama, lalu jalankan desk central "
            "serve --store {target} --files FOLDER. {source} tidak bisa dilayani lagi.",
            "Next: copy {source}.files to the shared folder, then run desk central serve "
            "--store {target} --files DIR. {source} can no longer be served.",
        ),
        "help.central.serve.max_file_mb": (
            "Ukuran terbesar satu berkas lampiran (MB).",
            "Largest attachment one file may be (MB).",
        ),
        "help.central.serve.office_files_gb": (
            "Jumlah seluruh lampiran yang boleh dimiliki satu kantor (GB).",
            "Attachments one office may claim in all (GB).",
        ),
        "help.central.office.add": (
            "Daftarkan kantor dan berikan tokennya sekali, sekarang, dan tidak pernah lagi: ke "
            "berkas baru khusus pemilik dengan --token-file, atau ke stdout.",
            "Register an office and give its token once, now, never again: into a new "
            "owner-only file with --token-file, else on stdout.",
        ),
        "help.central.office.add.name": (
            "Nama kantor, mis. pupr-samarinda.",
            "The office's name, e.g. pupr-samarinda.",
        ),
        "help.central.office.add.unit": (
            "Kode unit kantor ini (boleh diulang).",
            "A unit code of the office (repeat).",
        ),
        "help.central.office.add.coordinator": (
            "Kantor koordinator: menangani setiap kasus (adminnya memverifikasi dan "
            "mendisposisikan laporan baru ke unit mana pun) dan melihat pelapor kasus Anonim.",
            "A coordinating office: works every case (its admins verify and dispose new reports "
            "to any unit) and sees the reporters of Anonim cases.",
        ),
        "help.central.office.add.token_file": (
            "Tulis token ke berkas baru ini, yang hanya bisa dibaca oleh Anda (0600), alih-alih "
            "mencetaknya.",
            "Write the token to this new file, readable by you alone (0600), instead of "
            "printing it.",
        ),
        "help.central.office.list": (
            "Daftar kantor, unitnya, dan apakah tokennya sudah dicabut (tokennya tidak pernah "
            "ditampilkan).",
            "List the offices, their units and whether their token is revoked (never the token).",
        ),
        "help.central.office.revoke": (
            "Cabut token kantor: desk-nya mendapat 401 mulai sekarang (pekerjaan lokalnya tetap "
            "ada).",
            "Revoke an office's token: its desk gets 401 from now on (its local work stays).",
        ),
        "help.central.office.revoke.name": (
            "Kantor yang tokennya dicabut.",
            "The office whose token to revoke.",
        ),
        "help.central.audit.alarms": (
            "Desk yang rantai auditnya dipotong atau ditulis ulang setelah disaksikan server "
            'pusat (docs/security.md, "The audit witness"); status keluar 1 selama masih ada '
            "alarm terbuka.",
            "Desks whose audit chain was cut or rewritten after the central system witnessed it "
            '(docs/security.md, "The audit witness"); exit 1 while any alarm is open.',
        ),
        "help.central.audit.alarms.all": (
            "Alarm yang sudah selesai juga, bukan hanya yang terbuka.",
            "Resolved alarms too, not only open ones.",
        ),
        "help.central.audit.resolve": (
            "Tutup alarm setelah diselidiki. Bila kantornya tidak punya alarm terbuka lain, "
            "saksinya dimulai lagi dari kepala rantai yang dilaporkan sinkron berikutnya "
            "(dicatat di log audit pusat).",
            "Close an alarm after investigating it. When the office has no other open alarm, its "
            "witness starts again from the head its next sync reports (audited centrally).",
        ),
        "help.central.audit.resolve.id": (
            "Nomor alarm (# di 'audit alarms').",
            "The alarm's number (# in 'audit alarms').",
        ),
        "help.central.audit.resolve.note": (
            "Apa yang ditemukan dalam penyelidikan (disimpan bersama alarm).",
            "What the investigation found (kept with the alarm).",
        ),
        "help.central.seed": (
            "Isi basis data pusat dengan pembuat data contoh (unit, petugas, kasus).",
            "Fill the central database from the seed generator (units, officers, cases).",
        ),
        "help.central.seed.cases": ("Berapa kasus yang ditambahkan.", "How many cases to add."),
        "help.central.seed.seed": (
            "Benih acak: benih yang sama memberi data yang sama.",
            "Random seed: the same seed gives the same data.",
        ),
        "central.token_file.exists": (
            "{path} sudah ada: token kantor hanya ditulis ke berkas baru. Pilih nama lain; "
            "kantor belum didaftarkan.",
            "{path} already exists: an office token is written only to a new file. Choose "
            "another name; the office was not registered.",
        ),
        "central.token_file.cannot": (
            "Tidak bisa membuat {path} ({reason}); kantor belum didaftarkan.",
            "Cannot create {path} ({reason}); the office was not registered.",
        ),
        "central.token_file.lost": (
            "Token tidak bisa ditulis ke {path} ({reason}). Kantor {name} sudah terdaftar: "
            "cabut dengan 'desk central office revoke {name}' lalu daftarkan lagi.",
            "The token could not be written to {path} ({reason}). The office {name} is "
            "registered: revoke it with 'desk central office revoke {name}' and add it again.",
        ),
        "central.token_file.written": (
            "Kantor {name} terdaftar (unit: {units}). Tokennya ada di {path}, hanya bisa dibaca "
            "oleh Anda (0600). Bawa ke meja kerja lalu: desk remote set URL --token-file {path}",
            "Office {name} registered (units: {units}). Its token is in {path}, readable by you "
            "alone (0600). Take it to the desk, then: desk remote set URL --token-file {path}",
        ),
        "central.audit.none": (
            "Tidak ada alarm saksi audit terbuka.",
            "No open audit witness alarms.",
        ),
        "central.audit.col.id": ("#", "#"),
        "central.audit.col.office": ("Kantor", "Office"),
        "central.audit.col.kind": ("Rantai", "Chain"),
        "central.audit.col.witnessed": ("Disaksikan (UTC)", "Witnessed (UTC)"),
        "central.audit.col.reported": ("Dilaporkan", "Reported"),
        "central.audit.col.seen": ("Pertama / terakhir", "First / last"),
        "central.audit.col.state": ("Status", "State"),
        "central.audit.kind.truncated": ("dipotong", "truncated"),
        "central.audit.kind.rewritten": ("ditulis ulang", "rewritten"),
        "central.audit.witnessed": ("entri {seq}, {at}", "entry {seq}, {at}"),
        "central.audit.reported": ("kepala {seq}, {times}×", "head {seq}, {times}×"),
        "central.audit.open": ("TERBUKA", "OPEN"),
        "central.audit.resolved": ("selesai {at}: {note}", "resolved {at}: {note}"),
        "central.audit.title": (
            "Alarm saksi audit: rantai audit meja yang tidak lagi memuat yang disaksikan pusat",
            "Audit witness alarms: desks whose audit chain no longer holds what was witnessed",
        ),
        "central.audit.unknown": (
            "Tidak ada alarm terbuka #{id}.",
            "There is no open alarm #{id}.",
        ),
        "central.audit.no_note": (
            "Tulis apa yang ditemukan: --note TEKS.",
            "Say what was found: --note TEXT.",
        ),
        "central.audit.resolved_done": (
            "Alarm #{id} ({office}) ditutup. Saksi kantor {office} dimulai lagi dari kepala "
            "rantai yang dilaporkan pada sinkron berikutnya.",
            "Alarm #{id} ({office}) resolved. The witness of office {office} starts again from "
            "the head its next sync reports.",
        ),
        "central.audit.resolved_kept": (
            "Alarm #{id} ({office}) ditutup; kantor ini masih punya alarm terbuka lain.",
            "Alarm #{id} ({office}) resolved; this office still has other open alarms.",
        ),
        "central.office.col.audit": ("Alarm audit", "Audit alarms"),
    }
)

app = typer.Typer(help=t("help.central"), no_args_is_help=True)
office_app = typer.Typer(help=t("help.central.office"), no_args_is_help=True)
app.add_typer(office_app, name="office")
audit_app = typer.Typer(help=t("help.central.audit"), no_args_is_help=True)
app.add_typer(audit_app, name="audit")

# The central store is never the desk's own database: no default, so that one cannot be turned
# into the other by a forgotten option. `--db PATH` (and $DESK_CENTRAL_DB) came first and stay.
CentralStoreOption = Annotated[
    str,
    typer.Option(
        "--store",
        "--db",
        envvar=["DESK_CENTRAL_STORE", "DESK_CENTRAL_DB"],
        metavar="URL",
        help=t("help.central.store"),
        show_default=False,
    ),
]


@contextlib.contextmanager
def _opened(location: str, *, must_exist: bool = True) -> Iterator[CentralStore]:
    """The store at `location` for the block; with `must_exist`, a missing SQLite file is an
    error (named) instead of a new empty store."""
    store = _open(location, must_exist=must_exist)
    try:
        yield store
    finally:
        store.close()


def _open(location: str, *, must_exist: bool = True) -> CentralStore:
    from desk.central.store_api import open_store

    return open_store(location, create=not must_exist)


@app.command("serve", help=t("help.central.serve"))
def serve(
    store: CentralStoreOption,
    host: Annotated[str, typer.Option("--host", help=t("help.central.serve.host"))] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help=t("help.central.serve.port"))
    ] = 8765,
    rate: Annotated[
        float, typer.Option("--rate", min=0.01, help=t("help.central.serve.rate"))
    ] = 5.0,
    burst: Annotated[int, typer.Option("--burst", min=1, help=t("help.central.serve.burst"))] = 60,
    max_file_mb: Annotated[
        int,
        typer.Option("--max-file-mb", min=1, max=1024, help=t("help.central.serve.max_file_mb")),
    ] = 25,
    office_files_gb: Annotated[
        int,
        typer.Option(
            "--office-files-gb",
            min=1,
            max=10_000,
            help=t("help.central.serve.office_files_gb"),
        ),
    ] = 2,
    files: Annotated[
        Path | None,
        typer.Option(
            "--files",
            envvar="DESK_CENTRAL_FILES",
            metavar="DIR",
            file_okay=False,
            help=t("help.central.serve.files"),
            show_default=False,
        ),
    ] = None,
    pool: Annotated[
        int, typer.Option("--pool", min=1, max=1000, help=t("help.central.serve.pool"))
    ] = 10,
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help=t("help.central.serve.workers"))
    ] = 1,
) -> None:
    """Serve the sync protocol (docs/sync-protocol.md) over HTTP until Ctrl+C."""
    import uvicorn

    from desk.central.app import WORKER_OPTIONS_ENV, create_app
    from desk.central.operations import UVICORN_SETTINGS, log_requests_to_stderr
    from desk.central.store_api import kind_of, open_store, shown_location

    if kind_of(store) == "postgresql" and files is None:
        raise DeskError(t("central.serve.no_files", location=shown_location(store)))
    if workers > 1 and kind_of(store) != "postgresql":
        raise DeskError(t("central.serve.workers_sqlite", location=shown_location(store)))
    # Created and migrated before listening.
    central = open_store(store, files=files, pool_size=pool)
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as error:
        central.close()
        raise DeskError(
            t("central.serve.port_busy", host=host, port=port, error=error.strerror or error)
        ) from None
    shown = central.location
    error_console.print(t("central.serve.start", host=host, port=port, path=shown), markup=False)
    options: dict[str, Any] = {
        "rate": rate,
        "burst": burst,
        "max_file": max_file_mb * 1024 * 1024,  # announced in hello, checked per attach op
        "office_quota": office_files_gb * 1024**3,
    }
    # One line per request, ours (desk/central/operations.py: the office, bytes and time),
    # instead of uvicorn's access log, which knows neither the office nor the bytes.
    log_requests_to_stderr()
    if workers == 1:
        app_ = create_app(central, **options)  # the app closes the store when the server stops
        config = uvicorn.Config(app_, log_level="info", **UVICORN_SETTINGS)
        uvicorn.Server(config).run(sockets=[sock])
        return
    # Several processes on the one listening socket (the kernel spreads the connections); each
    # makes its own app and pool from the options (desk/central/app.py `app_from_env`). A
    # worker that dies is started again by uvicorn's supervisor.
    central.close()
    error_console.print(
        t("central.serve.workers_start", workers=workers, pool=pool, total=workers * pool),
        markup=False,
    )
    os.environ[WORKER_OPTIONS_ENV] = json.dumps(
        {"store": store, "files": str(files), "pool_size": pool, **options}
    )
    config = uvicorn.Config(
        "desk.central.app:app_from_env",
        factory=True,
        workers=workers,
        log_level="info",
        **UVICORN_SETTINGS,
    )
    from uvicorn.supervisors import Multiprocess

    Multiprocess(config, sockets=[sock]).run()


@office_app.command("add", help=t("help.central.office.add"))
def office_add(
    name: Annotated[str, typer.Argument(help=t("help.central.office.add.name"))],
    store: CentralStoreOption,
    units: Annotated[
        list[str] | None, typer.Option("--unit", help=t("help.central.office.add.unit"))
    ] = None,
    coordinator: Annotated[
        bool,
        typer.Option(
            "--coordinator",
            help=t("help.central.office.add.coordinator"),
        ),
    ] = False,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            help=t("help.central.office.add.token_file"),
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Register an office and give its token once, now, never again: into a new owner-only
    file with --token-file, else on stdout."""
    from db.connection import create_private

    shown = ", ".join(sorted(units or []))
    if token_file is None:
        with _opened(store, must_exist=False) as central:
            token = central.add_office(name, units or [], coordinator=coordinator)
        error_console.print(t("central.office.added", name=name, units=shown), markup=False)
        _keep_stdout_private()
        # The token alone on stdout, so that a pipe gets exactly it.
        typer.echo(token)
        error_console.print(t("central.office.hint"), markup=False)
        return
    path = token_file.expanduser()
    # The file is made first, empty, with O_EXCL and mode 0600: no office is registered whose
    # token has nowhere to go, and the token is never in a file others can read.
    try:
        descriptor = create_private(path)
    except FileExistsError:
        raise DeskError(t("central.token_file.exists", path=path)) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise DeskError(t("central.token_file.cannot", path=path, reason=reason)) from None
    try:
        with _opened(store, must_exist=False) as central:
            token = central.add_office(name, units or [], coordinator=coordinator)
    except BaseException:
        os.close(descriptor)
        path.unlink(missing_ok=True)
        raise
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(token + "\n")
    except OSError as error:
        path.unlink(missing_ok=True)
        reason = error.strerror or str(error)
        raise DeskError(t("central.token_file.lost", path=path, reason=reason, name=name)) from None
    written = t("central.token_file.written", name=name, units=shown, path=path)
    console.print(written, markup=False, soft_wrap=True)


def _keep_stdout_private() -> None:
    """`office add ... > name.token`: the shell made that file with the usual mode; close it to
    others before the token is written into it."""
    if os.name == "nt":
        return
    try:
        descriptor = sys.stdout.fileno()
        info = os.fstat(descriptor)
    except (OSError, ValueError, AttributeError):  # not a real file (a test runner's buffer)
        return
    if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and info.st_mode & 0o077:
        os.fchmod(descriptor, stat.S_IMODE(info.st_mode) & 0o700)


@office_app.command("list", help=t("help.central.office.list"))
def office_list(store: CentralStoreOption) -> None:
    """List the offices, their units and whether their token is revoked (never the token)."""
    with _opened(store) as central:
        offices = central.list_offices()
        alarmed = central.open_alarm_counts() if offices else {}
    if not offices:
        console.print(t("central.office.none"), markup=False)
        return
    table = Table(show_edge=False)
    for key in ("name", "units", "coordinator", "state", "audit"):
        table.add_column(t(f"central.office.col.{key}"))
    for office in offices:
        table.add_row(
            plain(office.name),
            plain(", ".join(office.units)),
            t("central.yes") if office.coordinator else t("central.no"),
            t("central.office.revoked_at", at=office.revoked_at)
            if office.revoked_at
            else t("central.office.active"),
            str(alarmed[office.name]) if office.name in alarmed else "-",
        )
    console.print(table)


@audit_app.command("alarms", help=t("help.central.audit.alarms"))
def audit_alarms(
    store: CentralStoreOption,
    everything: Annotated[
        bool, typer.Option("--all", help=t("help.central.audit.alarms.all"))
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help=t("help.central.json"))] = False,
) -> None:
    """Desks whose audit chain was cut or rewritten after the central system witnessed it
    (docs/security.md, "The audit witness"); exit 1 while any alarm is open."""
    import json

    with _opened(store) as central:
        found = central.alarms(include_resolved=everything)
    if as_json:
        typer.echo(json.dumps([alarm.as_dict() for alarm in found], ensure_ascii=False))
    elif not found:
        console.print(t("central.audit.none"), markup=False)
    else:
        table = Table(title=t("central.audit.title"), title_justify="left", show_edge=False)
        for key in ("id", "office", "kind", "witnessed", "reported", "seen", "state"):
            table.add_column(t(f"central.audit.col.{key}"), overflow="fold")
        for alarm in found:
            table.add_row(
                str(alarm.id),
                plain(alarm.office),
                t(f"central.audit.kind.{alarm.kind}"),
                t("central.audit.witnessed", seq=alarm.seq, at=_minute(alarm.witnessed_at)),
                t("central.audit.reported", seq=alarm.reported_seq, times=alarm.times),
                f"{_minute(alarm.first_at)} / {_minute(alarm.last_at)}",
                plain(
                    t(
                        "central.audit.resolved",
                        at=_minute(alarm.resolved_at),
                        note=alarm.resolution,
                    )
                )
                if alarm.resolved_at
                else t("central.audit.open"),
            )
        console.print(table)
    if any(alarm.resolved_at is None for alarm in found):
        raise typer.Exit(1)


def _minute(at: str) -> str:
    """A stored UTC instant to the minute: 2026-11-10 01:00 (the table says UTC)."""
    return at[:16].replace("T", " ")


@audit_app.command("resolve", help=t("help.central.audit.resolve"))
def audit_resolve(
    alarm_id: Annotated[int, typer.Argument(help=t("help.central.audit.resolve.id"))],
    store: CentralStoreOption,
    note: Annotated[str, typer.Option("--note", help=t("help.central.audit.resolve.note"))] = "",
) -> None:
    """Close an alarm after investigating it. When the office has no other open alarm, its
    witness starts again from the head its next sync reports (audited centrally)."""
    from db.timefmt import utc_now
    from desk.central.witness import UnknownAlarm

    if not note.strip():
        raise DeskError(t("central.audit.no_note"))
    with _opened(store) as central:
        try:
            office = central.resolve_alarm(alarm_id, note.strip()[:500], utc_now())
        except UnknownAlarm:
            raise DeskError(t("central.audit.unknown", id=alarm_id)) from None
        key = "resolved_kept" if central.alarms(office=office) else "resolved_done"
    console.print(t(f"central.audit.{key}", id=alarm_id, office=office), markup=False)


@office_app.command("revoke", help=t("help.central.office.revoke"))
def office_revoke(
    name: Annotated[str, typer.Argument(help=t("help.central.office.revoke.name"))],
    store: CentralStoreOption,
) -> None:
    """Revoke an office's token: its desk gets 401 from now on (its local work stays)."""
    with _opened(store) as central:
        central.revoke_office(name)
    console.print(t("central.office.revoked", name=name), markup=False)


@app.command("migrate", help=t("help.central.migrate"))
def migrate(
    source: Annotated[
        Path,
        typer.Option(
            "--from",
            metavar="FILE",
            dir_okay=False,
            help=t("help.central.migrate.from"),
            show_default=False,
        ),
    ],
    target: Annotated[
        str,
        typer.Option("--to", metavar="URL", help=t("help.central.migrate.to"), show_default=False),
    ],
    new_epoch: Annotated[
        bool, typer.Option("--new-epoch", help=t("help.central.migrate.new_epoch"))
    ] = False,
) -> None:
    """Move a SQLite central store into an empty PostgreSQL database, exactly, so that desks
    keep syncing (docs/central-postgresql.md, section 7)."""
    from desk.central.store_api import StoreUnavailable, shown_location

    try:
        from desk.central.migrate import migrate as move
    except ImportError as error:
        if error.name not in ("psycopg", "psycopg_pool"):
            raise
        raise StoreUnavailable(
            t("central.store.no_psycopg", location=shown_location(target))
        ) from None
    report = move(source.expanduser(), target, new_epoch=new_epoch)
    lines = [
        t(
            "central.migrate.done",
            source=report.source,
            target=report.target,
            seconds=f"{report.seconds:.1f}",
        ),
        *(t("central.migrate.row", table=table, rows=rows) for table, rows in report.rows.items()),
        t("central.migrate.ends", seq=report.last_seq, head=report.audit_head),
        t(
            "central.migrate.repull" if report.new_epoch else "central.migrate.continues",
            epoch=report.epoch,
        ),
        t("central.migrate.next", source=report.source, target=report.target),
    ]
    console.print("\n".join(lines), markup=False, soft_wrap=True)


@app.command("seed", help=t("help.central.seed"))
def seed(
    store: CentralStoreOption,
    cases: Annotated[int, typer.Option("--cases", min=0, help=t("help.central.seed.cases"))] = 1000,
    seed_value: Annotated[int, typer.Option("--seed", help=t("help.central.seed.seed"))] = 1,
) -> None:
    """Fill the central store from the seed generator (units, officers, cases)."""
    with _opened(store, must_exist=False) as central:
        summary = central.seed(cases, seed=seed_value)
        uids = central.fill_event_uids()
        shown = central.location
    console.print(
        t(
            "central.seed.done",
            cases=summary.cases,
            events=summary.events,
            uids=uids,
            path=shown,
        ),
        markup=False,
    )
