package sqlite_test

import (
	"context"
	"testing"
	"time"
)

func TestPurgeAttempts(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i := range 4 {
		if err := db.AddAttempt(ctx, "verify.ip", "203.0.113.7", at.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatalf("AddAttempt: %v", err)
		}
	}
	n, err := db.PurgeAttempts(ctx, at.Add(2*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("PurgeAttempts: got %d, %v; want 2", n, err)
	}
	if left, _ := db.CountAttempts(ctx, "verify.ip", "203.0.113.7", time.Time{}); left != 2 {
		t.Errorf("after purge: got %d attempts, want the 2 newer ones", left)
	}
}
