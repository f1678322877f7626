"""`desk officer` and `desk unit`: who can use a database, and the units cases go to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from desk.cli import commands as _commands  # noqa: F401  (registers "help.officer", "help.unit")
from desk.cli.common import AsOption, DbOption, console, open_for_command, plain, read_secret
from desk.errors import InvalidInput
from desk.i18n import extend, role_label, t
from desk.workflow import Actor, Role

extend(
    {
        "help.officer.json": ("Cetak JSON, bukan tabel.", "Print JSON instead of a table."),
        "help.officer.list": (
            "Daftar petugas: NIP, nama, unit, peran, dan apakah masih aktif.",
            "List the officers: NIP, name, unit, role, and whether they are active.",
        ),
        "help.unit.list": (
            "Daftar unit beserta zona waktu dan jumlah petugasnya.",
            "List the units with their time zone and number of officers.",
        ),
        "help.officer.pin": (
            "Minta PIN (diketik dua kali di terminal; satu baris masukan standar dalam skrip).",
            "Ask for a PIN (typed twice at a terminal; one line of stdin in a script).",
        ),
        "help.officer.add": (
            "Daftarkan petugas (khusus admin; petugas pertama sebuah basis data harus admin).",
            "Register an officer (an admin only; the first officer of a database must be an "
            "admin).",
        ),
        "help.officer.add.nip": ("NIP petugas (18 angka).", "The officer's NIP (18 digits)."),
        "help.officer.add.name": ("Nama lengkap.", "Full name."),
        "help.officer.add.unit": (
            "Kode unit (lihat desk unit list).",
            "Unit code (see desk unit list).",
        ),
        "help.officer.add.role": (
            "admin, petugas (petugas unit) atau pimpinan.",
            "admin, petugas (unit officer) or pimpinan (head).",
        ),
        "help.officer.nip": ("NIP petugas.", "The officer's NIP."),
        "help.officer.disable": (
            "Nonaktifkan petugas: ia tidak bisa lagi membuka desk atau bertindak (khusus admin).",
            "Disable an officer: they can no longer open the desk or act (an admin only).",
        ),
        "help.officer.enable": (
            "Aktifkan kembali petugas yang dinonaktifkan (khusus admin).",
            "Enable a disabled officer again (an admin only).",
        ),
        "help.officer.set-pin": (
            "Pasang atau ganti PIN (hanya disimpan sebagai hash scrypt); sekaligus membuka kunci.",
            "Set or change a PIN (stored only as a scrypt hash); it also lifts a lock.",
        ),
        "help.officer.set-pin.nip": (
            "PIN siapa: milik Anda sendiri, atau milik siapa pun bagi admin.",
            "Whose PIN: your own, or anyone's for an admin.",
        ),
        "help.officer.clear-lost-pins": (
            "Hapus PIN yang dipasang dengan kunci PIN yang hilang (tidak ada di samping basis "
            "data): tidak ada yang bisa masuk dengannya. Tidak perlu masuk, dicatat di log "
            "audit; lalu pasang PIN baru dengan set-pin.",
            "Clear the PINs set with a PIN key that is lost (not beside the database): nobody "
            "can sign in with them. Needs no sign-in, is audited; then set new PINs with "
            "set-pin.",
        ),
        "help.unit.add": (
            "Tambahkan unit (khusus admin; unit pertama basis data baru tidak memerlukan izin "
            "siapa pun).",
            "Add a unit (an admin only; a new database's first unit needs no one's permission).",
        ),
        "help.unit.add.code": ("Kode singkat, mis. PUPR.", "Short code, e.g. PUPR."),
        "help.unit.add.name": ("Nama lengkap unit (OPD).", "Full name of the unit (OPD)."),
        "help.unit.add.tz": (
            "Zona waktu: Asia/Jakarta, Asia/Makassar atau Asia/Jayapura.",
            "Time zone: Asia/Jakarta, Asia/Makassar or Asia/Jayapura.",
        ),
        "cli.officer.pins_cleared": (
            "PIN {count} petugas dihapus ({nips}): mereka membuka desk tanpa PIN sampai PIN baru "
            "diberikan dengan 'desk officer set-pin NIP'.",
            "The PINs of {count} officers were cleared ({nips}): they open desk without a PIN "
            "until a new one is set with 'desk officer set-pin NIP'.",
        ),
    }
)

officer_app = typer.Typer(help=t("help.officer"), no_args_is_help=True)
unit_app = typer.Typer(help=t("help.unit"), no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help=t("help.officer.json"))]


@officer_app.command("list", help=t("help.officer.list"))
def list_officers(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the officers: NIP, name, unit, role, and whether they are active."""
    database = open_for_command(ctx, db)
    rows = list(
        database.query(
            "SELECT o.nip, o.name, o.unit_code AS unit, u.name AS unit_name, o.role, o.active "
            "FROM officers AS o JOIN units AS u ON u.code = o.unit_code "
            "ORDER BY o.role = 'admin' DESC, o.unit_code, o.name"
        )
    )
    if as_json:
        for row in rows:
            row["active"] = bool(row["active"])
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    _print_officers(rows)


