-- Personal API tokens (only a hash is kept; the token is shown once) and the
-- answers to requests sent with an Idempotency-Key, so that a repeated request
-- gets the first answer and changes nothing more. Keep in step with the other
-- migrations folder.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    label        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_by_account ON api_tokens (account_id);

CREATE TABLE idempotent_answers (
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    key          TEXT NOT NULL,
    -- method, path and a hash of the body: the same key for another request is refused
    request      TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (account_id, key)
);
