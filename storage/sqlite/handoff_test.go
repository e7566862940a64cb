package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

func TestAssignHandoff(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	c := &bot.Conversation{ID: "c1", Status: bot.StatusQueued, Queue: "accounts"}
	if err := db.CreateConversation(ctx, c); err != nil {
		t.Fatalf("CreateConversation: %v", err)
	}

	err := db.AssignHandoff(ctx, "c1", "Sam", at)
	if got := bot.ErrorCode(err); got != bot.ENOTFOUND {
		t.Errorf("AssignHandoff without a handoff: got %v, want not_found", err)
	}
	if err := db.Commit(ctx, &bot.Turn{Conversation: c, Handoff: &bot.Handoff{Queue: "accounts", At: at}}); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := db.AssignHandoff(ctx, "c1", "Sam", at.Add(time.Minute)); err != nil {
		t.Fatalf("AssignHandoff: %v", err)
	}
	var agent string
	var assignedAt int64
	if err := db.Reader().QueryRow(`SELECT assigned_agent, assigned_at FROM handoffs WHERE conversation_id = 'c1'`).
		Scan(&agent, &assignedAt); err != nil {
		t.Fatalf("read handoff: %v", err)
	}
	if agent != "Sam" || assignedAt != at.Add(time.Minute).UnixNano() {
		t.Errorf("handoff: got agent %q assigned at %d, want Sam at %d", agent, assignedAt, at.Add(time.Minute).UnixNano())
	}
	if items, _ := db.QueueItems(ctx); len(items) != 0 {
		t.Errorf("QueueItems after assignment: got %+v, want none", items)
	}
}
