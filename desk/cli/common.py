"""What every command shares: the chosen database, the consoles, user-facing errors, and the
one way a command signs an officer in (`open_session`, `sign_in_officer`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import platformdirs
import sqlite_utils
import typer
from rich.console import Console
from rich.text import Text

from db import open_database
from desk.errors import DeskError, InvalidInput
from desk.i18n import extend, t
from desk.workflow import Actor

APP_NAME = "desk"
console = Console(highlight=False)
error_console = Console(stderr=True, highlight=False)


def default_database_path() -> Path:
    """`DESK_DB`, else desk.db in the platform's user data folder."""
    configured = os.environ.get("DESK_DB")
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "desk.db"


@dataclass
class Settings:
    """The global options, kept on the Typer context for the commands."""

    db_path: Path
    lang: str = "id"
    db_given: bool = False  # --db named the database (else $DESK_DB or the default)


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    if not isinstance(obj, Settings):
        obj = Settings(default_database_path())
        ctx.find_root().obj = obj
    return obj


extend(
    {
        "help.common.db": (
            "Berkas basis data (menggantikan --db global dan $DESK_DB).",
            "The database file (overrides the global --db and $DESK_DB).",
        ),
        "help.common.as": (
            "Petugas (NIP) yang bekerja; diingat untuk perintah pada basis data ini. Bawaan: "
            "yang terakhir.",
            "The officer (NIP) working; remembered for the commands on this database. "
            "Default: the last one.",
        ),
    }
)

# Every command that works on a database also takes --db after its name ("desk seed --db x.db").
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help=t("help.common.db"),
        show_default=False,
    ),
]


# The officer doing a command ("desk case verify 8112829 --as NIP"), also given before the
# command name ("desk --as NIP case ...").
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help=t("help.common.as"),
        metavar="NIP",
        show_default=False,
    ),
]


def database_path_for(ctx: typer.Context, db: Path | None) -> Path:
    return db.expanduser() if db is not None else settings(ctx).db_path


def open_for_command(
    ctx: typer.Context, db: Path | None = None, *, must_exist: bool = True
) -> sqlite_utils.Database:
    """Open the command's database; a missing file is an error unless the command creates one."""
    path = database_path_for(ctx, db)
    if must_exist and not path.exists():
        raise DeskError(t("cli.no_database", path=path) + _demo_hint(ctx, db, path))
    if not must_exist:
        path.parent.mkdir(parents=True, exist_ok=True)
    return open_database(path)


def _demo_hint(ctx: typer.Context, db: Path | None, missing: Path) -> str:
    """After `desk demo`, a command given no --db is told where the demo database is."""
    if db is not None or settings(ctx).db_given:
        return ""
    from desk.cli.tui import demo_database_path

    demo = demo_database_path()
    if demo == missing or not demo.exists():
        return ""
    return " " + t("cli.no_database_demo", demo=demo)


def plain(text: object) -> Text:
    """Text safe to print through Rich: no markup is interpreted, no escape sequence passes."""
    from desk.safety import printable

    return Text(printable(str(text)))


def read_secret(prompt: str, *, confirm: bool = False) -> str | None:
    """A PIN typed without echo at a terminal, else one line of stdin; None when neither."""
    import sys

    if sys.stdin is not None and sys.stdin.isatty():
        value = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
        return str(value)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line.rstrip("\r\n") or None


