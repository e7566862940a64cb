package bot_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/flows"
)

const newPassword = "tulip harbor seven lanterns"

// assertPasswordUnchanged checks the demo account still takes the demo
// password and not newPassword, and that no reset was audited.
func assertPasswordUnchanged(t *testing.T, h *harness, c *chat) {
	t.Helper()
	if got := c.audited("password.reset"); len(got) != 0 {
		t.Errorf("password.reset audit %v, want none", got)
	}
	if _, err := h.env.Dir.SignIn(h.ctx, "olivia.active", newPassword); err == nil {
		t.Errorf("signed in with the new password: it was set")
	}
	if _, err := h.env.Dir.SignIn(h.ctx, "olivia.active", demoPassword); err != nil {
		t.Errorf("sign in with the old password: %v, want it to still work", err)
	}
	for _, d := range c.deliveries() {
		if strings.Contains(d.Key, ":password_changed:") {
			t.Errorf("delivery %s queued: a password-changed notice without a change", d.Key)
		}
	}
}

func TestVerifiedIdentityExpiresWhenIdle(t *testing.T) {
	idle := bot.DefaultLimits().VerifiedIdle
	tests := []struct {
		wait      time.Duration
		wantReset bool
	}{
		{idle - time.Second, true},
		{idle + time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.wait.String(), func(t *testing.T) {
			h := newHarness(t)
			c := h.open("reset_password")
			c.verify(olivia)
			h.env.Clock.Advance(tt.wait)
			evs := c.say(newPassword)
			if !tt.wantReset {
				assertPasswordUnchanged(t, h, c)
				if got := c.audited("verify.expired"); len(got) != 1 || got[0] != "expired/idle" {
					t.Errorf("verify.expired audit %v, want [expired/idle]", got)
				}
				conv := c.conv()
				if conv.Subject != "" || !conv.VerifiedAt.IsZero() || conv.VerifiedBy != "" {
					t.Errorf("stored conversation still verified: subject %q at %v by %q", conv.Subject, conv.VerifiedAt, conv.VerifiedBy)
				}
				// The patient is asked to prove who they are again.
				said := botText(evs)
				if !strings.Contains(said, "check who you are again") || c.state() != "verify_attempt.how" {
					t.Errorf("after expiry: state %s, bot said %q; want a new verification", c.state(), said)
				}
				// And can, and then reset.
				c.verify(olivia)
				c.say(newPassword)
			}
			if got := c.audited("password.reset"); len(got) != 1 {
				t.Errorf("password.reset audit %v, want one", got)
			}
			if _, err := h.env.Dir.SignIn(h.ctx, "olivia.active", newPassword); err != nil {
				t.Errorf("sign in with the new password: %v", err)
			}
		})
	}
}

// TestAccountActionsRefuseWithoutVerification: the run-time guard behind
// the validator. The stored conversation is tampered with so that it sits
// at the password question without a verified identity.
func TestAccountActionsRefuseWithoutVerification(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(*bot.Conversation)
	}{
		{"no subject", func(c *bot.Conversation) { c.Subject = "" }},
		{"never verified", func(c *bot.Conversation) { c.VerifiedAt = time.Time{} }},
		{"neither", func(c *bot.Conversation) { c.Subject, c.VerifiedAt, c.VerifiedBy = "", time.Time{}, "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			c := h.open("reset_password")
			c.verify(olivia)
			conv := c.conv()
			tt.tamper(conv)
			conv.UpdatedAt = h.env.Clock.Now()
			if err := h.env.DB.Commit(h.ctx, &bot.Turn{Conversation: conv}); err != nil {
				t.Fatal(err)
			}
			fresh := h.engine(bot.DefaultConfig(), h.env.Dir) // nothing cached
			rec := &recorder{}
			if err := fresh.Say(h.ctx, c.id, rec, bot.Say{ID: "pw", Text: newPassword, Source: testIP}); err != nil {
				t.Fatal(err)
			}
			assertPasswordUnchanged(t, h, c)
			got := c.conv()
			if got.Status != bot.StatusQueued || got.Reason != "error" {
				t.Errorf("conversation %s reason %q, want queued for error", got.Status, got.Reason)
			}
			msgs := c.messages()
			if last := msgs[len(msgs)-1]; last.From != bot.FromSystem || !strings.Contains(last.Text, "something went wrong") {
				t.Errorf("last message %+v, want the system's error text", last)
			}
			if m := msgs[len(msgs)-2]; m.ClientID != "pw" || m.Text != bot.Masked {
				t.Errorf("patient's message %+v, want it stored, masked", m)
			}
		})
	}
}

// TestValidatorRefusesAnUnverifiedPathToAnAccountChange: a flow that can
// reach an account-changing action without verification never loads.
func TestValidatorRefusesAnUnverifiedPathToAnAccountChange(t *testing.T) {
	const shortcut = `name: shortcut
title: {en: Shortcut}
triggers: {en: [shortcut]}
slots:
  new_password: {type: secret, autocomplete: new-password}
start: ask_password
states:
  ask_password:
    say: {en: "New password?"}
    ask: new_password
    on: {ok: set_password, exhausted: done}
  set_password:
    action: reset_password
    with: {password: new_password}
    on: {ok: done, rejected: ask_password}
  done:
    say: {en: "Done."}
    end: resolved
`
	const guarded = `name: guarded
title: {en: Guarded}
triggers: {en: [guarded]}
slots:
  otp: {type: code, autocomplete: one-time-code}
  new_password: {type: secret, autocomplete: new-password}
start: ask_code
states:
  ask_code:
    say: {en: "Code?"}
    ask: otp
    on: {ok: check, exhausted: done}
  check:
    action: check_code
    with: {otp: otp}
    on: {verified: ask_password, wrong: ask_code, expired: done, failed: ask_password, locked: done}
  ask_password:
    say: {en: "New password?"}
    ask: new_password
    on: {ok: set_password, exhausted: done}
  set_password:
    action: reset_password
    with: {password: new_password}
    on: {ok: done, rejected: ask_password}
  done:
    say: {en: "Done."}
    end: resolved
`
	tests := []struct {
		name, src string
	}{
		{"no verification at all", shortcut},
		{"a failed check leads to the password", guarded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{"flow.yaml": {Data: []byte(tt.src)}}
			_, err := flows.ParseSet(fsys, bot.Catalog())
			if err == nil || !strings.Contains(err.Error(), "changes the account") {
				t.Fatalf("ParseSet: %v, want a refusal naming the account change", err)
			}
			h := newHarness(t)
			if _, err := bot.LoadFlows(h.ctx, h.env.DB, fsys, "test"); err == nil {
				t.Errorf("LoadFlows accepted the flow")
			}
		})
	}
	// The control: the same flow with the failure going elsewhere loads.
	fixed := strings.Replace(guarded, "failed: ask_password", "failed: done", 1)
	if _, err := flows.ParseSet(fstest.MapFS{"flow.yaml": {Data: []byte(fixed)}}, bot.Catalog()); err != nil {
		t.Errorf("ParseSet of the verified flow: %v", err)
	}
}
