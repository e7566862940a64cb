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
