"""The central store boundary (desk/central/store_api.py): `open_store` by location, and
`--store` / $DESK_CENTRAL_STORE on `desk central` beside the older `--db` / $DESK_CENTRAL_DB."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from desk.central.store_api import (
    NoCentralDatabase,
    StoreUnavailable,
    open_store,
    shown_location,
)
from desk.cli.main import app


def test_a_path_and_a_sqlite_url_open_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "central.db"
    first = open_store(path)
    try:
        assert first.kind == "sqlite" and first.location == str(path)
        epoch = first.epoch()
    finally:
        first.close()
    second = open_store(f"sqlite:///{path}")  # an absolute path: sqlite:////tmp/...
    try:
        assert second.epoch() == epoch and second.healthy(1.0)
    finally:
        second.close()
    assert not second.healthy(1.0)  # closed: not healthy, and no exception


def test_a_missing_file_is_named_not_made_when_it_must_exist(tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    with pytest.raises(NoCentralDatabase, match=r"none\.db"):
        open_store(missing, create=False)
    assert not missing.exists()


@pytest.mark.parametrize(
    "location",
    ["postgresql://desk:s3cret@127.0.0.1:1/central", "postgres://desk:s3cret@127.0.0.1:1/central"],
)
def test_an_unreachable_postgresql_store_is_one_clear_error_without_its_password(
    location: str, tmp_path: Path
) -> None:
    with pytest.raises(StoreUnavailable, match="PostgreSQL") as refused:
        open_store(location, files=tmp_path)
    assert "s3cret" not in str(refused.value) and "***" in str(refused.value)
    assert "127.0.0.1:1" in str(refused.value)


def test_an_unknown_kind_of_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable):
        open_store("mysql://db.example/central")


def test_shown_location_hides_only_the_password() -> None:
    assert (
        shown_location("postgresql://desk:pw@h:5432/c?x=1") == "postgresql://desk:***@h:5432/c?x=1"
    )
    assert shown_location("postgresql://h/c") == "postgresql://h/c"
    assert shown_location("/srv/central.db") == "/srv/central.db"


def test_every_verb_takes_store_and_its_environment_variable(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "central.db"
    seeded = runner.invoke(app, ["central", "seed", "--cases", "0", "--store", str(path)])
    assert seeded.exit_code == 0, seeded.output
    added = runner.invoke(
        app,
        ["central", "office", "add", "hub", "--unit", "PUPR"],
        env={"DESK_CENTRAL_STORE": f"sqlite:///{path}"},
    )
    assert added.exit_code == 0, added.output
    listed = runner.invoke(
        app, ["--lang", "en", "central", "office", "list"], env={"DESK_CENTRAL_DB": str(path)}
    )
    assert listed.exit_code == 0 and "hub" in listed.output
    refused = runner.invoke(
        app, ["--lang", "en", "central", "office", "list", "--store", "postgresql://h/c"]
    )
    assert refused.exit_code == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "PostgreSQL" in lines[0]


def test_libpq_key_value_settings_are_refused_not_made_into_a_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--store "host=db dbname=central"` once made and served an empty SQLite file of that
    name: it is PostgreSQL's other spelling, and the message says which one to use."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreUnavailable, match="postgresql://") as refused:
        open_store("host=127.0.0.1 dbname=central user=desk password=s3cret")
    assert "s3cret" not in str(refused.value)
    assert list(tmp_path.iterdir()) == []
