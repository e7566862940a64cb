package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
)

var _ bot.ActivationCodes = (*DB)(nil)

// ActivationCodes returns the activation code on file of each of the
// records that has one.
func (db *DB) ActivationCodes(ctx context.Context, recordIDs []string) (map[string]bot.ActivationCode, error) {
	out := make(map[string]bot.ActivationCode, len(recordIDs))
	if len(recordIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(recordIDs))
	for i, id := range recordIDs {
		args[i] = id
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(recordIDs)), ",")
	rows, err := db.reader.QueryContext(ctx,
		`SELECT record_id, hash, expires_at FROM activation_codes WHERE record_id IN (`+marks+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read activation codes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			c       bot.ActivationCode
			expires int64
		)
		if err := rows.Scan(&c.RecordID, &c.Hash, &expires); err != nil {
			return nil, fmt.Errorf("read activation codes: %w", err)
		}
		c.Expires = time.Unix(0, expires).UTC()
		out[c.RecordID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read activation codes: %w", err)
	}
	return out, nil
}

// PutActivationCode gives a record a new activation code, replacing any
// earlier one.
func (db *DB) PutActivationCode(ctx context.Context, c bot.ActivationCode) error {
	return db.Write(ctx, func(tx *sql.Tx) error { return putActivationCode(tx, c) })
}

// PutActivationCodes gives each record its new activation code, all in
// one transaction: every code is stored, or none (`portico patients
// import` of mrn,activation_code for a remote directory).
func (db *DB) PutActivationCodes(ctx context.Context, cs []bot.ActivationCode) error {
	return db.Write(ctx, func(tx *sql.Tx) error {
		for _, c := range cs {
			if err := putActivationCode(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

func putActivationCode(tx *sql.Tx, c bot.ActivationCode) error {
	_, err := tx.Exec(`INSERT INTO activation_codes (record_id, hash, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (record_id) DO UPDATE SET hash = excluded.hash, expires_at = excluded.expires_at`,
		c.RecordID, c.Hash, unixNanos(c.Expires))
	if err != nil {
		return fmt.Errorf("store activation code: %w", err)
	}
	return nil
}

// DropActivationCode forgets a record's activation code.
func (db *DB) DropActivationCode(ctx context.Context, recordID string) error {
	return db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM activation_codes WHERE record_id = ?`, recordID); err != nil {
			return fmt.Errorf("drop activation code: %w", err)
		}
		return nil
	})
}
