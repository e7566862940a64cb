package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Reserve counts, checks and records attempts in one write: the writer
// goroutine runs it alone in its transaction, which BEGIN IMMEDIATE opened
// holding the file's write lock, so no other caller, in this process or
// another, counts or inserts in between.
func (db *DB) Reserve(ctx context.Context, rs ...bot.Reservation) ([]bot.Tally, bool, error) {
	var (
		tallies []bot.Tally
		ok      bool
	)
	err := db.Write(ctx, func(tx *sql.Tx) error {
		c := cachedTx{tx, db.wstmts}
		tallies, ok = make([]bot.Tally, len(rs)), true
		for i, r := range rs {
			t, err := tally(c, r)
			if err != nil {
				return err
			}
			for j, w := range r.Windows {
				if w.Max > 0 && t.Counts[j] >= w.Max {
					ok = false
				}
			}
			tallies[i] = t
		}
		if !ok {
			return nil
		}
		for i, r := range rs {
			if err := c.QueryRow(`INSERT INTO attempts (kind, key, at) VALUES (?, ?, ?) RETURNING rowid`,
				r.Kind, r.Key, unixNanos(orNow(r.At))).Scan(&tallies[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("reserve attempt: %w", err)
	}
	return tallies, ok, nil
}

// tally counts one reservation's windows and finds its key's newest
// attempt, inside the reserving transaction.
func tally(c cachedTx, r bot.Reservation) (bot.Tally, error) {
	t := bot.Tally{Counts: make([]int, len(r.Windows)), Oldest: make([]time.Time, len(r.Windows))}
	for i, w := range r.Windows {
		var oldest sql.NullInt64
		if err := c.QueryRow(`SELECT count(*), min(at) FROM attempts WHERE kind = ? AND key = ? AND at >= ?`,
			r.Kind, r.Key, unixNanos(w.Since)).Scan(&t.Counts[i], &oldest); err != nil {
			return t, err
		}
		t.Oldest[i] = fromNanos(oldest)
	}
	var last sql.NullInt64
	if err := c.QueryRow(`SELECT max(at) FROM attempts WHERE kind = ? AND key = ?`, r.Kind, r.Key).Scan(&last); err != nil {
		return t, err
	}
	t.Last = fromNanos(last)
	return t, nil
}

// Release deletes attempts Reserve recorded.
func (db *DB) Release(ctx context.Context, ids ...int64) error {
	if !slices.ContainsFunc(ids, func(id int64) bool { return id != 0 }) {
		return nil
	}
	err := db.Write(ctx, func(tx *sql.Tx) error { return releaseAttempts(tx, ids) })
	if err != nil {
		return fmt.Errorf("release attempts: %w", err)
	}
	return nil
}

// releaseAttempts deletes the attempts ids names (0s are skipped).
func releaseAttempts(tx dbtx, ids []int64) error {
	var keep []any
	for _, id := range ids {
		if id != 0 {
			keep = append(keep, id)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	_, err := tx.Exec(`DELETE FROM attempts WHERE rowid IN (?`+strings.Repeat(", ?", len(keep)-1)+`)`, keep...)
	return err
}

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
		return clearAttempts(cachedTx{tx, db.wstmts}, bot.AttemptKey{Kind: kind, Key: key})
	})
	if err != nil {
		return fmt.Errorf("clear attempts: %w", err)
	}
	return nil
}

// clearAttempts deletes the attempts of each kind and key (ClearAttempts,
// and a turn's Clears in its commit).
func clearAttempts(tx dbtx, keys ...bot.AttemptKey) error {
	for _, k := range keys {
		if _, err := tx.Exec(`DELETE FROM attempts WHERE kind = ? AND key = ?`, k.Kind, k.Key); err != nil {
			return err
		}
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
