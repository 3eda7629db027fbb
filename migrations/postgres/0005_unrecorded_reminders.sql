-- When the teacher was reminded of an unrecorded visit, and when the coordinator was told.
ALTER TABLE visits ADD COLUMN reminded_at TIMESTAMPTZ;
ALTER TABLE visits ADD COLUMN escalated_at TIMESTAMPTZ;
