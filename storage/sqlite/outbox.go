package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/portico-chat/portico/bot"
)

// maxErrorLen caps the stored reason of a failed delivery.
const maxErrorLen = 500

// insertDelivery queues d, due at now, its recipient, subject and text
// sealed. A delivery whose Key was seen before is dropped silently: the
// turn that queued it is being replayed. A zero ID is generated. A
// withheld delivery is queued by the same statement, with no text, so that
// it costs what a real one does; the sender gives it up unsent.
func (db *DB) insertDelivery(tx dbtx, d *bot.Delivery, now time.Time) error {
	if d.ID == "" {
		d.ID = newID()
	}
	sealed, err := sealDelivery(db.box, d)
	if err != nil {
		return fmt.Errorf("queue delivery: %w", err)
	}
	text := any(sealed.text)
	if d.Withheld != "" {
		text = ""
	}
	_, err = tx.Exec(`INSERT INTO outbox (id, channel, recipient, sender, subject, text, key, withheld, next_at, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		d.ID, d.Channel, sealed.to, d.From, sealed.subject, text, nullText(d.Key), d.Withheld, unixNanos(now), unixNanos(now))
	if isUniqueViolation(err) {
		return bot.Errorf(bot.ECONFLICT, "delivery id already used")
	}
	if err != nil {
		return fmt.Errorf("queue delivery: %w", err)
	}
	return nil
}

// DueDeliveries returns up to limit unsent, unabandoned deliveries whose
// next attempt is due at now, oldest first, decrypted. A delivery that
// cannot be decrypted (the key file was replaced, or the row changed) is
// given up at now with the reason "cannot decrypt" and logged by id, and
// the batch is filled from the next ones.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]bot.PendingDelivery, error) {
	if limit <= 0 {
		return nil, nil
	}
	for {
		due, unreadable, err := db.dueDeliveries(ctx, now, limit)
		if err != nil || len(unreadable) == 0 {
			return due, err
		}
		// Each round gives up at least one row, so this ends.
		if err := db.giveUpUnreadable(ctx, unreadable, now); err != nil {
			db.log.Error().Err(err).Int("deliveries", len(unreadable)).
				Msg("give up deliveries that cannot be decrypted")
			return due, nil
		}
	}
}

// dueDeliveries reads one batch of due deliveries and opens them: due are
// the ones that opened, unreadable the ids of those that did not.
func (db *DB) dueDeliveries(ctx context.Context, now time.Time, limit int) (due []bot.PendingDelivery, unreadable []string, err error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT id, channel, recipient, sender, subject, text, coalesce(key, ''),
		withheld, attempts, created_at FROM outbox
		WHERE sent_at IS NULL AND failed_at IS NULL AND next_at <= ?
		ORDER BY created_at, rowid LIMIT ?`, unixNanos(now), limit)
	if err != nil {
		return nil, nil, fmt.Errorf("list due deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p       bot.PendingDelivery
			stored  storedDelivery
			created int64
		)
		if err := rows.Scan(&p.ID, &p.Channel, &stored.to, &p.From, &stored.subject, &stored.text, &p.Key,
			&p.Withheld, &p.Attempts, &created); err != nil {
			return nil, nil, fmt.Errorf("list due deliveries: %w", err)
		}
		if err := openDelivery(db.box, &p.Delivery, stored); err != nil {
			unreadable = append(unreadable, p.ID)
			continue
		}
		p.CreatedAt = time.Unix(0, created).UTC()
		due = append(due, p)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("list due deliveries: %w", err)
	}
	return due, unreadable, nil
}

// MarkSent records a successful send and scrubs the text, which may hold a
// code. ENOTFOUND for an unknown delivery.
func (db *DB) MarkSent(ctx context.Context, id string, at time.Time) error {
	err := db.updateDelivery(ctx, `UPDATE outbox SET sent_at = ?, attempts = attempts + 1, text = ''
		WHERE id = ?`, unixNanos(orNow(at)), id)
	if err != nil {
		return fmt.Errorf("mark delivery sent: %w", err)
	}
	return nil
}

// MarkFailed records a failed attempt and its reason. Without giveUp the
// delivery is retried at next; with giveUp it is abandoned at next (now,
// when next is zero) and its text scrubbed. ENOTFOUND for an unknown
// delivery.
func (db *DB) MarkFailed(ctx context.Context, id string, reason string, next time.Time, giveUp bool) error {
	reason = truncate(reason, maxErrorLen)
	var err error
	if giveUp {
		err = db.updateDelivery(ctx, `UPDATE outbox SET failed_at = ?, attempts = attempts + 1,
			last_error = ?, text = '' WHERE id = ?`, unixNanos(orNow(next)), reason, id)
	} else {
		err = db.updateDelivery(ctx, `UPDATE outbox SET next_at = ?, attempts = attempts + 1,
			last_error = ? WHERE id = ?`, unixNanos(orNow(next)), reason, id)
	}
	if err != nil {
		return fmt.Errorf("mark delivery failed: %w", err)
	}
	return nil
}

// updateDelivery runs one UPDATE of a delivery, ENOTFOUND if none matched.
func (db *DB) updateDelivery(ctx context.Context, query string, args ...any) error {
	return db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(query, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return bot.Errorf(bot.ENOTFOUND, "no such delivery")
		}
		return nil
	})
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
