package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/report"
)

var _ report.Store = (*DB)(nil)

// ReportRows reads the rows of a report's range from one snapshot of the
// database (a REPEATABLE READ, read-only transaction; see report.Store).
func (db *DB) ReportRows(ctx context.Context, from, to time.Time) (report.Rows, error) {
	var rows report.Rows
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		f, t := unixNanos(from), unixNanos(to)
		if rows.Conversations, err = queryAll(ctx, tx, "report conversations", scanReportConversation,
			`SELECT c.id, c.channel, c.status, c.resolution, c.flow, c.created_at,
				c.queued_at IS NOT NULL OR EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id),
				EXISTS (SELECT 1 FROM followups f WHERE f.conversation_id = c.id),
				EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.sender = 'patient')
			FROM conversations c WHERE c.created_at >= $1 AND c.created_at < $2`, f, t); err != nil {
			return err
		}
		if rows.Handoffs, err = queryAll(ctx, tx, "report handoffs", scanReportHandoff,
			`SELECT h.conversation_id, h.reason, h.outcome, h.waiting_since, h.assigned_at, h.closed_at
			FROM handoffs h JOIN conversations c ON c.id = h.conversation_id
			WHERE c.created_at >= $1 AND c.created_at < $2 ORDER BY h.id`, f, t); err != nil {
			return err
		}
		if rows.Visits, err = queryAll(ctx, tx, "report visits", scanReportVisit,
			`SELECT v.conversation_id, v.flow, v.state, v.at
			FROM state_visits v JOIN conversations c ON c.id = v.conversation_id
			WHERE c.created_at >= $1 AND c.created_at < $2 ORDER BY v.id`, f, t); err != nil {
			return err
		}
		if rows.Segments, err = queryAll(ctx, tx, "report segments", scanReportSegments,
			`SELECT s.conversation_id, s.direction, sum(s.segments)
			FROM sms_segments s JOIN conversations c ON c.id = s.conversation_id
			WHERE c.created_at >= $1 AND c.created_at < $2
			GROUP BY s.conversation_id, s.direction HAVING sum(s.segments) > 0
			ORDER BY s.conversation_id, s.direction`, f, t); err != nil {
			return err
		}
		events, err := queryAll(ctx, tx, "report audit", scanReportEvent,
			`SELECT type, actor, outcome, at FROM audit WHERE type IN ($1, $2) AND at >= $3 ORDER BY seq`,
			report.EventClosed, report.EventRating, f)
		for _, e := range events {
			if e.Conversation != "" {
				rows.Events = append(rows.Events, e)
			}
		}
		return err
	})
	if err != nil {
		return report.Rows{}, fmt.Errorf("report rows: %w", err)
	}
	return rows, nil
}

func scanReportConversation(s scanner) (report.Conversation, error) {
	var (
		c                  report.Conversation
		status, resolution string
		created            int64
	)
	err := s.Scan(&c.ID, &c.Channel, &status, &resolution, &c.Flow, &created, &c.Queued, &c.Followup, &c.Answered)
	c.Status, c.Resolution = bot.Status(status), bot.Resolution(resolution)
	c.Created = fromUnix(created)
	return c, err
}

func scanReportHandoff(s scanner) (report.Handoff, error) {
	var (
		h               report.Handoff
		since           int64
		assigned, ended sql.NullInt64
	)
	err := s.Scan(&h.Conversation, &h.Reason, &h.Outcome, &since, &assigned, &ended)
	h.Since, h.Assigned, h.Ended = fromUnix(since), fromNanos(assigned), fromNanos(ended)
	return h, err
}

func scanReportVisit(s scanner) (report.Visit, error) {
	var v report.Visit
	var at int64
	err := s.Scan(&v.Conversation, &v.Flow, &v.State, &at)
	v.At = fromUnix(at)
	return v, err
}

// scanReportEvent reads a close or rating; one whose actor is not a
// conversation keeps an empty Conversation and is dropped.
func scanReportSegments(s scanner) (report.Segments, error) {
	var (
		seg   report.Segments
		count int64
	)
	err := s.Scan(&seg.Conversation, &seg.Direction, &count)
	seg.Count = int(count)
	return seg, err
}

func scanReportEvent(s scanner) (report.Event, error) {
	var (
		e     report.Event
		actor string
		at    int64
	)
	err := s.Scan(&e.Type, &actor, &e.Outcome, &at)
	if id, ok := strings.CutPrefix(actor, "conversation:"); ok {
		e.Conversation = id
	}
	e.At = fromUnix(at)
	return e, err
}
