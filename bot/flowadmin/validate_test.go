package flowadmin_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/flows"
)

func TestValidateReportsEveryProblemAtItsPlace(t *testing.T) {
	e := newEnv(t)
	verify, _ := e.fl.Current("verify_identity")
	tests := []struct {
		name, flow, src string
		want            []string // file:line:column: message fragment
	}{
		{"valid", "hello_test", helloV1, nil},
		{"unknown state", "hello_test", strings.Replace(helloV1, "ok: bye,", "ok: byee,", 1),
			[]string{`hello_test.yaml:14:14: state "ask_color" goes to unknown state "byee" (did you mean "bye"?)`}},
		{"renamed", "other_name", helloV1, []string{`other_name.yaml:1:1: this is flow "hello_test"`}},
		{"YAML syntax", "hello_test", "name: [", []string{"hello_test.yaml:1:1: YAML syntax"}},
		// A draft that breaks another flow: its callers' problems come in
		// their own files.
		{"breaks a caller", "verify_identity", strings.Replace(string(verify.Source), "return: locked", "return: blocked", -1),
			[]string{"reset_password.yaml:", `never returns "locked"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, p := range e.svc.Validate(tc.flow, []byte(tc.src)) {
				got = append(got, fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message))
			}
			all := strings.Join(got, "\n")
			if tc.want == nil && len(got) > 0 {
				t.Fatalf("problems:\n%s\nwant none", all)
			}
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems:\n%s\nwant one with %q", all, w)
				}
			}
		})
	}
}

// Validation runs as an admin types, so it must be quick on the built-ins.
func TestValidateIsQuick(t *testing.T) {
	e := newEnv(t)
	f, _ := e.fl.Current("reset_password")
	start := time.Now()
	const n = 20
	for range n {
		if ps := e.svc.Validate("reset_password", f.Source); len(ps) > 0 {
			t.Fatal(ps)
		}
	}
	if per := time.Since(start) / n; per > 100*time.Millisecond {
		t.Errorf("validation takes %v, want under 100ms", per)
	}
}

func TestDiagramDrawsEveryStateAndOutcome(t *testing.T) {
	e := newEnv(t)
	svg, err := e.svc.Diagram(context.Background(), "reset_password", "current")
	if err != nil {
		t.Fatal(err)
	}
	f, _ := e.fl.Current("reset_password")
	s := string(svg)
	if !strings.Contains(s, "<svg") {
		t.Fatalf("not an SVG:\n%.300s", s)
	}
	for _, name := range f.Order {
		st := f.States[name]
		want := fmt.Sprintf(`<g id="state-%s" data-state="%s" data-line="%d" class="node state kind-%s"`, name, name, st.Pos.Line, st.Kind)
		if !strings.Contains(s, want) {
			t.Errorf("no node %s", want)
		}
		for _, o := range f.Outcomes(name) {
			if !strings.Contains(s, `id="edge-`+name+"-"+o+`"`) {
				t.Errorf("no edge for outcome %q of state %s", o, name)
			}
			if !regexp.MustCompile(`<text[^>]*>` + regexp.QuoteMeta(o) + `</text>`).MatchString(s) {
				t.Errorf("no label %q", o)
			}
		}
	}
	for _, kind := range []string{"kind-call", "kind-handoff", "kind-end", "kind-goto", "kind-ask", "kind-action"} {
		if !strings.Contains(s, kind) {
			t.Errorf("no %s node in reset_password's diagram", kind)
		}
	}

	e.draft(t, "hello_test", "name: [", "")
	if _, err := e.svc.Diagram(context.Background(), "hello_test", "draft"); bot.ErrorCode(err) != bot.EINVALID {
		t.Errorf("diagram of a broken draft: got %v, want EINVALID", err)
	}
}

func TestListShowsVersionsAndDraftStatus(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.publish(t, "hello_test", helloV1, helloTests)
	e.draft(t, "hello_test", helloV2, "")
	e.draft(t, "broken_new", "name: broken_new\n", "")
	list, err := e.svc.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]flowadmin.Summary{}
	for _, s := range list {
		got[s.Name] = s
	}
	for name, want := range map[string]struct {
		version int
		draft   string
		editor  string
	}{
		"hello_test":     {1, flowadmin.DraftClean, "admin:max"},
		"broken_new":     {0, flowadmin.DraftProblems, "admin:max"},
		"reset_password": {1, flowadmin.DraftNone, "system"},
	} {
		s := got[name]
		if s.Version != want.version || s.Draft != want.draft || s.Editor != want.editor {
			t.Errorf("%s: got v%d draft %s editor %q, want v%d draft %s editor %q", name, s.Version, s.Draft, s.Editor,
				want.version, want.draft, want.editor)
		}
	}
	d, err := e.svc.Get(ctx, "reset_password")
	if err != nil {
		t.Fatal(err)
	}
	if d.Draft != nil || !strings.Contains(d.Tests, "flow: reset_password") {
		t.Errorf("reset_password: draft %v, tests %.40q; want no draft and the built-in tests", d.Draft, d.Tests)
	}
}

// A flow an admin published survives a restart; a flow still owned by the
// files follows them.
func TestLoadKeepsAdminVersions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	g, _ := e.fl.Current("greeting")
	edited := strings.Replace(string(g.Source), "\nstates:", "\n# edited by an admin\nstates:", 1)
	e.publish(t, "greeting", edited, "")
	fl, err := flowadmin.Load(ctx, e.db, flows.Builtin(), "system")
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := fl.Current("greeting"); f.Version != 2 || string(f.Source) != edited {
		t.Errorf("after restart greeting is v%d (edited: %v), want the admin's v2", f.Version, string(f.Source) == edited)
	}
	if f, _ := fl.Current("reset_password"); f.Version != 1 {
		t.Errorf("after restart reset_password is v%d, want v1 from the files", f.Version)
	}
}
