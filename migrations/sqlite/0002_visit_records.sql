-- Visit records: a visit made without being planned, notes per plan goal.

ALTER TABLE visits ADD COLUMN unplanned INTEGER NOT NULL DEFAULT 0;

CREATE TABLE visit_goal_notes (
    visit_id INTEGER NOT NULL REFERENCES visits (id),
    goal_id  INTEGER NOT NULL REFERENCES plan_goals (id),
    text     TEXT NOT NULL,
    PRIMARY KEY (visit_id, goal_id)
);

-- `visit list --week` and the unrecorded reminders read visits by day.
CREATE INDEX visits_by_day ON visits (day);
