package flows

import (
	"strings"
	"testing"
	"testing/fstest"
)

// Flows for the set tests, on testCat.
const (
	subFlow = `name: sub
slots:
  otp: {type: code}
start: ask
states:
  ask:
    ask: otp
    on: {ok: check, exhausted: gave_up}
  check:
    action: check
    with: {otp: otp}
    on: {verified: yes_it_is, wrong: gave_up}
  yes_it_is: {return: verified}
  gave_up: {return: failed}
`
	mainFlow = `name: main
slots:
  pw: {type: secret}
start: verify
states:
  verify:
    call: sub
    on: {verified: ask_pw, failed: bye}
  ask_pw:
    ask: pw
    on: {ok: set_pw, exhausted: bye}
  set_pw:
    action: set
    with: {password: pw}
    on: {ok: bye, rejected: ask_pw}
  bye: {end: resolved}
`
)

func setOf(t *testing.T, files map[string]string) (*Set, []string) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(src)}
	}
	s, err := ParseSet(fsys, testCat)
	if err == nil {
		return s, nil
	}
	return nil, strings.Split(err.Error(), "\n")
}

func TestParseSetProblems(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "valid",
			files: map[string]string{"main.yaml": mainFlow, "sub.yaml": subFlow, "README.md": "not a flow"},
		},
		{
			name:  "problems in two files are all reported",
			files: map[string]string{"a.yaml": "name: a\n", "b.yaml": "name: b\nstart: x\n"},
			want: []string{
				`a.yaml:1:1: missing "start"`,
				`a.yaml:1:1: missing "states"`,
				`b.yaml:1:1: missing "states"`,
			},
		},
		{
			name:  "duplicate flow name",
			files: map[string]string{"a.yaml": subFlow, "b.yaml": subFlow},
			want:  []string{`b.yaml:1:7: flow "sub" is already defined in a.yaml`},
		},
		{
			name:  "unknown call and goto targets",
			files: map[string]string{"a.yaml": "name: a\nstart: s\nstates:\n  s:\n    call: verfy\n    on: {ok: t}\n  t: {goto: mian}\n"},
			want: []string{
				`a.yaml:5:11: unknown flow "verfy"`,
				`a.yaml:7:13: unknown flow "mian"`,
			},
		},
		{
			name: "call outcomes must be exactly the callee's returns",
			files: map[string]string{"sub.yaml": subFlow,
				"a.yaml": "name: a\nstart: s\nstates:\n  s:\n    call: sub\n    on: {verified: t, faild: t}\n  t: {end: resolved}\n"},
			want: []string{
				`a.yaml:4:3: state "s" has no branch for outcome "failed" of flow "sub"`,
				`a.yaml:6:23: flow "sub" never returns "faild" (did you mean "failed"?); it returns "failed" and "verified"`,
			},
		},
		{
			name: "calling a flow that never returns",
			files: map[string]string{"b.yaml": "name: b\nstart: s\nstates:\n  s: {end: resolved}\n",
				"a.yaml": "name: a\nstart: s\nstates:\n  s:\n    call: b\n    on: {ok: t}\n  t: {end: resolved}\n"},
			want: []string{`a.yaml:5:11: flow "b" never returns, so it cannot be called; use goto`},
		},
		{
			name: "call cycle",
			files: map[string]string{
				"a.yaml": "name: a\nstart: s\nstates:\n  s:\n    call: b\n    on: {done: t}\n  t: {return: done}\n",
				"b.yaml": "name: b\nstart: s\nstates:\n  s:\n    call: a\n    on: {done: t}\n  t: {return: done}\n",
			},
			want: []string{`b.yaml:5:11: call cycle: a → b → a`},
		},
		{
			name: "account changed without verification",
			files: map[string]string{"sub.yaml": subFlow,
				"main.yaml": strings.Replace(mainFlow, "failed: bye}", "failed: ask_pw}", 1)},
			want: []string{`main.yaml:12:3: state "set_pw" runs "set", which changes the account, but can be reached without verification: verify → ask_pw → set_pw`},
		},
		{
			name: "callee that can return verified without verifying",
			files: map[string]string{"main.yaml": mainFlow,
				"sub.yaml": strings.Replace(subFlow, "exhausted: gave_up}", "exhausted: yes_it_is}", 1)},
			want: []string{`main.yaml:12:3: state "set_pw" runs "set", which changes the account, but can be reached without verification: verify → ask_pw → set_pw`},
		},
		{
			name: "account changed in a flow entered by goto",
			files: map[string]string{"sub.yaml": subFlow, "main.yaml": mainFlow,
				"g.yaml": "name: g\nslots:\n  pw: {type: secret}\nstart: s\nstates:\n  s:\n    ask: pw\n    on: {ok: set_pw, exhausted: t}\n  set_pw:\n    action: set\n    with: {password: pw}\n    on: {ok: t, rejected: t}\n  t: {goto: main}\n"},
			want: []string{`g.yaml:9:3: state "set_pw" runs "set", which changes the account, but can be reached without verification: s → set_pw`},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, got := setOf(t, c.files)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestSetAdd(t *testing.T) {
	s, problems := setOf(t, map[string]string{"main.yaml": mainFlow, "sub.yaml": subFlow})
	if problems != nil {
		t.Fatalf("ParseSet: %v", problems)
	}
	before, _ := s.Get("sub")

	// A new version of sub that no longer returns "failed" breaks main.
	broken, err := Parse("sub.yaml", []byte(strings.Replace(subFlow, "gave_up: {return: failed}", "gave_up: {end: unresolved}", 1)), testCat)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	err = s.Add(broken)
	want := `main.yaml:8:28: flow "sub" never returns "failed"; it returns "verified"`
	if err == nil || err.Error() != want {
		t.Fatalf("Add(broken) = %v, want %s", err, want)
	}
	if got, _ := s.Get("sub"); got != before {
		t.Fatalf("a failed Add changed the set")
	}

	// A compatible new version replaces the old one.
	next, err := Parse("sub.yaml", []byte(strings.Replace(subFlow, "ask:\n    ask: otp", "ask:\n    say: {en: Type the code}\n    ask: otp", 1)), testCat)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	next.Version = 2
	if err := s.Add(next); err != nil {
		t.Fatalf("Add(next): %v", err)
	}
	if got, _ := s.Get("sub"); got.Version != 2 {
		t.Fatalf("Get(sub).Version = %d, want 2", got.Version)
	}

	// A new flow is added and can be matched.
	extra, err := Parse("extra.yaml", []byte("name: extra\ntriggers: {en: [pay my bill]}\nstart: s\nstates:\n  s: {goto: main}\n"), testCat)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if err := s.Add(extra); err != nil {
		t.Fatalf("Add(extra): %v", err)
	}
	if got := strings.Join(s.Names(), " "); got != "extra main sub" {
		t.Fatalf("Names() = %q, want %q", got, "extra main sub")
	}
	if got, ok := s.Match("I want to pay my bill", "en"); !ok || got != "extra" {
		t.Fatalf("Match after Add = %q, %v; want extra, true", got, ok)
	}
	if _, ok := s.Get("nope"); ok {
		t.Fatalf("Get(nope) found a flow")
	}
}
