package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/report"
)

// ReportStore is a store the analytics read from, with the follow-ups
// (left messages) a report counts.
type ReportStore interface {
	report.Store
	AddFollowup(ctx context.Context, f bot.Followup) error
}

// testReportRows checks the rows a store reads for a report: which
// conversations are in the range and what it reads of each (the channel,
// whether the patient answered, was queued, left a message), every
// handoff with how and when it ended, the states visited in order, and
// the closings and ratings from the range's start on. bot/report turns
// the rows into numbers; its own tests check the arithmetic.
func testReportRows(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	r := need[ReportStore](t, s, "report rows")
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	from, to := at(0), at(24*60)

	// r1: answered, visits two flows, handed off, taken, closed by the
	// agent (resolved), rated, closed.
	c := reportConversation(t, s, "r1", at(10), bot.ChannelWeb)
	commitAt(t, s, c, at(10), func(c *bot.Conversation, turn *bot.Turn) {
		turn.Messages = []bot.Message{{ConversationID: c.ID, ClientID: "s1", From: bot.FromPatient, Text: "hi", At: at(10)}}
		c.Flow = "greeting"
		turn.Visits = []bot.Visit{{Flow: "greeting", State: "welcome", At: at(10)}}
	})
	commitAt(t, s, c, at(11), func(c *bot.Conversation, turn *bot.Turn) {
		c.Flow = "reset_password"
		turn.Visits = []bot.Visit{{Flow: "reset_password", State: "ask_dob", At: at(11)}, {Flow: "reset_password", State: "ask_zip", At: at(11)}}
	})
	commitAt(t, s, c, at(12), func(c *bot.Conversation, turn *bot.Turn) {
		c.Status, c.Queue, c.Reason, c.QueuedAt = bot.StatusQueued, "portal-support", "requested", at(12)
		turn.Handoff = &bot.Handoff{ConversationID: c.ID, Queue: "portal-support", Reason: "requested", At: at(12)}
	})
	commitAt(t, s, c, at(15), func(c *bot.Conversation, _ *bot.Turn) { c.Status, c.Agent = bot.StatusAgent, "u1" })
	commitAt(t, s, c, at(20), func(c *bot.Conversation, turn *bot.Turn) {
		c.Status, c.Agent, turn.HandoffOutcome = bot.StatusBot, "", "resolved"
	})
	commitAt(t, s, c, at(21), func(c *bot.Conversation, turn *bot.Turn) {
		turn.Audit = []bot.AuditEvent{{Type: report.EventRating, At: at(21), Actor: "conversation:" + c.ID, Outcome: "4"}}
	})
	commitAt(t, s, c, at(22), func(c *bot.Conversation, turn *bot.Turn) {
		c.Status, c.Resolution = bot.StatusClosed, bot.Resolved
		turn.Audit = []bot.AuditEvent{{Type: report.EventClosed, At: at(22), Actor: "conversation:" + c.ID, Outcome: "resolved"}}
	})
	// r2: on SMS, nobody answered; it left a message.
	reportConversation(t, s, "r2", at(30), bot.ChannelSMS)
	if err := r.AddFollowup(ctx, bot.Followup{ID: "f1", ConversationID: "r2", Queue: "portal-support",
		Contact: "x", Question: "y", CreatedAt: at(31)}); err != nil {
		t.Fatalf("AddFollowup: %v", err)
	}
	// r0: before the range; its rating inside the range is still read.
	c0 := reportConversation(t, s, "r0", at(-5), bot.ChannelWeb)
	commitAt(t, s, c0, at(5), func(c *bot.Conversation, turn *bot.Turn) {
		turn.Audit = []bot.AuditEvent{{Type: report.EventRating, At: at(5), Actor: "conversation:" + c.ID, Outcome: "2"}}
	})
	// Events that are not a conversation's, or not a report's, are not read.
	if err := s.AppendAudit(ctx, bot.AuditEvent{Type: report.EventClosed, At: at(40), Actor: "system", Outcome: "x"},
		bot.AuditEvent{Type: "verify.attempt", At: at(40), Actor: "conversation:r1", Outcome: "ok"}); err != nil {
		t.Fatalf("AppendAudit: %v", err)
	}

	// Texts' segments: r2's, summed by direction; r0's (before the range)
	// and a keyword's (no conversation) are not read.
	segs, hasSegments := s.(interface {
		RecordSMSSegments(ctx context.Context, conversationID, direction string, segments int, at time.Time) error
	})
	if hasSegments {
		for _, x := range []struct {
			conv, dir string
			n         int
		}{{"r2", "in", 1}, {"r2", "out", 3}, {"r2", "in", 1}, {"r2", "out", 1}, {"r0", "out", 5}, {"", "in", 1}} {
			if err := segs.RecordSMSSegments(ctx, x.conv, x.dir, x.n, at(32)); err != nil {
				t.Fatalf("RecordSMSSegments: %v", err)
			}
		}
	}

	rows, err := r.ReportRows(ctx, from, to)
	if err != nil {
		t.Fatalf("ReportRows: %v", err)
	}
	if hasSegments {
		want := []report.Segments{{Conversation: "r2", Direction: "in", Count: 2}, {Conversation: "r2", Direction: "out", Count: 4}}
		if !reflect.DeepEqual(rows.Segments, want) {
			t.Errorf("segments:\n got %+v\nwant %+v", rows.Segments, want)
		}
	}
	byID := map[string]report.Conversation{}
	for _, c := range rows.Conversations {
		byID[c.ID] = c
	}
	wantConvs := map[string]report.Conversation{
		"r1": {ID: "r1", Channel: bot.ChannelWeb, Status: bot.StatusClosed, Resolution: bot.Resolved, Flow: "reset_password",
			Created: at(10), Queued: true, Answered: true},
		"r2": {ID: "r2", Channel: bot.ChannelSMS, Status: bot.StatusBot, Created: at(30), Followup: true},
	}
	if !reflect.DeepEqual(byID, wantConvs) {
		t.Errorf("conversations:\n got %+v\nwant %+v", byID, wantConvs)
	}
	wantHandoffs := []report.Handoff{{Conversation: "r1", Reason: "requested", Outcome: "resolved", Since: at(12), Assigned: at(15), Ended: at(20)}}
	if !reflect.DeepEqual(rows.Handoffs, wantHandoffs) {
		t.Errorf("handoffs:\n got %+v\nwant %+v", rows.Handoffs, wantHandoffs)
	}
	wantVisits := []report.Visit{
		{Conversation: "r1", Visit: bot.Visit{Flow: "greeting", State: "welcome", At: at(10)}},
		{Conversation: "r1", Visit: bot.Visit{Flow: "reset_password", State: "ask_dob", At: at(11)}},
		{Conversation: "r1", Visit: bot.Visit{Flow: "reset_password", State: "ask_zip", At: at(11)}},
	}
	if !reflect.DeepEqual(rows.Visits, wantVisits) {
		t.Errorf("visits:\n got %+v\nwant %+v", rows.Visits, wantVisits)
	}
	wantEvents := []report.Event{ // in the order they were written
		{Conversation: "r1", Type: report.EventRating, Outcome: "4", At: at(21)},
		{Conversation: "r1", Type: report.EventClosed, Outcome: "resolved", At: at(22)},
		{Conversation: "r0", Type: report.EventRating, Outcome: "2", At: at(5)},
	}
	if !reflect.DeepEqual(rows.Events, wantEvents) {
		t.Errorf("events:\n got %+v\nwant %+v", rows.Events, wantEvents)
	}
	if rows, err := r.ReportRows(ctx, at(24*60), at(48*60)); err != nil || len(rows.Conversations)+len(rows.Handoffs)+len(rows.Visits)+len(rows.Events) != 0 {
		t.Errorf("a later range: got %+v, %v; want no rows", rows, err)
	}
}

// reportConversation stores a conversation created at created on channel.
func reportConversation(t *testing.T, s Store, id string, created time.Time, channel string) *bot.Conversation {
	t.Helper()
	c := &bot.Conversation{ID: id, Channel: channel, Status: bot.StatusBot, Locale: "en", Slots: map[string]string{},
		CreatedAt: created, UpdatedAt: created}
	if err := s.CreateConversation(context.Background(), c); err != nil {
		t.Fatalf("CreateConversation(%s): %v", id, err)
	}
	return c
}

// commitAt commits a turn at a time after change has edited a copy of c,
// and keeps the copy in c.
func commitAt(t *testing.T, s Store, c *bot.Conversation, at time.Time, change func(*bot.Conversation, *bot.Turn)) {
	t.Helper()
	next := *c
	next.UpdatedAt = at
	turn := &bot.Turn{Conversation: &next}
	change(&next, turn)
	mustCommit(t, s, turn)
	*c = next
}
