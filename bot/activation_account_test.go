package bot_test

import (
	"context"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/patients"
)

// TestActivationCodeNeedsAPendingAccount: the right code verifies only
// while the account is pending and the code is live; a used code (the
// account was activated), a disabled account and an expired code all look
// like a wrong code.
func TestActivationCodeNeedsAPendingAccount(t *testing.T) {
	for _, tt := range []struct {
		name     string
		prepare  func(h *harness, record string)
		verifies bool
	}{
		{name: "pending", verifies: true},
		{name: "activated since", prepare: func(h *harness, record string) {
			if err := h.env.Dir.Activate(h.ctx, record, "ana.testcase", demoPassword, "k1"); err != nil {
				h.t.Fatal(err)
			}
		}},
		{name: "disabled by staff", prepare: func(h *harness, record string) {
			if _, err := h.env.DB.UpdatePatient(h.ctx, record, "", func(p *patients.Patient) error {
				p.Status = bot.AccountDisabled
				return nil
			}); err != nil {
				h.t.Fatal(err)
			}
		}},
		{name: "expired", prepare: func(h *harness, _ string) {
			h.env.Clock.Advance(patients.DefaultActivationTTL)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			ana := h.recordID(anaT.MRN)
			if tt.prepare != nil {
				tt.prepare(h, ana)
			}
			c := h.activationTry(anaT, anasCode)
			if got := c.conv().Subject == ana; got != tt.verifies {
				t.Errorf("Ana's code: verified %v (state %s), want %v", got, c.state(), tt.verifies)
			}
		})
	}
}

// spyDirectory is the real directory, counting the account changes that
// reach it.
type spyDirectory struct {
	bot.Directory
	activations, resets int
}

func (s *spyDirectory) Activate(ctx context.Context, record, username, password, key string) error {
	s.activations++
	return s.Directory.Activate(ctx, record, username, password, key)
}

func (s *spyDirectory) SetPassword(ctx context.Context, record, password, key string) error {
	s.resets++
	return s.Directory.SetPassword(ctx, record, password, key)
}

// TestActivationRunsThePolicyFirstAndDropsTheCode: a password Portico's
// policy refuses never reaches the directory; once the account is
// activated, its activation code is gone.
func TestActivationRunsThePolicyFirstAndDropsTheCode(t *testing.T) {
	spy := &spyDirectory{}
	h := newHarnessWith(t, nil, func(d bot.Directory) bot.Directory { spy.Directory = d; return spy })
	ana := h.recordID(anaT.MRN)
	c := h.activationTry(anaT, anasCode)
	if got := c.state(); got != "activate_account.ask_username" {
		t.Fatalf("after Ana's code: state %s, want activate_account.ask_username", got)
	}
	c.say("ana.testcase")
	c.say("password password") // common, repetitive: the policy's
	if got := c.state(); got != "activate_account.password_rejected" || spy.activations != 0 {
		t.Fatalf("a weak password: state %s, %d activations reached the directory; want password_rejected and none", got, spy.activations)
	}
	c.say(demoPassword)
	if got := c.state(); got != "activate_account.done" || spy.activations != 1 {
		t.Fatalf("a good password: state %s, %d activations; want done and 1", got, spy.activations)
	}
	codes, err := h.env.DB.ActivationCodes(h.ctx, []string{ana})
	if err != nil || len(codes) != 0 {
		t.Errorf("after activation: codes %+v, %v; want Ana's gone", codes, err)
	}
}

// TestResetRunsThePolicyFirst: the same for a new password.
func TestResetRunsThePolicyFirst(t *testing.T) {
	spy := &spyDirectory{}
	h := newHarnessWith(t, nil, func(d bot.Directory) bot.Directory { spy.Directory = d; return spy })
	c := h.open("reset_password")
	c.verify(olivia)
	c.say("olivia activeuser garden") // holds her name
	if got := c.state(); got == "reset_password.done" || spy.resets != 0 {
		t.Fatalf("a password with her name: state %s, %d resets reached the directory; want refused before it", got, spy.resets)
	}
	c.say("violet lanterns over harbor")
	if spy.resets != 1 {
		t.Errorf("a good password: %d resets reached the directory, want 1", spy.resets)
	}
}
