-- An alert that opened when no supervisor could be told (none for the school and
-- none for the district): the operators were told instead, and `alert list` says so
-- until a supervisor hears of it.
ALTER TABLE alerts ADD COLUMN nobody_told BOOLEAN NOT NULL DEFAULT FALSE;
