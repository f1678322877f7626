"""`desk sync verify`: does the desk hold exactly what the central system holds for it?

The invariant checked: for every case of the office's scope, the desk's version, status,
tracking number, unit, assignee, duplicate link and set of event uids equal the central
system's; the desk holds no other case (besides the read-only copies of cases that left its
scope). Both sides digest their rows alike (desk/central/digest.py) and the desk narrows down
from the root digest to the differing cases with `POST /sync/v1/digest`, never moving a case.

Left out on the desk, and asked to be left out on the server (`skip`): cases with an unsent
operation (pending, sending, conflict), which legitimately differ until it is answered, and
cases made at the desk whose `create` is not done. They are reported as pending, not as
differences. Cases marked gone (`gone:<local_id>`, read-only after leaving the scope) are left
out on the desk only: if the server still counts them, that is a difference. Events without a
uid never travel and are not compared.

`--repair` marks each differing case for a refresh (desk/sync/refresh.py) and fetches them
(`POST /sync/v1/cases`), then compares again (a case whose duplicate link points to a case
fetched in the same repair may need a second pass).

A sync runs `periodic_check` now and then: the root digest alone (one request, ~0.5 KB) when
nothing differs, the narrowing and the repair when something does.
"""

from __future__ import annotations

import json
import time
from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx
import sqlite_utils

from db import write_transaction
from db.timefmt import from_text, to_text
from desk.central.digest import (
    BUCKET_FUNCTION,
    KEY_HEX,
    MAX_BUCKETS,
    MAX_PREFIXES,
    case_entry,
    entry_digest,
    register_bucket_function,
)
from desk.sync import state
from desk.sync.apply import UNSENT
from desk.sync.errors import SyncError, TokenRefused
from desk.sync.refresh import mark_for_refresh, refresh_marked
from desk.sync.remote import Remote
from desk.sync.transport import RetryPolicy, Transport

DIGEST_PATH = "/sync/v1/digest"
LEAF = 32  # a bucket of at most this many central cases is listed, not split further
# A bucket of more central cases than this is split 256 ways at once, else 16 ways: a level of
# 256 digests costs ~2.5 KB where one of 16 costs ~0.2 KB and a round trip ~0.45 KB of headers
# and 0.3-0.5 s on GPRS, so 256 ways pays only where it saves more than one level.
DEEP_SPLIT = 16 * 16 * LEAF
MAX_LEAF_CASES = 1000  # cases listed in one answer (the server takes up to 2000)
MAX_ROUNDS = 24  # narrowing rounds; 16 hex digits are reached long before
MAX_PASSES = 3  # compare-repair passes of --repair
LAST_CHECK = "verify_last"  # sync_state: JSON of the last verify (periodic or not)
CHECK_EVERY = timedelta(hours=6)
PERIODIC_MAX_SKIP = 200  # more unsent cases than this: the periodic check waits for a calmer sync
FIELDS = (
    "version",
    "status",
    "tracking_no",
    "unit_code",
    "assignee_nip",
    "duplicate_of",
    "events",
)

Kind = Literal["missing", "extra", "differs"]


@dataclass
class Difference:
    """A case that is not the same on both sides.

    `missing`: the central system has it in the office's scope and the desk does not (or holds
    it as read-only, gone); `extra`: only the desk has it; `differs`: both have it, `fields` say
    what differs and `desk`/`central` give the values (`events`: how many with a uid).
    """

    local_id: str
    kind: Kind
    label: str
    fields: list[str] = field(default_factory=list)
    desk: dict[str, Any] = field(default_factory=dict)
    central: dict[str, Any] = field(default_factory=dict)


@dataclass
class PendingCase:
    """A case left out of the comparison: it has operations the server has not answered yet."""

    local_id: str
    label: str
    ops: int


@dataclass
class VerifyResult:
    compared: int = 0  # cases the desk compared
    central: int = 0  # cases of the office's scope on the server (less the skipped ones)
    differences: list[Difference] = field(default_factory=list)  # found by the first pass
    remaining: list[Difference] = field(default_factory=list)  # left after any repair
    pending: list[PendingCase] = field(default_factory=list)
    local_only: int = 0  # made at the desk, `create` refused or superseded: never central
    repaired: int = 0  # cases fetched again from the server
    passes: int = 0
    requests: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    seconds: float = 0.0
    periodic: bool = False
    error: str | None = None  # the periodic check could not run (link, server)

    @property
    def identical(self) -> bool:
        return self.error is None and not self.remaining

    @property
    def exit_code(self) -> int:
        return 0 if self.identical else 1

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["identical"] = self.identical
        return data


