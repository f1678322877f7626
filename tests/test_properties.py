"""Property-based tests of what takes bytes from outside (sync bodies and pages, the server's push
endpoint, import files): any input gives a result or
a clear error, never a crash and never a partial write. (The search query parser has its own in
tests/test_search_query.py.)"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from db import open_database, write_transaction
from desk.errors import DeskError
from desk.importing import ImportOptions, import_files
from desk.sync.apply import BadChange
from desk.sync.pull import store_changes
from desk.sync.transport import decode_body
from tests.conftest import ADMIN, make_office, new_case

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
CASE_KEYS = st.sampled_from(
    [
        "local_id",
        "title",
        "body",
        "status",
        "version",
        "received_at",
        "updated_at",
        "unit_code",
        "tracking_no",
        "anonymous",
        "reporter",
        "due_at",
        "duplicate_of",
        "classification",
    ]
)
CASES = st.dictionaries(CASE_KEYS, JSON, max_size=10)
CHANGES = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "case": CASES,
                "events": st.lists(
                    st.dictionaries(st.text(max_size=8), JSON, max_size=5), max_size=3
                ),
            }
        ),
        st.fixed_dictionaries({"gone": JSON}),
        JSON,
    ),
    max_size=3,
)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite_utils.Database]:
    database = open_database(Path(tmp_path_factory.mktemp("props")) / "desk.db")
    make_office(database)
    new_case(database)
    yield database
    database.conn.close()


def fingerprint(database: sqlite_utils.Database) -> tuple[Any, ...]:
    return tuple(
        database.execute(f"SELECT count(*), max(rowid) FROM {table}").fetchone()
        for table in ("cases", "events", "reporters", "units", "officers", "sync_state")
    )


@SETTINGS
@given(raw=st.binary(max_size=300), encoding=st.sampled_from(["gzip", "zstd", "identity", "br"]))
def test_any_body_inflates_or_is_refused_clearly(raw: bytes, encoding: str) -> None:
    try:
        decode_body(raw, encoding)
    except ValueError as error:
        assert str(error)


@SETTINGS
@given(text=st.text(max_size=200))
def test_a_truncated_gzip_body_is_always_refused(text: str) -> None:
    whole = gzip.compress(text.encode())
    assert decode_body(whole, "gzip") == text.encode()
    with pytest.raises(ValueError):
        decode_body(whole[: len(whole) - 1], "gzip")


@SETTINGS
@given(changes=CHANGES, reference=st.one_of(st.none(), JSON))
def test_any_page_of_changes_applies_or_is_refused_whole(
    desk: sqlite_utils.Database, changes: list[Any], reference: Any
) -> None:
    before = fingerprint(desk)
    body: dict[str, Any] = {"reference": reference, "changes": changes}
    try:
        with write_transaction(desk):
            store_changes(desk, body.get("reference"), changes)
            raise _Undo  # keep the module's database as it was for the next example
    except _Undo:
        pass
    except BadChange as error:
        assert str(error)
    assert fingerprint(desk) == before  # refused or undone: nothing half written


class _Undo(Exception):
    pass


@SETTINGS
@given(
    content=st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400).map(str.encode),
        st.lists(
            st.dictionaries(
                st.sampled_from(["No Tiket", "Judul", "Isi", "Status", "NIK", "Tanggal"]),
                st.text(max_size=20),
                max_size=6,
            ),
            max_size=5,
        ).map(lambda rows: "\n".join(json.dumps(row) for row in rows).encode()),
    ),
    suffix=st.sampled_from([".csv", ".jsonl", ".json", ".txt"]),
)
@example(content=b"Judul;Isi\nJalan\x8d;rusak\n", suffix=".csv")  # a byte Windows-1252 lacks
@example(content=b"PK\x03\x04", suffix=".csv")  # a (broken) workbook named .csv
def test_any_file_imports_or_is_refused_clearly(
    tmp_path_factory: pytest.TempPathFactory, content: bytes, suffix: str
) -> None:
    folder = tmp_path_factory.mktemp("import")
    database = open_database(folder / "desk.db")
    make_office(database)
    file = folder / f"input{suffix}"
    file.write_bytes(content)
    try:
        summary = import_files(
            database, [file], ImportOptions(errors_path=folder / "errors.csv"), actor=ADMIN
        )
    except DeskError as error:
        assert str(error)
        assert database.execute("SELECT count(*) FROM cases").fetchone()[0] == 0
    else:
        cases = database.execute("SELECT count(*) FROM cases").fetchone()[0]
        assert cases == summary.total("inserted")  # every row counted is stored, only those
    assert database.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    database.conn.close()


OPS = st.lists(
    st.one_of(
        st.dictionaries(
            st.sampled_from(["id", "c", "k", "v", "p", "a", "t", "x"]), JSON, max_size=8
        ),
        JSON,
    ),
    max_size=4,
)


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    from desk.central.testing import running_server
    from tests.test_central_feed import build

    path = Path(tmp_path_factory.mktemp("central")) / "central.db"
    database, tokens = build(path)
    database.conn.close()
    with running_server(path, rate=1000.0, burst=1000) as url:
        yield url, tokens["pupr"]


@SETTINGS
@given(
    payload=st.one_of(
        st.binary(max_size=200),
        OPS.map(lambda ops: json.dumps({"ops": ops}).encode()),
        JSON.map(lambda value: json.dumps(value).encode()),
    ),
    encoding=st.sampled_from(["", "gzip", "zstd", "deflate"]),
)
def test_the_server_answers_any_push_with_a_receipt_or_a_typed_error(
    central: tuple[str, str], payload: bytes, encoding: str
) -> None:
    import httpx

    url, token = central
    headers = {"Authorization": f"Bearer {token}"}
    if encoding:
        headers["Content-Encoding"] = encoding
    response = httpx.post(url + "/sync/v1/push", content=payload, headers=headers, timeout=10)
    assert response.status_code < 500, response.text
    assert response.json()["type"] in ("desk-sync/receipt", "desk-sync/error")
