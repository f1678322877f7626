"""The audit witness (issue 15): the central system keeps the head of each desk's audit chain.

A desk's audit log is hash-chained, but the hashes are unkeyed: whoever holds the file can
delete its tail, or edit an entry and compute every hash again, and the chain still verifies.
So each desk reports its chain head (seq, hash) when it changed, riding on the first push or
changes request of a sync (header `X-Desk-Audit`), and the server keeps the last head it
witnessed per office (`audit_witness`). A later report must extend it:

- a head below the witnessed seq: the chain was cut (`truncated`);
- the same seq with another hash, or a longer chain whose entry at the witnessed seq is not the
  witnessed one (the desk proves it by sending that entry's hash with its head): the chain was
  rewritten (`rewritten`).

Either is recorded as an alarm (`audit_alarms`, once per divergence, counted when repeated),
written to the central audit log and the server's log, listed by `desk central audit alarms`,
and told to the desk; the request itself is served as usual: the public's complaints keep
flowing whatever a desk did to its audit log. The answer (`X-Desk-Witness`) states what the
server has witnessed, with a tag (HMAC-SHA256 under a key only the server holds) that lets the
server recognise the statement later (`GET /sync/v1/witness?receipt=...`).

Keeping only the latest head is enough: an entry's hash covers the previous hash, so the
witnessed head commits to every entry before it.

Wire format (docs/sync-protocol.md, "Audit witness"), hashes as base64url of their 32 bytes:

    X-Desk-Audit: <seq>.<hash>[.<seq at the last receipt>.<hash of that entry now>]
    X-Desk-Witness: <ok|prove|alarm>.<seq>.<unix time>.<tag>[.<hash>]   (or "bad")

The functions here are the protocol; the desk (desk/sync/witness.py) uses the same ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlite_utils

from db import audit, write_transaction
from db.timefmt import from_text, to_text

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from desk.central.store_api import CentralStore, Office

log = logging.getLogger("desk.central")

REPORT_HEADER = "X-Desk-Audit"
RECEIPT_HEADER = "X-Desk-Witness"
MAX_REPORT = 200  # characters of a report: two heads are 100
MAX_SEQ = 2**62
HASH_TEXT = 43  # base64url characters of 32 bytes, unpadded
TAG_BYTES = 16
KEY_NAME = "witness_key"  # central_meta
STATUSES = ("ok", "prove", "alarm")
_B64URL = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


# The wire format, the same on both sides ---------------------------------------------------


@dataclass(frozen=True)
class Head:
    """An entry of an audit chain: its seq and hash (64 hex digits; seq 0 is the genesis)."""

    seq: int
    hash: str


def hash_text(digest: str) -> str:
    """An entry hash on the wire: base64url of its 32 bytes. A stored hash that is not 64 hex
    digits (a damaged log) is sent as the SHA-256 of its text: it matches nothing witnessed."""
    try:
        raw = bytes.fromhex(digest)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raw = hashlib.sha256(digest.encode("utf-8", "replace")).digest()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def hash_from_text(text: str) -> str:
    """The 64 hex digits of a hash on the wire; ValueError when it is not one."""
    if len(text) != HASH_TEXT or not set(text) <= _B64URL:
        raise ValueError("a hash is 43 base64url characters")
    return base64.urlsafe_b64decode(text + "=").hex()


def _seq(text: str) -> int:
    if not text.isdigit() or len(text) > 19 or int(text) > MAX_SEQ:
        raise ValueError("a seq is a whole number")
    return int(text)


def report_value(head: Head, base: Head | None) -> str:
    """The value of `X-Desk-Audit`: the desk's head, and the hash its chain holds now at the
    seq of the last witnessed head it knows of (the proof that the chain extends it)."""
    value = f"{head.seq}.{hash_text(head.hash)}"
    if base is not None:
        value += f".{base.seq}.{hash_text(base.hash)}"
    return value


def parse_report(value: str) -> tuple[Head, Head | None]:
    """The head and the optional base of an `X-Desk-Audit` value; ValueError when malformed."""
    if len(value) > MAX_REPORT:
        raise ValueError("too long")
    parts = value.strip().split(".")
    if len(parts) not in (2, 4):
        raise ValueError("expected <seq>.<hash>[.<seq>.<hash>]")
    head = Head(_seq(parts[0]), hash_from_text(parts[1]))
    base = Head(_seq(parts[2]), hash_from_text(parts[3])) if len(parts) == 4 else None
    if base is not None and base.seq > head.seq:
        raise ValueError("the proof is beyond the head")
    return head, base


@dataclass(frozen=True)
class Statement:
    """What the server answers: `status`, and the head it has witnessed for the office (seq,
    hash, when), with its tag. `ok`: the head reported is witnessed now. `prove`: the report
    did not prove that the chain extends the witnessed head; send the hash of the entry at
    `seq`. `alarm`: the chain no longer holds the witnessed head; recorded centrally."""

    status: str
    seq: int
    hash: str
    at: int  # unix time, seconds
    tag: str

    @property
    def at_text(self) -> str:
        return to_text(datetime.fromtimestamp(self.at, UTC))


def receipt_value(statement: Statement, reported: Head) -> str:
    """The value of `X-Desk-Witness`; the hash is left out when it is the head reported."""
    value = f"{statement.status}.{statement.seq}.{statement.at}.{statement.tag}"
    if (statement.seq, statement.hash) != (reported.seq, reported.hash):
        value += f".{hash_text(statement.hash)}"
    return value


def parse_receipt(value: str, reported: Head) -> Statement:
    """The statement in an `X-Desk-Witness` value answering `reported`; ValueError when it is
    malformed (or `bad`: the server could not read the report)."""
    parts = value.strip().split(".")
    if len(parts) not in (4, 5) or parts[0] not in STATUSES:
        raise ValueError(f"not a witness receipt: {value[:60]!r}")
    seq, at = _seq(parts[1]), _seq(parts[2])
    if len(parts) == 5:
        digest = hash_from_text(parts[4])
    elif seq == reported.seq:
        digest = reported.hash
    else:
        raise ValueError("a receipt for another head without its hash")
    if len(parts[3]) > 32 or not set(parts[3]) <= _B64URL:
        raise ValueError("a bad tag")
    return Statement(parts[0], seq, digest, at, parts[3])


def stored_receipt_text(statement: Statement) -> str:
    """A statement as the desk shows it back (`GET /sync/v1/witness?receipt=`)."""
    return f"{statement.seq}.{hash_text(statement.hash)}.{statement.at}.{statement.tag}"


# The server's record ---------------------------------------------------------------------------

# `judge` is the decision, `statement_of` the answer and `alarm_raised` what an alarm tells,
# shared by every store; the functions taking a database are the SQLite store's reads and
# writes (desk/central/sqlite_store.py calls them; desk/central/pg_core.py has PostgreSQL's).


def receipt_key(database: sqlite_utils.Database) -> bytes:
    """The server's receipt key: 32 random bytes made the first time (central_meta). Call it
    inside a transaction."""
    row = database.execute("SELECT value FROM central_meta WHERE key = ?", [KEY_NAME]).fetchone()
    if row is None:
        database.execute(
            "INSERT OR IGNORE INTO central_meta (key, value) VALUES (?, ?)",
            [KEY_NAME, secrets.token_hex(32)],
        )
        row = database.execute(
            "SELECT value FROM central_meta WHERE key = ?", [KEY_NAME]
        ).fetchone()
    return bytes.fromhex(str(row[0]))


def make_tag(key: bytes, office: str, seq: int, digest: str, at: int) -> str:
    message = f"desk-audit-witness\0{office}\0{seq}\0{digest}\0{at}".encode()
    mac = hmac.new(key, message, hashlib.sha256).digest()[:TAG_BYTES]
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def _unix(text: str) -> int:
    return int(from_text(text).timestamp())


@dataclass(frozen=True)
class WitnessRecord:
    """The head the server has witnessed for an office, and when."""

    seq: int
    hash: str
    at: str


@dataclass(frozen=True)
class Judgement:
    """What a report means against the witnessed head (`judge`): the statement's `status`, the
    head it states (`witnessed`), whether that head is newly witnessed and must be stored
    (`store`), and the alarm to record, if any (`truncated` | `rewritten`)."""

    status: str
    witnessed: WitnessRecord
    store: bool = False
    alarm: str | None = None


def judge(record: WitnessRecord | None, head: Head, base: Head | None, at: str) -> Judgement:
    """The decision of `observe`, the same whatever the store: does `head` (with its proof
    `base`) extend what was witnessed (`record`)? `at`: now, as stored."""
    if record is None:
        return Judgement("ok", WitnessRecord(head.seq, head.hash, at), store=True)
    if head.seq < record.seq:
        return Judgement("alarm", record, alarm="truncated")
    if head.seq == record.seq:
        if not hmac.compare_digest(head.hash, record.hash):
            return Judgement("alarm", record, alarm="rewritten")
        return Judgement("ok", record)
    if base is None or base.seq != record.seq:
        return Judgement("prove", record)
    if not hmac.compare_digest(base.hash, record.hash):
        return Judgement("alarm", record, alarm="rewritten")
    return Judgement("ok", WitnessRecord(head.seq, head.hash, at), store=True)


def witness_record(database: sqlite_utils.Database, office: str) -> WitnessRecord | None:
    row = database.execute(
        "SELECT seq, hash, witnessed_at FROM audit_witness WHERE office = ?", [office]
    ).fetchone()
    return None if row is None else WitnessRecord(int(row[0]), str(row[1]), str(row[2]))


def statement_of(key: bytes, office: str, judgement: Judgement) -> Statement:
    """What the server answers for `judgement`, tagged with the receipt key (every store)."""
    witnessed = judgement.witnessed
    when = _unix(witnessed.at)
    tag = make_tag(key, office, witnessed.seq, witnessed.hash, when)
    return Statement(judgement.status, witnessed.seq, witnessed.hash, when, tag)


def alarm_raised(
    alarm_id: int, office: str, kind: str, witnessed: Head, witnessed_at: str, reported: Head
) -> dict[str, Any]:
    """A new alarm, told to the server's log; the detail of its audit entry (every store)."""
    log.warning(
        "audit witness alarm: office %s, chain %s (witnessed up to entry %d at %s, reported %d)",
        office,
        kind,
        witnessed.seq,
        witnessed_at,
        reported.seq,
    )
    return {
        "alarm": alarm_id,
        "office": office,
        "kind": kind,
        "witnessed_seq": witnessed.seq,
        "witnessed_at": witnessed_at,
        "reported_seq": reported.seq,
    }


