package bot_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"

	"github.com/portico-chat/portico/bot"
)

// burst sends one say in each chat at the same instant (text(i) in
// chats[i]) and waits for every turn. It is what an attacker with many
// conversations does: the limits must hold all the same.
func (h *harness) burst(chats []*chat, say func(i int, c *chat) bot.Say) {
	h.t.Helper()
	start := make(chan struct{})
	errs := make([]error, len(chats))
	var wg sync.WaitGroup
	for i, c := range chats {
		s := say(i, c)
		s.ID = fmt.Sprintf("burst-%d", i)
		s.Source = c.source
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = h.eng.Say(h.ctx, c.id, &recorder{}, s)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			h.t.Fatalf("chat %d: say: %v", i, err)
		}
	}
}

// notTheCode returns a six-digit code that is not the chat's active one,
// even when that code was never delivered (the hash is SHA-256(salt ‖
// code), docs/security.md).
func (c *chat) notTheCode() string {
	c.h.t.Helper()
	rows := c.codeRows()
	if len(rows) == 0 {
		c.h.t.Fatalf("conversation %s holds no code", c.id)
	}
	active := rows[len(rows)-1]
	for i := 0; ; i++ {
		guess := fmt.Sprintf("%06d", (i*7919+101)%1000000)
		sum := sha256.Sum256(append(append([]byte(nil), active.Salt...), guess...))
		if !bytes.Equal(sum[:], active.Hash) {
			return guess
		}
	}
}

// TestConcurrentWrongCodesHoldEveryLimit: 100 conversations from one
// address each hold a code for the same patient and all send a wrong code
// at once. The address's limit (IPFailures) stops all but 50 of them
// before any code is compared, and of those only FailuresBeforePause are
// compared against the record: the rest find it paused.
func TestConcurrentWrongCodesHoldEveryLimit(t *testing.T) {
	const n = 100
	h := newHarness(t)
	lim := bot.DefaultLimits()
	chats := make([]*chat, n)
	for i := range chats {
		chats[i] = h.open("reset_password")
		chats[i].requestCode(olivia)
	}
	guesses := make([]string, n)
	for i, c := range chats {
		guesses[i] = c.notTheCode()
	}
	h.burst(chats, func(i int, _ *chat) bot.Say { return bot.Say{Text: guesses[i]} })

	var locked, paused, compared int
	for i, c := range chats {
		conv := c.conv()
		switch {
		case conv.Status == bot.StatusQueued && conv.Reason == "locked":
			locked++
		case conv.Slots["_handoff_why"] == "record_paused":
			paused++
		case c.state() == "verify_attempt.wrong_code":
			compared++
		default:
			t.Errorf("chat %d: state %s, status %s, reason %q: want locked, paused or wrong_code", i, c.state(), conv.Status, conv.Reason)
		}
		if conv.Subject != "" {
			t.Errorf("chat %d verified as %q with a wrong code", i, conv.Subject)
		}
	}
	if want := n - lim.IPFailures; locked != want {
		t.Errorf("%d of %d guesses refused by the address's limit, want exactly %d (IPFailures %d)", locked, n, want, lim.IPFailures)
	}
	if compared != lim.FailuresBeforePause {
		t.Errorf("%d guesses compared against the record, want exactly %d (FailuresBeforePause)", compared, lim.FailuresBeforePause)
	}
	if want := lim.IPFailures - lim.FailuresBeforePause; paused != want {
		t.Errorf("%d guesses found the record paused, want exactly %d", paused, want)
	}
	record := h.recordID(olivia.MRN)
	if got, err := h.env.DB.CountAttempts(h.ctx, bot.RecordFailureKind, record, h.env.Clock.Now().Add(-lim.FailureWindow)); err != nil || got != lim.IPFailures {
		t.Errorf("record failures after the burst: got %d, %v; want %d (every guess past the address's limit counted)", got, err, lim.IPFailures)
	}
}

// TestConcurrentCodeSendsHoldTheRecordsLimits: 40 conversations choose
// "text me a code" for one patient at the same instant. No more codes
// reach her phone than the per-window and per-day limits allow; every
// conversation is told the same thing.
func TestConcurrentCodeSendsHoldTheRecordsLimits(t *testing.T) {
	const n = 40
	tests := []struct {
		name   string
		change func(*bot.Limits)
		want   int
	}{
		{"3 per 15 minutes", nil, bot.DefaultLimits().CodeSendsPerWindow},
		{"10 a day", func(l *bot.Limits) { l.CodeSendsPerWindow = 1000 }, bot.DefaultLimits().CodeSendsPerDay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarnessWith(t, tt.change, nil)
			chats := make([]*chat, n)
			for i := range chats {
				chats[i] = h.open("reset_password")
				chats[i].toChannel(olivia)
			}
			h.burst(chats, func(int, *chat) bot.Say { return bot.Say{Reply: "sms"} })

			sent, suppressed := 0, 0
			for i, c := range chats {
				sent += len(c.codes())
				switch got := c.audited("code.issued"); {
				case len(got) == 1 && got[0] == "sent/sms":
				case len(got) == 1 && got[0] == "suppressed/record_throttled":
					suppressed++
				default:
					t.Errorf("chat %d: code.issued %v, want sent/sms or suppressed/record_throttled", i, got)
				}
				if got := c.state(); got != "verify_attempt.sms_sent" {
					t.Errorf("chat %d: state %s, want verify_attempt.sms_sent (the same reply for all)", i, got)
				}
			}
			if sent != tt.want || suppressed != n-tt.want {
				t.Errorf("%d codes sent and %d suppressed of %d requests, want exactly %d sent", sent, suppressed, n, tt.want)
			}
		})
	}
}
