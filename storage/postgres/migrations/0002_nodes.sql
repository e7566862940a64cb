-- What the nodes sharing this database coordinate through, besides the
-- advisory locks of turns and LISTEN/NOTIFY (neither needs a table):
-- leases on singleton work and on deliveries being sent, and who is
-- connected to which node. Neither is copied by portico migrate: both
-- are rebuilt within seconds by the running nodes.

-- A lease is held by one node until a time, and renewed by it; another
-- node takes it over once it lapsed (storage/postgres/lease.go). Times
-- are the database server's clock, unix nanoseconds, so that the nodes'
-- clocks need not agree.
CREATE TABLE node_leases (
    name  TEXT PRIMARY KEY,
    node  TEXT NOT NULL,
    until BIGINT NOT NULL
);
CREATE INDEX node_leases_until ON node_leases (until);

-- Agents with a console open and waiting patients with a page open, by
-- node, as each node last reported them (storage/postgres/presence.go).
CREATE TABLE node_presence (
    key     TEXT NOT NULL,
    node    TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (key, node)
);
CREATE INDEX node_presence_seen ON node_presence (seen_at);
