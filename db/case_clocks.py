"""What bulk writers need to know about the trigger that keeps `case_clocks` (schema_v6.sql).

Every event insert runs the trigger's WHEN test, ~4 µs even when it is false: a third of the
cost of inserting an import's "received" event. A bulk writer whose events are all of other
kinds may drop the trigger inside its transaction and create it again before committing (as it
does with the search triggers), so a killed load never leaves a database without it.
"""

from __future__ import annotations

import sqlite_utils

INSERT_TRIGGER = "events_clock_insert"
# The kinds of event that can change a case's clocks: the trigger's WHEN list.
CLOCK_KINDS = frozenset(
    {
        "verify",
        "dispose",
        "follow_up",
        "return",
        "reporter_reply",
        "hold",
        "resume",
        "archive",
        "restore",
        "auto_archive",
    }
)


def clock_trigger(database: sqlite_utils.Database) -> str | None:
    """The SQL of the insert trigger, if the database has it and it tests only CLOCK_KINDS."""
    row = database.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", [INSERT_TRIGGER]
    ).fetchone()
    if row is None:
        return None
    sql = str(row[0])
    listed = sql.split("WHEN", 1)[1].split("BEGIN", 1)[0] if "WHEN" in sql else ""
    if not all(f"'{kind}'" in listed for kind in CLOCK_KINDS) or listed.count("'") != 2 * len(
        CLOCK_KINDS
    ):
        return None  # a trigger this module does not know: leave it in place
    return sql
