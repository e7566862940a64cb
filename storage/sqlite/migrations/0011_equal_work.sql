-- A verification step writes the same whether or not a record matched
-- (docs/security.md, "Enumeration resistance"). Every audit row enters the
-- subject index, not only the rows that name a record; and a code that
-- must not go out is queued like any other, marked withheld, for the
-- sender to give up without sending it.
DROP INDEX audit_subject;
CREATE INDEX audit_subject ON audit (subject, seq);

ALTER TABLE outbox ADD COLUMN withheld TEXT NOT NULL DEFAULT '';
