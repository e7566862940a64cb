package flows

import (
	"strings"
	"testing"
)

// Each case is a flow file and exactly the problems Parse must report.
var problemCases = []struct {
	name string
	src  string
	want []string
}{
	{
		name: "yaml syntax error",
		src:  "name: x\nstart: a\nstates:\n  a: [\n",
		want: []string{"t.yaml:4:1: YAML syntax: did not find expected node content"},
	},
	{
		name: "empty file",
		src:  "",
		want: []string{"t.yaml:1:1: the file is empty"},
	},
	{
		name: "not a mapping",
		src:  "- a\n- b\n",
		want: []string{"t.yaml:1:1: a flow file must be a mapping with name, start and states, not a list"},
	},
	{
		name: "two documents",
		src:  "name: x\nstart: a\nstates:\n  a: {end: resolved}\n---\nname: y\n",
		want: []string{`t.yaml:5:1: a flow file holds one YAML document; remove the second "---"`},
	},
	{
		name: "aliases",
		src:  "name: x\nstart: a\nstates:\n  a: &e {end: resolved}\n  b: *e\n",
		want: []string{"t.yaml:5:6: aliases (*name) are not supported in flow files"},
	},
	{
		name: "missing name, start and states",
		src:  "title: {en: T}\n",
		want: []string{
			`t.yaml:1:1: missing "name"`,
			`t.yaml:1:1: missing "start"`,
			`t.yaml:1:1: missing "states"`,
		},
	},
	{
		name: "unknown key with suggestion",
		src:  "name: x\nstrat: a\nstates:\n  a: {end: resolved}\n",
		want: []string{
			`t.yaml:1:1: missing "start"`,
			`t.yaml:2:1: unknown key "strat" in the flow (did you mean "start"?)`,
		},
	},
	{
		name: "unknown state key without suggestion",
		src:  "name: x\nstart: a\nstates:\n  a: {end: resolved, colour: red}\n",
		want: []string{`t.yaml:4:22: unknown key "colour" in state "a"`},
	},
	{
		name: "misspelt state key",
		src:  "name: x\nstart: a\nstates:\n  a:\n    say: {en: hi}\n    nxet: b\n  b: {end: resolved}\n",
		want: []string{
			`t.yaml:4:3: state "a" has no way out: add next, or end, handoff, return or goto`,
			`t.yaml:6:5: unknown key "nxet" in state "a" (did you mean "next"?)`,
			`t.yaml:7:3: state "b" cannot be reached from start "a"`,
		},
	},
	{
		name: "duplicate key",
		src:  "name: x\nstart: a\nstates:\n  a: {end: resolved}\n  a: {end: resolved}\n",
		want: []string{`t.yaml:5:3: duplicate key "a" in states (first at line 4)`},
	},
	{
		name: "bad names",
		src:  "name: X-Y\nstart: a\nstates:\n  A: {end: resolved}\n  a: {end: resolved}\n",
		want: []string{
			`t.yaml:1:7: the flow name "X-Y" must be lowercase letters, digits and _, starting with a letter (at most 64)`,
			`t.yaml:4:3: state name "A" must be lowercase letters, digits and _, starting with a letter (at most 64)`,
		},
	},
	{
		name: "unknown start state",
		src:  "name: x\nstart: begin\nstates:\n  bgein: {end: resolved}\n",
		want: []string{`t.yaml:2:8: start state "begin" does not exist (did you mean "bgein"?)`},
	},
	{
		name: "bad slot type, missing type, length on a non-code slot",
		src:  "name: x\nslots:\n  a: {type: dat}\n  b: {autocomplete: bday}\n  c: {type: zip, length: 5}\nstart: s\nstates:\n  s: {end: resolved}\n",
		want: []string{
			`t.yaml:3:13: unknown slot type "dat" (did you mean "date"?); types are "text", "name", "date", "zip", "email", "phone", "code", "token", "secret" and "choice"`,
			`t.yaml:4:3: slot "b" has no type`,
			`t.yaml:5:26: length is only for code slots`,
		},
	},
	{
		name: "code length out of range",
		src:  "name: x\nslots:\n  otp: {type: code, length: 40}\nstart: s\nstates:\n  s: {end: resolved}\n",
		want: []string{`t.yaml:3:29: length must be between 4 and 12`},
	},
	{
		name: "unknown target in on and next",
		src:  "name: x\nslots:\n  d: {type: date}\nstart: a\nstates:\n  a:\n    say: {en: hi}\n    next: b\n  c:\n    ask: d\n    on: {ok: doen, exhausted: c}\n  done: {end: resolved}\n",
		want: []string{
			`t.yaml:8:11: state "a" goes to unknown state "b"`,
			`t.yaml:9:3: state "c" cannot be reached from start "a"`,
			`t.yaml:11:14: state "c" goes to unknown state "doen" (did you mean "done"?)`,
			`t.yaml:12:3: state "done" cannot be reached from start "a"`,
		},
	},
	{
		name: "action outcome without a branch, branch for no outcome",
		src:  "name: x\nslots:\n  pw: {type: secret}\nstart: a\nstates:\n  a:\n    action: set\n    with: {password: pw}\n    on: {ok: b, rejectd: b}\n  b: {end: resolved}\n",
		want: []string{
			`t.yaml:6:3: state "a" has no branch for outcome "rejected" of action "set"`,
			`t.yaml:9:17: action "set" has no outcome "rejectd" (did you mean "rejected"?); it has "ok" and "rejected"`,
		},
	},
	{
		name: "unknown action",
		src:  "name: x\nstart: a\nstates:\n  a:\n    action: lookp\n    on: {done: b}\n  b: {end: resolved}\n",
		want: []string{`t.yaml:5:13: unknown action "lookp" (did you mean "lookup"?)`},
	},
	{
		name: "action input unbound, unknown input, unknown slot",
		src:  "name: x\nslots:\n  dob: {type: date}\nstart: a\nstates:\n  a:\n    action: lookup\n    with: {dobb: dob}\n    on: {done: b}\n  b:\n    action: lookup\n    with: {dob: dbo}\n    on: {done: c}\n  c: {end: resolved}\n",
		want: []string{
			`t.yaml:7:13: action "lookup" needs input "dob": bind it to a slot with "with"`,
			`t.yaml:8:12: action "lookup" has no input "dobb" (did you mean "dob"?)`,
			`t.yaml:12:17: unknown slot "dbo" (did you mean "dob"?)`,
		},
	},
	{
		name: "unknown slot in ask and in a placeholder",
		src:  "name: x\nstart: a\nstates:\n  a:\n    say: {en: \"Hi {nme}\", es: \"Hola {nme}\"}\n    ask: nme\n    on: {ok: b, exhausted: b}\n  b: {end: resolved}\n",
		want: []string{
			`t.yaml:5:15: unknown slot "nme" in placeholder {nme}`,
			`t.yaml:5:31: unknown slot "nme" in placeholder {nme}`,
			`t.yaml:6:10: unknown slot "nme"`,
		},
	},
	{
		name: "secret and code slots never shown",
		src:  "name: x\nslots:\n  pw: {type: secret}\n  otp: {type: code}\nstart: a\nstates:\n  a:\n    say: {en: \"You typed {pw} and {otp}\"}\n    end: resolved\n",
		want: []string{
			`t.yaml:8:15: slot "otp" is code and must never be shown: remove {otp}`,
			`t.yaml:8:15: slot "pw" is secret and must never be shown: remove {pw}`,
		},
	},
	{
		name: "state with no way out",
		src:  "name: x\nstart: a\nstates:\n  a:\n    say: {en: hi}\n  b: {}\n",
		want: []string{
			`t.yaml:4:3: state "a" has no way out: add next, or end, handoff, return or goto`,
			`t.yaml:6:3: state "b" cannot be reached from start "a"`,
			`t.yaml:6:3: state "b" does nothing: give it say, ask, action, call, goto, handoff, end or return`,
		},
	},
	{
		name: "call with no branches",
		src:  "name: x\nstart: a\nstates:\n  a: {call: verify}\n",
		want: []string{`t.yaml:4:3: state "a" has no way out: add on with the outcomes of flow "verify"`},
	},
	{
		name: "state with two kinds",
		src:  "name: x\nslots:\n  d: {type: date}\nstart: a\nstates:\n  a:\n    ask: d\n    action: lookup\n    with: {dob: d}\n    on: {ok: b, exhausted: b}\n  b: {end: resolved}\n",
		want: []string{
			`t.yaml:8:5: state "a" has both "ask" and "action"; a state does one thing`,
		},
	},
	{
		name: "terminal state with on",
		src:  "name: x\nstart: a\nstates:\n  a:\n    end: resolved\n    on: {ok: a}\n",
		want: []string{
			`t.yaml:6:5: "on" does not belong in a end state`,
			`t.yaml:6:10: a end state has no outcome "ok"; it has nothing`,
		},
	},
	{
		name: "choice ask without replies",
		src:  "name: x\nslots:\n  pick: {type: choice}\nstart: a\nstates:\n  a:\n    ask: pick\n    on: {exhausted: b}\n  b: {end: resolved}\n",
		want: []string{`t.yaml:7:10: state "a" asks for choice slot "pick" but offers no replies`},
	},
	{
		name: "choice ask with a reply not branched",
		src:  "name: x\nslots:\n  pick: {type: choice}\nstart: a\nstates:\n  a:\n    ask: pick\n    replies: [{value: \"yes\", label: {en: Yes}}, {value: \"no\", label: {en: No}}]\n    on: {\"yes\": b, exhausted: b}\n  b: {end: resolved}\n",
		want: []string{`t.yaml:6:3: state "a" has no branch for reply "no"`},
	},
	{
		name: "replies on a non-choice ask, and a bad reply",
		src:  "name: x\nslots:\n  d: {type: date}\nstart: a\nstates:\n  a:\n    ask: d\n    replies: [{value: x}]\n    on: {ok: b, exhausted: b}\n  b: {end: resolved}\n",
		want: []string{
			`t.yaml:8:5: replies are only for asks of a choice slot; "d" is a date slot`,
			`t.yaml:8:15: a reply needs a label`,
		},
	},
	{
		name: "say with replies",
		src:  "name: x\nstart: a\nstates:\n  a:\n    say: {en: hi}\n    replies: [{value: x, label: {en: X}}]\n    next: b\n  b: {end: resolved}\n",
		want: []string{`t.yaml:6:5: "replies" does not belong in a say state`},
	},
	{
		name: "ask without exhausted",
		src:  "name: x\nslots:\n  d: {type: date}\nstart: a\nstates:\n  a:\n    ask: d\n    on: {ok: b}\n  b: {end: resolved}\n",
		want: []string{`t.yaml:6:3: state "a" has no branch for "exhausted" (after 3 answers that do not fit)`},
	},
	{
		name: "tries out of range",
		src:  "name: x\nslots:\n  d: {type: date}\nstart: a\nstates:\n  a:\n    ask: d\n    tries: 0\n    on: {ok: b, exhausted: b}\n  b: {end: resolved}\n",
		want: []string{`t.yaml:8:12: tries must be between 1 and 10`},
	},
	{
		name: "text without en, text as a plain string",
		src:  "name: x\ntitle: {es: Hola}\nstart: a\nstates:\n  a:\n    say: Hello\n    end: resolved\n",
		want: []string{
			`t.yaml:2:8: title has no "en" text`,
			`t.yaml:6:10: say must be a mapping of locale to text, e.g. {en: ..., es: ...}`,
		},
	},
	{
		name: "next and on together",
		src:  "name: x\nstart: a\nstates:\n  a:\n    say: {en: hi}\n    next: b\n    on: {ok: b}\n  b: {end: resolved}\n",
		want: []string{`t.yaml:6:11: state "a" has both next and on; next is short for on: {ok: ...}`},
	},
	{
		name: "bad end, bad handoff",
		src:  "name: x\nstart: a\nstates:\n  a:\n    say: {en: hi}\n    next: b\n  b: {end: resolvd}\n",
		want: []string{`t.yaml:7:12: unknown resolution "resolvd" (did you mean "resolved"?); use "resolved", "unresolved", "abandoned" and "handed_off"`},
	},
	{
		name: "handoff without reason, bad queue",
		src:  "name: x\nstart: a\nstates:\n  a:\n    handoff: {queue: Portal Support}\n",
		want: []string{
			`t.yaml:5:14: handoff needs a reason`,
			`t.yaml:5:22: queue "Portal Support" must be 1 to 64 lowercase letters, digits, '.', '-' and '_'`,
		},
	},
	{
		// The queue rule is the one an admin adds queues under
		// (QueueNamePattern): a dot is allowed, 65 bytes are not.
		name: "a queue name an admin may add",
		src:  "name: x\nstart: a\nstates:\n  a:\n    handoff: {queue: billing.eu, reason: r}\n",
	},
	{
		name: "a queue name one byte too long",
		src:  "name: x\nstart: a\nstates:\n  a:\n    handoff: {queue: " + strings.Repeat("q", MaxQueueNameLen+1) + ", reason: r}\n",
		want: []string{
			`t.yaml:5:22: queue "` + strings.Repeat("q", MaxQueueNameLen+1) + `" must be 1 to 64 lowercase letters, digits, '.', '-' and '_'`,
		},
	},
	{
		name: "bad locale and bad trigger",
		src:  "name: x\ntriggers:\n  english: [hi]\n  en: [\"!!!\"]\nstart: a\nstates:\n  a: {end: resolved}\n",
		want: []string{
			`t.yaml:3:3: "english" is not a locale (use en, es …)`,
			`t.yaml:4:8: trigger phrase "!!!" must have words and at most 100 characters`,
		},
	},
}

func TestParseProblems(t *testing.T) {
	for _, c := range problemCases {
		t.Run(c.name, func(t *testing.T) {
			got := problemsOf(t, c.src)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestParseLimits(t *testing.T) {
	big := "name: x\n#" + strings.Repeat("x", MaxSourceBytes) + "\n"
	deep := "name: x\nstart: a\nstates:\n  a: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n"
	cases := []struct {
		name, src string
		want      string
	}{
		{"too large", big, "t.yaml:1:1: the file is 262154 bytes; flow files are at most 262144"},
		{"too deep", deep, "t.yaml:4:37: the file is nested too deeply (more than 32 levels)"},
	}
	for _, c := range cases {
		got := strings.Join(problemsOf(t, c.src), "\n")
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}