# The desk's side -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    """What the desk leaves out of this comparison."""

    excluded: frozenset[str]  # on the desk: unsent, not-created and gone cases
    skip: tuple[str, ...]  # asked of the server: unsent and not-created cases
    pending: tuple[PendingCase, ...]
    local_only: int


def _plan(database: sqlite_utils.Database) -> _Plan:
    marks = ", ".join("?" * len(UNSENT))
    pending: list[PendingCase] = []
    skip: list[str] = []
    local_only = 0
    rows = database.execute(
        "SELECT c.local_id, c.tracking_no, c.provisional_no, "
        f"sum(o.state IN ({marks})), sum(o.kind = 'create' AND o.state != 'done') "
        "FROM outbox o JOIN cases c ON c.id = o.case_id "
        f"WHERE o.state IN ({marks}) OR (o.kind = 'create' AND o.state != 'done') "
        "GROUP BY c.id ORDER BY c.id",
        [*UNSENT, *UNSENT],
    ).fetchall()
    for local_id, tracking_no, provisional_no, unsent, not_created in rows:
        skip.append(str(local_id))
        label = _label(local_id, tracking_no, provisional_no)
        if unsent:
            pending.append(PendingCase(str(local_id), label, int(unsent)))
        elif not_created:
            local_only += 1
    gone = [
        str(row[0])
        for row in database.execute(
            "SELECT substr(key, ?) FROM sync_state WHERE key >= ? AND key < ?",
            [len(state.GONE_PREFIX) + 1, state.GONE_PREFIX, state.GONE_PREFIX[:-1] + ";"],
        )
    ]
    return _Plan(frozenset([*skip, *gone]), tuple(skip), tuple(pending), local_only)


def _label(local_id: Any, tracking_no: Any, provisional_no: Any) -> str:
    if tracking_no:
        return f"#{tracking_no}"
    return str(provisional_no or local_id)


def _desk_sql(where: str) -> str:
    gone = state.GONE_PREFIX
    return (
        f"SELECT c.id, {BUCKET_FUNCTION}(c.local_id) AS bucket, c.local_id, c.version, c.status, "
        "c.tracking_no, c.unit_code, c.assignee_nip, "
        # A duplicate link counts when its target is among the compared cases (not gone), as
        # the server counts it only when the target is in the office's scope.
        "CASE WHEN c.duplicate_of IS NULL THEN NULL ELSE (SELECT ifnull(d.tracking_no, "
        "d.local_id) FROM cases d WHERE d.id = c.duplicate_of AND NOT EXISTS (SELECT 1 FROM "
        f"sync_state s WHERE s.key = '{gone}' || d.local_id)) END, "
        "(SELECT group_concat(e.uid, char(31)) FROM events e "
        "WHERE e.case_id = c.id AND e.uid IS NOT NULL) "
        f"FROM cases c WHERE {where}"
    )


def _bounds(prefix: str) -> tuple[int, int]:
    """The bucket keys (as integers) of a prefix: [low, high)."""
    shift = 4 * (KEY_HEX - len(prefix))
    start = int(prefix, 16) if prefix else 0
    return start << shift, (start + 1) << shift


