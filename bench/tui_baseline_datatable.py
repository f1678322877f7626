"""Baseline for the TUI benchmark: the usual way, every row loaded into a `DataTable`.

    python bench/tui_baseline_datatable.py [--db bench/out/core.db] [--rows 100000]

On mount it reads `--rows` cases from the desk database (the columns the inbox shows, the
reporter's name through a LEFT JOIN, in the inbox's deadline order) and loads them all with
`DataTable.add_rows`, each cell a plain `rich.text.Text` (never parsed as markup, so hostile
titles neither crash it nor change what it shows). It is what bench/bench_tui.py compares `desk`
against; nothing of desk's own code is used.

Signals for the harness (all optional; without them it is an ordinary app that you quit with
ctrl+q):

- `BENCH_T0`: the harness's `time.time()` just before it spawned this process;
- `BENCH_MARK_FILE`: where to append JSON lines — when the rows are read, when they are added,
  and "first_screen" once the table has been drawn with its rows (elapsed seconds since BENCH_T0,
  and the process's peak RSS, VmHWM, in kB);
- `BENCH_HOLD`: stay open this many seconds after the first screen (the harness kills it sooner);
  without it the app exits as soon as the first screen is marked.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

ROOT = Path(__file__).resolve().parent.parent

COLUMNS = ("Nomor", "Status", "Kategori", "Unit", "Judul", "Pelapor", "Kanal", "Diterima")
QUERY = (
    "SELECT c.tracking_no, c.status, c.category, c.unit_code, c.title, r.name, c.channel, "
    "c.received_at FROM cases AS c LEFT JOIN reporters AS r ON r.case_id = c.id "
    "ORDER BY c.due_sort, c.id LIMIT ?"
)


def vm_hwm_kb(pid: int | str = "self") -> int | None:
    """Peak resident set size of a process, in kB (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def read_rows(db_path: Path, limit: int) -> list[tuple[Text, ...]]:
    """`limit` cases as rows of Text cells, in the inbox's deadline order."""
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return [
            tuple(Text("" if value is None else str(value)) for value in row)
            for row in connection.execute(QUERY, [limit])
        ]
    finally:
        connection.close()


class BaselineApp(App[None]):
    """A DataTable holding every row, loaded on mount."""

    TITLE = "baseline: DataTable.add_rows"

    def __init__(
        self,
        db_path: Path,
        rows: int = 100_000,
        *,
        on_first_screen: Callable[[BaselineApp], None] | None = None,
    ) -> None:
        super().__init__()
        self.db_path = db_path
        self.limit = rows
        self.on_first_screen = on_first_screen
        self.started = time.perf_counter()
        self.times: dict[str, float] = {}  # seconds since __init__, for in-process runs

    def compose(self) -> ComposeResult:
        yield DataTable(id="cases", cursor_type="row", zebra_stripes=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        rows = read_rows(self.db_path, self.limit)
        self.times["read"] = time.perf_counter() - self.started
        mark("read", rows=len(rows))
        table.add_rows(rows)
        self.times["added"] = time.perf_counter() - self.started
        mark("added", rows=table.row_count)
        table.focus()
        self.call_after_refresh(self._first_screen)

    def _first_screen(self) -> None:
        self.times["first_screen"] = time.perf_counter() - self.started
        mark("first_screen", rows=self.query_one(DataTable).row_count)
        if self.on_first_screen is not None:
            self.on_first_screen(self)
            return
        hold = os.environ.get("BENCH_HOLD")
        if hold:
            self.set_timer(float(hold), self._exit_marked)
        elif os.environ.get("BENCH_MARK_FILE"):
            self._exit_marked()

    def _exit_marked(self) -> None:
        mark("exit")
        self.exit()


def mark(event: str, **fields: Any) -> None:
    """Append one JSON line to $BENCH_MARK_FILE (elapsed since $BENCH_T0, peak RSS)."""
    path = os.environ.get("BENCH_MARK_FILE")
    if not path:
        return
    t0 = os.environ.get("BENCH_T0")
    record = {
        "event": event,
        "elapsed": time.time() - float(t0) if t0 else None,
        "vm_hwm_kb": vm_hwm_kb(),
        "pid": os.getpid(),
        **fields,
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "core.db")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"no database at {args.db}")
    mark("start")
    BaselineApp(args.db, args.rows).run()


if __name__ == "__main__":
    main()
