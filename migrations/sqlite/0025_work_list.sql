-- The coordinator's work list (issue 37). Each plan's reading keeps the status
-- it had before (so the list can say who got worse) and its exceptions
-- (domain::exception): misses in a row for one reason, days without a delivered
-- visit, records the guardian did not confirm. An acknowledged alert may carry a
-- follow-up day, when it comes back to the list. Each account's last look at
-- the list (the changes since are new to them). Keep in step with the other
-- migrations folder.
ALTER TABLE plan_readings ADD COLUMN previous_status TEXT;
ALTER TABLE plan_readings ADD COLUMN misses_in_row INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plan_readings ADD COLUMN miss_reason TEXT;
ALTER TABLE plan_readings ADD COLUMN days_without_delivery INTEGER NOT NULL DEFAULT 0;
ALTER TABLE plan_readings ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN follow_up_on TEXT;
CREATE TABLE work_list_looks (
    account   TEXT PRIMARY KEY,
    looked_at TEXT NOT NULL
);
