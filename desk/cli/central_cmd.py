"""`desk central`: run the reference central server and manage the offices that sync with it."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import sqlite_utils
import typer
from rich.table import Table

from desk.cli.common import console, error_console, plain
from desk.errors import DeskError
from desk.i18n import t

app = typer.Typer(
    help="The reference central server that field desks sync with.", no_args_is_help=True
)
office_app = typer.Typer(help="The offices (one desk, one token each).", no_args_is_help=True)
app.add_typer(office_app, name="office")

# The central database is never the desk's own: no default, so that one cannot be turned into
# the other by a forgotten option.
CentralDb = Annotated[
    Path,
    typer.Option(
        "--db",
        envvar="DESK_CENTRAL_DB",
        help="The central database file (or $DESK_CENTRAL_DB).",
        show_default=False,
    ),
]


def _open(path: Path, *, must_exist: bool = True) -> sqlite_utils.Database:
    from desk.central.store import open_central

    path = path.expanduser()
    if must_exist and not path.exists():
        raise DeskError(t("central.no_database", path=path))
    return open_central(path)


@app.command("serve")
def serve(
    db: CentralDb,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8765,
    rate: Annotated[
        float, typer.Option("--rate", min=0.01, help="Requests per second per office.")
    ] = 5.0,
    burst: Annotated[int, typer.Option("--burst", min=1, help="Requests at once per office.")] = 60,
) -> None:
    """Serve the sync protocol (docs/sync-protocol.md) over HTTP until Ctrl+C."""
    import uvicorn

    from desk.central.app import create_app

    path = db.expanduser()
    _open(path, must_exist=False).conn.close()  # create and migrate before listening
    try:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as error:
        raise DeskError(
            t("central.serve.port_busy", host=host, port=port, error=error.strerror or error)
        ) from None
    error_console.print(t("central.serve.start", host=host, port=port, path=path), markup=False)
    app_ = create_app(path, rate=rate, burst=burst)
    config = uvicorn.Config(
        app_, log_level="info", lifespan="on", server_header=False, date_header=False
    )
    uvicorn.Server(config).run(sockets=[sock])


@office_app.command("add")
def office_add(
    name: Annotated[str, typer.Argument(help="The office's name, e.g. pupr-samarinda.")],
    db: CentralDb,
    units: Annotated[
        list[str] | None, typer.Option("--unit", help="A unit code of the office (repeat).")
    ] = None,
    coordinator: Annotated[
        bool,
        typer.Option(
            "--coordinator",
            help="A coordinating office: works every case (its admins verify and dispose new "
            "reports to any unit) and sees the reporters of Anonim cases.",
        ),
    ] = False,
) -> None:
    """Register an office and print its token: once, now, never again."""
    from desk.central.store import add_office

    database = _open(db, must_exist=False)
    token = add_office(database, name, units or [], coordinator=coordinator)
    shown = ", ".join(sorted(units or []))
    error_console.print(t("central.office.added", name=name, units=shown), markup=False)
    # The token alone on stdout, so that `... > office.token` saves exactly it.
    typer.echo(token)
    error_console.print(t("central.office.hint"), markup=False)


@office_app.command("list")
def office_list(db: CentralDb) -> None:
    """List the offices, their units and whether their token is revoked (never the token)."""
    from desk.central.store import list_offices

    offices = list_offices(_open(db))
    if not offices:
        console.print(t("central.office.none"), markup=False)
        return
    table = Table(show_edge=False)
    for key in ("name", "units", "coordinator", "state"):
        table.add_column(t(f"central.office.col.{key}"))
    for office in offices:
        table.add_row(
            plain(office.name),
            plain(", ".join(office.units)),
            t("central.yes") if office.coordinator else t("central.no"),
            t("central.office.revoked_at", at=office.revoked_at)
            if office.revoked_at
            else t("central.office.active"),
        )
    console.print(table)


@office_app.command("revoke")
def office_revoke(
    name: Annotated[str, typer.Argument(help="The office whose token to revoke.")],
    db: CentralDb,
) -> None:
    """Revoke an office's token: its desk gets 401 from now on (its local work stays)."""
    from desk.central.store import revoke_office

    revoke_office(_open(db), name)
    console.print(t("central.office.revoked", name=name), markup=False)


@app.command("seed")
def seed(
    db: CentralDb,
    cases: Annotated[int, typer.Option("--cases", min=0, help="How many cases to add.")] = 1000,
    seed_value: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives the same data.")
    ] = 1,
) -> None:
    """Fill the central database from the seed generator (units, officers, cases)."""
    from desk.central.store import fill_event_uids
    from desk.seed import seed_database

    database = _open(db, must_exist=False)
    summary = seed_database(database, cases, seed=seed_value)
    uids = fill_event_uids(database)
    console.print(
        t(
            "central.seed.done",
            cases=summary.cases,
            events=summary.events,
            uids=uids,
            path=db.expanduser(),
        ),
        markup=False,
    )
