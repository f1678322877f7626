-- desk schema, version 4: what syncing with the central system needs (docs/sync-protocol.md).

-- A global id for every event that travels: the event an operation makes has uid = op_id on the
-- desk and on the server, so pulling the server's copy back never duplicates it.
ALTER TABLE events ADD COLUMN uid TEXT;
CREATE UNIQUE INDEX events_by_uid ON events(uid) WHERE uid IS NOT NULL;

-- A case the server could not merge: JSON with the server's case and the overlapping fields,
-- until an officer chooses. NULL when there is no conflict.
ALTER TABLE cases ADD COLUMN conflict TEXT;
CREATE INDEX cases_in_conflict ON cases(id) WHERE conflict IS NOT NULL;

-- The outbox learns two more states: 'conflict' (kept until an officer chooses) and
-- 'superseded' (replaced by a new op based on the server's version). SQLite cannot alter a
-- CHECK constraint, so the table is rebuilt; it holds only unsent and recent operations.
CREATE TABLE outbox_v4 (
    op_id TEXT PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id),
    case_local_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    payload TEXT NOT NULL,
    actor_nip TEXT,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sending', 'done', 'rejected', 'conflict', 'superseded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    result TEXT                             -- JSON: the server's answer, once there is one
);
INSERT INTO outbox_v4 (op_id, case_id, case_local_id, kind, base_version, payload, actor_nip,
                       created_at, state, attempts, last_error)
SELECT op_id, case_id, case_local_id, kind, base_version, payload, actor_nip, created_at, state,
       attempts, last_error
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_v4 RENAME TO outbox;
CREATE INDEX outbox_by_state ON outbox(state, op_id);
CREATE INDEX outbox_by_case ON outbox(case_id, state);

-- One row per sync: what it cost and how it ended (`desk sync log`).
CREATE TABLE sync_log (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    direction TEXT NOT NULL CHECK (direction IN ('both', 'pull', 'push')),
    requests INTEGER NOT NULL DEFAULT 0,
    bytes_up INTEGER NOT NULL DEFAULT 0,
    bytes_down INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    ops_sent INTEGER NOT NULL DEFAULT 0,
    ops_applied INTEGER NOT NULL DEFAULT 0,
    ops_duplicate INTEGER NOT NULL DEFAULT 0,
    ops_conflict INTEGER NOT NULL DEFAULT 0,
    ops_rejected INTEGER NOT NULL DEFAULT 0,
    changes_pulled INTEGER NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL DEFAULT 'running'
        CHECK (outcome IN ('running', 'ok', 'partial', 'failed')),
    error TEXT
);
