package postgres

import (
	"context"
	"os"

	"github.com/portico-chat/portico/storage/internal/seal"
)

// The outbox's recipient, subject and text are sealed at rest exactly as
// storage/sqlite seals them, by storage/internal/seal: the same format and
// key file, so that `portico migrate` copies sealed values byte for byte,
// under the same key.

// loadOutboxKey reads the key file, or creates it (mode 0600) when it is
// missing, and reports whether it was created.
func (db *DB) loadOutboxKey() (created bool, err error) {
	key, created, err := seal.LoadOrCreateKey(db.key)
	if err != nil {
		return false, err
	}
	if db.box, err = seal.New(key); err != nil {
		return false, err
	}
	if created {
		db.log.Info().Str("path", db.key).Msg("created outbox key file; give every node the same file, and back it up separately from the database")
	} else if info, err := os.Stat(db.key); err == nil && info.Mode().Perm()&0o077 != 0 {
		db.log.Warn().Str("path", db.key).Str("mode", info.Mode().Perm().String()).
			Msg("the outbox key file is readable by other users than its owner; make it mode 0600")
	}
	return created, nil
}

// ReadKey reads an outbox key file (storage/sqlite's or this store's: the
// format is the same), e.g. to compare two before a copy.
func ReadKey(path string) ([]byte, error) { return seal.ReadKey(path) }

// WriteKey writes key to a new key file at path (mode 0600); it fails
// with fs.ErrExist if the file exists.
func WriteKey(path string, key []byte) error { return seal.WriteKey(path, key) }

// warnPendingSealed warns when a new key was created for a database whose
// pending deliveries were sealed under another one.
func (db *DB) warnPendingSealed(ctx context.Context) {
	var pending int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL`).Scan(&pending); err != nil || pending == 0 {
		return
	}
	db.log.Warn().Str("path", db.key).Int("pending", pending).
		Msg("created a new outbox key file, but the database holds pending deliveries sealed under another key: " +
			"they will be given up; to send them, stop every node and restore the key file from its backup")
}
