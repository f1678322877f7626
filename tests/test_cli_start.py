"""`desk case show` starts without what it does not need (issue 16, point 8): Typer's pydantic
converters (desk/cli/plain_params.py), sqlite-utils' plugin scan (every installed package's
metadata), the bulk loader. Measured in bench/bench_cli_start.py; here, what is imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from db import open_database
from tests.conftest import ADMIN, make_office, new_case


def test_case_show_imports_neither_pydantic_nor_package_metadata(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    database = open_database(path)
    make_office(database)
    new_case(database)  # #8112829
    database.conn.close()
    command = [sys.executable, "-X", "importtime", "-m", "desk.cli.main", "case", "show"]
    command += ["8112829", "--db", str(path), "--as", ADMIN.nip]
    env = {"DESK_CONFIG": str(tmp_path / "config.json"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "8112829" in result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    for module in ("pydantic", "importlib.metadata", "db.bulk_load", "httpx", "openpyxl"):
        assert module not in imported, module


def test_a_verb_of_a_group_is_made_without_its_sibling_verbs() -> None:
    """`desk case show` turns only `show` from Typer into Click (each verb costs ~1 ms), while
    `desk case --help` still lists every verb, in registration order, with the lazy ones."""
    from typer import _click

    from desk.cli.case_cmd import CaseGroup
    from desk.cli.commands import TOP_LEVEL, load

    group = load("case", TOP_LEVEL["case"])
    assert isinstance(group, CaseGroup)
    assert group.commands == {}
    context = _click.Context(group)
    show = group.get_command(context, "show")
    assert show is not None and show.name == "show"
    assert list(group.commands) == ["show"]
    listed = group.list_commands(context)
    assert listed[:3] == ["list", "show", "verify"]
    assert "new" in listed and "reporter-reply" in listed
    assert listed.count("show") == 1
