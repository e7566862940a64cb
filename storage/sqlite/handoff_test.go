package sqlite_test

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/report"
	"github.com/portico-chat/portico/storage/sqlite"
)

// handoffRow is one stored handoff, times as minutes after t0 (-1: none).
type handoffRow struct {
	Queue, Reason, Step, Agent, Outcome string
	At, Since, Assigned, Closed         int
}

// handoffRows reads a conversation's handoffs in order.
func handoffRows(t *testing.T, db *sqlite.DB, conv string, t0 time.Time) []handoffRow {
	t.Helper()
	rows, err := db.Reader().Query(`SELECT queue, reason, step, assigned_agent, outcome, at, waiting_since, assigned_at, closed_at
		FROM handoffs WHERE conversation_id = ? ORDER BY id`, conv)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	mins := func(n sql.NullInt64) int {
		if !n.Valid {
			return -1
		}
		return int(time.Unix(0, n.Int64).Sub(t0) / time.Minute)
	}
	var out []handoffRow
	for rows.Next() {
		var r handoffRow
		var at, since, assigned, closed sql.NullInt64
		if err := rows.Scan(&r.Queue, &r.Reason, &r.Step, &r.Agent, &r.Outcome, &at, &since, &assigned, &closed); err != nil {
			t.Fatal(err)
		}
		r.At, r.Since, r.Assigned, r.Closed = mins(at), mins(since), mins(assigned), mins(closed)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEveryHandoffIsKept: a chat handed off, taken, returned to the bot,
// handed off again, transferred and closed keeps both handoffs, each with
// its reason, queue, times, first agent and outcome.
func TestEveryHandoffIsKept(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	c := &bot.Conversation{ID: "c1", Status: bot.StatusBot, Slots: map[string]string{}, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	step := func(m int, change func(c *bot.Conversation, turn *bot.Turn)) {
		t.Helper()
		next := *c
		next.UpdatedAt = at(m)
		turn := &bot.Turn{Conversation: &next}
		change(&next, turn)
		if err := db.Commit(ctx, turn); err != nil {
			t.Fatalf("minute %d: %v", m, err)
		}
		c = &next
	}
	queue := func(m int, queue, reason string, since time.Time) {
		step(m, func(c *bot.Conversation, turn *bot.Turn) {
			c.Status, c.Queue, c.Reason = bot.StatusQueued, queue, reason
			turn.Handoff = &bot.Handoff{Queue: queue, Reason: reason, Step: "reset_password.ask_code", At: at(m), Since: since}
		})
	}
	take := func(m int, agent string) {
		step(m, func(c *bot.Conversation, _ *bot.Turn) { c.Status, c.Agent = bot.StatusAgent, agent })
	}
	leave := func(m int, status bot.Status, outcome string) {
		step(m, func(c *bot.Conversation, turn *bot.Turn) {
			c.Status, c.Agent, turn.HandoffOutcome = status, "", outcome
		})
	}

	queue(1, "portal-support", "retries_exhausted", time.Time{})
	take(4, "u1")
	leave(10, bot.StatusBot, bot.HandoffToBot)
	queue(12, "portal-support", "still_waiting", at(11)) // kept their place from minute 11
	take(15, "u2")
	step(16, func(c *bot.Conversation, _ *bot.Turn) { c.Status, c.Queue, c.Agent = bot.StatusQueued, "billing", "" }) // transferred
	take(20, "u3")
	leave(30, bot.StatusBot, string(bot.Resolved))
	step(31, func(c *bot.Conversation, _ *bot.Turn) { c.Status, c.Resolution = bot.StatusClosed, bot.Resolved })

	want := []handoffRow{
		{Queue: "portal-support", Reason: "retries_exhausted", Step: "reset_password.ask_code", Agent: "u1", Outcome: "to_bot",
			At: 1, Since: 1, Assigned: 4, Closed: 10},
		{Queue: "portal-support", Reason: "still_waiting", Step: "reset_password.ask_code", Agent: "u2", Outcome: "resolved",
			At: 12, Since: 11, Assigned: 15, Closed: 30},
	}
	if got := handoffRows(t, db, "c1", t0); !reflect.DeepEqual(got, want) {
		t.Errorf("handoffs:\n got %+v\nwant %+v", got, want)
	}

	// A new handoff while one is open ends the open one as requeued.
	c2 := &bot.Conversation{ID: "c2", Status: bot.StatusBot, Slots: map[string]string{}, CreatedAt: t0, UpdatedAt: t0}
	if err := db.CreateConversation(ctx, c2); err != nil {
		t.Fatal(err)
	}
	c = c2
	queue(1, "a", "requested", time.Time{})
	queue(2, "b", "error", time.Time{})
	if got := handoffRows(t, db, "c2", t0); len(got) != 2 || got[0].Outcome != "requeued" || got[0].Closed != 2 || got[1].Closed != -1 {
		t.Errorf("handoff over an open one: got %+v, want the first ended as requeued at minute 2, the second open", got)
	}
}

// TestMigrationKeepsTheOldHandoffs opens a database made by the schema
// before every handoff was kept, with rows in it, and checks the rows
// survive the migration and the report counts them.
func TestMigrationKeepsTheOldHandoffs(t *testing.T) {
	path := t.TempDir() + "/old.db"
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	ns := func(m int) int64 { return t0.Add(time.Duration(m) * time.Minute).UnixNano() }
	old := sqlite.OldSchema(t, path, "0010_handoff_history.sql")
	for i, conv := range []struct {
		id, status, resolution string
		at, assigned, closed   any
		reason                 string
	}{
		{"o1", "closed", "resolved", ns(1), ns(4), ns(16), "requested"},
		{"o2", "queued", "", ns(2), nil, nil, "retries_exhausted"},
		{"o3", "agent", "", ns(3), ns(13), nil, "requested"},
	} {
		if _, err := old.Exec(`INSERT INTO conversations (id, status, resolution, created_at, updated_at, queued_at)
			VALUES (?, ?, ?, ?, ?, ?)`, conv.id, conv.status, conv.resolution, ns(i), ns(i), conv.at); err != nil {
			t.Fatal(err)
		}
		// The patient asked for help, so the report counts the conversation.
		if _, err := old.Exec(`INSERT INTO messages (conversation_id, seq, client_id, sender, text, at)
			VALUES (?, 1, 's1', 'patient', 'agent', ?)`, conv.id, ns(i)); err != nil {
			t.Fatal(err)
		}
		if _, err := old.Exec(`INSERT INTO handoffs (conversation_id, queue, reason, step, at, assigned_agent, assigned_at, closed_at)
			VALUES (?, 'portal-support', ?, 'greeting.welcome', ?, '', ?, ?)`, conv.id, conv.reason, conv.at, conv.assigned, conv.closed); err != nil {
			t.Fatal(err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := sqlite.Open(context.Background(), path, zerolog.Nop())
	if err != nil {
		t.Fatalf("open the old database: %v", err)
	}
	defer db.Close()
	wants := map[string][]handoffRow{
		"o1": {{Queue: "portal-support", Reason: "requested", Step: "greeting.welcome", At: 1, Since: 1, Assigned: 4, Closed: 16}},
		"o2": {{Queue: "portal-support", Reason: "retries_exhausted", Step: "greeting.welcome", At: 2, Since: 2, Assigned: -1, Closed: -1}},
		"o3": {{Queue: "portal-support", Reason: "requested", Step: "greeting.welcome", At: 3, Since: 3, Assigned: 13, Closed: -1}},
	}
	for id, want := range wants {
		if got := handoffRows(t, db, id, t0); !reflect.DeepEqual(got, want) {
			t.Errorf("%s after the migration:\n got %+v\nwant %+v", id, got, want)
		}
	}
	r, err := report.Build(context.Background(), db, report.Query{From: t0.Add(-time.Hour), To: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Totals.Handoffs != 3 || r.Totals.Queued != 3 {
		t.Errorf("report after the migration: %d handoffs of %d queued conversations, want 3 and 3", r.Totals.Handoffs, r.Totals.Queued)
	}
	min := time.Minute
	if want := (report.Durations{Count: 2, Median: 3 * min, P90: 10 * min}); r.QueueWait != want {
		t.Errorf("queue wait after the migration: got %+v, want %+v", r.QueueWait, want)
	}
	if want := (report.Durations{Count: 1, Median: 12 * min, P90: 12 * min}); r.HandleTime != want {
		t.Errorf("handle time after the migration: got %+v, want %+v", r.HandleTime, want)
	}
	// The migrated table takes new handoffs, one open at a time.
	c, err := db.Conversation(context.Background(), "o1")
	if err != nil {
		t.Fatal(err)
	}
	c.Status = bot.StatusQueued
	if err := db.Commit(context.Background(), &bot.Turn{Conversation: c,
		Handoff: &bot.Handoff{Queue: "portal-support", Reason: "requested", At: t0.Add(40 * time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	if got := handoffRows(t, db, "o1", t0); len(got) != 2 || got[1].At != 40 {
		t.Errorf("o1 after a new handoff: %+v, want the old row and a new one at minute 40", got)
	}
}
