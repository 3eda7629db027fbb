-- A visit a coordinator moved (or cancelled) by hand, with the reason: planning
-- the week again leaves a moved visit where it was put. Keep in step with the
-- other migrations folder.
ALTER TABLE visits ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1));
ALTER TABLE visits ADD COLUMN hand_reason TEXT;
