-- Activation codes move out of the local directory's records into a table
-- of their own, keyed by record ID: Portico keeps them whatever the
-- directory (the local one, LDAP, Keycloak, the portal bridge), and checks
-- them itself (bot.ActivationCodes). hash is a salted HMAC-SHA256 of the
-- normalised code; the code is never stored in clear.
CREATE TABLE activation_codes (
    record_id  TEXT PRIMARY KEY,
    hash       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

INSERT INTO activation_codes (record_id, hash, expires_at)
    SELECT record_id, activation_hash, activation_expires FROM directory_patients
    WHERE activation_hash != '' AND activation_expires IS NOT NULL;

ALTER TABLE directory_patients DROP COLUMN activation_hash;
ALTER TABLE directory_patients DROP COLUMN activation_expires;
