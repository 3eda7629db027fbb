-- A school year's calendar as corrected on the pages (a holiday announced after
-- the year's file was written): the whole corrected calendar in the file's form.
-- Once a year has a row, every process (command line, daemon, pages) plans and
-- counts pace with it instead of the file. Keep in step with the other
-- migrations folder.
CREATE TABLE calendar_corrections (
    school_year TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  TIMESTAMPTZ NOT NULL
);
