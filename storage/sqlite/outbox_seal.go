package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/storage/internal/seal"
)

// clearBatch is how many clear-text rows of an older version Open seals
// per transaction.
const clearBatch = 500

// storedDelivery is a delivery's recipient, subject and text as stored: a
// sealed []byte, or a clear string from before sealing.
type storedDelivery struct {
	to, subject, text any
}

// sealDelivery seals d's recipient, subject and text under its ID.
func sealDelivery(box *seal.Sealer, d *bot.Delivery) (storedDelivery, error) {
	sealed, err := box.SealDelivery(d)
	return storedDelivery{to: sealed.To, subject: sealed.Subject, text: sealed.Text}, err
}

// openDelivery sets d's recipient, subject and text from their stored
// form. d.ID must be set.
func openDelivery(box *seal.Sealer, d *bot.Delivery, stored storedDelivery) error {
	var err error
	if d.To, err = openStored(box, seal.Recipient, d.ID, stored.to); err != nil {
		return err
	}
	if d.Subject, err = openStored(box, seal.Subject, d.ID, stored.subject); err != nil {
		return err
	}
	d.Text, err = openStored(box, seal.Text, d.ID, stored.text)
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
				unixNanos(orNow(now)), seal.ReasonCannotDecrypt, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("give up undecryptable deliveries: %w", err)
	}
	for _, id := range ids {
		db.log.Error().Str("delivery", id).Str("outcome", "gave_up").Str("error", seal.ReasonCannotDecrypt).
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
func sealClearDeliveries(ctx context.Context, w *sql.DB, box *seal.Sealer) (int, error) {
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

func sealClearBatch(ctx context.Context, w *sql.DB, box *seal.Sealer) (n int, err error) {
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
		if v.to, err = sealIfClear(box, seal.Recipient, r.id, v.to); err != nil {
			return 0, err
		}
		if v.subject, err = sealIfClear(box, seal.Subject, r.id, v.subject); err != nil {
			return 0, err
		}
		if s, ok := v.text.(string); !ok || s != "" {
			if v.text, err = sealIfClear(box, seal.Text, r.id, v.text); err != nil {
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
func sealIfClear(box *seal.Sealer, column, id string, stored any) (any, error) {
	if s, ok := stored.(string); ok {
		return box.Seal(column, id, s)
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
