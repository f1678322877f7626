"""The `desk` command: global options, command groups, and errors as one line, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from db.errors import StorageError
from desk import __version__
from desk.cli import (
    attach_cmd,
    audit_cmd,
    case_cmd,
    central_cmd,
    db_cmd,
    export_cmd,
    holidays_cmd,
    import_cmd,
    officer_cmd,
    report_cmd,
    seed_cmd,
    sync_cmd,
    sync_verify_cmd,  # noqa: F401  (adds `desk sync verify` to sync_cmd.sync_app)
)
from desk.cli.common import Settings, default_database_path, error_console
from desk.errors import DeskError, describe
from desk.i18n import LANGUAGES, set_language, t
from desk.safety import printable


class FriendlyGroup(TyperGroup):
    """Turns the errors a user can cause into one line on stderr and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (DeskError, StorageError) as error:
            message = describe(error)
        except sqlite3.Error as error:  # anything storage did not already explain
            message = t("cli.database_error", error=error)
        # A message may repeat what was typed or read (a case number, a file's value): escape
        # sequences and control characters in it are made inert, never sent to the terminal.
        shown = printable(message)
        error_console.print(f"desk: {shown}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1)


app = typer.Typer(
    cls=FriendlyGroup,
    name="desk",
    help="A terminal complaint desk for SP4N-LAPOR! complaints.",
    invoke_without_command=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(case_cmd.app, name="case")
app.add_typer(central_cmd.app, name="central")
app.add_typer(db_cmd.app, name="db")
app.add_typer(officer_cmd.officer_app, name="officer")
app.add_typer(officer_cmd.unit_app, name="unit")
app.add_typer(holidays_cmd.app, name="holidays")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(sync_cmd.remote_app, name="remote")
app.add_typer(sync_cmd.sync_app, name="sync")
case_cmd.app.command("attach")(attach_cmd.attach_command)
app.command("seed")(seed_cmd.seed)
app.command("import")(import_cmd.import_command)
app.command("export")(export_cmd.export_command)
app.command("report")(report_cmd.report_command)


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"desk {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="The database file (default: $DESK_DB, else desk.db in the user data folder).",
            show_default=False,
        ),
    ] = None,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the interface: id (Indonesian) or en.")
    ] = "id",
    as_nip: Annotated[
        str | None,
        typer.Option("--as", help="The officer (NIP) working; default: the last one used."),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """desk: work SP4N-LAPOR! complaints from the terminal, online or off."""
    if lang not in LANGUAGES:
        raise typer.BadParameter(f"choose one of: {', '.join(LANGUAGES)}", param_hint="--lang")
    set_language(lang)
    ctx.obj = Settings(db_path=(db or default_database_path()).expanduser(), lang=lang)
    if ctx.invoked_subcommand is None:
        from desk.cli.tui import open_desk

        open_desk(ctx.obj.db_path, as_nip)


@app.command("demo")
def demo(
    as_nip: Annotated[
        str | None, typer.Option("--as", help="The officer (NIP); default: the demo admin.")
    ] = None,
) -> None:
    """Open the desk on a demo database of about 5,000 cases (created the first time)."""
    from desk.cli.tui import DEMO_ADMIN_NIP, demo_database_path, ensure_demo_database, open_desk
    from desk.config import load_config

    path = demo_database_path()
    if ensure_demo_database(path):
        error_console.print(t("cli.demo_created", path=path), markup=False)
    open_desk(path, as_nip or load_config().officer_for(path) or DEMO_ADMIN_NIP)


def run() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    run()
