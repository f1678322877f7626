"""The `desk` command: global options, the command tree, and errors as one line, never a traceback.

Only what `desk --help` needs is imported here: each command's module is imported when that
command runs or shows its help (desk/cli/commands.py), after `--lang` has set the language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from desk import __version__
from desk.cli import plain_params
from desk.cli.commands import RootGroup
from desk.i18n import LANGUAGES, extend, set_language, t

plain_params.install()  # text, paths and flags without pydantic: 0.07 s of every start

extend(
    {
        "help.opt.db": (
            "Berkas basis data (bawaan: $DESK_DB, atau desk.db di folder data pengguna).",
            "The database file (default: $DESK_DB, else desk.db in the user data folder).",
        ),
        "help.opt.lang": (
            "Bahasa antarmuka: id (Indonesia) atau en (Inggris); juga $DESK_LANG.",
            "Language of the interface: id (Indonesian) or en; also $DESK_LANG.",
        ),
        "help.opt.as": (
            "Petugas (NIP) yang bekerja; bawaan: yang terakhir dipakai.",
            "The officer (NIP) working; default: the last one used.",
        ),
        "help.opt.version": ("Tampilkan versi lalu keluar.", "Show the version and exit."),
        "help.demo.as": (
            "Petugas (NIP); bawaan: admin koordinator demo.",
            "The officer (NIP); default: the demo's coordinating admin.",
        ),
        "cli.bad_lang": ("pilih salah satu: {choices}", "choose one of: {choices}"),
    }
)


class FriendlyGroup(RootGroup):
    """Turns the errors a user can cause into one line on stderr and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as error:
            message = _user_error(error)
            if message is None:
                raise
        from desk.cli.common import error_console
        from desk.safety import printable

        # A message may repeat what was typed or read (a case number, a file's value): escape
        # sequences and control characters in it are made inert, never sent to the terminal.
        shown = printable(message)
        error_console.print(f"desk: {shown}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)


def _user_error(error: Exception) -> str | None:
    """The one line for an error a user can cause; None for anything else (a bug)."""
    import sqlite3

    from db.errors import StorageError
    from desk.errors import DeskError, describe

    if isinstance(error, DeskError | StorageError):
        return describe(error)
    if isinstance(error, sqlite3.Error):  # anything storage did not already explain
        return t("cli.database_error", error=error)
    return None


app = typer.Typer(
    cls=FriendlyGroup,
    name="desk",
    help=t("help.desk"),
    invoke_without_command=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"desk {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", help=t("help.opt.db"), show_default=False),
    ] = None,
    lang: Annotated[
        str, typer.Option("--lang", envvar="DESK_LANG", help=t("help.opt.lang"))
    ] = "id",
    as_nip: Annotated[
        str | None,
        typer.Option("--as", help=t("help.opt.as")),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=show_version, is_eager=True, help=t("help.opt.version")),
    ] = False,
) -> None:
    """desk: work SP4N-LAPOR! complaints from the terminal, online or off."""
    from desk.cli.common import Settings, default_database_path

    if lang not in LANGUAGES:
        raise typer.BadParameter(
            t("cli.bad_lang", choices=", ".join(LANGUAGES)), param_hint="--lang"
        )
    set_language(lang)
    path = (db or default_database_path()).expanduser()
    ctx.obj = Settings(db_path=path, lang=lang, db_given=db is not None)
    if ctx.invoked_subcommand is None:
        from desk.cli.tui import open_desk

        open_desk(ctx.obj.db_path, as_nip)


@app.command("demo", help=t("help.demo"))
def demo(
    as_nip: Annotated[str | None, typer.Option("--as", help=t("help.demo.as"))] = None,
) -> None:
    """Open the desk on the demo database (created the first time) as its coordinating admin,
    or as `--as` for this time only: a demo always starts from its admin."""
    from desk.cli.common import error_console
    from desk.cli.tui import DEMO_ADMIN_NIP, demo_database_path, ensure_demo_database, open_desk

    path = demo_database_path()
    if ensure_demo_database(path):
        error_console.print(t("cli.demo_created", path=path), markup=False)
    open_desk(path, as_nip or DEMO_ADMIN_NIP)


def run() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    run()
