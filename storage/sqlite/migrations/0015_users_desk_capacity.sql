-- An account's capacity may be 0: "the desk's default" (handoff.capacity),
-- resolved when the desk uses it, so changing handoff.capacity reaches
-- everyone nobody gave a capacity of their own. Accounts keep the capacity
-- they have; an admin sets one to the default by clearing it.
--
-- SQLite cannot change a CHECK in place: users is rebuilt. sessions refers
-- to users, so its rows wait in a plain table while users is replaced (a
-- DROP of users with sessions still referring to it would delete nothing
-- but fail the foreign key check), then come back unchanged.

CREATE TABLE sessions_keep AS SELECT * FROM sessions;
DROP TABLE sessions;

CREATE TABLE users_new (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,            -- lower-cased by the application
    name           TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    password_hash  TEXT NOT NULL,
    capacity       INTEGER NOT NULL DEFAULT 0 CHECK (capacity >= 0), -- 0: handoff.capacity
    queues         TEXT NOT NULL DEFAULT '[]',      -- JSON array; empty means every queue
    disabled       INTEGER NOT NULL DEFAULT 0,
    failed_signins INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
INSERT INTO users_new SELECT * FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

CREATE TABLE sessions (
    token_hash   BLOB PRIMARY KEY,                  -- SHA-256 of the cookie's token
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,                  -- absolute end
    source       TEXT NOT NULL DEFAULT ''
) STRICT;
INSERT INTO sessions SELECT * FROM sessions_keep;
DROP TABLE sessions_keep;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
