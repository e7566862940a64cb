package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"

	_ "modernc.org/sqlite" // the SQLite driver
)

// schema is the reference bridge's whole database. A portal team replaces
// this file with queries against its own account tables.
const schema = `
CREATE TABLE IF NOT EXISTS records (
	id                  TEXT PRIMARY KEY,
	mrn                 TEXT NOT NULL UNIQUE,
	first_name          TEXT NOT NULL,
	last_name           TEXT NOT NULL,
	dob                 TEXT NOT NULL,          -- YYYY-MM-DD
	zip                 TEXT NOT NULL,          -- five digits
	email               TEXT NOT NULL DEFAULT '',
	phone               TEXT NOT NULL DEFAULT '', -- E.164
	username            TEXT UNIQUE COLLATE NOCASE, -- NULL until activation
	password_hash       TEXT NOT NULL DEFAULT '', -- argon2id PHC string
	password_changed_at INTEGER NOT NULL DEFAULT 0, -- Unix seconds
	status              TEXT NOT NULL CHECK (status IN ('pending', 'active', 'locked', 'disabled'))
);
CREATE INDEX IF NOT EXISTS records_dob_zip ON records (dob, zip);

-- Earlier password hashes, for the history rule.
CREATE TABLE IF NOT EXISTS password_history (
	record_id  TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
	hash       TEXT NOT NULL,
	changed_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS password_history_record ON password_history (record_id, changed_at);

-- One row per change applied: a retried change with the same key finds
-- its row and changes nothing. Written in the change's own transaction.
CREATE TABLE IF NOT EXISTS idempotency_keys (
	key        TEXT PRIMARY KEY,
	operation  TEXT NOT NULL,
	record_id  TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
`

// store is the SQLite file. One connection: the reference bridge is small,
// and one connection makes every transaction simply serial.
type store struct {
	db *sql.DB
}

func openStore(path string) (*store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_txlock", "immediate")
	q["_pragma"] = []string{"busy_timeout(5000)", "journal_mode(WAL)", "synchronous(FULL)", "foreign_keys(ON)"}
	dsn := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &store{db: db}, nil
}

func (s *store) Close() error { return s.db.Close() }

func (s *store) ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// record is one account.
type record struct {
	ID, MRN, FirstName, LastName, DOB, ZIP, Email, Phone string
	Username                                             string // "" while pending
	PasswordHash                                         string
	PasswordChangedAt                                    int64
	Status                                               string
}

const recordColumns = `id, mrn, first_name, last_name, dob, zip, email, phone,
	COALESCE(username, ''), password_hash, password_changed_at, status`

func scanRecord(row interface{ Scan(...any) error }) (record, error) {
	var r record
	err := row.Scan(&r.ID, &r.MRN, &r.FirstName, &r.LastName, &r.DOB, &r.ZIP, &r.Email, &r.Phone,
		&r.Username, &r.PasswordHash, &r.PasswordChangedAt, &r.Status)
	return r, err
}

// record returns one record, or errNotFound.
func (s *store) record(ctx context.Context, id string) (record, error) {
	r, err := scanRecord(s.db.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM records WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, errNotFound
	}
	return r, err
}

// where returns the records matching a condition.
func (s *store) where(ctx context.Context, cond string, args ...any) ([]record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+recordColumns+` FROM records WHERE `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// history returns the record's earlier password hashes, newest first.
func (s *store) history(ctx context.Context, id string, n int) ([]string, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT hash FROM password_history WHERE record_id = ? ORDER BY changed_at DESC, rowid DESC LIMIT ?`, id, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// keyUse says how an idempotency key stands for a change.
type keyUse int

const (
	keyNew    keyUse = iota // never used: apply the change
	keyDone                 // used for this very change: answer success, change nothing
	keyReused               // used for another operation or record: refuse
)

func (s *store) keyUse(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, key, op, id string) (keyUse, error) {
	var gotOp, gotID string
	err := q.QueryRowContext(ctx, `SELECT operation, record_id FROM idempotency_keys WHERE key = ?`, key).Scan(&gotOp, &gotID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return keyNew, nil
	case err != nil:
		return 0, err
	case gotOp == op && gotID == id:
		return keyDone, nil
	default:
		return keyReused, nil
	}
}

// apply runs one change in a transaction together with its idempotency
// key: both are stored or neither. change returns errConflict when the
// record's state no longer allows it (checked again inside the write, so
// a change made meanwhile wins).
func (s *store) apply(ctx context.Context, key, op, id string, now int64, change func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	switch use, err := s.keyUse(ctx, tx, key, op, id); {
	case err != nil:
		return err
	case use == keyDone:
		return nil // a copy of this call got here first
	case use == keyReused:
		return errKeyReused
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO idempotency_keys (key, operation, record_id, created_at) VALUES (?, ?, ?, ?)`,
		key, op, id, now); err != nil {
		return err
	}
	if err := change(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// guarded runs an UPDATE that names the states it is allowed from; no
// row changed means the state did not allow it.
func guarded(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errConflict
	}
	return nil
}
