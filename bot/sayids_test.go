package bot_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
	"github.com/portico-chat/portico/storage/sqlite"
)

// countingStore counts the engine's dedup reads of the real store.
type countingStore struct {
	*sqlite.DB
	byClientID atomic.Int64 // MessageByClientID calls
	clientIDs  atomic.Int64 // ClientIDs calls
}

func (s *countingStore) MessageByClientID(ctx context.Context, conv, id string) (*bot.Message, error) {
	s.byClientID.Add(1)
	return s.DB.MessageByClientID(ctx, conv, id)
}

func (s *countingStore) ClientIDs(ctx context.Context, conv string) (map[string]int64, error) {
	s.clientIDs.Add(1)
	return s.DB.ClientIDs(ctx, conv)
}

// countingEngine is an engine over the harness's database whose store reads
// are counted; it starts with no conversation in memory.
func countingEngine(t *testing.T, h *harness) (*bot.Engine, *countingStore) {
	t.Helper()
	fl, err := bot.LoadFlows(h.ctx, h.env.DB, flows.Builtin(), "test")
	if err != nil {
		t.Fatal(err)
	}
	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = h.env.Dir.Policy().MinLength
	s := &countingStore{DB: h.env.DB}
	return bot.NewEngine(cfg, bot.Deps{
		Store: s, Codes: h.env.DB, Attempts: h.env.DB, Directory: h.env.Dir, Flows: fl, Clock: h.env.Clock,
	}, zerolog.Nop()), s
}

// sayOn says s on engine e and returns its acks.
func sayOn(t *testing.T, h *harness, e *bot.Engine, conv string, s bot.Say) []bot.Ack {
	t.Helper()
	rec := &recorder{}
	s.Source = testIP
	if err := e.Say(h.ctx, conv, rec, s); err != nil {
		t.Fatalf("say %s: %v", s.ID, err)
	}
	return acksOf(rec.All())
}

// A live conversation's say ids are read from the store once, at its first
// say, and kept: later says, new or repeated, read nothing more. An engine
// that loads the conversation afresh (a restart, or the entry dropped when
// its last client left) reads them again and still acks a repeated say
// with its original seq, without running it twice.
func TestSayIDsAreReadOnceAndOutliveAReload(t *testing.T) {
	h := newHarness(t)
	e, store := countingEngine(t, h)
	watch := &recorder{}
	w, err := e.Hello(h.ctx, bot.Hello{Locale: "en", Source: testIP}, watch) // keeps the entry live
	if err != nil {
		t.Fatal(err)
	}
	conv := w.ConversationID
	first := sayOn(t, h, e, conv, bot.Say{ID: "s1", Reply: "reset_password"})
	sayOn(t, h, e, conv, bot.Say{ID: "s2", Text: "Olivia"})
	again := sayOn(t, h, e, conv, bot.Say{ID: "s1", Text: "a retry of s1"})
	if len(first) != 1 || len(again) != 1 || again[0] != first[0] {
		t.Fatalf("got acks %+v then %+v for s1, want the same single ack", first, again)
	}
	if got := store.clientIDs.Load(); got != 1 {
		t.Errorf("got %d reads of the say ids for 3 says, want 1", got)
	}
	if got := store.byClientID.Load(); got != 0 {
		t.Errorf("got %d per-say store reads, want none", got)
	}

	// A fresh engine: a reload with the ids in the store only.
	e2, store2 := countingEngine(t, h)
	before, err := h.env.DB.Messages(h.ctx, conv, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"s1", "s2"} {
		acks := sayOn(t, h, e2, conv, bot.Say{ID: id, Reply: "agent"})
		stored := before[0]
		for _, m := range before {
			if m.ClientID == id {
				stored = m
			}
		}
		if len(acks) != 1 || acks[0] != (bot.Ack{ID: id, Seq: stored.Seq}) {
			t.Errorf("after a reload, got acks %+v for %s, want only {%s %d}", acks, id, id, stored.Seq)
		}
	}
	after, err := h.env.DB.Messages(h.ctx, conv, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("got %d messages after repeated says, want %d (nothing run twice)", len(after), len(before))
	}
	if got, err := h.env.DB.Conversation(h.ctx, conv); err != nil || got.Status != bot.StatusBot {
		t.Errorf("got status %v (%v) after a repeated \"agent\" reply, want bot: it must not run", got.Status, err)
	}
	// A new say after the reload runs, and is then known.
	if acks := sayOn(t, h, e2, conv, bot.Say{ID: "s3", Text: "Anderson"}); len(acks) != 1 || acks[0].Seq <= before[len(before)-1].Seq {
		t.Errorf("got acks %+v for a new say, want one past seq %d", acks, before[len(before)-1].Seq)
	}
	if got := store2.byClientID.Load(); got != 0 {
		t.Errorf("got %d per-say store reads after the reload, want none", got)
	}
}

// Two engines over one database (the ECONFLICT path): the second holds the
// conversation with its say ids loaded when the first commits a say. The
// same say on the second engine is new to its memory, its commit is refused
// as a conflict, and it is acked with the first engine's seq, from the
// store.
func TestSayCommittedElsewhereIsAckedFromTheStore(t *testing.T) {
	h := newHarness(t)
	a, _ := countingEngine(t, h)
	b, storeB := countingEngine(t, h)
	w, err := a.Hello(h.ctx, bot.Hello{Locale: "en", Source: testIP}, &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	conv := w.ConversationID
	if _, err := b.Hello(h.ctx, bot.Hello{Resume: w.Resume, Source: testIP}, &recorder{}); err != nil {
		t.Fatal(err)
	}
	sayOn(t, h, b, conv, bot.Say{ID: "s1", Reply: "reset_password"}) // b loads its ids
	want := sayOn(t, h, a, conv, bot.Say{ID: "s2", Reply: "name"})
	n := len(messagesIn(t, h, conv))
	got := sayOn(t, h, b, conv, bot.Say{ID: "s2", Text: "Olivia"})
	if len(want) != 1 || len(got) != 1 || got[0] != want[0] {
		t.Errorf("got acks %+v on the second engine, want %+v", got, want)
	}
	if m := len(messagesIn(t, h, conv)); m != n {
		t.Errorf("got %d messages, want %d: the conflicting say must not be stored twice", m, n)
	}
	if got := storeB.clientIDs.Load(); got != 2 {
		t.Errorf("got %d reads of the say ids on the second engine, want 2 (once, then again after the conflict)", got)
	}
}

func messagesIn(t *testing.T, h *harness, conv string) []bot.Message {
	t.Helper()
	msgs, err := h.env.DB.Messages(h.ctx, conv, 0)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}
