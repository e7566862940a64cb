package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
)

// Reserve counts, checks and records attempts in one transaction. It first
// takes an advisory lock on each (kind, key), in sorted order so that two
// reservations of the same keys cannot deadlock, and holds them to the
// commit: no other caller, on this node or another, counts or inserts the
// same keys in between.
func (db *DB) Reserve(ctx context.Context, rs ...bot.Reservation) ([]bot.Tally, bool, error) {
	var (
		tallies []bot.Tally
		ok      bool
	)
	keys := make([]string, 0, len(rs))
	for _, r := range rs {
		keys = append(keys, attemptLock(r.Kind, r.Key))
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	err := db.Write(ctx, func(tx pgx.Tx) error {
		for _, k := range keys {
			if err := lock(ctx, tx, k); err != nil {
				return err
			}
		}
		tallies, ok = make([]bot.Tally, len(rs)), true
		for i, r := range rs {
			t, err := tally(ctx, tx, r)
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
			if err := tx.QueryRow(ctx, `INSERT INTO attempts (kind, key, at) VALUES ($1, $2, $3) RETURNING id`,
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

// attemptLock names the advisory lock of one attempt key.
func attemptLock(kind, key string) string { return "attempt/" + kind + "/" + key }

// tally counts one reservation's windows and finds its key's newest
// attempt, inside the reserving transaction.
func tally(ctx context.Context, tx pgx.Tx, r bot.Reservation) (bot.Tally, error) {
	t := bot.Tally{Counts: make([]int, len(r.Windows)), Oldest: make([]time.Time, len(r.Windows))}
	for i, w := range r.Windows {
		var oldest sql.NullInt64
		if err := tx.QueryRow(ctx, `SELECT count(*), min(at) FROM attempts WHERE kind = $1 AND key = $2 AND at >= $3`,
			r.Kind, r.Key, unixNanos(w.Since)).Scan(&t.Counts[i], &oldest); err != nil {
			return t, err
		}
		t.Oldest[i] = fromNanos(oldest)
	}
	var last sql.NullInt64
	if err := tx.QueryRow(ctx, `SELECT max(at) FROM attempts WHERE kind = $1 AND key = $2`, r.Kind, r.Key).Scan(&last); err != nil {
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
	if err := db.Write(ctx, func(tx pgx.Tx) error { return releaseAttempts(ctx, tx, ids) }); err != nil {
		return fmt.Errorf("release attempts: %w", err)
	}
	return nil
}

// releaseAttempts deletes the attempts ids names (0s are skipped).
func releaseAttempts(ctx context.Context, tx pgx.Tx, ids []int64) error {
	keep := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != 0 {
			keep = append(keep, id)
		}
	}
	if len(keep) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `DELETE FROM attempts WHERE id = ANY($1)`, keep)
	return err
}

// AddAttempt records one attempt of kind for key at.
func (db *DB) AddAttempt(ctx context.Context, kind, key string, at time.Time) error {
	if _, err := db.exec(ctx, `INSERT INTO attempts (kind, key, at) VALUES ($1, $2, $3)`, kind, key, unixNanos(orNow(at))); err != nil {
		return fmt.Errorf("add attempt: %w", err)
	}
	return nil
}

// CountAttempts counts a key's attempts at or after since.
func (db *DB) CountAttempts(ctx context.Context, kind, key string, since time.Time) (int, error) {
	var n int
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM attempts
		WHERE kind = $1 AND key = $2 AND at >= $3`, kind, key, unixNanos(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count attempts: %w", err)
	}
	return n, nil
}

// LastAttempt returns the time of a key's newest attempt, zero if none.
func (db *DB) LastAttempt(ctx context.Context, kind, key string) (time.Time, error) {
	var at sql.NullInt64
	err := db.pool.QueryRow(ctx, `SELECT max(at) FROM attempts WHERE kind = $1 AND key = $2`, kind, key).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("last attempt: %w", err)
	}
	return fromNanos(at), nil
}

// ClearAttempts forgets a key's attempts (after a success).
func (db *DB) ClearAttempts(ctx context.Context, kind, key string) error {
	err := db.Write(ctx, func(tx pgx.Tx) error { return clearAttempts(ctx, tx, bot.AttemptKey{Kind: kind, Key: key}) })
	if err != nil {
		return fmt.Errorf("clear attempts: %w", err)
	}
	return nil
}

// clearAttempts deletes the attempts of each kind and key (ClearAttempts,
// and a turn's Clears in its commit).
func clearAttempts(ctx context.Context, tx pgx.Tx, keys ...bot.AttemptKey) error {
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `DELETE FROM attempts WHERE kind = $1 AND key = $2`, k.Kind, k.Key); err != nil {
			return err
		}
	}
	return nil
}

// PurgeAttempts deletes attempts older than before, except those of
// keepKinds.
func (db *DB) PurgeAttempts(ctx context.Context, before time.Time, keepKinds ...string) (int, error) {
	n, err := db.exec(ctx, `DELETE FROM attempts WHERE at < $1 AND NOT (kind = ANY($2))`, unixNanos(before), nonNil(keepKinds))
	if err != nil {
		return 0, fmt.Errorf("purge attempts: %w", err)
	}
	return int(n), nil
}
