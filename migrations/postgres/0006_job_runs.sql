-- One row per scheduled run of a job: inserting it claims the run, so a run happens
-- once across restarts and across daemons sharing the database.
CREATE TABLE job_runs (
    job           TEXT NOT NULL,
    scheduled_for TIMESTAMPTZ NOT NULL,
    runner        TEXT NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    outcome       TEXT CHECK (outcome IN ('succeeded', 'failed')),
    error         TEXT,
    PRIMARY KEY (job, scheduled_for)
);
