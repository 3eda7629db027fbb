-- A visit a coordinator moved (or cancelled) by hand, with the reason: planning
-- the week again leaves a moved visit where it was put. Keep in step with the
-- other migrations folder.
ALTER TABLE visits ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE visits ADD COLUMN hand_reason TEXT;
