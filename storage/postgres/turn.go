package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
)

// Commit applies a turn in one transaction, committed before it returns.
// Within it, it:
//   - locks the conversation's row (SELECT … FOR UPDATE), reads the stored
//     last_seq and numbers t.Messages after it, so that concurrent turns of
//     one conversation, on any node, number without gaps or repeats;
//   - inserts the messages (a say id seen before fails the whole turn with
//     ECONFLICT);
//   - refuses the turn (ECAPACITY) if it would give t.AgentLimit's agent
//     more conversations than its Max, counted under an advisory lock on
//     the agent, so that concurrent claims on any nodes cannot both see
//     room;
//   - replaces the conversation's state;
//   - chains the audit events (under the audit chain's lock);
//   - queues the deliveries (one with a key seen before is dropped);
//   - stores the codes, voiding earlier active ones of the same
//     conversation and purpose;
//   - records a new handoff and marks the open one taken or ended;
//   - appends the states the turn entered.
//
// On success it sets the messages' ConversationID and Seq, the
// conversation's LastSeq (and a zero UpdatedAt to now), and the IDs, Seqs
// and hashes the store assigned; on failure t is unchanged.
func (db *DB) Commit(ctx context.Context, t *bot.Turn) error {
	if t == nil || t.Conversation == nil || t.Conversation.ID == "" {
		return bot.Errorf(bot.EINVALID, "turn has no conversation")
	}
	c := t.Conversation
	now := orNow(c.UpdatedAt)
	msgs := make([]bot.Message, len(t.Messages))
	audit := make([]bot.AuditEvent, len(t.Audit))
	deliveries := make([]bot.Delivery, len(t.Deliveries))
	codes := make([]bot.Code, len(t.Codes))
	var lastSeq int64

	err := db.Write(ctx, func(tx pgx.Tx) error {
		// A retried transaction starts again from the caller's values.
		copy(msgs, t.Messages)
		copy(audit, t.Audit)
		copy(deliveries, t.Deliveries)
		copy(codes, t.Codes)
		err := tx.QueryRow(ctx, `SELECT last_seq FROM conversations WHERE id = $1 FOR UPDATE`, c.ID).Scan(&lastSeq)
		if errors.Is(err, pgx.ErrNoRows) {
			return bot.Errorf(bot.ENOTFOUND, "no such conversation")
		}
		if err != nil {
			return fmt.Errorf("read last seq: %w", err)
		}
		for i := range msgs {
			lastSeq++
			msgs[i].ConversationID, msgs[i].Seq = c.ID, lastSeq
			msgs[i].At = orNow(msgs[i].At)
			if err := insertMessage(ctx, tx, &msgs[i]); err != nil {
				return err
			}
		}
		if err := checkAgentLimit(ctx, tx, c.ID, t.AgentLimit); err != nil {
			return err
		}
		if err := updateConversation(ctx, tx, c, lastSeq, now); err != nil {
			return err
		}
		for i := range deliveries {
			if err := db.insertDelivery(ctx, tx, &deliveries[i], now); err != nil {
				return err
			}
		}
		for i := range codes {
			codes[i].ConversationID = c.ID
			if err := insertCode(ctx, tx, &codes[i], now); err != nil {
				return err
			}
		}
		if err := insertVisits(ctx, tx, c.ID, t.Visits, unixNanos(now)); err != nil {
			return err
		}
		if err := updateHandoff(ctx, tx, c, t.Handoff, t.HandoffOutcome, now); err != nil {
			return err
		}
		if err := releaseAttempts(ctx, tx, t.Releases); err != nil {
			return err
		}
		if err := clearAttempts(ctx, tx, t.Clears...); err != nil {
			return fmt.Errorf("clear attempts: %w", err)
		}
		// Last: the chain's lock is the most contended, so it is held
		// for the shortest time.
		return appendAudit(ctx, tx, audit)
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

// insertVisits appends a turn's state visits, in order.
func insertVisits(ctx context.Context, tx pgx.Tx, conversationID string, visits []bot.Visit, now int64) error {
	for _, v := range visits {
		at := now
		if !v.At.IsZero() {
			at = unixNanos(v.At)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO state_visits (conversation_id, flow, state, at) VALUES ($1, $2, $3, $4)`,
			conversationID, v.Flow, v.State, at); err != nil {
			return fmt.Errorf("insert state visit: %w", err)
		}
	}
	return nil
}

var _ bot.VisitRecorder = (*DB)(nil)

// RecordsVisits reports that Commit stores a turn's state visits.
func (db *DB) RecordsVisits() bool { return true }

// checkAgentLimit fails with ECAPACITY when the agent already holds
// lim.Max conversations other than conversationID. The count runs under an
// advisory lock on the agent held to the end of the transaction.
func checkAgentLimit(ctx context.Context, tx pgx.Tx, conversationID string, lim *bot.AgentLimit) error {
	if lim == nil {
		return nil
	}
	if err := lock(ctx, tx, "agent/"+lim.Agent); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM conversations WHERE status = 'agent' AND agent = $1 AND id <> $2`,
		lim.Agent, conversationID).Scan(&n); err != nil {
		return fmt.Errorf("count agent's chats: %w", err)
	}
	if n >= lim.Max {
		return bot.Errorf(bot.ECAPACITY, "agent holds %d of %d chats", n, lim.Max)
	}
	return nil
}

// updateHandoff keeps the conversation's handoffs in step with its turn
// (see storage/sqlite's: every handoff a row; the status marks the open
// one taken or ended).
func updateHandoff(ctx context.Context, tx pgx.Tx, c *bot.Conversation, h *bot.Handoff, outcome string, now time.Time) error {
	if h != nil {
		if _, err := tx.Exec(ctx, `UPDATE handoffs SET closed_at = $1, outcome = 'requeued'
			WHERE conversation_id = $2 AND closed_at IS NULL`, unixNanos(now), c.ID); err != nil {
			return fmt.Errorf("end earlier handoff: %w", err)
		}
		at := orNow(h.At)
		since := at
		if !h.Since.IsZero() && h.Since.Before(at) {
			since = h.Since
		}
		if _, err := tx.Exec(ctx, `INSERT INTO handoffs (conversation_id, queue, reason, step, at, waiting_since)
			VALUES ($1, $2, $3, $4, $5, $6)`, c.ID, h.Queue, h.Reason, h.Step, unixNanos(at), unixNanos(since)); err != nil {
			return fmt.Errorf("insert handoff: %w", err)
		}
	}
	switch c.Status {
	case bot.StatusAgent:
		if _, err := tx.Exec(ctx, `UPDATE handoffs SET assigned_at = $1, assigned_agent = $2
			WHERE conversation_id = $3 AND closed_at IS NULL AND assigned_at IS NULL`,
			unixNanos(now), c.Agent, c.ID); err != nil {
			return fmt.Errorf("mark handoff assigned: %w", err)
		}
	case bot.StatusBot, bot.StatusClosed:
		if _, err := tx.Exec(ctx, `UPDATE handoffs SET closed_at = $1, outcome = $2
			WHERE conversation_id = $3 AND closed_at IS NULL`, unixNanos(now), outcome, c.ID); err != nil {
			return fmt.Errorf("close handoff: %w", err)
		}
	}
	return nil
}

// QueueItems returns the handoffs still waiting for a person, longest in
// line first.
func (db *DB) QueueItems(ctx context.Context) ([]bot.Handoff, error) {
	return queryAll(ctx, db.pool, "list queue", func(s scanner) (bot.Handoff, error) {
		var (
			h         bot.Handoff
			at, since int64
		)
		if err := s.Scan(&h.ConversationID, &h.Queue, &h.Reason, &h.Step, &at, &since); err != nil {
			return h, err
		}
		h.At = fromUnix(at)
		if since != at {
			h.Since = fromUnix(since)
		}
		return h, nil
	}, `SELECT h.conversation_id, h.queue, h.reason, h.step, h.at, h.waiting_since
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
		WHERE h.closed_at IS NULL AND c.status = 'queued'
		ORDER BY h.waiting_since, h.id`)
}