def _statement(database: sqlite_utils.Database, office: str, judgement: Judgement) -> Statement:
    return statement_of(receipt_key(database), office, judgement)


def observe(
    database: sqlite_utils.Database, office: str, head: Head, base: Head | None, now: datetime
) -> Statement:
    """Witness `head` for `office`, or find that it does not extend what was witnessed before
    (an alarm, recorded once per divergence). One transaction."""
    at = to_text(now)
    with write_transaction(database):
        record = witness_record(database, office)
        judgement = judge(record, head, base, at)
        witnessed = judgement.witnessed
        if judgement.store and record is None:
            database.execute(
                "INSERT INTO audit_witness (office, seq, hash, witnessed_at, since) "
                "VALUES (?, ?, ?, ?, ?)",
                [office, witnessed.seq, witnessed.hash, at, at],
            )
        elif judgement.store:
            database.execute(
                "UPDATE audit_witness SET seq = ?, hash = ?, witnessed_at = ? WHERE office = ?",
                [witnessed.seq, witnessed.hash, at, office],
            )
        if judgement.alarm is not None:
            seen = Head(witnessed.seq, witnessed.hash)
            _raise_alarm(database, office, judgement.alarm, seen, witnessed.at, head, at)
        return _statement(database, office, judgement)


def _raise_alarm(
    database: sqlite_utils.Database,
    office: str,
    kind: str,
    witnessed: Head,
    witnessed_at: str,
    reported: Head,
    at: str,
) -> None:
    """Record the alarm, or count it again when the same divergence is still open."""
    open_one = database.execute(
        "SELECT id FROM audit_alarms WHERE office = ? AND kind = ? AND seq = ? AND hash = ? "
        "AND resolved_at IS NULL",
        [office, kind, witnessed.seq, witnessed.hash],
    ).fetchone()
    if open_one is not None:
        database.execute(
            "UPDATE audit_alarms SET last_at = ?, times = times + 1, reported_seq = ?, "
            "reported_hash = ? WHERE id = ?",
            [at, reported.seq, reported.hash, open_one[0]],
        )
        return
    cursor = database.execute(
        "INSERT INTO audit_alarms (office, kind, seq, hash, witnessed_at, reported_seq, "
        "reported_hash, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            office,
            kind,
            witnessed.seq,
            witnessed.hash,
            witnessed_at,
            reported.seq,
            reported.hash,
            at,
            at,
        ],
    )
    assert cursor.lastrowid is not None
    detail = alarm_raised(cursor.lastrowid, office, kind, witnessed, witnessed_at, reported)
    audit.append(database, at=at, actor_nip=None, action="audit_witness_alarm", detail=detail)


