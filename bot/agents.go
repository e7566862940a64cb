package bot

import (
	"context"
	"fmt"
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
			if err := e.assign(ctx, w.conv, info, "auto"); err != nil && ErrorCode(err) != ECONFLICT {
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
// the agent gets the whole conversation.
func (e *Engine) assign(ctx context.Context, conversationID string, a AgentInfo, how string) error {
	err := e.withConversation(ctx, conversationID, func(t *turn) error {
		if t.conv.Status != StatusQueued {
			return Errorf(ECONFLICT, "this chat is no longer waiting")
		}
		t.conv.Status, t.conv.Agent, t.conv.AgentName = StatusAgent, a.ID, a.Name
		t.message(FromSystem, strings.ReplaceAll(text("agent_joined", t.conv.Locale), "{agent}", a.Name), nil, nil)
		t.agentAudit(a.ID, "claim", how, "")
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
	l := e.acquire(id)
	defer e.release(id, l)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := e.load(ctx, id, l); err != nil {
		return err
	}
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

// holding returns an error unless agentID holds the conversation.
func holding(c *Conversation, agentID string) error {
	if c.Status != StatusAgent || c.Agent != agentID {
		return Errorf(ECONFLICT, "you do not hold this chat")
	}
	return nil
}

// Claim takes a waiting chat. Of two agents claiming at once exactly one
// wins; the other gets ECONFLICT.
func (e *Engine) Claim(ctx context.Context, agentID, conversationID string) error {
	info, ok := e.agentInfo(agentID)
	if !ok {
		return Errorf(EUNAUTHORIZED, "connect to the console first")
	}
	err := e.assign(ctx, conversationID, info, "claimed")
	e.settle(ctx)
	return err
}

// AgentSay sends an agent's message to the patient. A say id already seen
// is not sent twice.
func (e *Engine) AgentSay(ctx context.Context, agentID, conversationID, id, text string) error {
	if strings.TrimSpace(text) == "" || id == "" {
		return Errorf(EINVALID, "a message needs an id and text")
	}
	clientID := "agent:" + id
	l := e.acquire(conversationID)
	defer e.release(conversationID, l)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := e.load(ctx, conversationID, l); err != nil {
		return err
	}
	if err := holding(l.conv, agentID); err != nil {
		return err
	}
	if done, err := e.ackAgain(ctx, l, nil, clientID); done || err != nil {
		return err
	}
	t := e.newTurn(ctx, l.conv, "")
	t.out.Messages = append(t.out.Messages, Message{
		ConversationID: conversationID, ClientID: clientID, From: FromAgent, Agent: l.conv.AgentName, Text: text, At: t.now,
	})
	return e.commit(ctx, l, t, nil, "")
}

// AgentNote keeps an internal note on a chat, for the agents only.
func (e *Engine) AgentNote(ctx context.Context, agentID, conversationID, text string) error {
	if strings.TrimSpace(text) == "" {
		return Errorf(EINVALID, "a note needs text")
	}
	if e.deskStore == nil {
		return Errorf(EINTERNAL, "notes are not stored")
	}
	info, _ := e.agentInfo(agentID)
	n := Note{ID: newID(), ConversationID: conversationID, Agent: agentID, AgentName: info.Name, Text: text, At: e.clock.Now()}
	if err := e.deskStore.AddNote(ctx, n); err != nil {
		return err
	}
	err := e.store.AppendAudit(ctx, AuditEvent{Type: "note", At: n.At, Node: e.cfg.Node, Actor: "agent:" + agentID,
		Outcome: "ok", Detail: conversationID})
	e.toAgent(agentID, AgentEvent{Message: noteMessage(n)})
	return err
}

func noteMessage(n Note) *Message {
	return &Message{ConversationID: n.ConversationID, From: FromNote, Agent: n.AgentName, Text: n.Text, At: n.At}
}

// AgentTyping tells the patient the agent is typing.
func (e *Engine) AgentTyping(ctx context.Context, agentID, conversationID string, on bool) error {
	c, err := e.store.Conversation(ctx, conversationID)
	if err != nil {
		return err
	}
	if err := holding(c, agentID); err != nil {
		return err
	}
	e.tellPatients(conversationID, Event{Typing: &Typing{From: FromAgent, On: on}})
	return nil
}

// Typing forwards the patient's typing indicator to the agent holding the
// chat.
func (e *Engine) Typing(ctx context.Context, conversationID string, on bool) error {
	e.mu.Lock()
	l := e.live[conversationID]
	e.mu.Unlock()
	agent := ""
	if l != nil {
		l.mu.Lock()
		if l.conv != nil && l.conv.Status == StatusAgent {
			agent = l.conv.Agent
		}
		l.mu.Unlock()
	}
	e.toAgent(agent, AgentEvent{Typing: &AgentTyping{ConversationID: conversationID, On: on}})
	return nil
}

// Seen records what the patient has displayed. Nothing uses it yet.
func (e *Engine) Seen(ctx context.Context, conversationID string, seq int64) error { return nil }

// Transfer hands a chat to another queue or another agent, with an
// optional note for whoever takes it.
func (e *Engine) Transfer(ctx context.Context, agentID, conversationID, queue, toAgent, note string) error {
	if (queue == "") == (toAgent == "") {
		return Errorf(EINVALID, "transfer to a queue or to an agent")
	}
	var target AgentInfo
	if toAgent != "" {
		var ok bool
		if target, ok = e.agentInfo(toAgent); !ok {
			return Errorf(ENOTFOUND, "that agent is not connected")
		}
	}
	err := e.withConversation(ctx, conversationID, func(t *turn) error {
		if err := holding(t.conv, agentID); err != nil {
			return err
		}
		if toAgent != "" {
			t.conv.Agent, t.conv.AgentName = target.ID, target.Name
			t.message(FromSystem, strings.ReplaceAll(text("agent_joined", t.conv.Locale), "{agent}", target.Name), nil, nil)
			t.agentAudit(agentID, "transfer", "ok", "agent:"+target.ID)
			return nil
		}
		t.conv.Status, t.conv.Queue, t.conv.Agent, t.conv.AgentName = StatusQueued, queue, "", ""
		t.message(FromSystem, text("transferred", t.conv.Locale), nil, nil)
		t.agentAudit(agentID, "transfer", "ok", "queue:"+queue)
		return nil
	})
	if err != nil {
		return err
	}
	if note != "" {
		if err := e.AgentNote(ctx, agentID, conversationID, note); err != nil {
			return err
		}
	}
	e.toAgent(agentID, AgentEvent{Released: &Assignment{ConversationID: conversationID, AgentID: agentID}})
	if toAgent != "" {
		e.toAgent(toAgent, AgentEvent{Assigned: &Assignment{ConversationID: conversationID, AgentID: target.ID, AgentName: target.Name}})
		if v, err := e.view(ctx, conversationID); err == nil {
			e.toAgent(toAgent, AgentEvent{Conversation: &v})
		}
	}
	e.settle(ctx)
	return nil
}

// ToBot hands the patient back to the bot, into flow if given.
func (e *Engine) ToBot(ctx context.Context, agentID, conversationID, flow string) error {
	if flow == "" {
		flow = e.cfg.GreetingFlow
	}
	if f, ok := e.flows.Current(flow); !ok || len(f.Triggers) == 0 && flow != e.cfg.GreetingFlow {
		return Errorf(EINVALID, "no flow %q to return to", flow)
	}
	err := e.withConversation(ctx, conversationID, func(t *turn) error {
		if err := holding(t.conv, agentID); err != nil {
			return err
		}
		t.conv.Status, t.conv.Agent, t.conv.AgentName = StatusBot, "", ""
		t.message(FromSystem, text("back_to_bot", t.conv.Locale), nil, nil)
		t.agentAudit(agentID, "to_bot", "ok", flow)
		return t.startFlow(flow)
	})
	if err != nil {
		return err
	}
	e.toAgent(agentID, AgentEvent{Released: &Assignment{ConversationID: conversationID, AgentID: agentID}})
	e.settle(ctx)
	return nil
}

// CloseChat ends an agent's chat with a resolution; the bot then asks the
// patient to rate it.
func (e *Engine) CloseChat(ctx context.Context, agentID, conversationID string, resolution Resolution) error {
	switch resolution {
	case Resolved, Unresolved, "no_response":
	default:
		return Errorf(EINVALID, "resolution must be resolved, unresolved or no_response")
	}
	err := e.withConversation(ctx, conversationID, func(t *turn) error {
		if err := holding(t.conv, agentID); err != nil {
			return err
		}
		t.conv.Status, t.conv.Agent, t.conv.AgentName = StatusBot, "", ""
		t.conv.Slots[slotAgentResolution] = string(resolution)
		t.agentAudit(agentID, "close", string(resolution), "")
		if _, ok := t.e.flows.Current(rateFlow); !ok {
			t.end(resolution)
			return nil
		}
		return t.startFlow(rateFlow)
	})
	if err != nil {
		return err
	}
	e.toAgent(agentID, AgentEvent{Released: &Assignment{ConversationID: conversationID, AgentID: agentID}})
	e.settle(ctx)
	return nil
}

// ViewConversation shows an agent a conversation, past or present. Every
// view is audited.
func (e *Engine) ViewConversation(ctx context.Context, agentID, conversationID string) (ConversationView, error) {
	v, err := e.view(ctx, conversationID)
	if err != nil {
		return v, err
	}
	err = e.store.AppendAudit(ctx, AuditEvent{Type: "transcript.viewed", At: e.clock.Now(), Node: e.cfg.Node,
		Actor: "agent:" + agentID, Subject: "", Outcome: "ok", Detail: conversationID})
	if err != nil {
		return v, fmt.Errorf("audit transcript view: %w", err)
	}
	return v, nil
}

// view builds what an agent sees of a conversation.
func (e *Engine) view(ctx context.Context, id string) (ConversationView, error) {
	c, err := e.store.Conversation(ctx, id)
	if err != nil {
		return ConversationView{}, err
	}
	msgs, err := e.store.Messages(ctx, id, 0)
	if err != nil {
		return ConversationView{}, err
	}
	if e.deskStore != nil {
		notes, err := e.deskStore.Notes(ctx, id)
		if err != nil {
			return ConversationView{}, err
		}
		msgs = mergeNotes(msgs, notes)
	}
	v := ConversationView{
		ConversationID: id, Status: c.Status, Agent: c.Agent, Flow: c.Flow, State: c.State,
		Queue: c.Queue, Reason: c.Reason, Locale: c.Locale, Transcript: msgs, Slots: map[string]string{},
	}
	for k, val := range c.Slots {
		if !strings.HasPrefix(k, "_") {
			v.Slots[k] = val
		}
	}
	if c.Subject != "" {
		v.Identity = Identity{Verified: true, How: c.VerifiedBy, At: c.VerifiedAt}
		if acc, err := e.dir.Contacts(ctx, c.Subject); err == nil {
			v.Identity.Email, v.Identity.Phone = MaskEmail(acc.Email), MaskPhone(acc.Phone)
		}
		if a, err := e.dir.Account(ctx, c.Subject); err == nil && a.Username != "" {
			v.Identity.Label = "account " + maskUsername(a.Username)
		}
	}
	return v, nil
}

// mergeNotes places notes among messages by time.
func mergeNotes(msgs []Message, notes []Note) []Message {
	if len(notes) == 0 {
		return msgs
	}
	out := make([]Message, 0, len(msgs)+len(notes))
	i := 0
	for _, m := range msgs {
		for i < len(notes) && notes[i].At.Before(m.At) {
			out = append(out, *noteMessage(notes[i]))
			i++
		}
		out = append(out, m)
	}
	for ; i < len(notes); i++ {
		out = append(out, *noteMessage(notes[i]))
	}
	return out
}

// maskUsername shows the first two characters: olivia.active → ol•••.
func maskUsername(u string) string {
	r := []rune(u)
	if len(r) <= 2 {
		return "•••"
	}
	return string(r[:2]) + "•••"
}
