package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// CannedResponses returns every canned response, by shortcut.
func (db *DB) CannedResponses(ctx context.Context) ([]staff.CannedResponse, error) {
	rows, err := db.reader.QueryContext(ctx, `SELECT shortcut, title, text, updated_by, updated_at
		FROM canned_responses ORDER BY shortcut`)
	if err != nil {
		return nil, fmt.Errorf("list canned responses: %w", err)
	}
	defer rows.Close()
	var out []staff.CannedResponse
	for rows.Next() {
		var (
			c  staff.CannedResponse
			at int64
		)
		if err := rows.Scan(&c.Shortcut, &c.Title, &c.Text, &c.UpdatedBy, &at); err != nil {
			return nil, fmt.Errorf("list canned responses: %w", err)
		}
		c.UpdatedAt = time.Unix(0, at).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list canned responses: %w", err)
	}
	return out, nil
}

// PutCannedResponse creates the canned response with c's shortcut, or
// replaces its title and text.
func (db *DB) PutCannedResponse(ctx context.Context, c staff.CannedResponse) error {
	at := unixNanos(orNow(c.UpdatedAt))
	err := db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO canned_responses (shortcut, title, text, updated_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (shortcut) DO UPDATE SET title = excluded.title, text = excluded.text,
				updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			c.Shortcut, c.Title, c.Text, c.UpdatedBy, at, at)
		return err
	})
	if err != nil {
		return fmt.Errorf("save canned response: %w", err)
	}
	return nil
}

// DeleteCannedResponse deletes a canned response, or returns ENOTFOUND.
func (db *DB) DeleteCannedResponse(ctx context.Context, shortcut string) error {
	err := db.Write(ctx, func(tx *sql.Tx) error {
		res, err := tx.Exec(`DELETE FROM canned_responses WHERE shortcut = ?`, shortcut)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return bot.Errorf(bot.ENOTFOUND, "no such canned response")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete canned response: %w", err)
	}
	return nil
}
