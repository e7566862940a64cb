-- The agent console: staff accounts (agents and admins), their sessions,
-- canned responses, and an index for searching past conversations.
-- Times are INTEGER unix nanoseconds, UTC; NULL means "none".
-- password_hash is an argon2id PHC string; a session is stored only as the
-- SHA-256 of its token.

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,            -- lower-cased by the application
    name           TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    password_hash  TEXT NOT NULL,
    capacity       INTEGER NOT NULL DEFAULT 3 CHECK (capacity > 0),
    queues         TEXT NOT NULL DEFAULT '[]',      -- JSON array; empty means every queue
    disabled       INTEGER NOT NULL DEFAULT 0,
    failed_signins INTEGER NOT NULL DEFAULT 0,
    locked_until   INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    token_hash   BLOB PRIMARY KEY,                  -- SHA-256 of the cookie's token
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,                  -- absolute end
    source       TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE canned_responses (
    shortcut   TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Past conversations are listed newest first, by creation.
CREATE INDEX conversations_created ON conversations (created_at DESC, id DESC);
