package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/report"
)

var _ report.Store = (*DB)(nil)

// ReportRows reads the rows of a report's range from one snapshot of the
// database (see report.Store).
func (db *DB) ReportRows(ctx context.Context, from, to time.Time) (report.Rows, error) {
	var rows report.Rows
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return rows, fmt.Errorf("report rows: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only
	if rows.Conversations, err = reportConversations(ctx, tx, from, to); err != nil {
		return rows, err
	}
	if rows.Handoffs, err = reportHandoffs(ctx, tx, from, to); err != nil {
		return rows, err
	}
	if rows.Visits, err = reportVisits(ctx, tx, from, to); err != nil {
		return rows, err
	}
	if rows.Events, err = reportEvents(ctx, tx, from); err != nil {
		return rows, err
	}
	if rows.Segments, err = reportSegments(ctx, tx, from, to); err != nil {
		return rows, err
	}
	return rows, nil
}

// reportSegments sums the SMS segments of the range's conversations by
// conversation and direction (sms_segments, migration 0014).
func reportSegments(ctx context.Context, tx *sql.Tx, from, to time.Time) ([]report.Segments, error) {
	rows, err := tx.QueryContext(ctx, `SELECT s.conversation_id, s.direction, sum(s.segments)
		FROM sms_segments s JOIN conversations c ON c.id = s.conversation_id
		WHERE c.created_at >= ? AND c.created_at < ?
		GROUP BY s.conversation_id, s.direction HAVING sum(s.segments) > 0
		ORDER BY s.conversation_id, s.direction`, unixNanos(from), unixNanos(to))
	if err != nil {
		return nil, fmt.Errorf("report segments: %w", err)
	}
	defer rows.Close()
	var out []report.Segments
	for rows.Next() {
		var s report.Segments
		if err := rows.Scan(&s.Conversation, &s.Direction, &s.Count); err != nil {
			return nil, fmt.Errorf("report segments: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report segments: %w", err)
	}
	return out, nil
}

// reportConversations reads the conversations created in the range, and
// whether they were ever queued or left a message.
func reportConversations(ctx context.Context, tx *sql.Tx, from, to time.Time) ([]report.Conversation, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.channel, c.status, c.resolution, c.flow, c.created_at,
			c.queued_at IS NOT NULL OR EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id),
			EXISTS (SELECT 1 FROM followups f WHERE f.conversation_id = c.id),
			EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender = 'patient')
		FROM conversations c
		WHERE c.created_at >= ? AND c.created_at < ?`, unixNanos(from), unixNanos(to))
	if err != nil {
		return nil, fmt.Errorf("report conversations: %w", err)
	}
	defer rows.Close()
	var convs []report.Conversation
	for rows.Next() {
		var (
			c                  report.Conversation
			status, resolution string
			created            int64
		)
		if err := rows.Scan(&c.ID, &c.Channel, &status, &resolution, &c.Flow, &created, &c.Queued, &c.Followup, &c.Answered); err != nil {
			return nil, fmt.Errorf("report conversations: %w", err)
		}
		c.Status, c.Resolution = bot.Status(status), bot.Resolution(resolution)
		c.Created = time.Unix(0, created).UTC()
		convs = append(convs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report conversations: %w", err)
	}
	return convs, nil
}

// reportHandoffs reads every handoff of the range's conversations, in the
// order they were made.
func reportHandoffs(ctx context.Context, tx *sql.Tx, from, to time.Time) ([]report.Handoff, error) {
	rows, err := tx.QueryContext(ctx, `SELECT h.conversation_id, h.reason, h.outcome, h.waiting_since, h.assigned_at, h.closed_at
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
		WHERE c.created_at >= ? AND c.created_at < ?
		ORDER BY h.id`, unixNanos(from), unixNanos(to))
	if err != nil {
		return nil, fmt.Errorf("report handoffs: %w", err)
	}
	defer rows.Close()
	var hs []report.Handoff
	for rows.Next() {
		var (
			h               report.Handoff
			since           int64
			assigned, ended sql.NullInt64
		)
		if err := rows.Scan(&h.Conversation, &h.Reason, &h.Outcome, &since, &assigned, &ended); err != nil {
			return nil, fmt.Errorf("report handoffs: %w", err)
		}
		h.Since, h.Assigned, h.Ended = time.Unix(0, since).UTC(), fromNanos(assigned), fromNanos(ended)
		hs = append(hs, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report handoffs: %w", err)
	}
	return hs, nil
}

// reportVisits reads the states the range's conversations entered, in order.
func reportVisits(ctx context.Context, tx *sql.Tx, from, to time.Time) ([]report.Visit, error) {
	rows, err := tx.QueryContext(ctx, `SELECT v.conversation_id, v.flow, v.state, v.at
		FROM state_visits v JOIN conversations c ON c.id = v.conversation_id
		WHERE c.created_at >= ? AND c.created_at < ?
		ORDER BY v.rowid`, unixNanos(from), unixNanos(to))
	if err != nil {
		return nil, fmt.Errorf("report visits: %w", err)
	}
	defer rows.Close()
	var vs []report.Visit
	for rows.Next() {
		var (
			v  report.Visit
			at int64
		)
		if err := rows.Scan(&v.Conversation, &v.Flow, &v.State, &at); err != nil {
			return nil, fmt.Errorf("report visits: %w", err)
		}
		v.At = time.Unix(0, at).UTC()
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report visits: %w", err)
	}
	return vs, nil
}

// reportEvents reads when conversations closed and how patients rated
// them: both happen after a conversation is created, so only audit rows
// from the range's start on are read. Conversations outside the range are
// among them; the report joins by conversation.
func reportEvents(ctx context.Context, tx *sql.Tx, from time.Time) ([]report.Event, error) {
	rows, err := tx.QueryContext(ctx, `SELECT type, actor, outcome, at FROM audit
		WHERE type IN (?, ?) AND at >= ? ORDER BY seq`, report.EventClosed, report.EventRating, unixNanos(from))
	if err != nil {
		return nil, fmt.Errorf("report audit: %w", err)
	}
	defer rows.Close()
	var es []report.Event
	for rows.Next() {
		var (
			e     report.Event
			actor string
			at    int64
		)
		if err := rows.Scan(&e.Type, &actor, &e.Outcome, &at); err != nil {
			return nil, fmt.Errorf("report audit: %w", err)
		}
		id, ok := strings.CutPrefix(actor, "conversation:")
		if !ok {
			continue
		}
		e.Conversation, e.At = id, time.Unix(0, at).UTC()
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report audit: %w", err)
	}
	return es, nil
}
