package bot_test

import (
	"database/sql"
	"reflect"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// storedHandoff is one handoff as the store keeps it; times as offsets
// from the conversation's creation (-1: not yet).
type storedHandoff struct {
	Reason, Agent, Outcome        string
	At, Since, Assigned, Finished time.Duration
}

// handoffs reads a chat's kept handoffs, oldest first.
func (c *chat) handoffs() []storedHandoff {
	c.h.t.Helper()
	created := c.conv().CreatedAt
	rows, err := c.h.env.DB.Reader().QueryContext(c.h.ctx, `SELECT reason, assigned_agent, outcome, at, waiting_since,
		assigned_at, closed_at FROM handoffs WHERE conversation_id = ? ORDER BY id`, c.id)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer rows.Close()
	off := func(n sql.NullInt64) time.Duration {
		if !n.Valid {
			return -1
		}
		return time.Unix(0, n.Int64).Sub(created)
	}
	var out []storedHandoff
	for rows.Next() {
		var s storedHandoff
		var at, since, assigned, closed sql.NullInt64
		if err := rows.Scan(&s.Reason, &s.Agent, &s.Outcome, &at, &since, &assigned, &closed); err != nil {
			c.h.t.Fatal(err)
		}
		s.At, s.Since, s.Assigned, s.Finished = off(at), off(since), off(assigned), off(closed)
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		c.h.t.Fatal(err)
	}
	return out
}

// TestEveryHandoffOfAConversationIsKept drives the engine through the ways
// a handoff ends and checks each one is kept, with its own reason, times,
// agent and outcome.
func TestEveryHandoffOfAConversationIsKept(t *testing.T) {
	min := time.Minute
	t.Run("back to the bot, then handed off again and closed", func(t *testing.T) {
		h := newDeskHarness(t, nil)
		h.connect(ana)
		c := h.open("reset_password")
		h.env.Clock.Advance(min)
		c.say("agent") // taken by Ana at once
		h.env.Clock.Advance(2 * min)
		if err := h.eng.ToBot(h.ctx, ana.ID, c.id, "reset_password"); err != nil {
			t.Fatal(err)
		}
		h.env.Clock.Advance(min)
		c.say("representative")
		h.env.Clock.Advance(5 * min)
		if err := h.eng.CloseChat(h.ctx, ana.ID, c.id, bot.Resolved); err != nil {
			t.Fatal(err)
		}
		want := []storedHandoff{
			{Reason: "patient_request", Agent: ana.ID, Outcome: bot.HandoffToBot, At: min, Since: min, Assigned: min, Finished: 3 * min},
			{Reason: "patient_request", Agent: ana.ID, Outcome: "resolved", At: 4 * min, Since: 4 * min, Assigned: 4 * min, Finished: 9 * min},
		}
		if got := c.handoffs(); !reflect.DeepEqual(got, want) {
			t.Errorf("handoffs:\n got %+v\nwant %+v", got, want)
		}
	})
	t.Run("timed out, kept waiting, then the patient left", func(t *testing.T) {
		h := newDeskHarness(t, func(c *bot.Config) { c.HandoffTimeout = 5 * min })
		c := h.queued()
		h.env.Clock.Advance(5 * min)
		h.eng.SweepDesk(h.ctx)
		h.env.Clock.Advance(min)
		c.reply("wait")
		h.env.Clock.Advance(2 * min)
		if err := h.eng.Bye(h.ctx, c.id); err != nil {
			t.Fatal(err)
		}
		want := []storedHandoff{
			{Reason: "requested", Outcome: bot.HandoffTimedOut, At: 0, Since: 0, Assigned: -1, Finished: 5 * min},
			{Reason: "still_waiting", Outcome: bot.HandoffAbandoned, At: 6 * min, Since: 0, Assigned: -1, Finished: 8 * min},
		}
		if got := c.handoffs(); !reflect.DeepEqual(got, want) {
			t.Errorf("handoffs:\n got %+v\nwant %+v", got, want)
		}
	})
	t.Run("transferred between agents: one handoff, its first agent", func(t *testing.T) {
		h := newDeskHarness(t, nil)
		h.connect(ana)
		c := h.queued()
		h.connect(ben)
		h.env.Clock.Advance(min)
		if err := h.eng.Transfer(h.ctx, ana.ID, c.id, "", ben.ID, "", false); err != nil {
			t.Fatal(err)
		}
		h.env.Clock.Advance(min)
		if err := h.eng.CloseChat(h.ctx, ben.ID, c.id, "no_response"); err != nil {
			t.Fatal(err)
		}
		want := []storedHandoff{{Reason: "requested", Agent: ana.ID, Outcome: "no_response", At: 0, Since: 0, Assigned: 0, Finished: 2 * min}}
		if got := c.handoffs(); !reflect.DeepEqual(got, want) {
			t.Errorf("handoffs:\n got %+v\nwant %+v", got, want)
		}
	})
}
