package bot

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// Hello opens or resumes a conversation and attaches c to it. Before it
// returns, c has been given every stored message after h.LastSeq, in order;
// live events follow.
func (e *Engine) Hello(ctx context.Context, h Hello, c Client) (Welcome, error) {
	if h.Resume != "" {
		conv, err := e.store.ConversationByResume(ctx, HashToken(h.Resume))
		switch {
		case err == nil && e.resumable(conv):
			w, err := e.attach(ctx, conv.ID, h.LastSeq, c)
			w.Resume = h.Resume
			if err == nil && w.Status == StatusQueued {
				e.settleIfDirty(ctx) // a patient back after leaving: the consoles see them there again
				e.tellPlace(ctx, conv.ID, c)
			}
			return w, err
		case err != nil && ErrorCode(err) != ENOTFOUND:
			return Welcome{}, fmt.Errorf("resume: %w", err)
		}
		if h.ResumeOnly {
			return Welcome{}, Errorf(EEXPIRED, "This chat has ended.")
		}
	}
	id, err := e.open(ctx, h)
	if err != nil {
		return Welcome{}, err
	}
	w, err := e.attach(ctx, id.conversation, 0, c)
	w.Resume, w.Expired = id.resume, h.Resume != ""
	e.settleIfDirty(ctx)
	if err == nil && w.Status == StatusQueued {
		e.tellPlace(ctx, id.conversation, c)
	}
	return w, err
}

// resumable reports whether a stored conversation may be re-attached: while
// it lives, and for a grace period after it closed so the patient can
// still read how it ended.
func (e *Engine) resumable(c *Conversation) bool {
	if c.Status != StatusClosed {
		return true
	}
	return e.clock.Now().Sub(c.UpdatedAt) < e.cfg.Limits.ResumeGrace
}

type opened struct{ conversation, resume string }

// open creates a conversation and runs its first flow up to the first
// question, if the client's address may open another one.
func (e *Engine) open(ctx context.Context, h Hello) (opened, error) {
	channel := cmp.Or(h.Channel, ChannelWeb)
	if !e.channelKnown(channel) {
		return opened{}, Errorf(EINVALID, "no conversation channel %q", channel)
	}
	// The reservation and the new conversation become durable with the
	// first turn's commit (WithTurnSync).
	ctx = WithTurnSync(ctx)
	now := e.clock.Now()
	if err := e.reserveConversation(ctx, h, now); err != nil {
		return opened{}, err
	}
	token, hash := newResumeToken()
	conv := &Conversation{
		ID: newID(), Channel: channel, Status: StatusBot, Locale: NormalizeLocale(h.Locale), Slots: map[string]string{},
		ResumeHash: hash, CreatedAt: now, UpdatedAt: now,
	}
	if h.Peer != "" {
		conv.Slots[slotPeer] = h.Peer
	}
	if h.Line != "" {
		conv.Slots[slotLine] = h.Line
	}
	if err := e.store.CreateConversation(ctx, conv); err != nil {
		return opened{}, fmt.Errorf("create conversation: %w", err)
	}
	start := e.cfg.GreetingFlow
	if f, ok := e.flows.Current(h.Start); ok && len(f.Triggers) > 0 {
		start = f.Name // only top-level flows (those with triggers) may be started directly
	}
	t := e.newTurn(ctx, conv, h.Source)
	asks := ""
	if h.First != nil {
		start, asks = e.opening(t, *h.First, start)
	}
	t.audit("conversation.opened", "ok", t.conv.Locale)
	if err := t.startFlow(start); err != nil {
		return opened{}, fmt.Errorf("start %s: %w", start, err)
	}
	if asks == "agent" && t.conv.Status == StatusBot {
		t.handoff("", "patient_request", t.conv.Flow+"."+t.conv.State, true, true)
	}
	if err := e.stage(t); err != nil {
		return opened{}, err
	}
	if err := e.store.Commit(ctx, &t.out); err != nil {
		return opened{}, fmt.Errorf("commit first turn: %w", err)
	}
	e.observe(&t.out)
	if len(t.out.Deliveries) > 0 {
		e.kick()
	}
	if onDesk(t.out.Conversation) {
		e.deskSync(nil, t.out.Conversation, true) // its opener attaches next
		e.dirty.Store(true)
		e.publish(ctx, Notice{Kind: NoticeTurn, Conversation: conv.ID, Seq: t.out.Conversation.LastSeq, Desk: true})
	}
	return opened{conversation: conv.ID, resume: token}, nil
}

