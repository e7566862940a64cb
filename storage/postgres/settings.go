package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// Keys of the settings table.
const (
	settingQueues = "queues"
	// SettingWidget holds the widget's appearance as the web package
	// encodes it.
	SettingWidget = "widget"
)

// Page sizes.
const (
	maxAuditSearch    = 500
	defaultSearchPage = 50
	maxSearchPage     = 200
)

// Setting returns a setting's JSON value, or ENOTFOUND when it was never
// stored.
func (db *DB) Setting(ctx context.Context, key string) ([]byte, error) {
	var v string
	err := db.pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.Errorf(bot.ENOTFOUND, "no setting %q", key)
	}
	if err != nil {
		return nil, fmt.Errorf("read setting %s: %w", key, err)
	}
	return []byte(v), nil
}

// PutSetting stores a setting's JSON value with who changed it, and
// appends the audit events in the same transaction.
func (db *DB) PutSetting(ctx context.Context, key string, value []byte, by string, audit ...bot.AuditEvent) error {
	if !json.Valid(value) {
		return bot.Errorf(bot.EINVALID, "setting %q is not JSON", key)
	}
	err := db.Write(ctx, func(tx pgx.Tx) error {
		if err := putSetting(ctx, tx, key, string(value), by); err != nil {
			return err
		}
		return appendAudit(ctx, tx, cloneEvents(audit))
	})
	if err != nil {
		return fmt.Errorf("save setting %s: %w", key, err)
	}
	return nil
}

func putSetting(ctx context.Context, tx pgx.Tx, key, value, by string) error {
	_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`, key, value, by, unixNanos(time.Now()))
	return err
}

// QueueSpecs returns the stored queues, or ENOTFOUND when none were ever
// stored.
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
	if _, err := db.exec(ctx, `INSERT INTO settings (key, value, updated_by, updated_at) VALUES ($1, $2, 'system', $3)
		ON CONFLICT (key) DO NOTHING`, settingQueues, text, unixNanos(time.Now())); err != nil {
		return nil, fmt.Errorf("seed queues: %w", err)
	}
	return db.QueueSpecs(ctx)
}

// EditQueueSpecs changes the stored queues in one transaction, the row
// locked from read to write: fn gets them as they are (none when never
// stored) and returns them as they should be, or an error that leaves
// them alone. The audit events are appended in the same transaction.
func (db *DB) EditQueueSpecs(ctx context.Context, by string, fn func([]bot.QueueSpec) ([]bot.QueueSpec, error), audit ...bot.AuditEvent) ([]bot.QueueSpec, error) {
	var out []bot.QueueSpec
	err := db.Write(ctx, func(tx pgx.Tx) error {
		if err := lock(ctx, tx, "setting/"+settingQueues); err != nil { // the row may not exist yet
			return err
		}
		var v string
		err := tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, settingQueues).Scan(&v)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
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
		if err := putSetting(ctx, tx, settingQueues, text, by); err != nil {
			return err
		}
		return appendAudit(ctx, tx, cloneEvents(audit))
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

// SearchAudit returns the audit events f selects, newest first: at most
// f.Limit (capped at 500), older than f.BeforeSeq when it is set.
func (db *DB) SearchAudit(ctx context.Context, f staff.AuditFilter) ([]bot.AuditEvent, error) {
	var (
		where []string
		a     args
	)
	if !f.From.IsZero() {
		where = append(where, `at >= `+a.add(unixNanos(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, `at < `+a.add(unixNanos(f.To)))
	}
	if f.Actor != "" {
		where = append(where, `actor = `+a.add(f.Actor))
	}
	if f.Type != "" {
		where = append(where, `type = `+a.add(f.Type))
	}
	if f.Subject != "" {
		where = append(where, `subject = `+a.add(f.Subject))
	}
	if f.BeforeSeq > 0 {
		where = append(where, `seq < `+a.add(f.BeforeSeq))
	}
	limit := f.Limit
	if limit <= 0 || limit > maxAuditSearch {
		limit = maxAuditSearch
	}
	q := `SELECT ` + auditColumns + ` FROM audit`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY seq DESC LIMIT ` + a.add(limit)
	return queryAll(ctx, db.pool, "search audit", scanAuditEvent, q, a...)
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

// SearchConversations lists conversations matching f, newest first, one
// page at a time, from the conversations table only.
func (db *DB) SearchConversations(ctx context.Context, f staff.ConversationFilter) ([]staff.ConversationSummary, error) {
	var (
		where []string
		a     args
	)
	if !f.From.IsZero() {
		where = append(where, "created_at >= "+a.add(unixNanos(f.From)))
	}
	if !f.To.IsZero() {
		where = append(where, "created_at < "+a.add(unixNanos(f.To)))
	}
	if f.Queue != "" {
		where = append(where, "queue = "+a.add(f.Queue))
	}
	if f.Resolution != "" {
		where = append(where, "resolution = "+a.add(string(f.Resolution)))
	}
	q := `SELECT id, status, resolution, queue, flow, reason, locale, created_at, updated_at FROM conversations`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = defaultSearchPage
	}
	limit = min(limit, maxSearchPage)
	q += " ORDER BY created_at DESC, id DESC LIMIT " + a.add(limit) + " OFFSET " + a.add(max(f.Offset, 0))
	return queryAll(ctx, db.pool, "search conversations", func(s scanner) (staff.ConversationSummary, error) {
		var (
			c          staff.ConversationSummary
			status     string
			resolution string
			from, to   int64
		)
		err := s.Scan(&c.ID, &status, &resolution, &c.Queue, &c.Flow, &c.Reason, &c.Locale, &from, &to)
		c.Status, c.Resolution = bot.Status(status), bot.Resolution(resolution)
		c.CreatedAt, c.UpdatedAt = fromUnix(from), fromUnix(to)
		return c, err
	}, q, a...)
}
