package bot_test

import (
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
)

// secretless is a text channel that cannot take a secret at all.
type secretless struct {
	textChannel
	takes bool
}

func (c *secretless) TakesSecrets() bool { return c.takes }

// TestFlowAskingASecretRefusedOnAChannelThatCannotTakeOne: with a channel
// that cannot take a secret, the flows that ask one are refused at start
// (at the question) and on publish; a channel that can take one (SMS with
// its link to the web chat) refuses nothing.
func TestFlowAskingASecretRefusedOnAChannelThatCannotTakeOne(t *testing.T) {
	h := newHarness(t)
	fl := h.flows(flows.Builtin())
	if err := fl.RefuseSecretsOn(map[string]bot.Channel{bot.ChannelSMS: &secretless{takes: true}}); err != nil {
		t.Fatalf("a channel that takes secrets: %v, want nothing refused", err)
	}
	err := fl.RefuseSecretsOn(map[string]bot.Channel{bot.ChannelSMS: &secretless{}})
	if err == nil || !strings.Contains(err.Error(), `reset_password.yaml`) || !strings.Contains(err.Error(), `asks for the secret "new_password"`) {
		t.Fatalf("a channel that cannot take secrets: got %v, want the reset flow's password question refused", err)
	}
	src := []byte("name: pw_only\ntriggers:\n  en: [pw only]\nslots:\n  pw: {type: secret}\nstart: a\nstates:\n  a:\n    say: {en: \"Password?\"}\n    ask: pw\n    on: {ok: b, exhausted: b}\n  b: {end: resolved}\n")
	if _, err := fl.Check("pw_only", src); err == nil || !strings.Contains(err.Error(), "pw_only.yaml:8") {
		t.Errorf("publishing a flow that asks a secret: got %v, want it refused at its question", err)
	}
}

// TestCodeByTextOnlyToTheTextingNumber: in an SMS conversation, a code
// asked for "by text" goes to the mobile number on file only when the
// patient texts from it; from any other number it goes to the email on
// file. The bot says the same for a match from another number as for no
// match at all.
func TestCodeByTextOnlyToTheTextingNumber(t *testing.T) {
	h := newHarness(t)
	h.eng = h.channelEngine(&textChannel{to: "+17735550199"})
	open := func(peer string) *chat {
		rec := &recorder{}
		w, err := h.eng.Hello(h.ctx, bot.Hello{Locale: "en", Start: "reset_password", Source: testIP, Channel: bot.ChannelSMS, Peer: peer}, rec)
		if err != nil {
			t.Fatal(err)
		}
		return &chat{h: h, id: w.ConversationID, rec: rec, source: testIP}
	}
	codes := func(c *chat) []bot.Delivery {
		var out []bot.Delivery
		for _, d := range c.deliveries() {
			if strings.Contains(d.Key, ":otp:") {
				out = append(out, d)
			}
		}
		return out
	}
	const stranger, onFile = "+17735550199", "+16175550111"

	match := open(stranger)
	match.toChannel(olivia)
	saidMatch := botText(match.reply("sms"))
	miss := open(stranger)
	miss.toChannel(nobody)
	saidMiss := botText(miss.reply("sms"))
	if saidMatch != saidMiss {
		t.Errorf("from another number, match and no match answered differently:\n%q\n%q", saidMatch, saidMiss)
	}
	if ds := codes(match); len(ds) != 1 || ds[0].Channel != bot.DeliverEmail || ds[0].To != "olivia.active@example.org" {
		t.Errorf("code asked by text from another number: %+v, want it emailed to the address on file", ds)
	}
	if ds := codes(miss); len(ds) != 0 {
		t.Errorf("no match: %+v sent, want nothing", ds)
	}

	own := open(onFile)
	own.toChannel(olivia)
	if said := botText(own.reply("sms")); said != saidMatch {
		t.Errorf("from the number on file the bot said %q, want the same as from another number", said)
	}
	if ds := codes(own); len(ds) != 1 || ds[0].Channel != bot.DeliverSMS || ds[0].To != onFile {
		t.Errorf("code asked by text from the number on file: %+v, want it texted there", ds)
	}
}
