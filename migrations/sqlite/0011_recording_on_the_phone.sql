-- Recording a visit on the teacher's phone: the times the visit really began and
-- ended (local 'HH:MM'), what the family was shown, where the phone was (only
-- when the teacher allowed it), and a version that every record raises, so that
-- a record made offline on an older state of the visit is noticed. The files of
-- a record (the guardian's drawn signature, photos) live here, outside the web
-- root; a replaced file is kept, marked removed. Each phone submission carries a
-- key made on the phone: a key seen before is answered, not stored again.
-- A teacher's own leave request waits for a coordinator ('requested'); leave a
-- coordinator enters is approved as it is made. Keep in step with the other
-- migrations folder.
ALTER TABLE visits ADD COLUMN started_at TEXT;
ALTER TABLE visits ADD COLUMN ended_at TEXT;
ALTER TABLE visits ADD COLUMN family_practice TEXT;
ALTER TABLE visits ADD COLUMN latitude REAL;
ALTER TABLE visits ADD COLUMN longitude REAL;
ALTER TABLE visits ADD COLUMN location_accuracy_m REAL;
ALTER TABLE visits ADD COLUMN record_version INTEGER NOT NULL DEFAULT 0;

ALTER TABLE visit_goal_notes ADD COLUMN response TEXT;

CREATE TABLE visit_files (
    id           INTEGER PRIMARY KEY,
    visit_id     INTEGER NOT NULL REFERENCES visits (id),
    kind         TEXT NOT NULL CHECK (kind IN ('signature', 'photo')),
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    sha256       TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    removed_at   TEXT
);
CREATE INDEX visit_files_by_visit ON visit_files (visit_id);

CREATE TABLE record_submissions (
    key            TEXT PRIMARY KEY,
    visit_id       INTEGER NOT NULL REFERENCES visits (id),
    record_version INTEGER NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TEXT NOT NULL
);

ALTER TABLE teacher_leaves ADD COLUMN status TEXT NOT NULL DEFAULT 'approved'
    CHECK (status IN ('requested', 'approved', 'declined'));
ALTER TABLE teacher_leaves ADD COLUMN requested_by TEXT;
ALTER TABLE teacher_leaves ADD COLUMN decided_by TEXT;
ALTER TABLE teacher_leaves ADD COLUMN decided_at TEXT;
