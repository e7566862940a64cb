package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
)

// Published flows are immutable numbered versions; drafts sit beside them.
// Numbering a new version takes an advisory lock on the flow's name, so
// that two nodes publishing at once number one after the other.

func flowLock(name string) string { return "flow/" + name }

// FlowVersion returns the source of one version of a flow, or ENOTFOUND.
func (db *DB) FlowVersion(ctx context.Context, name string, version int) (source []byte, err error) {
	err = db.pool.QueryRow(ctx, `SELECT source FROM flows WHERE name = $1 AND version = $2`, name, version).Scan(&source)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, bot.Errorf(bot.ENOTFOUND, "no such flow version")
	}
	if err != nil {
		return nil, fmt.Errorf("load flow %s v%d: %w", name, version, err)
	}
	return source, nil
}

// LatestFlow returns the newest version of a flow, or ENOTFOUND.
func (db *DB) LatestFlow(ctx context.Context, name string) (version int, source []byte, err error) {
	err = db.pool.QueryRow(ctx, `SELECT version, source FROM flows WHERE name = $1
		ORDER BY version DESC LIMIT 1`, name).Scan(&version, &source)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, bot.Errorf(bot.ENOTFOUND, "no such flow")
	}
	if err != nil {
		return 0, nil, fmt.Errorf("load latest flow %s: %w", name, err)
	}
	return version, source, nil
}

// SaveFlowVersion publishes source as the next version of a flow (1 for a
// new flow) and returns its number. The same source as the latest version
// returns that version and adds nothing.
func (db *DB) SaveFlowVersion(ctx context.Context, name string, source []byte, author string) (version int, err error) {
	if name == "" {
		return 0, bot.Errorf(bot.EINVALID, "flow has no name")
	}
	source = nonNilBytes(source)
	err = db.Write(ctx, func(tx pgx.Tx) error {
		if err := lock(ctx, tx, flowLock(name)); err != nil {
			return err
		}
		var latest []byte
		err := tx.QueryRow(ctx, `SELECT version, source FROM flows WHERE name = $1
			ORDER BY version DESC LIMIT 1`, name).Scan(&version, &latest)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			version = 0
		case err != nil:
			return err
		case bytes.Equal(latest, source):
			return nil
		}
		version++
		_, err = tx.Exec(ctx, `INSERT INTO flows (name, version, source, author, created_at)
			VALUES ($1, $2, $3, $4, $5)`, name, version, source, author, unixNanos(time.Now()))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("save flow %s: %w", name, err)
	}
	return version, nil
}

// FlowNames returns the names of the stored flows, sorted.
func (db *DB) FlowNames(ctx context.Context) ([]string, error) {
	return queryAll(ctx, db.pool, "list flows", scanString, `SELECT DISTINCT name FROM flows ORDER BY name`)
}

// SaveFlowDraft creates or replaces a flow's draft.
func (db *DB) SaveFlowDraft(ctx context.Context, d flowadmin.Draft) error {
	if d.Name == "" {
		return bot.Errorf(bot.EINVALID, "the draft has no flow name")
	}
	_, err := db.exec(ctx, `INSERT INTO flow_drafts (name, source, tests, author, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (name) DO UPDATE SET source = excluded.source, tests = excluded.tests,
			author = excluded.author, updated_at = excluded.updated_at`,
		d.Name, nonNilBytes(d.Source), nonNilBytes(d.Tests), d.Author, unixNanos(orNow(d.UpdatedAt)))
	if err != nil {
		return fmt.Errorf("save draft of flow %s: %w", d.Name, err)
	}
	return nil
}

