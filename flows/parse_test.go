package flows

import (
	"errors"
	"strings"
	"testing"
)

// testCat is a small catalog for the loader's tests.
var testCat = Catalog{
	"lookup": {Inputs: []string{"dob"}, Outcomes: []string{"done"}},
	"check":  {Inputs: []string{"otp"}, Outcomes: []string{"verified", "wrong"}, Outputs: []string{"masked_email"}, Verifies: "verified"},
	"set":    {Inputs: []string{"password"}, Outcomes: []string{"ok", "rejected"}, Outputs: []string{"reason"}, ChangesAccount: true},
}

// problemsOf parses src and returns its problems as lines.
func problemsOf(t *testing.T, src string) []string {
	t.Helper()
	_, err := Parse("t.yaml", []byte(src), testCat)
	if err == nil {
		return nil
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("Parse error is %T, want Problems: %v", err, err)
	}
	return strings.Split(ps.Error(), "\n")
}

func TestParseValid(t *testing.T) {
	src := `name: demo
title: {en: Demo, es: Demostración}
triggers:
  en: [do the demo]
slots:
  dob: {type: date, hint: {en: MM/DD/YYYY}}
  otp: {type: code, length: 8}
  pick: {type: choice}
start: hello
states:
  hello:
    say: {en: "Hi"}
    next: ask_dob
  ask_dob:
    ask: dob
    tries: 5
    on: {ok: find, exhausted: person}
  find:
    action: lookup
    with: {dob: dob}
    on: {done: menu}
  menu:
    say: {en: "Pick one"}
    ask: pick
    replies:
      - {value: a, label: {en: A}}
      - {value: b, label: {en: B}}
    on: {a: sent, b: bye, exhausted: person}
  sent:
    say: {en: "Code sent to {masked_email}"}
    ask: otp
    on: {ok: check, exhausted: person}
  check:
    action: check
    with: {otp: otp}
    on: {verified: bye, wrong: sent}
  bye:
    say: {en: "Bye, {masked_email}. {reason}"}
    end: resolved
  person:
    handoff: {queue: portal-support, reason: retries_exhausted}
`
	_, err := Parse("demo.yaml", []byte(src+"  unused_reason:\n    action: set\n    with: {password: dob}\n    on: {ok: bye, rejected: bye}\n"), testCat)
	if err == nil || !strings.Contains(err.Error(), `state "unused_reason" cannot be reached`) {
		t.Fatalf("with an unreachable state: got %v, want only the unreachable problem", err)
	}
	f, err := Parse("demo.yaml", []byte(strings.Replace(src, "{reason}", "", 1)), testCat)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"name", f.Name, "demo"},
		{"start", f.Start, "hello"},
		{"order", strings.Join(f.Order, " "), "hello ask_dob find menu sent check bye person"},
		{"title es", f.Title.In("es"), "Demostración"},
		{"title fallback", f.Title.In("fr"), "Demo"},
		{"say kind", f.States["hello"].Kind, KindSay},
		{"next is on ok", f.States["hello"].On[OutcomeOK], "ask_dob"},
		{"ask tries", f.States["ask_dob"].Tries, 5},
		{"default tries", f.States["sent"].Tries, DefaultTries},
		{"code length", f.Slots["otp"].Length, 8},
		{"output slot declared", f.Slots["masked_email"].Type, SlotText},
		{"hint", f.Slots["dob"].Hint.In("en"), "MM/DD/YYYY"},
		{"reply label", f.States["menu"].Replies[1].Label.In("en"), "B"},
		{"handoff queue", f.States["person"].Queue, "portal-support"},
		{"handoff reason", f.States["person"].Reason, "retries_exhausted"},
		{"end", f.States["bye"].End, "resolved"},
		{"with", f.States["find"].With["dob"], "dob"},
		{"state pos", f.States["find"].Pos, Pos{Line: 18, Col: 3}},
		{"trigger", f.Triggers["en"][0], "do the demo"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}
