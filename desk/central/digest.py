"""Digests of an office's cases (`POST /sync/v1/digest`), for `desk sync verify`.

A desk and the central system compare what they hold without moving whole cases: each side
computes, from its stored rows, a 64-bit digest per case over what must converge (version,
status, tracking number, unit, assignee, duplicate link, and the uids of its events), puts the
cases in buckets by a hash of their local id (balanced whatever the ULIDs' time prefixes), and
combines a bucket's case digests with XOR (order does not matter) beside a count. The desk asks
for the digests of a bucket's sub-buckets, narrows down to the ones that differ and then asks
for the list of their cases (docs/sync-protocol.md, "Verify").

The definitions here (`bucket_key`, `case_entry`, `entry_digest`) are the protocol: the desk
(desk/sync/verify.py) uses the same functions on its own rows.

Server cost: one streaming query over the office's cases, a correlated look-up of each case's
event uids (an index seek), a BLAKE2b per case: about 0.15 s for 20,000 cases (100,000 events)
on a laptop. Narrowing requests filter by bucket inside the store (SQLite: a registered
function, desk/central/sqlite_feed.py; PostgreSQL: the stored `cases.bucket`, pg_feed.py), so
only the cases of the buckets asked for have their events read. Each store reads the rows;
`answer` makes the reply from them, the same for both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlite_utils

from desk.central.store_api import Office

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

DIGEST_BYTES = 8  # 64 bits: a difference hidden by chance once in 1.8e19 comparisons
KEY_HEX = DIGEST_BYTES * 2
EMPTY = "0" * KEY_HEX  # the digest of an empty bucket (XOR of nothing)
MAX_DEPTH = 3  # hex digits a request may go below a prefix (16^3 sub-buckets)
MAX_BUCKETS = 4096  # sub-buckets one answer may hold
MAX_PREFIXES = 1024  # prefixes in `buckets` or in `cases`
MAX_CASES = 2000  # cases one answer may list (the desk asks for at most 1000)
MAX_SKIP = 5000  # cases the desk may ask to leave out (its unsent work)
UID_SEPARATOR = "\x1f"  # between the uids of `group_concat`/`string_agg` (never in a ULID)
BUCKET_FUNCTION = "desk_bucket"


# The digest, the same on both sides --------------------------------------------------------


def _hash(data: str) -> bytes:
    return hashlib.blake2b(data.encode("utf-8"), digest_size=DIGEST_BYTES).digest()


def bucket_key(local_id: str) -> str:
    """The case's place in the bucket tree: 16 hex digits of BLAKE2b-64 of its local id."""
    return _hash(local_id).hex()


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _dumps(value: object) -> str:
    return _ENCODER.encode(value)


def events_hash(uids: Iterable[str]) -> str:
    """BLAKE2b-64 (hex) of the JSON list of a case's event uids, sorted."""
    return _hash(_dumps(sorted(uids))).hex()


def case_entry(
    local_id: str,
    version: int,
    status: str,
    tracking_no: str | None,
    unit_code: str | None,
    assignee_nip: str | None,
    duplicate_of: str | None,
    uids: str | None,
) -> list[Any]:
    """A case as the comparison sees it: `[local_id, version, status, tracking_no, unit_code,
    assignee_nip, duplicate_of, events, n_events]`, `events` the hash of its event uids.

    `uids` are the uids of its events joined by `UID_SEPARATOR` (events without a uid are left
    out: on a desk they never travel). `duplicate_of` is the target's tracking number or local
    id, as the feed sends it, and null when the target is not among the compared cases.
    """
    listed = uids.split(UID_SEPARATOR) if uids else []
    return [
        local_id,
        int(version),
        status,
        tracking_no,
        unit_code,
        assignee_nip,
        duplicate_of,
        events_hash(listed),
        len(listed),
    ]


def entry_digest(entry: Sequence[Any]) -> int:
    """A case's digest: BLAKE2b-64 of the compact JSON of its entry less the event count."""
    return int.from_bytes(_hash(_dumps(list(entry[:8]))), "big")


def register_bucket_function(database: sqlite_utils.Database) -> None:
    """`desk_bucket(local_id)` in SQL, so that a query reads only the buckets asked for."""
    database.conn.create_function(BUCKET_FUNCTION, 1, bucket_key, deterministic=True)


@dataclass
class Tally:
    """Sub-bucket counts and XORed digests below one prefix."""

    prefix: str
    depth: int

    def __post_init__(self) -> None:
        self.counts = [0] * (16**self.depth)
        self.digests = [0] * (16**self.depth)

    def add(self, key: str, digest: int) -> None:
        index = int(key[len(self.prefix) : len(self.prefix) + self.depth] or "0", 16)
        self.counts[index] += 1
        self.digests[index] ^= digest

    def as_json(self) -> dict[str, Any]:
        return {"n": self.counts, "h": "".join(f"{d:016x}" for d in self.digests)}


# The request ---------------------------------------------------------------------------------


class BadDigestRequest(ValueError):
    """The request is not a digest request (400)."""


