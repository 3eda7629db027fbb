-- A teacher's private calendar feed: the URL holds a random token; only its hash
-- is kept here. Keep in step with the other migrations folder.
CREATE TABLE calendar_feeds (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX calendar_feeds_by_account ON calendar_feeds (account_id);