# The NIP is never cut nor left out (desk/cli/columns.py); a pipe gets plain columns.
_OFFICER_COLUMNS = ("nip", "name", "unit", "role", "active")
_OFFICER_LEAST = {"name": 12, "role": 8}


def _print_officers(rows: list[dict[str, Any]]) -> None:
    from desk.cli import columns

    headers = {
        "nip": "NIP",
        "name": t("cli.col.name"),
        "unit": t("cli.col.unit"),
        "role": t("cli.col.role"),
        "active": "",
    }
    cells = [
        {
            "nip": plain(row["nip"]),
            "name": plain(row["name"]),
            "unit": plain(row["unit"]),
            "role": Text(role_label(row["role"])),
            "active": Text("" if row["active"] else t("cli.inactive")),
        }
        for row in rows
    ]
    natural = columns.natural_widths(_OFFICER_COLUMNS, headers, cells)
    if not console.is_terminal or natural["nip"] > console.width:
        columns.print_plain(console, columns.plain_lines(_OFFICER_COLUMNS, headers, cells))
        return
    kept = ("nip", "role", "unit", "name", "active")  # which a narrow terminal keeps first
    shown = columns.fitting(kept, "nip", natural, _OFFICER_LEAST, console.width)
    shown = [key for key in _OFFICER_COLUMNS if key in shown]
    widths = columns.layout(shown, natural, _OFFICER_LEAST, console.width, ("name", "role"))
    table = columns.table(widths, headers, cells, {})
    table.title, table.title_justify = t("cli.officers.title"), "left"
    console.print(table)


