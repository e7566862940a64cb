package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
)

// purgeBatch is how many messages one purge write deletes, so retention
// never holds the writer long enough to delay a conversation's turn.
const purgeBatch = 1000

const messageColumns = `conversation_id, seq, client_id, sender, agent, text, at, replies, input`

// insertMessagesSQL[n] inserts n messages in one statement: a turn's
// messages (the patient's and the bot's, usually) go in one execution
// instead of one each. Turns with more messages than the table holds use
// several.
var insertMessagesSQL = func() []string {
	out := make([]string, 5)
	row := `(?, ?, ?, ?, ?, ?, ?, ?, ?)`
	for n := 1; n < len(out); n++ {
		out[n] = `INSERT INTO messages (` + messageColumns + `) VALUES ` + row + strings.Repeat(", "+row, n-1)
	}
	return out
}()

// insertMessages stores msgs, whose Seqs are already assigned, in as few
// statements as insertMessagesSQL allows. A say id seen before in the
// conversation is an ECONFLICT error.
func insertMessages(tx dbtx, msgs []bot.Message) error {
	for len(msgs) > 0 {
		n := min(len(msgs), len(insertMessagesSQL)-1)
		args := make([]any, 0, 9*n)
		for i := range msgs[:n] {
			m := &msgs[i]
			replies, err := jsonOrNull(m.Replies, len(m.Replies) == 0)
			if err != nil {
				return fmt.Errorf("replies: %w", err)
			}
			input, err := jsonOrNull(m.Input, m.Input == nil)
			if err != nil {
				return fmt.Errorf("input: %w", err)
			}
			args = append(args, m.ConversationID, m.Seq, m.ClientID, string(m.From), m.Agent, m.Text,
				unixNanos(orNow(m.At)), replies, input)
		}
		_, err := tx.Exec(insertMessagesSQL[n], args...)
		if isUniqueViolation(err) {
			return bot.Errorf(bot.ECONFLICT, "message id already seen")
		}
		if err != nil {
			return err
		}
		msgs = msgs[n:]
	}
	return nil
}

var _ bot.ClientIDStore = (*DB)(nil)

