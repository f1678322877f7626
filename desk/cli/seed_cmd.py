"""`desk seed`: fill a database with realistic demo or benchmark cases."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from desk.cli.common import (
    AsOption,
    DbOption,
    chosen_officer,
    console,
    database_path_for,
    open_for_command,
    sign_in_officer,
)
from desk.i18n import count_text, decimal_text, t


def seed(
    ctx: typer.Context,
    cases: Annotated[int, typer.Option("--cases", min=0, help="How many cases to add.")] = 1000,
    db: DbOption = None,
    seed_value: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")
    ] = 1,
    as_nip: AsOption = None,
) -> None:
    """Add deterministic, realistic cases (with units and officers) to a database, creating it.

    A database that already has officers is seeded only by an admin who signs in (--as).
    """
    from desk.seed import check_may_seed, seed_database

    database = open_for_command(ctx, db, must_exist=False)
    path = database_path_for(ctx, db)
    actor = sign_in_officer(database, path, chosen_officer(ctx, as_nip), empty_database_ok=True)
    check_may_seed(database, actor)
    with Progress(
        TextColumn(t("cli.seed.progress")),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("seed", total=cases)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        summary = seed_database(
            database,
            cases,
            seed=seed_value,
            progress=advance,
            actor_nip=actor.nip if actor else None,
        )
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
