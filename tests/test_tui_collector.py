"""The TUI runs Python's full collections on a timer, between keys (desk/app.py: started in
the middle of a search they made it miss 50 ms, bench/README.md), and gives the process its
collector back as it was when it exits (a `desk` command may go on, tests run many apps)."""

from __future__ import annotations

import gc
from pathlib import Path

from db import open_database
from desk.app import FULL_PASS_NEVER, DeskApp
from tests.conftest import ADMIN, make_office, new_case


async def test_full_collections_wait_for_the_timer_and_the_collector_is_given_back(
    tmp_path: Path,
) -> None:
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    new_case(database)
    database.conn.close()
    before = gc.get_threshold()
    app = DeskApp(path, ADMIN, [], office_tz="Asia/Makassar")
    async with app.run_test() as pilot:
        await pilot.pause()
        assert gc.get_threshold() == (*before[:2], FULL_PASS_NEVER)
    assert gc.get_threshold() == before
