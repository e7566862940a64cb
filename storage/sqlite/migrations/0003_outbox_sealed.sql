-- Seal the outbox: recipient, subject and text become AES-256-GCM BLOBs
-- (version || nonce || ciphertext) under the key file beside the database.
-- STRICT TEXT columns refuse BLOBs, so the table is rebuilt with ANY
-- columns: rows written before this migration keep their TEXT values, which
-- Open seals in place and readers take as clear text meanwhile. rowid is
-- kept: it orders deliveries queued at the same instant.

CREATE TABLE outbox_sealed (
    id         TEXT PRIMARY KEY,
    channel    TEXT NOT NULL,
    recipient  ANY NOT NULL,            -- sealed BLOB; TEXT only before sealing
    subject    ANY NOT NULL DEFAULT '', -- sealed BLOB; TEXT only before sealing
    text       ANY NOT NULL,            -- sealed BLOB; '' once sent or abandoned
    key        TEXT UNIQUE,             -- idempotency key; NULL means none
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    sent_at    INTEGER,
    failed_at  INTEGER,
    last_error TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;

INSERT INTO outbox_sealed (rowid, id, channel, recipient, subject, text, key, attempts, next_at,
        sent_at, failed_at, last_error, created_at)
    SELECT rowid, id, channel, recipient, subject, text, key, attempts, next_at,
        sent_at, failed_at, last_error, created_at
    FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_sealed RENAME TO outbox;

CREATE INDEX outbox_due ON outbox (next_at) WHERE sent_at IS NULL AND failed_at IS NULL;

-- Rows still in clear, for Open to seal: empty once it has.
CREATE INDEX outbox_clear ON outbox (id) WHERE typeof(recipient) = 'text';
