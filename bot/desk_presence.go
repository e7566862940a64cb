package bot

import (
	"context"
	"time"
)

// Kinds of Presence keys.
const (
	presenceAgent        = "agent"
	presenceConversation = "conversation"
)

// sharePresence reports to Presence the agents with a console here and the
// waiting patients with a page open here, and reads who is connected to
// the other processes: a waiting patient there is not gone, an agent there
// keeps their chats. Runs every Config.DeskInterval, before the sweep.
func (e *Engine) sharePresence(ctx context.Context) {
	if e.presence == nil {
		return
	}
	d := e.desk
	d.mu.Lock()
	var keys, waiting []string
	for id, a := range d.agents {
		if len(a.clients) > 0 {
			keys = append(keys, presenceKey(presenceAgent, id))
		}
	}
	for id := range d.waiting {
		waiting = append(waiting, id)
	}
	d.mu.Unlock()
	here := map[string]bool{}
	for _, id := range waiting {
		if e.attachedHere(id) {
			here[id] = true
			keys = append(keys, presenceKey(presenceConversation, id))
		}
	}
	now := e.clock.Now()
	since := now.Add(-max(e.cfg.AgentGrace, e.cfg.PatientGoneAfter, e.cfg.Limits.ConversationIdle) - e.presenceFresh())
	seen, err := e.presence.Here(ctx, keys, now, since)
	if err != nil {
		e.log.Warn().Err(err).Msg("share presence")
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e.seen = seen
	for id, w := range d.waiting {
		at, ok := seen[presenceKey(presenceConversation, id)]
		present := here[id] || ok && now.Sub(at) < e.presenceFresh()
		switch {
		case present && !w.noPage.IsZero():
			w.noPage = time.Time{}
			e.dirty.Store(true)
		case !present && w.noPage.IsZero():
			w.noPage = now
			if ok && at.Before(now) {
				w.noPage = at
			}
			e.dirty.Store(true)
		}
	}
}

// attachedHere reports whether a client of the conversation is attached to
// this process. d.mu must not be held.
func (e *Engine) attachedHere(id string) bool {
	e.mu.Lock()
	l := e.live[id]
	e.mu.Unlock()
	if l == nil {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients) > 0
}

// agentLastSeen is when an agent was last connected anywhere, for their
// grace period: here (goneSince), or on another process as Presence says;
// zero while they are connected to one. d.mu must be held.
func (e *Engine) agentLastSeen(id string, a *agentState, now time.Time) time.Time {
	if len(a.clients) > 0 {
		return time.Time{}
	}
	last := a.goneSince
	if e.presence == nil {
		return last
	}
	at, ok := e.seen[presenceKey(presenceAgent, id)]
	if !ok {
		return last
	}
	if now.Sub(at) < e.presenceFresh() {
		return time.Time{} // on another process now
	}
	if at.After(last) {
		last = at
	}
	return last
}

// resyncDesk puts the desk back in line with storage, for a shared engine:
// a notice lost between processes leaves the desk wrong only until here.
func (e *Engine) resyncDesk(ctx context.Context) {
	if e.bus == nil || e.deskStore == nil {
		return
	}
	convs, err := e.deskStore.OpenHandoffs(ctx)
	if err != nil {
		e.log.Warn().Err(err).Msg("resync the desk")
		return
	}
	open := map[string]bool{}
	for _, c := range convs {
		open[c.ID] = true
		e.deskApply(c, e.attachedHere(c.ID))
	}
	d := e.desk
	var gone []string
	d.mu.Lock()
	for id := range d.waiting {
		if !open[id] {
			gone = append(gone, id)
		}
	}
	for _, a := range d.agents {
		for id := range a.chats {
			if !open[id] {
				gone = append(gone, id)
			}
		}
	}
	d.mu.Unlock()
	for _, id := range gone {
		e.deskApply(&Conversation{ID: id, Status: StatusBot}, false)
	}
	if len(gone) > 0 {
		e.dirty.Store(true)
	}
}
