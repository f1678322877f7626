"""`desk import`: load complaint files (CSV/TSV, XLSX, JSON, JSON Lines) into the database.

The work is `desk.importing.import_files`; this module turns options into `ImportOptions`,
signs the acting officer in as every command does (`desk.cli.common.sign_in_officer`: PIN,
lockout, remembered only once signed in), shows a progress bar on a terminal and prints
the summary (or one JSON object with --json). Exit status: 0 every row accepted, 1 some rows
rejected (or the import refused), 2 a file that cannot be read or unusable options.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
)

from db import open_database
from desk.cli.common import (
    DbOption,
    bad_option,
    chosen_officer,
    console,
    database_path_for,
    error_console,
    plain,
    sign_in_officer,
)
from desk.i18n import count_text as _number
from desk.i18n import decimal_text, t
from desk.importing import (
    BadImportOptions,
    FileUnreadable,
    ImportOptions,
    ImportSummary,
    UnknownKeyColumn,
    check_options,
    import_files,
)
from desk.importing.columns import map_option
from desk.safety import printable


# The help texts are looked up when this module is imported: in the language chosen by then,
# since command modules are loaded once `--lang` is known (desk/cli/commands.py).
def import_command(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help=t("import.help.files"), show_default=False)],
    file_format: Annotated[
        str | None, typer.Option("--format", help=t("import.help.format"))
    ] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help=t("import.help.encoding"))
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help=t("import.help.sheet"))] = None,
    mapping: Annotated[list[str] | None, typer.Option("--map", help=t("import.help.map"))] = None,
    strict_units: Annotated[
        bool, typer.Option("--strict-units", help=t("import.help.strict_units"))
    ] = False,
    on_error: Annotated[str, typer.Option("--on-error", help=t("import.help.on_error"))] = "skip",
    errors: Annotated[
        Path | None,
        typer.Option("--errors", help=t("import.help.errors"), show_default=False),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=t("import.help.dry_run"))] = False,
    as_json: Annotated[bool, typer.Option("--json", help=t("import.help.json"))] = False,
    db: DbOption = None,
    as_nip: Annotated[str | None, typer.Option("--as", help=t("import.help.as_nip"))] = None,
) -> None:
    """Import complaints from CSV/TSV, XLSX, JSON or JSON Lines files (admins only).

    The command's help is the catalog's "help.import" (desk/cli/commands.py)."""
    options = ImportOptions(
        format=file_format.lower() if file_format else None,
        encoding=encoding,
        sheet=sheet,
        mapping=mapping or [],
        strict_units=strict_units,
        on_error=on_error,
        errors_path=errors,
        dry_run=dry_run,
    )
    path = database_path_for(ctx, db)
    try:  # wrong options and missing files stop before a database is created
        check_options(options)
        for file in files:
            if not file.is_file():
                raise FileUnreadable(t("import.file.missing", path=file))
    except (BadImportOptions, FileUnreadable) as error:
        raise bad_option(str(error)) from None
    if dry_run and not path.exists():
        database = open_database(":memory:")  # a dry run creates no database
    else:
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
        database = open_database(path)
    try:
        # Signed in like every command (PIN, lockout) before anything is read; a database with
        # no officers yet imports as the system.
        actor = sign_in_officer(database, path, chosen_officer(ctx, as_nip), empty_database_ok=True)
        with _progress(enabled=not as_json and sys.stderr.isatty()) as progress:
            summary = import_files(database, files, options, actor=actor, progress=progress)
    except UnknownKeyColumn as error:
        raise _unknown_key_column(error) from None
    except (BadImportOptions, FileUnreadable) as error:
        raise bad_option(str(error)) from None
    except KeyboardInterrupt:  # Ctrl-C: say what was kept and how to go on
        if dry_run:
            key = "import.interrupted.dry_run"
        elif on_error == "abort":  # the file being read is rolled back whole
            key = "import.interrupted.abort"
        else:
            key = "import.interrupted"
        message = f"desk: {t(key)}"
        error_console.print(message, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    finally:
        database.conn.close()
    if as_json:
        typer.echo(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        _print_summary(summary)
    if summary.aborted or summary.rejected:
        raise typer.Exit(1)


def _unknown_key_column(error: UnknownKeyColumn) -> typer.Exit:
    """The header rows' diagnosis, one line per header (bad_option would fold it into one)."""
    for number, line in enumerate(str(error).splitlines()):
        error_console.print(
            ("desk: " if number == 0 else "") + printable(line, keep_newlines=False),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    return typer.Exit(2)


class _progress:
    """A rich progress bar on stderr (rows, rows/s, time left), or nothing.

    Rows/s and time left are worked out here, from the rows since the first update: rich's own
    columns start their estimate afresh whenever the total changes, and the total is itself an
    estimate that moves a little with every update (the rows per line so far), so they showed
    nothing."""

    def __init__(self, *, enabled: bool) -> None:
        self.bar: Progress | None = None
        if enabled:
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[done]} / ~{task.fields[total_text]}"),
                TextColumn("{task.fields[rate]}"),
                TaskProgressColumn(),
                TextColumn("{task.fields[left]}"),
                console=error_console,
                transient=True,
            )
        # file -> (task, when it was first shown, the rows done then)
        self.tasks: dict[str, tuple[TaskID, float, int]] = {}

    def __enter__(self) -> _progress | None:
        if self.bar is None:
            return None
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def __call__(self, name: str, done: int, total: int | None) -> None:
        assert self.bar is not None
        now = time.monotonic()
        if name not in self.tasks:
            task = self.bar.add_task(
                t("import.progress", name=name),
                total=total,
                done="",
                total_text="",
                rate="",
                left="",
            )
            self.tasks[name] = (task, now, done)
        task, began, done_then = self.tasks[name]
        total = max(total or done, done)
        # The first call comes after the first chunk: the rate counts from there.
        speed = (done - done_then) / (now - began) if now > began else 0.0
        left = round((total - done) / speed) if speed else None
        self.bar.update(
            task,
            completed=done,
            total=total,
            done=_number(done),
            total_text=_number(total),
            rate=t("import.progress.rate", rate=_number(round(speed))) if speed else "",
            left="" if left is None else str(timedelta(seconds=left)),
        )


