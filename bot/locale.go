package bot

import (
	"context"
	"fmt"

	"github.com/portico-chat/portico/flows"
)

// SetLocale switches a conversation's language, as when the patient picks
// another language in the widget mid-chat. When the bot is waiting on a
// question, it asks that question again in the new language, so the
// patient never has to answer a prompt they may not read; everything the
// bot says afterwards is in the new language too. Switching to the
// language the conversation already has does nothing.
func (e *Engine) SetLocale(ctx context.Context, conversationID string, c Client, locale, source string) error {
	defer e.settleIfDirty(ctx) // runs after the unlock below
	l, done, err := e.lockTurn(ctx, conversationID)
	if err != nil {
		return err
	}
	defer done()
	want := NormalizeLocale(locale)
	if l.conv.Locale == want {
		return nil
	}
	t := e.newTurn(ctx, l.conv, source)
	t.conv.Locale = want
	t.audit("conversation.locale", "ok", want)
	if t.conv.Status == StatusBot {
		if err := t.askAgain(); err != nil {
			return fmt.Errorf("switch language: %w", err)
		}
	}
	if err := e.commit(ctx, l, t, c, ""); err != nil {
		return fmt.Errorf("switch language: %w", err)
	}
	if t.conv.Status == StatusQueued {
		e.deskLocale(t.conv)
	}
	return nil
}

// askAgain repeats the question the conversation waits on, worded in the
// conversation's (new) locale. A rejection reason shown in that question
// is worded again too.
func (t *turn) askAgain() error {
	f, err := t.flow()
	if err != nil {
		return err
	}
	st := f.States[t.conv.State]
	if st == nil || st.Kind != flows.KindAsk {
		return nil // not waiting on a question
	}
	if key := t.conv.Slots[slotReasonKey]; key != "" {
		t.conv.Slots[slotReason] = t.reasonText(key)
	}
	t.ask(f, st, t.fill(st.Say.In(t.conv.Locale)))
	return nil
}

// deskLocale tells the desk a waiting chat's new language, for the agents'
// queue.
func (e *Engine) deskLocale(c *Conversation) {
	d := e.desk
	d.mu.Lock()
	defer d.mu.Unlock()
	if w := d.waiting[c.ID]; w != nil {
		w.locale = c.Locale
	}
	e.dirty.Store(true)
}
