package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
)

// Flow drafts sit beside the published versions: an admin edits a draft,
// and publishing it adds a version (which is never changed afterwards) and
// drops the draft, with its audit event, in one transaction.

// SaveFlowDraft creates or replaces a flow's draft.
func (db *DB) SaveFlowDraft(ctx context.Context, d flowadmin.Draft) error {
	if d.Name == "" {
		return bot.Errorf(bot.EINVALID, "the draft has no flow name")
	}
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO flow_drafts (name, source, tests, author, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET source = excluded.source, tests = excluded.tests,
				author = excluded.author, updated_at = excluded.updated_at`,
			d.Name, nonNilBytes(d.Source), nonNilBytes(d.Tests), d.Author, unixNanos(orNow(d.UpdatedAt)))
		return err
	})
	if err != nil {
		return fmt.Errorf("save draft of flow %s: %w", d.Name, err)
	}
	return nil
}

// FlowDraft returns a flow's draft, or ENOTFOUND.
func (db *DB) FlowDraft(ctx context.Context, name string) (flowadmin.Draft, error) {
	d := flowadmin.Draft{Name: name}
	var at sql.NullInt64
	err := db.reader.QueryRowContext(ctx, `SELECT source, tests, author, updated_at FROM flow_drafts
		WHERE name = ?`, name).Scan(&d.Source, &d.Tests, &d.Author, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return flowadmin.Draft{}, bot.Errorf(bot.ENOTFOUND, "flow %s has no draft", name)
	}
	if err != nil {
		return flowadmin.Draft{}, fmt.Errorf("load draft of flow %s: %w", name, err)
	}
	d.UpdatedAt = fromNanos(at)
	return d, nil
}

// FlowDrafts returns every draft, by flow name.
func (db *DB) FlowDrafts(ctx context.Context) ([]flowadmin.Draft, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT name, source, tests, author, updated_at
		FROM flow_drafts ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list drafts: %w", err)
	}
	defer rows.Close()
	var out []flowadmin.Draft
	for rows.Next() {
		var d flowadmin.Draft
		var at sql.NullInt64
		if err := rows.Scan(&d.Name, &d.Source, &d.Tests, &d.Author, &at); err != nil {
			return nil, fmt.Errorf("list drafts: %w", err)
		}
		d.UpdatedAt = fromNanos(at)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list drafts: %w", err)
	}
	return out, nil
}

// DeleteFlowDraft drops a flow's draft; no draft is not an error.
func (db *DB) DeleteFlowDraft(ctx context.Context, name string) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM flow_drafts WHERE name = ?`, name)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete draft of flow %s: %w", name, err)
	}
	return nil
}

// PublishFlow adds the next version of a flow (1 for a new one) with its
// tests and publisher, drops the draft if asked, and appends the audit
// event with Subject "flow:<name>/v<version>", all in one transaction.
func (db *DB) PublishFlow(ctx context.Context, p flowadmin.Publication) (version int, err error) {
	if p.Name == "" {
		return 0, bot.Errorf(bot.EINVALID, "flow has no name")
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRow(`SELECT COALESCE(MAX(version), 0) FROM flows WHERE name = ?`,
			p.Name).Scan(&version); err != nil {
			return err
		}
		version++
		now := time.Now()
		if _, err := tx.Exec(`INSERT INTO flows (name, version, source, author, created_at, published_by, tests)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.Name, version, nonNilBytes(p.Source), p.Author, unixNanos(now),
			p.PublishedBy, nonNilBytes(p.Tests)); err != nil {
			return err
		}
		if p.DropDraft {
			if _, err := tx.Exec(`DELETE FROM flow_drafts WHERE name = ?`, p.Name); err != nil {
				return err
			}
		}
		ev := p.Audit
		if ev.Type == "" {
			return nil
		}
		ev.Subject = fmt.Sprintf("flow:%s/v%d", p.Name, version)
		return appendAudit(tx, []bot.AuditEvent{ev})
	})
	if err != nil {
		return 0, fmt.Errorf("publish flow %s: %w", p.Name, err)
	}
	return version, nil
}

// FlowRelease returns one published version with its tests, or ENOTFOUND.
func (db *DB) FlowRelease(ctx context.Context, name string, version int) (flowadmin.Version, error) {
	return db.flowRelease(ctx, `WHERE name = ? AND version = ?`, name, version)
}

// LatestFlowRelease returns a flow's newest version, or ENOTFOUND.
func (db *DB) LatestFlowRelease(ctx context.Context, name string) (flowadmin.Version, error) {
	return db.flowRelease(ctx, `WHERE name = ? ORDER BY version DESC LIMIT 1`, name)
}

func (db *DB) flowRelease(ctx context.Context, where string, args ...any) (flowadmin.Version, error) {
	var r flowadmin.Version
	var at sql.NullInt64
	err := db.reader.QueryRowContext(ctx, `SELECT name, version, author, published_by, created_at,
		source, tests FROM flows `+where, args...).Scan(&r.Name, &r.Version, &r.Author, &r.PublishedBy,
		&at, &r.Source, &r.Tests)
	if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := db.reader.QueryContext(ctx, `SELECT version, author, published_by, created_at
		FROM flows WHERE name = ? ORDER BY version DESC`, name)
	if err != nil {
		return nil, fmt.Errorf("list versions of flow %s: %w", name, err)
	}
	defer rows.Close()
	var out []flowadmin.Version
	for rows.Next() {
		r := flowadmin.Version{Name: name}
		var at sql.NullInt64
		if err := rows.Scan(&r.Version, &r.Author, &r.PublishedBy, &at); err != nil {
			return nil, fmt.Errorf("list versions of flow %s: %w", name, err)
		}
		r.CreatedAt = fromNanos(at)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list versions of flow %s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, bot.Errorf(bot.ENOTFOUND, "no such flow")
	}
	return out, nil
}

func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
