package bot

import (
	"context"
	"time"

	"github.com/portico-chat/portico/flows"
)

// Say runs the patient's turn. The say, the bot's answer and every change
// they cause are committed as one; then c gets the ack and every attached
// client the messages. A say whose id was seen before is acked again with
// its original seq and not run twice.
func (e *Engine) Say(ctx context.Context, conversationID string, c Client, s Say) error {
	if s.ID == "" {
		return Errorf(EINVALID, "say needs an id")
	}
	if s.Text == "" && s.Reply == "" {
		return Errorf(EINVALID, "say needs text or reply")
	}
	start := time.Now()
	defer e.settleIfDirty(ctx) // runs after the unlock below
	l, done, err := e.lockTurn(ctx, conversationID)
	if err != nil {
		return err
	}
	defer done()
	if done, err := e.ackAgain(ctx, l, c, s.ID); done || err != nil {
		return err
	}
	t := e.turnFor(ctx, l.conv, s)
	t.started = start
	err = e.commit(ctx, l, t, c, s.ID)
	if ErrorCode(err) == ECONFLICT {
		// Another connection committed the same say first; the store
		// knows it, the ids in memory may not.
		l.forgetSays()
		_, err = e.ackAgain(ctx, l, c, s.ID)
	}
	return err
}

// ackAgain acks a say that is already stored. It reports whether it was.
// l.mu must be held.
func (e *Engine) ackAgain(ctx context.Context, l *live, c Client, id string) (bool, error) {
	seq, ok, err := e.storedSeq(ctx, l, id)
	if err != nil || !ok {
		return false, err
	}
	if c != nil {
		c.Deliver(Event{Ack: &Ack{ID: id, Seq: seq}})
	}
	return true, nil
}

// turnFor computes the turn for a say. A failure inside the dialog does not
// lose the patient's message: the turn is redone as "store the message,
// apologise and hand off to a person".
func (e *Engine) turnFor(ctx context.Context, conv *Conversation, s Say) *turn {
	t := e.newTurn(ctx, conv, s.Source)
	if err := t.take(s); err != nil {
		// A directory that cannot be reached is said so plainly, with
		// its own handoff reason; anything else is our error.
		why, ev := "error", e.log.Error()
		if ErrorCode(err) == EUNAVAILABLE {
			why, ev = "directory_unavailable", e.log.Warn()
		}
		ev.Err(err).Str("conversation", conv.ID).Str("flow", conv.Flow).Str("state", conv.State).
			Msg("dialog failed; handing off")
		t = e.newTurn(ctx, conv, s.Source)
		m := patientMessage(conv, s, t.masks())
		m.At = t.now
		t.out.Messages = append(t.out.Messages, m)
		t.message(FromSystem, text(why, conv.Locale), nil, nil)
		if conv.Status == StatusBot {
			t.handoff("", why, conv.Flow+"."+conv.State, false, false)
		}
	}
	return t
}

