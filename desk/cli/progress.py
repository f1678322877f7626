"""A progress bar on stderr for commands that take a while (seed, export)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from desk.cli.common import error_console

Advance = Callable[[int, int], None]  # (done, total)


@contextmanager
def progress_bar(label: str, *, enabled: bool = True) -> Iterator[Advance | None]:
    """Yields `advance(done, total)` for a bar on stderr when it is a terminal; None when it is
    not (scripts and pipes get no bar) or the bar is not wanted."""
    if not (enabled and error_console.is_terminal):
        yield None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=error_console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
