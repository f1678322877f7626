"""One action for many marked cases: each case in its own transaction, refusals collected.

A refusal for one case (another officer moved it, wrong state) must not undo or block the others;
the officer is told how many were done and why the rest were not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from desk import services
from desk.errors import DeskError
from desk.workflow import Action, Actor

BULK_ACTIONS = (Action.VERIFY, Action.DISPOSE, Action.ASSIGN, Action.HOLD, Action.ARCHIVE)
CONFIRM_ABOVE = 3  # more marked cases than this: the officer confirms the count first


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (case id, reason)


def perform_many(
    database: sqlite_utils.Database,
    actor: Actor,
    action: Action,
    case_ids: list[int],
    **arguments: Any,
) -> BulkResult:
    """Take `action` on every case; VERIFY and DISPOSE are chosen per case by its status."""
    result = BulkResult()
    for case_id in case_ids:
        chosen = action
        try:
            if action in (Action.VERIFY, Action.DISPOSE):
                status = services.find_case(database, case_id)["status"]
                chosen = Action.VERIFY if status == "baru" else Action.DISPOSE
            services.perform(database, actor, chosen, case_id, **arguments)
        except DeskError as error:
            result.refused.append((case_id, str(error)))
        else:
            result.done.append(case_id)
    return result
