package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
)

// purgeBatch is how many rows one purge transaction deletes, so that
// retention never holds locks long enough to delay a turn.
const purgeBatch = 1000

const messageColumns = `conversation_id, seq, client_id, sender, agent, text, at, replies, input`

// insertMessage stores m, whose Seq is already assigned. A say id seen
// before in the conversation is an ECONFLICT error.
func insertMessage(ctx context.Context, tx pgx.Tx, m *bot.Message) error {
	replies, err := jsonOrNull(m.Replies, len(m.Replies) == 0)
	if err != nil {
		return fmt.Errorf("replies: %w", err)
	}
	input, err := jsonOrNull(m.Input, m.Input == nil)
	if err != nil {
		return fmt.Errorf("input: %w", err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO messages (`+messageColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		m.ConversationID, m.Seq, m.ClientID, string(m.From), m.Agent, m.Text, unixNanos(orNow(m.At)),
		replies, input)
	if isUniqueViolation(err) {
		return bot.Errorf(bot.ECONFLICT, "message id already seen")
	}
	return err
}

var _ bot.ClientIDStore = (*DB)(nil)

// ClientIDs returns every say id stored in a conversation with its
// message's seq; none for a conversation without says, or an unknown one.
func (db *DB) ClientIDs(ctx context.Context, conversationID string) (map[string]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT client_id, seq FROM messages
		WHERE conversation_id = $1 AND client_id <> ''`, conversationID)
	if err != nil {
		return nil, fmt.Errorf("load say ids: %w", err)
	}
	defer rows.Close()
	var ids map[string]int64
	for rows.Next() {
		var id string
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return nil, fmt.Errorf("load say ids: %w", err)
		}
		if ids == nil {
			ids = map[string]int64{}
		}
		ids[id] = seq
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load say ids: %w", err)
	}
	return ids, nil
}

// Messages returns a conversation's messages with seq > afterSeq, in order:
// none when there are no newer ones, ENOTFOUND for an unknown conversation.
func (db *DB) Messages(ctx context.Context, conversationID string, afterSeq int64) ([]bot.Message, error) {
	msgs, err := queryAll(ctx, db.pool, "load messages", scanMessage, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = $1 AND seq > $2 ORDER BY seq`, conversationID, afterSeq)
	if err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		var one int
		err := db.pool.QueryRow(ctx, `SELECT 1 FROM conversations WHERE id = $1`, conversationID).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, bot.Errorf(bot.ENOTFOUND, "no such conversation")
		}
		if err != nil {
			return nil, fmt.Errorf("load messages: %w", err)
		}
	}
	return msgs, nil
}

// MessageByClientID returns the message stored for a patient's say id, or
// ENOTFOUND.
func (db *DB) MessageByClientID(ctx context.Context, conversationID, clientID string) (*bot.Message, error) {
	if clientID == "" {
		return nil, bot.Errorf(bot.ENOTFOUND, "no such message")
	}
	m, err := scanMessage(db.pool.QueryRow(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = $1 AND client_id = $2 AND client_id <> ''`, conversationID, clientID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.Errorf(bot.ENOTFOUND, "no such message")
	}
	if err != nil {
		return nil, fmt.Errorf("load message by client id: %w", err)
	}
	return &m, nil
}

func scanMessage(s scanner) (bot.Message, error) {
	var (
		m              bot.Message
		from           string
		at             int64
		replies, input sql.NullString
	)
	if err := s.Scan(&m.ConversationID, &m.Seq, &m.ClientID, &from, &m.Agent, &m.Text, &at,
		&replies, &input); err != nil {
		return m, err
	}
	m.From = bot.From(from)
	m.At = fromUnix(at)
	if err := fromJSON(replies, &m.Replies); err != nil {
		return m, fmt.Errorf("replies: %w", err)
	}
	if err := fromJSON(input, &m.Input); err != nil {
		return m, fmt.Errorf("input: %w", err)
	}
	return m, nil
}

// PurgeTranscripts applies transcript retention: it deletes the messages of
// closed conversations last updated before `before`, in batches, then
// empties their slots and deletes their notes and answered follow-ups.
// Conversation rows and the audit log stay. It returns the number of
// messages deleted.
func (db *DB) PurgeTranscripts(ctx context.Context, before time.Time) (int, error) {
	cutoff := unixNanos(before)
	total := 0
	for {
		n, err := db.exec(ctx, `DELETE FROM messages WHERE ctid IN (
			SELECT m.ctid FROM conversations c JOIN messages m ON m.conversation_id = c.id
			WHERE c.status = 'closed' AND c.updated_at < $1 LIMIT $2)`, cutoff, purgeBatch)
		if err != nil {
			return total, fmt.Errorf("purge transcripts: %w", err)
		}
		total += int(n)
		if n < purgeBatch {
			break
		}
	}
	err := db.Write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE conversations SET slots = '{}'
			WHERE status = 'closed' AND updated_at < $1 AND slots <> '{}'`, cutoff); err != nil {
			return err
		}
		closed := `SELECT id FROM conversations WHERE status = 'closed' AND updated_at < $1`
		if _, err := tx.Exec(ctx, `DELETE FROM notes WHERE conversation_id IN (`+closed+`)`, cutoff); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM followups WHERE done_at IS NOT NULL AND conversation_id IN (`+closed+`)`, cutoff)
		return err
	})
	if err != nil {
		return total, fmt.Errorf("purge transcript slots, notes and follow-ups: %w", err)
	}
	return total, nil
}

// PurgeSilentConversations deletes the closed conversations, unchanged
// since before, in which the patient never wrote (and that have no
// handoff, note, follow-up or code), with their bot messages and state
// visits. The audit log keeps its rows. It returns how many were deleted.
func (db *DB) PurgeSilentConversations(ctx context.Context, before time.Time) (int, error) {
	cutoff := unixNanos(before)
	total := 0
	for {
		var n int
		err := db.Write(ctx, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT c.id FROM conversations c
				WHERE c.status = 'closed' AND c.updated_at < $1
				AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender = 'patient')
				AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id)
				AND NOT EXISTS (SELECT 1 FROM notes x WHERE x.conversation_id = c.id)
				AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.conversation_id = c.id)
				AND NOT EXISTS (SELECT 1 FROM codes k WHERE k.conversation_id = c.id)
				LIMIT $2 FOR UPDATE SKIP LOCKED`, cutoff, purgeBatch)
			if err != nil {
				return err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			for _, q := range []string{
				`DELETE FROM messages WHERE conversation_id = ANY($1)`,
				`DELETE FROM state_visits WHERE conversation_id = ANY($1)`,
			} {
				if _, err := tx.Exec(ctx, q, ids); err != nil {
					return err
				}
			}
			tag, err := tx.Exec(ctx, `DELETE FROM conversations WHERE id = ANY($1)`, ids)
			n = int(tag.RowsAffected())
			return err
		})
		if err != nil {
			return total, fmt.Errorf("purge silent conversations: %w", err)
		}
		total += n
		if n < purgeBatch {
			return total, nil
		}
	}
}
