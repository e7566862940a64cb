package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
)

// textChannel renders every message of a turn as one text to a fixed
// number, as an SMS channel would.
type textChannel struct {
	to      string
	badKeys bool // render keys outside the turn's
	turns   int
}

func (c *textChannel) Render(conv *bot.Conversation, key string, msgs []bot.Message) ([]bot.Delivery, error) {
	c.turns++
	var out []bot.Delivery
	for i, m := range msgs {
		k := fmt.Sprintf("%s:reply:%d", key, i)
		if c.badKeys {
			k = fmt.Sprintf("elsewhere:%d", i)
		}
		out = append(out, bot.Delivery{Channel: bot.DeliverSMS, To: c.to, Text: m.Text, Key: k})
	}
	return out, nil
}

// channelEngine is an engine over the harness's database that runs
// conversations on ch as well as on the web.
func (h *harness) channelEngine(ch bot.Channel) *bot.Engine {
	h.t.Helper()
	d := h.deps(h.env.Dir, h.flows(flows.Builtin()))
	d.Channels = map[string]bot.Channel{bot.ChannelSMS: ch}
	cfg := bot.DefaultConfig()
	cfg.Limits.NewConversations = 0
	return bot.NewEngine(cfg, d, zerolog.Nop())
}

// texts returns what the outbox holds for a conversation as the channel
// rendered it (its replies, not codes or notices).
func (h *harness) texts(id string) []bot.Delivery {
	h.t.Helper()
	due, err := h.env.DB.DueDeliveries(h.ctx, h.env.Clock.Now().Add(time.Hour), 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []bot.Delivery
	for _, p := range due {
		if strings.HasPrefix(p.Key, id+":") && strings.Contains(p.Key, ":reply:") {
			out = append(out, p.Delivery)
		}
	}
	return out
}

// TestChannelRendersRepliesIntoTheTurn: on a channel whose patient is not
// attached, every turn's messages to the patient are queued in the outbox
// with the turn itself, under the turn's key; the patient's own words are
// not sent back.
func TestChannelRendersRepliesIntoTheTurn(t *testing.T) {
	h := newHarness(t)
	ch := &textChannel{to: "+13125550101"}
	h.eng = h.channelEngine(ch)
	rec := &recorder{}
	w, err := h.eng.Hello(h.ctx, bot.Hello{Locale: "en", Source: testIP, Channel: bot.ChannelSMS}, rec)
	if err != nil {
		t.Fatal(err)
	}
	c := &chat{h: h, id: w.ConversationID, rec: rec, source: testIP}
	if got := c.conv().Channel; got != bot.ChannelSMS {
		t.Errorf("stored channel %q, want %q", got, bot.ChannelSMS)
	}
	greeting := h.texts(c.id)
	if len(greeting) == 0 || greeting[0].To != ch.to || !strings.HasPrefix(greeting[0].Key, c.id+":0:") {
		t.Fatalf("after hello: texts %+v, want the greeting queued to %s under the first turn's key", greeting, ch.to)
	}
	said := botText(c.say("blorp"))
	texts := h.texts(c.id)[len(greeting):]
	var sent []string
	for _, d := range texts {
		sent = append(sent, d.Text)
		if d.Text == "blorp" {
			t.Errorf("the patient's own message was sent back: %+v", d)
		}
	}
	if strings.Join(sent, "\n") != said {
		t.Errorf("texts after a turn:\n got %q\nwant what the bot said: %q", strings.Join(sent, "\n"), said)
	}
}

// TestWebNeedsNoChannel: a web conversation queues no replies; its
// sockets are told.
func TestWebNeedsNoChannel(t *testing.T) {
	h := newHarness(t)
	ch := &textChannel{to: "+13125550101"}
	h.eng = h.channelEngine(ch)
	c := h.open("")
	c.say("blorp")
	if got := h.texts(c.id); len(got) != 0 || ch.turns != 0 {
		t.Errorf("web conversation: %d texts queued, channel called %d times; want none", len(got), ch.turns)
	}
	if got := c.conv().Channel; got != bot.ChannelWeb {
		t.Errorf("stored channel %q, want web", got)
	}
}

// TestUnknownOrMisbehavingChannelStoresNothing: a conversation on a
// channel the engine does not run is refused, and a channel that renders
// keys outside its turn fails the turn rather than queue them.
func TestUnknownOrMisbehavingChannelStoresNothing(t *testing.T) {
	h := newHarness(t)
	h.eng = h.channelEngine(&textChannel{to: "+13125550101", badKeys: true})
	count := func() int {
		var n int
		if err := h.env.DB.Reader().QueryRowContext(h.ctx, `SELECT count(*) FROM conversations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	if _, err := h.eng.Hello(h.ctx, bot.Hello{Locale: "en", Source: testIP, Channel: "fax"}, &recorder{}); bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("hello on channel fax: got %v, want invalid", err)
	}
	if got := count(); got != before {
		t.Errorf("conversations after a refused hello: %d, want %d", got, before)
	}
	if _, err := h.eng.Hello(h.ctx, bot.Hello{Locale: "en", Source: testIP, Channel: bot.ChannelSMS}, &recorder{}); err == nil || !strings.Contains(err.Error(), "not under the turn") {
		t.Errorf("hello with keys outside the turn: got %v, want the render refused", err)
	}
	due, _ := h.env.DB.DueDeliveries(h.ctx, h.env.Clock.Now().Add(time.Hour), 1000)
	for _, d := range due {
		if strings.HasPrefix(d.Key, "elsewhere:") {
			t.Errorf("a delivery under a foreign key was queued: %+v", d.Delivery)
		}
	}
}
