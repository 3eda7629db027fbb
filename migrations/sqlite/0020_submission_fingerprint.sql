-- What a record sent under a key said (a hash), so that the key sent again with
-- a different record is refused instead of answered with the first.
ALTER TABLE record_submissions ADD COLUMN fingerprint TEXT;
