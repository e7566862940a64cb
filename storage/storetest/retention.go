package storetest

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

func queueIDs(t *testing.T, r Retention) string {
	t.Helper()
	items, err := r.QueueItems(context.Background())
	if err != nil {
		t.Fatalf("QueueItems: %v", err)
	}
	var ids []string
	for _, h := range items {
		ids = append(ids, h.ConversationID+"@"+h.Queue)
	}
	return strings.Join(ids, ",")
}

func testQueue(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	r := need[Retention](t, s, "queue listing")
	handoff := func(c *bot.Conversation, queue string, at time.Time) {
		t.Helper()
		c.Status, c.Queue, c.Reason = bot.StatusQueued, queue, "exhausted"
		mustCommit(t, s, &bot.Turn{Conversation: c,
			Handoff: &bot.Handoff{ConversationID: c.ID, Queue: queue, Reason: "exhausted", Step: "reset_password/ask_otp", At: at}})
	}
	setStatus := func(c *bot.Conversation, status bot.Status) {
		t.Helper()
		c.Status = status
		mustCommit(t, s, &bot.Turn{Conversation: c})
	}

	a, b, c := newConversation(t, s, "a"), newConversation(t, s, "b"), newConversation(t, s, "c")
	if got := queueIDs(t, r); got != "" {
		t.Fatalf("QueueItems when empty: got %s, want none", got)
	}
	handoff(b, "accounts", t0.Add(2*time.Second))
	handoff(a, "accounts", t0.Add(3*time.Second))
	handoff(c, "billing", t0.Add(time.Second))

	items, _ := r.QueueItems(context.Background())
	if len(items) != 3 {
		t.Fatalf("QueueItems: got %d items, want 3", len(items))
	}
	want := bot.Handoff{ConversationID: "c", Queue: "billing", Reason: "exhausted", Step: "reset_password/ask_otp", At: t0.Add(time.Second)}
	if !reflect.DeepEqual(items[0], want) {
		t.Errorf("QueueItems[0]: got %+v, want %+v", items[0], want)
	}

	steps := []struct {
		do   func()
		want string
	}{
		{func() {}, "c@billing,b@accounts,a@accounts"},
		{func() { setStatus(b, bot.StatusAgent) }, "c@billing,a@accounts"},
		{func() { handoff(b, "billing", t0.Add(4*time.Second)) }, "c@billing,a@accounts,b@billing"}, // transferred
		{func() { setStatus(c, bot.StatusClosed) }, "a@accounts,b@billing"},
		{func() { setStatus(a, bot.StatusBot) }, "b@billing"},    // back to the bot
		{func() { setStatus(a, bot.StatusQueued) }, "b@billing"}, // queued again only with a new handoff
	}
	for i, st := range steps {
		st.do()
		if got := queueIDs(t, r); got != st.want {
			t.Errorf("step %d: got queue %s, want %s", i, got, st.want)
		}
	}
}

func testRetention(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	r := need[Retention](t, s, "retention")

	// old and closed: purged; old but open: kept; closed but recent: kept.
	type conv struct {
		id      string
		status  bot.Status
		updated time.Time
	}
	convs := []conv{
		{"old-closed", bot.StatusClosed, t0.Add(-100 * 24 * time.Hour)},
		{"old-open", bot.StatusBot, t0.Add(-100 * 24 * time.Hour)},
		{"old-queued", bot.StatusQueued, t0.Add(-time.Hour)},
		{"new-closed", bot.StatusClosed, t0},
		{"new-open", bot.StatusAgent, t0},
	}
	for _, cv := range convs {
		c := newConversation(t, s, cv.id)
		c.Status, c.UpdatedAt = cv.status, cv.updated
		c.Slots["dob"] = "1990-01-31"
		mustCommit(t, s, botSays(c, "one", "two", "three"))
	}

	idle, err := r.OpenConversationsIdleSince(ctx, t0.Add(-time.Minute))
	if want := []string{"old-open", "old-queued"}; err != nil || !reflect.DeepEqual(idle, want) {
		t.Errorf("OpenConversationsIdleSince: got %v, %v; want %v", idle, err, want)
	}

	n, err := r.PurgeTranscripts(ctx, t0.Add(-90*24*time.Hour))
	if err != nil || n != 3 {
		t.Fatalf("PurgeTranscripts: got %d, %v; want 3 messages", n, err)
	}
	for _, cv := range convs {
		msgs, err := s.Messages(ctx, cv.id, 0)
		if err != nil {
			t.Fatalf("Messages(%s): %v", cv.id, err)
		}
		wantN := 3
		if cv.id == "old-closed" {
			wantN = 0
		}
		if len(msgs) != wantN {
			t.Errorf("%s after purge: got %d messages, want %d", cv.id, len(msgs), wantN)
		}
		c, err := s.Conversation(ctx, cv.id)
		if err != nil {
			t.Fatalf("Conversation(%s) after purge: %v", cv.id, err)
		}
		if purged := len(c.Slots) == 0; purged != (cv.id == "old-closed") {
			t.Errorf("%s after purge: got slots %v", cv.id, c.Slots)
		}
	}
	if n, err := r.PurgeTranscripts(ctx, t0.Add(-90*24*time.Hour)); err != nil || n != 0 {
		t.Errorf("second PurgeTranscripts: got %d, %v; want 0", n, err)
	}
}

// testSilentPurge: conversations the patient never wrote in are deleted
// once closed and old enough; anything with a patient's word, a handoff,
// or still open or recent, is kept.
func testSilentPurge(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	r := need[Retention](t, s, "retention")
	old, recent := t0.Add(-48*time.Hour), t0
	for _, cv := range []struct {
		id      string
		status  bot.Status
		updated time.Time
		patient bool
		handoff bool
	}{
		{"silent-old", bot.StatusClosed, old, false, false},
		{"silent-old-2", bot.StatusClosed, old, false, false},
		{"spoke-old", bot.StatusClosed, old, true, false},
		{"silent-recent", bot.StatusClosed, recent, false, false},
		{"silent-open", bot.StatusBot, old, false, false},
		{"silent-handed-off", bot.StatusClosed, old, false, true},
	} {
		c := newConversation(t, s, cv.id)
		c.Status, c.UpdatedAt = cv.status, cv.updated
		turn := botSays(c, "Hello! What do you need help with today?")
		if cv.patient {
			turn.Messages = append(turn.Messages, bot.Message{From: bot.FromPatient, ClientID: "s1", Text: "reset", At: cv.updated})
		}
		if cv.handoff {
			turn.Handoff = &bot.Handoff{ConversationID: cv.id, Queue: "q", Reason: "requested", At: cv.updated}
		}
		mustCommit(t, s, turn)
	}
	n, err := r.PurgeSilentConversations(ctx, t0.Add(-24*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PurgeSilentConversations: got %d, %v; want the 2 old silent closed ones", n, err)
	}
	for _, id := range []string{"silent-old", "silent-old-2"} {
		_, err := s.Conversation(ctx, id)
		wantCode(t, "Conversation("+id+") after the purge", err, bot.ENOTFOUND)
		if msgs, _ := s.Messages(ctx, id, 0); len(msgs) != 0 {
			t.Errorf("%s: %d messages left, want none", id, len(msgs))
		}
	}
	for _, id := range []string{"spoke-old", "silent-recent", "silent-open", "silent-handed-off"} {
		if _, err := s.Conversation(ctx, id); err != nil {
			t.Errorf("%s was purged (%v), want it kept", id, err)
		}
	}
}
