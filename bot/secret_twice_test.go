package bot_test

import (
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
)

// TestASecretTypedTwiceIsMaskedBothTimes: a patient who presses Enter
// twice, sends from a second tab, or types the password again after
// "changed" sends the secret a second time, when the dialog has already
// moved on. That copy is masked too, in the echo, the transcript and the
// replay; so is anything sent to a closed conversation. The patient's next
// ordinary message is kept as typed, for the agent to read.
func TestASecretTypedTwiceIsMaskedBothTimes(t *testing.T) {
	const secretCode = "424242"
	tests := []struct {
		name    string
		setup   func(c *chat) string // returns the secret to send twice
		status  bot.Status           // where the second copy arrives
		after   string               // an ordinary message after the copy
		afterIn bool                 // whether after is kept in clear
	}{
		{
			name: "new password twice: the copy reaches a closed conversation",
			setup: func(c *chat) string {
				c.verify(olivia)
				return newPassword
			},
			status: bot.StatusClosed, after: "thank you", afterIn: false,
		},
		{
			name: "last wrong code twice: the copy reaches an ordinary question",
			setup: func(c *chat) string {
				c.requestCode(olivia)
				for range bot.DefaultLimits().CodeMaxTries - 1 {
					c.say(c.wrongCode())
				}
				return secretCode
			},
			status: bot.StatusBot, after: "is anyone there?", afterIn: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			c := h.open("reset_password")
			secret := tt.setup(c)
			c.say(secret)
			echo := c.say(secret)
			if got := c.conv().Status; got != tt.status {
				t.Fatalf("the second copy reached a %s conversation, want %s", got, tt.status)
			}
			for _, m := range messagesOf(echo) {
				if m.From == bot.FromPatient && m.Text != bot.Masked {
					t.Errorf("echo of the second copy: %q, want %q", m.Text, bot.Masked)
				}
			}
			c.say(tt.after)
			msgs := c.messages() // what agents and replay see
			var patient []string
			for _, m := range msgs {
				if strings.Contains(m.Text, secret) {
					t.Errorf("stored message %d from %s holds the secret: %q", m.Seq, m.From, m.Text)
				}
				if m.From == bot.FromPatient {
					patient = append(patient, m.Text)
				}
			}
			last := patient[len(patient)-1]
			if kept := last == tt.after; kept != tt.afterIn {
				t.Errorf("the message after the copy stored as %q; kept in clear %v, want %v", last, kept, tt.afterIn)
			}
		})
	}
}
