package storetest

import (
	"context"
	"testing"
	"time"
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
