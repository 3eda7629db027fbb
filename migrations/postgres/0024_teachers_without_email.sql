-- A teacher may have no email (their week goes to their school's coordinators
-- to pass on; kept as an empty email, as the column has always been NOT NULL)
-- and has a phone. Guardians' phones stored before they were normalised are
-- normalised by `init` after this migration (cli::upgrade). Keep in step with
-- the other migrations folder.
ALTER TABLE staff ADD COLUMN phone TEXT;
