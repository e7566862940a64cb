package bot_test

import (
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
)

// setLocale switches the chat's language and returns what came back.
func (c *chat) setLocale(locale string) []bot.Event {
	c.h.t.Helper()
	c.rec.Take()
	if err := c.h.eng.SetLocale(c.h.ctx, c.id, c.rec, locale, c.source); err != nil {
		c.h.t.Fatalf("set locale %s: %v", locale, err)
	}
	return c.rec.Take()
}

func TestSwitchingLanguageAsksTheQuestionAgainInIt(t *testing.T) {
	tests := []struct {
		name      string
		to        func(c *chat) // brings the chat to the question
		locale    string
		wantAsk   string   // part of the question asked again
		wantLabel []string // its quick replies' labels
		wantSlot  string
	}{
		{"greeting menu", func(*chat) {}, "es", "¿En qué le puedo ayudar hoy?",
			[]string{"Activar mi cuenta", "Cambiar mi contraseña", "Recuperar mi usuario", "Hablar con una persona"}, "topic"},
		{"a typed question", func(c *chat) { c.reply("reset_password"); c.reply("name") }, "es-MX",
			"nombre", nil, "first_name"},
		{"a rejected password, its reason worded again", func(c *chat) {
			c.reply("reset_password")
			c.verify(olivia)
			c.say("passwordpassword1")
		}, "es", "Esa contraseña repite las mismas letras o palabras", nil, "new_password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			c := h.open("")
			tt.to(c)
			state := c.state()
			evs := c.setLocale(tt.locale)
			msgs := messagesOf(evs)
			if len(msgs) != 1 {
				t.Fatalf("got %d messages %+v, want the question once", len(msgs), msgs)
			}
			m := msgs[0]
			if m.From != bot.FromBot || !strings.Contains(m.Text, tt.wantAsk) {
				t.Errorf("got %s %q, want the bot asking %q", m.From, m.Text, tt.wantAsk)
			}
			if m.Input == nil || m.Input.Slot != tt.wantSlot {
				t.Errorf("input %+v, want slot %s", m.Input, tt.wantSlot)
			}
			var labels []string
			for _, r := range m.Replies {
				labels = append(labels, r.Label)
			}
			if strings.Join(labels, "|") != strings.Join(tt.wantLabel, "|") {
				t.Errorf("replies %q, want %q", labels, tt.wantLabel)
			}
			if got := c.conv().Locale; got != bot.Spanish {
				t.Errorf("stored locale %s, want es", got)
			}
			if got := c.state(); got != state {
				t.Errorf("state %s, want %s: switching language is not an answer", got, state)
			}
			if got := c.audited("conversation.locale"); len(got) != 1 || got[0] != "ok/es" {
				t.Errorf("audit %q, want one conversation.locale ok es", got)
			}
			// What the bot says next is in the new language.
			if tt.wantSlot == "topic" {
				if said := botText(c.reply("forgot_username")); !strings.Contains(said, "¿") {
					t.Errorf("after switching, the bot said %q, want Spanish", said)
				}
			}
		})
	}
}

func TestSwitchingToTheSameLanguageDoesNothing(t *testing.T) {
	h := newHarness(t)
	c := h.open("")
	before := c.conv()
	if evs := c.setLocale("en-GB"); len(evs) != 0 {
		t.Errorf("got %d events, want none", len(evs))
	}
	if after := c.conv(); after.Step != before.Step || after.LastSeq != before.LastSeq {
		t.Errorf("step %d seq %d, want %d %d: nothing stored", after.Step, after.LastSeq, before.Step, before.LastSeq)
	}
}

func TestSwitchingLanguageWithAPersonOrEndedSaysNothing(t *testing.T) {
	tests := []struct {
		name string
		to   func(c *chat)
		want bot.Status
	}{
		{"queued", func(c *chat) { c.reply("agent") }, bot.StatusQueued},
		{"ended", func(c *chat) {
			if err := c.h.eng.Bye(c.h.ctx, c.id); err != nil {
				c.h.t.Fatal(err)
			}
		}, bot.StatusClosed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			c := h.open("")
			tt.to(c)
			if msgs := messagesOf(c.setLocale("es")); len(msgs) != 0 {
				t.Errorf("got messages %+v, want none: no question is waiting", msgs)
			}
			conv := c.conv()
			if conv.Locale != bot.Spanish || conv.Status != tt.want {
				t.Errorf("locale %s status %s, want es %s", conv.Locale, conv.Status, tt.want)
			}
		})
	}
}

func TestResumeOnlyHelloStartsNoConversation(t *testing.T) {
	grace := bot.DefaultLimits().ResumeGrace
	h := newHarness(t)
	c := h.open("")
	if err := h.eng.Bye(h.ctx, c.id); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		resume   string
		advance  bool
		wantCode string
	}{
		{"closed, within grace: resumed to read it", c.resume, false, ""},
		{"unknown token", "no-such-token", false, bot.EEXPIRED},
		{"closed, past grace", c.resume, true, bot.EEXPIRED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.advance {
				h.env.Clock.Advance(grace + 1)
			}
			before := h.conversations()
			rec := &recorder{}
			w, err := h.eng.Hello(h.ctx, bot.Hello{Resume: tt.resume, ResumeOnly: true, Locale: "en", Source: testIP}, rec)
			if got := bot.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("got error %v, want code %q", err, tt.wantCode)
			}
			if tt.wantCode == "" && (w.ConversationID != c.id || w.Status != bot.StatusClosed) {
				t.Errorf("welcome %+v, want the closed conversation %s", w, c.id)
			}
			if tt.wantCode != "" && len(rec.All()) != 0 {
				t.Errorf("got %d events, want none", len(rec.All()))
			}
			if after := h.conversations(); after != before {
				t.Errorf("conversations: %d → %d, want none created", before, after)
			}
		})
	}
}

// conversations counts the stored conversations.
func (h *harness) conversations() int {
	h.t.Helper()
	var n int
	if err := h.env.DB.Reader().QueryRowContext(h.ctx, "SELECT count(*) FROM conversations").Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}
