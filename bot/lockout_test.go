package bot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

func TestPauseFor(t *testing.T) {
	def := bot.DefaultLimits()
	custom := def
	custom.FailuresBeforePause, custom.PauseBase, custom.PauseMax = 3, 10*time.Second, 25*time.Second
	tests := []struct {
		lim   bot.Limits
		total int
		want  time.Duration
	}{
		{def, 0, 0},
		{def, 1, 0},
		{def, 4, 0},
		{def, 5, time.Minute},
		{def, 9, time.Minute},
		{def, 10, 2 * time.Minute},
		{def, 14, 2 * time.Minute},
		{def, 15, 4 * time.Minute},
		{def, 20, 8 * time.Minute},
		{def, 25, 16 * time.Minute},
		{def, 30, 32 * time.Minute},
		{def, 35, time.Hour}, // 64m capped
		{def, 40, time.Hour},
		{def, 99, time.Hour},
		{def, 100, time.Hour},
		{def, 1 << 20, time.Hour},
		{custom, 2, 0},
		{custom, 3, 10 * time.Second},
		{custom, 6, 20 * time.Second},
		{custom, 9, 25 * time.Second},
		{custom, 300, 25 * time.Second},
	}
	for _, tt := range tests {
		if got := bot.PauseFor(tt.total, tt.lim); got != tt.want {
			t.Errorf("PauseFor(%d, every %d from %v up to %v) = %v, want %v",
				tt.total, tt.lim.FailuresBeforePause, tt.lim.PauseBase, tt.lim.PauseMax, got, tt.want)
		}
	}
}

// failCodes makes n failed verifications of p's record from new chats,
// at most 4 per chat so that no chat's own limits get in the way.
func (h *harness) failCodes(p person, n int) {
	h.t.Helper()
	for n > 0 {
		c := h.open("reset_password")
		c.requestCode(p)
		for range min(n, 4) {
			c.say(c.wrongCode())
			n--
		}
	}
}

// codeOutcome starts a new chat for p, asks for a code by email and
// returns the code.issued audit and whether a code was delivered.
func (h *harness) codeOutcome(p person) (string, bool, string) {
	h.t.Helper()
	c := h.open("reset_password")
	said := c.requestCode(p)
	got := c.audited("code.issued")
	if len(got) != 1 {
		h.t.Fatalf("code.issued audit %v, want one event", got)
	}
	return got[0], len(c.deliveries()) > 0, said
}

func TestRecordPausesAfterFiveFailures(t *testing.T) {
	h := newHarness(t)
	const sentText = "If the details match our records, we have sent a code to the email on file"

	// One chat makes five failures: the fifth fails its attempt, and the
	// second attempt's code is not delivered.
	c := h.open("reset_password")
	c.requestCode(olivia)
	for range 5 {
		c.say(c.wrongCode())
	}
	said := c.requestCode(olivia)
	if !strings.Contains(said, sentText) {
		t.Errorf("paused record: bot said %q, want %q", said, sentText)
	}
	if got := c.audited("code.issued"); len(got) != 2 || got[1] != "suppressed/record_paused" {
		t.Errorf("code.issued audit %v, want the second suppressed/record_paused", got)
	}
	if got := len(c.codes()); got != 1 {
		t.Errorf("%d codes delivered, want only the first", got)
	}

	// A new conversation does not help.
	audit, delivered, said := h.codeOutcome(olivia)
	if audit != "suppressed/record_paused" || delivered || !strings.Contains(said, sentText) {
		t.Errorf("new chat while paused: audit %s, delivered %v, said %q; want suppressed/record_paused, nothing, the same text",
			audit, delivered, said)
	}
	// Another record is not affected.
	if audit, delivered, _ := h.codeOutcome(marcus); audit != "sent/email" || !delivered {
		t.Errorf("another record: audit %s, delivered %v; want sent/email", audit, delivered)
	}

	// After PauseBase the codes flow again.
	h.env.Clock.Advance(bot.DefaultLimits().PauseBase + time.Second)
	if audit, delivered, _ := h.codeOutcome(olivia); audit != "sent/email" || !delivered {
		t.Errorf("after the pause: audit %s, delivered %v; want sent/email", audit, delivered)
	}
}

