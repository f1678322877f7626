"""Lists on the terminal and in pipes: the identifying column (a case number, a NIP) is never
dropped or cut, whatever the width; a pipe or a file gets plain columns, no table drawing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

GAP = 3  # what a column costs beside its text in a SIMPLE_HEAD table (padding and separator)


def fitting(
    keys: Sequence[str],
    first: str,
    natural: dict[str, int],
    least: dict[str, int],
    width: int,
) -> list[str]:
    """The columns of `keys` to show in `width`: `first` always, then each in order while its
    least width (else its natural width) still fits; the result keeps the order of `keys`."""
    chosen = {first}
    used = natural[first]
    for key in keys:
        if key == first:
            continue
        need = least.get(key, natural[key])
        if used + GAP + need <= width:
            chosen.add(key)
            used += GAP + need
    return [key for key in keys if key in chosen]


def natural_widths(
    keys: Sequence[str], headers: dict[str, str], rows: Sequence[dict[str, Text]]
) -> dict[str, int]:
    return {
        key: max([Text(headers[key]).cell_len, *(row[key].cell_len for row in rows)])
        for key in keys
    }


def layout(
    shown: Sequence[str],
    natural: dict[str, int],
    least: dict[str, int],
    width: int,
    shrink: Sequence[str],
) -> dict[str, int]:
    """The width of each of the `shown` columns: their natural widths, the columns in `shrink`
    narrowed in that order (down to their least width) until the table fits in `width`."""
    widths = {key: natural[key] for key in shown}
    excess = sum(widths.values()) + GAP * (len(widths) - 1) - width
    for key in shrink:
        if excess <= 0:
            break
        if key in widths:
            cut = min(excess, max(widths[key] - least.get(key, widths[key]), 0))
            widths[key] -= cut
            excess -= cut
    return widths


def table(
    widths: dict[str, int],
    headers: dict[str, str],
    rows: Sequence[dict[str, Text]],
    settings: dict[str, dict[str, Any]],
) -> Table:
    """A borderless table whose columns have exactly the given widths (in that order), so that
    Rich never has to narrow or drop one."""
    drawn = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for key, column_width in widths.items():
        options: dict[str, Any] = {"overflow": "ellipsis", **settings.get(key, {})}
        options.update(no_wrap=True, width=column_width, min_width=None, max_width=None)
        drawn.add_column(headers[key], **options)
    for row in rows:
        drawn.add_row(*(row[key] for key in widths))
    return drawn


def plain_lines(
    keys: Sequence[str], headers: dict[str, str], rows: Sequence[dict[str, Text]]
) -> list[str]:
    """Aligned columns for a pipe or a file: a header line, then a line per row; nothing
    dropped or cut, two spaces between columns, "-" for an empty cell, no drawing characters."""
    widths = {key: max(width, 1) for key, width in natural_widths(keys, headers, rows).items()}
    lines: list[list[str]] = [[headers[key] for key in keys]]
    lines += [[row[key].plain or "-" for key in keys] for row in rows]  # no empty field
    return [
        "  ".join(_pad(cell, widths[key]) for key, cell in zip(keys, line, strict=True)).rstrip()
        for line in lines
    ]


def _pad(cell: str, width: int) -> str:
    return cell + " " * (width - Text(cell).cell_len)


def print_plain(console: Console, lines: Sequence[str]) -> None:
    for line in lines:
        console.print(Text(line), soft_wrap=True, highlight=False)
