package postgres

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/internal/seal"
)

// maxErrorLen caps the stored reason of a failed delivery.
const maxErrorLen = 500

// insertDelivery queues d, due at now, its recipient, subject and text
// sealed. A delivery whose Key was seen before is dropped silently (a
// replayed turn). A withheld delivery is queued by the same statement,
// with no text.
func (db *DB) insertDelivery(ctx context.Context, tx pgx.Tx, d *bot.Delivery, now time.Time) error {
	if d.ID == "" {
		d.ID = newID()
	}
	sealed, err := db.box.SealDelivery(d)
	if err != nil {
		return fmt.Errorf("queue delivery: %w", err)
	}
	text := sealed.Text
	if d.Withheld != "" {
		text = []byte{}
	}
	_, err = tx.Exec(ctx, `INSERT INTO outbox (id, channel, recipient, sender, subject, text, key, withheld, next_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (key) DO NOTHING`,
		d.ID, d.Channel, sealed.To, d.From, sealed.Subject, text, nullText(d.Key), d.Withheld, unixNanos(now), unixNanos(now))
	if isUniqueViolation(err) {
		return bot.Errorf(bot.ECONFLICT, "delivery id already used")
	}
	if err != nil {
		return fmt.Errorf("queue delivery: %w", err)
	}
	return nil
}

// DueDeliveries returns up to limit unsent, unabandoned deliveries whose
// next attempt is due at now, oldest first, decrypted. The rows are read
// with FOR UPDATE SKIP LOCKED, so a node never waits on rows another is
// changing. A delivery that cannot be decrypted is given up at now with
// the reason "cannot decrypt", logged by id, and the batch is filled from
// the next ones.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]bot.PendingDelivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	for {
		var due []bot.PendingDelivery
		var unreadable []string
		err := db.Write(ctx, func(tx pgx.Tx) error {
			var err error
			due, unreadable, err = db.dueDeliveries(ctx, tx, now, limit)
			if err != nil || len(unreadable) == 0 {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE outbox SET failed_at = $1, last_error = $2, text = ''
				WHERE id = ANY($3)`, unixNanos(orNow(now)), seal.ReasonCannotDecrypt, unreadable)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list due deliveries: %w", err)
		}
		for _, id := range unreadable {
			db.log.Error().Str("delivery", id).Str("outcome", "gave_up").Str("error", seal.ReasonCannotDecrypt).
				Msg("gave up a queued delivery that cannot be decrypted; was the outbox key file replaced?")
		}
		if len(unreadable) == 0 {
			return due, nil
		}
	}
}

func (db *DB) dueDeliveries(ctx context.Context, tx pgx.Tx, now time.Time, limit int) (due []bot.PendingDelivery, unreadable []string, err error) {
	rows, err := tx.Query(ctx, `SELECT id, channel, recipient, sender, subject, text, coalesce(key, ''),
		withheld, attempts, created_at FROM outbox
		WHERE sent_at IS NULL AND failed_at IS NULL AND next_at <= $1
		ORDER BY created_at, ord LIMIT $2 FOR UPDATE SKIP LOCKED`, unixNanos(now), limit)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p       bot.PendingDelivery
			stored  seal.Delivery
			created int64
		)
		if err := rows.Scan(&p.ID, &p.Channel, &stored.To, &p.From, &stored.Subject, &stored.Text, &p.Key,
			&p.Withheld, &p.Attempts, &created); err != nil {
			return nil, nil, err
		}
		if err := db.box.OpenDelivery(&p.Delivery, stored); err != nil {
			unreadable = append(unreadable, p.ID)
			continue
		}
		p.CreatedAt = fromUnix(created)
		due = append(due, p)
	}
	return due, unreadable, rows.Err()
}

// MarkSent records a successful send and scrubs the text. ENOTFOUND for an
// unknown delivery.
func (db *DB) MarkSent(ctx context.Context, id string, at time.Time) error {
	err := db.updateDelivery(ctx, `UPDATE outbox SET sent_at = $1, attempts = attempts + 1, text = ''
		WHERE id = $2`, unixNanos(orNow(at)), id)
	if err != nil {
		return fmt.Errorf("mark delivery sent: %w", err)
	}
	return nil
}

// MarkFailed records a failed attempt and its reason: retried at next, or,
// with giveUp, abandoned at next (now, when next is zero) and its text
// scrubbed. ENOTFOUND for an unknown delivery.
func (db *DB) MarkFailed(ctx context.Context, id string, reason string, next time.Time, giveUp bool) error {
	reason = truncate(reason, maxErrorLen)
	var err error
	if giveUp {
		err = db.updateDelivery(ctx, `UPDATE outbox SET failed_at = $1, attempts = attempts + 1,
			last_error = $2, text = '' WHERE id = $3`, unixNanos(orNow(next)), reason, id)
	} else {
		err = db.updateDelivery(ctx, `UPDATE outbox SET next_at = $1, attempts = attempts + 1,
			last_error = $2 WHERE id = $3`, unixNanos(orNow(next)), reason, id)
	}
	if err != nil {
		return fmt.Errorf("mark delivery failed: %w", err)
	}
	return nil
}

func (db *DB) updateDelivery(ctx context.Context, query string, args ...any) error {
	n, err := db.exec(ctx, query, args...)
	if err == nil && n == 0 {
		err = bot.Errorf(bot.ENOTFOUND, "no such delivery")
	}
	return err
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
