package bot

// The desk of a process that shares its store with others: the moves other
// processes make reach it as notices (fanout.go), and it follows the
// conversation as stored rather than the turn that moved it.

// deskView is what the desk holds of a conversation: queued, with an
// agent, or nil when it is not on the desk. d.mu must not be held.
func (e *Engine) deskView(id string) *Conversation {
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	if w := d.waiting[id]; w != nil {
		return &Conversation{ID: id, Status: StatusQueued, Queue: w.queue}
	}
	for aid, a := range d.agents {
		if _, ok := a.chats[id]; ok {
			return &Conversation{ID: id, Status: StatusAgent, Agent: aid, AgentName: a.info.Name}
		}
	}
	return nil
}

// holderOf returns the agent the desk says holds a conversation, or "".
func (e *Engine) holderOf(id string) string {
	if c := e.deskView(id); c != nil && c.Status == StatusAgent {
		return c.Agent
	}
	return ""
}

// deskApply puts a conversation on the desk as it is stored, whatever the
// desk held of it before; present says whether a page of the patient is
// open here. d.mu must not be held.
func (e *Engine) deskApply(c *Conversation, present bool) {
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	id := c.ID
	now := e.clock.Now()
	for aid, a := range d.agents {
		if c.Status != StatusAgent || aid != c.Agent {
			delete(a.chats, id)
		}
	}
	switch c.Status {
	case StatusQueued:
		w := d.waiting[id]
		if w == nil {
			w = waiterOf(c)
			if !present {
				w.noPage = now
			}
			d.waiting[id] = w
		}
		w.queue, w.reason, w.locale = c.Queue, c.Reason, c.Locale
		w.verified, w.offered = c.Subject != "", c.Slots[slotOffered] != ""
	case StatusAgent:
		if w := d.waiting[id]; w != nil {
			d.recordWait(w.queue, now.Sub(w.since))
		}
		delete(d.waiting, id)
		delete(d.told, id)
		a := d.agent(AgentInfo{ID: c.Agent, Name: c.AgentName})
		if len(a.clients) == 0 && a.goneSince.IsZero() {
			a.goneSince = now // connected elsewhere, or nowhere: Presence tells (agentLastSeen)
		}
		if _, ok := a.chats[id]; !ok {
			a.chats[id] = struct{}{}
			a.lastAssigned = now
		}
	default:
		delete(d.waiting, id)
		delete(d.told, id)
	}
}

// shownTo returns the last seq of a conversation this process's consoles
// were shown, if they were shown any.
func (e *Engine) shownTo(id string) (int64, bool) {
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	seq, ok := d.shown[id]
	return seq, ok
}

// setShown records that this process's consoles have seen a conversation
// up to its last seq; a conversation off the desk is forgotten. Only a
// shared engine keeps the record (catchUp reads it).
func (e *Engine) setShown(c *Conversation) {
	if e.bus == nil {
		return
	}
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	if onDesk(c) {
		d.shown[c.ID] = c.LastSeq
	} else {
		delete(d.shown, c.ID)
	}
}
