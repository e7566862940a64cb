-- Human handoff: who holds a conversation and since when it waits;
-- internal notes (never part of the patient's transcript, so they take no
-- message seq); follow-ups left when nobody could take a chat.

ALTER TABLE conversations ADD COLUMN agent TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN agent_name TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN queued_at INTEGER;

CREATE INDEX conversations_open_handoffs ON conversations (status) WHERE status IN ('queued', 'agent');

CREATE TABLE notes (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    agent           TEXT NOT NULL,
    agent_name      TEXT NOT NULL DEFAULT '',
    text            TEXT NOT NULL,
    at              INTEGER NOT NULL
) STRICT;
CREATE INDEX notes_conversation ON notes (conversation_id, at);

CREATE TABLE followups (
    id              TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    queue           TEXT NOT NULL,
    contact         TEXT NOT NULL,
    question        TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    done_at         INTEGER,
    done_by         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX followups_open ON followups (created_at) WHERE done_at IS NULL;
