package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
)

// The SMS channel's tables (migration 0002), as storage/sqlite's sms.go:
// they implement connectors/sms's Suppressions, Sessions and Queue
// (checked in sms_test.go: a store imports no adapter).

// SuppressSMS puts number on the list in one statement: of concurrent
// STOPs from one number, the one whose row is inserted is the first.
func (db *DB) SuppressSMS(ctx context.Context, number, sid string, at time.Time) (bool, error) {
	var by string
	err := db.Write(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO sms_suppressions (number, sid, at) VALUES ($1, $2, $3)
			ON CONFLICT (number) DO UPDATE SET number = EXCLUDED.number RETURNING sid`,
			number, sid, unixNanos(orNow(at))).Scan(&by)
	})
	if err != nil {
		return false, fmt.Errorf("suppress sms: %w", err)
	}
	return by == sid, nil
}

// UnsuppressSMS takes number off the list and reports whether it was there.
func (db *DB) UnsuppressSMS(ctx context.Context, number string) (bool, error) {
	var n int64
	err := db.Write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM sms_suppressions WHERE number = $1`, number)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return false, fmt.Errorf("unsuppress sms: %w", err)
	}
	return n > 0, nil
}

// SMSSuppressed reports whether number is on the list.
func (db *DB) SMSSuppressed(ctx context.Context, number string) (bool, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM sms_suppressions WHERE number = $1`, number).Scan(&n); err != nil {
		return false, fmt.Errorf("sms suppressed: %w", err)
	}
	return n > 0, nil
}

// SMSSession returns the latest conversation of a pair of numbers, or
// ENOTFOUND.
func (db *DB) SMSSession(ctx context.Context, pair string) (string, error) {
	var id string
	err := db.pool.QueryRow(ctx, `SELECT conversation_id FROM sms_sessions WHERE pair = $1`, pair).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", bot.Errorf(bot.ENOTFOUND, "no sms conversation")
	}
	if err != nil {
		return "", fmt.Errorf("sms session: %w", err)
	}
	return id, nil
}

// SetSMSSession makes conversationID the pair's conversation.
func (db *DB) SetSMSSession(ctx context.Context, pair, conversationID string, at time.Time) error {
	err := db.Write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sms_sessions (pair, conversation_id, updated_at) VALUES ($1, $2, $3)
			ON CONFLICT (pair) DO UPDATE SET conversation_id = EXCLUDED.conversation_id, updated_at = EXCLUDED.updated_at`,
			pair, conversationID, unixNanos(orNow(at)))
		return err
	})
	if err != nil {
		return fmt.Errorf("set sms session: %w", err)
	}
	return nil
}

// RecordSMSSegments records the cost of one text.
func (db *DB) RecordSMSSegments(ctx context.Context, conversationID, direction string, segments int, at time.Time) error {
	err := db.Write(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO sms_segments (conversation_id, direction, segments, at) VALUES ($1, $2, $3, $4)`,
			conversationID, direction, segments, unixNanos(orNow(at)))
		return err
	})
	if err != nil {
		return fmt.Errorf("record sms segments: %w", err)
	}
	return nil
}

// Enqueue queues one delivery outside any turn (an SMS keyword's reply),
// due now; a key queued before is dropped.
func (db *DB) Enqueue(ctx context.Context, d bot.Delivery) error {
	err := db.Write(ctx, func(tx pgx.Tx) error {
		return db.insertDelivery(ctx, tx, &d, time.Now())
	})
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	return nil
}
