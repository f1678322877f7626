"""Pull: the changes feed, page by page, each page applied with its cursor in one transaction.

A cut link therefore costs at most the page in flight. With a cursor, the first request carries
`If-None-Match` so an idle sync is one small 304. A 410 (the server forgot the cursor) starts a
full pull from an empty cursor; unsent local work is safe because applying never overwrites
what an unsent operation changed (`desk.sync.apply`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from db import write_transaction
from db.timefmt import to_text, utc_now
from desk.sync import state
from desk.sync.apply import BadChange, apply_case, upsert_reference
from desk.sync.errors import CursorGone, SyncError
from desk.sync.transport import Transport

CHANGES_PATH = "/sync/v1/changes"
SERVER_DEFAULT_LIMIT = 200  # what the server uses when `limit` is not sent
# 500 cases a page: a page compresses better the more cases it holds (measured on the seed,
# with timelines: 258 B a case at 200, 220 B at 500, 205 B at 1000), and at ~110 KB it is
# about 11 s of GPRS airtime, which is what a cut link can cost.
DEFAULT_LIMIT = 500


@dataclass
class PullResult:
    pages: int = 0
    changes: int = 0
    gone: int = 0
    not_modified: bool = False
    restarted: bool = False  # a 410 made it start again from an empty cursor


def pull(
    database: sqlite_utils.Database,
    transport: Transport,
    *,
    limit: int = DEFAULT_LIMIT,
    progress: Callable[[int], None] | None = None,
    result: PullResult | None = None,
) -> PullResult:
    """Pull until the feed has no more; `result` (when given) is filled as it goes."""
    result = result if result is not None else PullResult()
    cursor = state.get(database, state.CURSOR) or ""
    first = True
    while True:
        params = {"cursor": cursor}
        if limit != SERVER_DEFAULT_LIMIT:
            params["limit"] = str(limit)
        headers = {"If-None-Match": f'"{cursor}"'} if cursor and first else None
        try:
            reply = transport.call(
                "GET", CHANGES_PATH, expect="desk-sync/changes", params=params, headers=headers
            )
        except CursorGone:
            if result.restarted:
                raise
            result.restarted = True
            cursor, first = "", False
            with write_transaction(database):
                state.put(database, state.CURSOR, "")
            continue
        first = False
        if reply.status == 304:
            result.not_modified = True
            return result
        body = reply.body or {}
        next_cursor = body.get("next_cursor")
        changes = body.get("changes")
        if not isinstance(next_cursor, str) or not isinstance(changes, list):
            raise SyncError(f"the server sent a changes page without a cursor: {sorted(body)}")
        try:
            with write_transaction(database):
                applied, gone = _apply_page(database, body, changes)
                state.put(database, state.CURSOR, next_cursor)
        except (BadChange, TypeError, ValueError) as error:
            # The cursor did not move: nothing of the page is half-applied.
            raise SyncError(f"a change from the server cannot be stored: {error}") from None
        result.pages += 1
        result.changes += applied
        result.gone += gone
        if progress is not None:
            progress(result.changes)
        cursor = next_cursor
        if not body.get("has_more"):
            return result


def _apply_page(
    database: sqlite_utils.Database, body: dict[str, Any], changes: list[Any]
) -> tuple[int, int]:
    reference = body.get("reference")
    if isinstance(reference, dict):
        upsert_reference(database, reference)
    applied = gone = 0
    for change in changes:
        if not isinstance(change, dict):
            raise BadChange("a change that is not an object")
        if "gone" in change:
            # Out of this office's scope now: keep the copy (and any unsent work on it), marked.
            mark = {"reason": change.get("reason") or "", "at": to_text(utc_now())}
            state.put(database, state.GONE_PREFIX + str(change["gone"]), json.dumps(mark))
            gone += 1
            continue
        case = change.get("case")
        events = change.get("events") or []
        if not isinstance(case, dict) or not isinstance(events, list):
            raise BadChange("a change without a case")
        try:
            apply_case(database, case, events)
        except (
            sqlite3.IntegrityError,
            sqlite3.ProgrammingError,
            TypeError,
            AttributeError,
        ) as error:
            # A value of the wrong type or outside the schema's rules (a list for a title, an
            # unknown status): the page is refused whole, like any other malformed change.
            raise BadChange(f"case {str(case.get('local_id'))[:40]!r}: {error}") from error
        # Back in scope after a tombstone: not read-only any more.
        database.execute(
            "DELETE FROM sync_state WHERE key = ?", [state.GONE_PREFIX + str(case["local_id"])]
        )
        applied += 1
    return applied, gone