// ClientIDs returns every say id stored in a conversation with its
// message's seq (by the messages_client_id index); none for a conversation
// without says, or an unknown one.
func (db *DB) ClientIDs(ctx context.Context, conversationID string) (map[string]int64, error) {
	rows, err := db.rstmts.query(ctx, `SELECT client_id, seq FROM messages
		WHERE conversation_id = ? AND client_id != ''`, conversationID)
	if err != nil {
		return nil, fmt.Errorf("load say ids: %w", err)
	}
	defer rows.Close()
	var ids map[string]int64 // nil until there is one: most conversations loaded have none
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
	rows, err := db.rstmts.query(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = ? AND seq > ? ORDER BY seq`, conversationID, afterSeq)
	if err != nil {
		return nil, fmt.Errorf("load messages: %w", err)
	}
	defer rows.Close()
	var msgs []bot.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, fmt.Errorf("load messages: %w", err)
		}
		msgs = append(msgs, *m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load messages: %w", err)
	}
	if len(msgs) == 0 {
		var one int
		err := db.reader.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE id = ?`, conversationID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
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
	// "client_id != ''" lets SQLite use the partial index messages_client_id
	// (it cannot know that the bound id is not empty); without it the
	// lookup scanned the conversation's messages.
	row := db.rstmts.queryRow(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE conversation_id = ? AND client_id = ? AND client_id != ''`, conversationID, clientID)
	m, err := scanMessage(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.Errorf(bot.ENOTFOUND, "no such message")
	}
	if err != nil {
		return nil, fmt.Errorf("load message by client id: %w", err)
	}
	return m, nil
}

type scanner interface {
	Scan(dest ...any) error
}

func scanMessage(s scanner) (*bot.Message, error) {
	var (
		m              bot.Message
		from           string
		at             int64
		replies, input sql.NullString
	)
	if err := s.Scan(&m.ConversationID, &m.Seq, &m.ClientID, &from, &m.Agent, &m.Text, &at,
		&replies, &input); err != nil {
		return nil, err
	}
	m.From = bot.From(from)
	m.At = time.Unix(0, at).UTC()
	if err := fromJSON(replies, &m.Replies); err != nil {
		return nil, fmt.Errorf("replies: %w", err)
	}
	if err := fromJSON(input, &m.Input); err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	return &m, nil
}

// PurgeTranscripts applies transcript retention: it deletes the messages of
// closed conversations last updated before `before`, and empties their
// slots (the demographics the patient typed). Conversation rows stay, for
// seq continuity and reporting; the audit log is not touched. It returns
// the number of messages deleted, deleting in small batches so that turns
// keep flowing meanwhile.
func (db *DB) PurgeTranscripts(ctx context.Context, before time.Time) (int, error) {
	cutoff := unixNanos(before)
	total := 0
	for {
		var n int64
		err := db.Write(ctx, func(tx *sql.Tx) error {
			res, err := tx.Exec(`DELETE FROM messages WHERE rowid IN (
				SELECT m.rowid FROM conversations c JOIN messages m ON m.conversation_id = c.id
				WHERE c.status = 'closed' AND c.updated_at < ? LIMIT ?)`, cutoff, purgeBatch)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, fmt.Errorf("purge transcripts: %w", err)
		}
		total += int(n)
		if n < purgeBatch {
			break
		}
	}
	err := db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`UPDATE conversations SET slots = '{}'
			WHERE status = 'closed' AND updated_at < ? AND slots != '{}'`, cutoff); err != nil {
			return err
		}
		// Agents' notes and the messages patients left are part of the
		// transcript too; a follow-up still open is kept until answered.
		closed := `SELECT id FROM conversations WHERE status = 'closed' AND updated_at < ?`
		if _, err := tx.Exec(`DELETE FROM notes WHERE conversation_id IN (`+closed+`)`, cutoff); err != nil {
			return err
		}
		_, err := tx.Exec(`DELETE FROM followups WHERE done_at IS NOT NULL AND conversation_id IN (`+closed+`)`, cutoff)
		return err
	})
	if err != nil {
		return total, fmt.Errorf("purge transcript slots, notes and follow-ups: %w", err)
	}
	return total, nil
}

// PurgeSilentConversations deletes the conversations in which the patient
// never wrote anything (a greeting nobody answered, a widget opened and
// left), closed and unchanged since before, with their bot messages and
// state visits: they are nobody's transcript, only a flood's footprint. A
// conversation with a handoff, a note, a follow-up or a code is kept. The
// audit log keeps its rows. It returns how many were deleted.
func (db *DB) PurgeSilentConversations(ctx context.Context, before time.Time) (int, error) {
	cutoff := unixNanos(before)
	total := 0
	for {
		var n int64
		err := db.Write(ctx, func(tx *sql.Tx) error {
			if _, err := tx.Exec(`CREATE TEMP TABLE IF NOT EXISTS silent (id TEXT PRIMARY KEY)`); err != nil {
				return err
			}
			if _, err := tx.Exec(`DELETE FROM temp.silent`); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO temp.silent SELECT c.id FROM conversations c
				WHERE c.status = 'closed' AND c.updated_at < ?
				AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender = 'patient')
				AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id)
				AND NOT EXISTS (SELECT 1 FROM notes x WHERE x.conversation_id = c.id)
				AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.conversation_id = c.id)
				AND NOT EXISTS (SELECT 1 FROM codes k WHERE k.conversation_id = c.id)
				LIMIT ?`, cutoff, purgeBatch); err != nil {
				return err
			}
			for _, q := range []string{
				`DELETE FROM messages WHERE conversation_id IN (SELECT id FROM temp.silent)`,
				`DELETE FROM state_visits WHERE conversation_id IN (SELECT id FROM temp.silent)`,
			} {
				if _, err := tx.Exec(q); err != nil {
					return err
				}
			}
			res, err := tx.Exec(`DELETE FROM conversations WHERE id IN (SELECT id FROM temp.silent)`)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, fmt.Errorf("purge silent conversations: %w", err)
		}
		total += int(n)
		if n < purgeBatch {
			return total, nil
		}
	}
}
