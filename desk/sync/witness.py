"""The desk's side of the audit witness (docs/sync-protocol.md, "Audit witness").

At a sync whose audit chain head differs from the last one the central system witnessed, the
first push or changes request carries the head (`X-Desk-Audit`), with the hash the chain holds
now at the seq of the last receipt (the proof that it extends what was witnessed). The answer's
`X-Desk-Witness` is stored as the desk's receipt (`sync_state`), an alarm the server raised too.
An idle sync (the head unchanged) sends nothing more: still one 304.

The head rides on requests that are made anyway rather than on a request of its own: a round
trip over GPRS costs more than the ~110 bytes up and ~60 down it adds. It is put on the request
by an httpx event hook of the sync's client (`ride`), so the push and the pull need not know;
the bytes of the header are added to the sync's count.

`desk audit verify` compares the chain with the receipt (db/audit.py `check_witness`) and, when
a remote is set and answers, with the head the server itself holds (`ask_central`), so that
deleting or editing the receipts in the file does not help.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import sqlite_utils

from db import audit, write_transaction
from db.timefmt import to_text, utc_now
from desk.central.witness import (
    RECEIPT_HEADER,
    REPORT_HEADER,
    Head,
    Statement,
    hash_text,
    parse_receipt,
    report_value,
)
from desk.i18n import t
from desk.sync import state
from desk.sync import texts as _texts  # noqa: F401  (registers the texts)
from desk.sync.remote import load_remote
from desk.sync.transport import RetryPolicy, Timeouts, Transport

log = logging.getLogger("desk.sync")

RECEIPT_KEY = "audit_witness"  # sync_state: the last statement of the central system (JSON)
ALARM_KEY = "audit_witness_alarm"  # sync_state: the last alarm it told this desk of (JSON)
RIDES_ON = ("/sync/v1/push", "/sync/v1/changes")
WITNESS_PATH = "/sync/v1/witness"
_HOOK_MARK = "_desk_audit_witness"


@dataclass(frozen=True)
class Receipt:
    """What the central system told this desk it has witnessed (entry `seq` with `hash` at
    `at`), with the server's tag, and `status` of that answer (ok, prove, alarm)."""

    status: str
    seq: int
    hash: str
    at: str
    unix: int
    tag: str
    received_at: str

    def witness(self) -> audit.Witness:
        return audit.Witness(self.seq, self.hash, self.at)

    def shown(self) -> str:
        """The receipt as the server reads it back (`?receipt=`)."""
        return f"{self.seq}.{hash_text(self.hash)}.{self.unix}.{self.tag}"


def _from_statement(statement: Statement, received_at: str) -> Receipt:
    return Receipt(
        statement.status,
        statement.seq,
        statement.hash,
        statement.at_text,
        statement.at,
        statement.tag,
        received_at,
    )


