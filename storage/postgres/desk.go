package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
)

var _ bot.DeskStore = (*DB)(nil)

// OpenHandoffs returns the conversations waiting for a person or with one,
// oldest in the queue first: what the desk rebuilds after a restart.
func (db *DB) OpenHandoffs(ctx context.Context) ([]*bot.Conversation, error) {
	return queryAll(ctx, db.pool, "open handoffs", scanConversation, `SELECT `+conversationColumns+` FROM conversations
		WHERE status IN ('queued', 'agent') ORDER BY queued_at, id`)
}

// AddNote stores an agent's internal note.
func (db *DB) AddNote(ctx context.Context, n bot.Note) error {
	if _, err := db.exec(ctx, `INSERT INTO notes (id, conversation_id, agent, agent_name, text, at)
		VALUES ($1, $2, $3, $4, $5, $6)`, n.ID, n.ConversationID, n.Agent, n.AgentName, n.Text, unixNanos(orNow(n.At))); err != nil {
		return fmt.Errorf("add note: %w", err)
	}
	return nil
}

// Notes returns a conversation's notes, oldest first.
func (db *DB) Notes(ctx context.Context, conversationID string) ([]bot.Note, error) {
	return queryAll(ctx, db.pool, "notes", func(s scanner) (bot.Note, error) {
		n := bot.Note{ConversationID: conversationID}
		var at int64
		err := s.Scan(&n.ID, &n.Agent, &n.AgentName, &n.Text, &at)
		n.At = fromUnix(at)
		return n, err
	}, `SELECT id, agent, agent_name, text, at FROM notes WHERE conversation_id = $1 ORDER BY at, id`, conversationID)
}

// AddFollowup stores a message a patient left for the team.
func (db *DB) AddFollowup(ctx context.Context, f bot.Followup) error {
	if _, err := db.exec(ctx, `INSERT INTO followups (id, conversation_id, queue, contact, question, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, f.ID, f.ConversationID, f.Queue, f.Contact, f.Question, unixNanos(orNow(f.CreatedAt))); err != nil {
		return fmt.Errorf("add follow-up: %w", err)
	}
	return nil
}

// Followups returns the follow-ups not done yet, oldest first.
func (db *DB) Followups(ctx context.Context) ([]bot.Followup, error) {
	return queryAll(ctx, db.pool, "follow-ups", func(s scanner) (bot.Followup, error) {
		var f bot.Followup
		var at int64
		err := s.Scan(&f.ID, &f.ConversationID, &f.Queue, &f.Contact, &f.Question, &at)
		f.CreatedAt = fromUnix(at)
		return f, err
	}, `SELECT id, conversation_id, queue, contact, question, created_at
		FROM followups WHERE done_at IS NULL ORDER BY created_at, id`)
}

// FollowupDone marks a follow-up handled by an agent; of two agents
// marking it at once, one does and the other gets ENOTFOUND.
func (db *DB) FollowupDone(ctx context.Context, id, agent string, at time.Time) error {
	n, err := db.exec(ctx, `UPDATE followups SET done_at = $1, done_by = $2 WHERE id = $3 AND done_at IS NULL`,
		unixNanos(at), agent, id)
	if err != nil {
		return fmt.Errorf("follow-up done: %w", err)
	}
	if n == 0 {
		return bot.Errorf(bot.ENOTFOUND, "no open follow-up %s", id)
	}
	return nil
}

// OpenConversations counts the conversations not closed, by status, for
// the active-conversations gauge.
func (db *DB) OpenConversations(ctx context.Context) (map[string]int, error) {
	return db.countBy(ctx, "open conversations",
		`SELECT status, count(*) FROM conversations WHERE status <> 'closed' GROUP BY status`)
}

// QueueLengths counts the conversations waiting for a person, by queue.
func (db *DB) QueueLengths(ctx context.Context) (map[string]int, error) {
	return db.countBy(ctx, "queue lengths",
		`SELECT queue, count(*) FROM conversations WHERE status = 'queued' GROUP BY queue`)
}

func (db *DB) countBy(ctx context.Context, what, query string) (map[string]int, error) {
	rows, err := db.pool.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("count %s: %w", what, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			label string
			n     int
		)
		if err := rows.Scan(&label, &n); err != nil {
			return nil, fmt.Errorf("count %s: %w", what, err)
		}
		out[label] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count %s: %w", what, err)
	}
	return out, nil
}
