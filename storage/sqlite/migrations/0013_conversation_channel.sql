-- A conversation runs on one channel: the web widget ("web") so far, SMS
-- next. Reports split conversations by it.
ALTER TABLE conversations ADD COLUMN channel TEXT NOT NULL DEFAULT 'web';
