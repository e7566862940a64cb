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
	queued                       bool            // ever put in a queue
	handoffs                     []reportHandoff // every handoff, in order
	followup                     bool            // left a message for the team
	closedAt                     time.Time
	rating                       int
	visits                       []bot.Visit
	answered                     bool // the patient said or tapped anything
}

// reportHandoff is what a report reads of one handoff.
type reportHandoff struct {
	reason, outcome        string
	since, assigned, ended time.Time // in line since; first taken; off the human side (zero: not yet)
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
	if err := reportHandoffs(ctx, tx, q, convs); err != nil {
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

// reportConversations reads the conversations created in the range, and
// whether they were ever queued or left a message.
func reportConversations(ctx context.Context, tx *sql.Tx, q bot.ReportQuery) (map[string]*reportConv, error) {
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.status, c.resolution, c.flow, c.created_at,
			c.queued_at IS NOT NULL OR EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id),
			EXISTS (SELECT 1 FROM followups f WHERE f.conversation_id = c.id),
			EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender = 'patient')
		FROM conversations c
		WHERE c.created_at >= ? AND c.created_at < ?`, unixNanos(q.From), unixNanos(q.To))
	if err != nil {
		return nil, fmt.Errorf("report conversations: %w", err)
	}
	defer rows.Close()
	convs := map[string]*reportConv{}
	for rows.Next() {
		var (
			c       reportConv
			created int64
		)
		if err := rows.Scan(&c.id, &c.status, &c.resolution, &c.flow, &created, &c.queued, &c.followup, &c.answered); err != nil {
			return nil, fmt.Errorf("report conversations: %w", err)
		}
		c.created = time.Unix(0, created).UTC()
		convs[c.id] = &c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report conversations: %w", err)
	}
	return convs, nil
}

// reportHandoffs reads every handoff of the range's conversations, in the
// order they were made.
func reportHandoffs(ctx context.Context, tx *sql.Tx, q bot.ReportQuery, convs map[string]*reportConv) error {
	rows, err := tx.QueryContext(ctx, `SELECT h.conversation_id, h.reason, h.outcome, h.waiting_since, h.assigned_at, h.closed_at
		FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
		WHERE c.created_at >= ? AND c.created_at < ?
		ORDER BY h.id`, unixNanos(q.From), unixNanos(q.To))
	if err != nil {
		return fmt.Errorf("report handoffs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id              string
			h               reportHandoff
			since           int64
			assigned, ended sql.NullInt64
		)
		if err := rows.Scan(&id, &h.reason, &h.outcome, &since, &assigned, &ended); err != nil {
			return fmt.Errorf("report handoffs: %w", err)
		}
		h.since, h.assigned, h.ended = time.Unix(0, since).UTC(), fromNanos(assigned), fromNanos(ended)
		if c := convs[id]; c != nil {
			c.handoffs = append(c.handoffs, h)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report handoffs: %w", err)
	}
	return nil
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
