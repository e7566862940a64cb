package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Gauges are the counts the metrics report.
type Gauges interface {
	OpenConversations(ctx context.Context) (map[string]int, error)
	QueueLengths(ctx context.Context) (map[string]int, error)
}

// gaugeStore is what the gauges' test uses.
type gaugeStore interface {
	Store
	Gauges
}

// testGauges: the open conversations by status and the queue lengths the
// metrics report, from a few conversations in each state.
func testGauges(t *testing.T, open func(t *testing.T) Store) {
	db := need[gaugeStore](t, open(t), "gauges")
	ctx := context.Background()
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	for i, c := range []struct {
		id     string
		status bot.Status
		queue  string
	}{
		{"g1", bot.StatusBot, ""},
		{"g2", bot.StatusQueued, "portal-support"},
		{"g3", bot.StatusClosed, ""},
		{"g4", bot.StatusClosed, ""},
	} {
		at := t0.Add(time.Duration(i) * time.Minute)
		conv := &bot.Conversation{ID: c.id, Status: bot.StatusBot, Locale: "en", CreatedAt: at, UpdatedAt: at}
		if err := db.CreateConversation(ctx, conv); err != nil {
			t.Fatal(err)
		}
		next := *conv
		next.Status, next.Queue = c.status, c.queue
		turn := &bot.Turn{Conversation: &next}
		if c.status == bot.StatusQueued {
			next.QueuedAt = at
			turn.Handoff = &bot.Handoff{ConversationID: c.id, Queue: c.queue, Reason: "requested", At: at}
		}
		if c.status == bot.StatusClosed {
			next.Resolution = bot.Resolved
		}
		if err := db.Commit(ctx, turn); err != nil {
			t.Fatal(err)
		}
	}
	byStatus, err := db.OpenConversations(ctx)
	if err != nil {
		t.Fatalf("OpenConversations: %v", err)
	}
	if want := map[string]int{"bot": 1, "queued": 1}; !reflect.DeepEqual(byStatus, want) {
		t.Errorf("open conversations: got %v, want %v", byStatus, want)
	}
	queues, err := db.QueueLengths(ctx)
	if err != nil {
		t.Fatalf("QueueLengths: %v", err)
	}
	if want := map[string]int{"portal-support": 1}; !reflect.DeepEqual(queues, want) {
		t.Errorf("queue lengths: got %v, want %v", queues, want)
	}
}
