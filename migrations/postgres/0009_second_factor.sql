-- A second factor (TOTP, RFC 6238) and its one-time recovery codes. Keep in step
-- with migrations/sqlite.
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_enabled_at TIMESTAMPTZ;
-- The last time step accepted: a code works once.
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT;

CREATE TABLE recovery_codes (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    TIMESTAMPTZ,
    PRIMARY KEY (account_id, code_hash)
);

-- A session that has the password but still waits for the second factor.
ALTER TABLE sessions ADD COLUMN awaiting_code BOOLEAN NOT NULL DEFAULT FALSE;
