package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// AddAttempt records one attempt of kind (e.g. "verify.record") for key at.
func (db *DB) AddAttempt(ctx context.Context, kind, key string, at time.Time) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := (cachedTx{tx, db.wstmts}).Exec(`INSERT INTO attempts (kind, key, at) VALUES (?, ?, ?)`, kind, key, unixNanos(orNow(at)))
		return err
	})
	if err != nil {
		return fmt.Errorf("add attempt: %w", err)
	}
	return nil
}

// CountAttempts counts a key's attempts at or after since.
func (db *DB) CountAttempts(ctx context.Context, kind, key string, since time.Time) (int, error) {
	var n int
	err := db.rstmts.queryRow(ctx, `SELECT count(*) FROM attempts
		WHERE kind = ? AND key = ? AND at >= ?`, kind, key, unixNanos(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count attempts: %w", err)
	}
	return n, nil
}

// LastAttempt returns the time of a key's newest attempt, zero if none.
func (db *DB) LastAttempt(ctx context.Context, kind, key string) (time.Time, error) {
	var at sql.NullInt64
	err := db.rstmts.queryRow(ctx, `SELECT max(at) FROM attempts WHERE kind = ? AND key = ?`,
		kind, key).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("last attempt: %w", err)
	}
	return fromNanos(at), nil
}

// ClearAttempts forgets a key's attempts (after a success).
func (db *DB) ClearAttempts(ctx context.Context, kind, key string) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := (cachedTx{tx, db.wstmts}).Exec(`DELETE FROM attempts WHERE kind = ? AND key = ?`, kind, key)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear attempts: %w", err)
	}
	return nil
}

// PurgeAttempts deletes attempts older than before (client IPs are personal
// data), except those of keepKinds. Keep before further back than the
// longest lockout window.
func (db *DB) PurgeAttempts(ctx context.Context, before time.Time, keepKinds ...string) (int, error) {
	var n int64
	err := db.Write(ctx, func(tx *sql.Tx) error {
		q, args := `DELETE FROM attempts WHERE at < ?`, []any{unixNanos(before)}
		for _, k := range keepKinds {
			q += ` AND kind != ?`
			args = append(args, k)
		}
		res, err := tx.Exec(q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge attempts: %w", err)
	}
	return int(n), nil
}
