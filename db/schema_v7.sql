-- desk schema, version 7: how many cases hold each common search word, as of the last merge.
--
-- The inbox chooses how to run a search by how many cases its words match (db/inbox.py). Counting
-- a common word reads a long stretch of the index; at the start of a session, with the index not
-- yet in memory, that was most of a first search's wait. The counts of the words in more than a
-- few thousand cases are taken when the search index is merged (db/search_index.py) and kept
-- here; a word not listed is counted when searched. A count made stale by later cases can only
-- make a search choose a slower plan, never find other cases.
CREATE TABLE search_term_counts (
    term TEXT PRIMARY KEY,
    docs INTEGER NOT NULL
) WITHOUT ROWID;
