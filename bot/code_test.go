package bot_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/portico-chat/portico/bot"
)

func TestCodeIsSixDigitsStoredOnlyAsASaltedHash(t *testing.T) {
	h := newHarness(t)
	seen := map[string]bool{}
	for i := range 3 {
		c := h.open("reset_password")
		c.requestCode(olivia)
		ds := c.deliveries()
		if len(ds) != 1 || ds[0].Channel != "email" || ds[0].To != "olivia.active@example.org" {
			t.Fatalf("chat %d deliveries %+v, want one email to the address on file", i, ds)
		}
		code := otpPattern.FindString(ds[0].Text)
		if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("delivered %q, want a 6-digit code in it", ds[0].Text)
		}
		if !strings.Contains(ds[0].Text, "expires in 10 minutes") || strings.Contains(ds[0].Text, "Olivia") {
			t.Errorf("code text %q, want the expiry and no name", ds[0].Text)
		}
		seen[code] = true
		rows := c.codeRows()
		if len(rows) != 1 {
			t.Fatalf("%d code rows, want 1", len(rows))
		}
		r := rows[0]
		if len(r.Salt) < 16 || len(r.Hash) < 32 {
			t.Errorf("salt %d bytes, hash %d bytes; want ≥ 16 and ≥ 32", len(r.Salt), len(r.Hash))
		}
		if bytes.Contains(r.Hash, []byte(code)) || bytes.Contains(r.Salt, []byte(code)) {
			t.Errorf("stored code row holds the code in clear")
		}
		if unsalted := sha256.Sum256([]byte(code)); bytes.Equal(r.Hash, unsalted[:]) {
			t.Errorf("stored hash is the unsalted SHA-256 of the code")
		}
		if r.Subject != h.recordID(olivia.MRN) {
			t.Errorf("code subject %q, want Olivia's record", r.Subject)
		}
	}
	if len(seen) < 2 {
		t.Errorf("three codes were %v, want them to differ", seen)
	}
}

func TestCodeExpiresAfterTTL(t *testing.T) {
	ttl := bot.DefaultLimits().CodeTTL
	tests := []struct {
		wait      time.Duration
		wantState string
		wantAudit string
	}{
		{0, "reset_password.ask_password", "ok/otp_email"},
		{ttl - time.Second, "reset_password.ask_password", "ok/otp_email"},
		{ttl + time.Second, "verify_attempt.expired", "expired/otp"},
		{time.Hour, "verify_attempt.expired", "expired/otp"},
	}
	for _, tt := range tests {
		t.Run(tt.wait.String(), func(t *testing.T) {
			h := newHarness(t)
			c := h.open("reset_password")
			c.requestCode(olivia)
			h.env.Clock.Advance(tt.wait)
			evs := c.say(c.code())
			if got := c.state(); got != tt.wantState {
				t.Errorf("state %s, want %s (bot said %q)", got, tt.wantState, botText(evs))
			}
			if got := c.audited("verify.attempt"); len(got) != 1 || got[0] != tt.wantAudit {
				t.Errorf("verify.attempt audit %v, want [%s]", got, tt.wantAudit)
			}
			if tt.wantState == "verify_attempt.expired" && !strings.Contains(botText(evs), "That code has expired") {
				t.Errorf("bot said %q, want it to say the code expired", botText(evs))
			}
		})
	}
}

func TestExpiredCodeIsReplacedAndTheOldOneStaysDead(t *testing.T) {
	h := newHarness(t)
	c := h.open("reset_password")
	c.requestCode(olivia)
	old := c.code()
	h.env.Clock.Advance(bot.DefaultLimits().CodeTTL + time.Second)
	c.say(old)
	c.reply("yes")
	c.reply("email")
	codes := c.codes()
	if len(codes) != 2 {
		t.Fatalf("%d codes delivered, want 2", len(codes))
	}
	if old == codes[1] {
		t.Skip("the new code happens to equal the old one (1 in a million)")
	}
	c.say(old)
	if got := c.state(); got != "verify_attempt.wrong_code" {
		t.Errorf("old code after a new one was sent: state %s, want verify_attempt.wrong_code", got)
	}
	c.say(codes[1])
	if got := c.state(); got != "reset_password.ask_password" {
		t.Errorf("new code: state %s, want reset_password.ask_password", got)
	}
}

