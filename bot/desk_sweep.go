package bot

import (
	"context"
	"time"
)

// runDesk checks grace periods and queue timeouts until ctx is done.
func (e *Engine) runDesk(ctx context.Context) {
	tick := time.NewTicker(e.cfg.DeskInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			e.SweepDesk(ctx)
		}
	}
}

// SweepDesk puts the chats of agents gone longer than their grace period
// back at the front of the queue, and offers patients who waited longer
// than HandoffTimeout to leave a message.
func (e *Engine) SweepDesk(ctx context.Context) {
	if err := e.loadDesk(ctx); err != nil {
		e.log.Error().Err(err).Msg("load the desk")
		return
	}
	e.resyncDesk(ctx)
	e.sharePresence(ctx)
	now := e.clock.Now()
	type held struct{ agent, conv string }
	var release []held
	var timedOut []string
	d := e.desk
	d.mu.Lock()
	for id, a := range d.agents {
		if last := e.agentLastSeen(id, a, now); !last.IsZero() && now.Sub(last) >= e.cfg.AgentGrace {
			for conv := range a.chats {
				release = append(release, held{id, conv})
			}
		}
	}
	for _, w := range d.waiting {
		if !w.offered && e.cfg.HandoffTimeout > 0 && now.Sub(w.since) >= e.cfg.HandoffTimeout {
			timedOut = append(timedOut, w.conv)
		}
	}
	d.mu.Unlock()

	for _, h := range release {
		err := e.withConversation(ctx, h.conv, func(t *turn) error {
			if t.conv.Status != StatusAgent || t.conv.Agent != h.agent {
				return Errorf(ECONFLICT, "moved on")
			}
			// QueuedAt is kept: the chat goes back to the front.
			t.conv.Status, t.conv.Agent, t.conv.AgentName = StatusQueued, "", ""
			t.message(FromSystem, text("agent_lost", t.conv.Locale), nil, nil)
			t.audit("released", "grace_over", "agent:"+h.agent)
			return nil
		})
		if err != nil && ErrorCode(err) != ECONFLICT {
			e.log.Error().Err(err).Str("conversation", h.conv).Msg("release after grace")
		}
	}
	for _, id := range timedOut {
		err := e.withConversation(ctx, id, func(t *turn) error {
			if t.conv.Status != StatusQueued || t.conv.Slots[slotOffered] != "" {
				return Errorf(ECONFLICT, "moved on")
			}
			t.audit("handoff", "timeout", t.conv.Queue)
			t.out.HandoffOutcome = HandoffTimedOut
			t.offerMessage("queue_busy", "")
			return nil
		})
		if err != nil && ErrorCode(err) != ECONFLICT {
			e.log.Error().Err(err).Str("conversation", id).Msg("queue timeout")
		}
	}
	e.settle(ctx)
}

// tellPlace tells a client of a waiting conversation its place now (a
// patient reconnecting keeps their place and must hear it again). The
// desk is loaded first: after a restart a patient may reconnect before
// any agent does.
func (e *Engine) tellPlace(ctx context.Context, conversationID string, c Client) {
	if err := e.loadDesk(ctx); err != nil {
		e.log.Error().Err(err).Msg("load the desk")
		return
	}
	d := e.desk
	d.mu.Lock()
	var sc *StatusChange
	for _, it := range e.queueItems() {
		if it.ConversationID == conversationID {
			sc = &StatusChange{Status: StatusQueued, Position: it.Position, Wait: e.estimate(it.Queue, it.Position)}
		}
	}
	d.mu.Unlock()
	if sc != nil {
		c.Deliver(Event{Status: sc})
	}
}

// queueStatus branches on whether the queue the patient waited for is open.
func (t *turn) queueStatus() (string, error) {
	queue := t.conv.Slots[slotLeftQueue]
	if q, ok := t.e.queues()[queue]; ok && !q.Hours.Open(t.now) {
		return "closed", nil
	}
	return "open", nil
}