class _Local:
    """The desk's compared cases: bucket key, digest and row id, sorted by key."""

    def __init__(self, database: sqlite_utils.Database, excluded: frozenset[str]) -> None:
        self.database = database
        self.excluded = excluded
        keys, digests, ids = array("Q"), array("Q"), array("q")
        self.root = 0
        register_bucket_function(database)
        for row in database.execute(_desk_sql("1")):
            row_id, key, *fields = row
            if fields[0] in excluded:
                continue
            digest = entry_digest(case_entry(*fields))
            keys.append(int(key, 16))
            digests.append(digest)
            ids.append(int(row_id))
            self.root ^= digest
        # Sorted here rather than by SQLite, whose sorter would hold every row's event uids.
        order = sorted(range(len(keys)), key=keys.__getitem__)
        self.keys = array("Q", (keys[i] for i in order))
        self.digests = array("Q", (digests[i] for i in order))
        self.ids = array("q", (ids[i] for i in order))

    @property
    def count(self) -> int:
        return len(self.keys)

    def span(self, prefix: str) -> range:
        low, high = _bounds(prefix)
        return range(bisect_left(self.keys, low), bisect_left(self.keys, high))

    def children(self, prefix: str, depth: int) -> tuple[list[int], list[int]]:
        counts, digests = [0] * 16**depth, [0] * 16**depth
        shift = 4 * (KEY_HEX - len(prefix) - depth)
        mask = 16**depth - 1
        for index in self.span(prefix):
            child = (self.keys[index] >> shift) & mask
            counts[child] += 1
            digests[child] ^= self.digests[index]
        return counts, digests

    def entries(self, prefix: str) -> dict[str, list[Any]]:
        """The comparison entries of the desk's cases in a bucket, by local id."""
        ids = [self.ids[i] for i in self.span(prefix)]
        found: dict[str, list[Any]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for row in self.database.execute(_desk_sql(f"c.id IN ({marks})"), chunk):
                _row_id, _key, *fields = row
                found[str(fields[0])] = case_entry(*fields)
        return found


def _labels(database: sqlite_utils.Database, local_ids: Sequence[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for start in range(0, len(local_ids), 500):
        chunk = list(local_ids[start : start + 500])
        marks = ", ".join("?" * len(chunk))
        for local_id, tracking_no, provisional_no in database.execute(
            f"SELECT local_id, tracking_no, provisional_no FROM cases WHERE local_id IN ({marks})",
            chunk,
        ):
            labels[str(local_id)] = _label(local_id, tracking_no, provisional_no)
    return labels


# Talking to the server ------------------------------------------------------------------------


class _Asker:
    def __init__(self, transport: Transport, skip: Sequence[str]) -> None:
        self.transport = transport
        self.skip = list(skip)

    def ask(
        self, buckets: Sequence[str] = (), depth: int = 0, cases: Sequence[str] = ()
    ) -> tuple[list[tuple[list[int], list[int]]], list[list[list[Any]]]]:
        body: dict[str, Any] = {}
        if buckets:
            body["buckets"] = list(buckets)
            if depth:
                body["depth"] = depth
        if cases:
            body["cases"] = list(cases)
        if self.skip:
            body["skip"] = self.skip
        reply = self.transport.call(
            "POST", DIGEST_PATH, expect="desk-sync/digest", body=lambda: body
        )
        answer = reply.body or {}
        tallies, listed = answer.get("buckets"), answer.get("cases")
        if (
            not isinstance(tallies, list)
            or len(tallies) != len(buckets)
            or not isinstance(listed, list)
            or len(listed) != len(cases)
        ):
            raise SyncError("the server's digests do not match what was asked")
        width = 16**depth
        parsed: list[tuple[list[int], list[int]]] = []
        for tally in tallies:
            counts = tally.get("n") if isinstance(tally, dict) else None
            hexes = tally.get("h") if isinstance(tally, dict) else None
            if (
                not isinstance(counts, list)
                or len(counts) != width
                or not all(isinstance(n, int) and n >= 0 for n in counts)
                or not isinstance(hexes, str)
                or len(hexes) != width * KEY_HEX
            ):
                raise SyncError("the server's digests do not match what was asked")
            try:
                digests = [int(hexes[i * KEY_HEX : (i + 1) * KEY_HEX], 16) for i in range(width)]
            except ValueError:
                raise SyncError("the server's digests are not hex") from None
            parsed.append((counts, digests))
        for entries in listed:
            if not isinstance(entries, list) or not all(
                isinstance(e, list) and len(e) == 9 and isinstance(e[0], str) for e in entries
            ):
                raise SyncError("the server's case list is not one")
        return parsed, listed


def _chunks(items: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _leaf_chunks(leaves: Sequence[tuple[str, int]]) -> Iterator[list[str]]:
    chunk: list[str] = []
    total = 0
    for prefix, count in leaves:
        if chunk and (total + count > MAX_LEAF_CASES or len(chunk) >= MAX_PREFIXES):
            yield chunk
            chunk, total = [], 0
        chunk.append(prefix)
        total += count
    if chunk:
        yield chunk


def _compare_entries(
    mine: dict[str, list[Any]], theirs: list[list[Any]], found: dict[str, Difference]
) -> None:
    central = {str(entry[0]): entry for entry in theirs}
    for local_id, entry in central.items():
        own = mine.get(local_id)
        if own is None:
            found[local_id] = Difference(local_id, "missing", _central_label(entry))
            continue
        if own[1:8] == entry[1:8]:
            continue
        difference = Difference(local_id, "differs", local_id)
        for index, name in enumerate(FIELDS, start=1):
            if own[index] != entry[index]:
                difference.fields.append(name)
                # Events: how many (with a uid) each side holds; the hashes say which differ.
                shown = 8 if name == "events" else index
                difference.desk[name] = own[shown]
                difference.central[name] = entry[shown]
        found[local_id] = difference
    for local_id in mine.keys() - central.keys():
        found[local_id] = Difference(local_id, "extra", local_id)


def _central_label(entry: Sequence[Any]) -> str:
    return f"#{entry[3]}" if entry[3] else str(entry[0])


def _extra_all(local: _Local, prefix: str, found: dict[str, Difference]) -> None:
    """Every desk case of a bucket the server holds nothing of is only on the desk."""
    for local_id in local.entries(prefix):
        found[local_id] = Difference(local_id, "extra", local_id)


def _compare(
    database: sqlite_utils.Database, transport: Transport, plan: _Plan, result: VerifyResult
) -> list[Difference]:
    """One comparison of the whole scope; returns the differences, sorted by case."""
    local = _Local(database, plan.excluded)
    asker = _Asker(transport, plan.skip)
    result.compared = local.count
    (root,), _ = asker.ask([""], 0)
    result.central = root[0][0]
    if root[0][0] == local.count and root[1][0] == local.root:
        return []
    found: dict[str, Difference] = {}
    queue: list[tuple[str, int]] = [("", root[0][0])]
    for _round in range(MAX_ROUNDS):
        if not queue:
            break
        leaves: list[tuple[str, int]] = []
        splits: list[tuple[str, int]] = []
        for prefix, count in queue:
            small = count <= LEAF or (not local.span(prefix) and count <= MAX_LEAF_CASES)
            if small or len(prefix) >= KEY_HEX - 1:
                leaves.append((prefix, count))
            else:
                splits.append((prefix, count))
        depth = 2 if max((c for _, c in splits), default=0) > DEEP_SPLIT else 1
        split_chunks = list(
            _chunks([p for p, _ in splits], min(MAX_PREFIXES, MAX_BUCKETS // 16**depth))
        )
        leaf_chunks = list(_leaf_chunks(leaves))
        queue = []
        for number in range(max(len(split_chunks), len(leaf_chunks))):
            buckets = split_chunks[number] if number < len(split_chunks) else []
            cases = leaf_chunks[number] if number < len(leaf_chunks) else []
            tallies, listed = asker.ask(buckets, depth, cases)
            for prefix, (counts, digests) in zip(buckets, tallies, strict=True):
                my_counts, my_digests = local.children(prefix, depth)
                for child in range(16**depth):
                    if counts[child] == my_counts[child] and digests[child] == my_digests[child]:
                        continue
                    name = prefix + format(child, f"0{depth}x")
                    if counts[child] == 0:
                        _extra_all(local, name, found)
                    else:
                        queue.append((name, counts[child]))
            for prefix, entries in zip(cases, listed, strict=True):
                _compare_entries(local.entries(prefix), entries, found)
    else:
        if queue:
            raise SyncError("the server's digests never narrowed down")
    labels = _labels(database, list(found))
    for local_id, difference in found.items():
        if local_id in labels:
            difference.label = labels[local_id]
            if difference.kind == "missing":  # held, but as a read-only copy (gone)
                difference.desk["read_only"] = True
    return sorted(found.values(), key=lambda d: (d.label, d.local_id))


# Entry points ----------------------------------------------------------------------------------


def verify(
    database: sqlite_utils.Database,
    transport: Transport,
    *,
    repair: bool = False,
    now: datetime | None = None,
    result: VerifyResult | None = None,
) -> VerifyResult:
    """Compare the desk with the central system; with `repair`, fetch what differs and compare
    again. Raises `SyncError` (and its kinds) for link, token and server trouble; `result`,
    when given, holds what was done up to then."""
    result = result if result is not None else VerifyResult()
    started = time.monotonic()
    counters = transport.counters
    requests, up, down = counters.requests, counters.bytes_up, counters.bytes_down
    try:
        plan = _plan(database)
        result.pending = list(plan.pending)
        result.local_only = plan.local_only
        result.differences = _compare(database, transport, plan, result)
        result.remaining = result.differences
        result.passes = 1
        while repair and result.remaining and result.passes < MAX_PASSES:
            with write_transaction(database):
                for difference in result.remaining:
                    mark_for_refresh(database, difference.local_id, f"verify: {difference.kind}")
            fetched = refresh_marked(database, transport)
            result.repaired += fetched.fetched + fetched.gone
            plan = _plan(database)
            result.pending = list(plan.pending)
            result.local_only = plan.local_only
            before = len(result.remaining)
            result.remaining = _compare(database, transport, plan, result)
            result.passes += 1
            if len(result.remaining) >= before:
                break  # no progress: what is left is for an officer to look at
    finally:
        result.requests += counters.requests - requests
        result.bytes_up += counters.bytes_up - up
        result.bytes_down += counters.bytes_down - down
        result.seconds = round(result.seconds + time.monotonic() - started, 3)
    _record(database, result, now)
    return result


def verify_remote(
    database: sqlite_utils.Database,
    remote: Remote,
    *,
    repair: bool = False,
    policy: RetryPolicy | None = None,
    client: httpx.Client | None = None,
) -> VerifyResult:
    """`verify` over a transport of its own (the command; a test's or a tool's check)."""
    transport = Transport(
        remote,
        encodings=state.get(database, state.ENCODINGS) or "",
        policy=policy,
        client=client,
    )
    try:
        return verify(database, transport, repair=repair)
    finally:
        transport.close()


def _record(database: sqlite_utils.Database, result: VerifyResult, now: datetime | None) -> None:
    from db.timefmt import utc_now

    summary = {
        "at": to_text(now or utc_now()),
        "periodic": result.periodic,
        "identical": result.identical,
        "compared": result.compared,
        "differences": len(result.differences),
        "remaining": len(result.remaining),
        "repaired": result.repaired,
        "requests": result.requests,
        "bytes_up": result.bytes_up,
        "bytes_down": result.bytes_down,
        "error": result.error,
    }
    with write_transaction(database):
        state.put(database, LAST_CHECK, json.dumps(summary))


def last_check(database: sqlite_utils.Database) -> dict[str, Any] | None:
    """What the last verify found (`at`, `identical`, `differences`, `repaired`, bytes...)."""
    text = state.get(database, LAST_CHECK)
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def periodic_check(
    database: sqlite_utils.Database,
    transport: Transport,
    now: datetime,
    every: timedelta = CHECK_EVERY,
) -> VerifyResult | None:
    """The check a sync runs now and then: None when the last one is younger than `every`, on
    the first call (which starts the clock), or when many operations are still unsent; else a
    verify that repairs what it finds.

    Call it at the end of a sync whose pull completed. When all is well it costs one small
    request. Link and server trouble does not fail the sync: it is recorded in the result
    (`error`) and the check waits for the next interval; a refused token is raised.
    """
    last = last_check(database)
    if last is None:
        # A desk's first sync: its pull has just brought everything; the first check comes
        # one interval later (and a fresh desk's first sync costs no extra request).
        _record(database, VerifyResult(periodic=True), now)
        return None
    try:
        if now - from_text(str(last.get("at"))) < every:
            return None
    except (TypeError, ValueError):
        pass
    if len(_plan(database).skip) > PERIODIC_MAX_SKIP:
        return None
    result = VerifyResult(periodic=True)
    try:
        return verify(database, transport, repair=True, now=now, result=result)
    except TokenRefused:
        raise
    except SyncError as error:
        result.error = str(error)
        _record(database, result, now)
        return result
