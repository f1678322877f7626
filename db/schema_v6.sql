-- desk schema, version 6: each case's clock instants, kept beside the case for the reports.
--
-- A report over a year of a big office used to fold millions of timeline rows into per-case
-- instants every time (docs/metrics.md). The instants only change when an event is written, so
-- triggers on `events` keep them here, for every writer alike (services, import, sync, seed).
-- Only instants and counts are stored: turning them into working days depends on calendars
-- that may still change (a regional holiday added later), so that stays in the report.
CREATE TABLE case_clocks (
    case_id INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    -- Instants as Unix seconds (unixepoch of the event's `at`): the report does arithmetic on
    -- them for every case of a period, and parsing text there cost more than the rest.
    verified INTEGER,                       -- the first verification
    disposed INTEGER,                       -- the last verification or disposition
    followed INTEGER,                       -- the first follow-up (tindak lanjut)
    returners TEXT,                         -- the units that returned it, space-separated
    replies INTEGER NOT NULL DEFAULT 0,     -- reporter replies while the unit worked on it
    pause_starts INTEGER NOT NULL DEFAULT 0, -- holds or archives that stopped the verify clock
    pause_ends INTEGER NOT NULL DEFAULT 0,   -- and the resumptions that started it again
    -- The first pause and the last resumption: with one of each (most paused cases), the
    -- working days paused need no look at the timeline.
    first_pause INTEGER,
    last_resume INTEGER
);

-- Only these kinds can change a case's clocks; the test in each trigger is the same as the
-- report's (desk/metrics.py): keep the lists equal.
CREATE TRIGGER events_clock_insert AFTER INSERT ON events
WHEN new.kind IN ('verify', 'dispose', 'follow_up', 'return', 'reporter_reply', 'hold',
                  'resume', 'archive', 'restore', 'auto_archive')
BEGIN
    -- Not INSERT OR IGNORE: an outer INSERT OR REPLACE would turn it into a REPLACE.
    INSERT INTO case_clocks (case_id)
    SELECT new.case_id WHERE NOT EXISTS (SELECT 1 FROM case_clocks WHERE case_id = new.case_id);
    UPDATE case_clocks SET
        verified = CASE WHEN new.kind = 'verify'
                         AND (verified IS NULL OR unixepoch(new.at) < verified)
                        THEN unixepoch(new.at) ELSE verified END,
        disposed = CASE WHEN new.kind IN ('verify', 'dispose')
                         AND (disposed IS NULL OR unixepoch(new.at) > disposed)
                        THEN unixepoch(new.at) ELSE disposed END,
        followed = CASE WHEN new.kind = 'follow_up'
                         AND (followed IS NULL OR unixepoch(new.at) < followed)
                        THEN unixepoch(new.at) ELSE followed END,
        returners = CASE WHEN new.kind = 'return' AND new.unit_code IS NOT NULL
                         THEN coalesce(returners || ' ', '') || new.unit_code
                         ELSE returners END,
        -- coalesce: a test on a NULL status is NULL, and NULL added to a count is NULL.
        replies = replies
            + coalesce(new.kind = 'reporter_reply' AND new.from_status = 'diproses', 0),
        pause_starts = pause_starts
            + coalesce(new.to_status IN ('tunda', 'diarsipkan') AND new.from_status = 'baru', 0),
        pause_ends = pause_ends
            + coalesce(new.from_status IN ('tunda', 'diarsipkan') AND new.to_status = 'baru', 0),
        first_pause = CASE WHEN new.to_status IN ('tunda', 'diarsipkan')
                            AND new.from_status = 'baru'
                            AND (first_pause IS NULL OR unixepoch(new.at) < first_pause)
                           THEN unixepoch(new.at) ELSE first_pause END,
        last_resume = CASE WHEN new.from_status IN ('tunda', 'diarsipkan')
                            AND new.to_status = 'baru'
                            AND (last_resume IS NULL OR unixepoch(new.at) > last_resume)
                           THEN unixepoch(new.at) ELSE last_resume END
    WHERE case_id = new.case_id;
END;

-- The fold of a timeline into clock instants, written once: the triggers below fold one case
-- again with it, and the upgrade folds every case. Only the cases asked for are folded (SQLite
-- pushes a condition on case_id into the grouping).
CREATE VIEW case_clock_fold AS
SELECT e.case_id AS case_id,
       min(unixepoch(e.at)) FILTER (WHERE e.kind = 'verify') AS verified,
       max(unixepoch(e.at)) FILTER (WHERE e.kind IN ('verify', 'dispose')) AS disposed,
       min(unixepoch(e.at)) FILTER (WHERE e.kind = 'follow_up') AS followed,
       group_concat(e.unit_code, ' ') FILTER (WHERE e.kind = 'return') AS returners,
       count(*) FILTER (WHERE e.kind = 'reporter_reply' AND e.from_status = 'diproses')
           AS replies,
       count(*) FILTER (WHERE e.to_status IN ('tunda', 'diarsipkan') AND e.from_status = 'baru')
           AS pause_starts,
       count(*) FILTER (WHERE e.from_status IN ('tunda', 'diarsipkan') AND e.to_status = 'baru')
           AS pause_ends,
       min(unixepoch(e.at)) FILTER (WHERE e.to_status IN ('tunda', 'diarsipkan')
                                     AND e.from_status = 'baru') AS first_pause,
       max(unixepoch(e.at)) FILTER (WHERE e.from_status IN ('tunda', 'diarsipkan')
                                     AND e.to_status = 'baru') AS last_resume
FROM events AS e
WHERE e.kind IN ('verify', 'dispose', 'follow_up', 'return', 'reporter_reply', 'hold', 'resume',
                 'archive', 'restore', 'auto_archive')
GROUP BY e.case_id;

-- Events are rarely changed or removed (a uid given, a conflict resolved): then the case's row
-- is folded again from its whole timeline, which is always right. (A case being deleted gets
-- no row back.)
CREATE TRIGGER events_clock_update AFTER UPDATE OF case_id, at, kind, from_status, to_status,
    unit_code ON events
BEGIN
    DELETE FROM case_clocks WHERE case_id IN (old.case_id, new.case_id);
    INSERT INTO case_clocks (case_id, verified, disposed, followed, returners, replies, pause_starts,
                             pause_ends, first_pause, last_resume)
    SELECT * FROM case_clock_fold AS f
    WHERE f.case_id IN (old.case_id, new.case_id)
      AND EXISTS (SELECT 1 FROM cases WHERE id = f.case_id);
END;

CREATE TRIGGER events_clock_delete AFTER DELETE ON events
WHEN old.kind IN ('verify', 'dispose', 'follow_up', 'return', 'reporter_reply', 'hold',
                  'resume', 'archive', 'restore', 'auto_archive')
BEGIN
    DELETE FROM case_clocks WHERE case_id = old.case_id;
    INSERT INTO case_clocks (case_id, verified, disposed, followed, returners, replies, pause_starts,
                             pause_ends, first_pause, last_resume)
    SELECT * FROM case_clock_fold AS f
    WHERE f.case_id = old.case_id AND EXISTS (SELECT 1 FROM cases WHERE id = f.case_id);
END;

-- A report reads every case of a period by the date it was received: with the figures it needs
-- in the index, SQLite never reads the case rows themselves (whose long texts come first and
-- spill onto overflow pages); a year over a million cases took a third less time.
DROP INDEX cases_by_received;
CREATE INDEX cases_by_received ON cases(received_at, id, status, unit_code, due_at, rating);

-- The cases already there: one fold of their timelines (a few seconds on a million cases).
INSERT INTO case_clocks (case_id, verified, disposed, followed, returners, replies, pause_starts,
                         pause_ends, first_pause, last_resume)
SELECT * FROM case_clock_fold;

