-- Visit records: a visit made without being planned, notes per plan goal.

ALTER TABLE visits ADD COLUMN unplanned BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE visit_goal_notes (
    visit_id BIGINT NOT NULL REFERENCES visits (id),
    goal_id  BIGINT NOT NULL REFERENCES plan_goals (id),
    text     TEXT NOT NULL,
    PRIMARY KEY (visit_id, goal_id)
);

CREATE INDEX visits_by_day ON visits (day);
