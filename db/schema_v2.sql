-- desk schema, version 2: reply drafts saved as the officer types, one per case and officer.
CREATE TABLE drafts (
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    officer_nip TEXT NOT NULL REFERENCES officers(nip),
    kind TEXT NOT NULL DEFAULT 'tindak_lanjut',
    body TEXT NOT NULL,
    template_code TEXT,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (case_id, officer_nip, kind)
);
