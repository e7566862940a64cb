package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

func testAttempts(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)

	if last, err := s.LastAttempt(ctx, "verify.record", "rec-1"); err != nil || !last.IsZero() {
		t.Fatalf("LastAttempt with none: got %v, %v; want zero time", last, err)
	}
	for i := range 5 {
		if err := s.AddAttempt(ctx, "verify.record", "rec-1", t0.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatalf("AddAttempt: %v", err)
		}
	}
	// Same key under another kind, another key under the same kind.
	_ = s.AddAttempt(ctx, "verify.ip", "rec-1", t0)
	_ = s.AddAttempt(ctx, "verify.record", "rec-2", t0)

	counts := []struct {
		kind, key string
		since     time.Time
		want      int
	}{
		{"verify.record", "rec-1", t0.Add(-time.Hour), 5},
		{"verify.record", "rec-1", t0, 5}, // at or after since
		{"verify.record", "rec-1", t0.Add(2 * time.Minute), 3},
		{"verify.record", "rec-1", t0.Add(4*time.Minute + 1), 0},
		{"verify.ip", "rec-1", t0.Add(-time.Hour), 1},
		{"verify.record", "rec-2", t0.Add(-time.Hour), 1},
		{"verify.record", "rec-3", t0.Add(-time.Hour), 0},
	}
	for _, c := range counts {
		got, err := s.CountAttempts(ctx, c.kind, c.key, c.since)
		if err != nil || got != c.want {
			t.Errorf("CountAttempts(%s, %s, since %v): got %d, %v; want %d", c.kind, c.key, c.since, got, err, c.want)
		}
	}
	last, err := s.LastAttempt(ctx, "verify.record", "rec-1")
	if err != nil || !last.Equal(t0.Add(4*time.Minute)) {
		t.Errorf("LastAttempt: got %v, %v; want %v", last, err, t0.Add(4*time.Minute))
	}

	if err := s.ClearAttempts(ctx, "verify.record", "rec-1"); err != nil {
		t.Fatalf("ClearAttempts: %v", err)
	}
	if n, _ := s.CountAttempts(ctx, "verify.record", "rec-1", time.Time{}); n != 0 {
		t.Errorf("after ClearAttempts: got %d attempts, want 0", n)
	}
	if n, _ := s.CountAttempts(ctx, "verify.ip", "rec-1", time.Time{}); n != 1 {
		t.Errorf("ClearAttempts cleared another kind: got %d, want 1", n)
	}
	if n, _ := s.CountAttempts(ctx, "verify.record", "rec-2", time.Time{}); n != 1 {
		t.Errorf("ClearAttempts cleared another key: got %d, want 1", n)
	}
}