@dataclass(frozen=True)
class Alarm:
    id: int
    office: str
    kind: str  # truncated | rewritten
    seq: int  # the witnessed entry the chain no longer holds
    witnessed_at: str
    reported_seq: int  # the head the desk reported (last time)
    first_at: str
    last_at: str
    times: int
    resolved_at: str | None
    resolution: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


_ALARM_COLUMNS = (
    "id, office, kind, seq, witnessed_at, reported_seq, first_at, last_at, times, resolved_at, "
    "resolution"
)


def alarms(
    database: sqlite_utils.Database, *, office: str | None = None, include_resolved: bool = False
) -> list[Alarm]:
    """The alarms, newest first: the open ones, or all of them."""
    where, params = ["1"], []
    if office is not None:
        where.append("office = ?")
        params.append(office)
    if not include_resolved:
        where.append("resolved_at IS NULL")
    rows = database.execute(
        f"SELECT {_ALARM_COLUMNS} FROM audit_alarms WHERE {' AND '.join(where)} ORDER BY id DESC",
        params,
    ).fetchall()
    return [Alarm(*row) for row in rows]


def open_alarm_counts(database: sqlite_utils.Database) -> dict[str, int]:
    rows = database.execute(
        "SELECT office, count(*) FROM audit_alarms WHERE resolved_at IS NULL GROUP BY office"
    )
    return {str(office): int(count) for office, count in rows}