func TestNewCodeVoidsTheEarlierOne(t *testing.T) {
	// Pauses are out of the way so that the second code is delivered.
	h := newHarnessWith(t, func(l *bot.Limits) { l.FailuresBeforePause = 1000 }, nil)
	c := h.open("reset_password")
	c.requestCode(olivia)
	first := c.code()
	for range bot.DefaultLimits().CodeMaxTries {
		c.say(c.wrongCode())
	}
	if got := c.state(); got != "verify_attempt.how" {
		t.Fatalf("after %d wrong codes: state %s, want the second attempt's first question", bot.DefaultLimits().CodeMaxTries, got)
	}
	c.requestCode(olivia)
	second := c.code()
	if first == second {
		t.Skip("the two codes happen to be equal (1 in a million)")
	}
	rows := c.codeRows()
	if len(rows) != 2 || !rows[0].Voided || rows[1].Voided {
		t.Fatalf("code rows %+v, want the first voided and the second active", rows)
	}
	c.say(first)
	if got := c.state(); got != "verify_attempt.wrong_code" {
		t.Errorf("voided code: state %s, want verify_attempt.wrong_code", got)
	}
	c.say(second)
	if got := c.state(); got != "reset_password.ask_password" {
		t.Errorf("new code: state %s, want reset_password.ask_password", got)
	}
}

func TestAtMostCodeMaxTriesWrongCodes(t *testing.T) {
	max := bot.DefaultLimits().CodeMaxTries
	h := newHarness(t)
	c := h.open("reset_password")
	c.requestCode(olivia)
	for i := 1; i <= max; i++ {
		evs := c.say(c.wrongCode())
		said := botText(evs)
		if i < max && !strings.Contains(said, "That code did not work") {
			t.Errorf("wrong code %d: bot said %q, want a new try", i, said)
		}
		if i == max && !strings.Contains(said, "Let's try your details once more") {
			t.Errorf("wrong code %d: bot said %q, want the attempt to fail", i, said)
		}
	}
	if got := c.audited("verify.attempt"); len(got) != max {
		t.Errorf("verify.attempt audit %v, want %d failures", got, max)
	}
	if rows := c.codeRows(); len(rows) != 1 || rows[0].Tries != max || rows[0].Used {
		t.Errorf("code rows %+v, want one with %d tries, unused", rows, max)
	}
}

func TestCodeIsBoundToItsConversation(t *testing.T) {
	h := newHarness(t)
	a := h.open("reset_password")
	b := h.open("reset_password")
	a.requestCode(olivia)
	b.requestCode(olivia)
	codeA, codeB := a.code(), b.code()
	if codeA == codeB {
		t.Skip("the two codes happen to be equal (1 in a million)")
	}
	b.say(codeA)
	if got := b.state(); got != "verify_attempt.wrong_code" {
		t.Errorf("A's code typed in B: state %s, want verify_attempt.wrong_code", got)
	}
	b.say(codeB)
	if got := b.state(); got != "reset_password.ask_password" {
		t.Errorf("B's code in B: state %s, want reset_password.ask_password", got)
	}
	a.say(codeA)
	if got := a.state(); got != "reset_password.ask_password" {
		t.Errorf("A's code in A after B used its own: state %s, want reset_password.ask_password", got)
	}
}

func TestCodeIsConsumedExactlyOnce(t *testing.T) {
	h := newHarness(t)
	c := h.open("reset_password")
	c.requestCode(olivia)
	row := c.codeRows()[0]

	const racers = 20
	errs := make([]error, racers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = h.env.DB.ConsumeCode(h.ctx, row.ID, h.env.Clock.Now())
		}()
	}
	close(start)
	wg.Wait()
	ok, conflicts := 0, 0
	for _, err := range errs {
		switch bot.ErrorCode(err) {
		case "":
			ok++
		case bot.ECONFLICT:
			conflicts++
		default:
			t.Errorf("consume: %v, want nil or a conflict", err)
		}
	}
	if ok != 1 || conflicts != racers-1 {
		t.Errorf("%d consumed and %d conflicts, want 1 and %d", ok, conflicts, racers-1)
	}

	// The right code, once used, no longer verifies.
	c.say(c.code())
	if got := c.state(); got != "verify_attempt.wrong_code" {
		t.Errorf("a used code: state %s, want verify_attempt.wrong_code", got)
	}
	if got := c.conv().Subject; got != "" {
		t.Errorf("subject %q after a used code, want none", got)
	}
}

