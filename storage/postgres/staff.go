package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// Console accounts, their sessions (the token's SHA-256 only), API tokens
// (SHA-256 only) and canned responses.

const userColumns = `id, email, name, role, password_hash, capacity, queues, disabled,
	failed_signins, locked_until, created_at, updated_at`

// signInKind is the attempt kind of console sign-ins per client address.
const signInKind = "signin_ip"

// CreateUser stores a new console account, setting its ID when empty, its
// times. A capacity of 0 is the desk's default (handoff.capacity). An email already taken is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, u *staff.User) error {
	u.Email = staff.NormalizeEmail(u.Email)
	if u.ID == "" {
		u.ID = newID()
	}
	now := time.Now().UTC()
	u.CreatedAt, u.UpdatedAt = now, now
	queues, err := jsonText(nonNil(u.Queues))
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	_, err = db.exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		u.ID, u.Email, u.Name, u.Role, u.PasswordHash, u.Capacity, queues, u.Disabled,
		u.FailedSignIns, nanos(u.LockedUntil), unixNanos(now), unixNanos(now))
	switch {
	case isUniqueViolation(err):
		return bot.Errorf(bot.ECONFLICT, "a user with this email already exists")
	case err != nil:
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// User returns a console account by ID, or ENOTFOUND.
func (db *DB) User(ctx context.Context, id string) (staff.User, error) {
	return db.userWhere(ctx, `id = $1`, id)
}

// UserByEmail returns a console account by email, in any case, or
// ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, email string) (staff.User, error) {
	return db.userWhere(ctx, `email = $1`, staff.NormalizeEmail(email))
}

