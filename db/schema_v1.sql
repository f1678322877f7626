-- desk schema, version 1. Instants are UTC ISO-8601 text ("2026-03-20T02:15:00Z"), which sorts
-- as it reads; local time is a matter of display.

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE units (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    tz TEXT NOT NULL DEFAULT 'Asia/Makassar',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE officers (
    nip TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    unit_code TEXT NOT NULL REFERENCES units(code),
    role TEXT NOT NULL CHECK (role IN ('admin', 'petugas', 'pimpinan')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    pin_hash TEXT,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX officers_by_unit ON officers(unit_code, role);

-- Regional holidays (hari libur daerah) on top of the national calendar; unit_code NULL means
-- every unit of this office.
CREATE TABLE regional_holidays (
    id INTEGER PRIMARY KEY,
    day TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_code TEXT REFERENCES units(code)
);
CREATE UNIQUE INDEX regional_holidays_unique ON regional_holidays(day, ifnull(unit_code, ''));

CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    local_id TEXT NOT NULL UNIQUE,          -- ULID made where the case was first recorded; never changes
    tracking_no TEXT UNIQUE,                -- LAPOR! tracking number (#8112829), NULL until known
    complaint_id TEXT,                      -- LAPOR!'s internal id, when known
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    classification TEXT NOT NULL DEFAULT 'pengaduan'
        CHECK (classification IN ('pengaduan', 'aspirasi', 'permintaan_informasi')),
    category TEXT,
    subcategory TEXT,
    channel TEXT NOT NULL DEFAULT 'web',
    location TEXT,
    incident_date TEXT,
    anonymous INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
    confidential INTEGER NOT NULL DEFAULT 0 CHECK (confidential IN (0, 1)),
    status TEXT NOT NULL CHECK (status IN ('baru', 'tunda', 'terverifikasi', 'dikembalikan',
                                           'diproses', 'ditanggapi', 'selesai', 'diarsipkan')),
    unit_code TEXT REFERENCES units(code),  -- the unit the case is disposed to
    assignee_nip TEXT REFERENCES officers(nip),
    received_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    due_at TEXT,                            -- the officers' running deadline (verify or follow-up)
    due_kind TEXT CHECK (due_kind IN ('verifikasi', 'tindak_lanjut')),
    auto_at TEXT,                           -- when the system moves the case on by itself
    auto_kind TEXT CHECK (auto_kind IN ('tutup_otomatis', 'arsip_otomatis')),
    hold_remaining_hk INTEGER,              -- verification days left when the case was put on hold
    duplicate_of INTEGER REFERENCES cases(id),
    rating INTEGER CHECK (rating BETWEEN 1 AND 5),
    source TEXT NOT NULL DEFAULT 'desk',
    extra TEXT,                             -- JSON: columns an import did not recognise
    -- Cases without a running deadline sort after every dated one.
    due_sort TEXT GENERATED ALWAYS AS (ifnull(due_at, '9999-12-31T23:59:59Z')) VIRTUAL
);
CREATE INDEX cases_by_due ON cases(due_sort, id);
CREATE INDEX cases_by_status_due ON cases(status, due_sort, id);
CREATE INDEX cases_by_unit_status_due ON cases(unit_code, status, due_sort, id);
CREATE INDEX cases_by_assignee ON cases(assignee_nip, status) WHERE assignee_nip IS NOT NULL;
CREATE INDEX cases_by_received ON cases(received_at, id);
CREATE INDEX cases_by_updated ON cases(updated_at, id);
CREATE INDEX cases_by_auto ON cases(auto_at) WHERE auto_at IS NOT NULL;

-- Personal data lives apart from the complaint text, so that it can be shown, exported and
-- synced only where a role allows.
CREATE TABLE reporters (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    name TEXT,
    nik TEXT,
    phone TEXT,
    email TEXT,
    address TEXT
);
CREATE INDEX reporters_by_nik ON reporters(nik) WHERE nik IS NOT NULL;
CREATE INDEX reporters_by_phone ON reporters(phone) WHERE phone IS NOT NULL;

-- The timeline of a case. Public events are seen by the reporter; internal ones are not.
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('officer', 'reporter', 'system', 'import')),
    actor_nip TEXT,
    kind TEXT NOT NULL,
    visibility TEXT NOT NULL CHECK (visibility IN ('public', 'internal')),
    from_status TEXT,
    to_status TEXT,
    unit_code TEXT,
    body TEXT,
    data TEXT
);
CREATE INDEX events_by_case ON events(case_id, at, id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    media_type TEXT NOT NULL,
    location TEXT NOT NULL,                 -- where the content is: a path relative to the store
    added_at TEXT NOT NULL,
    added_by TEXT
);
CREATE INDEX attachments_by_case ON attachments(case_id);
CREATE INDEX attachments_by_sha ON attachments(sha256);

-- Operations waiting to be sent to the central system, in the order they were made.
CREATE TABLE outbox (
    op_id TEXT PRIMARY KEY,                 -- ULID: sortable, made offline, deduplicated centrally
    case_id INTEGER NOT NULL REFERENCES cases(id),
    case_local_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    base_version INTEGER NOT NULL,
    payload TEXT NOT NULL,                  -- JSON: only the changed fields or the appended text
    actor_nip TEXT,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sending', 'done', 'rejected')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
CREATE INDEX outbox_by_state ON outbox(state, op_id);

CREATE TABLE sync_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Append-only, hash-chained: each entry carries the hash of the one before it.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_nip TEXT,
    action TEXT NOT NULL,
    case_id INTEGER,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE reply_templates (
    code TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL
);

-- Full-text search over title and body. The index is contentless: it holds the stems that
-- desk_stem() makes (Snowball Indonesian), never the text itself, which stays in `cases`.
CREATE VIRTUAL TABLE case_search USING fts5(
    title, body, content='', tokenize="unicode61 remove_diacritics 2"
);
CREATE TRIGGER cases_search_insert AFTER INSERT ON cases
BEGIN
    INSERT INTO case_search(rowid, title, body)
    VALUES (new.id, desk_stem(new.title), desk_stem(new.body));
END;
CREATE TRIGGER cases_search_delete AFTER DELETE ON cases
BEGIN
    INSERT INTO case_search(case_search, rowid, title, body)
    VALUES ('delete', old.id, desk_stem(old.title), desk_stem(old.body));
END;
CREATE TRIGGER cases_search_update AFTER UPDATE OF title, body ON cases
BEGIN
    INSERT INTO case_search(case_search, rowid, title, body)
    VALUES ('delete', old.id, desk_stem(old.title), desk_stem(old.body));
    INSERT INTO case_search(rowid, title, body)
    VALUES (new.id, desk_stem(new.title), desk_stem(new.body));
END;
