-- Core schema: conversations, transcripts, handoffs, the audit chain, one-time
-- codes, attempt counters, the delivery outbox and flow versions.
-- Times are INTEGER unix nanoseconds, UTC; NULL means "not yet".

CREATE TABLE conversations (
    id           TEXT PRIMARY KEY,
    status       TEXT NOT NULL,
    resolution   TEXT NOT NULL DEFAULT '',
    locale       TEXT NOT NULL DEFAULT '',
    flow         TEXT NOT NULL DEFAULT '',
    flow_version INTEGER NOT NULL DEFAULT 0,
    state        TEXT NOT NULL DEFAULT '',
    stack        TEXT NOT NULL DEFAULT '[]', -- JSON array of frames
    slots        TEXT NOT NULL DEFAULT '{}', -- JSON object, never secrets
    tries        INTEGER NOT NULL DEFAULT 0,
    misses       INTEGER NOT NULL DEFAULT 0,
    step         INTEGER NOT NULL DEFAULT 0,
    subject      TEXT NOT NULL DEFAULT '',
    verified_at  INTEGER,
    verified_by  TEXT NOT NULL DEFAULT '',
    resume_hash  BLOB UNIQUE,                -- SHA-256 of the resume token
    last_seq     INTEGER NOT NULL DEFAULT 0,
    queue        TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

-- The idle sweep and the transcript purge each read one side of status.
CREATE INDEX conversations_open_updated ON conversations (updated_at) WHERE status != 'closed';
CREATE INDEX conversations_closed_updated ON conversations (updated_at) WHERE status = 'closed';

CREATE TABLE messages (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq             INTEGER NOT NULL,
    client_id       TEXT NOT NULL DEFAULT '',
    sender          TEXT NOT NULL,
    agent           TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL DEFAULT '',
    at              INTEGER NOT NULL,
    replies         TEXT, -- JSON array of {label, value}, NULL when none
    input           TEXT, -- JSON input hint, NULL when none
    PRIMARY KEY (conversation_id, seq)
) STRICT;

-- A patient's say id is processed once per conversation.
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, client_id) WHERE client_id != '';

CREATE TABLE handoffs (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations (id),
    queue           TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    step            TEXT NOT NULL DEFAULT '',
    at              INTEGER NOT NULL,
    assigned_agent  TEXT NOT NULL DEFAULT '',
    assigned_at     INTEGER,
    closed_at       INTEGER
) STRICT;

CREATE INDEX handoffs_waiting ON handoffs (at) WHERE assigned_at IS NULL AND closed_at IS NULL;

-- Append-only and hash-chained: hash = SHA-256(prev_hash || canonical row).
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    type      TEXT NOT NULL,
    at        INTEGER NOT NULL,
    node      TEXT NOT NULL DEFAULT '',
    source    TEXT NOT NULL DEFAULT '',
    actor     TEXT NOT NULL DEFAULT '',
    subject   TEXT NOT NULL DEFAULT '',
    outcome   TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash BLOB NOT NULL,
    hash      BLOB NOT NULL
) STRICT;

CREATE INDEX audit_subject ON audit (subject, seq) WHERE subject != '';

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'audit is append-only');
END;

-- One-time codes, stored only as a salted hash.
CREATE TABLE codes (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    purpose         TEXT NOT NULL,
    subject         TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL DEFAULT '',
    salt            BLOB NOT NULL,
    hash            BLOB NOT NULL,
    expires_at      INTEGER NOT NULL,
    tries           INTEGER NOT NULL DEFAULT 0,
    used_at         INTEGER,
    voided_at       INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX codes_active ON codes (conversation_id, purpose, created_at)
    WHERE used_at IS NULL AND voided_at IS NULL;

-- Throttling and lockout counters.
CREATE TABLE attempts (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    at   INTEGER NOT NULL
) STRICT;

CREATE INDEX attempts_key ON attempts (kind, key, at);

-- Durable delivery queue drained by the notify worker. text is scrubbed
-- once the delivery is sent or abandoned: it may hold a code.
CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    channel    TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL,
    key        TEXT UNIQUE, -- idempotency key; NULL means none
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    sent_at    INTEGER,
    failed_at  INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX outbox_due ON outbox (next_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Published flow versions are immutable.
CREATE TABLE flows (
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    source     BLOB NOT NULL,
    author     TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (name, version)
) STRICT;

CREATE TRIGGER flows_immutable BEFORE UPDATE ON flows
BEGIN
    SELECT RAISE(ABORT, 'flow versions are immutable');
END;
