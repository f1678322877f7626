"""Taking the server's copy of named cases as the truth (`POST /sync/v1/cases`).

The feed brings a case only when it changed centrally. A case can also differ on the desk
without any central change: an operation the server refused (or found already done) left its
local effect behind, or `desk sync verify` found a case that differs. Such a case is marked
(`sync_state` key `refresh:<local_id>`, written in the same transaction as the reason for it, so
a kill between the push and the fetch loses nothing) and fetched at the end of the next sync.

Replacing is authoritative where pull merges: the server's fields are taken, except those an
operation still unsent (pending, sending, conflict) changed, and the desk's events that the
server does not have are removed, except those of unsent operations and local events that never
travel (no uid). Invariant after a refresh of a case with no unsent operation: its fields, its
version and its set of event uids are the server's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from db import write_transaction
from db.timefmt import to_text, utc_now
from desk.sync import state
from desk.sync.apply import UNSENT, BadChange, apply_case
from desk.sync.errors import SyncError
from desk.sync.transport import Transport

CASES_PATH = "/sync/v1/cases"
REFRESH_PREFIX = "refresh:"
FETCH_BATCH = 200  # cases per request (the server takes up to 500)


@dataclass
class RefreshResult:
    fetched: int = 0  # cases replaced by the server's copy
    gone: int = 0  # cases the server says this office may no longer read (or does not know)
    requests: int = 0
    local_ids: list[str] = field(default_factory=list)


def mark_for_refresh(database: sqlite_utils.Database, local_id: str, reason: str) -> None:
    """Ask the next sync to take the server's copy of this case. Call inside a transaction."""
    state.put(
        database,
        REFRESH_PREFIX + local_id,
        json.dumps({"reason": reason, "at": to_text(utc_now())}, ensure_ascii=False),
    )


def marked(database: sqlite_utils.Database) -> list[str]:
    rows = database.execute(
        "SELECT substr(key, ?) FROM sync_state WHERE key >= ? AND key < ? ORDER BY key",
        [len(REFRESH_PREFIX) + 1, REFRESH_PREFIX, REFRESH_PREFIX[:-1] + chr(ord(":") + 1)],
    ).fetchall()
    return [str(row[0]) for row in rows]


def refresh_marked(
    database: sqlite_utils.Database,
    transport: Transport,
    result: RefreshResult | None = None,
) -> RefreshResult:
    """Fetch every marked case and replace the desk's copy; marks are cleared as they land."""
    result = result if result is not None else RefreshResult()
    pending = marked(database)
    while pending:
        batch, pending = pending[:FETCH_BATCH], pending[FETCH_BATCH:]
        fetch_and_replace(database, transport, batch, result)
    return result


def fetch_and_replace(
    database: sqlite_utils.Database,
    transport: Transport,
    local_ids: list[str],
    result: RefreshResult,
) -> None:
    """One request for `local_ids`; the answer is applied in one transaction."""
    reply = transport.call(
        "POST", CASES_PATH, expect="desk-sync/cases", body=lambda: {"ids": local_ids}
    )
    result.requests += 1
    changes = (reply.body or {}).get("changes")
    if not isinstance(changes, list) or len(changes) != len(local_ids):
        raise SyncError("the server's answer does not match the cases asked for")
    try:
        with write_transaction(database):
            for local_id, change in zip(local_ids, changes, strict=True):
                if not isinstance(change, dict):
                    raise BadChange("a change that is not an object")
                if "gone" in change:
                    if str(change["gone"]) != local_id:
                        raise BadChange("the answer names another case")
                    _mark_gone(database, local_id, str(change.get("reason") or ""))
                    result.gone += 1
                else:
                    case = change.get("case")
                    events = change.get("events")
                    if not isinstance(case, dict) or not isinstance(events, list):
                        raise BadChange("a change without a case")
                    if str(case.get("local_id")) != local_id:
                        raise BadChange("the answer names another case")
                    replace_case(database, case, events)
                    result.fetched += 1
                    result.local_ids.append(local_id)
                database.execute(
                    "DELETE FROM sync_state WHERE key = ?", [REFRESH_PREFIX + local_id]
                )
    except (BadChange, TypeError, ValueError) as error:
        raise SyncError(f"a case from the server cannot be stored: {error}") from None


def _mark_gone(database: sqlite_utils.Database, local_id: str, reason: str) -> None:
    """Not readable by this office centrally: the desk keeps its copy, read-only (as a tombstone
    from the feed does). A case the server never knew (its `create` is still unsent or was
    refused) is the desk's own and is left alone."""
    row = database.execute("SELECT id FROM cases WHERE local_id = ?", [local_id]).fetchone()
    if row is None:
        return
    own = database.execute(
        "SELECT 1 FROM outbox WHERE case_id = ? AND kind = 'create' AND state != 'done'",
        [row[0]],
    ).fetchone()
    if reason == "unknown" and own is not None:
        return
    state.mark_gone(database, local_id, reason)


def replace_case(
    database: sqlite_utils.Database, case: dict[str, Any], events: list[dict[str, Any]]
) -> int:
    """Make the desk's copy of a case the server's (see the module's docstring); returns its id.

    Call inside a transaction. `events` must be the case's whole timeline on the server.
    """
    case_id = apply_case(database, case, events)
    server_uids = {str(e.get("uid")) for e in events if isinstance(e, dict) and e.get("uid")}
    marks = ", ".join("?" * len(UNSENT))
    keep = {
        str(row[0])
        for row in database.execute(
            f"SELECT op_id FROM outbox WHERE case_id = ? AND state IN ({marks})",
            [case_id, *UNSENT],
        )
    }
    stale = [
        (int(event_id), str(uid))
        for event_id, uid in database.execute(
            "SELECT id, uid FROM events WHERE case_id = ? AND uid IS NOT NULL", [case_id]
        )
        if uid not in server_uids and uid not in keep
    ]
    for event_id, _uid in stale:
        database.execute("DELETE FROM events WHERE id = ?", [event_id])
    state.clear_gone(database, str(case["local_id"]))
    return case_id
