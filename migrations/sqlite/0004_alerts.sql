-- Shortfall alerts: a state per plan (DESIGN.md, "Alerts"); at most one open.
CREATE TABLE alerts (
    id               INTEGER PRIMARY KEY,
    plan_id          INTEGER NOT NULL REFERENCES plans (id),
    severity         TEXT NOT NULL CHECK (severity IN ('behind', 'at_risk', 'unreachable')),
    opened_at        TEXT NOT NULL,
    last_notified_at TEXT NOT NULL,
    resolved_at      TEXT,
    acknowledged_at  TEXT,
    acknowledged_by  TEXT,
    ack_note         TEXT
);
CREATE UNIQUE INDEX alerts_one_open_per_plan ON alerts (plan_id) WHERE resolved_at IS NULL;
