package storetest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

func dueIDs(t *testing.T, o bot.Outbox, now time.Time, limit int) string {
	t.Helper()
	due, err := o.DueDeliveries(context.Background(), now, limit)
	if err != nil {
		t.Fatalf("DueDeliveries: %v", err)
	}
	var ids []string
	for _, p := range due {
		ids = append(ids, p.ID)
	}
	return strings.Join(ids, ",")
}

func testOutbox(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	o := need[bot.Outbox](t, s, "outbox")
	c := newConversation(t, s, "c1")

	delivery := func(id, key string) bot.Delivery {
		return bot.Delivery{ID: id, Channel: "email", To: "pat@example.com", Subject: "Your code",
			Text: "Your Portico code is 123456.", Key: key}
	}
	// Turn times order the deliveries: a, b, then c.
	c.UpdatedAt = t0
	mustCommit(t, s, &bot.Turn{Conversation: c, Deliveries: []bot.Delivery{delivery("a", "c1/1"), delivery("b", "c1/2")}})
	c.UpdatedAt = t0.Add(time.Second)
	mustCommit(t, s, &bot.Turn{Conversation: c, Deliveries: []bot.Delivery{
		delivery("a2", "c1/1"), // a replayed turn: dropped
		delivery("c", ""),      // no key: never deduplicated
	}})

	now := t0.Add(time.Minute)
	if got, want := dueIDs(t, o, now, 10), "a,b,c"; got != want {
		t.Fatalf("DueDeliveries: got %s, want %s", got, want)
	}
	if got, want := dueIDs(t, o, now, 2), "a,b"; got != want {
		t.Errorf("DueDeliveries(limit 2): got %s, want %s", got, want)
	}
	if got := dueIDs(t, o, t0.Add(-time.Second), 10); got != "" {
		t.Errorf("DueDeliveries before they were queued: got %s, want none", got)
	}
	due, _ := o.DueDeliveries(ctx, now, 1)
	if p := due[0]; p.Channel != "email" || p.To != "pat@example.com" || p.Subject != "Your code" ||
		p.Text != "Your Portico code is 123456." || p.Key != "c1/1" || p.Attempts != 0 || !p.CreatedAt.Equal(t0) {
		t.Errorf("DueDeliveries round trip: got %+v", p)
	}

	// a is sent; b fails and is retried later; c fails for good.
	if err := o.MarkSent(ctx, "a", now); err != nil {
		t.Fatalf("MarkSent: %v", err)
	}
	retry := now.Add(5 * time.Minute)
	if err := o.MarkFailed(ctx, "b", "smtp: 451 try later", retry, false); err != nil {
		t.Fatalf("MarkFailed: %v", err)
	}
	if err := o.MarkFailed(ctx, "c", "smtp: 550 no such mailbox", now, true); err != nil {
		t.Fatalf("MarkFailed(giveUp): %v", err)
	}

	steps := []struct {
		at   time.Time
		want string
	}{
		{now, ""},
		{retry.Add(-time.Nanosecond), ""},
		{retry, "b"},
		{retry.Add(time.Hour), "b"},
	}
	for _, st := range steps {
		if got := dueIDs(t, o, st.at, 10); got != st.want {
			t.Errorf("DueDeliveries at +%v: got %q, want %q", st.at.Sub(now), got, st.want)
		}
	}
	due, _ = o.DueDeliveries(ctx, retry, 10)
	if len(due) != 1 || due[0].Attempts != 1 || due[0].Text == "" {
		t.Errorf("retried delivery: got %+v, want b with 1 attempt and its text", due)
	}

	for _, tc := range []struct {
		name string
		err  error
	}{
		{"MarkSent of unknown delivery", o.MarkSent(ctx, "nope", now)},
		{"MarkFailed of unknown delivery", o.MarkFailed(ctx, "nope", "x", now, false)},
	} {
		wantCode(t, tc.name, tc.err, bot.ENOTFOUND)
	}

	in, ok := s.(Inspector)
	if !ok {
		return
	}
	// At rest: nothing in clear, whether pending, sent or abandoned; the
	// text of a sent or abandoned delivery is gone altogether.
	clear := []string{"pat@example.com", "Your code", "123456", "Your Portico code"}
	for _, tc := range []struct {
		id       string
		scrubbed bool
	}{
		{"a", true}, // sent
		{"b", false},
		{"c", true}, // abandoned
	} {
		recipient, subject, text := in.DeliveryAtRest(t, tc.id)
		if got := len(text) == 0; got != tc.scrubbed {
			t.Errorf("stored text of %s: got %d bytes, want scrubbed %v", tc.id, len(text), tc.scrubbed)
		}
		for _, field := range []struct {
			name   string
			stored []byte
		}{{"recipient", recipient}, {"subject", subject}, {"text", text}} {
			for _, s := range clear {
				if bytes.Contains(field.stored, []byte(s)) {
					t.Errorf("stored %s of %s: holds %q in clear", field.name, tc.id, s)
				}
			}
		}
	}
}

// testOutboxWithheld: a withheld delivery is queued like any other, so the
// sender sees it (to give it up), but without its text.
func testOutboxWithheld(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	o := need[bot.Outbox](t, s, "outbox")
	c := newConversation(t, s, "c1")
	c.UpdatedAt = t0
	mustCommit(t, s, &bot.Turn{Conversation: c, Deliveries: []bot.Delivery{{ID: "w", Channel: "sms", To: "+16175550111",
		Subject: "Your code", Text: "Your Portico code is 123456.", Key: "c1/1", Withheld: "record_throttled"}}})
	due, err := o.DueDeliveries(context.Background(), t0.Add(time.Minute), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("DueDeliveries: got %d, %v; want the withheld one", len(due), err)
	}
	if p := due[0]; p.Withheld != "record_throttled" || p.Text != "" || p.To != "+16175550111" {
		t.Errorf("withheld delivery: got withheld %q, text %q, to %q; want record_throttled, no text, the recipient", p.Withheld, p.Text, p.To)
	}
	if in, ok := s.(Inspector); ok {
		recipient, _, text := in.DeliveryAtRest(t, "w")
		if len(text) != 0 || bytes.Contains(recipient, []byte("6175550111")) {
			t.Errorf("withheld delivery at rest: text %d bytes, recipient %q; want no text, the recipient sealed", len(text), recipient)
		}
	}
}

// testOutboxSender: an SMS delivery keeps the number it must go out from
// (an SMS conversation's own number), and one without it reads back "".
func testOutboxSender(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	o := need[bot.Outbox](t, s, "outbox")
	c := newConversation(t, s, "c1")
	c.UpdatedAt = t0
	mustCommit(t, s, &bot.Turn{Conversation: c, Deliveries: []bot.Delivery{
		{ID: "b", Channel: "sms", To: "+16175550111", From: "+13125550001", Text: "Reply 1 for …", Key: "c1/1"},
		{ID: "d", Channel: "sms", To: "+16175550111", Text: "Your code", Key: "c1/2"},
	}})
	due, err := o.DueDeliveries(context.Background(), t0.Add(time.Minute), 10)
	if err != nil || len(due) != 2 {
		t.Fatalf("DueDeliveries: got %d, %v; want 2", len(due), err)
	}
	if due[0].From != "+13125550001" || due[1].From != "" {
		t.Errorf("senders: got %q and %q, want +13125550001 and none", due[0].From, due[1].From)
	}
}
