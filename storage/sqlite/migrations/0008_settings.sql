-- Settings admins edit in the console: the queues and their office hours
-- (key 'queues', seeded from the configuration file on first start; the
-- database wins afterwards) and the widget's appearance (key 'widget').
-- value is a JSON document; times are INTEGER unix nanoseconds, UTC.

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_by TEXT NOT NULL DEFAULT '',             -- "admin:<id>", "system"
    updated_at INTEGER NOT NULL
) STRICT;

-- The audit viewer filters by actor, newest first.
CREATE INDEX audit_actor ON audit (actor, seq);
