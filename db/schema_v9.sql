-- desk schema, version 9: a sync's row in sync_log is brought up to date as the sync goes
-- (issue 14): a sync killed in the middle of a pull still tells what it had done.
ALTER TABLE sync_log ADD COLUMN pages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_log ADD COLUMN cases_refreshed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_log ADD COLUMN checkpoint_at TEXT;
