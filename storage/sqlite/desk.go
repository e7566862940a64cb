package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
)

var _ bot.DeskStore = (*DB)(nil)

// OpenHandoffs returns the conversations waiting for a person or with one,
// oldest in the queue first: what the desk rebuilds after a restart.
func (db *DB) OpenHandoffs(ctx context.Context) ([]*bot.Conversation, error) {
	return queryAll(ctx, db, "open handoffs", scanConversation, `SELECT `+conversationColumns+` FROM conversations
		WHERE status IN ('queued', 'agent') ORDER BY queued_at, id`)
}

// AddNote stores an agent's internal note.
func (db *DB) AddNote(ctx context.Context, n bot.Note) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO notes (id, conversation_id, agent, agent_name, text, at)
			VALUES (?, ?, ?, ?, ?, ?)`, n.ID, n.ConversationID, n.Agent, n.AgentName, n.Text, unixNanos(orNow(n.At)))
		return err
	})
	if err != nil {
		return fmt.Errorf("add note: %w", err)
	}
	return nil
}

// Notes returns a conversation's notes, oldest first.
func (db *DB) Notes(ctx context.Context, conversationID string) ([]bot.Note, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT id, agent, agent_name, text, at FROM notes
		WHERE conversation_id = ? ORDER BY at, id`, conversationID)
	if err != nil {
		return nil, fmt.Errorf("notes: %w", err)
	}
	defer rows.Close()
	var out []bot.Note
	for rows.Next() {
		n := bot.Note{ConversationID: conversationID}
		var at int64
		if err := rows.Scan(&n.ID, &n.Agent, &n.AgentName, &n.Text, &at); err != nil {
			return nil, fmt.Errorf("notes: %w", err)
		}
		n.At = time.Unix(0, at).UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}

// AddFollowup stores a message a patient left for the team.
func (db *DB) AddFollowup(ctx context.Context, f bot.Followup) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO followups (id, conversation_id, queue, contact, question, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, f.ID, f.ConversationID, f.Queue, f.Contact, f.Question, unixNanos(orNow(f.CreatedAt)))
		return err
	})
	if err != nil {
		return fmt.Errorf("add follow-up: %w", err)
	}
	return nil
}

// Followups returns the follow-ups not done yet, oldest first.
func (db *DB) Followups(ctx context.Context) ([]bot.Followup, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT id, conversation_id, queue, contact, question, created_at
		FROM followups WHERE done_at IS NULL ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("follow-ups: %w", err)
	}
	defer rows.Close()
	var out []bot.Followup
	for rows.Next() {
		var f bot.Followup
		var at int64
		if err := rows.Scan(&f.ID, &f.ConversationID, &f.Queue, &f.Contact, &f.Question, &at); err != nil {
			return nil, fmt.Errorf("follow-ups: %w", err)
		}
		f.CreatedAt = time.Unix(0, at).UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// FollowupDone marks a follow-up handled by an agent.
func (db *DB) FollowupDone(ctx context.Context, id, agent string, at time.Time) error {
	var n int64
	err := db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE followups SET done_at = ?, done_by = ? WHERE id = ? AND done_at IS NULL`,
			unixNanos(at), agent, id)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("follow-up done: %w", err)
	}
	if n == 0 {
		return bot.Errorf(bot.ENOTFOUND, "no open follow-up %s", id)
	}
	return nil
}
