package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// ConversationSearch is the console's search of past conversations.
type ConversationSearch interface {
	SearchConversations(ctx context.Context, f staff.ConversationFilter) ([]staff.ConversationSummary, error)
}

// searchStore is what the search's test uses.
type searchStore interface {
	Store
	ConversationSearch
}

func testSearchConversationsFiltersAndPagesNewestFirst(t *testing.T, open func(t *testing.T) Store) {
	db := need[searchStore](t, open(t), "conversation search")
	ctx := context.Background()
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	seed := []struct {
		id         string
		created    time.Time
		queue      string
		resolution bot.Resolution
	}{
		{"c1", day.Add(1 * time.Hour), "portal-support", bot.Resolved},
		{"c2", day.Add(2 * time.Hour), "billing", bot.Resolved},
		{"c3", day.Add(25 * time.Hour), "portal-support", bot.Unresolved},
		{"c4", day.Add(49 * time.Hour), "portal-support", bot.Resolved},
		{"c5", day.Add(50 * time.Hour), "", ""},
	}
	for _, s := range seed {
		c := &bot.Conversation{ID: s.id, Status: bot.StatusClosed, Resolution: s.resolution, Queue: s.queue,
			Locale: "en", Flow: "reset_password", CreatedAt: s.created, UpdatedAt: s.created}
		if s.resolution == "" {
			c.Status = bot.StatusBot
		}
		if err := db.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		f    staff.ConversationFilter
		want string
	}{
		{"all, newest first", staff.ConversationFilter{}, "c5 c4 c3 c2 c1"},
		{"by queue", staff.ConversationFilter{Queue: "portal-support"}, "c4 c3 c1"},
		{"by resolution", staff.ConversationFilter{Resolution: bot.Resolved}, "c4 c2 c1"},
		{"first day", staff.ConversationFilter{From: day, To: day.Add(24 * time.Hour)}, "c2 c1"},
		{"from the second day", staff.ConversationFilter{From: day.Add(24 * time.Hour)}, "c5 c4 c3"},
		{"combined", staff.ConversationFilter{Queue: "portal-support", Resolution: bot.Resolved, From: day.Add(time.Hour)}, "c4 c1"},
		{"page 1", staff.ConversationFilter{Limit: 2}, "c5 c4"},
		{"page 2", staff.ConversationFilter{Limit: 2, Offset: 2}, "c3 c2"},
		{"past the end", staff.ConversationFilter{Limit: 2, Offset: 10}, ""},
		{"nothing matches", staff.ConversationFilter{Queue: "nope"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.SearchConversations(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			if strings.Join(ids, " ") != tt.want {
				t.Errorf("got %v, want %s", ids, tt.want)
			}
		})
	}
	got, _ := db.SearchConversations(ctx, staff.ConversationFilter{Queue: "billing"})
	if len(got) != 1 || got[0].Flow != "reset_password" || got[0].Locale != "en" || !got[0].CreatedAt.Equal(day.Add(2*time.Hour)) {
		t.Errorf("got %+v, want c2's summary", got)
	}
	if fmt.Sprint(got[0].Status) != "closed" {
		t.Errorf("got status %v, want closed", got[0].Status)
	}
}
