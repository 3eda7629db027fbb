-- songjiao schema, SQLite flavour. Keep in step with migrations/postgres.
-- Dates are ISO-8601 text (YYYY-MM-DD); times are UTC timestamps as text.

CREATE TABLE schools (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- Teachers, coordinators and supervisors.
CREATE TABLE staff (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    email              TEXT NOT NULL,
    role               TEXT NOT NULL CHECK (role IN ('teacher', 'coordinator', 'supervisor')),
    school_id          INTEGER REFERENCES schools (id),
    -- NULL: the configured default
    max_visits_per_day INTEGER CHECK (max_visits_per_day > 0),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

CREATE TABLE teacher_availability (
    teacher_id TEXT NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
    weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7), -- ISO: 1 = Monday
    slot       TEXT NOT NULL,
    PRIMARY KEY (teacher_id, weekday, slot)
);

CREATE TABLE teacher_leaves (
    id         INTEGER PRIMARY KEY,
    teacher_id TEXT NOT NULL REFERENCES staff (id),
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    CHECK (start_date <= end_date)
);

CREATE TABLE students (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    gender         TEXT,
    birth_date     TEXT,
    disability     TEXT,
    guardian_name  TEXT,
    guardian_phone TEXT,
    address        TEXT,
    school_id      INTEGER NOT NULL REFERENCES schools (id),
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'left')),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

-- The slots in which a student's family can receive a visit.
CREATE TABLE family_availability (
    student_id TEXT NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    weekday    INTEGER NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    slot       TEXT NOT NULL,
    PRIMARY KEY (student_id, weekday, slot)
);

CREATE TABLE student_pauses (
    id         INTEGER PRIMARY KEY,
    student_id TEXT NOT NULL REFERENCES students (id),
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    CHECK (start_date <= end_date)
);

-- A plan holds its current revision; plan_revisions keeps every revision.
CREATE TABLE plans (
    id                INTEGER PRIMARY KEY,
    student_id        TEXT NOT NULL REFERENCES students (id),
    school_year       TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    revision          INTEGER NOT NULL,
    teacher_id        TEXT NOT NULL REFERENCES staff (id),
    backup_teacher_id TEXT REFERENCES staff (id),
    visits_per_week   INTEGER NOT NULL CHECK (visits_per_week > 0),
    periods_per_visit INTEGER NOT NULL CHECK (periods_per_visit > 0),
    annual_target     INTEGER NOT NULL CHECK (annual_target > 0),
    start_date        TEXT NOT NULL,
    end_date          TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK (start_date <= end_date)
);

-- 一人一案: at most one active plan per student per school year.
CREATE UNIQUE INDEX plans_one_active_per_student_year
    ON plans (student_id, school_year) WHERE status = 'active';

CREATE TABLE plan_revisions (
    plan_id           INTEGER NOT NULL REFERENCES plans (id),
    revision          INTEGER NOT NULL,
    teacher_id        TEXT NOT NULL,
    backup_teacher_id TEXT,
    visits_per_week   INTEGER NOT NULL,
    periods_per_visit INTEGER NOT NULL,
    annual_target     INTEGER NOT NULL,
    start_date        TEXT NOT NULL,
    end_date          TEXT NOT NULL,
    goals             TEXT NOT NULL, -- JSON array of the goals' texts
    reason            TEXT NOT NULL DEFAULT '',
    changed_by        TEXT NOT NULL,
    changed_at        TEXT NOT NULL,
    PRIMARY KEY (plan_id, revision)
);

-- A goal keeps its id across revisions while its text stays; visit notes refer to it.
CREATE TABLE plan_goals (
    id                  INTEGER PRIMARY KEY,
    plan_id             INTEGER NOT NULL REFERENCES plans (id),
    position            INTEGER NOT NULL,
    text                TEXT NOT NULL,
    added_in_revision   INTEGER NOT NULL,
    removed_in_revision INTEGER
);
CREATE INDEX plan_goals_by_plan ON plan_goals (plan_id);

CREATE TABLE visits (
    id                    INTEGER PRIMARY KEY,
    plan_id               INTEGER NOT NULL REFERENCES plans (id),
    teacher_id            TEXT NOT NULL REFERENCES staff (id),
    day                   TEXT NOT NULL,
    slot                  TEXT NOT NULL,
    status                TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'cancelled')),
    outcome               TEXT CHECK (outcome IN ('completed', 'partial', 'missed', 'cancelled')),
    periods               INTEGER CHECK (periods >= 0),
    mode                  TEXT NOT NULL DEFAULT 'home' CHECK (mode IN ('home', 'remote')),
    reason                TEXT,
    note                  TEXT,
    guardian_confirmed_by TEXT,
    guardian_confirmed_at TEXT,
    recorded_by           TEXT,
    recorded_at           TEXT,
    sequence              INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);

-- A teacher is in at most one home per slot.
CREATE UNIQUE INDEX visits_one_per_teacher_slot
    ON visits (teacher_id, day, slot) WHERE status = 'planned';
CREATE INDEX visits_by_plan ON visits (plan_id, day);
CREATE INDEX plans_by_teacher ON plans (teacher_id);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    detail    TEXT NOT NULL -- JSON
);
CREATE INDEX audit_log_by_entity ON audit_log (entity, entity_id);