def _print_summary(summary: ImportSummary) -> None:
    mode = t("import.summary.dry") if summary.dry_run else t("import.summary.done")
    console.print(t("import.summary.title", mode=mode), markup=False)
    for file in summary.files:
        console.print(
            plain(
                "  "
                + t(
                    "import.summary.file",
                    name=Path(file.path).name,
                    format=file.format,
                    encoding=file.encoding or "-",
                    rows=_number(file.rows),
                )
            )
        )
        if file.aborted:
            console.print(plain("  " + file.aborted))
        if file.unknown_columns:
            console.print(
                plain(
                    "  "
                    + t("import.summary.unknown_columns", columns=", ".join(file.unknown_columns))
                )
            )
        for header, fields in file.ambiguous_columns.items():
            line = t(
                "import.summary.ambiguous",
                header=header,
                fields=" / ".join(fields),
                map=map_option(header, fields[0]),
            )
            console.print(plain("  " + line))
    for key, value in (
        ("inserted", summary.total("inserted")),
        ("updated", summary.total("updated")),
        ("unchanged", summary.total("unchanged")),
        ("rejected", summary.rejected),
        ("masked", summary.total("masked")),
    ):
        console.print(f"  {t('import.summary.' + key)}: {_number(value)}", markup=False)
    if summary.units_created:
        key = "import.summary.units_would" if summary.dry_run else "import.summary.units_created"
        console.print(plain("  " + t(key, units=", ".join(summary.units_created))))
    if summary.unknown_categories:
        shown = ", ".join(summary.unknown_categories[:10])
        more = len(summary.unknown_categories) - 10
        console.print(
            plain(
                "  "
                + t("import.summary.unknown_categories", categories=shown)
                + (f" (+{more})" if more > 0 else "")
            )
        )
    rate = summary.rows / summary.seconds if summary.seconds else 0
    console.print(
        "  "
        + t(
            "import.summary.speed",
            rows=_number(summary.rows),
            seconds=decimal_text(summary.seconds),
            rate=_number(int(rate)),
        ),
        markup=False,
    )
    if summary.first_errors:
        key = (
            "import.summary.first_errors_dry" if summary.dry_run else "import.summary.first_errors"
        )
        console.print(t(key), markup=False)
        for error in summary.first_errors:
            line = t(
                "import.summary.error_line",
                file=Path(error.file).name,
                row=error.row,
                column=error.column or "-",
                reason=error.reason,
            )
            console.print(plain("  " + line))
    if summary.errors_path:
        key = "import.summary.errors_dry" if summary.dry_run else "import.summary.errors"
        console.print(plain(t(key, path=summary.errors_path)))
    elif summary.rejected and summary.dry_run:
        console.print(plain(t("import.summary.errors_none")))
