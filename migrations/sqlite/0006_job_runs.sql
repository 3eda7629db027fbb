-- One row per scheduled run of a job: inserting it claims the run, so a run happens
-- once across restarts and across daemons sharing the database.
CREATE TABLE job_runs (
    job           TEXT NOT NULL,
    scheduled_for TEXT NOT NULL,
    runner        TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    outcome       TEXT CHECK (outcome IN ('succeeded', 'failed')),
    error         TEXT,
    PRIMARY KEY (job, scheduled_for)
);
