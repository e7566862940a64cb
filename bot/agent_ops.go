package bot

import (
	"cmp"
	"context"
	"fmt"
	"strings"
)

// What an agent does with a chat: each is a turn of the conversation under
// its lock, committed like a patient's.

// Claim takes a waiting chat. Of two agents claiming at once exactly one
// wins; the other gets ECONFLICT. An agent who already holds their
// capacity gets ECAPACITY, unless overCapacity asks to go beyond it and
// Config.CapacityOverride allows them to.
func (e *Engine) Claim(ctx context.Context, agentID, conversationID string, overCapacity bool) error {
	info, ok := e.agentInfo(agentID)
	if !ok {
		return Errorf(EUNAUTHORIZED, "connect to the console first")
	}
	seat, err := e.seatFor(info, info, overCapacity)
	if err != nil {
		return err
	}
	err = e.assign(ctx, conversationID, info, "claimed", seat)
	e.settle(ctx)
	return atCapacity(err, true, info, e.capacityOf(info))
}

// AgentSay sends an agent's message to the patient. A say id already seen
// is not sent twice.
func (e *Engine) AgentSay(ctx context.Context, agentID, conversationID, id, text string) error {
	if strings.TrimSpace(text) == "" || id == "" {
		return Errorf(EINVALID, "a message needs an id and text")
	}
	clientID := "agent:" + id
	l, done, err := e.lockTurn(ctx, conversationID)
	if err != nil {
		return err
	}
	defer done()
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
	e.publish(ctx, Notice{Kind: NoticeTyping, Conversation: conversationID, From: FromAgent, On: on})
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
	e.publish(ctx, Notice{Kind: NoticeTyping, Conversation: conversationID, From: FromPatient, On: on}) // its agent may be on another node
	return nil
}

// Seen records what the patient has displayed. Nothing uses it yet.
func (e *Engine) Seen(ctx context.Context, conversationID string, seq int64) error { return nil }

// Transfer hands a chat to another queue or another agent, with an
// optional note for whoever takes it. An agent who already holds their
// capacity is refused (ECAPACITY) unless overCapacity asks to go beyond it
// and Config.CapacityOverride allows the one transferring to.
func (e *Engine) Transfer(ctx context.Context, agentID, conversationID, queue, toAgent, note string, overCapacity bool) error {
	if (queue == "") == (toAgent == "") {
		return Errorf(EINVALID, "transfer to a queue or to an agent")
	}
	var target AgentInfo
	var seat *AgentLimit
	if toAgent != "" {
		var ok bool
		if target, ok = e.agentInfo(toAgent); !ok {
			if target, ok = e.agentElsewhere(ctx, toAgent); !ok {
				return Errorf(ENOTFOUND, "that agent is not connected")
			}
		}
		me, _ := e.agentInfo(agentID)
		var err error
		if seat, err = e.seatFor(me, target, overCapacity); err != nil {
			return err
		}
	}
	err := e.withConversation(ctx, conversationID, func(t *turn) error {
		if err := holding(t.conv, agentID); err != nil {
			return err
		}
		if toAgent != "" {
			t.conv.Agent, t.conv.AgentName = target.ID, target.Name
			t.message(FromSystem, strings.ReplaceAll(text("agent_joined", t.conv.Locale), "{agent}", target.Name), nil, nil)
			t.out.AgentLimit = seat
			t.agentAudit(agentID, "transfer", "ok", strings.TrimSpace("agent:"+target.ID+" "+overDetail(seat)))
			return nil
		}
		t.conv.Status, t.conv.Queue, t.conv.Agent, t.conv.AgentName = StatusQueued, queue, "", ""
		t.message(FromSystem, text("transferred", t.conv.Locale), nil, nil)
		t.agentAudit(agentID, "transfer", "ok", "queue:"+queue)
		return nil
	})
	if err != nil {
		return atCapacity(err, false, target, e.capacityOf(target))
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
		t.out.HandoffOutcome = HandoffToBot
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
		t.out.HandoffOutcome = string(resolution)
		t.agentAudit(agentID, "close", string(resolution), "")
		if _, ok := t.e.flows.Current(RateFlow); !ok {
			t.end(resolution)
			return nil
		}
		return t.startFlow(RateFlow)
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
		Channel: cmp.Or(c.Channel, ChannelWeb), From: maskedPeer(c),
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

// FollowupDone marks a message a patient left as answered by an agent, and
// sends every console the list that is left.
func (e *Engine) FollowupDone(ctx context.Context, agentID, followupID string) error {
	if e.deskStore == nil {
		return Errorf(EINTERNAL, "follow-ups are not stored")
	}
	now := e.clock.Now()
	if err := e.deskStore.FollowupDone(ctx, followupID, agentID, now); err != nil {
		return err
	}
	err := e.store.AppendAudit(ctx, AuditEvent{Type: "followup.done", At: now, Node: e.cfg.Node,
		Actor: "agent:" + agentID, Outcome: "ok", Detail: followupID})
	if err != nil {
		return fmt.Errorf("audit follow-up: %w", err)
	}
	fs, err := e.deskStore.Followups(ctx)
	if err != nil {
		return err
	}
	if fs == nil {
		fs = []Followup{}
	}
	e.toAllAgents(AgentEvent{Followups: fs})
	e.publish(ctx, Notice{Kind: NoticeFollowups})
	return nil
}
