-- Each plan's pace as the daemon's check-pace last read it, since when its status
-- has been what it is, and the year's end as the projection after that reading
-- saw it; and each week's planning report (what could not be placed and why, the
-- staffing advice). The pages read these instead of working a district's year
-- out on every request. Keep in step with the other migrations folder.
CREATE TABLE plan_readings (
    plan_id      BIGINT PRIMARY KEY REFERENCES plans (id),
    status       TEXT NOT NULL,
    delivered    BIGINT NOT NULL,
    pending      BIGINT NOT NULL,
    expected     BIGINT NOT NULL,
    target       BIGINT NOT NULL,
    status_since TIMESTAMPTZ NOT NULL,
    read_at      TIMESTAMPTZ NOT NULL,
    projected    BIGINT,
    projected_at TIMESTAMPTZ
);

CREATE TABLE week_reports (
    week       TEXT PRIMARY KEY,
    report     TEXT NOT NULL,
    planned_at TIMESTAMPTZ NOT NULL
);
