package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot/staff"
)

// Search page sizes.
const (
	defaultSearchPage = 50
	maxSearchPage     = 200
)

// SearchConversations lists conversations matching f, newest first, one
// page at a time. It reads the conversations table only: no transcript, no
// slots.
func (db *DB) SearchConversations(ctx context.Context, f staff.ConversationFilter) ([]staff.ConversationSummary, error) {
	var (
		where []string
		args  []any
	)
	if !f.From.IsZero() {
		where, args = append(where, "created_at >= ?"), append(args, unixNanos(f.From))
	}
	if !f.To.IsZero() {
		where, args = append(where, "created_at < ?"), append(args, unixNanos(f.To))
	}
	if f.Queue != "" {
		where, args = append(where, "queue = ?"), append(args, f.Queue)
	}
	if f.Resolution != "" {
		where, args = append(where, "resolution = ?"), append(args, string(f.Resolution))
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
	q += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
	args = append(args, limit, max(f.Offset, 0))

	rows, err := db.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("search conversations: %w", err)
	}
	defer rows.Close()
	var out []staff.ConversationSummary
	for rows.Next() {
		var (
			c        staff.ConversationSummary
			from, to int64
		)
		if err := rows.Scan(&c.ID, &c.Status, &c.Resolution, &c.Queue, &c.Flow, &c.Reason, &c.Locale, &from, &to); err != nil {
			return nil, fmt.Errorf("search conversations: %w", err)
		}
		c.CreatedAt, c.UpdatedAt = time.Unix(0, from).UTC(), time.Unix(0, to).UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("search conversations: %w", err)
	}
	return out, nil
}
