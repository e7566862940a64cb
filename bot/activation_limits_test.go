package bot_test

import (
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// Demo patients with activation codes: Ana alone at her date of birth
// and ZIP, and twins who share theirs (testdata/patients.csv).
var (
	anaT   = person{MRN: "DEMO-1001", First: "Ana", Last: "Testcase", DOB: "01/02/1980", ZIP: "02139"}
	riley  = person{MRN: "DEMO-1004", First: "Riley", Last: "Twinsample", DOB: "04/01/2012", ZIP: "60601"}
	jordan = person{MRN: "DEMO-1005", First: "Jordan", Last: "Twinsample", DOB: "04/01/2012", ZIP: "60601"}
	fatima = person{MRN: "DEMO-1015", First: "Fatima", Last: "Fakename", DOB: "01/31/1977", ZIP: "60601"}
)

const (
	anasCode   = "J36DM-T8UG5"
	rileysCode = "M7H2V-S2TVM"
	wrongCode  = "AAAAA-BBBBB"
)

// activationTry opens a chat, types p's date of birth and ZIP and code,
// and returns the chat after the check.
func (h *harness) activationTry(p person, code string) *chat {
	h.t.Helper()
	c := h.open("activate_account")
	c.reply("yes")
	c.say(p.DOB)
	c.say(p.ZIP)
	c.say(code)
	return c
}

// failures returns how many failed verifications a demo patient's record
// has in the failure window.
func (h *harness) failures(p person) int {
	h.t.Helper()
	n, err := h.env.DB.CountAttempts(h.ctx, bot.RecordFailureKind, h.recordID(p.MRN), h.env.Clock.Now().Add(-bot.DefaultLimits().FailureWindow))
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// TestWrongActivationCodesPauseTheRecord: wrong activation codes typed
// with a patient's date of birth and ZIP count against her record, like
// wrong one-time codes: after FailuresBeforePause of them even the right
// code is refused until the pause is over.
func TestWrongActivationCodesPauseTheRecord(t *testing.T) {
	h := newHarness(t)
	lim := bot.DefaultLimits()
	for range lim.FailuresBeforePause {
		if c := h.activationTry(anaT, wrongCode); c.conv().Subject != "" {
			t.Fatal("a wrong activation code verified")
		}
	}
	if got := h.failures(anaT); got != lim.FailuresBeforePause {
		t.Errorf("Ana's record has %d failures after %d wrong activation codes, want %d", got, lim.FailuresBeforePause, lim.FailuresBeforePause)
	}
	c := h.activationTry(anaT, anasCode)
	if got := c.conv().Subject; got != "" {
		t.Errorf("the right code while the record is paused verified %q, want it refused", got)
	}
	if got := c.state(); got != "activate_account.ask_dob" {
		t.Errorf("right code while paused: state %s, want activate_account.ask_dob (the same as a wrong code)", got)
	}

	h.env.Clock.Advance(bot.PauseFor(lim.FailuresBeforePause+1, lim) + time.Second)
	if c := h.activationTry(anaT, anasCode); c.conv().Subject != h.recordID(anaT.MRN) {
		t.Errorf("after the pause the right code: state %s, subject %q; want verified", c.state(), c.conv().Subject)
	}
	if got := h.failures(anaT); got != 0 {
		t.Errorf("after the success Ana's record has %d failures, want 0", got)
	}
}

// TestWrongActivationCodesCountAgainstEveryMatchingRecord: the date of
// birth and ZIP alone say which records a guess was aimed at, so a wrong
// code counts against each of them (twins share theirs), and against no
// other record.
func TestWrongActivationCodesCountAgainstEveryMatchingRecord(t *testing.T) {
	h := newHarness(t)
	lim := bot.DefaultLimits()
	for range lim.FailuresBeforePause {
		h.activationTry(riley, wrongCode)
	}
	h.activationTry(nobody, wrongCode)
	for _, tt := range []struct {
		p    person
		want int
	}{{riley, lim.FailuresBeforePause}, {jordan, lim.FailuresBeforePause}, {fatima, 0}, {anaT, 0}} {
		if got := h.failures(tt.p); got != tt.want {
			t.Errorf("%s %s: %d failures, want %d", tt.p.First, tt.p.Last, got, tt.want)
		}
	}
	if c := h.activationTry(riley, rileysCode); c.conv().Subject != "" {
		t.Errorf("Riley's right code while both twins are paused verified %q, want it refused", c.conv().Subject)
	}
}

// TestRestartKeepsTheConversationsCounters: "restart" starts the dialog
// over but not the conversation's limits: codes asked for and failed
// verifications still count.
func TestRestartKeepsTheConversationsCounters(t *testing.T) {
	t.Run("codes per conversation", func(t *testing.T) {
		h := newHarness(t)
		lim := bot.DefaultLimits()
		c := h.open("reset_password")
		for i := range lim.CodesPerConversation {
			c.requestCode(marcus)
			if got := c.state(); got != "verify_attempt.email_sent" {
				t.Fatalf("code %d: state %s, want verify_attempt.email_sent", i+1, got)
			}
			c.say("restart")
			c.reply("reset_password")
		}
		c.requestCode(marcus)
		if conv := c.conv(); conv.Status != bot.StatusQueued || conv.Reason != "codes_exhausted" {
			t.Errorf("code %d after restarts: status %s, reason %q; want queued for codes_exhausted",
				lim.CodesPerConversation+1, conv.Status, conv.Reason)
		}
	})
	t.Run("failures per conversation", func(t *testing.T) {
		h := newHarness(t)
		lim := bot.DefaultLimits()
		c := h.open("activate_account")
		tried := 0
		for step := 0; tried <= lim.ConversationFailures; step++ {
			if step > 20*lim.ConversationFailures {
				t.Fatalf("stuck at %s after %d tries", c.state(), tried)
			}
			switch c.state() {
			case "activate_account.has_code":
				c.reply("yes")
			case "activate_account.ask_dob":
				c.say(nobody.DOB)
			case "activate_account.ask_zip":
				c.say(nobody.ZIP)
			case "activate_account.ask_code":
				c.say(wrongCode)
				tried++
			default: // the flow moved on to one-time codes: start over
				c.say("restart")
				c.reply("activate_account")
			}
		}
		if conv := c.conv(); conv.Status != bot.StatusQueued || c.state() != "activate_account.cannot_continue" {
			t.Errorf("activation code %d in one chat, with restarts: status %s, state %s; want queued from activate_account.cannot_continue",
				tried, conv.Status, c.state())
		}
		if got := c.audited("verify.locked"); len(got) != 1 || got[0] != "locked/conversation" {
			t.Errorf("verify.locked audit %v, want [locked/conversation]", got)
		}
	})
}
