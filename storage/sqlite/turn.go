package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/portico-chat/portico/bot"
)

// Commit applies a turn atomically and durably, sharing its fsync with the
// other turns of the same group commit. Within one write it:
//   - reads the stored last_seq and numbers t.Messages after it;
//   - inserts the messages (a say id seen before fails the whole turn with
//     ECONFLICT, so the caller can look up the original with
//     MessageByClientID);
//   - refuses the turn (ECAPACITY) if it would give t.AgentLimit's agent
//     more conversations than its Max: counted here, inside the single
//     writer's transaction (BEGIN IMMEDIATE across processes), so
//     concurrent claims cannot both see room;
//   - replaces the conversation's state (it must exist: ENOTFOUND);
//   - chains the audit events;
//   - queues the deliveries (one with a key seen before is dropped);
//   - stores the codes, voiding earlier active ones of the same
//     conversation and purpose;
//   - records a new handoff (every one is kept), and marks the open one
//     taken or ended (with t.HandoffOutcome) as the status moves on;
//   - appends the states the turn entered (state_visits, for analytics);
//   - deletes the attempt reservations the turn gives back (t.Releases)
//     and the attempt counts it clears (t.Clears).
//
// On success it sets the messages' ConversationID and Seq, the
// conversation's LastSeq (and a zero UpdatedAt to now), and the IDs, Seqs and
// hashes the store assigned; on failure t is unchanged.
func (db *DB) Commit(ctx context.Context, t *bot.Turn) error {
	if t == nil || t.Conversation == nil || t.Conversation.ID == "" {
		return bot.Errorf(bot.EINVALID, "turn has no conversation")
	}
	c := t.Conversation
	now := orNow(c.UpdatedAt)
	msgs := make([]bot.Message, len(t.Messages))
	copy(msgs, t.Messages)
	audit := make([]bot.AuditEvent, len(t.Audit))
	copy(audit, t.Audit)
	deliveries := make([]bot.Delivery, len(t.Deliveries))
	copy(deliveries, t.Deliveries)
	codes := make([]bot.Code, len(t.Codes))
	copy(codes, t.Codes)
	var lastSeq int64

	err := db.writeDurable(ctx, func(sqltx *sql.Tx) error {
		tx := cachedTx{sqltx, db.wstmts} // the hot statements, prepared
		err := tx.QueryRow(`SELECT last_seq FROM conversations WHERE id = ?`, c.ID).Scan(&lastSeq)
		if errors.Is(err, sql.ErrNoRows) {
			return bot.Errorf(bot.ENOTFOUND, "no such conversation")
		}
		if err != nil {
			return fmt.Errorf("read last seq: %w", err)
		}
		for i := range msgs {
			lastSeq++
			msgs[i].ConversationID, msgs[i].Seq = c.ID, lastSeq
			msgs[i].At = orNow(msgs[i].At)
		}
		if err := insertMessages(tx, msgs); err != nil {
			return err
		}
		if err := checkAgentLimit(tx, c.ID, t.AgentLimit); err != nil {
			return err
		}
		if err := updateConversation(tx, c, lastSeq, now); err != nil {
			return err
		}
		if err := appendAudit(tx, audit); err != nil {
			return err
		}
		for i := range deliveries {
			if err := db.insertDelivery(tx, &deliveries[i], now); err != nil {
				return err
			}
		}
		for i := range codes {
			codes[i].ConversationID = c.ID
			if err := insertCode(tx, &codes[i], now); err != nil {
				return err
			}
		}
		if err := insertVisits(tx, c.ID, t.Visits, unixNanos(now)); err != nil {
			return err
		}
		if err := releaseAttempts(tx, t.Releases); err != nil {
			return err
		}
		if err := clearAttempts(tx, t.Clears...); err != nil {
			return fmt.Errorf("clear attempts: %w", err)
		}
		return updateHandoff(tx, c, t.Handoff, t.HandoffOutcome, now)
	})
	if err != nil {
		return fmt.Errorf("commit turn: %w", err)
	}

	copy(t.Messages, msgs)
	copy(t.Audit, audit)
	copy(t.Deliveries, deliveries)
	copy(t.Codes, codes)
	c.LastSeq, c.UpdatedAt = lastSeq, now
	return nil
}
