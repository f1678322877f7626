"""`desk sync verify [--repair] [--json]`: is the desk the same as the central system?

Exit status: 0 identical (after the repair, with `--repair`; cases waiting to be sent are not
compared and do not count), 1 differences remain, 2 the comparison could not be made (no remote,
token refused, server or link trouble).
"""

from __future__ import annotations

import json
from typing import Annotated, NoReturn

import typer

from desk.cli.common import (
    DbOption,
    console,
    database_path_for,
    error_console,
    open_for_command,
    plain,
)
from desk.cli.sync_cmd import JsonOption, sync_app
from desk.i18n import count_text, decimal_text, extend, t
from desk.sync import verify_texts as _texts  # noqa: F401  (registers the texts)
from desk.sync.errors import NotConfigured, SyncError
from desk.sync.remote import load_remote
from desk.sync.run import size_text
from desk.sync.transport import RetryPolicy
from desk.sync.verify import Difference, VerifyResult, verify_remote

extend(
    {
        "help.sync.verify": (
            "Bandingkan desk dengan server pusat untuk kantor ini (yang dibandingkan digest, "
            "bukan kasus utuh).",
            "Compare the desk with the central system for this office (digests, not whole cases).",
        ),
        "help.sync.verify.repair": (
            "Ambil salinan pusat dari setiap kasus yang berbeda.",
            "Fetch the central copy of every case that differs.",
        ),
    }
)

POLICY = RetryPolicy()  # as `desk sync` (tests make it fast)


@sync_app.command("verify", help=t("help.sync.verify"))
def sync_verify(
    ctx: typer.Context,
    repair: Annotated[
        bool,
        typer.Option("--repair", help=t("help.sync.verify.repair")),
    ] = False,
    json_out: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Compare the desk with the central system for this office (digests, not whole cases)."""
    database = open_for_command(ctx, db)
    try:
        remote = load_remote(database, database_path_for(ctx, db))
    except NotConfigured as error:
        _fail(str(error), json_out)
    try:
        result = verify_remote(database, remote, repair=repair, policy=POLICY)
    except SyncError as error:  # link, token, server: a clear line, never a traceback
        _fail(t("sync.verify.failed", reason=error), json_out)
    if json_out:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
    else:
        _print(result, repair)
    raise typer.Exit(result.exit_code)


def _fail(message: str, json_out: bool) -> NoReturn:
    if json_out:
        typer.echo(json.dumps({"identical": False, "error": message}, ensure_ascii=False))
    error_console.print(plain(f"desk: {message}"), soft_wrap=True)
    raise typer.Exit(2)


def describe(difference: Difference) -> str:
    """ "differs: status (desk selesai, central diproses)", "missing on the desk"..."""
    if difference.kind == "missing" and difference.desk.get("read_only"):
        return t("sync.verify.missing_gone")
    if difference.kind != "differs":
        return t(f"sync.verify.{difference.kind}")
    parts = [
        t(
            "sync.verify.value",
            field=t(f"sync.verify.field.{name}"),
            desk=_value(difference.desk.get(name)),
            central=_value(difference.central.get(name)),
        )
        for name in difference.fields
    ]
    return t("sync.verify.differs", what="; ".join(parts))


def _value(value: object) -> str:
    return t("sync.verify.none") if value is None else str(value)


def _print(result: VerifyResult, repair: bool) -> None:
    for difference in result.differences:
        console.print(plain(f"{difference.label}  {describe(difference)}"), soft_wrap=True)
    for case in result.pending:
        line = f"{case.label}  {t('sync.verify.pending', count=case.ops)}"
        console.print(plain(line), soft_wrap=True)
    if not result.differences:
        summary = t("sync.verify.identical", compared=count_text(result.compared))
    elif repair and not result.remaining:
        summary = t("sync.verify.repaired", count=count_text(result.repaired))
    elif repair:
        summary = t(
            "sync.verify.still",
            count=count_text(result.repaired),
            remaining=count_text(len(result.remaining)),
        )
    else:
        summary = t(
            "sync.verify.different",
            count=count_text(len(result.differences)),
            compared=count_text(result.compared),
            central=count_text(result.central),
        )
    console.print(plain(summary), soft_wrap=True)
    if repair and result.remaining and result.remaining != result.differences:
        for difference in result.remaining:
            console.print(plain(f"{difference.label}  {describe(difference)}"), soft_wrap=True)
    if result.pending:
        console.print(plain(t("sync.verify.pending_count", count=len(result.pending))))
    if result.local_only:
        console.print(plain(t("sync.verify.local_only", count=result.local_only)))
    cost = t(
        "sync.verify.cost",
        requests=result.requests,
        up=size_text(result.bytes_up),
        down=size_text(result.bytes_down),
        seconds=decimal_text(result.seconds),
    )
    console.print(plain(cost), soft_wrap=True)
    if result.remaining and not repair:
        console.print(plain(t("sync.verify.hint")), soft_wrap=True)