func (db *DB) userWhere(ctx context.Context, where string, arg any) (staff.User, error) {
	u, err := scanUser(db.pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, pgx.ErrNoRows) {
		return staff.User{}, bot.Errorf(bot.ENOTFOUND, "no such user")
	}
	if err != nil {
		return staff.User{}, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

// Users returns every console account, by email.
func (db *DB) Users(ctx context.Context) ([]staff.User, error) {
	return queryAll(ctx, db.pool, "list users", scanUser, `SELECT `+userColumns+` FROM users ORDER BY email`)
}

// ReserveSignIn counts a console sign-in before its password is compared,
// in one transaction, as storage/sqlite's does (see there): under the
// advisory lock of the client address's attempt key, the address's
// attempt is recorded unless it has SourceMax in the window; then the
// account's failure is counted by one UPDATE, which locks it at the
// MaxFailures-th.
func (db *DB) ReserveSignIn(ctx context.Context, a staff.SignInAttempt) (staff.SignInReservation, error) {
	var r staff.SignInReservation
	at := unixNanos(a.At)
	err := db.Write(ctx, func(tx pgx.Tx) error {
		r = staff.SignInReservation{}
		if err := lock(ctx, tx, attemptLock(signInKind, a.Source)); err != nil {
			return err
		}
		var tried int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM attempts WHERE kind = $1 AND key = $2 AND at >= $3`,
			signInKind, a.Source, unixNanos(a.At.Add(-a.SourceWindow))).Scan(&tried); err != nil {
			return err
		}
		if tried >= a.SourceMax {
			return nil
		}
		r.SourceOK = true
		if _, err := tx.Exec(ctx, `INSERT INTO attempts (kind, key, at) VALUES ($1, $2, $3)`, signInKind, a.Source, at); err != nil {
			return err
		}
		var n int
		err := tx.QueryRow(ctx, `UPDATE users SET failed_signins = failed_signins + 1,
				locked_until = CASE WHEN failed_signins + 1 >= $1 THEN $2 ELSE locked_until END, updated_at = $3
			WHERE id = $4 AND (locked_until IS NULL OR locked_until <= $3) RETURNING failed_signins`,
			a.MaxFailures, unixNanos(a.At.Add(a.LockFor)), at, a.UserID).Scan(&n)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return nil // locked, or no such account
		case err != nil:
			return err
		}
		r.Reserved = true
		return nil
	})
	if err != nil {
		return staff.SignInReservation{}, fmt.Errorf("reserve sign-in: %w", err)
	}
	return r, nil
}

// SignInSucceeded clears the user's failure count and lock.
func (db *DB) SignInSucceeded(ctx context.Context, id string, at time.Time) error {
	return db.updateUser(ctx, "record sign-in", id, false,
		`failed_signins = 0, locked_until = NULL, updated_at = $1`, unixNanos(at))
}

// SetUserPassword replaces the user's password hash, clears any lock and
// ends every session of the user, in one transaction.
func (db *DB) SetUserPassword(ctx context.Context, id, hash string) error {
	return db.updateUser(ctx, "set password", id, true,
		`password_hash = $1, failed_signins = 0, locked_until = NULL, updated_at = $2`, hash, unixNanos(time.Now()))
}

// SetUserDisabled disables or re-enables an account; disabling ends every
// session of the user in the same transaction.
func (db *DB) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	return db.updateUser(ctx, "disable user", id, disabled, `disabled = $1, updated_at = $2`, disabled, unixNanos(time.Now()))
}

// SetUserWork changes an account's display name, capacity and queues
// (nil: every queue). An empty name keeps the old one; a capacity of 0
// is the desk's default (handoff.capacity).
func (db *DB) SetUserWork(ctx context.Context, id, name string, capacity int, queues []string) error {
	if err := staff.CheckCapacity(capacity); err != nil {
		return err
	}
	text, err := jsonText(nonNil(queues))
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	return db.updateUser(ctx, "update user", id, false,
		`name = coalesce(nullif($1, ''), name), capacity = $2, queues = $3, updated_at = $4`,
		strings.TrimSpace(name), capacity, text, unixNanos(time.Now()))
}

// updateUser sets columns of one user (set numbers its placeholders from
// $1; the id comes after them) and, when endSessions, ends the user's
// sessions in the same transaction.
func (db *DB) updateUser(ctx context.Context, what, id string, endSessions bool, set string, args ...any) error {
	err := db.Write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET `+set+fmt.Sprintf(` WHERE id = $%d`, len(args)+1), append(args, id)...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return bot.Errorf(bot.ENOTFOUND, "no such user")
		}
		if endSessions {
			_, err = tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func scanUser(row scanner) (staff.User, error) {
	var (
		u        staff.User
		queues   string
		locked   sql.NullInt64
		from, to int64
	)
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.Capacity, &queues,
		&u.Disabled, &u.FailedSignIns, &locked, &from, &to)
	if err != nil {
		return staff.User{}, err
	}
	if err := fromJSON(sql.NullString{String: queues, Valid: true}, &u.Queues); err != nil {
		return staff.User{}, err
	}
	if len(u.Queues) == 0 {
		u.Queues = nil
	}
	u.LockedUntil = fromNanos(locked)
	u.CreatedAt, u.UpdatedAt = fromUnix(from), fromUnix(to)
	return u, nil
}

// CreateSession stores a new console session (its token's hash only).
func (db *DB) CreateSession(ctx context.Context, s staff.Session) error {
	_, err := db.exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, source)
		VALUES ($1, $2, $3, $4, $5, $6)`, s.TokenHash, s.UserID, unixNanos(orNow(s.CreatedAt)),
		unixNanos(orNow(s.LastSeen)), unixNanos(s.ExpiresAt), s.Source)
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// StaffSession returns the session with this token hash, or ENOTFOUND.
func (db *DB) StaffSession(ctx context.Context, tokenHash []byte) (staff.Session, error) {
	var (
		s                 staff.Session
		created, seen, ex int64
	)
	err := db.pool.QueryRow(ctx, `SELECT token_hash, user_id, created_at, last_seen_at, expires_at, source
		FROM sessions WHERE token_hash = $1`, tokenHash).Scan(&s.TokenHash, &s.UserID, &created, &seen, &ex, &s.Source)
	if errors.Is(err, pgx.ErrNoRows) {
		return staff.Session{}, bot.Errorf(bot.ENOTFOUND, "no such session")
	}
	if err != nil {
		return staff.Session{}, fmt.Errorf("read session: %w", err)
	}
	s.CreatedAt, s.LastSeen, s.ExpiresAt = fromUnix(created), fromUnix(seen), fromUnix(ex)
	return s, nil
}

// TouchSession records activity on a session; it never moves last_seen
// back. A missing session is not an error.
func (db *DB) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	if _, err := db.exec(ctx, `UPDATE sessions SET last_seen_at = greatest(last_seen_at, $1) WHERE token_hash = $2`,
		unixNanos(at), tokenHash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session; ending one that is gone is not an error.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := db.exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// PurgeSessions deletes the sessions past their absolute end at now, or
// idle for longer than idle, and returns how many.
func (db *DB) PurgeSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	n, err := db.exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`,
		unixNanos(now), unixNanos(now.Add(-idle)))
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	return int(n), nil
}

// CreateAPIToken stores a new token; its ID is made when empty.
func (db *DB) CreateAPIToken(ctx context.Context, t *staff.APIToken) error {
	if len(t.Hash) == 0 || t.Name == "" || len(t.Scopes) == 0 {
		return bot.Errorf(bot.EINVALID, "a token needs a name, a hash and a scope")
	}
	if t.ID == "" {
		t.ID = newID()[:12]
	}
	t.CreatedAt = orNow(t.CreatedAt).UTC()
	_, err := db.exec(ctx, `INSERT INTO api_tokens (id, name, token_hash, scopes, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, t.Name, t.Hash, strings.Join(t.Scopes, " "), t.CreatedBy,
		unixNanos(t.CreatedAt))
	if isUniqueViolation(err) {
		return bot.Errorf(bot.ECONFLICT, "a token with this ID already exists")
	}
	if err != nil {
		return fmt.Errorf("create API token: %w", err)
	}
	return nil
}

const tokenColumns = `id, name, token_hash, scopes, created_by, created_at, last_used_at, revoked_at`

func scanToken(row scanner) (staff.APIToken, error) {
	var t staff.APIToken
	var scopes string
	var created, used, revoked sql.NullInt64
	if err := row.Scan(&t.ID, &t.Name, &t.Hash, &scopes, &t.CreatedBy, &created, &used, &revoked); err != nil {
		return staff.APIToken{}, err
	}
	t.Scopes = strings.Fields(scopes)
	t.CreatedAt, t.LastUsed, t.RevokedAt = fromNanos(created), fromNanos(used), fromNanos(revoked)
	return t, nil
}

// APITokenByHash returns the token with this SHA-256, revoked or not, or
// ENOTFOUND.
func (db *DB) APITokenByHash(ctx context.Context, hash []byte) (staff.APIToken, error) {
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return staff.APIToken{}, bot.Errorf(bot.ENOTFOUND, "no such token")
	}
	if err != nil {
		return staff.APIToken{}, fmt.Errorf("load API token: %w", err)
	}
	return t, nil
}

// APITokens lists every token, revoked ones too, oldest first.
func (db *DB) APITokens(ctx context.Context) ([]staff.APIToken, error) {
	return queryAll(ctx, db.pool, "list API tokens", scanToken, `SELECT `+tokenColumns+` FROM api_tokens
		ORDER BY created_at, id`)
}

// RevokeAPIToken revokes a token for good; ENOTFOUND if there is no such
// token, and revoking twice keeps the first time.
func (db *DB) RevokeAPIToken(ctx context.Context, id string, at time.Time) error {
	n, err := db.exec(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2`,
		unixNanos(orNow(at)), id)
	if err == nil && n == 0 {
		err = bot.Errorf(bot.ENOTFOUND, "no token %q", id)
	}
	if err != nil {
		return fmt.Errorf("revoke API token: %w", err)
	}
	return nil
}

// TouchAPIToken records that a token was used at at.
func (db *DB) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	if _, err := db.exec(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, unixNanos(orNow(at)), id); err != nil {
		return fmt.Errorf("record API token use: %w", err)
	}
	return nil
}

// CannedResponses returns every canned response, by shortcut.
func (db *DB) CannedResponses(ctx context.Context) ([]staff.CannedResponse, error) {
	return queryAll(ctx, db.pool, "list canned responses", func(s scanner) (staff.CannedResponse, error) {
		var c staff.CannedResponse
		var at int64
		err := s.Scan(&c.Shortcut, &c.Title, &c.Text, &c.UpdatedBy, &at)
		c.UpdatedAt = fromUnix(at)
		return c, err
	}, `SELECT shortcut, title, text, updated_by, updated_at FROM canned_responses ORDER BY shortcut`)
}

// PutCannedResponse creates the canned response with c's shortcut, or
// replaces its title and text.
func (db *DB) PutCannedResponse(ctx context.Context, c staff.CannedResponse) error {
	at := unixNanos(orNow(c.UpdatedAt))
	_, err := db.exec(ctx, `INSERT INTO canned_responses (shortcut, title, text, updated_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (shortcut) DO UPDATE SET title = excluded.title, text = excluded.text,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		c.Shortcut, c.Title, c.Text, c.UpdatedBy, at)
	if err != nil {
		return fmt.Errorf("save canned response: %w", err)
	}
	return nil
}

// DeleteCannedResponse deletes a canned response, or returns ENOTFOUND.
func (db *DB) DeleteCannedResponse(ctx context.Context, shortcut string) error {
	n, err := db.exec(ctx, `DELETE FROM canned_responses WHERE shortcut = $1`, shortcut)
	if err == nil && n == 0 {
		err = bot.Errorf(bot.ENOTFOUND, "no such canned response")
	}
	if err != nil {
		return fmt.Errorf("delete canned response: %w", err)
	}
	return nil
}
