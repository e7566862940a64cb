package sqlite

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Every time is stored as INTEGER unix nanoseconds in UTC: it sorts and
// compares correctly in SQL, which RFC 3339 text with trimmed fractions does
// not. A zero time.Time is stored as NULL.

// nanos encodes a time that may be zero (NULL).
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return unixNanos(t)
}

// fromNanos decodes a nullable time column.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// orNow is t, or the current time when t is zero, for NOT NULL columns.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now().UTC()
	}
	return t.UTC()
}

// nullBytes stores an empty slice as NULL, so UNIQUE columns allow many.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// nullText stores "" as NULL, so UNIQUE columns allow many.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonText encodes v as JSON text.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json: %w", err)
	}
	return string(b), nil
}

// jsonOrNull is jsonText for nullable columns: an absent value is NULL.
func jsonOrNull(v any, absent bool) (any, error) {
	if absent {
		return nil, nil
	}
	return jsonText(v)
}

// fromJSON decodes a nullable JSON column into v; NULL leaves v alone.
func fromJSON(s sql.NullString, v any) error {
	if !s.Valid || s.String == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s.String), v); err != nil {
		return fmt.Errorf("decode json: %w", err)
	}
	return nil
}

// newID is a random 128-bit identifier in hex, for rows whose caller left
// the ID empty.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// constraint failure.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// Bounds of the times an int64 of unix nanoseconds can hold.
var (
	minNanosTime = time.Unix(0, math.MinInt64).UTC()
	maxNanosTime = time.Unix(0, math.MaxInt64).UTC()
)

// unixNanos is t in unix nanoseconds, clamped to what int64 holds, so that
// a zero time.Time used as "since forever" compares as the earliest time.
func unixNanos(t time.Time) int64 {
	switch {
	case t.Before(minNanosTime):
		return math.MinInt64
	case t.After(maxNanosTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// isBusy reports whether err is SQLITE_BUSY (of any extended kind).
func isBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