// take runs the dialog on the patient's say.
func (t *turn) take(s Say) error {
	c := t.conv
	m := patientMessage(c, t.labelled(s), t.masks())
	m.At = t.now // the engine's clock, like every other message of the turn
	t.out.Messages = append(t.out.Messages, m)
	if s.RecordOnly {
		return nil
	}
	if t.expectsSensitive() {
		c.Slots[slotAfterSecret] = "1"
	} else {
		delete(c.Slots, slotAfterSecret)
	}
	expired := c.Subject != "" && t.now.Sub(t.prevUpdate) > t.e.cfg.Limits.VerifiedIdle
	if expired {
		t.audit("verify.expired", "expired", "idle")
		c.Subject, c.VerifiedAt, c.VerifiedBy = "", time.Time{}, ""
	}
	switch c.Status {
	case StatusQueued, StatusAgent:
		return nil // a person answers; the message waits in the transcript
	case StatusClosed:
		t.message(FromSystem, text("closed", c.Locale), nil, nil)
		return nil
	}
	if expired {
		return t.reverify()
	}
	f, err := t.flow()
	if err != nil {
		return err
	}
	st := f.States[c.State]
	if s.Texted && st != nil && st.Kind == flows.KindAsk && f.Slots[st.Ask] != nil && f.Slots[st.Ask].Type == flows.SlotSecret {
		t.audit("secret.by_text", "refused", f.Name+"."+st.Name)
		t.message(FromSystem, text("secret_by_text", c.Locale), nil, nil)
		t.ask(f, st, t.fill(st.Say.In(c.Locale)))
		return nil
	}
	if s.Pick != nil && s.Reply == "" {
		if v, ok := s.Pick(s.Text, t.shownReplies(f, st)); ok {
			s.Reply = v // "2" on a text channel: the second choice, as if tapped
		}
	}
	switch command(s.Text, s.Reply) {
	case "agent":
		if offersReply(st, "agent") {
			return t.answer(f, st, Say{ID: s.ID, Reply: "agent"}) // the flow's own way to a person
		}
		t.handoff("", "patient_request", c.Flow+"."+c.State, true, true)
		return nil
	case "restart":
		t.message(FromSystem, text("restart", c.Locale), nil, nil)
		c.Slots = keepOnly(c.Slots)
		c.Subject, c.VerifiedBy = "", ""
		return t.startFlow(t.e.cfg.GreetingFlow)
	}
	if st == nil || st.Kind != flows.KindAsk {
		// Not waiting on a question (a flow changed under it): start what
		// the text asks for, or the greeting.
		name, ok := t.e.flows.Match(s.Text, c.Locale)
		if !ok {
			name = t.e.cfg.GreetingFlow
		}
		return t.startFlow(name)
	}
	return t.answer(f, st, s)
}

// reverify starts the conversation's top-level flow again after its
// verified identity expired: the answer the patient just gave (perhaps a
// new password) is dropped, and they prove who they are once more. The
// conversation's own limits are kept.
func (t *turn) reverify() error {
	c := t.conv
	top := c.Flow
	if len(c.Stack) > 0 {
		top = c.Stack[0].Flow
	}
	t.message(FromSystem, text("verification_expired", c.Locale), nil, nil)
	c.Slots = keepOnly(c.Slots)
	return t.startFlow(top)
}

// masks reports whether the patient's say must be stored and echoed as
// Masked: an answer to a password or code question; the say right after
// one, whatever the dialog expects by then (the same secret sent twice by
// a double Enter or a second tab, or typed again after "changed"); and
// anything sent to a closed conversation, which answers nothing.
func (t *turn) masks() bool {
	return t.conv.Status == StatusClosed || t.conv.Slots[slotAfterSecret] != "" || t.expectsSensitive()
}

// expectsSensitive reports whether the conversation waits on a password or
// code, whose answer must be masked in the transcript.
func (t *turn) expectsSensitive() bool {
	f, err := t.flow()
	if err != nil {
		return true // unknown question: mask to be safe
	}
	st := f.States[t.conv.State]
	return st != nil && st.Kind == flows.KindAsk && sensitive(f.Slots[st.Ask])
}

// offersReply reports whether a question offers a quick reply with value.
func offersReply(st *flows.State, value string) bool {
	if st == nil || st.Kind != flows.KindAsk {
		return false
	}
	for _, r := range st.Replies {
		if r.Value == value {
			return true
		}
	}
	return false
}

// labelled returns s with a tapped reply's value replaced by its label, so
// the transcript reads as the patient saw it.
func (t *turn) labelled(s Say) Say {
	if s.Text != "" || s.Reply == "" {
		return s
	}
	f, err := t.flow()
	if err != nil {
		return s
	}
	if st := f.States[t.conv.State]; st != nil {
		for _, r := range st.Replies {
			if r.Value == s.Reply {
				s.Text = r.Label.In(t.conv.Locale)
			}
		}
	}
	return s
}

// shownReplies are the quick replies of a question as the patient saw
// them: the ones offered, labelled in the conversation's language.
func (t *turn) shownReplies(f *flows.Flow, st *flows.State) []Reply {
	st = t.offered(f, st)
	if st == nil || st.Kind != flows.KindAsk {
		return nil
	}
	out := make([]Reply, 0, len(st.Replies))
	for _, r := range st.Replies {
		out = append(out, Reply{Label: r.Label.In(t.conv.Locale), Value: r.Value})
	}
	return out
}
