-- When the teacher was reminded of an unrecorded visit, and when the coordinator was told.
ALTER TABLE visits ADD COLUMN reminded_at TEXT;
ALTER TABLE visits ADD COLUMN escalated_at TEXT;
