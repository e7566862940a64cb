package web

import (
	"bytes"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// namesOf reads the "names" map of an API answer.
func namesOf(t *testing.T, body string) map[string]string {
	t.Helper()
	return decode[struct {
		Names map[string]string `json:"names"`
	}](t, body).Names
}

// The flow API's answers name the people and tokens behind the ids, for
// an admin's pages; a token's caller gets the ids alone.
func TestFlowAnswersNameTheirAuthors(t *testing.T) {
	e := startFlowAdmin(t)
	b, csrf := e.signedIn(t, "max@example.org", adminPassword)
	admin := "admin:" + e.admin.ID
	_, body := b.api(t, "POST", "/admin/api/tokens", `{"name":"ci deploy","scopes":["flows:write"]}`, csrf, e.origin)
	token := decode[struct {
		Token string    `json:"token"`
		Info  tokenView `json:"info"`
	}](t, body)
	tokenRef := "token:" + token.Info.ID
	draft := `{"source":` + jsonString(flowHello) + `,"tests":` + jsonString(flowHelloTests) + `}`

	// Saved by the admin, published with the token.
	status, body := b.api(t, "PUT", "/admin/api/flows/hello_test/draft", draft, csrf, e.origin)
	if got := namesOf(t, body)[admin]; status != http.StatusOK || got != "Max" {
		t.Errorf("save draft: got %d and names[%s] = %q, want 200 and Max\n%s", status, admin, got, body)
	}
	_, body = b.api(t, "GET", "/admin/api/flows/hello_test", "", "", "")
	if got := namesOf(t, body)[admin]; got != "Max" {
		t.Errorf("get flow: names[%s] = %q, want Max\n%s", admin, got, body)
	}
	bearer := func(method, path string) string {
		t.Helper()
		req, _ := http.NewRequest(method, e.base+path, bytes.NewReader(nil))
		req.Header.Set("Authorization", "Bearer "+token.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s with a token: got %d %s", method, path, resp.StatusCode, out)
		}
		return string(out)
	}
	bearer("POST", "/admin/api/flows/hello_test/publish")

	for _, path := range []string{"/admin/api/flows/hello_test/versions", "/admin/api/flows"} {
		_, body = b.api(t, "GET", path, "", "", "")
		names := namesOf(t, body)
		want := map[string]string{admin: "Max", tokenRef: "ci deploy (API token)"}
		if path == "/admin/api/flows" {
			want = map[string]string{tokenRef: "ci deploy (API token)"} // the last editor of each flow
		}
		for ref, name := range want {
			if names[ref] != name {
				t.Errorf("GET %s: names[%s] = %q, want %q\n%s", path, ref, names[ref], name, body)
			}
		}
	}
	if names := namesOf(t, bearer("GET", "/admin/api/flows/hello_test/versions")); len(names) != 0 {
		t.Errorf("a token's caller got names %v, want none", names)
	}
	_, body = b.api(t, "GET", "/admin/api/tokens", "", "", "")
	if got := namesOf(t, body)[admin]; got != "Max" {
		t.Errorf("tokens: names[%s] = %q, want Max", admin, got)
	}
}

// The audit viewer names actors and subjects it knows; others stay ids.
func TestAuditAnswersNameActorsAndSubjects(t *testing.T) {
	env := startSettings(t)
	admin, _ := env.adminClient(t)
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	env.seedAudit(t,
		bot.AuditEvent{Type: "user.created", At: at, Actor: "admin:" + env.admin.ID, Subject: "user:" + env.agent.ID, Outcome: "ok"},
		bot.AuditEvent{Type: "claim", At: at, Actor: "agent:" + env.agent.ID, Subject: "conversation:c1", Outcome: "ok"},
		bot.AuditEvent{Type: "user.changed", At: at, Actor: "admin:gone", Subject: "user:gone", Outcome: "ok"},
	)
	status, body := admin.api(t, "GET", "/admin/api/audit", "", "", "")
	if status != http.StatusOK {
		t.Fatalf("audit: got %d %s", status, body)
	}
	names := namesOf(t, body)
	for ref, want := range map[string]string{
		"admin:" + env.admin.ID: "Max", "user:" + env.agent.ID: "Ana", "agent:" + env.agent.ID: "Ana",
		"admin:gone": "", "user:gone": "", "conversation:c1": "",
	} {
		if got := names[ref]; got != want {
			t.Errorf("names[%s] = %q, want %q", ref, got, want)
		}
	}
}
