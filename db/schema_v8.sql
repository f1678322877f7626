-- desk schema, version 8: the deadline index carries the columns that searches filter on.
--
-- A search in the inbox's default order walks the deadline index and keeps the cases it wants
-- (db/inbox.py). Filters on status, channel or the Anonim flag used to read each passed case's
-- row to test them; rows are long (the complaint text) and, when not in memory, each costs a read
-- from disk: "banjir kanal:sms" read ~400 of them for a first page (83 ms when they were not in
-- memory, 34 ms with the columns in the index). The index grows by ~12 bytes a case.
DROP INDEX cases_by_due;
CREATE INDEX cases_by_due ON cases(due_sort, id, status, channel, anonymous);
