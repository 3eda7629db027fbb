-- Accounts, sessions and the access log (logins and roles). Keep in step with
-- migrations/postgres.

-- A person who logs in: a role and a scope (a teacher id; schools, or the district).
CREATE TABLE accounts (
    id                  INTEGER PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE, -- lower case
    name                TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'teacher', 'supervisor')),
    teacher_id          TEXT REFERENCES staff (id),
    district_wide       INTEGER NOT NULL DEFAULT 0 CHECK (district_wide IN (0, 1)),
    -- argon2id PHC string; NULL until the invitation is used
    password_hash       TEXT,
    password_changed_at TEXT,
    disabled_at         TEXT,
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    locked_until        TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE TABLE account_schools (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    school_id  INTEGER NOT NULL REFERENCES schools (id),
    PRIMARY KEY (account_id, school_id)
);

-- A one-time link: an invitation or a password reset. Only a hash of it is kept.
CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

-- A logged-in browser. The cookie holds the id; only its hash is kept here.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ended_at     TEXT,
    address      TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);

-- Failed logins by address (to slow an address that keeps failing) and by the
-- email tried (so an email with no account locks like one with an account).
CREATE TABLE login_failures (
    id      INTEGER PRIMARY KEY,
    address TEXT NOT NULL,
    email   TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX login_failures_by_address ON login_failures (address, at);
CREATE INDEX login_failures_by_email ON login_failures (email, at);

-- Every read of a child's personal details: append-only, each row's hash covers
-- the previous row's hash and its own fields.
CREATE TABLE access_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    account    TEXT NOT NULL,
    role       TEXT NOT NULL,
    student_id TEXT NOT NULL,
    what       TEXT NOT NULL,
    address    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX access_log_by_student ON access_log (student_id, at);

-- The hash of the last row written: a removed last row is found too.
CREATE TABLE access_log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    hash TEXT NOT NULL
);
