"""What bulk writers need to know about the search index's triggers.

Inserting many cases row by row makes each row call `desk_stem()` through a trigger; the seed
and the importer instead drop the triggers inside their transaction, insert the stems
themselves in one statement, and put the triggers back before committing. They may do so only
when the triggers are the ones they stand in for (schema_v1.sql).
"""

from __future__ import annotations

import sqlite_utils

SEARCH_TRIGGERS = ("cases_search_insert", "cases_search_update", "cases_search_delete")
_EXPECTED_INSERT_TRIGGER = "desk_stem(new.title), desk_stem(new.body)"


def search_triggers(database: sqlite_utils.Database) -> dict[str, str] | None:
    """The SQL of the search triggers, if they are the ones a bulk writer can stand in for."""
    rows = database.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases' "
        "AND name IN (?, ?, ?)",
        SEARCH_TRIGGERS,
    ).fetchall()
    triggers = {str(name): str(sql) for name, sql in rows}
    if set(triggers) != set(SEARCH_TRIGGERS) or _EXPECTED_INSERT_TRIGGER not in " ".join(
        triggers["cases_search_insert"].split()
    ):
        return None  # an unknown search schema: let the triggers index each row
    return triggers
