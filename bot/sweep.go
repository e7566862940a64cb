package bot

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// IdleConversations lists conversations to close for inactivity. The
// engine uses it when the store provides it.
type IdleConversations interface {
	OpenConversationsIdleSince(ctx context.Context, t time.Time) ([]string, error)
}

// Run closes idle conversations until ctx is done.
func (e *Engine) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() { defer wg.Done(); e.runDesk(ctx) }()
	if e.bus != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.bus.Listen(ctx, e.Heard); err != nil {
				e.log.Error().Err(err).Msg("listen for other nodes' notices")
			}
		}()
	}
	lister, ok := e.store.(IdleConversations)
	if !ok {
		<-ctx.Done()
		return nil
	}
	tick := time.NewTicker(e.cfg.SweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if !e.holdLease(ctx, leaseSweep, leaseTTL(e.cfg.SweepInterval)) {
				continue
			}
			if _, err := e.Sweep(ctx, lister); err != nil {
				e.log.Error().Err(err).Msg("sweep idle conversations")
			}
		}
	}
}

// Sweep closes, as abandoned, the conversations idle longer than the limit
// that are with the bot, or waiting for a person after the patient left,
// and returns how many it closed.
func (e *Engine) Sweep(ctx context.Context, lister IdleConversations) (int, error) {
	cutoff := e.clock.Now().Add(-e.cfg.Limits.ConversationIdle)
	ids, err := lister.OpenConversationsIdleSince(ctx, cutoff)
	if err != nil {
		return 0, fmt.Errorf("list idle conversations: %w", err)
	}
	n := 0
	for _, id := range ids {
		closed, err := e.abandon(ctx, id, "abandoned", func(c *Conversation, attached bool) bool {
			// With the bot: idle is idle. Waiting for a person: only once the
			// patient has gone too; a patient still on the page keeps their place.
			return c.UpdatedAt.Before(cutoff) && (c.Status == StatusBot || c.Status == StatusQueued && !attached)
		})
		if err != nil {
			return n, err
		}
		if closed {
			n++
		}
	}
	return n, nil
}

// Bye ends the conversation as abandoned, unless it has already ended.
func (e *Engine) Bye(ctx context.Context, conversationID string) error {
	_, err := e.abandon(ctx, conversationID, "", func(c *Conversation, _ bool) bool { return c.Status != StatusClosed })
	return err
}

// abandon closes a conversation as abandoned if cond still holds under its
// lock, saying the system text named by say ("" for none).
func (e *Engine) abandon(ctx context.Context, id, say string, cond func(c *Conversation, attached bool) bool) (bool, error) {
	defer e.settleIfDirty(ctx)
	l, done, err := e.lockTurn(ctx, id)
	if err != nil {
		return false, err
	}
	defer done()
	if !cond(l.conv, len(l.clients) > 0 || e.presentElsewhere(id)) {
		return false, nil
	}
	t := e.newTurn(ctx, l.conv, "")
	if say != "" {
		t.message(FromSystem, text(say, l.conv.Locale), nil, nil)
	}
	t.end(Abandoned)
	t.out.HandoffOutcome = HandoffAbandoned // the patient left; an agent's resolution may stand for the conversation
	if err := e.commit(ctx, l, t, nil, ""); err != nil {
		return false, fmt.Errorf("abandon conversation: %w", err)
	}
	return true, nil
}
