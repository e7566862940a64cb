package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
)

// maxReportDays bounds a report's range, so one request cannot make the
// server read years of conversations at once.
const maxReportDays = 400

var _ bot.Reporter = (*DB)(nil)

// reportConv is what a report reads of one conversation.
type reportConv struct {
	id, status, resolution, flow string
	created                      time.Time
	queued                       bool   // ever put in a queue
	reason                       string // of its latest handoff
	handoffAt, assigned, closed  time.Time
	followup                     bool // left a message for the team
	closedAt                     time.Time
	rating                       int
	visits                       []bot.Visit
	answered                     bool // the patient said or tapped anything
}

// Report computes the analytics report of the conversations created in
// [q.From, q.To), read from one snapshot of the database. docs/analytics.md
// defines every number.
func (db *DB) Report(ctx context.Context, q bot.ReportQuery) (*bot.Report, error) {
	if !q.To.After(q.From) {
		return nil, bot.Errorf(bot.EINVALID, "the report's end must be after its start")
	}
	if q.To.Sub(q.From) > maxReportDays*24*time.Hour {
		return nil, bot.Errorf(bot.EINVALID, "a report covers at most %d days", maxReportDays)
	}
	if q.Location == nil {
		q.Location = time.UTC
	}
	if q.Routing == nil {
		q.Routing = bot.DefaultRouting()
	}
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // read-only

	convs, err := reportConversations(ctx, tx, q)
	if err != nil {
		return nil, err
	}
	if err := reportVisits(ctx, tx, q, convs); err != nil {
		return nil, err
	}
	if err := reportAudit(ctx, tx, q, convs); err != nil {
		return nil, err
	}
	var list []*reportConv
	unanswered := 0
	for _, c := range convs {
		c.flow = attribute(c, q.Routing)
		switch {
		case q.Flow != "" && c.flow != q.Flow:
		case !c.answered:
			// A greeting nobody answered is not a conversation: a patient
			// who opened the chat and left was never helped or failed.
			unanswered++
		default:
			list = append(list, c)
		}
	}
	slices.SortFunc(list, func(a, b *reportConv) int {
		return cmp.Or(a.created.Compare(b.created), cmp.Compare(a.id, b.id))
	})
	r := buildReport(q, list)
	r.Totals.Unanswered = unanswered
	return r, nil
}

// reportConversations reads the conversations created in the range, with
// their latest handoff and whether they left a message.
func reportConversations(ctx context.Context, tx *sql.Tx, q bot.ReportQuery) (map[string]*reportConv, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.status, c.resolution, c.flow, c.created_at,
			c.queued_at IS NOT NULL OR h.conversation_id IS NOT NULL,
			coalesce(h.reason, ''), h.at, h.assigned_at, h.closed_at,
			EXISTS (SELECT 1 FROM followups f WHERE f.conversation_id = c.id),
			EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender = 'patient')
		FROM conversations c LEFT JOIN handoffs h ON h.conversation_id = c.id
		WHERE c.created_at >= ? AND c.created_at < ?`, unixNanos(q.From), unixNanos(q.To))
	if err != nil {
		return nil, fmt.Errorf("report conversations: %w", err)
	}
	defer rows.Close()
	convs := map[string]*reportConv{}
	for rows.Next() {
		var (
			c                      reportConv
			created                int64
			at, assigned, closedAt sql.NullInt64
		)
		if err := rows.Scan(&c.id, &c.status, &c.resolution, &c.flow, &created, &c.queued,
			&c.reason, &at, &assigned, &closedAt, &c.followup, &c.answered); err != nil {
			return nil, fmt.Errorf("report conversations: %w", err)
		}
		c.created = time.Unix(0, created).UTC()
		c.handoffAt, c.assigned, c.closed = fromNanos(at), fromNanos(assigned), fromNanos(closedAt)
		convs[c.id] = &c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report conversations: %w", err)
	}
	return convs, nil
}

// reportVisits reads the states the range's conversations entered, in order.
func reportVisits(ctx context.Context, tx *sql.Tx, q bot.ReportQuery, convs map[string]*reportConv) error {
	rows, err := tx.QueryContext(ctx, `SELECT v.conversation_id, v.flow, v.state, v.at
		FROM state_visits v JOIN conversations c ON c.id = v.conversation_id
		WHERE c.created_at >= ? AND c.created_at < ?
		ORDER BY v.rowid`, unixNanos(q.From), unixNanos(q.To))
	if err != nil {
		return fmt.Errorf("report visits: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id string
			v  bot.Visit
			at int64
		)
		if err := rows.Scan(&id, &v.Flow, &v.State, &at); err != nil {
			return fmt.Errorf("report visits: %w", err)
		}
		v.At = time.Unix(0, at).UTC()
		if c := convs[id]; c != nil {
			c.visits = append(c.visits, v)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report visits: %w", err)
	}
	return nil
}

// reportAudit reads when the range's conversations closed and how patients
// rated them: both happen after a conversation is created, so only audit
// rows from the range's start on are read.
func reportAudit(ctx context.Context, tx *sql.Tx, q bot.ReportQuery, convs map[string]*reportConv) error {
	rows, err := tx.QueryContext(ctx, `SELECT type, actor, outcome, at FROM audit
		WHERE type IN ('conversation.closed', 'rating') AND at >= ? ORDER BY seq`, unixNanos(q.From))
	if err != nil {
		return fmt.Errorf("report audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			typ, actor, outcome string
			at                  int64
		)
		if err := rows.Scan(&typ, &actor, &outcome, &at); err != nil {
			return fmt.Errorf("report audit: %w", err)
		}
		c := convs[strings.TrimPrefix(actor, "conversation:")]
		if c == nil || !strings.HasPrefix(actor, "conversation:") {
			continue
		}
		switch typ {
		case "conversation.closed":
			if c.closedAt.IsZero() {
				c.closedAt = time.Unix(0, at).UTC()
			}
		case "rating":
			if n, err := strconv.Atoi(outcome); err == nil && n >= 1 && n <= 5 {
				c.rating = n // the latest stands
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report audit: %w", err)
	}
	return nil
}

// attribute names the flow a conversation counts under: the first it
// entered that is not a routing flow, else the first it entered, else the
// flow it is in (conversations from before visits were recorded).
func attribute(c *reportConv, routing []string) string {
	for _, v := range c.visits {
		if !slices.Contains(routing, v.Flow) {
			return v.Flow
		}
	}
	if len(c.visits) > 0 {
		return c.visits[0].Flow
	}
	return c.flow
}
