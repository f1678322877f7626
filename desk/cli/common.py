"""What every command shares: the chosen database, the consoles, and user-facing errors."""

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
from desk.errors import DeskError
from desk.i18n import t
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


def settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    if not isinstance(obj, Settings):
        obj = Settings(default_database_path())
        ctx.find_root().obj = obj
    return obj


# Every command that works on a database also takes --db after its name ("desk seed --db x.db").
DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="The database file (overrides the global --db and $DESK_DB).",
        show_default=False,
    ),
]


# The officer doing a command ("desk case verify 8112829 --as NIP"), also given before the
# command name ("desk --as NIP case ...").
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="The officer (NIP) working; remembered for this database. Default: the last one.",
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
        raise DeskError(t("cli.no_database", path=path))
    if not must_exist:
        path.parent.mkdir(parents=True, exist_ok=True)
    return open_database(path)


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


def sign_in_for_command(database: sqlite_utils.Database, actor: Actor) -> None:
    """Ask for the officer's PIN when they have one: `$DESK_PIN` for scripts, else a prompt."""
    from desk.officers import needs_pin, sign_in

    if not needs_pin(database, actor.nip):
        return
    pin = os.environ.get("DESK_PIN") or read_secret(t("cli.pin_prompt", nip=actor.nip))
    sign_in(database, actor, pin)
