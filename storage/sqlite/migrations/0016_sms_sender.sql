-- The number of ours an SMS goes out from, when it is not notify.sms.from:
-- an SMS conversation is answered from the number the patient texted
-- (docs/sms.md). Our own number, not the patient's: kept in clear.
ALTER TABLE outbox ADD COLUMN sender TEXT NOT NULL DEFAULT '';
