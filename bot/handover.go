package bot

import (
	"context"
	"fmt"

	"github.com/portico-chat/portico/flows"
)

// Handover lets the patient of a conversation on a channel that cannot
// take a secret (SMS) answer its secret question in the web widget. The
// channel texted a link naming the conversation and its step when the
// question was asked; if the conversation is still at that step, with the
// bot, waiting on a secret question, Handover gives it a new resume token
// (the widget's way in) and advances its step, so the link works once. It
// returns the token and the conversation's language. Anything else (a
// later step, an answered or closed conversation) is EEXPIRED, worded for
// the patient.
func (e *Engine) Handover(ctx context.Context, conversationID string, step int64) (resume, locale string, err error) {
	dead := Errorf(EEXPIRED, "This link has expired or was already used. Text us again to get a new one.")
	defer e.settleIfDirty(ctx)
	l := e.acquire(conversationID)
	defer e.release(conversationID, l)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := e.load(ctx, conversationID, l); err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return "", "", dead
		}
		return "", "", err
	}
	c := l.conv
	if c.Step != step || c.Status != StatusBot || !e.waitsOnSecret(ctx, c) {
		return "", "", dead
	}
	t := e.newTurn(ctx, c, "")
	token, hash := newResumeToken()
	t.conv.ResumeHash = hash
	t.audit("conversation.handover", "ok", "web")
	if err := e.commit(ctx, l, t, nil, ""); err != nil {
		return "", "", fmt.Errorf("handover: %w", err)
	}
	return token, c.Locale, nil
}

// waitsOnSecret reports whether c waits on a question whose answer is a
// secret (a new password).
func (e *Engine) waitsOnSecret(ctx context.Context, c *Conversation) bool {
	f, err := e.flows.Version(ctx, c.Flow, c.FlowVersion)
	if err != nil {
		return false
	}
	st := f.States[c.State]
	if st == nil || st.Kind != flows.KindAsk {
		return false
	}
	s := f.Slots[st.Ask]
	return s != nil && s.Type == flows.SlotSecret
}
