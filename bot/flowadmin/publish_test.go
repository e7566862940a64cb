package flowadmin_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowtest"
)

// A conversation started on version 1 finishes on version 1 after
// version 2 is published; a new one uses version 2.
func TestPublishKeepsRunningConversationsOnTheirVersion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if v := e.publish(t, "hello_test", helloV1, helloTests); v != 1 {
		t.Fatalf("first publish: got version %d, want 1", v)
	}
	old := &flowtest.Recorder{}
	w, err := e.eng.Hello(ctx, bot.Hello{Locale: "en", Start: "hello_test", Source: "192.0.2.1"}, old)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(said(old), "favourite colour") {
		t.Fatalf("v1 conversation opened with %q, want the colour question", said(old))
	}

	if v := e.publish(t, "hello_test", helloV2, strings.Replace(helloTests, "version one", "version two", 1)); v != 2 {
		t.Fatalf("second publish: got version %d, want 2", v)
	}
	if err := e.eng.Say(ctx, w.ConversationID, old, bot.Say{ID: "s1", Text: "blue", Source: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if got := said(old); !strings.Contains(got, "version one") || strings.Contains(got, "version two") {
		t.Errorf("conversation started on v1 said %q, want version one's goodbye", got)
	}

	fresh := &flowtest.Recorder{}
	w2, err := e.eng.Hello(ctx, bot.Hello{Locale: "en", Start: "hello_test", Source: "192.0.2.1"}, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.eng.Say(ctx, w2.ConversationID, fresh, bot.Say{ID: "s1", Text: "red", Source: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if got := said(fresh); !strings.Contains(got, "version two") {
		t.Errorf("new conversation said %q, want version two's goodbye", got)
	}
	c, err := e.db.Conversation(ctx, w2.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	if c.FlowVersion != 2 {
		t.Errorf("new conversation runs version %d, want 2", c.FlowVersion)
	}
}

func TestPublishRefusals(t *testing.T) {
	broken := strings.Replace(helloV1, "on: {ok: bye, exhausted: bye}", "on: {ok: byee, exhausted: bye}", 1)
	failing := strings.Replace(helloTests, "expect: version one", "expect: version nine", 1)
	tests := []struct {
		name, src, tests string
		wantCode         string
		wantProblem      string // in a problem's message
		wantFailed       int
	}{
		{"draft with an error", broken, helloTests, bot.EINVALID, `unknown state "byee"`, 0},
		{"draft with failing tests", helloV1, failing, bot.EINVALID, "", 1},
		{"tests that do not parse", helloV1, "flow: [", bot.EINVALID, "tests/hello_test.yaml", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.draft(t, "hello_test", tc.src, tc.tests)
			res, err := e.svc.Publish(context.Background(), "hello_test", e.admin)
			if got := bot.ErrorCode(err); got != tc.wantCode {
				t.Fatalf("publish: got code %q (%v), want %q", got, err, tc.wantCode)
			}
			if tc.wantProblem != "" {
				var all []string
				for _, p := range res.Problems {
					all = append(all, p.File+":"+p.Message)
				}
				if !strings.Contains(strings.Join(all, "\n"), tc.wantProblem) {
					t.Errorf("problems %v, want one about %q", all, tc.wantProblem)
				}
			}
			if tc.wantFailed > 0 && (res.Tests == nil || res.Tests.Failed != tc.wantFailed) {
				t.Errorf("tests %+v, want %d failed", res.Tests, tc.wantFailed)
			}
			if _, ok := e.fl.Current("hello_test"); ok {
				t.Error("the refused draft became current")
			}
			if h, err := e.db.FlowHistory(context.Background(), "hello_test"); bot.ErrorCode(err) != bot.ENOTFOUND {
				t.Errorf("history %v, %v: want no version stored", h, err)
			}
			if got := len(e.auditOf(t, "flow.publish")); got != 0 {
				t.Errorf("%d publish audit rows, want 0", got)
			}
		})
	}
}

func TestPublishUnchangedDraftConflicts(t *testing.T) {
	e := newEnv(t)
	e.publish(t, "hello_test", helloV1, helloTests)
	e.draft(t, "hello_test", helloV1, helloTests)
	if _, err := e.svc.Publish(context.Background(), "hello_test", e.admin); bot.ErrorCode(err) != bot.ECONFLICT {
		t.Fatalf("publishing the same again: got %v, want ECONFLICT", err)
	}
}

func TestPublishAndRollbackAreAuditedWithTheDiffHash(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.publish(t, "hello_test", helloV1, helloTests)
	e.publish(t, "hello_test", helloV2, strings.Replace(helloTests, "version one", "version two", 1))
	res, err := e.svc.Rollback(ctx, "hello_test", 1, e.admin)
	if err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if res.Version != 3 {
		t.Fatalf("rollback made version %d, want 3", res.Version)
	}
	f, _ := e.fl.Current("hello_test")
	if f.Version != 3 || string(f.Source) != helloV1 {
		t.Errorf("current is v%d with v1's source %v, want v3 with v1's source", f.Version, string(f.Source) == helloV1)
	}
	if _, err := e.svc.Rollback(ctx, "hello_test", 1, e.admin); bot.ErrorCode(err) != bot.ECONFLICT {
		t.Errorf("rolling back to the source already current: got %v, want ECONFLICT", err)
	}

	d12, err := e.svc.Diff(ctx, "hello_test", "1", "2")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"--- hello_test.yaml@v1", "+++ hello_test.yaml@v2", `-      en: "Goodbye from version one."`, `+      en: "Goodbye from version two."`} {
		if !strings.Contains(d12.Unified, want) {
			t.Errorf("diff v1..v2 lacks %q:\n%s", want, d12.Unified)
		}
	}
	if sum := sha256.Sum256([]byte(d12.Unified)); hex.EncodeToString(sum[:]) != d12.SHA256 {
		t.Errorf("diff hash %s is not the SHA-256 of the diff", d12.SHA256)
	}

	pubs := e.auditOf(t, "flow.publish")
	if len(pubs) != 2 {
		t.Fatalf("%d publish audit rows, want 2", len(pubs))
	}
	first, _ := e.svc.Diff(ctx, "hello_test", "", "1")
	first.Unified = strings.Replace(first.Unified, "@v1", "@draft", 1)
	second := strings.Replace(d12.Unified, "@v2", "@draft", 1)
	for i, want := range []struct{ subject, detail string }{
		{"flow:hello_test/v1", "from=v0 diff_sha256=" + hash(first.Unified)},
		{"flow:hello_test/v2", "from=v1 diff_sha256=" + hash(second)},
	} {
		ev := pubs[i]
		if ev.Subject != want.subject || ev.Detail != want.detail || ev.Actor != "admin:max" || ev.Source != "192.0.2.9" {
			t.Errorf("publish audit %d: got %s %s %q by %s from %s, want %s %q by admin:max from 192.0.2.9",
				i, ev.Type, ev.Subject, ev.Detail, ev.Actor, ev.Source, want.subject, want.detail)
		}
	}
	rbs := e.auditOf(t, "flow.rollback")
	d21, _ := e.svc.Diff(ctx, "hello_test", "2", "1")
	if len(rbs) != 1 || rbs[0].Subject != "flow:hello_test/v3" || rbs[0].Detail != "to=v1 from=v2 diff_sha256="+d21.SHA256 {
		t.Errorf("rollback audit %+v, want subject flow:hello_test/v3 detail to=v1 from=v2 diff_sha256=%s", rbs, d21.SHA256)
	}

	hist, err := e.svc.Versions(ctx, "hello_test")
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 3 || hist[0].Version != 3 || !hist[0].Current || hist[0].PublishedBy != "admin:max" || hist[2].Current {
		t.Errorf("history %+v, want v3 (current, published by admin:max), v2, v1", hist)
	}
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
