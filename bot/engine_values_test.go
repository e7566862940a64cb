package bot_test

import (
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
)

// The built-in flows name the password length through {password_min_length},
// so an operator's portal.password_min_length is what the patient is told.
func TestPasswordQuestionSaysTheConfiguredLength(t *testing.T) {
	for _, tt := range []struct {
		min  int
		want string
	}{{15, "at least 15 characters"}, {12, "at least 12 characters"}} {
		h := newHarness(t)
		cfg := bot.DefaultConfig()
		cfg.PasswordMinLength = tt.min
		cfg.Limits.NewConversations = 0
		h.eng = h.engine(cfg, h.env.Dir)
		c := h.open("")
		c.reply("reset_password")
		c.requestCode(olivia)
		asked := botText(c.say(c.code()))
		if !strings.Contains(asked, tt.want) || strings.Contains(asked, "{") {
			t.Errorf("min %d: the password question is %q, want it to say %q", tt.min, asked, tt.want)
		}
	}
}
