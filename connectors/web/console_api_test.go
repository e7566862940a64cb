package web

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// adminRoutes are every endpoint only admins may use.
var adminRoutes = []struct{ method, path, body string }{
	{"POST", "/agent/api/canned", `{"shortcut":"hours","title":"Hours","text":"8 to 6"}`},
	{"DELETE", "/agent/api/canned/hours", ""},
	{"DELETE", "/agent/api/canned?shortcut=hours", ""},
}

func TestAdminEndpointsRefuseAgents(t *testing.T) {
	env := startConsole(t, nil)
	agent := env.mustSignIn(t, "ana@example.org", agentPassword)
	admin := env.mustSignIn(t, "max@example.org", adminPassword)
	agentCSRF, adminCSRF := agent.csrf(t), admin.csrf(t)
	for _, r := range adminRoutes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			if code, body := agent.api(t, r.method, r.path, r.body, agentCSRF, env.origin); code != http.StatusForbidden {
				t.Errorf("agent: got %d, want 403: %s", code, body)
			}
			code, body := admin.api(t, r.method, r.path, r.body, adminCSRF, env.origin)
			if code == http.StatusForbidden || code == http.StatusUnauthorized {
				t.Errorf("admin: got %d, want it allowed: %s", code, body)
			}
		})
	}
}

