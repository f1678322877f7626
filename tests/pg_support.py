"""PostgreSQL for tests: `pg_dsn`, a fresh database per test on a real server, dropped after.

    from tests.pg_support import pg_dsn  # noqa: F401  (the fixture)

    def test_something(pg_dsn: str) -> None:
        with psycopg.connect(pg_dsn) as conn: ...

The server is `$DESK_TEST_PG` (a libpq URL or key=value string naming a database the test user
may connect to and create databases from), by default
`postgresql://postgres@127.0.0.1:5432/postgres`. Each test gets `CREATE DATABASE
desk_test_<random>` there, and the database is dropped (its connections closed first) when the
test ends, whatever happened in it.

When the server cannot be reached, or psycopg is not installed, the test is skipped with one
reason ("PostgreSQL not reachable at ...; set DESK_TEST_PG"), unless `DESK_REQUIRE_POSTGRES=1`:
then it fails with that reason. CI sets it, so that CI never passes by skipping these tests.
The server is tried once per test session: a missing server costs one connection attempt.

`central_store` runs a test on both central stores: a SQLite file, then a fresh PostgreSQL
database (as a `postgresql://` URL, with $DESK_CENTRAL_FILES set to a folder of the test's for
the attachment contents), so that `running_server(central_store)` and
`prepare_central(central_store)` work unchanged on either:

    from tests.pg_support import central_store  # noqa: F401  (the fixture)

Every PostgreSQL test is marked `postgresql` (`pytestmark = POSTGRESQL` in a module of them;
the fixture marks its own PostgreSQL run), so that `pytest -m "not postgresql"` runs the
SQLite ones only.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import pytest

SERVER_ENV = "DESK_TEST_PG"
REQUIRE_ENV = "DESK_REQUIRE_POSTGRES"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_PREFIX = "desk_test_"
CONNECT_TIMEOUT = 3  # seconds: a host that drops packets is "not reachable" soon enough

_unreachable: str | None = None  # the reason, once the server was found missing this session

POSTGRESQL = pytest.mark.postgresql  # `-m "not postgresql"` deselects these tests


def server_dsn() -> str:
    """The server the tests use: `$DESK_TEST_PG` or the default."""
    return os.environ.get(SERVER_ENV, "").strip() or DEFAULT_SERVER


def required() -> bool:
    """Whether a missing server fails the tests (`DESK_REQUIRE_POSTGRES=1`, as in CI)."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in ("1", "true", "yes")


def shown(dsn: str) -> str:
    """Where the server is, for a message: never its password."""
    try:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(dsn)
    except Exception:  # psycopg missing, or not a conninfo at all: say only that it is set
        return "$DESK_TEST_PG" if os.environ.get(SERVER_ENV) else DEFAULT_SERVER
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = parts.get("host") or parts.get("hostaddr") or "localhost"
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname') or ''}"


def unavailable(reason: str) -> NoReturn:
    """Skip the test (fail it under `DESK_REQUIRE_POSTGRES=1`) for `reason`."""
    if required():
        pytest.fail(f"{reason} ({REQUIRE_ENV}=1)", pytrace=False)
    pytest.skip(reason)


def _connect_admin() -> Any:
    """An autocommit connection to the server's maintenance database, or the test's end."""
    global _unreachable
    where = shown(server_dsn())
    if _unreachable is not None:
        unavailable(_unreachable)
    try:
        import psycopg
    except ImportError:
        _unreachable = (
            f"psycopg is not installed, so PostgreSQL at {where} cannot be used "
            "(pip install -e '.[test]'); set DESK_TEST_PG"
        )
        unavailable(_unreachable)
    try:
        return psycopg.connect(server_dsn(), autocommit=True, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as error:
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        cause = lines[0] if lines else type(error).__name__
        _unreachable = f"PostgreSQL not reachable at {where}; set DESK_TEST_PG ({cause[:160]})"
        unavailable(_unreachable)


def database_dsn(name: str) -> str:
    """The server's connection string with the database `name` instead of its own."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(server_dsn(), dbname=name)


def drop_database(admin: Any, name: str) -> None:
    """Drop `name`, closing whatever connections are still on it (a test that died half-way)."""
    from psycopg import errors, sql

    try:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    except errors.SyntaxError:  # before PostgreSQL 13: no FORCE
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database on the test server for the block; yields its connection string."""
    admin = _connect_admin()  # first: it skips (or fails) the test when psycopg is missing
    from psycopg import sql

    name = f"{DATABASE_PREFIX}{secrets.token_hex(6)}"
    try:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield database_dsn(name)
        finally:
            drop_database(admin, name)
    finally:
        admin.close()


@pytest.fixture
def pg_dsn() -> Iterator[str]:
    """A fresh database for this test (dropped after it); skips, or fails in CI, without one."""
    with fresh_database() as dsn:
        yield dsn


def url_of(dsn: str) -> str:
    """A libpq connection string as a `postgresql://` URL (what `open_store` recognises),
    password included."""
    from urllib.parse import quote

    from psycopg.conninfo import conninfo_to_dict

    parts = {key: str(value) for key, value in conninfo_to_dict(dsn).items()}
    user, password = parts.pop("user", ""), parts.pop("password", "")
    credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    host = quote(parts.pop("host", ""), safe=",")
    port = f":{parts.pop('port')}" if "port" in parts else ""
    database = quote(parts.pop("dbname", ""), safe="")
    query = "&".join(f"{key}={quote(value, safe='')}" for key, value in sorted(parts.items()))
    return f"postgresql://{credentials + '@' if credentials else ''}{host}{port}/{database}" + (
        f"?{query}" if query else ""
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=POSTGRESQL)])
def central_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A central store's location, once per store: a SQLite file (not made yet), then a fresh
    PostgreSQL database's URL (empty; its schema is made when it is first opened)."""
    with central_location(request.param, tmp_path_factory.mktemp("central")) as location:
        yield location


@contextlib.contextmanager
def central_location(kind: str, folder: Path) -> Iterator[str]:
    """A new central store's location in `folder`, of `kind` ("sqlite" or "postgresql"): a
    SQLite file not made yet, or a fresh PostgreSQL database's URL, with its folder of
    attachment contents in `DESK_CENTRAL_FILES` (the database is dropped afterwards)."""
    if kind == "sqlite":
        yield str(folder / "central.db")
        return
    with fresh_database() as dsn, pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESK_CENTRAL_FILES", str(folder / "central.files"))
        yield url_of(dsn)


def central_query(location: str, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """The rows of `sql` (portable SQL, `?` placeholders) on the central store at `location`, of
    either kind: for tests that look at what a store holds beyond what its API answers."""
    if location.startswith(("postgresql:", "postgres:")):
        import psycopg

        with psycopg.connect(location) as conn:
            return [tuple(row) for row in conn.execute(sql.replace("?", "%s"), params)]
    import sqlite3

    path = location.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as database:
        return [tuple(row) for row in database.execute(sql, params)]


def central_execute(location: str, sql: str, params: Sequence[Any] = ()) -> int:
    """Run one writing statement (portable SQL, `?` placeholders) on a central store of either
    kind, committed; the rows it changed. For tests that tamper with a store on purpose."""
    if location.startswith(("postgresql:", "postgres:")):
        import psycopg

        with psycopg.connect(location) as conn:
            return conn.execute(sql.replace("?", "%s"), params).rowcount
    import sqlite3

    path = location.removeprefix("sqlite:///")
    with contextlib.closing(sqlite3.connect(path)) as database, database:
        return database.execute(sql, params).rowcount
