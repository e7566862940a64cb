package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/bot/staff"
	"github.com/portico-chat/portico/flows"
	"github.com/portico-chat/portico/storage/sqlite"
	"github.com/portico-chat/portico/storage/sqlite/sqlitetest"
)

const flowHello = `name: hello_test
title:
  en: Hello test
triggers:
  en: [hello test please]
slots:
  color: {type: text}
start: ask_color
states:
  ask_color:
    say:
      en: "What is your favourite colour?"
    ask: color
    on: {ok: bye, exhausted: bye}
  bye:
    say:
      en: "Goodbye from version one."
    end: resolved
`

const flowHelloTests = `flow: hello_test
tests:
  - name: says goodbye
    steps:
      - say: blue
        expect: version one
    status: closed
`

// flowAdminEnv is the console with the flow API on a real store, the
// built-in flows and the real flow service.
type flowAdminEnv struct {
	*testServer
	db    *sqlite.DB
	svc   *flowadmin.Service
	agent staff.User
	admin staff.User
}

func startFlowAdmin(t *testing.T) *flowAdminEnv {
	t.Helper()
	ctx := context.Background()
	db := sqlitetest.Open(t)
	fl, err := flowadmin.Load(ctx, db, flows.Builtin(), "system")
	if err != nil {
		t.Fatal(err)
	}
	svc := flowadmin.New(flowadmin.Config{Store: db, Flows: fl, Files: flows.Builtin(), Envs: sqlitetest.Envs(t),
		Node: "test", Log: zerolog.Nop()})
	t.Cleanup(func() { svc.Close() })
	e := &flowAdminEnv{db: db, svc: svc}
	e.agent = addUser(t, db, "ana@example.org", "Ana", bot.RoleAgent, agentPassword)
	e.admin = addUser(t, db, "max@example.org", "Max", bot.RoleAdmin, adminPassword)
	deps := Deps{
		Agents: AgentDeps{Desk: newFakeDesk(), Users: db, Sessions: db, Canned: db, Search: db, Audit: db},
		Flows:  FlowAdminDeps{Flows: svc, Tokens: db},
	}
	e.testServer = startServer(t, newFakeEngine(), deps, nil, nil)
	return e
}

// signedIn returns a browser signed in as email with its CSRF token.
func (e *flowAdminEnv) signedIn(t *testing.T, email, password string) (*browserClient, string) {
	t.Helper()
	ce := &consoleEnv{testServer: e.testServer, db: e.db}
	b := ce.mustSignIn(t, email, password)
	return b, b.csrf(t)
}

// flowRoutes is every flow API route with a body that would be accepted.
var flowRoutes = []struct{ method, path, body string }{
	{"GET", "/admin/api/flows", ""},
	{"POST", "/admin/api/flows/validate", `{"name":"hello_test","source":"name: x"}`},
	{"GET", "/admin/api/flows/reset_password", ""},
	{"PUT", "/admin/api/flows/hello_test/draft", `{"source":"name: hello_test"}`},
	{"DELETE", "/admin/api/flows/hello_test/draft", ""},
	{"POST", "/admin/api/flows/hello_test/publish", ""},
	{"POST", "/admin/api/flows/reset_password/rollback", `{"version":1}`},
	{"GET", "/admin/api/flows/reset_password/versions", ""},
	{"GET", "/admin/api/flows/reset_password/diff?from=1&to=current", ""},
	{"GET", "/admin/api/flows/reset_password/diagram.svg", ""},
	{"POST", "/admin/api/flows/greeting/test", ""},
	{"POST", "/admin/api/flows/forgot_username/sandbox", ""},
	{"POST", "/admin/api/sandbox/nope/say", `{"text":"hi"}`},
	{"DELETE", "/admin/api/sandbox/nope", ""},
	{"GET", "/admin/api/tokens", ""},
	{"POST", "/admin/api/tokens", `{"name":"ci","scopes":["flows:read"]}`},
	{"DELETE", "/admin/api/tokens/nope", ""},
}

// An agent gets 403 on every flow API route, and no one signed in 401.
func TestFlowAPIIsForAdminsOnly(t *testing.T) {
	e := startFlowAdmin(t)
	agent, agentCSRF := e.signedIn(t, "ana@example.org", agentPassword)
	anon := (&consoleEnv{testServer: e.testServer}).client(t)
	for _, r := range flowRoutes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			if got, body := agent.api(t, r.method, r.path, r.body, agentCSRF, e.origin); got != http.StatusForbidden {
				t.Errorf("agent: got %d %s, want 403", got, body)
			}
			if got, body := anon.api(t, r.method, r.path, r.body, "", e.origin); got != http.StatusUnauthorized {
				t.Errorf("signed out: got %d %s, want 401", got, body)
			}
		})
	}
	if v, _ := e.svc.Versions(context.Background(), "reset_password"); len(v) != 1 {
		t.Errorf("reset_password has %d versions after the refused calls, want 1", len(v))
	}
}

