package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// CreateSession stores a new console session (its token's hash only).
func (db *DB) CreateSession(ctx context.Context, s staff.Session) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, source)
			VALUES (?, ?, ?, ?, ?, ?)`, s.TokenHash, s.UserID, unixNanos(orNow(s.CreatedAt)),
			unixNanos(orNow(s.LastSeen)), unixNanos(s.ExpiresAt), s.Source)
		return err
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// StaffSession returns the session with this token hash, or ENOTFOUND.
// Expiry is the caller's business: the row may be past its time.
func (db *DB) StaffSession(ctx context.Context, tokenHash []byte) (staff.Session, error) {
	var (
		s                 staff.Session
		created, seen, ex int64
	)
	err := db.reader.QueryRowContext(ctx, `SELECT token_hash, user_id, created_at, last_seen_at, expires_at, source
		FROM sessions WHERE token_hash = ?`, tokenHash).Scan(&s.TokenHash, &s.UserID, &created, &seen, &ex, &s.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return staff.Session{}, bot.Errorf(bot.ENOTFOUND, "no such session")
	}
	if err != nil {
		return staff.Session{}, fmt.Errorf("read session: %w", err)
	}
	s.CreatedAt, s.LastSeen, s.ExpiresAt = time.Unix(0, created).UTC(), time.Unix(0, seen).UTC(), time.Unix(0, ex).UTC()
	return s, nil
}

// TouchSession records activity on a session; it never moves last_seen
// back. A missing session is not an error: it was ended meanwhile.
func (db *DB) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE token_hash = ?`,
			unixNanos(at), tokenHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session; ending one that is gone is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// PurgeSessions deletes the sessions past their absolute end at now, or
// idle for longer than idle, and returns how many.
func (db *DB) PurgeSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	var n int64
	err := db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?`,
			unixNanos(now), unixNanos(now.Add(-idle)))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return int(n), nil
}