// FlowDraft returns a flow's draft, or ENOTFOUND.
func (db *DB) FlowDraft(ctx context.Context, name string) (flowadmin.Draft, error) {
	d, err := scanDraft(db.pool.QueryRow(ctx, `SELECT name, source, tests, author, updated_at FROM flow_drafts
		WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return flowadmin.Draft{}, bot.Errorf(bot.ENOTFOUND, "flow %s has no draft", name)
	}
	if err != nil {
		return flowadmin.Draft{}, fmt.Errorf("load draft of flow %s: %w", name, err)
	}
	return d, nil
}

// FlowDrafts returns every draft, by flow name.
func (db *DB) FlowDrafts(ctx context.Context) ([]flowadmin.Draft, error) {
	return queryAll(ctx, db.pool, "list drafts", scanDraft, `SELECT name, source, tests, author, updated_at
		FROM flow_drafts ORDER BY name`)
}

func scanDraft(s scanner) (flowadmin.Draft, error) {
	var d flowadmin.Draft
	var at sql.NullInt64
	err := s.Scan(&d.Name, &d.Source, &d.Tests, &d.Author, &at)
	d.UpdatedAt = fromNanos(at)
	return d, err
}

// DeleteFlowDraft drops a flow's draft; no draft is not an error.
func (db *DB) DeleteFlowDraft(ctx context.Context, name string) error {
	if _, err := db.exec(ctx, `DELETE FROM flow_drafts WHERE name = $1`, name); err != nil {
		return fmt.Errorf("delete draft of flow %s: %w", name, err)
	}
	return nil
}

// PublishFlow adds the next version of a flow with its tests and
// publisher, drops the draft if asked, and appends the audit event with
// Subject "flow:<name>/v<version>", all in one transaction.
func (db *DB) PublishFlow(ctx context.Context, p flowadmin.Publication) (version int, err error) {
	if p.Name == "" {
		return 0, bot.Errorf(bot.EINVALID, "flow has no name")
	}
	err = db.Write(ctx, func(tx pgx.Tx) error {
		if err := lock(ctx, tx, flowLock(p.Name)); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM flows WHERE name = $1`,
			p.Name).Scan(&version); err != nil {
			return err
		}
		version++
		if _, err := tx.Exec(ctx, `INSERT INTO flows (name, version, source, author, created_at, published_by, tests)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.Name, version, nonNilBytes(p.Source), p.Author,
			unixNanos(time.Now()), p.PublishedBy, nonNilBytes(p.Tests)); err != nil {
			return err
		}
		if p.DropDraft {
			if _, err := tx.Exec(ctx, `DELETE FROM flow_drafts WHERE name = $1`, p.Name); err != nil {
				return err
			}
		}
		ev := p.Audit
		if ev.Type == "" {
			return nil
		}
		ev.Subject = fmt.Sprintf("flow:%s/v%d", p.Name, version)
		return appendAudit(ctx, tx, []bot.AuditEvent{ev})
	})
	if err != nil {
		return 0, fmt.Errorf("publish flow %s: %w", p.Name, err)
	}
	return version, nil
}

// FlowRelease returns one published version with its tests, or ENOTFOUND.
func (db *DB) FlowRelease(ctx context.Context, name string, version int) (flowadmin.Version, error) {
	return db.flowRelease(ctx, `WHERE name = $1 AND version = $2`, name, version)
}

// LatestFlowRelease returns a flow's newest version, or ENOTFOUND.
func (db *DB) LatestFlowRelease(ctx context.Context, name string) (flowadmin.Version, error) {
	return db.flowRelease(ctx, `WHERE name = $1 ORDER BY version DESC LIMIT 1`, name)
}

func (db *DB) flowRelease(ctx context.Context, where string, args ...any) (flowadmin.Version, error) {
	var r flowadmin.Version
	var at sql.NullInt64
	err := db.pool.QueryRow(ctx, `SELECT name, version, author, published_by, created_at,
		source, tests FROM flows `+where, args...).Scan(&r.Name, &r.Version, &r.Author, &r.PublishedBy,
		&at, &r.Source, &r.Tests)
	if errors.Is(err, pgx.ErrNoRows) {
		return flowadmin.Version{}, bot.Errorf(bot.ENOTFOUND, "no such flow version")
	}
	if err != nil {
		return flowadmin.Version{}, fmt.Errorf("load flow %v: %w", args[0], err)
	}
	r.CreatedAt = fromNanos(at)
	return r, nil
}

// FlowHistory lists a flow's versions, newest first, without their
// sources; ENOTFOUND when the flow has none.
func (db *DB) FlowHistory(ctx context.Context, name string) ([]flowadmin.Version, error) {
	out, err := queryAll(ctx, db.pool, "list versions of flow "+name, func(s scanner) (flowadmin.Version, error) {
		r := flowadmin.Version{Name: name}
		var at sql.NullInt64
		err := s.Scan(&r.Version, &r.Author, &r.PublishedBy, &at)
		r.CreatedAt = fromNanos(at)
		return r, err
	}, `SELECT version, author, published_by, created_at FROM flows WHERE name = $1 ORDER BY version DESC`, name)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, bot.Errorf(bot.ENOTFOUND, "no such flow")
	}
	return out, nil
}
