-- Each plan's pace as the daemon's check-pace last read it, since when its status
-- has been what it is, and the year's end as the projection after that reading
-- saw it; and each week's planning report (what could not be placed and why, the
-- staffing advice). The pages read these instead of working a district's year
-- out on every request. Keep in step with the other migrations folder.
CREATE TABLE plan_readings (
    plan_id      INTEGER PRIMARY KEY REFERENCES plans (id),
    status       TEXT NOT NULL,
    delivered    INTEGER NOT NULL,
    pending      INTEGER NOT NULL,
    expected     INTEGER NOT NULL,
    target       INTEGER NOT NULL,
    status_since TEXT NOT NULL,
    read_at      TEXT NOT NULL,
    projected    INTEGER,
    projected_at TEXT
);

CREATE TABLE week_reports (
    week       TEXT PRIMARY KEY,
    report     TEXT NOT NULL,
    planned_at TEXT NOT NULL
);