func TestPausedRecordRefusesEvenTheRightCode(t *testing.T) {
	h := newHarness(t)
	holder := h.open("reset_password")
	holder.requestCode(olivia)
	h.failCodes(olivia, 5)

	holder.say(holder.code())
	if got := holder.state(); got != "verify_attempt.wrong_code" {
		t.Errorf("right code while paused: state %s, want verify_attempt.wrong_code", got)
	}
	if got := holder.audited("verify.attempt"); len(got) != 1 || got[0] != "failed/otp" {
		t.Errorf("verify.attempt audit %v, want [failed/otp]", got)
	}
	if got := holder.conv().Slots["_handoff_why"]; got != "record_paused" {
		t.Errorf("what the agent will be told: %q, want record_paused", got)
	}
}

func TestPauseGrowsWithFurtherFailures(t *testing.T) {
	h := newHarnessWith(t, func(l *bot.Limits) { l.CodeSendsPerWindow, l.CodeSendsPerDay = 1000, 1000 }, nil)
	h.failCodes(olivia, 10) // PauseFor(10) = 2×PauseBase from the last failure
	base := bot.DefaultLimits().PauseBase

	h.env.Clock.Advance(base + time.Second)
	if audit, _, _ := h.codeOutcome(olivia); audit != "suppressed/record_paused" {
		t.Errorf("after 10 failures and %v: audit %s, want suppressed/record_paused", base+time.Second, audit)
	}
	h.env.Clock.Advance(base)
	if audit, _, _ := h.codeOutcome(olivia); audit != "sent/email" {
		t.Errorf("after 10 failures and %v: audit %s, want sent/email", 2*base+time.Second, audit)
	}
}

func TestSuccessClearsTheRecordsFailures(t *testing.T) {
	h := newHarness(t)
	a := h.open("reset_password")
	a.requestCode(olivia)
	for range 4 {
		a.say(a.wrongCode())
	}
	a.say(a.code())
	if got := a.state(); got != "reset_password.ask_password" {
		t.Fatalf("right code after 4 wrong: state %s, want reset_password.ask_password", got)
	}
	h.failCodes(olivia, 4) // 8 in a row without the clearing
	if audit, delivered, _ := h.codeOutcome(olivia); audit != "sent/email" || !delivered {
		t.Errorf("4 failures after a success: audit %s, delivered %v; want sent/email", audit, delivered)
	}
}

func TestHardLockNeedsStaff(t *testing.T) {
	hard := bot.DefaultLimits().HardLockAfter
	tests := []struct {
		failures   int
		wantPaused bool
	}{
		{hard - 1, false},
		{hard, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.failures), func(t *testing.T) {
			h := newHarness(t)
			record := h.recordID(olivia.MRN)
			// The failures are counted the way the engine counts them; the
			// row count stands in for that many failed chats.
			for range tt.failures {
				if err := h.env.DB.AddAttempt(h.ctx, "verify_fail_record", record, h.env.Clock.Now()); err != nil {
					t.Fatal(err)
				}
			}
			if audit, _, _ := h.codeOutcome(olivia); audit != "suppressed/record_paused" {
				t.Fatalf("right after %d failures: audit %s, want suppressed/record_paused", tt.failures, audit)
			}
			for _, wait := range []time.Duration{bot.DefaultLimits().PauseMax + time.Minute, 24 * time.Hour} {
				h.env.Clock.Advance(wait)
				want := "sent/email"
				if tt.wantPaused {
					want = "suppressed/record_paused"
				}
				if audit, _, _ := h.codeOutcome(olivia); audit != want {
					t.Errorf("%d failures, then %v more: audit %s, want %s", tt.failures, wait, audit, want)
				}
			}
		})
	}
}

func TestCodeSendsAreLimitedPerRecord(t *testing.T) {
	h := newHarness(t)
	lim := bot.DefaultLimits()
	var texts []string
	send := func(want string) {
		t.Helper()
		audit, delivered, said := h.codeOutcome(olivia)
		texts = append(texts, said)
		if audit != want || delivered != (want == "sent/email") {
			t.Errorf("send %d: audit %s, delivered %v; want %s", len(texts), audit, delivered, want)
		}
	}
	// 3 in a window.
	for range lim.CodeSendsPerWindow {
		send("sent/email")
	}
	send("suppressed/record_throttled")
	// Then 3 a window until 10 in the day.
	sent := lim.CodeSendsPerWindow
	for sent < lim.CodeSendsPerDay {
		h.env.Clock.Advance(lim.CodeSendWindow + time.Second)
		for i := 0; i < lim.CodeSendsPerWindow && sent < lim.CodeSendsPerDay; i++ {
			send("sent/email")
			sent++
		}
	}
	h.env.Clock.Advance(lim.CodeSendWindow + time.Second)
	send("suppressed/record_throttled") // a fresh window, but 10 today
	h.env.Clock.Advance(24 * time.Hour)
	send("sent/email")

	for i, s := range texts {
		if s != texts[0] {
			t.Errorf("send %d: bot said %q, want the same as send 1: %q", i+1, s, texts[0])
		}
	}
}

