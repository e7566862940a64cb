package bot_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
)

// withChannels returns a harness whose engine delivers only on channels.
func withChannels(t *testing.T, channels ...string) *harness {
	t.Helper()
	h := newHarness(t)
	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = h.env.Dir.Policy().MinLength
	cfg.Channels = channels
	h.eng = h.engine(cfg, h.env.Dir)
	return h
}

// lastAsk returns the last question among events: its slot and replies.
func lastAsk(evs []bot.Event) (slot string, replies []string) {
	for _, m := range messagesOf(evs) {
		if m.Input != nil {
			slot, replies = m.Input.Slot, nil
			for _, r := range m.Replies {
				replies = append(replies, r.Value)
			}
		}
	}
	return slot, replies
}

// channelsOf lists the channels of a chat's deliveries, in order.
func channelsOf(c *chat) []string {
	var out []string
	for _, d := range c.deliveries() {
		out = append(out, d.Channel)
	}
	return out
}

// TestOnlyChannelsThatCanSendAreOffered: the question of where a code
// goes lists only the channels with a transport; with one, it is not
// asked and the code goes there; with none, the patient goes to a person.
// Whoever the patient is, they see exactly the same: the offer depends on
// the configuration alone.
func TestOnlyChannelsThatCanSendAreOffered(t *testing.T) {
	tests := []struct {
		name       string
		channels   []string
		wantAsk    string   // the question after the ZIP code
		wantOffer  []string // its replies
		wantSaid   string   // what the patient is told
		wantStatus bot.Status
		wantSent   []string // deliveries to Olivia, by channel
	}{
		{"both", []string{"email", "sms"}, "channel", []string{"email", "sms"}, "Where should we send you a one-time code?", bot.StatusBot, nil},
		{"email only", []string{"email"}, "otp", nil, "we have sent a code to the email on file", bot.StatusBot, []string{"email"}},
		{"sms only", []string{"sms"}, "otp", nil, "we have sent a code to the mobile number on file", bot.StatusBot, []string{"sms"}},
		{"none", nil, "", nil, "connecting you with a member of our support team", bot.StatusQueued, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := withChannels(t, tt.channels...)
			said := map[string]string{}
			for _, p := range []person{olivia, nobody} {
				c := h.open("reset_password")
				c.reply("name")
				c.say(p.First)
				c.say(p.Last)
				c.say(p.DOB)
				evs := c.say(p.ZIP)
				said[p.First] = botText(evs)
				slot, replies := lastAsk(evs)
				if slot != tt.wantAsk || !slices.Equal(replies, tt.wantOffer) {
					t.Errorf("%s: asked for %q offering %v, want %q offering %v (bot said %q)", p.First, slot, replies, tt.wantAsk, tt.wantOffer, botText(evs))
				}
				if !strings.Contains(botText(evs), tt.wantSaid) {
					t.Errorf("%s: bot said %q, want %q", p.First, botText(evs), tt.wantSaid)
				}
				if got := c.conv().Status; got != tt.wantStatus {
					t.Errorf("%s: status %s, want %s", p.First, got, tt.wantStatus)
				}
				if p == nobody {
					continue
				}
				if got := channelsOf(c); !slices.Equal(got, tt.wantSent) {
					t.Errorf("deliveries to Olivia by %v, want %v", got, tt.wantSent)
				}
				if tt.wantStatus == bot.StatusQueued && c.conv().Reason != "no_channel" {
					t.Errorf("handed off for %q, want no_channel", c.conv().Reason)
				}
			}
			if said[olivia.First] != said[nobody.First] {
				t.Errorf("a patient on file was told %q, one not on file %q: want the same", said[olivia.First], said[nobody.First])
			}
		})
	}
}

// TestAChannelThatStoppedSendingIsNoAnswer: a patient asked before SMS was
// turned off who then taps "mobile number" gets no code promised by SMS:
// the question comes again with only the channels that can send.
func TestAChannelThatStoppedSendingIsNoAnswer(t *testing.T) {
	h := withChannels(t, "email", "sms")
	c := h.open("reset_password")
	c.toChannel(olivia)

	cfg := bot.DefaultConfig()
	cfg.PasswordMinLength = h.env.Dir.Policy().MinLength
	cfg.Channels = []string{"email"}
	h.eng = h.engine(cfg, h.env.Dir) // a restart without SMS
	if _, err := h.eng.Hello(h.ctx, bot.Hello{Resume: c.resume, LastSeq: c.conv().LastSeq, Source: testIP}, c.rec); err != nil {
		t.Fatal(err)
	}
	evs := c.reply("sms")
	if slot, replies := lastAsk(evs); slot != "channel" || !slices.Equal(replies, []string{"email"}) {
		t.Errorf("after tapping sms: asked for %q offering %v, want the channel again with only email (bot said %q)", slot, replies, botText(evs))
	}
	if strings.Contains(botText(evs), "mobile number on file") || len(c.deliveries()) != 0 {
		t.Errorf("bot said %q and queued %v, want no SMS promised or queued", botText(evs), channelsOf(c))
	}
	c.reply("email")
	if got := channelsOf(c); !slices.Equal(got, []string{"email"}) {
		t.Errorf("deliveries %v, want one email", got)
	}
}

// TestNoticesGoOnlyWhereTheyCanBeSent: after a reset, the "your password
// changed" notice goes to the contacts on file a live channel reaches.
func TestNoticesGoOnlyWhereTheyCanBeSent(t *testing.T) {
	h := withChannels(t, "email")
	c := h.open("reset_password")
	c.reply("name")
	for _, s := range []string{olivia.First, olivia.Last, olivia.DOB, olivia.ZIP, ""} {
		if s == "" {
			s = c.code() // no channel question: the code went by email
		}
		c.say(s)
	}
	if evs := c.say("tulip harbor seven lanterns"); c.conv().Status != bot.StatusClosed {
		t.Fatalf("reset not finished: %s (bot said %q)", c.state(), botText(evs))
	}
	if got := channelsOf(c); !slices.Equal(got, []string{"email", "email"}) {
		t.Errorf("deliveries %v, want the code and the notice by email, nothing by SMS", got)
	}
}
