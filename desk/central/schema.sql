-- The central server's own tables, beside the desk schema it reuses (db/schema_v*.sql).
-- Applied at every start with IF NOT EXISTS: each statement is idempotent.

CREATE TABLE IF NOT EXISTS central_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per field office (one desk, one token). Only the token's SHA-256 is kept.
CREATE TABLE IF NOT EXISTS offices (
    name TEXT PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    coordinator INTEGER NOT NULL DEFAULT 0 CHECK (coordinator IN (0, 1)),
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE IF NOT EXISTS office_units (
    office TEXT NOT NULL REFERENCES offices(name),
    unit_code TEXT NOT NULL,
    PRIMARY KEY (office, unit_code)
);
CREATE INDEX IF NOT EXISTS office_units_by_unit ON office_units(unit_code);

-- Every operation ever applied (or refused) and the answer it got, so that a replay gets the
-- same answer and never a second effect. `eff_base` is the server version the op was judged
-- against (see desk/central/apply.py, "effective base").
CREATE TABLE IF NOT EXISTS applied_ops (
    op_id TEXT PRIMARY KEY,
    office TEXT NOT NULL,
    case_local_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    eff_base INTEGER,
    content_sha256 TEXT NOT NULL,
    result TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS applied_ops_by_case ON applied_ops(office, case_local_id, base_version);

-- Which office recorded a case (a `create` op): it keeps seeing the case while it has no unit.
CREATE TABLE IF NOT EXISTS case_origin (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    office TEXT NOT NULL
);

-- The change log behind the feed. Filled by triggers, so that every writer (operations, the
-- automatic transitions, a seed, an import) feeds it without having to remember to.
-- A row is a case change (event_id NULL), an appended event (event_id set) or a change of the
-- reference data (case_id NULL). old_unit is the case's unit before the change, for tombstones.
CREATE TABLE IF NOT EXISTS central_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER,
    event_id INTEGER,
    old_unit TEXT,
    at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);
CREATE INDEX IF NOT EXISTS central_changes_by_case ON central_changes(case_id, seq);

-- The names of the merge-relevant fields each version of a case changed (the conflict rule).
CREATE TABLE IF NOT EXISTS case_versions (
    case_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    status INTEGER NOT NULL,
    unit_code INTEGER NOT NULL,
    assignee_nip INTEGER NOT NULL,
    duplicate_of INTEGER NOT NULL,
    PRIMARY KEY (case_id, version)
);

CREATE TRIGGER IF NOT EXISTS central_case_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO central_changes (case_id, old_unit) VALUES (new.id, new.unit_code);
END;

CREATE TRIGGER IF NOT EXISTS central_case_update AFTER UPDATE ON cases
WHEN new.version IS NOT old.version OR new.tracking_no IS NOT old.tracking_no
BEGIN
    INSERT INTO central_changes (case_id, old_unit) VALUES (new.id, old.unit_code);
    INSERT OR REPLACE INTO case_versions
        (case_id, version, status, unit_code, assignee_nip, duplicate_of)
    SELECT new.id, new.version, old.status IS NOT new.status, old.unit_code IS NOT new.unit_code,
           old.assignee_nip IS NOT new.assignee_nip, old.duplicate_of IS NOT new.duplicate_of
    WHERE new.version IS NOT old.version;
END;

CREATE TRIGGER IF NOT EXISTS central_event_insert AFTER INSERT ON events
BEGIN
    INSERT INTO central_changes (case_id, event_id) VALUES (new.case_id, new.id);
END;

CREATE TRIGGER IF NOT EXISTS central_units_insert AFTER INSERT ON units
BEGIN
    INSERT INTO central_changes (case_id) VALUES (NULL);
END;
CREATE TRIGGER IF NOT EXISTS central_units_update AFTER UPDATE ON units
BEGIN
    INSERT INTO central_changes (case_id) VALUES (NULL);
END;
CREATE TRIGGER IF NOT EXISTS central_officers_insert AFTER INSERT ON officers
BEGIN
    INSERT INTO central_changes (case_id) VALUES (NULL);
END;
CREATE TRIGGER IF NOT EXISTS central_officers_update AFTER UPDATE OF name, unit_code, role, active
ON officers
BEGIN
    INSERT INTO central_changes (case_id) VALUES (NULL);
END;

-- Events still waiting for a uid (written by the seed, an import, an automatic move): found
-- without scanning the whole timeline table every minute.
CREATE INDEX IF NOT EXISTS events_without_uid ON events(id) WHERE uid IS NULL;

-- Who attached which content to which case, and whether that office proved it holds the
-- content by uploading all of it (issue 15): an office reads a file only through a case it may
-- see whose attachment was made centrally (no claim) or claimed by an office that uploaded it.
-- Naming a hash in an `attach` op is not enough to read another office's file.
CREATE TABLE IF NOT EXISTS attachment_claims (
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    office TEXT NOT NULL,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    verified_at TEXT,
    PRIMARY KEY (case_id, sha256, office)
);
CREATE INDEX IF NOT EXISTS attachment_claims_by_office ON attachment_claims(office, sha256);
CREATE INDEX IF NOT EXISTS attachment_claims_by_sha ON attachment_claims(sha256);

-- The audit witness (issue 15, desk/central/witness.py): the head of each office's audit chain
-- as the server last witnessed it (the latest is enough: an entry's hash covers the previous
-- one, so the head commits to every entry before it). `since`: when this record started (the
-- first report, or the first after an alarm was resolved).
CREATE TABLE IF NOT EXISTS audit_witness (
    office TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    witnessed_at TEXT NOT NULL,
    since TEXT NOT NULL
);

-- A desk whose chain no longer holds what was witnessed: cut (`truncated`) or rewritten. One row
-- per divergence (`times` counts the syncs that reported it again), resolved by the central
-- admin with a note (`desk central audit resolve`).
CREATE TABLE IF NOT EXISTS audit_alarms (
    id INTEGER PRIMARY KEY,
    office TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('truncated', 'rewritten')),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    witnessed_at TEXT NOT NULL,
    reported_seq INTEGER NOT NULL,
    reported_hash TEXT NOT NULL,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL,
    times INTEGER NOT NULL DEFAULT 1,
    resolved_at TEXT,
    resolution TEXT
);
CREATE INDEX IF NOT EXISTS audit_alarms_open ON audit_alarms(office) WHERE resolved_at IS NULL;
