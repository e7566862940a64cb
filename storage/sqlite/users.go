package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
)

const userColumns = `id, email, name, role, password_hash, capacity, queues, disabled,
	failed_signins, locked_until, created_at, updated_at`

// NormalizeEmail is how a staff email is stored and looked up: trimmed and
// lower-cased.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateUser stores a new console account, setting its ID when empty, its
// times and its default capacity. An email already taken is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, u *bot.User) error {
	u.Email = NormalizeEmail(u.Email)
	if u.ID == "" {
		u.ID = newID()
	}
	if u.Capacity <= 0 {
		u.Capacity = bot.DefaultCapacity
	}
	now := time.Now().UTC()
	u.CreatedAt, u.UpdatedAt = now, now
	queues, err := jsonText(nonNil(u.Queues))
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			u.ID, u.Email, u.Name, u.Role, u.PasswordHash, u.Capacity, queues, u.Disabled,
			u.FailedSignIns, nanos(u.LockedUntil), unixNanos(now), unixNanos(now))
		return err
	})
	switch {
	case isUniqueViolation(err):
		return bot.Errorf(bot.ECONFLICT, "a user with this email already exists")
	case err != nil:
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// User returns a console account by ID, or ENOTFOUND.
func (db *DB) User(ctx context.Context, id string) (bot.User, error) {
	return db.userWhere(ctx, `id = ?`, id)
}

// UserByEmail returns a console account by email, in any case, or
// ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, email string) (bot.User, error) {
	return db.userWhere(ctx, `email = ?`, NormalizeEmail(email))
}

func (db *DB) userWhere(ctx context.Context, where string, arg any) (bot.User, error) {
	u, err := scanUser(db.reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return bot.User{}, bot.Errorf(bot.ENOTFOUND, "no such user")
	}
	if err != nil {
		return bot.User{}, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

// Users returns every console account, by email.
func (db *DB) Users(ctx context.Context) ([]bot.User, error) {
	return queryAll(ctx, db, "list users", scanUser, `SELECT `+userColumns+` FROM users ORDER BY email`)
}

// SignInFailed counts a wrong password for the user in one write. When the
// count reaches maxFailures the account is locked until at+lockFor and the
// count starts over. It reports whether this failure locked it.
func (db *DB) SignInFailed(ctx context.Context, id string, at time.Time, maxFailures int, lockFor time.Duration) (locked bool, err error) {
	err = db.Write(ctx, func(tx *sql.Tx) error {
		locked = false
		var n int
		if err := tx.QueryRow(`UPDATE users SET failed_signins = failed_signins + 1, updated_at = ?
			WHERE id = ? RETURNING failed_signins`, unixNanos(at), id).Scan(&n); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return bot.Errorf(bot.ENOTFOUND, "no such user")
			}
			return err
		}
		if n < maxFailures {
			return nil
		}
		locked = true
		_, err := tx.Exec(`UPDATE users SET failed_signins = 0, locked_until = ? WHERE id = ?`,
			unixNanos(at.Add(lockFor)), id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("count failed sign-in: %w", err)
	}
	return locked, nil
}

// SignInSucceeded clears the user's failure count and lock.
func (db *DB) SignInSucceeded(ctx context.Context, id string, at time.Time) error {
	return db.updateUser(ctx, "record sign-in", id, false,
		`failed_signins = 0, locked_until = NULL, updated_at = ?`, unixNanos(at))
}

// SetUserPassword replaces the user's password hash, clears any lock and
// ends every session of the user, in one write.
func (db *DB) SetUserPassword(ctx context.Context, id, hash string) error {
	return db.updateUser(ctx, "set password", id, true,
		`password_hash = ?, failed_signins = 0, locked_until = NULL, updated_at = ?`, hash, unixNanos(time.Now()))
}

// SetUserDisabled disables or re-enables an account; disabling ends every
// session of the user in the same write.
func (db *DB) SetUserDisabled(ctx context.Context, id string, disabled bool) error {
	return db.updateUser(ctx, "disable user", id, disabled, `disabled = ?, updated_at = ?`, disabled, unixNanos(time.Now()))
}

// updateUser sets columns of one user and, when endSessions, ends the
// user's sessions in the same write.
func (db *DB) updateUser(ctx context.Context, what, id string, endSessions bool, set string, args ...any) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE users SET `+set+` WHERE id = ?`, append(args, id)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return bot.Errorf(bot.ENOTFOUND, "no such user")
		}
		if endSessions {
			_, err = tx.Exec(`DELETE FROM sessions WHERE user_id = ?`, id)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

func scanUser(row scanner) (bot.User, error) {
	var (
		u        bot.User
		queues   string
		locked   sql.NullInt64
		from, to int64
	)
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.Capacity, &queues,
		&u.Disabled, &u.FailedSignIns, &locked, &from, &to)
	if err != nil {
		return bot.User{}, err
	}
	if err := fromJSON(sql.NullString{String: queues, Valid: true}, &u.Queues); err != nil {
		return bot.User{}, err
	}
	if len(u.Queues) == 0 {
		u.Queues = nil
	}
	u.LockedUntil = fromNanos(locked)
	u.CreatedAt, u.UpdatedAt = time.Unix(0, from).UTC(), time.Unix(0, to).UTC()
	return u, nil
}

// nonNil stores an absent list as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