func TestCannedResponsesAPI(t *testing.T) {
	env := startConsole(t, nil)
	admin := env.mustSignIn(t, "max@example.org", adminPassword)
	agent := env.mustSignIn(t, "ana@example.org", agentPassword)
	csrf := admin.csrf(t)
	tests := []struct {
		name, body string
		want       int
	}{
		{"saved", `{"shortcut":"/Hours","title":"Opening hours","text":"We are open 8 to 6."}`, http.StatusOK},
		{"replaced", `{"shortcut":"hours","title":"Opening hours","text":"We are open 8 to 8."}`, http.StatusOK},
		{"second", `{"shortcut":"bye","title":"Goodbye","text":"Thanks for chatting with us."}`, http.StatusOK},
		{"bad shortcut", `{"shortcut":"no spaces","title":"x","text":"y"}`, http.StatusBadRequest},
		{"no title", `{"shortcut":"x","title":"","text":"y"}`, http.StatusBadRequest},
		{"no text", `{"shortcut":"x","title":"x","text":" "}`, http.StatusBadRequest},
		{"not json", `shortcut=x`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		if code, body := admin.api(t, "POST", "/agent/api/canned", tt.body, csrf, env.origin); code != tt.want {
			t.Errorf("%s: got %d, want %d: %s", tt.name, code, tt.want, body)
		}
	}
	code, body := agent.api(t, "GET", "/agent/api/canned", "", "", "")
	if code != http.StatusOK {
		t.Fatalf("agent lists canned: got %d", code)
	}
	var list struct{ Items []cannedJSON }
	json.Unmarshal([]byte(body), &list)
	if len(list.Items) != 2 || list.Items[0].Shortcut != "bye" || list.Items[1].Text != "We are open 8 to 8." {
		t.Errorf("got %+v, want bye and the replaced hours", list.Items)
	}
	if code, _ := admin.api(t, "DELETE", "/agent/api/canned/bye", "", csrf, env.origin); code != http.StatusNoContent {
		t.Errorf("delete: got %d, want 204", code)
	}
	if code, _ := admin.api(t, "DELETE", "/agent/api/canned/bye", "", csrf, env.origin); code != http.StatusNotFound {
		t.Errorf("delete again: got %d, want 404", code)
	}
	if got := strings.Join(env.auditTypes(t), " "); !strings.Contains(got, "canned.saved/ok/hours") || !strings.Contains(got, "canned.deleted/ok/bye") {
		t.Errorf("audit %s lacks the canned changes", got)
	}
}

// A refused canned response names every field that needs another look,
// for the admin page to show under each; the message is the first.
func TestCannedProblemsAreAnsweredByField(t *testing.T) {
	env := startConsole(t, nil)
	admin := env.mustSignIn(t, "max@example.org", adminPassword)
	tests := []struct {
		body    string
		fields  string // the fields with a problem, sorted
		message string
	}{
		{`{"shortcut":"no spaces","title":"","text":" "}`, "shortcut text title", "A shortcut is 1 to 32 lower-case letters, digits, - or _."},
		{`{"shortcut":"ok","title":"","text":""}`, "text title", "A title is 1 to 120 characters."},
		{`{"shortcut":"ok","title":"Fine","text":"` + strings.Repeat("x", staff.MaxTextRunes+1) + `"}`, "text", "A text is 1 to 4000 characters."},
		{`{"shortcut":"` + strings.Repeat("a", staff.MaxShortcutLen+1) + `","title":"Fine","text":"Fine"}`, "shortcut", "A shortcut is 1 to 32 lower-case letters, digits, - or _."},
	}
	for _, tt := range tests {
		code, body := admin.api(t, "POST", "/agent/api/canned", tt.body, admin.csrf(t), env.origin)
		var out struct {
			Message string
			Fields  map[string]string
		}
		json.Unmarshal([]byte(body), &out)
		got := slices.Sorted(maps.Keys(out.Fields))
		if code != http.StatusBadRequest || strings.Join(got, " ") != tt.fields || out.Message != tt.message {
			t.Errorf("%.60s: got %d, fields %v, message %q; want 400, fields %s, message %q", tt.body, code, got, out.Message, tt.fields, tt.message)
		}
	}
}

func TestMe(t *testing.T) {
	env := startConsole(t, nil)
	b := env.mustSignIn(t, "ana@example.org", agentPassword)
	code, body := b.api(t, "GET", "/agent/api/me", "", "", "")
	var me meJSON
	if err := json.Unmarshal([]byte(body), &me); err != nil || code != http.StatusOK {
		t.Fatalf("got %d %s", code, body)
	}
	// The capacity is the desk's (handoff.capacity applies): the fake says 5.
	if me.ID != env.agent.ID || me.Name != "Ana" || me.Role != "agent" || me.Capacity != 5 || me.MayExceed || me.IdleS != 900 {
		t.Errorf("got %+v, want Ana, agent, capacity 5 from the desk, no override, idle 900 s", me)
	}
	_, body = env.mustSignIn(t, "max@example.org", adminPassword).api(t, "GET", "/agent/api/me", "", "", "")
	if err := json.Unmarshal([]byte(body), &me); err != nil || !me.MayExceed {
		t.Errorf("admin's me %s: want capacity_override true (the fake desk lets admins)", body)
	}
	if strings.Contains(body, "password") || strings.Contains(body, "argon2") {
		t.Errorf("me leaks the password hash: %s", body)
	}
}

func TestPastConversationSearch(t *testing.T) {
	env := startConsole(t, nil)
	ctx := t.Context()
	day := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
	for i, q := range []string{"portal-support", "billing", "portal-support"} {
		at := day.Add(time.Duration(i) * 24 * time.Hour)
		c := &bot.Conversation{ID: "c" + string(rune('1'+i)), Status: bot.StatusClosed, Resolution: bot.Resolved,
			Queue: q, Flow: "reset_password", Reason: "patient_request", Locale: "en", CreatedAt: at, UpdatedAt: at}
		if err := env.db.CreateConversation(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	b := env.mustSignIn(t, "ana@example.org", agentPassword)
	tests := []struct {
		query string
		want  string
		code  int
	}{
		{"", "c3 c2 c1", 200},
		{"?queue=portal-support", "c3 c1", 200},
		{"?from=2026-02-11&to=2026-02-11", "c2", 200},
		{"?from=2026-02-11", "c3 c2", 200},
		{"?resolution=unresolved", "", 200},
		{"?from=yesterday", "", 400},
		{"?page=0", "", 400},
		{"?page=2", "", 200},
	}
	for _, tt := range tests {
		code, body := b.api(t, "GET", "/agent/api/conversations"+tt.query, "", "", "")
		if code != tt.code {
			t.Errorf("%s: got %d, want %d: %s", tt.query, code, tt.code, body)
			continue
		}
		if code != 200 {
			continue
		}
		var res struct {
			Items []summaryJSON
			More  bool
		}
		json.Unmarshal([]byte(body), &res)
		var ids []string
		for _, it := range res.Items {
			ids = append(ids, it.Conversation)
		}
		if strings.Join(ids, " ") != tt.want {
			t.Errorf("%s: got %v, want %s", tt.query, ids, tt.want)
		}
	}
}
