package bot_test

import (
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

func TestSweepClosesIdleConversationsAsAbandoned(t *testing.T) {
	h := newHarness(t)
	idle := bot.DefaultLimits().ConversationIdle

	stale := h.open("")  // idle from the start
	queued := h.open("") // waits for a person: not the bot's to close
	queued.say("agent")  //
	active := h.open("") // touched recently
	h.env.Clock.Advance(idle - 5*time.Minute)
	active.say("reset my password")
	h.env.Clock.Advance(5*time.Minute + time.Second)

	stale.rec.Take() // the greeting replayed at hello
	n, err := h.eng.Sweep(h.ctx, h.env.DB)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("swept %d, want 1", n)
	}
	tests := []struct {
		c              *chat
		wantStatus     bot.Status
		wantResolution bot.Resolution
	}{
		{stale, bot.StatusClosed, bot.Abandoned},
		{queued, bot.StatusQueued, ""},
		{active, bot.StatusBot, ""},
	}
	for i, tt := range tests {
		conv := tt.c.conv()
		if conv.Status != tt.wantStatus || conv.Resolution != tt.wantResolution {
			t.Errorf("conversation %d: %s/%q, want %s/%q", i, conv.Status, conv.Resolution, tt.wantStatus, tt.wantResolution)
		}
	}

	// The attached client was told, after a last system message.
	evs := stale.rec.Take()
	if len(evs) != 2 || evs[0].Message == nil || evs[1].Status == nil {
		t.Fatalf("client was told %+v, want a message then a status", evs)
	}
	if m := evs[0].Message; m.From != bot.FromSystem || !strings.Contains(m.Text, "inactive") {
		t.Errorf("sweep message %+v, want the system's inactivity text", m)
	}
	if s := evs[1].Status; s.Status != bot.StatusClosed || s.Resolution != bot.Abandoned {
		t.Errorf("status %+v, want closed/abandoned", s)
	}
	if got := stale.audited("conversation.closed"); len(got) != 1 || !strings.HasPrefix(got[0], "abandoned/") {
		t.Errorf("conversation.closed audit %v, want abandoned", got)
	}

	// Sweeping again closes nothing more.
	if n, err := h.eng.Sweep(h.ctx, h.env.DB); err != nil || n != 0 {
		t.Errorf("second sweep: %d, %v; want 0, nil", n, err)
	}

	// A patient who comes back to a swept chat is told it ended.
	evs = stale.say("hello?")
	if !strings.Contains(botText(evs), "This chat has ended") {
		t.Errorf("after the sweep the bot said %q, want that the chat ended", botText(evs))
	}
	if got := stale.conv().Status; got != bot.StatusClosed {
		t.Errorf("status %s after a message to a closed chat, want closed", got)
	}
}

func TestSweepUsesTheConversationsOwnLastChange(t *testing.T) {
	h := newHarness(t)
	idle := bot.DefaultLimits().ConversationIdle
	c := h.open("")
	h.env.Clock.Advance(idle) // exactly the limit is not over it
	if n, err := h.eng.Sweep(h.ctx, h.env.DB); err != nil || n != 0 {
		t.Errorf("at exactly %v idle: swept %d, %v; want 0, nil", idle, n, err)
	}
	h.env.Clock.Advance(time.Second)
	if n, err := h.eng.Sweep(h.ctx, h.env.DB); err != nil || n != 1 {
		t.Errorf("at %v idle: swept %d, %v; want 1, nil", idle+time.Second, n, err)
	}
	if got := c.conv().Resolution; got != bot.Abandoned {
		t.Errorf("resolution %q, want abandoned", got)
	}
}

func TestByeAbandonsUnlessAlreadyEnded(t *testing.T) {
	tests := []struct {
		name           string
		setup          func(h *harness, c *chat)
		wantResolution bot.Resolution
	}{
		{"with the bot", func(h *harness, c *chat) {}, bot.Abandoned},
		{"mid-verification", func(h *harness, c *chat) { c.reply("reset_password"); c.reply("name") }, bot.Abandoned},
		{"waiting for a person", func(h *harness, c *chat) { c.say("agent") }, bot.Abandoned},
		{"resolved", func(h *harness, c *chat) {
			c.reply("reset_password")
			c.verify(olivia)
			c.say(newPassword)
		}, bot.Resolved},
		{"already abandoned", func(h *harness, c *chat) {
			if err := h.eng.Bye(h.ctx, c.id); err != nil {
				h.t.Fatal(err)
			}
		}, bot.Abandoned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			c := h.open("")
			tt.setup(h, c)
			before := len(c.messages())
			c.rec.Take()
			if err := h.eng.Bye(h.ctx, c.id); err != nil {
				t.Fatal(err)
			}
			conv := c.conv()
			if conv.Status != bot.StatusClosed || conv.Resolution != tt.wantResolution {
				t.Errorf("after bye: %s/%q, want closed/%q", conv.Status, conv.Resolution, tt.wantResolution)
			}
			if got := len(c.messages()); got != before {
				t.Errorf("bye added %d messages, want none", got-before)
			}
			changed := tt.wantResolution == bot.Abandoned && tt.name != "already abandoned"
			if got := statusSeen(c.rec.Take(), bot.StatusClosed); got != changed {
				t.Errorf("client told of closing: %v, want %v", got, changed)
			}
		})
	}
}

func TestByeOfAnUnknownConversationIsNotFound(t *testing.T) {
	h := newHarness(t)
	if got := bot.ErrorCode(h.eng.Bye(h.ctx, "no-such-conversation")); got != bot.ENOTFOUND {
		t.Errorf("error code %q, want %q", got, bot.ENOTFOUND)
	}
}

// TestSweepClosesAQueueEntryOnlyOnceThePatientHasGone: a patient waiting
// for a person keeps their place while on the page; one who left long ago
// is closed as abandoned and leaves the queue.
func TestSweepClosesAQueueEntryOnlyOnceThePatientHasGone(t *testing.T) {
	h := newHarness(t)
	idle := bot.DefaultLimits().ConversationIdle
	staying := h.open("")
	staying.say("agent")
	gone := h.open("")
	gone.say("agent")
	h.eng.Detach(gone.id, gone.rec)
	h.env.Clock.Advance(idle + time.Second)

	if _, err := h.eng.Sweep(h.ctx, h.env.DB); err != nil {
		t.Fatal(err)
	}
	if c := staying.conv(); c.Status != bot.StatusQueued {
		t.Errorf("patient still on the page: %s, want still queued", c.Status)
	}
	if c := gone.conv(); c.Status != bot.StatusClosed || c.Resolution != bot.Abandoned {
		t.Errorf("patient gone for %s: %s/%s, want closed/abandoned", idle, c.Status, c.Resolution)
	}
	open, err := h.env.DB.OpenHandoffs(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].ID != staying.id {
		t.Errorf("open handoffs after the sweep: %d, want only the patient still waiting", len(open))
	}
}
