package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// TestPurgeTakesNotesAndAnsweredFollowupsWithTheTranscript: the transcript
// of an old closed conversation goes with its agents' notes and the
// answered messages its patient left; an open follow-up and a newer
// conversation are kept.
func TestPurgeTakesNotesAndAnsweredFollowupsWithTheTranscript(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	long := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	recent := long.Add(200 * 24 * time.Hour)
	for _, c := range []struct {
		id string
		at time.Time
	}{{"old", long}, {"old2", long}, {"new", recent}} {
		conv := &bot.Conversation{ID: c.id, Status: bot.StatusClosed, Resolution: bot.HandedOff, CreatedAt: c.at, UpdatedAt: c.at}
		if err := db.CreateConversation(ctx, conv); err != nil {
			t.Fatal(err)
		}
		if err := db.AddNote(ctx, bot.Note{ID: "n-" + c.id, ConversationID: c.id, Agent: "a1", Text: "note", At: c.at}); err != nil {
			t.Fatal(err)
		}
		if err := db.AddFollowup(ctx, bot.Followup{ID: "f-" + c.id, ConversationID: c.id, Queue: "q", Contact: "x", Question: "y", CreatedAt: c.at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.FollowupDone(ctx, "f-old", "a1", long); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PurgeTranscripts(ctx, recent.Add(-90*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]int{"old": 0, "old2": 0, "new": 1} {
		if notes, _ := db.Notes(ctx, id); len(notes) != want {
			t.Errorf("conversation %s keeps %d notes, want %d", id, len(notes), want)
		}
	}
	open, err := db.Followups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range open {
		ids = append(ids, f.ID)
	}
	if len(ids) != 2 || ids[0] != "f-old2" || ids[1] != "f-new" {
		t.Errorf("open follow-ups %v after the purge, want the unanswered old one and the new one", ids)
	}
	var answered int
	db.Pool().QueryRow(ctx, `SELECT count(*) FROM followups WHERE id = 'f-old'`).Scan(&answered)
	if answered != 0 {
		t.Error("the answered follow-up of a purged conversation is still stored")
	}
}

// TestPurgeAttemptsKeepsTheKindsAskedFor: a record's failures outlive the
// purge (a hard lock must not lapse); per-IP counts do not.
func TestPurgeAttemptsKeepsTheKindsAskedFor(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for range 3 {
		db.AddAttempt(ctx, bot.RecordFailureKind, "rec-1", old)
		db.AddAttempt(ctx, "verify_fail_ip", "192.0.2.1", old)
	}
	if _, err := db.PurgeAttempts(ctx, old.Add(time.Hour), bot.RecordFailureKind); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.CountAttempts(ctx, bot.RecordFailureKind, "rec-1", time.Time{}); n != 3 {
		t.Errorf("record failures after the purge: %d, want 3 kept", n)
	}
	if n, _ := db.CountAttempts(ctx, "verify_fail_ip", "192.0.2.1", time.Time{}); n != 0 {
		t.Errorf("IP failures after the purge: %d, want none", n)
	}
}
