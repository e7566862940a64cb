package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
)

// The SMS channel's tables (migration 0014): the suppression list, the
// conversation of each pair of numbers and the segments sent and
// received. They implement connectors/sms's Suppressions and Sessions
// (checked in sms_test.go: a store imports no adapter). The inbound rate
// limits are attempts (Reserve), through sms.Attempts.

// SuppressSMS implements sms.Suppressions in one write.
func (db *DB) SuppressSMS(ctx context.Context, number, sid string, at time.Time) (bool, error) {
	var first bool
	err := db.Write(ctx, func(tx *sql.Tx) error {
		first = false
		var by string
		err := tx.QueryRow(`INSERT INTO sms_suppressions (number, sid, at) VALUES (?, ?, ?)
			ON CONFLICT (number) DO UPDATE SET number = excluded.number RETURNING sid`,
			number, sid, unixNanos(orNow(at))).Scan(&by)
		first = by == sid
		return err
	})
	if err != nil {
		return false, fmt.Errorf("suppress sms: %w", err)
	}
	return first, nil
}

// UnsuppressSMS implements sms.Suppressions.
func (db *DB) UnsuppressSMS(ctx context.Context, number string) (bool, error) {
	var found bool
	err := db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM sms_suppressions WHERE number = ?`, number)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		found = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("unsuppress sms: %w", err)
	}
	return found, nil
}

// SMSSuppressed implements sms.Suppressions.
func (db *DB) SMSSuppressed(ctx context.Context, number string) (bool, error) {
	var n int
	if err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM sms_suppressions WHERE number = ?`, number).Scan(&n); err != nil {
		return false, fmt.Errorf("sms suppressed: %w", err)
	}
	return n > 0, nil
}

// SMSSession implements sms.Sessions: the latest conversation of a pair
// of numbers, or ENOTFOUND.
func (db *DB) SMSSession(ctx context.Context, pair string) (string, error) {
	var id string
	err := db.reader.QueryRowContext(ctx, `SELECT conversation_id FROM sms_sessions WHERE pair = ?`, pair).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", bot.Errorf(bot.ENOTFOUND, "no sms conversation")
	}
	if err != nil {
		return "", fmt.Errorf("sms session: %w", err)
	}
	return id, nil
}

// SetSMSSession implements sms.Sessions.
func (db *DB) SetSMSSession(ctx context.Context, pair, conversationID string, at time.Time) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO sms_sessions (pair, conversation_id, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (pair) DO UPDATE SET conversation_id = excluded.conversation_id, updated_at = excluded.updated_at`,
			pair, conversationID, unixNanos(orNow(at)))
		return err
	})
	if err != nil {
		return fmt.Errorf("set sms session: %w", err)
	}
	return nil
}

// RecordSMSSegments implements sms.Sessions: the cost of one text.
func (db *DB) RecordSMSSegments(ctx context.Context, conversationID, direction string, segments int, at time.Time) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO sms_segments (conversation_id, direction, segments, at) VALUES (?, ?, ?, ?)`,
			conversationID, direction, segments, unixNanos(orNow(at)))
		return err
	})
	if err != nil {
		return fmt.Errorf("record sms segments: %w", err)
	}
	return nil
}

// Enqueue queues one delivery outside any turn (an SMS keyword's reply),
// due now. A delivery whose key was queued before is dropped: the same
// message delivered twice is answered once.
func (db *DB) Enqueue(ctx context.Context, d bot.Delivery) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		return db.insertDelivery(tx, &d, time.Now())
	})
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}