// TestCodeRequestsNeverChangeTheAccount: asking for codes, even past the
// limits, leaves the account as it was.
func TestCodeRequestsNeverChangeTheAccount(t *testing.T) {
	h := newHarness(t)
	for range 6 {
		h.codeOutcome(olivia)
	}
	acc, err := h.env.Dir.Account(h.ctx, h.recordID(olivia.MRN))
	if err != nil {
		t.Fatal(err)
	}
	if acc.Status != bot.AccountActive {
		t.Errorf("account status %s after many code requests, want active", acc.Status)
	}
	if _, err := h.env.Dir.SignIn(h.ctx, "olivia.active", demoPassword); err != nil {
		t.Errorf("sign in with the old password after code requests: %v", err)
	}
}

func TestConversationLockHandsOff(t *testing.T) {
	h := newHarnessWith(t, func(l *bot.Limits) { l.ConversationFailures = 2 }, nil)
	c := h.open("reset_password")
	c.requestCode(olivia)
	c.say(c.wrongCode())
	c.say(c.wrongCode())
	evs := c.say(c.code()) // the right one, too late
	conv := c.conv()
	if conv.Status != bot.StatusQueued || conv.Reason != "locked" {
		t.Errorf("conversation %s reason %q, want queued for locked (bot said %q)", conv.Status, conv.Reason, botText(evs))
	}
	if conv.Subject != "" {
		t.Errorf("locked conversation verified as %q", conv.Subject)
	}
	if got := c.audited("verify.locked"); len(got) != 1 || got[0] != "locked/conversation" {
		t.Errorf("verify.locked audit %v, want [locked/conversation]", got)
	}
	if got := c.audited("handoff"); len(got) != 1 || !strings.HasSuffix(got[0], " locked") {
		t.Errorf("handoff audit %v, want one with reason locked", got)
	}
	if !statusSeen(evs, bot.StatusQueued) {
		t.Errorf("client was not told the conversation is queued: %+v", evs)
	}
}

func TestIPLockHandsOffEveryConversationFromThatAddress(t *testing.T) {
	const spray, other = "198.51.100.7", "203.0.113.9"
	h := newHarnessWith(t, func(l *bot.Limits) { l.IPFailures = 3 }, nil)
	a := h.openFrom("reset_password", spray)
	a.requestCode(olivia)
	for range 3 {
		a.say(a.wrongCode())
	}

	b := h.openFrom("reset_password", spray)
	b.requestCode(marcus)
	b.say(b.code()) // right code, wrong address
	if conv := b.conv(); conv.Status != bot.StatusQueued || conv.Reason != "locked" || conv.Subject != "" {
		t.Errorf("same address: %s reason %q subject %q, want queued for locked, unverified", conv.Status, conv.Reason, conv.Subject)
	}
	if got := b.audited("verify.locked"); len(got) != 1 || got[0] != "locked/ip" {
		t.Errorf("verify.locked audit %v, want [locked/ip]", got)
	}

	c := h.openFrom("reset_password", other)
	c.requestCode(marcus)
	c.say(c.code())
	if got := c.state(); got != "reset_password.ask_password" {
		t.Errorf("another address: state %s, want reset_password.ask_password", got)
	}

	// The window passes and the address may try again.
	h.env.Clock.Advance(bot.DefaultLimits().FailureWindow + time.Second)
	d := h.openFrom("reset_password", spray)
	d.requestCode(marcus)
	d.say(d.code())
	if got := d.state(); got != "reset_password.ask_password" {
		t.Errorf("same address after the window: state %s, want reset_password.ask_password", got)
	}
}

func statusSeen(evs []bot.Event, s bot.Status) bool {
	for _, ev := range evs {
		if ev.Status != nil && ev.Status.Status == s {
			return true
		}
	}
	return false
}