// attach replays the messages after lastSeq to c and adds it to the
// conversation's clients. The conversation lock makes replay and live
// messages meet without gap or duplicate.
func (e *Engine) attach(ctx context.Context, id string, lastSeq int64, c Client) (Welcome, error) {
	if err := e.loadDesk(ctx); err != nil { // so the patient is seen there (notePresence)
		return Welcome{}, err
	}
	l := e.acquire(id)
	l.mu.Lock()
	defer l.mu.Unlock()
	fail := func(err error) (Welcome, error) {
		l.mu.Unlock()
		e.release(id, l)
		l.mu.Lock() // for the deferred unlock
		return Welcome{}, err
	}
	if err := e.load(ctx, id, l); err != nil {
		return fail(err)
	}
	if e.shared() { // the cached conversation may be behind another node's turns
		fresh, err := e.store.Conversation(ctx, id)
		if err != nil {
			return fail(fmt.Errorf("load conversation: %w", err))
		}
		if len(l.clients) > 0 {
			e.catchUp(ctx, l, fresh)
		} else {
			l.conv, l.sent = fresh, fresh.LastSeq
		}
	}
	if lastSeq < 0 || lastSeq > l.conv.LastSeq {
		lastSeq = 0 // a client that knows more than we do has a stale view; replay it all
	}
	msgs, err := e.store.Messages(ctx, id, lastSeq)
	if err != nil {
		return fail(fmt.Errorf("replay: %w", err))
	}
	for i := range msgs {
		if !c.Deliver(Event{Message: &msgs[i]}) {
			return fail(Errorf(EINTERNAL, "client too slow for replay"))
		}
	}
	for i := range msgs { // committed by another node since the read above
		if msgs[i].Seq > l.sent {
			e.broadcast(l, Event{Message: &msgs[i]})
			l.sent = msgs[i].Seq
		}
	}
	l.sent = max(l.sent, l.conv.LastSeq) // every client attached has been told up to here
	l.clients.add(c)
	e.notePresence(id, true)
	return Welcome{ConversationID: id, Seq: l.conv.LastSeq, Status: l.conv.Status}, nil
}

// reserveConversation counts a new conversation against its client
// address's limit (NewConversations per NewConversationWindow), atomically
// with the check, so that a flood of hellos from one address, or one IPv6
// network, gets no more. Over the limit it is an ERATELIMITED error
// saying when to try again.
func (e *Engine) reserveConversation(ctx context.Context, h Hello, now time.Time) error {
	lim := e.cfg.Limits
	if h.Source == "" || lim.NewConversations <= 0 {
		return nil
	}
	tallies, ok, err := e.attempts.Reserve(ctx, Reservation{
		Kind: attemptNewConv, Key: IPKey(h.Source, lim.IPv6Prefix), At: now,
		Windows: []Window{{Since: now.Add(-lim.NewConversationWindow), Max: lim.NewConversations}},
	})
	if err != nil {
		return fmt.Errorf("reserve conversation: %w", err)
	}
	if ok {
		return nil
	}
	wait := lim.NewConversationWindow
	if oldest := tallies[0].Oldest[0]; !oldest.IsZero() {
		// At most the window: hellos that read the clock after this one
		// may have been recorded before it, under load.
		wait = min(oldest.Add(lim.NewConversationWindow).Sub(now), lim.NewConversationWindow)
	}
	return &Error{Code: ERATELIMITED, Message: text("new_conversations_limited", NormalizeLocale(h.Locale)), RetryAfter: max(wait, time.Second)}
}

// spanishOpeners are first messages that say the patient writes Spanish.
var spanishOpeners = []string{"hola", "buenos dias", "buenos días", "buenas tardes", "buenas noches", "espanol", "español", "en español"}

// opening stores the patient's first message (Hello.First) in the opening
// turn and returns the flow it asks for (start if none) and the command
// it is ("agent"), if any. A message that reads as Spanish, and not as
// English, makes the conversation Spanish.
func (e *Engine) opening(t *turn, s Say, start string) (flow, cmd string) {
	c := t.conv
	m := patientMessage(c, s, false)
	m.At = t.now
	t.out.Messages = append(t.out.Messages, m)
	_, en := e.flows.Match(s.Text, English)
	_, es := e.flows.Match(s.Text, Spanish)
	if slices.Contains(spanishOpeners, fold(s.Text)) || es && !en {
		c.Locale = Spanish
	}
	if name, ok := e.flows.Match(s.Text, c.Locale); ok {
		if f, ok := e.flows.Current(name); ok && len(f.Triggers) > 0 {
			start = name
		}
	}
	return start, command(s.Text, "")
}
