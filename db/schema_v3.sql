-- desk schema, version 3: how many cases each search term occurs in, read from the full-text
-- index itself, so a search can pick the fast plan for rare and for common words.
CREATE VIRTUAL TABLE case_search_terms USING fts5vocab(case_search, 'row');
