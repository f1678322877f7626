"""`desk seed`: fill a database with realistic demo or benchmark cases."""

from __future__ import annotations

from typing import Annotated

import sqlite_utils
import typer

from desk.cli.common import (
    AsOption,
    DbOption,
    chosen_officer,
    console,
    database_path_for,
    error_console,
    open_for_command,
    sign_in_officer,
)
from desk.cli.progress import progress_bar
from desk.i18n import count_text, decimal_text, extend, t

extend(
    {
        "help.seed.cases": ("Berapa kasus yang ditambahkan.", "How many cases to add."),
        "help.seed.seed": (
            "Benih acak: benih yang sama memberi data yang sama.",
            "Random seed: the same seed gives the same data.",
        ),
        "cli.seed.interrupted": (
            "Dihentikan (Ctrl-C): {cases} kasus yang sudah ditulis tetap utuh di {path} "
            "(periksa dengan 'desk db check').",
            "Stopped (Ctrl-C): the {cases} cases already written are kept whole in {path} "
            "(check with 'desk db check').",
        ),
    }
)


def seed(
    ctx: typer.Context,
    cases: Annotated[int, typer.Option("--cases", min=0, help=t("help.seed.cases"))] = 1000,
    db: DbOption = None,
    seed_value: Annotated[int, typer.Option("--seed", help=t("help.seed.seed"))] = 1,
    as_nip: AsOption = None,
) -> None:
    """Add deterministic, realistic cases (with units and officers) to a database, creating it.

    A database that already has officers is seeded only by an admin who signs in (--as).
    Ctrl-C stops it with one line: every chunk is written in its own transaction, so what was
    written is whole (`desk db check`), and the exit status is 130.
    """
    from desk.seed import check_may_seed, seed_database

    database = open_for_command(ctx, db, must_exist=False)
    path = database_path_for(ctx, db)
    actor = sign_in_officer(database, path, chosen_officer(ctx, as_nip), empty_database_ok=True)
    check_may_seed(database, actor)
    before = _case_count(database)
    try:
        with progress_bar(t("cli.seed.progress")) as advance:
            summary = seed_database(
                database,
                cases,
                seed=seed_value,
                progress=advance,
                actor_nip=actor.nip if actor else None,
            )
    except KeyboardInterrupt:
        # The chunk being written when Ctrl-C came was rolled back or committed whole: count.
        written = _case_count(database) - before
        line = t("cli.seed.interrupted", cases=count_text(written), path=path)
        error_console.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(130) from None
    done = t(
        "cli.seed.done",
        cases=count_text(summary.cases),
        events=count_text(summary.events),
        units=summary.units,
        officers=summary.officers,
        path=path,
        seconds=decimal_text(summary.seconds),
    )
    console.print(done, markup=False)


def _case_count(database: sqlite_utils.Database) -> int:
    return int(database.execute("SELECT count(*) FROM cases").fetchone()[0])
