package main

import (
	"context"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// TestPurgeDeletesConversationsNobodyWroteIn: a chat opened and left
// without a word is deleted by the retention job once
// retention.silent_conversations has passed; a chat the patient wrote in
// is kept, as is a silent one not yet old enough.
func TestPurgeDeletesConversationsNobodyWroteIn(t *testing.T) {
	app := startApp(t, map[string]string{"retention.silent_conversations": "1h"})
	ctx := context.Background()
	open := func(speak bool) string {
		t.Helper()
		p := dial(t, app.URL)
		w, _ := p.hello("", 0, "en", "")
		if speak {
			p.say("reply:reset_password")
		}
		if err := p.conn.Bye(); err != nil {
			t.Fatal(err)
		}
		wait, cancel := context.WithTimeout(ctx, waitLimit)
		defer cancel()
		for {
			f, err := p.conn.Next(wait)
			if err != nil {
				t.Fatalf("conversation %s: no closed status after bye: %v", w.Conversation, err)
			}
			if f.Type == "status" && f.Status == "closed" {
				return w.Conversation
			}
		}
	}
	silent, spoke := open(false), open(true)

	app.purgeOnce(ctx, time.Now().Add(30*time.Minute))
	if _, err := app.DB.Conversation(ctx, silent); err != nil {
		t.Errorf("silent conversation purged before retention.silent_conversations: %v", err)
	}
	app.purgeOnce(ctx, time.Now().Add(2*time.Hour))
	if _, err := app.DB.Conversation(ctx, silent); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("silent conversation after retention.silent_conversations: got %v, want it deleted", err)
	}
	if _, err := app.DB.Conversation(ctx, spoke); err != nil {
		t.Errorf("a conversation the patient wrote in was deleted: %v", err)
	}
}
