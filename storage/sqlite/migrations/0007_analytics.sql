-- Analytics: the states each conversation entered (the funnel), and an
-- index for the report's reads of the audit log by event type.
-- Times are INTEGER unix nanoseconds, UTC. A visit names a flow and a
-- state, never an answer, so it is kept when transcripts are purged.

CREATE TABLE state_visits (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    flow            TEXT NOT NULL,
    state           TEXT NOT NULL,
    at              INTEGER NOT NULL
) STRICT;

-- A conversation's visits in the order they were entered (rowid).
CREATE INDEX state_visits_conversation ON state_visits (conversation_id);

-- Reports read closes and ratings since a date.
CREATE INDEX audit_type_at ON audit (type, at);
