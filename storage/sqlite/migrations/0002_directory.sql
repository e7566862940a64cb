-- The built-in portal directory (connectors/portal.Local): patient records,
-- their portal accounts, and the idempotency keys of account changes.
-- Times are INTEGER unix nanoseconds, UTC; NULL means "none".
-- password_hash is an argon2id PHC string and activation_hash a salted
-- HMAC-SHA256; neither secret is ever stored in clear.

CREATE TABLE directory_patients (
    record_id          TEXT PRIMARY KEY,
    mrn                TEXT NOT NULL UNIQUE,
    first_name         TEXT NOT NULL,
    last_name          TEXT NOT NULL,
    dob                TEXT NOT NULL,                 -- YYYY-MM-DD
    zip                TEXT NOT NULL,                 -- five digits
    email              TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL DEFAULT '',      -- E.164
    username           TEXT COLLATE NOCASE UNIQUE,    -- NULL until set; ASCII, so NOCASE is exact
    password_hash      TEXT NOT NULL DEFAULT '',
    activation_hash    TEXT NOT NULL DEFAULT '',
    activation_expires INTEGER,
    status             TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'active', 'locked', 'disabled')),
    failed_sign_ins    INTEGER NOT NULL DEFAULT 0,
    session_gen        INTEGER NOT NULL DEFAULT 0,    -- bumped to end every session
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
) STRICT;

-- Find and CheckActivationCode look up candidates by date of birth and ZIP.
CREATE INDEX directory_patients_dob_zip ON directory_patients (dob, zip);

-- An account change (activation, reset) applied under a key is not applied
-- again when the same key comes back after a crash.
CREATE TABLE directory_keys (
    key       TEXT PRIMARY KEY,
    record_id TEXT NOT NULL REFERENCES directory_patients (record_id),
    at        INTEGER NOT NULL
) STRICT;

CREATE INDEX directory_keys_at ON directory_keys (at);
