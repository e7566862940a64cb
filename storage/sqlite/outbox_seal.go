package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// The sealed outbox columns, named in each value's additional data.
const (
	colRecipient = "recipient"
	colSubject   = "subject"
	colText      = "text"
)

const (
	// reasonCannotDecrypt is the last_error of a delivery given up because
	// it would not open.
	reasonCannotDecrypt = "cannot decrypt"
	// clearBatch is how many clear-text rows of an older version Open
	// seals per transaction.
	clearBatch = 500
)

// storedDelivery is a delivery's recipient, subject and text as stored: a
// sealed []byte, or a clear string from before sealing.
type storedDelivery struct {
	to, subject, text any
}

// sealDelivery seals d's recipient, subject and text under its ID.
func (s *sealer) sealDelivery(d *bot.Delivery) (storedDelivery, error) {
	var (
		out storedDelivery
		err error
	)
	if out.to, err = s.seal(colRecipient, d.ID, d.To); err != nil {
		return out, err
	}
	if out.subject, err = s.seal(colSubject, d.ID, d.Subject); err != nil {
		return out, err
	}
	out.text, err = s.seal(colText, d.ID, d.Text)
	return out, err
}

// openDelivery sets d's recipient, subject and text from their stored
// form. d.ID must be set.
func (s *sealer) openDelivery(d *bot.Delivery, stored storedDelivery) error {
	var err error
	if d.To, err = s.openStored(colRecipient, d.ID, stored.to); err != nil {
		return err
	}
	if d.Subject, err = s.openStored(colSubject, d.ID, stored.subject); err != nil {
		return err
	}
	d.Text, err = s.openStored(colText, d.ID, stored.text)
	return err
}

// giveUpUnreadable abandons the deliveries ids at now and scrubs their
// text, then logs each by id. Nothing else about them is logged: what
// would not open says nothing, and the rest may be a contact.
func (db *DB) giveUpUnreadable(ctx context.Context, ids []string, now time.Time) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			// Still pending: a concurrent MarkSent or MarkFailed wins.
			if _, err := tx.Exec(`UPDATE outbox SET failed_at = ?, last_error = ?, text = ''
				WHERE id = ? AND sent_at IS NULL AND failed_at IS NULL`,
				unixNanos(orNow(now)), reasonCannotDecrypt, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("give up undecryptable deliveries: %w", err)
	}
	for _, id := range ids {
		db.log.Error().Str("delivery", id).Str("outcome", "gave_up").Str("error", reasonCannotDecrypt).
			Msg("gave up a queued delivery that cannot be decrypted; was the outbox key file replaced?")
	}
	return nil
}

// prepareOutbox runs at Open, after the migrations, on the writer
// connection: it seals the rows an older version stored in clear, and
// warns when a new key was just created for a database whose pending
// deliveries were sealed under another one.
func (db *DB) prepareOutbox(ctx context.Context, keyCreated bool) error {
	n, err := sealClearDeliveries(ctx, db.writer, db.box)
	if err != nil {
		return err
	}
	if n > 0 {
		db.log.Info().Int("deliveries", n).Msg("sealed outbox rows stored in clear by an older version")
	}
	if !keyCreated {
		return nil
	}
	// Sent and abandoned rows are never read again: only pending ones are
	// lost with the old key.
	var pending int
	if err := db.writer.QueryRowContext(ctx, `SELECT count(*) FROM outbox
		WHERE sent_at IS NULL AND failed_at IS NULL AND typeof(recipient) = 'blob'`).Scan(&pending); err != nil {
		return fmt.Errorf("count sealed deliveries: %w", err)
	}
	if pending > 0 {
		db.log.Warn().Str("path", KeyPath(db.path)).Int("pending", pending).
			Msg("created a new outbox key file, but the database holds pending deliveries sealed under another key: " +
				"they will be given up; to send them, stop the server and restore the key file from its backup")
	}
	return nil
}

// sealClearDeliveries seals, in batches, the outbox values an older version
// stored in clear, and returns how many rows it sealed. An empty text is a
// scrubbed one and stays empty.
func sealClearDeliveries(ctx context.Context, w *sql.DB, box *sealer) (int, error) {
	total := 0
	for {
		n, err := sealClearBatch(ctx, w, box)
		total += n
		if err != nil {
			return total, fmt.Errorf("seal clear outbox rows: %w", err)
		}
		if n < clearBatch {
			return total, nil
		}
	}
}

func sealClearBatch(ctx context.Context, w *sql.DB, box *sealer) (n int, err error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	rows, err := tx.QueryContext(ctx, `SELECT id, recipient, subject, text FROM outbox
		WHERE typeof(recipient) = 'text' LIMIT ?`, clearBatch)
	if err != nil {
		return 0, err
	}
	type clearRow struct {
		id     string
		stored storedDelivery
	}
	var clear []clearRow
	for rows.Next() {
		var r clearRow
		if err := rows.Scan(&r.id, &r.stored.to, &r.stored.subject, &r.stored.text); err != nil {
			rows.Close()
			return 0, err
		}
		clear = append(clear, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, r := range clear {
		v := r.stored
		if v.to, err = sealIfClear(box, colRecipient, r.id, v.to); err != nil {
			return 0, err
		}
		if v.subject, err = sealIfClear(box, colSubject, r.id, v.subject); err != nil {
			return 0, err
		}
		if s, ok := v.text.(string); !ok || s != "" {
			if v.text, err = sealIfClear(box, colText, r.id, v.text); err != nil {
				return 0, err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET recipient = ?, subject = ?, text = ? WHERE id = ?`,
			v.to, v.subject, v.text, r.id); err != nil {
			return 0, err
		}
	}
	return len(clear), tx.Commit()
}

// sealIfClear seals a clear (string) stored value and keeps a sealed one.
func sealIfClear(box *sealer, column, id string, stored any) (any, error) {
	if s, ok := stored.(string); ok {
		return box.seal(column, id, s)
	}
	return stored, nil
}

// warnIfShared logs a warning when the file at path may be read by users
// other than its owner.
func warnIfShared(log zerolog.Logger, what, path string) {
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm()&0o077 == 0 {
		return
	}
	log.Warn().Str("path", path).Str("mode", info.Mode().Perm().String()).
		Msgf("the %s is readable by other users than its owner; make it mode 0600", what)
}
