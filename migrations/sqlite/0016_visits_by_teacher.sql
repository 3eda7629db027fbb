-- A teacher's visits of a week (their week page, their calendar feed, the API's
-- teachers' apps) read by teacher and day, not picked from the district's week.
-- Keep in step with the other migrations folder.
CREATE INDEX visits_by_teacher ON visits (teacher_id, day);