def witnessed_heads(database: sqlite_utils.Database) -> list[tuple[str, int, str, str]]:
    """(office, seq, hash, witnessed at) of every office whose chain the server witnesses."""
    rows = database.execute(
        "SELECT office, seq, hash, witnessed_at FROM audit_witness ORDER BY office"
    )
    return [(str(o), int(s), str(h), str(a)) for o, s, h, a in rows]


class UnknownAlarm(LookupError):
    pass


def resolve_alarm(database: sqlite_utils.Database, alarm_id: int, note: str, now: datetime) -> str:
    """Close an alarm after investigation (`note` says what was found). When the office has no
    other open alarm, its witness starts again from the head it reports next: otherwise a desk
    whose chain legitimately went back (a restored backup, a new PC) would alarm for ever.
    The alarm row keeps what had been witnessed. Returns the office. One transaction, audited."""
    at = to_text(now)
    with write_transaction(database):
        row = database.execute(
            "SELECT office, resolved_at FROM audit_alarms WHERE id = ?", [alarm_id]
        ).fetchone()
        if row is None or row[1] is not None:
            raise UnknownAlarm(alarm_id)
        office = str(row[0])
        database.execute(
            "UPDATE audit_alarms SET resolved_at = ?, resolution = ? WHERE id = ?",
            [at, note, alarm_id],
        )
        still_open = database.execute(
            "SELECT 1 FROM audit_alarms WHERE office = ? AND resolved_at IS NULL", [office]
        ).fetchone()
        if still_open is None:
            database.execute("DELETE FROM audit_witness WHERE office = ?", [office])
        audit.append(
            database,
            at=at,
            actor_nip=None,
            action="audit_alarm_resolved",
            detail={"alarm": alarm_id, "office": office, "note": note},
        )
    return office