// TestNoMatchNeverVerifies: a conversation whose demographics matched
// nobody gets a code row without a subject, no delivery, and even the
// right digits for that row would not verify it.
func TestNoMatchNeverVerifies(t *testing.T) {
	h := newHarness(t)
	c := h.open("reset_password")
	said := c.requestCode(nobody)
	if !strings.Contains(said, "If the details match our records, we have sent a code to the email on file") {
		t.Errorf("bot said %q, want the same text as for a match", said)
	}
	if ds := c.deliveries(); len(ds) != 0 {
		t.Errorf("deliveries %+v, want none", ds)
	}
	rows := c.codeRows()
	if len(rows) != 1 || rows[0].Subject != "" {
		t.Fatalf("code rows %+v, want one with no subject", rows)
	}
	if got := c.audited("code.issued"); len(got) != 1 || got[0] != "suppressed/no_match" {
		t.Errorf("code.issued audit %v, want [suppressed/no_match]", got)
	}

	// Plant a code whose digits we know in both this conversation and a
	// matching one. The matching one is the control: it shows the planted
	// code is built the way the engine checks codes.
	const digits = "424242"
	plant := func(c *chat, subject string) {
		t.Helper()
		salt := make([]byte, 16)
		rand.Read(salt)
		sum := sha256.New()
		sum.Write(salt)
		sum.Write([]byte(digits))
		conv := c.conv()
		conv.UpdatedAt = h.env.Clock.Now()
		err := h.env.DB.Commit(h.ctx, &bot.Turn{Conversation: conv, Codes: []bot.Code{{
			ID: "planted-" + c.id, ConversationID: c.id, Purpose: "verify", Subject: subject, Channel: "email",
			Salt: salt, Hash: sum.Sum(nil), ExpiresAt: h.env.Clock.Now().Add(time.Minute), CreatedAt: h.env.Clock.Now(),
		}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	control := h.open("reset_password")
	control.requestCode(olivia)
	plant(control, h.recordID(olivia.MRN))
	plant(c, "")

	// Fresh engine: nothing cached from before the planting.
	fresh := h.engine(bot.DefaultConfig(), h.env.Dir)
	for _, cc := range []*chat{control, c} {
		if err := fresh.Say(h.ctx, cc.id, nil, bot.Say{ID: "planted", Text: digits, Source: testIP}); err != nil {
			t.Fatal(err)
		}
	}
	if got := control.state(); got != "reset_password.ask_password" {
		t.Fatalf("control with the planted code: state %s, want reset_password.ask_password", got)
	}
	if got := c.state(); got != "verify_attempt.wrong_code" {
		t.Errorf("no-match conversation with the right digits: state %s, want verify_attempt.wrong_code", got)
	}
	if got := c.conv().Subject; got != "" {
		t.Errorf("no-match conversation verified as %q", got)
	}
}

// stubborn is a flow that, unlike the built-in ones, asks for the code
// again after the check fails for good: the code itself must then refuse.
const stubborn = `name: stubborn
title: {en: Stubborn}
triggers: {en: [stubborn]}
slots:
  first_name: {type: name}
  last_name: {type: name}
  dob: {type: date}
  zip: {type: zip}
  channel: {type: choice}
  otp: {type: code}
start: ask_first
states:
  ask_first:
    say: {en: "First name?"}
    ask: first_name
    on: {ok: ask_last, exhausted: done}
  ask_last:
    say: {en: "Last name?"}
    ask: last_name
    on: {ok: ask_dob, exhausted: done}
  ask_dob:
    say: {en: "Date of birth?"}
    ask: dob
    on: {ok: ask_zip, exhausted: done}
  ask_zip:
    say: {en: "ZIP?"}
    ask: zip
    on: {ok: find, exhausted: done}
  find:
    action: find_by_name
    with: {first_name: first_name, last_name: last_name, dob: dob, zip: zip}
    on: {done: ask_channel}
  ask_channel:
    say: {en: "Where?"}
    ask: channel
    replies:
      - {value: email, label: {en: Email}}
    on: {email: send, exhausted: done}
  send:
    action: send_code
    with: {channel: channel}
    on: {sent: ask_code, too_many: done}
  ask_code:
    say: {en: "Code?"}
    ask: otp
    on: {ok: check, exhausted: done}
  check:
    action: check_code
    with: {otp: otp}
    on: {verified: yes, wrong: ask_code, expired: done, failed: ask_code, locked: done}
  "yes":
    say: {en: "Verified."}
    end: resolved
  done:
    say: {en: "Bye."}
    end: unresolved
`

func TestCodeDiesAfterCodeMaxTriesWhateverTheFlow(t *testing.T) {
	max := bot.DefaultLimits().CodeMaxTries
	tests := []struct {
		wrong        int
		wantVerified bool
	}{
		{0, true},
		{max - 1, true},
		{max, false},
		{max + 2, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.wrong), func(t *testing.T) {
			h := newHarness(t)
			cfg := bot.DefaultConfig()
			cfg.GreetingFlow = "stubborn"
			// Only the code's own limit is left in the way.
			cfg.Limits.FailuresBeforePause, cfg.Limits.ConversationFailures, cfg.Limits.IPFailures = 1000, 1000, 1000
			h.eng = h.engineWithFlows(cfg, h.env.Dir, fstest.MapFS{"stubborn.yaml": {Data: []byte(stubborn)}})
			c := h.open("stubborn")
			for _, s := range []string{olivia.First, olivia.Last, olivia.DOB, olivia.ZIP} {
				c.say(s)
			}
			c.reply("email")
			for range tt.wrong {
				c.say(c.wrongCode())
			}
			c.say(c.code())
			if got := c.conv().Subject != ""; got != tt.wantVerified {
				t.Errorf("right code after %d wrong: verified %v, want %v", tt.wrong, got, tt.wantVerified)
			}
		})
	}
}
