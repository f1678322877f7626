"""What bulk writers need to know about the search index: its triggers, and merging it.

Inserting many cases row by row makes each row call `desk_stem()` through a trigger; the seed
and the importer instead drop the triggers inside their transaction, insert the stems
themselves in one statement, and put the triggers back before committing. They may do so only
when the triggers are the ones they stand in for (schema_v1.sql).
"""

from __future__ import annotations

import sqlite_utils

from db.connection import write_transaction

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


def search_segments(database: sqlite_utils.Database) -> int:
    """How many segments the search index is split into (1 once merged, 0 when empty)."""
    row = database.execute("SELECT count(DISTINCT segid) FROM case_search_idx").fetchone()
    return int(row[0])


def merge_search_index(database: sqlite_utils.Database) -> bool:
    """Merge the search index into one segment; True if it was split and is now merged.

    FTS5 adds a segment per transaction that writes and merges them only partly as it goes; a
    search that tests cases one by one ("probe", db/inbox.py) seeks every segment for each
    case. On a million cases seeded in chunks, 14 segments made "jalan rusak" take 31 ms for a
    page, one segment 6 ms (bench/README.md). Merging rewrites the whole index: about 5 s on a
    million cases, so bulk writers do it once at the end, and `desk db optimize` on request.
    """
    if search_segments(database) <= 1:
        return False
    with write_transaction(database):
        database.execute("INSERT INTO case_search(case_search) VALUES ('optimize')")
        count_common_words(database)
    return True


# Words in more cases than this are counted in search_term_counts (schema_v7.sql); the inbox
# gathers and sorts the matches of rarer words, so it needs their counts only to that bound.
COMMON_FROM = 3_000


def count_common_words(database: sqlite_utils.Database) -> int:
    """Count the words in more than COMMON_FROM cases into search_term_counts; return how many.

    Reads the whole index once (about 3 s on a million cases): done when it is merged.
    """
    with write_transaction(database):
        database.execute("DELETE FROM search_term_counts")
        database.execute(
            "INSERT INTO search_term_counts (term, docs) "
            "SELECT term, doc FROM case_search_terms WHERE doc > ?",
            [COMMON_FROM],
        )
        row = database.execute("SELECT count(*) FROM search_term_counts").fetchone()
    return int(row[0])


def common_word_count(database: sqlite_utils.Database, term: str) -> int | None:
    """How many cases held `term` at the last count, if it was a common word then."""
    row = database.execute("SELECT docs FROM search_term_counts WHERE term = ?", [term]).fetchone()
    return int(row[0]) if row else None
