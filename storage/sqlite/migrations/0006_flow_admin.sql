-- Flow administration: drafts beside the immutable published versions, who
-- published each version and the transcript tests it was published with,
-- and API tokens for automation.
-- Times are INTEGER unix nanoseconds, UTC; NULL means "none".

-- A version's author wrote it; published_by made it current (the same
-- person, a reviewer, or "system" for flows loaded from files).
ALTER TABLE flows ADD COLUMN published_by TEXT NOT NULL DEFAULT '';
ALTER TABLE flows ADD COLUMN tests BLOB NOT NULL DEFAULT x'';

-- At most one draft per flow: what an admin is editing, not yet published.
CREATE TABLE flow_drafts (
    name       TEXT PRIMARY KEY,
    source     BLOB NOT NULL,
    tests      BLOB NOT NULL DEFAULT x'',           -- YAML transcript tests (flowtest)
    author     TEXT NOT NULL,                       -- last editor, e.g. "admin:<id>"
    updated_at INTEGER NOT NULL
) STRICT;

-- API tokens are stored only as the SHA-256 of the token; the token itself
-- is shown once, when it is created.
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,                     -- space-separated, e.g. "flows:read flows:write"
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;
