package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Published flows are kept as immutable numbered versions, so a conversation
// keeps running the version it started with while a new one is published.

// FlowVersion returns the source of one version of a flow, or ENOTFOUND.
func (db *DB) FlowVersion(ctx context.Context, name string, version int) (source []byte, err error) {
	err = db.reader.QueryRowContext(ctx, `SELECT source FROM flows WHERE name = ? AND version = ?`,
		name, version).Scan(&source)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, bot.Errorf(bot.ENOTFOUND, "no such flow version")
	}
	if err != nil {
		return nil, fmt.Errorf("load flow %s v%d: %w", name, version, err)
	}
	return source, nil
}

// LatestFlow returns the newest version of a flow, or ENOTFOUND.
func (db *DB) LatestFlow(ctx context.Context, name string) (version int, source []byte, err error) {
	err = db.reader.QueryRowContext(ctx, `SELECT version, source FROM flows WHERE name = ?
		ORDER BY version DESC LIMIT 1`, name).Scan(&version, &source)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, bot.Errorf(bot.ENOTFOUND, "no such flow")
	}
	if err != nil {
		return 0, nil, fmt.Errorf("load latest flow %s: %w", name, err)
	}
	return version, source, nil
}

// SaveFlowVersion publishes source as the next version of a flow (1 for a
// new flow) and returns its number. Publishing the same source as the latest
// version again returns that version and adds nothing.
func (db *DB) SaveFlowVersion(ctx context.Context, name string, source []byte, author string) (version int, err error) {
	if name == "" {
		return 0, bot.Errorf(bot.EINVALID, "flow has no name")
	}
	if source == nil {
		source = []byte{}
	}
	err = db.Write(ctx, func(tx *sql.Tx) error {
		var latest []byte
		err := tx.QueryRow(`SELECT version, source FROM flows WHERE name = ?
			ORDER BY version DESC LIMIT 1`, name).Scan(&version, &latest)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			version = 0
		case err != nil:
			return err
		case bytes.Equal(latest, source):
			return nil
		}
		version++
		_, err = tx.Exec(`INSERT INTO flows (name, version, source, author, created_at)
			VALUES (?, ?, ?, ?, ?)`, name, version, source, author, unixNanos(time.Now()))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("save flow %s: %w", name, err)
	}
	return version, nil
}

// FlowNames returns the names of the stored flows, sorted.
func (db *DB) FlowNames(ctx context.Context) ([]string, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT DISTINCT name FROM flows ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list flows: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("list flows: %w", err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list flows: %w", err)
	}
	return names, nil
}
