-- A teacher's private calendar feed: the URL holds a random token; only its hash
-- is kept here. Keep in step with the other migrations folder.
CREATE TABLE calendar_feeds (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX calendar_feeds_by_account ON calendar_feeds (account_id);
