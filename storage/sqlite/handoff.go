package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
)

// checkAgentLimit fails with ECAPACITY when the agent already holds
// lim.Max conversations other than conversationID. It must run in the
// write that gives them this one (index conversations_agent_load).
func checkAgentLimit(tx dbtx, conversationID string, lim *bot.AgentLimit) error {
	if lim == nil {
		return nil
	}
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM conversations WHERE status = 'agent' AND agent = ? AND id != ?`,
		lim.Agent, conversationID).Scan(&n); err != nil {
		return fmt.Errorf("count agent's chats: %w", err)
	}
	if n >= lim.Max {
		return bot.Errorf(bot.ECAPACITY, "agent holds %d of %d chats", n, lim.Max)
	}
	return nil
}

// updateHandoff keeps the conversation's handoffs in step with its turn.
// Every handoff is a row of its own: a new one is inserted (ending one
// still open, which should not happen, as "requeued"); the conversation's
// status then marks the open one taken (the first agent and when) or
// ended (back with the bot, or closed, with outcome). Transfers between
// queues and agents stay within one handoff.
func updateHandoff(tx dbtx, c *bot.Conversation, h *bot.Handoff, outcome string, now time.Time) error {
	if h != nil {
		if _, err := tx.Exec(`UPDATE handoffs SET closed_at = ?, outcome = 'requeued'
			WHERE conversation_id = ? AND closed_at IS NULL`, unixNanos(now), c.ID); err != nil {
			return fmt.Errorf("end earlier handoff: %w", err)
		}
		at := orNow(h.At)
		since := at
		if !h.Since.IsZero() && h.Since.Before(at) {
			since = h.Since
		}
		if _, err := tx.Exec(`INSERT INTO handoffs (conversation_id, queue, reason, step, at, waiting_since)
			VALUES (?, ?, ?, ?, ?, ?)`, c.ID, h.Queue, h.Reason, h.Step, unixNanos(at), unixNanos(since)); err != nil {
			return fmt.Errorf("insert handoff: %w", err)
		}
	}
	switch c.Status {
	case bot.StatusAgent:
		if _, err := tx.Exec(`UPDATE handoffs SET assigned_at = ?, assigned_agent = ?
			WHERE conversation_id = ? AND closed_at IS NULL AND assigned_at IS NULL`,
			unixNanos(now), c.Agent, c.ID); err != nil {
			return fmt.Errorf("mark handoff assigned: %w", err)
		}
	case bot.StatusBot, bot.StatusClosed:
		if _, err := tx.Exec(`UPDATE handoffs SET closed_at = ?, outcome = ?
			WHERE conversation_id = ? AND closed_at IS NULL`, unixNanos(now), outcome, c.ID); err != nil {
			return fmt.Errorf("close handoff: %w", err)
		}
	}
	return nil
}

// QueueItems returns the handoffs still waiting for a person, longest in
// line first: the open ones whose conversation is queued (a chat an agent
// transferred to a queue waits again).
func (db *DB) QueueItems(ctx context.Context) ([]bot.Handoff, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT h.conversation_id, h.queue, h.reason, h.step, h.at, h.waiting_since
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
		WHERE h.closed_at IS NULL AND c.status = 'queued'
		ORDER BY h.waiting_since, h.id`)
	if err != nil {
		return nil, fmt.Errorf("list queue: %w", err)
	}
	defer rows.Close()
	var items []bot.Handoff
	for rows.Next() {
		var (
			h         bot.Handoff
			at, since int64
		)
		if err := rows.Scan(&h.ConversationID, &h.Queue, &h.Reason, &h.Step, &at, &since); err != nil {
			return nil, fmt.Errorf("list queue: %w", err)
		}
		h.At = time.Unix(0, at).UTC()
		if since != at {
			h.Since = time.Unix(0, since).UTC()
		}
		items = append(items, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list queue: %w", err)
	}
	return items, nil
}