@unit_app.command("list", help=t("help.unit.list"))
def list_units(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """List the units with their time zone and number of officers."""
    database = open_for_command(ctx, db)
    rows = list(
        database.query(
            "SELECT u.code, u.name, u.tz, u.active, "
            "(SELECT count(*) FROM officers AS o WHERE o.unit_code = u.code) AS officers "
            "FROM units AS u ORDER BY u.code"
        )
    )
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    table = Table(title=t("cli.units.title"), title_justify="left")
    for column in (t("cli.col.code"), t("cli.col.name"), t("cli.col.tz"), t("cli.col.officers")):
        table.add_column(column)
    for row in rows:
        table.add_row(plain(row["code"]), plain(row["name"]), row["tz"], str(row["officers"]))
    console.print(table)


PinOption = Annotated[
    bool,
    typer.Option(
        "--pin",
        help=t("help.officer.pin"),
    ),
]


def _acting(ctx: typer.Context, db: Path | None, as_nip: str | None) -> tuple[Any, Actor]:
    from desk.cli.case_cmd import open_session

    session = open_session(ctx, db, as_nip)
    return session.database, session.actor


def _new_pin(ask: bool) -> str | None:
    if not ask:
        return None
    pin = read_secret(t("cli.officer.new_pin"), confirm=True)
    if not pin:
        raise InvalidInput(t("cli.officer.no_pin_given"))
    return pin


@officer_app.command("add", help=t("help.officer.add"))
def add_officer_command(
    ctx: typer.Context,
    nip: Annotated[str, typer.Argument(help=t("help.officer.add.nip"))],
    name: Annotated[str, typer.Option("--name", help=t("help.officer.add.name"))],
    unit: Annotated[str, typer.Option("--unit", help=t("help.officer.add.unit"))],
    role: Annotated[str, typer.Option("--role", help=t("help.officer.add.role"))] = "petugas",
    pin: PinOption = False,
    db: DbOption = None,
    as_nip: AsOption = None,
) -> None:
    """Register an officer (an admin only; the first officer of a database must be an admin)."""
    from desk.officers import NewOfficer, add_officer, has_officers

    try:
        officer_role = Role(role.strip().lower())
    except ValueError:
        raise typer.BadParameter(t("cli.officer.bad_role"), param_hint="--role") from None
    database = open_for_command(ctx, db)
    actor: Actor | None = None
    if has_officers(database):
        database, actor = _acting(ctx, db, as_nip)
    add_officer(database, actor, NewOfficer(nip, name, unit, officer_role), pin=_new_pin(pin))
    console.print(t("cli.officer.added", nip=nip.strip(), role=role_label(officer_role.value)))


@officer_app.command("disable", help=t("help.officer.disable"))
def disable_officer_command(
    ctx: typer.Context,
    nip: Annotated[str, typer.Argument(help=t("help.officer.nip"))],
    db: DbOption = None,
    as_nip: AsOption = None,
) -> None:
    """Disable an officer: they can no longer open the desk or act (an admin only)."""
    from desk.officers import set_active

    database, actor = _acting(ctx, db, as_nip)
    set_active(database, actor, nip, False)
    console.print(t("cli.officer.disabled", nip=nip.strip()))


@officer_app.command("enable", help=t("help.officer.enable"))
def enable_officer_command(
    ctx: typer.Context,
    nip: Annotated[str, typer.Argument(help=t("help.officer.nip"))],
    db: DbOption = None,
    as_nip: AsOption = None,
) -> None:
    """Enable a disabled officer again (an admin only)."""
    from desk.officers import set_active

    database, actor = _acting(ctx, db, as_nip)
    set_active(database, actor, nip, True)
    console.print(t("cli.officer.enabled", nip=nip.strip()))


@officer_app.command("set-pin", help=t("help.officer.set-pin"))
def set_pin_command(
    ctx: typer.Context,
    nip: Annotated[str, typer.Argument(help=t("help.officer.set-pin.nip"))],
    db: DbOption = None,
    as_nip: AsOption = None,
) -> None:
    """Set or change a PIN (stored only as a scrypt hash); it also lifts a lock."""
    from desk.officers import set_pin

    database, actor = _acting(ctx, db, as_nip)
    pin = _new_pin(True)
    assert pin is not None
    set_pin(database, actor, nip, pin)
    console.print(t("cli.officer.pin_set", nip=nip.strip()))


@officer_app.command("clear-lost-pins", help=t("help.officer.clear-lost-pins"))
def clear_lost_pins_command(ctx: typer.Context, db: DbOption = None) -> None:
    """Clear the PINs set with a PIN key that is lost (not beside the database): nobody can
    sign in with them. Needs no sign-in, is audited; then set new PINs with set-pin."""
    from desk.officers import clear_lost_pins

    database = open_for_command(ctx, db)
    nips = clear_lost_pins(database)
    console.print(t("cli.officer.pins_cleared", count=len(nips), nips=", ".join(nips)))


@unit_app.command("add", help=t("help.unit.add"))
def add_unit_command(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help=t("help.unit.add.code"))],
    name: Annotated[str, typer.Option("--name", help=t("help.unit.add.name"))],
    tz: Annotated[str, typer.Option("--tz", help=t("help.unit.add.tz"))] = "Asia/Makassar",
    db: DbOption = None,
    as_nip: AsOption = None,
) -> None:
    """Add a unit (an admin only; a new database's first unit needs no one's permission)."""
    from desk.officers import add_unit, has_officers

    database = open_for_command(ctx, db, must_exist=False)
    actor: Actor | None = None
    if has_officers(database):
        database, actor = _acting(ctx, db, as_nip)
    add_unit(database, actor, code, name, tz)
    console.print(t("cli.unit.added", code=code.strip().upper()))
