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

const userColumns = `id, email, name, role, password_hash, capacity, queues, disabled,
	failed_signins, locked_until, created_at, updated_at`

// CreateUser stores a new console account, setting its ID when empty, its
// times. A capacity of 0 is the desk's default (handoff.capacity). An email already taken is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, u *staff.User) error {
	u.Email = staff.NormalizeEmail(u.Email) // how it is stored and looked up
	if u.ID == "" {
		u.ID = newID()
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
func (db *DB) User(ctx context.Context, id string) (staff.User, error) {
	return db.userWhere(ctx, `id = ?`, id)
}

// UserByEmail returns a console account by email, in any case, or
// ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, email string) (staff.User, error) {
	return db.userWhere(ctx, `email = ?`, staff.NormalizeEmail(email))
}

func (db *DB) userWhere(ctx context.Context, where string, arg any) (staff.User, error) {
	u, err := scanUser(db.reader.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return staff.User{}, bot.Errorf(bot.ENOTFOUND, "no such user")
	}
	if err != nil {
		return staff.User{}, fmt.Errorf("read user: %w", err)
	}
	return u, nil
}

// Users returns every console account, by email.
func (db *DB) Users(ctx context.Context) ([]staff.User, error) {
	return queryAll(ctx, db, "list users", scanUser, `SELECT `+userColumns+` FROM users ORDER BY email`)
}

// signInKind is the attempt kind of console sign-ins per client address.
const signInKind = "signin_ip"

// ReserveSignIn counts a console sign-in before its password is compared,
// in one write transaction (atomic across processes, as bot.AttemptStore's
// Reserve is). The client address's attempt is recorded, unless the
// address already has SourceMax in the window (then nothing is, and
// SourceOK is false). Then, if the account is not locked, the attempt is
// counted as one of its failures; the MaxFailures-th in a row locks it for
// LockFor at once, before the password is compared, so that no attempt
// arriving meanwhile is compared. A lock does not reset the count: once it
// ends, each further failure locks the account again, until a success
// (SignInSucceeded) or an admin's new password clears it. An attempt for
// no account (UserID "") runs the same statements and writes the
// address's row, so that it costs what a real one does.
func (db *DB) ReserveSignIn(ctx context.Context, a staff.SignInAttempt) (staff.SignInReservation, error) {
	var r staff.SignInReservation
	at := unixNanos(a.At)
	err := db.Write(ctx, func(tx *sql.Tx) error {
		c := cachedTx{tx, db.wstmts}
		r = staff.SignInReservation{}
		var tried int
		if err := c.QueryRow(`SELECT count(*) FROM attempts WHERE kind = ? AND key = ? AND at >= ?`,
			signInKind, a.Source, unixNanos(a.At.Add(-a.SourceWindow))).Scan(&tried); err != nil {
			return err
		}
		if tried >= a.SourceMax {
			return nil
		}
		r.SourceOK = true
		if _, err := c.Exec(`INSERT INTO attempts (kind, key, at) VALUES (?, ?, ?)`, signInKind, a.Source, at); err != nil {
			return err
		}
		var n int
		err := c.QueryRow(`UPDATE users SET failed_signins = failed_signins + 1,
				locked_until = CASE WHEN failed_signins + 1 >= ? THEN ? ELSE locked_until END, updated_at = ?
			WHERE id = ? AND (locked_until IS NULL OR locked_until <= ?) RETURNING failed_signins`,
			a.MaxFailures, unixNanos(a.At.Add(a.LockFor)), at, a.UserID, at).Scan(&n)
		switch {
		case errors.Is(err, sql.ErrNoRows):
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