class TooManyCases(ValueError):
    """The buckets asked for as lists hold more cases than one answer may (413)."""


@dataclass(frozen=True)
class DigestQuery:
    buckets: tuple[str, ...] = ()
    depth: int = 0
    cases: tuple[str, ...] = ()
    skip: frozenset[str] = frozenset()


def _prefixes(value: object, name: str, longest: int) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_PREFIXES:
        raise BadDigestRequest(f"'{name}' must be a list of at most {MAX_PREFIXES} prefixes")
    for prefix in value:
        if (
            not isinstance(prefix, str)
            or len(prefix) > longest
            or any(c not in "0123456789abcdef" for c in prefix)
        ):
            shown = repr(prefix)[:40]  # a value from the request: a few characters of it
            raise BadDigestRequest(f"'{name}' holds {shown}: not a lower-case hex prefix")
    if len(set(value)) != len(value):
        raise BadDigestRequest(f"the same prefix twice in '{name}'")
    return tuple(value)


def parse_query(body: object) -> DigestQuery:
    """Check a request body (raises `BadDigestRequest`)."""
    if not isinstance(body, dict):
        raise BadDigestRequest("the body must be a JSON object")
    unknown = set(body) - {"buckets", "depth", "cases", "skip"}
    if unknown:
        shown = sorted(repr(str(key)[:40]) for key in unknown)
        raise BadDigestRequest(f"unknown keys: {', '.join(shown[:5])}")
    depth = body.get("depth", 0)
    if not isinstance(depth, int) or isinstance(depth, bool) or not 0 <= depth <= MAX_DEPTH:
        raise BadDigestRequest(f"'depth' must be 0-{MAX_DEPTH}")
    buckets = _prefixes(body.get("buckets", []), "buckets", KEY_HEX - depth)
    if len(buckets) * 16**depth > MAX_BUCKETS:
        raise BadDigestRequest(f"more than {MAX_BUCKETS} sub-buckets in one request")
    cases = _prefixes(body.get("cases", []), "cases", KEY_HEX)
    skip = body.get("skip", [])
    if (
        not isinstance(skip, list)
        or len(skip) > MAX_SKIP
        or not all(isinstance(i, str) and 0 < len(i) <= 64 for i in skip)
    ):
        raise BadDigestRequest(f"'skip' must be a list of at most {MAX_SKIP} case ids")
    return DigestQuery(buckets, depth, cases, frozenset(skip))


# The answer ----------------------------------------------------------------------------------


DigestRow = Sequence[Any]  # (bucket key, the fields of `case_entry` in order)


def answer(rows: Iterable[DigestRow], query: DigestQuery) -> dict[str, Any]:
    """The answer to a digest request from the office's cases in the buckets asked for (those
    of `query.buckets` and `query.cases`), read by a store in one snapshot: each row the case's
    bucket key and `case_entry`'s fields, in any order (raises `TooManyCases`)."""
    tallies = [Tally(prefix, query.depth) for prefix in query.buckets]
    listed: list[list[list[Any]]] = [[] for _ in query.cases]
    tally_lengths = sorted({len(p) for p in query.buckets})
    tally_at = {p: i for i, p in enumerate(query.buckets)}
    list_lengths = sorted({len(p) for p in query.cases})
    list_at = {p: i for i, p in enumerate(query.cases)}
    total = 0
    for key, *fields in rows:
        if fields[0] in query.skip:
            continue
        entry = case_entry(*fields)
        if tallies:
            digest = entry_digest(entry)
            for length in tally_lengths:
                index = tally_at.get(key[:length])
                if index is not None:
                    tallies[index].add(key, digest)
        for length in list_lengths:
            index = list_at.get(key[:length])
            if index is not None:
                total += 1
                if total > MAX_CASES:
                    raise TooManyCases(f"more than {MAX_CASES} cases in one answer")
                listed[index].append(entry)
    for cases in listed:
        cases.sort(key=lambda entry: str(entry[0]))
    return {
        "type": "desk-sync/digest",
        "buckets": [tally.as_json() for tally in tallies],
        "cases": listed,
    }


def digests(database: sqlite_utils.Database, office: Office, query: DigestQuery) -> dict[str, Any]:
    """The answer for `office` from a SQLite central database (what SqliteStore.digests does;
    kept for the callers that hold the database itself)."""
    # Imported here: sqlite_feed builds on this module.
    from desk.central.sqlite_feed import digests as sqlite_digests

    return sqlite_digests(database, office, query)


async def digest_endpoint(request: Request, office: Office) -> Response:
    """`POST /sync/v1/digest`: sub-bucket digests and case lists of the office's scope."""
    # Imported here: the app imports this module for its routes.
    from desk.central.app import Central, HttpError, json_response, read_body

    central: Central = request.app.state.central
    body = await read_body(request, central.options)
    try:
        query = parse_query(body)
    except BadDigestRequest as error:
        raise HttpError(400, "bad_request", str(error)) from None
    try:
        answer = await central.run(lambda store: store.digests(office, query))
    except TooManyCases as error:
        raise HttpError(413, "too_large", str(error)) from None
    return json_response(request, answer, {})