def bad_option(message: str) -> typer.Exit:
    """An option that cannot be used: one line on stderr; raise the result (exit status 2).

    The message may repeat what was typed or read: it is made inert and kept to one line."""
    from desk.safety import printable

    # printable makes escapes inert; a lone surrogate (undecodable bytes in argv) is replaced.
    line = printable(message, keep_newlines=False).encode("utf-8", "replace").decode("utf-8")
    error_console.print(f"desk: {line}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(2)


# -- signing in ----------------------------------------------------------------------------------

extend(
    {
        "cli.need_officer": (
            "Pilih petugas dengan --as NIP (lihat desk officer list).",
            "Choose an officer with --as NIP (see desk officer list).",
        ),
        "cli.no_database_demo": (
            "Basis data demo ada di {demo}: pakai --db {demo} (atau DESK_DB={demo}).",
            "The demo database is {demo}: name it with --db {demo} (or DESK_DB={demo}).",
        ),
        "cli.bad_as": (
            "--as {value}: NIP terdiri dari 18 angka.",
            "--as {value}: a NIP has 18 digits.",
        ),
    }
)
_SHOWN_NIP = 40  # characters of a malformed --as value repeated in its error message


@dataclass(frozen=True)
class Session:
    """The database a command works on, where it is, and the officer signed in."""

    database: sqlite_utils.Database
    path: Path
    actor: Actor


def chosen_officer(ctx: typer.Context, as_nip: str | None) -> str | None:
    """The NIP given with `--as` after the command's name, else before it (`desk --as NIP ...`)."""
    chosen = as_nip if as_nip is not None else ctx.find_root().params.get("as_nip")
    return None if chosen is None else str(chosen)  # "--as ''" is a wrong NIP, not no NIP


def open_session(ctx: typer.Context, db: Path | None, as_nip: str | None) -> Session:
    """Open the command's database and sign the officer in (`sign_in_officer`)."""
    path = database_path_for(ctx, db)
    database = open_for_command(ctx, db)
    actor = sign_in_officer(database, path, chosen_officer(ctx, as_nip))
    assert actor is not None
    return Session(database, path, actor)


def sign_in_officer(
    database: sqlite_utils.Database,
    path: Path,
    chosen: str | None,
    *,
    empty_database_ok: bool = False,
    forget_missing: bool = False,
    desk: bool = False,
) -> Actor | None:
    """The one way every command that acts as an officer signs them in.

    1. The officer is `chosen` (`--as`), else the one last used with this database (by the
       commands, else by the desk: `desk.config`); a value that is not a NIP is an option
       error (exit status 2).
    2. Unknown and disabled officers are refused (`desk.services.load_actor`).
    3. An officer with a PIN gives it: `$DESK_PIN` for scripts, else asked at the terminal.
       `desk.officers.sign_in` checks it, counts wrong ones towards the lockout, refuses a
       locked officer and audits every attempt.
    4. Only then is a `chosen` officer remembered for the database: a mistyped or refused
       `--as` never becomes the default of the next command. A command remembers it for the
       commands only; `desk` (the TUI, `desk=True`) for the desk only, so a one-off `--as` on
       a command never changes who the desk opens as next.

    `empty_database_ok`: a database with no officers yet acts as the system (None): the first
    import of a new office, before anyone can sign in. `forget_missing` (the TUI): no officer
    chosen or remembered, or a remembered one who is gone or disabled, gives None (the TUI's
    picker, which asks the PIN itself), not an error.
    """
    from desk.config import load_config, save_config
    from desk.officers import NIP_PATTERN, has_officers
    from desk.services import load_actor

    if chosen is not None and not NIP_PATTERN.match(chosen.strip()):
        shown = plain(chosen.strip()[:_SHOWN_NIP]).plain
        raise bad_option(t("cli.bad_as", value=shown))
    if empty_database_ok and not has_officers(database):
        if chosen is not None:
            load_actor(database, chosen)  # names nobody: refused the same way
        return None
    config = load_config()
    remembered = config.officer_for(path) if desk else config.command_officer_for(path)
    nip = chosen or remembered
    if not nip:
        if forget_missing:
            return None
        raise InvalidInput(t("cli.need_officer"))
    try:
        actor = load_actor(database, nip)
    except DeskError:
        if chosen is None and forget_missing:
            return None
        raise
    sign_in_for_command(database, actor)
    if chosen is not None:
        if desk and config.officer_for(path) != actor.nip:
            config.remember_officer(path, actor.nip)
            save_config(config)
        elif not desk and config.command_officer.get(config.key(path)) != actor.nip:
            config.remember_command_officer(path, actor.nip)
            save_config(config)
    return actor


def sign_in_for_command(database: sqlite_utils.Database, actor: Actor) -> None:
    """Ask for the officer's PIN when they have one: `$DESK_PIN` for scripts, else a prompt.

    Use `sign_in_officer`, which also resolves, refuses and remembers the officer; this step
    alone is for a caller that already holds a loaded `Actor`.
    """
    from desk.officers import needs_pin, sign_in

    if not needs_pin(database, actor.nip):
        return
    pin = os.environ.get("DESK_PIN") or read_secret(t("cli.pin_prompt", nip=actor.nip))
    sign_in(database, actor, pin)
