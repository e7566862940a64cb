-- The number of ours an SMS goes out from, when it is not notify.sms.from;
-- the same column as storage/sqlite's 0016_sms_sender.sql.
ALTER TABLE outbox ADD COLUMN sender TEXT NOT NULL DEFAULT '';
