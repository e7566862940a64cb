package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// Keys of the settings table (migration 0008).
const (
	settingQueues = "queues"
	// SettingWidget holds the widget's appearance as the web package
	// encodes it.
	SettingWidget = "widget"
)

// maxAuditSearch caps one SearchAudit page.
const maxAuditSearch = 500

// Setting returns a setting's JSON value, or ENOTFOUND when it was never
// stored.
func (db *DB) Setting(ctx context.Context, key string) ([]byte, error) {
	var v string
	err := db.reader.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.Errorf(bot.ENOTFOUND, "no setting %q", key)
	}
	if err != nil {
		return nil, fmt.Errorf("read setting %s: %w", key, err)
	}
	return []byte(v), nil
}

// PutSetting stores a setting's JSON value with who changed it, and
// appends the audit events in the same write.
func (db *DB) PutSetting(ctx context.Context, key string, value []byte, by string, audit ...bot.AuditEvent) error {
	if !json.Valid(value) {
		return bot.Errorf(bot.EINVALID, "setting %q is not JSON", key)
	}
	err := db.Write(ctx, func(tx *sql.Tx) error {
		if err := putSetting(tx, key, string(value), by); err != nil {
			return err
		}
		return appendAudit(tx, cloneEvents(audit))
	})
	if err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}

func putSetting(tx *sql.Tx, key, value, by string) error {
	_, err := tx.Exec(`INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`, key, value, by, unixNanos(time.Now()))
	return err
}

// QueueSpecs returns the stored queues, or ENOTFOUND when none were ever
// stored (a first start: SeedQueueSpecs stores the configuration's).
func (db *DB) QueueSpecs(ctx context.Context) ([]bot.QueueSpec, error) {
	v, err := db.Setting(ctx, settingQueues)
	if err != nil {
		return nil, err
	}
	return decodeQueues(v)
}

// SeedQueueSpecs stores specs unless queues were stored before, and
// returns the queues in force: the database's from then on.
func (db *DB) SeedQueueSpecs(ctx context.Context, specs []bot.QueueSpec) ([]bot.QueueSpec, error) {
	text, err := jsonText(nonNilSpecs(specs))
	if err != nil {
		return nil, fmt.Errorf("seed queues: %w", err)
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO settings (key, value, updated_by, updated_at) VALUES (?, ?, 'system', ?)
			ON CONFLICT (key) DO NOTHING`, settingQueues, text, unixNanos(time.Now()))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("seed queues: %w", err)
	}
	return db.QueueSpecs(ctx)
}

// EditQueueSpecs changes the stored queues in one write: fn gets them as
// they are (none when never stored) and returns them as they should be,
// or an error that leaves them alone. The audit events are appended in
// the same write. It returns what was stored.
func (db *DB) EditQueueSpecs(ctx context.Context, by string, fn func([]bot.QueueSpec) ([]bot.QueueSpec, error), audit ...bot.AuditEvent) ([]bot.QueueSpec, error) {
	var out []bot.QueueSpec
	err := db.Write(ctx, func(tx *sql.Tx) error {
		var v string
		err := tx.QueryRow(`SELECT value FROM settings WHERE key = ?`, settingQueues).Scan(&v)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var specs []bot.QueueSpec
		if v != "" {
			if specs, err = decodeQueues([]byte(v)); err != nil {
				return err
			}
		}
		if out, err = fn(specs); err != nil {
			return err
		}
		text, err := jsonText(nonNilSpecs(out))
		if err != nil {
			return err
		}
		if err := putSetting(tx, settingQueues, text, by); err != nil {
			return err
		}
		return appendAudit(tx, cloneEvents(audit))
	})
	if err != nil {
		return nil, fmt.Errorf("edit queues: %w", err)
	}
	return out, nil
}

func decodeQueues(v []byte) ([]bot.QueueSpec, error) {
	var specs []bot.QueueSpec
	if err := json.Unmarshal(v, &specs); err != nil {
		return nil, fmt.Errorf("decode queues: %w", err)
	}
	return specs, nil
}

func nonNilSpecs(s []bot.QueueSpec) []bot.QueueSpec {
	if s == nil {
		return []bot.QueueSpec{}
	}
	return s
}

func cloneEvents(evs []bot.AuditEvent) []bot.AuditEvent {
	return append([]bot.AuditEvent(nil), evs...)
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
		`name = coalesce(nullif(?, ''), name), capacity = ?, queues = ?, updated_at = ?`,
		strings.TrimSpace(name), capacity, text, unixNanos(time.Now()))
}

// SearchAudit returns the audit events f selects, newest first: at most
// f.Limit (capped at 500), older than f.BeforeSeq when it is set.
func (db *DB) SearchAudit(ctx context.Context, f staff.AuditFilter) ([]bot.AuditEvent, error) {
	var (
		where []string
		args  []any
	)
	add := func(cond string, arg any) {
		where = append(where, cond)
		args = append(args, arg)
	}
	if !f.From.IsZero() {
		add(`at >= ?`, unixNanos(f.From))
	}
	if !f.To.IsZero() {
		add(`at < ?`, unixNanos(f.To))
	}
	if f.Actor != "" {
		add(`actor = ?`, f.Actor)
	}
	if f.Type != "" {
		add(`type = ?`, f.Type)
	}
	if f.Subject != "" {
		add(`subject = ?`, f.Subject)
	}
	if f.BeforeSeq > 0 {
		add(`seq < ?`, f.BeforeSeq)
	}
	limit := f.Limit
	if limit <= 0 || limit > maxAuditSearch {
		limit = maxAuditSearch
	}
	q := `SELECT ` + auditColumns + ` FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := db.reader.QueryContext(ctx, q+` ORDER BY seq DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("search audit: %w", err)
	}
	defer rows.Close()
	var out []bot.AuditEvent
	for rows.Next() {
		e, _, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("search audit: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search audit: %w", err)
	}
	return out, nil
}

// CheckAudit walks the hash chain (VerifyAudit) and reports the first row
// that breaks it as data rather than as an error.
func (db *DB) CheckAudit(ctx context.Context) (staff.AuditCheck, error) {
	n, err := db.VerifyAudit(ctx)
	var bad *AuditError
	switch {
	case errors.As(err, &bad):
		return staff.AuditCheck{Rows: n, BadSeq: bad.Seq, Problem: bad.Problem}, nil
	case err != nil:
		return staff.AuditCheck{}, err
	}
	return staff.AuditCheck{Rows: n}, nil
}
