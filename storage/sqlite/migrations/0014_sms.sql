-- The SMS channel (connectors/sms, docs/sms.md).

-- Patients' numbers that texted STOP, across all of our numbers; sid is
-- the message that asked, so a redelivery of it is confirmed again.
CREATE TABLE sms_suppressions (
    number TEXT PRIMARY KEY,
    sid    TEXT NOT NULL,
    at     INTEGER NOT NULL
) STRICT;

-- The latest conversation of each pair of numbers (ours:theirs); a text
-- after sms.session_idle starts a new one and replaces the row.
CREATE TABLE sms_sessions (
    pair            TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;

-- Segments of every text in and out, the cost metric; no numbers, no text.
CREATE TABLE sms_segments (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL DEFAULT '',
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    segments        INTEGER NOT NULL,
    at              INTEGER NOT NULL
) STRICT;
CREATE INDEX sms_segments_at ON sms_segments (at);
