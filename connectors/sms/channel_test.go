package sms_test

import (
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/sms"
)

var linkKey = sms.LinkKey("test-auth-token")

// TestLinksWorkUntilTheyExpireAndCannotBeForged: a link names its
// conversation and step; a changed token, another key or a later time
// than its 15 minutes is refused, all alike.
func TestLinksWorkUntilTheyExpireAndCannotBeForged(t *testing.T) {
	l := sms.NewLinks("https://portal.example.org/", linkKey)
	now := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	link := l.Make("conv-1", 7, now.Add(sms.LinkTTL))
	base, token, ok := strings.Cut(link, "#")
	if !ok || base != "https://portal.example.org/sms/continue" {
		t.Fatalf("link %q: want https://portal.example.org/sms/continue#<token>", link)
	}
	id, step, err := l.Check(token, now.Add(14*time.Minute))
	if err != nil || id != "conv-1" || step != 7 {
		t.Fatalf("check within 15 minutes: %q %d %v, want conv-1 at step 7", id, step, err)
	}
	other := sms.NewLinks("https://portal.example.org", sms.LinkKey("another token"))
	flipped := []byte(token)
	flipped[3] ^= 1
	for name, c := range map[string]struct {
		l     *sms.Links
		token string
		at    time.Time
	}{
		"expired":     {l, token, now.Add(sms.LinkTTL)},
		"another key": {other, token, now},
		"tampered":    {l, string(flipped), now},
		"empty":       {l, "", now},
		"no mac":      {l, strings.Split(token, ".")[0], now},
	} {
		if _, _, err := c.l.Check(c.token, c.at); bot.ErrorCode(err) != bot.EEXPIRED {
			t.Errorf("%s: got %v, want EEXPIRED", name, err)
		}
	}
}

// TestChannelRendersTexts: a turn's messages become texts to the
// patient's number under the turn's key, with numbered choices; a secret
// question becomes the link; a chat that idled out says nothing.
func TestChannelRendersTexts(t *testing.T) {
	ch := &sms.Channel{Links: sms.NewLinks("https://portal.example.org", linkKey), Texts: sms.Texts{Clinic: "Lakeside"}}
	c := &bot.Conversation{ID: "c1", Locale: "en", Step: 4, Status: bot.StatusBot, Slots: map[string]string{}}
	c.Slots["_peer"] = "+16175550111" // as bot.Hello{Peer: …} stores it
	at := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	msgs := []bot.Message{
		{From: bot.FromBot, Text: "What do you need?", At: at, Replies: []bot.Reply{{Label: "Reset my password", Value: "reset_password"}, {Label: "Talk to a person", Value: "agent"}}},
		{From: bot.FromBot, Text: "Choose a new password.", At: at, Input: &bot.Input{Kind: "secret", Slot: "new_password"}},
	}
	ds, err := ch.Render(c, "c1:3", msgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 {
		t.Fatalf("texts %+v, want 2", ds)
	}
	for i, d := range ds {
		if d.To != "+16175550111" || d.Channel != bot.DeliverSMS || !strings.HasPrefix(d.Key, "c1:3:sms:") {
			t.Errorf("text %d: %+v, want an SMS to the patient under the turn's key", i, d)
		}
	}
	if want := "What do you need?\nReply 1 for reset my password or 2 for talk to a person."; ds[0].Text != want {
		t.Errorf("choices:\n got %q\nwant %q", ds[0].Text, want)
	}
	if strings.Contains(ds[1].Text, "Choose a new password") || !strings.Contains(ds[1].Text, "https://portal.example.org/sms/continue#") {
		t.Errorf("secret question texted as %q, want the link instead", ds[1].Text)
	}
	c.Status, c.Resolution = bot.StatusClosed, bot.Abandoned
	if ds, _ := ch.Render(c, "c1:4", []bot.Message{{From: bot.FromSystem, Text: "closed"}}); len(ds) != 0 {
		t.Errorf("an idled-out chat texted %+v, want nothing", ds)
	}
	if (&sms.Channel{}).TakesSecrets() || !ch.TakesSecrets() {
		t.Error("TakesSecrets: want true only with links")
	}
}