# HTTP ------------------------------------------------------------------------------------------


def witnessed(
    handler: Callable[[Request, Office], Any],
) -> Callable[[Request, Office], Any]:
    """A push or changes handler that also witnesses the audit head the request reports.

    The witness never stands in the way of the request: a report it cannot read is answered
    `X-Desk-Witness: bad` and the request served; an alarm is recorded and told, and the cases
    go through all the same. A 4xx/5xx the handler raises carries the receipt too."""
    from desk.central.app import HttpError

    async def wrapped(request: Request, office: Office) -> Response:
        value = request.headers.get(REPORT_HEADER)
        if value is None:
            response: Response = await handler(request, office)
            return response
        try:
            head, base = parse_report(value)
        except ValueError:
            receipt = "bad"
        else:
            central = request.app.state.central
            now = central.options.clock()
            statement = await central.run(lambda store: store.observe(office.name, head, base, now))
            receipt = receipt_value(statement, head)
        try:
            response = await handler(request, office)
        except HttpError as error:
            error.headers[RECEIPT_HEADER] = receipt
            raise
        response.headers[RECEIPT_HEADER] = receipt
        return response

    return wrapped


async def witness_endpoint(request: Request, office: Office) -> Response:
    """`GET /sync/v1/witness[?receipt=<seq>.<hash>.<time>.<tag>]`: the head the server has
    witnessed for the office, its open alarms, and whether a receipt the desk holds is one the
    server gave (`desk audit verify` asks, so that deleting or forging receipts does not help)."""
    from desk.central.app import Central, HttpError, json_response

    central: Central = request.app.state.central
    unknown = set(request.query_params) - {"receipt"}
    if unknown:
        raise HttpError(400, "bad_request", f"unknown parameters: {', '.join(sorted(unknown))}")
    shown = request.query_params.get("receipt")
    claim: tuple[int, str, int, str] | None = None
    if shown is not None:
        parts = shown.split(".")
        try:
            if len(parts) != 4 or len(parts[3]) > 32 or not set(parts[3]) <= _B64URL:
                raise ValueError("expected <seq>.<hash>.<time>.<tag>")
            claim = (_seq(parts[0]), hash_from_text(parts[1]), _seq(parts[2]), parts[3])
        except ValueError as error:
            raise HttpError(400, "bad_request", f"receipt: {error}") from None

    def read(store: CentralStore) -> dict[str, Any]:
        record = store.witness_record(office.name)
        body: dict[str, Any] = {
            "type": "desk-sync/witness",
            "head": {"seq": record.seq, "hash": record.hash, "at": record.at} if record else None,
            "alarms": [
                {
                    "id": alarm.id,
                    "kind": alarm.kind,
                    "seq": alarm.seq,
                    "witnessed_at": alarm.witnessed_at,
                    "reported_seq": alarm.reported_seq,
                    "first_at": alarm.first_at,
                    "last_at": alarm.last_at,
                    "times": alarm.times,
                }
                for alarm in store.alarms(office=office.name)
            ],
        }
        if claim is not None:
            expected = make_tag(store.receipt_key(), office.name, claim[0], claim[1], claim[2])
            body["receipt"] = hmac.compare_digest(expected, claim[3])
        return body

    return json_response(request, await central.run(read), {})
