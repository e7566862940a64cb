-- Every handoff kept: until now a conversation's handoff row was replaced
-- by its next one, so a chat handed off, returned to the bot and handed off
-- again counted once, with the second reason. Now each handoff is a row of
-- its own: put in a queue (at), in line since (waiting_since: earlier when
-- a patient chose to keep their place), first taken by an agent
-- (assigned_agent, assigned_at), off the human side again (closed_at) and
-- how (outcome). Transfers between queues and agents stay within one
-- handoff. Existing rows are kept as they were; their outcome was not
-- recorded ('').
-- Times are INTEGER unix nanoseconds, UTC.

CREATE TABLE handoffs_kept (
    id              INTEGER PRIMARY KEY,
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    queue           TEXT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    step            TEXT NOT NULL DEFAULT '',
    at              INTEGER NOT NULL,
    waiting_since   INTEGER NOT NULL,
    assigned_agent  TEXT NOT NULL DEFAULT '',
    assigned_at     INTEGER,
    closed_at       INTEGER,
    outcome         TEXT NOT NULL DEFAULT ''
) STRICT;

INSERT INTO handoffs_kept (conversation_id, queue, reason, step, at, waiting_since,
        assigned_agent, assigned_at, closed_at)
    SELECT conversation_id, queue, reason, step, at, at, assigned_agent, assigned_at, closed_at
    FROM handoffs ORDER BY at, conversation_id;

DROP TABLE handoffs;
ALTER TABLE handoffs_kept RENAME TO handoffs;

-- A conversation's handoffs in order; at most one of them open.
CREATE INDEX handoffs_conversation ON handoffs (conversation_id, id);
CREATE UNIQUE INDEX handoffs_open ON handoffs (conversation_id) WHERE closed_at IS NULL;
