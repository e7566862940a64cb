package bot

import (
	"context"
	"strings"
	"time"
)

// AttachAgent connects an agent console. It is told the queue, then every
// chat the agent holds; waiting chats may then be assigned to it.
func (e *Engine) AttachAgent(ctx context.Context, info AgentInfo, c AgentClient) error {
	if info.ID == "" {
		return Errorf(EINVALID, "agent without an id")
	}
	if err := e.loadDesk(ctx); err != nil {
		return err
	}
	d := e.desk
	d.mu.Lock()
	a := d.agent(info)
	a.info = info // what the agent connects with now: name, capacity, queues
	if len(a.clients) == 0 {
		a.available = !info.Away // a first console says where the agent stands
	}
	a.clients[c] = struct{}{}
	a.goneSince = time.Time{}
	items := e.queueItems()
	follow := len(a.chats)
	chats := make([]string, 0, follow)
	for id := range a.chats {
		chats = append(chats, id)
	}
	d.mu.Unlock()

	c.Deliver(AgentEvent{Queue: items})
	if e.deskStore != nil {
		if fs, err := e.deskStore.Followups(ctx); err == nil {
			if fs == nil {
				fs = []Followup{} // none is still the Followups field set
			}
			c.Deliver(AgentEvent{Followups: fs})
		}
	}
	for _, id := range chats {
		v, err := e.view(ctx, id)
		if err != nil {
			return err
		}
		c.Deliver(AgentEvent{Conversation: &v})
	}
	e.settle(ctx)
	return nil
}

// DetachAgent disconnects one console. When an agent's last console goes,
// their grace period starts: after it, their chats go back to the front of
// the queue.
func (e *Engine) DetachAgent(agentID string, c AgentClient) {
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.agents[agentID]
	if a == nil {
		return
	}
	delete(a.clients, c)
	if len(a.clients) == 0 {
		a.goneSince = e.clock.Now()
	}
}

// SetPresence makes an agent available for new chats, or away.
func (e *Engine) SetPresence(ctx context.Context, agentID string, available bool) error {
	d := e.desk
	d.mu.Lock()
	a := d.agents[agentID]
	if a != nil {
		a.available = available
	}
	d.mu.Unlock()
	if a == nil {
		return Errorf(ENOTFOUND, "agent %s is not connected", agentID)
	}
	e.settle(ctx)
	return nil
}

// agentInfo returns a connected agent's identity.
func (e *Engine) agentInfo(agentID string) (AgentInfo, bool) {
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.agents[agentID]
	if a == nil {
		return AgentInfo{}, false
	}
	return a.info, true
}

// toAgent tells every console of an agent; one that cannot keep up is
// dropped.
func (e *Engine) toAgent(agentID string, ev AgentEvent) {
	if agentID == "" {
		return
	}
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.agents[agentID]
	if a == nil {
		return
	}
	for c := range a.clients {
		if !c.Deliver(ev) {
			delete(a.clients, c)
		}
	}
}

// toAllAgents tells every connected console.
func (e *Engine) toAllAgents(ev AgentEvent) {
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, a := range d.agents {
		for c := range a.clients {
			if !c.Deliver(ev) {
				delete(a.clients, c)
			}
		}
	}
}

// settle assigns waiting chats to free agents, then tells the consoles the
// queue and every waiting patient their place. It runs after a change,
// outside every conversation lock.
func (e *Engine) settle(ctx context.Context) {
	if err := e.loadDesk(ctx); err != nil {
		e.log.Error().Err(err).Msg("load the desk")
		return
	}
	d := e.desk
	d.settleMu.Lock()
	defer d.settleMu.Unlock()
	e.dirty.Store(false)
	if e.cfg.AutoAssign {
		skip := map[string]bool{}
		for {
			d.mu.Lock()
			w, a := e.nextAssignment(skip)
			var info AgentInfo
			if a != nil {
				info = a.info
			}
			d.mu.Unlock()
			if w == nil {
				break
			}
			skip[w.conv] = true
			seat := &AgentLimit{Agent: info.ID, Max: e.capacityOf(info)}
			// ECAPACITY: another node gave the agent a chat this desk has not seen yet.
			if err := e.assign(ctx, w.conv, info, "auto", seat); err != nil && ErrorCode(err) != ECONFLICT && ErrorCode(err) != ECAPACITY {
				e.log.Error().Err(err).Str("conversation", w.conv).Msg("assign")
			}
		}
	}
	e.tellQueue()
}

