package sqlite

import (
	"context"
	"database/sql"
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

// updateHandoff keeps the conversation's handoff row in step with its turn:
// a new handoff replaces the old one; the conversation's status then marks
// it assigned (with an agent) or closed (back with the bot, or over).
func updateHandoff(tx dbtx, c *bot.Conversation, h *bot.Handoff, now time.Time) error {
	if h != nil {
		if _, err := tx.Exec(`INSERT OR REPLACE INTO handoffs (conversation_id, queue, reason, step, at)
			VALUES (?, ?, ?, ?, ?)`, c.ID, h.Queue, h.Reason, h.Step, unixNanos(orNow(h.At))); err != nil {
			return fmt.Errorf("insert handoff: %w", err)
		}
	}
	switch c.Status {
	case bot.StatusAgent:
		if _, err := tx.Exec(`UPDATE handoffs SET assigned_at = ?
			WHERE conversation_id = ? AND assigned_at IS NULL AND closed_at IS NULL`,
			unixNanos(now), c.ID); err != nil {
			return fmt.Errorf("mark handoff assigned: %w", err)
		}
	case bot.StatusBot, bot.StatusClosed:
		if _, err := tx.Exec(`UPDATE handoffs SET closed_at = ?
			WHERE conversation_id = ? AND closed_at IS NULL`, unixNanos(now), c.ID); err != nil {
			return fmt.Errorf("close handoff: %w", err)
		}
	}
	return nil
}

// QueueItems returns the handoffs still waiting for a person, oldest first:
// those whose conversation is queued and which no agent has taken.
func (db *DB) QueueItems(ctx context.Context) ([]bot.Handoff, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT h.conversation_id, h.queue, h.reason, h.step, h.at
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
		WHERE h.assigned_at IS NULL AND h.closed_at IS NULL AND c.status = 'queued'
		ORDER BY h.at, h.conversation_id`)
	if err != nil {
		return nil, fmt.Errorf("list queue: %w", err)
	}
	defer rows.Close()
	var items []bot.Handoff
	for rows.Next() {
		var (
			h  bot.Handoff
			at int64
		)
		if err := rows.Scan(&h.ConversationID, &h.Queue, &h.Reason, &h.Step, &at); err != nil {
			return nil, fmt.Errorf("list queue: %w", err)
		}
		h.At = time.Unix(0, at).UTC()
		items = append(items, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list queue: %w", err)
	}
	return items, nil
}

// AssignHandoff records which agent took a waiting conversation, for
// reporting. The conversation leaves the queue when a turn sets its status
// to agent; this only names who. ENOTFOUND when it has no open handoff.
func (db *DB) AssignHandoff(ctx context.Context, conversationID, agent string, at time.Time) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE handoffs SET assigned_agent = ?, assigned_at = coalesce(assigned_at, ?)
			WHERE conversation_id = ? AND closed_at IS NULL`, agent, unixNanos(orNow(at)), conversationID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return bot.Errorf(bot.ENOTFOUND, "no open handoff")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("assign handoff: %w", err)
	}
	return nil
}
