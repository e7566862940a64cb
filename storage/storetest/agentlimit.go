package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/portico-chat/portico/bot"
)

// testAgentLimit: a turn with an AgentLimit commits only while the agent
// holds fewer than Max other conversations; many such turns at once for
// one agent leave them with exactly Max, and a refused turn changes
// nothing.
func testAgentLimit(t *testing.T, open func(t *testing.T) Store) {
	const max, attempts = 4, 25
	ctx := context.Background()
	s := open(t)
	take := func(c *bot.Conversation, agent string, lim *bot.AgentLimit) error {
		next := *c
		next.Status, next.Agent = bot.StatusAgent, agent
		turn := botSays(&next, "joined")
		turn.AgentLimit = lim
		return s.Commit(ctx, turn)
	}
	held := func(agent string, convs []*bot.Conversation) int {
		n := 0
		for _, c := range convs {
			got, err := s.Conversation(ctx, c.ID)
			if err != nil {
				t.Fatalf("Conversation(%s): %v", c.ID, err)
			}
			if got.Status == bot.StatusAgent && got.Agent == agent {
				n++
			}
		}
		return n
	}

	convs := make([]*bot.Conversation, attempts)
	for i := range convs {
		convs[i] = newConversation(t, s, fmt.Sprintf("lim%02d", i))
		convs[i].Status = bot.StatusQueued
		mustCommit(t, s, &bot.Turn{Conversation: convs[i]})
	}
	// Another agent's chats do not count against this one.
	other := newConversation(t, s, "other")
	mustCommit(t, s, &bot.Turn{Conversation: &bot.Conversation{ID: other.ID, Status: bot.StatusAgent, Agent: "someone-else",
		Slots: map[string]string{}, CreatedAt: t0, UpdatedAt: t0}})

	start := make(chan struct{})
	errs := make([]error, attempts)
	var wg sync.WaitGroup
	for i, c := range convs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = take(c, "ana", &bot.AgentLimit{Agent: "ana", Max: max})
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch bot.ErrorCode(err) {
		case "":
			won++
		case bot.ECAPACITY:
		default:
			t.Errorf("commit %d: got %v, want success or ECAPACITY", i, err)
		}
	}
	if got := held("ana", convs); won != max || got != max {
		t.Fatalf("%d concurrent takes with Max %d: %d committed, ana holds %d; want exactly %d", attempts, max, won, got, max)
	}
	for i, err := range errs {
		if err == nil {
			continue
		}
		if msgs, _ := s.Messages(ctx, convs[i].ID, 0); len(msgs) != 0 {
			t.Errorf("refused turn of %s stored %d messages, want none", convs[i].ID, len(msgs))
		}
		break
	}
	// A chat already held is not counted against itself; no limit means none.
	var mine *bot.Conversation
	for i, err := range errs {
		if err == nil {
			mine = convs[i]
			break
		}
	}
	wantCode(t, "a turn of a chat the agent already holds, at Max", take(mine, "ana", &bot.AgentLimit{Agent: "ana", Max: max}), "")
	for _, c := range convs {
		if got, _ := s.Conversation(ctx, c.ID); got.Status == bot.StatusQueued {
			wantCode(t, "a take without a limit", take(c, "ana", nil), "")
			break
		}
	}
	if got := held("ana", convs); got != max+1 {
		t.Errorf("after a take without a limit: ana holds %d, want %d", got, max+1)
	}
}