def stored_receipt(database: sqlite_utils.Database) -> Receipt | None:
    """The last receipt this desk stored; None without one (or one that cannot be read)."""
    text = state.get(database, RECEIPT_KEY)
    if not text:
        return None
    try:
        data = json.loads(text)
        return Receipt(
            str(data["status"]),
            int(data["seq"]),
            str(data["hash"]),
            str(data["at"]),
            int(data["unix"]),
            str(data["tag"]),
            str(data["received_at"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def stored_alarm(database: sqlite_utils.Database) -> dict[str, Any] | None:
    """The alarm the central system last told this desk of, until it answers `ok` again."""
    text = state.get(database, ALARM_KEY)
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def alarm_text(database: sqlite_utils.Database) -> str | None:
    """What the officer must read after a sync while the central system holds an alarm about
    this desk's audit chain (`desk sync`, the TUI); None without one."""
    alarm = stored_alarm(database)
    if alarm is None:
        return None
    at = str(alarm.get("at") or "-").replace("T", " ").replace("Z", " UTC")
    return t("sync.audit_alarm", seq=alarm.get("seq", "?"), at=at)


def report(database: sqlite_utils.Database) -> tuple[Head, Head | None] | None:
    """The head to report and its proof, or None when it is the head last witnessed."""
    seq, digest = audit.head(database)
    receipt = stored_receipt(database)
    if receipt is not None and (receipt.seq, receipt.hash) == (seq, digest):
        return None
    base: Head | None = None
    if receipt is not None and receipt.seq < seq:
        held = audit.hash_at(database, receipt.seq)
        if held is not None:
            base = Head(receipt.seq, held)
    return Head(seq, digest), base


def store(database: sqlite_utils.Database, statement: Statement, now: datetime) -> Receipt:
    """Keep the central system's statement as this desk's receipt, and an alarm it told."""
    receipt = _from_statement(statement, to_text(now))
    with write_transaction(database):
        state.put(database, RECEIPT_KEY, json.dumps(receipt.__dict__, separators=(",", ":")))
        if statement.status == "alarm":
            head_seq, _digest = audit.head(database)
            told = {"seq": statement.seq, "at": receipt.at, "told_at": receipt.received_at}
            state.put(database, ALARM_KEY, json.dumps({**told, "head": head_seq}))
        elif statement.status == "ok":
            database.execute("DELETE FROM sync_state WHERE key = ?", [ALARM_KEY])
    return receipt


@dataclass
class _Rider:
    """One sync's witness: whether a report is still to go, and the one in flight."""

    database: sqlite_utils.Database
    transport: Transport
    clock: Callable[[], datetime]
    pending: bool = True
    in_flight: tuple[Head, Head | None] | None = None

    def on_request(self, request: httpx.Request) -> None:
        if not self.pending or not request.url.path.endswith(RIDES_ON):
            return
        try:
            wanted = report(self.database)
        except Exception:  # the witness never stops a sync
            log.exception("audit witness: cannot read the chain head")
            wanted = None
        if wanted is None:
            self.pending = False
            return
        value = report_value(*wanted)
        request.headers[REPORT_HEADER] = value
        # Added after the transport counted the request's headers: counted here.
        self.transport.counters.bytes_up += len(REPORT_HEADER) + 2 + len(value) + 2
        self.in_flight = wanted

    def on_response(self, response: httpx.Response) -> None:
        if self.in_flight is None:
            return
        (sent, base), self.in_flight = self.in_flight, None
        value = response.headers.get(RECEIPT_HEADER)
        if value is None:
            # A server that does not witness, or one that did not get as far (busy, failing):
            # the retry or the next request tries again only in the second case.
            status = response.status_code
            self.pending = status >= 500 or status in (408, 429)
            return
        try:
            statement = parse_receipt(value, sent)
        except ValueError:
            self.pending = False
            return
        try:
            store(self.database, statement, self.clock())
        except Exception:  # the witness never stops a sync
            log.exception("audit witness: cannot store the receipt")
            self.pending = False
            return
        # Asked to prove the chain extends an older head than the one this report proved:
        # the next request carries it (the receipt now names that seq).
        proved = base.seq if base is not None else None
        self.pending = statement.status == "prove" and statement.seq != proved


def ride(
    database: sqlite_utils.Database,
    transport: Transport,
    clock: Callable[[], datetime] = utc_now,
) -> None:
    """Have this sync's first push or changes request report the audit head when it changed
    since the last receipt (docs/sync-protocol.md, "Audit witness")."""
    rider = _Rider(database, transport, clock)
    try:
        rider.pending = report(database) is not None
    except Exception:  # the witness never stops a sync
        log.exception("audit witness: cannot read the chain head")
        return
    client = transport._client  # the sync's own client (its hooks)
    hooks = client.event_hooks
    for kind in ("request", "response"):  # a client used for an earlier sync: its rider goes
        hooks[kind] = [hook for hook in hooks[kind] if not getattr(hook, _HOOK_MARK, False)]
    request_hook, response_hook = _marked(rider.on_request), _marked(rider.on_response)
    hooks["request"].append(request_hook)
    hooks["response"].append(response_hook)
    client.event_hooks = hooks


def _marked(method: Callable[[Any], None]) -> Callable[[Any], None]:
    def hook(message: Any) -> None:
        method(message)

    setattr(hook, _HOOK_MARK, True)
    return hook


# Asking the central system (desk audit verify) -------------------------------------------------


@dataclass(frozen=True)
class CentralView:
    """What the central system holds for this desk's office."""

    url: str
    head: audit.Witness | None
    alarms: list[dict[str, Any]]
    receipt_genuine: bool | None  # the stored receipt is one the server gave (None: none sent)


def ask_central(
    database: sqlite_utils.Database,
    db_path: Path,
    *,
    client: httpx.Client | None = None,
    timeout: float = 10.0,
) -> CentralView:
    """The head the server witnessed for this office (`GET /sync/v1/witness`), in one attempt.
    Raises `NotConfigured` without a remote, and a `SyncError` when it cannot be asked."""
    remote = load_remote(database, db_path)
    receipt = stored_receipt(database)
    transport = Transport(
        remote,
        client=client,
        policy=RetryPolicy(attempts=1),
        timeouts=Timeouts(connect=timeout, read=timeout, write=timeout),
    )
    try:
        reply = transport.call(
            "GET",
            WITNESS_PATH,
            expect="desk-sync/witness",
            params={"receipt": receipt.shown()} if receipt else None,
        )
    finally:
        transport.close()
    body = reply.body or {}
    head = body.get("head")
    witness = None
    if isinstance(head, dict):
        witness = audit.Witness(int(head["seq"]), str(head["hash"]), str(head["at"]))
    alarms = [alarm for alarm in body.get("alarms") or [] if isinstance(alarm, dict)]
    genuine = body.get("receipt")
    return CentralView(
        remote.url, witness, alarms, bool(genuine) if isinstance(genuine, bool) else None
    )
