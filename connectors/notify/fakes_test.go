package notify_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Hand-written fakes for the sender's tests.

// fakeOutbox is an in-memory outbox. Every call is reported on events, so
// a test can await what the sender did instead of sleeping.
type fakeOutbox struct {
	mu     sync.Mutex
	items  []*outboxItem
	dueErr error // returned once by the next DueDeliveries
	limits []int
	events chan outboxEvent
	onMark func() // called inside MarkSent and MarkFailed, if set
}

type outboxItem struct {
	p       bot.PendingDelivery
	next    time.Time
	done    bool
	sentAt  time.Time
	gaveUp  bool
	reasons []string
}

type outboxEvent struct {
	kind    string // "poll", "sent", "failed"
	id      string
	attempt int // attempts recorded so far, for "failed"
	next    time.Time
	giveUp  bool
	reason  string
}

func newFakeOutbox() *fakeOutbox {
	return &fakeOutbox{events: make(chan outboxEvent, 1000)}
}

func (o *fakeOutbox) add(d bot.Delivery, at time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.items = append(o.items, &outboxItem{p: bot.PendingDelivery{Delivery: d, CreatedAt: at}, next: at})
}

func (o *fakeOutbox) item(id string) outboxItem {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, it := range o.items {
		if it.p.ID == id {
			return *it
		}
	}
	return outboxItem{}
}

func (o *fakeOutbox) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]bot.PendingDelivery, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.limits = append(o.limits, limit)
	defer func() { o.events <- outboxEvent{kind: "poll", next: now} }()
	if err := o.dueErr; err != nil {
		o.dueErr = nil
		return nil, err
	}
	var due []bot.PendingDelivery
	for _, it := range o.items {
		if !it.done && !it.next.After(now) && len(due) < limit {
			due = append(due, it.p)
		}
	}
	return due, nil
}

func (o *fakeOutbox) MarkSent(ctx context.Context, id string, at time.Time) error {
	if o.onMark != nil {
		o.onMark()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, it := range o.items {
		if it.p.ID == id {
			it.done, it.sentAt = true, at
			it.p.Text = "" // scrubbed, as the contract says
		}
	}
	o.events <- outboxEvent{kind: "sent", id: id}
	return nil
}

func (o *fakeOutbox) MarkFailed(ctx context.Context, id, reason string, next time.Time, giveUp bool) error {
	if o.onMark != nil {
		o.onMark()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	ev := outboxEvent{kind: "failed", id: id, next: next, giveUp: giveUp, reason: reason}
	for _, it := range o.items {
		if it.p.ID == id {
			it.p.Attempts++
			it.next = next
			it.reasons = append(it.reasons, reason)
			if giveUp {
				it.done, it.gaveUp = true, true
			}
			ev.attempt = it.p.Attempts
		}
	}
	o.events <- ev
	return nil
}

// expect returns the next event other than a poll, failing the test if
// none comes or it is not of the wanted kind for the wanted delivery.
func (o *fakeOutbox) expect(t *testing.T, kind, id string) outboxEvent {
	t.Helper()
	timeout := time.After(testWait)
	for {
		select {
		case ev := <-o.events:
			if ev.kind == "poll" {
				continue
			}
			if ev.kind != kind || ev.id != id {
				t.Fatalf("got %s %s, want %s %s", ev.kind, ev.id, kind, id)
			}
			return ev
		case <-timeout:
			t.Fatalf("no %s event for %s", kind, id)
			return outboxEvent{}
		}
	}
}

// quiet waits for the next poll and fails on any other event before it:
// the sender handles one poll at a time, so nothing happened in between.
func (o *fakeOutbox) quiet(t *testing.T) {
	t.Helper()
	select {
	case ev := <-o.events:
		if ev.kind != "poll" {
			t.Fatalf("got %s %s, want nothing before the next poll", ev.kind, ev.id)
		}
	case <-time.After(testWait):
		t.Fatal("no poll")
	}
}

// drainPolls forgets polls seen so far.
func (o *fakeOutbox) drainPolls(t *testing.T) {
	t.Helper()
	for {
		select {
		case ev := <-o.events:
			if ev.kind != "poll" {
				t.Fatalf("got %s %s, want only polls", ev.kind, ev.id)
			}
		default:
			return
		}
	}
}

// fakeTransport returns scripted results, then successes.
type fakeTransport struct {
	mu      sync.Mutex
	results []error
	sent    []bot.Delivery
	send    func(ctx context.Context, d bot.Delivery) error // overrides results if set
}

func (f *fakeTransport) Send(ctx context.Context, d bot.Delivery) error {
	if f.send != nil {
		return f.send(ctx, d)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent = append(f.sent, d)
	if len(f.results) == 0 {
		return nil
	}
	err := f.results[0]
	f.results = f.results[1:]
	return err
}

func (f *fakeTransport) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

// syncBuffer is a log sink safe for the sender's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
