package sqlite

import (
	"context"
	"fmt"
)

// OpenConversations counts the conversations not closed, by status (bot,
// queued, agent), for the active-conversations gauge. Idle ones count
// until the sweep closes them as abandoned.
func (db *DB) OpenConversations(ctx context.Context) (map[string]int, error) {
	return db.countBy(ctx, "open conversations",
		`SELECT status, count(*) FROM conversations WHERE status != 'closed' GROUP BY status`)
}

// QueueLengths counts the conversations waiting for a person, by queue.
func (db *DB) QueueLengths(ctx context.Context) (map[string]int, error) {
	return db.countBy(ctx, "queue lengths",
		`SELECT queue, count(*) FROM conversations WHERE status = 'queued' GROUP BY queue`)
}

// countBy runs a two-column (label, count) query.
func (db *DB) countBy(ctx context.Context, what, query string) (map[string]int, error) {
	rows, err := db.reader.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("count %s: %w", what, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var (
			label string
			n     int
		)
		if err := rows.Scan(&label, &n); err != nil {
			return nil, fmt.Errorf("count %s: %w", what, err)
		}
		out[label] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count %s: %w", what, err)
	}
	return out, nil
}
