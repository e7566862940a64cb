package bot

import (
	"context"
	"time"
)

// heardTimeout bounds the reads one notice from another process causes.
const heardTimeout = 5 * time.Second

// Heard takes a notice another process published on the Bus: the clients
// and consoles attached here are told what changed, read from the store,
// and the desk follows. Notices this process published are ignored.
func (e *Engine) Heard(n Notice) {
	if n.Node == e.origin || n.Conversation == "" && n.Kind == NoticeTurn {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), heardTimeout)
	defer cancel()
	switch n.Kind {
	case NoticeTyping:
		if n.From == FromPatient {
			e.toAgent(e.holderOf(n.Conversation), AgentEvent{Typing: &AgentTyping{ConversationID: n.Conversation, On: n.On}})
		} else {
			e.tellPatients(n.Conversation, Event{Typing: &Typing{From: n.From, On: n.On}})
		}
	case NoticeFollowups:
		e.tellFollowups(ctx)
	case NoticeQueues:
		e.reloadQueues(ctx)
	case NoticeFlow:
		if err := e.flows.Adopt(ctx, n.Flow, int(n.Seq)); err != nil {
			e.log.Warn().Err(err).Str("flow", n.Flow).Msg("adopt a flow another node published")
		}
	case NoticeTurn:
		if err := e.refresh(ctx, n.Conversation, n.Desk); err != nil {
			e.log.Warn().Err(err).Str("conversation", n.Conversation).Msg("follow another node's turn")
		}
	}
}

// refresh reads a conversation another process changed and tells this
// process's clients and consoles what they have not seen. The desk follows.
func (e *Engine) refresh(ctx context.Context, id string, desk bool) error {
	e.mu.Lock()
	l := e.live[id]
	if l != nil {
		l.refs++
	}
	e.mu.Unlock()
	if l == nil && !desk {
		return nil // nobody here follows it: a bot's turn costs the other nodes no read
	}
	if err := e.loadDesk(ctx); err != nil {
		if l != nil {
			e.release(id, l)
		}
		return err
	}
	if l == nil {
		after, err := e.store.Conversation(ctx, id)
		if err != nil {
			return err
		}
		e.catchUp(ctx, nil, after)
		e.settleIfDirty(ctx)
		return nil
	}
	defer e.settleIfDirty(ctx) // after the unlock below
	defer e.release(id, l)
	l.mu.Lock()
	defer l.mu.Unlock()
	after, err := e.store.Conversation(ctx, id)
	if err != nil {
		return err
	}
	e.catchUp(ctx, l, after)
	return nil
}

// catchUp tells the clients of l (nil when none are attached here) and the
// consoles of the agents concerned what another process committed up to
// after, and moves the desk. l.mu must be held when l is not nil.
func (e *Engine) catchUp(ctx context.Context, l *live, after *Conversation) {
	id := after.ID
	before := e.deskView(id)
	var seen *Conversation
	patients := l != nil && len(l.clients) > 0
	if l != nil {
		seen, l.conv = l.conv, after
	}
	agents := agentsOf(before, after)
	shown, consoles := e.shownTo(id)
	consoles = consoles && len(agents) > 0
	from := after.LastSeq
	if patients {
		from = min(from, l.sent)
	}
	if consoles {
		from = min(from, shown)
	}
	if from < after.LastSeq {
		msgs, err := e.store.Messages(ctx, id, from)
		if err != nil {
			e.log.Warn().Err(err).Str("conversation", id).Msg("read another node's messages")
			return
		}
		for i := range msgs {
			if patients && msgs[i].Seq > l.sent {
				e.broadcast(l, Event{Message: &msgs[i]})
			}
			if consoles && msgs[i].Seq > shown {
				for _, a := range agents {
					e.toAgent(a, AgentEvent{Message: &msgs[i]})
				}
			}
		}
	}
	if l != nil {
		l.sent = max(l.sent, after.LastSeq)
	}
	if seen != nil && (seen.Status != after.Status || seen.Agent != after.Agent) {
		e.broadcast(l, Event{Status: &StatusChange{Status: after.Status, Agent: after.AgentName, Resolution: after.Resolution}})
	}
	if onDesk(before) || onDesk(after) {
		e.deskApply(after, patients)
		e.dirty.Store(true)
	}
	e.setShown(after)
	if before != nil && before.Status == StatusAgent && (after.Status != StatusAgent || after.Agent != before.Agent) {
		e.toAgent(before.Agent, AgentEvent{Released: &Assignment{ConversationID: id, AgentID: before.Agent}})
	}
}

// tellFollowups sends every console here the follow-ups left to do.
func (e *Engine) tellFollowups(ctx context.Context) {
	if e.deskStore == nil {
		return
	}
	fs, err := e.deskStore.Followups(ctx)
	if err != nil {
		e.log.Warn().Err(err).Msg("read follow-ups")
		return
	}
	if fs == nil {
		fs = []Followup{}
	}
	e.toAllAgents(AgentEvent{Followups: fs})
}
