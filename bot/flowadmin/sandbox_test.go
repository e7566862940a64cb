package flowadmin_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
)

// counts reads the real database's row counts that a sandbox must never
// change.
func (e *env) counts(t *testing.T) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"directory_patients", "outbox", "conversations", "codes", "audit"} {
		var n int
		if err := e.db.Reader().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

func TestSandboxUsesTestPatientsAndCapturesDeliveries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	before := e.counts(t)
	f, _ := e.fl.Current("reset_password")
	e.draft(t, "reset_password", strings.Replace(string(f.Source), "Please choose a new password.", "SANDBOX: choose a new password.", 1), "")

	turn, err := e.svc.StartSandbox(ctx, "reset_password", e.admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(turn.Messages) == 0 || !strings.Contains(turn.Messages[len(turn.Messages)-1].Text, "find your record") {
		t.Fatalf("sandbox opened with %+v, want the lookup question", turn.Messages)
	}
	var last flowadmin.SandboxTurn
	for _, step := range []struct{ text, reply string }{
		{reply: "name"}, {text: "Olivia"}, {text: "Activeuser"}, {text: "05/17/1985"}, {text: "02139"}, {reply: "email"},
	} {
		last, err = e.svc.SandboxSay(ctx, turn.ID, e.admin, step.text, step.reply)
		if err != nil {
			t.Fatalf("say %+v: %v", step, err)
		}
	}
	if len(last.Deliveries) != 1 || last.Deliveries[0].Channel != "email" {
		t.Fatalf("deliveries %+v, want the one email code", last.Deliveries)
	}
	code := sixDigits.FindString(last.Deliveries[0].Text)
	last, err = e.svc.SandboxSay(ctx, turn.ID, e.admin, code, "")
	if err != nil {
		t.Fatal(err)
	}
	if last.State != "reset_password.ask_password" || !strings.Contains(last.Messages[len(last.Messages)-1].Text, "SANDBOX: choose") {
		t.Errorf("after the code: state %s, said %+v; want the draft's ask_password", last.State, last.Messages)
	}
	if len(last.Deliveries) != 0 {
		t.Errorf("deliveries shown again: %+v", last.Deliveries)
	}
	if after := e.counts(t); !equalCounts(before, after) {
		t.Errorf("the real database changed: before %v, after %v", before, after)
	}

	other := flowadmin.Actor{Who: "admin:eve"}
	if _, err := e.svc.SandboxSay(ctx, turn.ID, other, "hi", ""); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("another admin's say: got %v, want ENOTFOUND", err)
	}
}

func equalCounts(a, b map[string]int) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestSandboxesExpireAndAreBounded(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var ids []string
	for range flowadmin.MaxSandboxes {
		turn, err := e.svc.StartSandbox(ctx, "forgot_username", e.admin)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, turn.ID)
	}
	if _, err := e.svc.StartSandbox(ctx, "forgot_username", e.admin); bot.ErrorCode(err) != bot.ERATELIMITED {
		t.Fatalf("sandbox %d: got %v, want ERATELIMITED", flowadmin.MaxSandboxes+1, err)
	}
	e.clock.Advance(flowadmin.SandboxIdle - 1)
	if _, err := e.svc.SandboxSay(ctx, ids[0], e.admin, "", "name"); err != nil {
		t.Fatalf("say just before expiry: %v", err)
	}
	e.clock.Advance(2)
	e.svc.SweepSandboxes()
	if got := e.svc.OpenSandboxes(); got != 1 {
		t.Errorf("%d sandboxes open after the idle limit, want 1 (the one used)", got)
	}
	if _, err := e.svc.SandboxSay(ctx, ids[1], e.admin, "hi", ""); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("say to an expired sandbox: got %v, want ENOTFOUND", err)
	}
	if err := e.svc.EndSandbox(ids[0], e.admin); err != nil {
		t.Fatal(err)
	}
	if got := e.svc.OpenSandboxes(); got != 0 {
		t.Errorf("%d sandboxes open after ending the last, want 0", got)
	}
}