func testReserve(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	window := []bot.Window{{Since: t0.Add(-15 * time.Minute), Max: 2}, {Since: time.Time{}}}
	reserve := func(key string, at time.Time) (bot.Tally, bool) {
		t.Helper()
		ts, ok, err := s.Reserve(ctx, bot.Reservation{Kind: "send", Key: key, At: at, Windows: window})
		if err != nil || len(ts) != 1 {
			t.Fatalf("Reserve: got %d tallies, %v; want 1, nil", len(ts), err)
		}
		return ts[0], ok
	}

	first, ok := reserve("rec-1", t0.Add(-20*time.Minute)) // outside the window
	if !ok || first.ID == 0 || first.Counts[0] != 0 || first.Counts[1] != 0 || !first.Last.IsZero() {
		t.Errorf("first reservation: got %+v, %v; want recorded, counts [0 0], no last", first, ok)
	}
	for i := range 2 {
		at := t0.Add(time.Duration(i) * time.Minute)
		got, ok := reserve("rec-1", at)
		if !ok || got.Counts[0] != i || got.Counts[1] != i+1 {
			t.Errorf("reservation %d: got %+v, %v; want recorded with counts [%d %d]", i+2, got, ok, i, i+1)
		}
	}
	refused, ok := reserve("rec-1", t0.Add(5*time.Minute))
	if ok || refused.ID != 0 || refused.Counts[0] != 2 || refused.Counts[1] != 3 {
		t.Errorf("over the limit: got %+v, %v; want refused with counts [2 3]", refused, ok)
	}
	if !refused.Oldest[0].Equal(t0) || !refused.Last.Equal(t0.Add(time.Minute)) {
		t.Errorf("over the limit: oldest in window %v, last %v; want %v and %v", refused.Oldest[0], refused.Last, t0, t0.Add(time.Minute))
	}
	if n, _ := s.CountAttempts(ctx, "send", "rec-1", time.Time{}); n != 3 {
		t.Errorf("a refused reservation was recorded: %d attempts, want 3", n)
	}

	// Several reservations are all recorded or none.
	gate := bot.Reservation{Kind: "ip", Key: "203.0.113.7", At: t0, Windows: []bot.Window{{Since: t0.Add(-time.Hour), Max: 1}}}
	rec := bot.Reservation{Kind: "fail", Key: "rec-2", At: t0, Windows: []bot.Window{{Since: time.Time{}}}}
	if ts, ok, err := s.Reserve(ctx, gate, rec); err != nil || !ok || ts[0].ID == 0 || ts[1].ID == 0 {
		t.Fatalf("two reservations under their limits: got %+v, %v, %v; want both recorded", ts, ok, err)
	}
	if ts, ok, err := s.Reserve(ctx, gate, rec); err != nil || ok || ts[1].Counts[0] != 1 || ts[0].ID != 0 || ts[1].ID != 0 {
		t.Errorf("the first over its limit: got %+v, %v, %v; want neither recorded, the second's count 1", ts, ok, err)
	}
	if n, _ := s.CountAttempts(ctx, "fail", "rec-2", time.Time{}); n != 1 {
		t.Errorf("a refused pair recorded its second attempt: %d attempts, want 1", n)
	}

	// Release gives back exactly the attempts named.
	ts, _, _ := s.Reserve(ctx, rec)
	if err := s.Release(ctx, ts[0].ID, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if n, _ := s.CountAttempts(ctx, "fail", "rec-2", time.Time{}); n != 1 {
		t.Errorf("after Release: %d attempts, want the 1 not released", n)
	}
	if err := s.Release(ctx, ts[0].ID); err != nil {
		t.Errorf("Release of an attempt already gone: %v, want nil", err)
	}

	// A turn gives reservations back in its own commit (Turn.Releases),
	// and a commit that fails gives nothing back.
	c := &bot.Conversation{ID: "releasing", Status: bot.StatusBot}
	if err := s.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	kept, _, _ := s.Reserve(ctx, rec)
	given, _, _ := s.Reserve(ctx, rec)
	failing := &bot.Turn{Conversation: &bot.Conversation{ID: "no-such-conversation", Status: bot.StatusBot}, Releases: []int64{given[0].ID}}
	if err := s.Commit(ctx, failing); err == nil {
		t.Fatal("a turn of an unknown conversation committed")
	}
	if n, _ := s.CountAttempts(ctx, "fail", "rec-2", time.Time{}); n != 3 {
		t.Errorf("after a failed commit with a release: %d attempts, want 3", n)
	}
	if err := s.Commit(ctx, &bot.Turn{Conversation: c, Releases: []int64{given[0].ID, 0}}); err != nil {
		t.Fatalf("Commit with Releases: %v", err)
	}
	if n, _ := s.CountAttempts(ctx, "fail", "rec-2", time.Time{}); n != 2 || kept[0].ID == 0 {
		t.Errorf("after the commit's release: %d attempts, want 2 (the one released in the commit gone)", n)
	}
	other, _, _ := s.Reserve(ctx, bot.Reservation{Kind: "fail", Key: "rec-3", At: t0, Windows: []bot.Window{{Since: time.Time{}}}})
	if err := s.Commit(ctx, &bot.Turn{Conversation: c, Clears: []bot.AttemptKey{{Kind: "fail", Key: "rec-2"}}}); err != nil {
		t.Fatalf("Commit with Clears: %v", err)
	}
	if n, _ := s.CountAttempts(ctx, "fail", "rec-2", time.Time{}); n != 0 {
		t.Errorf("after the commit's clear: %d attempts of the key, want 0", n)
	}
	if n, _ := s.CountAttempts(ctx, "fail", "rec-3", time.Time{}); n != 1 || other[0].ID == 0 {
		t.Errorf("the commit's clear took another key's attempts: %d left, want 1", n)
	}
}

// testReserveRace is the rule "limits hold under concurrency" for the
// store: many callers reserving at the same instant are serialised, each
// sees the attempts of those before it, and exactly Max get through.
func testReserveRace(t *testing.T, open func(t *testing.T) Store) {
	const callers, limit = 60, 5
	ctx := context.Background()
	s := open(t)
	gated := func(i int) []bot.Reservation {
		return []bot.Reservation{
			{Kind: "ip", Key: "198.51.100.9", At: t0, Windows: []bot.Window{{Since: t0.Add(-time.Minute), Max: limit}}},
			{Kind: "fail", Key: "rec-1", At: t0, Windows: []bot.Window{{Since: time.Time{}}}},
		}
	}
	open1 := func(int) []bot.Reservation {
		return []bot.Reservation{{Kind: "fail", Key: "rec-2", At: t0, Windows: []bot.Window{{Since: time.Time{}}}}}
	}
	for _, tt := range []struct {
		name     string
		rs       func(int) []bot.Reservation
		want     int
		countKey string
	}{
		{"limited", gated, limit, "rec-1"},
		{"unlimited", open1, callers, "rec-2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var (
				wg     sync.WaitGroup
				mu     sync.Mutex
				seen   = map[int]int{} // count seen by a recorded reservation → callers
				passed int
			)
			start := make(chan struct{})
			for i := range callers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					ts, ok, err := s.Reserve(ctx, tt.rs(i)...)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						t.Errorf("Reserve: %v", err)
						return
					}
					if ok {
						passed++
						seen[ts[len(ts)-1].Counts[0]]++
					}
				}()
			}
			close(start)
			wg.Wait()
			if passed != tt.want {
				t.Errorf("%d of %d concurrent reservations recorded, want exactly %d", passed, callers, tt.want)
			}
			for n := range tt.want {
				if seen[n] != 1 {
					t.Errorf("%d recorded reservations saw %d earlier attempts, want exactly 1 (each sees those before it): %v", seen[n], n, seen)
				}
			}
			if n, _ := s.CountAttempts(ctx, "fail", tt.countKey, time.Time{}); n != tt.want {
				t.Errorf("%d attempts stored, want %d", n, tt.want)
			}
		})
	}
}