// tellQueue sends the queue to every console and their place to waiting
// patients whose place changed.
func (e *Engine) tellQueue() {
	d := e.desk
	d.mu.Lock()
	items := e.queueItems()
	type news struct {
		conv string
		sc   StatusChange
	}
	var changed []news
	for _, it := range items {
		sc := StatusChange{Status: StatusQueued, Position: it.Position, Wait: e.estimate(it.Queue, it.Position)}
		if d.told[it.ConversationID] != sc {
			d.told[it.ConversationID] = sc
			changed = append(changed, news{it.ConversationID, sc})
		}
	}
	d.mu.Unlock()
	e.toAllAgents(AgentEvent{Queue: items})
	for _, n := range changed {
		e.tellPatients(n.conv, Event{Status: &n.sc})
	}
}

// tellPatients delivers an event to a conversation's attached clients, if
// any are attached.
func (e *Engine) tellPatients(conversationID string, ev Event) {
	e.mu.Lock()
	l := e.live[conversationID]
	e.mu.Unlock()
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	e.broadcast(l, ev)
}

// assign gives a waiting chat to an agent: the patient is told who joined,
// the agent gets the whole conversation. The commit fails with ECAPACITY
// if it would take the agent past seat; a nil seat is a decision to go
// beyond the agent's capacity, and is audited as one.
func (e *Engine) assign(ctx context.Context, conversationID string, a AgentInfo, how string, seat *AgentLimit) error {
	err := e.withConversation(ctx, conversationID, func(t *turn) error {
		if t.conv.Status != StatusQueued {
			return Errorf(ECONFLICT, "this chat is no longer waiting")
		}
		t.conv.Status, t.conv.Agent, t.conv.AgentName = StatusAgent, a.ID, a.Name
		t.message(FromSystem, strings.ReplaceAll(text("agent_joined", t.conv.Locale), "{agent}", a.Name), nil, nil)
		t.out.AgentLimit = seat
		t.agentAudit(a.ID, "claim", how, overDetail(seat))
		return nil
	})
	if err != nil {
		return err
	}
	e.toAgent(a.ID, AgentEvent{Assigned: &Assignment{ConversationID: conversationID, AgentID: a.ID, AgentName: a.Name}})
	v, err := e.view(ctx, conversationID)
	if err != nil {
		return err
	}
	e.toAgent(a.ID, AgentEvent{Conversation: &v})
	return nil
}

// withConversation runs fn as a turn of a conversation under its lock and
// commits what it changed.
func (e *Engine) withConversation(ctx context.Context, id string, fn func(t *turn) error) error {
	l, done, err := e.lockTurn(ctx, id)
	if err != nil {
		return err
	}
	defer done()
	t := e.newTurn(ctx, l.conv, "")
	if err := fn(t); err != nil {
		return err
	}
	return e.commit(ctx, l, t, nil, "")
}

// agentAudit appends an audit event whose actor is an agent.
func (t *turn) agentAudit(agentID, typ, outcome, detail string) {
	t.audit(typ, outcome, detail)
	t.out.Audit[len(t.out.Audit)-1].Actor = "agent:" + agentID
}

// overDetail is the audit detail of a move made beyond a capacity.
func overDetail(seat *AgentLimit) string {
	if seat == nil {
		return "over_capacity"
	}
	return ""
}

// holding returns an error unless agentID holds the conversation.
func holding(c *Conversation, agentID string) error {
	if c.Status != StatusAgent || c.Agent != agentID {
		return Errorf(ECONFLICT, "you do not hold this chat")
	}
	return nil
}