// State-changing flow API calls need the session's CSRF token and the
// server's own Origin.
func TestFlowAPINeedsCSRF(t *testing.T) {
	e := startFlowAdmin(t)
	admin, csrf := e.signedIn(t, "max@example.org", adminPassword)
	for _, tc := range []struct{ name, csrf, origin string }{
		{"no CSRF token", "", e.origin},
		{"wrong CSRF token", "forged", e.origin},
		{"foreign origin", csrf, "https://evil.example"},
	} {
		if got, body := admin.api(t, "PUT", "/admin/api/flows/hello_test/draft", `{"source":"x"}`, tc.csrf, tc.origin); got != http.StatusForbidden {
			t.Errorf("%s: got %d %s, want 403", tc.name, got, body)
		}
	}
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

func TestFlowLifecycleOverHTTP(t *testing.T) {
	e := startFlowAdmin(t)
	b, csrf := e.signedIn(t, "max@example.org", adminPassword)
	call := func(method, path string, body any, want int) string {
		t.Helper()
		var in string
		if body != nil {
			raw, _ := json.Marshal(body)
			in = string(raw)
		}
		got, out := b.api(t, method, path, in, csrf, e.origin)
		if got != want {
			t.Fatalf("%s %s: got %d %s, want %d", method, path, got, out, want)
		}
		return out
	}
	broken := strings.Replace(flowHello, "ok: bye,", "ok: byee,", 1)

	v := decode[struct {
		Valid    bool                `json:"valid"`
		Problems []flowadmin.Problem `json:"problems"`
	}](t, call("POST", "/admin/api/flows/validate", map[string]string{"name": "hello_test", "source": broken}, 200))
	if v.Valid || len(v.Problems) != 1 || v.Problems[0].Line != 14 || v.Problems[0].Column != 14 {
		t.Fatalf("validate: got %+v, want one problem at 14:14", v)
	}

	call("PUT", "/admin/api/flows/hello_test/draft", map[string]string{"source": broken, "tests": flowHelloTests}, 200)
	refused := decode[struct {
		Error    string              `json:"error"`
		Problems []flowadmin.Problem `json:"problems"`
	}](t, call("POST", "/admin/api/flows/hello_test/publish", nil, 422))
	if refused.Error != bot.EINVALID || len(refused.Problems) != 1 {
		t.Fatalf("publish with an error: got %+v, want invalid with its problem", refused)
	}

	call("PUT", "/admin/api/flows/hello_test/draft", map[string]string{"source": flowHello, "tests": flowHelloTests}, 200)
	rep := decode[flowadmin.TestReport](t, call("POST", "/admin/api/flows/hello_test/test", nil, 200))
	if rep.Passed != 1 || rep.Failed != 0 {
		t.Fatalf("tests: got %+v, want 1 passed", rep)
	}
	svg := call("GET", "/admin/api/flows/hello_test/diagram.svg?version=draft", nil, 200)
	for _, want := range []string{`id="state-ask_color" data-state="ask_color" data-line="10"`, `id="state-bye"`, ">exhausted</text>"} {
		if !strings.Contains(svg, want) {
			t.Errorf("draft diagram lacks %s", want)
		}
	}
	pub := decode[flowadmin.PublishResult](t, call("POST", "/admin/api/flows/hello_test/publish", nil, 200))
	if pub.Version != 1 || pub.Tests == nil || pub.Tests.Passed != 1 {
		t.Fatalf("publish: got %+v, want version 1 with its test passed", pub)
	}
	call("PUT", "/admin/api/flows/hello_test/draft", map[string]string{
		"source": strings.Replace(flowHello, "version one", "version two", 1),
		"tests":  strings.Replace(flowHelloTests, "version one", "version two", 1)}, 200)
	call("POST", "/admin/api/flows/hello_test/publish", nil, 200)
	rb := decode[flowadmin.PublishResult](t, call("POST", "/admin/api/flows/hello_test/rollback", map[string]int{"version": 1}, 200))
	if rb.Version != 3 {
		t.Fatalf("rollback: got version %d, want 3", rb.Version)
	}
	vs := decode[struct {
		Versions []flowadmin.Release `json:"versions"`
	}](t, call("GET", "/admin/api/flows/hello_test/versions", nil, 200))
	if len(vs.Versions) != 3 || vs.Versions[0].PublishedBy != "admin:"+e.admin.ID {
		t.Errorf("versions: got %+v, want 3, the newest published by admin:%s", vs.Versions, e.admin.ID)
	}
	d := decode[flowadmin.Diff](t, call("GET", "/admin/api/flows/hello_test/diff?from=2&to=3", nil, 200))
	if !strings.Contains(d.Unified, `+      en: "Goodbye from version one."`) {
		t.Errorf("diff v2..v3:\n%s", d.Unified)
	}
	call("GET", "/admin/api/flows/hello_test/diff?from=x", nil, 422)
	call("GET", "/admin/api/flows/nope", nil, 404)

	sb := decode[flowadmin.SandboxTurn](t, call("POST", "/admin/api/flows/hello_test/sandbox", nil, 201))
	turn := decode[flowadmin.SandboxTurn](t, call("POST", "/admin/api/sandbox/"+sb.ID+"/say", map[string]string{"text": "green"}, 200))
	if turn.Status != "closed" || !strings.Contains(turn.Messages[0].Text, "version one") {
		t.Errorf("sandbox turn: got %+v, want the goodbye and closed", turn)
	}
}

func TestAPITokens(t *testing.T) {
	e := startFlowAdmin(t)
	b, csrf := e.signedIn(t, "max@example.org", adminPassword)
	create := func(scope string) string {
		t.Helper()
		got, body := b.api(t, "POST", "/admin/api/tokens", `{"name":"ci `+scope+`","scopes":["`+scope+`"]}`, csrf, e.origin)
		if got != http.StatusCreated {
			t.Fatalf("create token: got %d %s", got, body)
		}
		return decode[struct {
			Token string `json:"token"`
		}](t, body).Token
	}
	reader, writer := create(staff.ScopeFlowsRead), create(staff.ScopeFlowsWrite)

	// Hashed at rest, shown once.
	var n int
	if err := e.db.Reader().QueryRow(`SELECT COUNT(*) FROM api_tokens WHERE instr(token_hash, ?) > 0 OR instr(name, ?) > 0`,
		[]byte(reader), reader).Scan(&n); err != nil || n != 0 {
		t.Errorf("the token is stored in clear (%d rows, %v)", n, err)
	}
	sum := sha256.Sum256([]byte(reader))
	if _, err := e.db.APITokenByHash(context.Background(), sum[:]); err != nil {
		t.Errorf("no token stored under the token's SHA-256: %v", err)
	}
	_, list := b.api(t, "GET", "/admin/api/tokens", "", "", "")
	if strings.Contains(list, reader) || strings.Contains(list, writer) || !strings.Contains(list, "ci flows:read") {
		t.Errorf("token list shows a token or lacks one: %s", list)
	}

	bearer := func(token, method, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, e.base+path, bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	draft := `{"source":` + jsonString(flowHello) + `,"tests":` + jsonString(flowHelloTests) + `}`
	for _, tc := range []struct {
		name, token, method, path, body string
		want                            int
	}{
		{"read token lists", reader, "GET", "/admin/api/flows", "", 200},
		{"read token validates", reader, "POST", "/admin/api/flows/validate", `{"name":"hello_test","source":"x"}`, 200},
		{"read token cannot save a draft", reader, "PUT", "/admin/api/flows/hello_test/draft", draft, 403},
		{"write token saves a draft", writer, "PUT", "/admin/api/flows/hello_test/draft", draft, 200},
		{"read token cannot publish", reader, "POST", "/admin/api/flows/hello_test/publish", "", 403},
		{"write token publishes", writer, "POST", "/admin/api/flows/hello_test/publish", "", 200},
		{"unknown token", "portico_nope", "GET", "/admin/api/flows", "", 401},
		{"tokens cannot manage tokens", writer, "GET", "/admin/api/tokens", "", 401},
	} {
		if got := bearer(tc.token, tc.method, tc.path, tc.body); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
	if v, _ := e.svc.Versions(context.Background(), "hello_test"); len(v) != 1 || !strings.HasPrefix(v[0].PublishedBy, "token:") {
		t.Errorf("versions %+v, want one published by a token", v)
	}

	ts, _ := e.db.APITokens(context.Background())
	if got, body := b.api(t, "DELETE", "/admin/api/tokens/"+ts[1].ID, "", csrf, e.origin); got != http.StatusNoContent {
		t.Fatalf("revoke: got %d %s", got, body)
	}
	if got := bearer(writer, "GET", "/admin/api/flows", ""); got != http.StatusUnauthorized {
		t.Errorf("revoked token: got %d, want 401", got)
	}
	ce := &consoleEnv{testServer: e.testServer, db: e.db}
	audit := strings.Join(ce.auditTypes(t), "\n")
	for _, want := range []string{"token.create/ok/token=" + ts[0].ID, "token.revoke/ok/token=" + ts[1].ID, "flow.publish/ok/from=v0"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %s:\n%s", want, audit)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
