package web

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	pw "github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/storage/sqlite"
)

// fakeLive records what the settings hand to the running engine.
type fakeLive struct {
	mu     sync.Mutex
	queues map[string]bot.Queue
	sets   int
	agents []bot.AgentInfo
}

func (f *fakeLive) SetQueues(_ context.Context, qs map[string]bot.Queue) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queues, f.sets = qs, f.sets+1
}

func (f *fakeLive) UpdateAgent(_ context.Context, info bot.AgentInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.agents = append(f.agents, info)
}

func (f *fakeLive) state() (map[string]bot.Queue, int, []bot.AgentInfo) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.queues, f.sets, append([]bot.AgentInfo(nil), f.agents...)
}

// settingsEnv is the console with the settings served from a real SQLite
// store; open sockets only re-check their session hourly, so a socket that
// closes at once was closed by the settings themselves.
type settingsEnv struct {
	*consoleEnv
	live *fakeLive
}

// widgetFromConfig is the configuration file's widget in these tests.
var widgetFromConfig = Widget{Title: "Sample Health help", Color: "#0b5cad", Greeting: map[string]string{"en": "Hello from the file"}}

func startSettings(t *testing.T) *settingsEnv {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "portico.db"), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	env := &settingsEnv{
		consoleEnv: &consoleEnv{db: db, desk: newFakeDesk(), clock: bot.NewManualClock(time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC))}, // a Monday
		live:       &fakeLive{},
	}
	env.agent = addUser(t, db, "ana@example.org", "Ana", bot.RoleAgent, agentPassword)
	env.admin = addUser(t, db, "max@example.org", "Max", bot.RoleAdmin, adminPassword)
	if _, err := db.SeedQueueSpecs(context.Background(), []bot.QueueSpec{{Name: "portal-support", Priority: 1}}); err != nil {
		t.Fatal(err)
	}
	deps := Deps{
		Agents:   AgentDeps{Desk: env.desk, Users: db, Sessions: db, Canned: db, Search: db, Audit: db},
		Settings: SettingsDeps{Users: db, Queues: db, Settings: db, Audit: db, Live: env.live},
	}
	env.testServer = startServer(t, newFakeEngine(), deps, func(c *Config) {
		c.Console.SessionCheck = time.Hour
		c.Widget = widgetFromConfig
	}, func(s *Server) { s.now = env.clock.Now })
	return env
}

// adminClient signs the admin in and returns the client and CSRF token.
func (e *settingsEnv) adminClient(t *testing.T) (*browserClient, string) {
	t.Helper()
	b := e.mustSignIn(t, "max@example.org", adminPassword)
	return b, b.csrf(t)
}

// call is an API call as the settings pages make it.
func (b *browserClient) call(t *testing.T, method, path, body, csrf string) (int, map[string]any) {
	t.Helper()
	status, out := b.api(t, method, path, body, csrf, b.origin)
	var v map[string]any
	if strings.HasPrefix(strings.TrimSpace(out), "{") {
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%s %s: bad JSON %q: %v", method, path, out, err)
		}
	}
	return status, v
}

// settingsRoutes is every settings route with a request that an admin may
// make, and the status the admin gets.
var settingsRoutes = []struct {
	method, path, body string
	page               bool // an HTML page: no session is a redirect to sign in
	admin              int
}{
	{"GET", "/admin/settings/users", "", true, 200},
	{"GET", "/admin/settings/queues", "", true, 200},
	{"GET", "/admin/settings/canned", "", true, 200},
	{"GET", "/admin/settings/widget", "", true, 200},
	{"GET", "/admin/audit", "", true, 200},
	{"GET", "/admin/settings/widget/preview?color=%23123456", "", false, 200},
	{"GET", "/admin/api/users", "", false, 200},
	{"POST", "/admin/api/users", `{"email":"new@example.org","name":"New","role":"agent"}`, false, 201},
	{"PATCH", "/admin/api/users/{target}", `{"capacity":4}`, false, 200},
	{"POST", "/admin/api/users/{target}/disable", "", false, 200},
	{"POST", "/admin/api/users/{target}/enable", "", false, 200},
	{"POST", "/admin/api/users/{target}/password", "", false, 200},
	{"GET", "/admin/api/queues", "", false, 200},
	{"PUT", "/admin/api/queues/billing", `{"priority":2}`, false, 200},
	{"DELETE", "/admin/api/queues/billing", "", false, 204},
	{"GET", "/admin/api/widget", "", false, 200},
	{"GET", "/admin/api/widget/contrast?color=%23224466", "", false, 200},
	{"PUT", "/admin/api/widget", `{"color":"#224466"}`, false, 200},
	{"DELETE", "/admin/api/widget", "", false, 200},
	{"GET", "/admin/api/audit", "", false, 200},
	{"GET", "/admin/api/audit.csv", "", false, 200},
	{"POST", "/admin/api/audit/verify", "", false, 200},
}

func TestSettingsRoutesAreForAdminsOnly(t *testing.T) {
	env := startSettings(t)
	anon := env.client(t)
	agent := env.mustSignIn(t, "ana@example.org", agentPassword)
	agentCSRF := agent.csrf(t)
	admin, csrf := env.adminClient(t)
	target := addUser(t, env.db, "lee@example.org", "Lee", bot.RoleAgent, agentPassword) // the one changed
	for _, r := range settingsRoutes {
		path := strings.ReplaceAll(r.path, "{target}", target.ID)
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			status, _ := anon.api(t, r.method, path, r.body, "", env.origin)
			want := http.StatusUnauthorized
			if r.page {
				want = http.StatusSeeOther
			}
			if status != want {
				t.Errorf("without a session: got %d, want %d", status, want)
			}
			if status, _ := agent.api(t, r.method, path, r.body, agentCSRF, env.origin); status != http.StatusForbidden {
				t.Errorf("as an agent: got %d, want 403", status)
			}
			if !safeMethod(r.method) {
				if status, _ := admin.api(t, r.method, path, r.body, "", env.origin); status != http.StatusForbidden {
					t.Errorf("as an admin without the CSRF header: got %d, want 403", status)
				}
				if status, _ := admin.api(t, r.method, path, r.body, csrf, "http://evil.example"); status != http.StatusForbidden {
					t.Errorf("as an admin from another origin: got %d, want 403", status)
				}
			}
			if status, body := admin.api(t, r.method, path, r.body, csrf, env.origin); status != r.admin {
				t.Errorf("as an admin: got %d, want %d\n%s", status, r.admin, body)
			}
		})
	}
}

func TestCreateUserShowsThePasswordOnceAndStoresItsHash(t *testing.T) {
	env := startSettings(t)
	admin, csrf := env.adminClient(t)

	status, out := admin.call(t, "POST", "/admin/api/users",
		`{"email":" Lea@Example.org ","name":"Lea","role":"agent","capacity":2,"queues":["billing"]}`, csrf)
	if status != http.StatusCreated {
		t.Fatalf("create: got %d %v, want 201", status, out)
	}
	password, _ := out["password"].(string)
	if len(password) < 26 {
		t.Fatalf("generated password %q, want at least 26 characters", password)
	}
	u := out["user"].(map[string]any)
	if u["email"] != "lea@example.org" || u["capacity"] != 2.0 || u["role"] != "agent" {
		t.Errorf("created %v, want lea@example.org, capacity 2, agent", u)
	}
	stored, err := env.db.UserByEmail(context.Background(), "lea@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored.PasswordHash, "$argon2id$") || strings.Contains(stored.PasswordHash, password) ||
		!pw.Matches(stored.PasswordHash, password) {
		t.Errorf("stored %q, want an argon2id hash of the shown password", stored.PasswordHash)
	}
	_, list := admin.api(t, "GET", "/admin/api/users", "", "", "")
	if strings.Contains(list, password) || strings.Contains(list, "argon2") {
		t.Errorf("the list shows the password or its hash: %s", list)
	}
	if !strings.Contains(list, "lea@example.org") {
		t.Errorf("the list %s, want the new account", list)
	}
	env.mustSignIn(t, "lea@example.org", password)
	if got := env.auditTypes(t); !contains(got, "user.created/ok/role=agent") {
		t.Errorf("audit %v, want user.created", got)
	}

	// No capacity given: the account follows the desk's (5 in the fake),
	// shown as such and stored as 0.
	status, out = admin.call(t, "POST", "/admin/api/users", `{"email":"mo@example.org","name":"Mo","role":"agent"}`, csrf)
	if u, _ := out["user"].(map[string]any); status != http.StatusCreated || u["capacity"] != 0.0 || u["default_capacity"] != 5.0 {
		t.Errorf("create without a capacity: got %d %v, want 201, capacity 0 and the desk's 5", status, out)
	}
	if mo, err := env.db.UserByEmail(context.Background(), "mo@example.org"); err != nil || mo.Capacity != 0 {
		t.Errorf("stored capacity %d (%v), want 0, the desk's default", mo.Capacity, err)
	}

	for _, tt := range []struct{ body, field string }{
		{`{"email":"lea@example.org","name":"Lea 2","role":"agent"}`, "email"},
		{`{"email":"not-an-email","name":"X","role":"agent"}`, "email"},
		{`{"email":"x@example.org","name":"","role":"agent"}`, "name"},
		{`{"email":"x@example.org","name":"X","role":"owner"}`, "role"},
		{`{"email":"x@example.org","name":"X","role":"agent","capacity":99}`, "capacity"},
		{`{"email":"x@example.org","name":"X","role":"agent","queues":["Bad Queue"]}`, "queues"},
	} {
		status, out := admin.call(t, "POST", "/admin/api/users", tt.body, csrf)
		fields, _ := out["fields"].(map[string]any)
		if status != http.StatusUnprocessableEntity || fields[tt.field] == nil {
			t.Errorf("create %s: got %d %v, want 422 about %s", tt.body, status, out, tt.field)
		}
	}
	if status, _ := admin.call(t, "POST", "/admin/api/users", `{"email":"x@example.org","password":"mine"}`, csrf); status != http.StatusBadRequest {
		t.Errorf("a body with a password field: got %d, want 400 (passwords are generated)", status)
	}
}

func TestDisablingAnAgentClosesTheirConsolesAtOnce(t *testing.T) {
	env := startSettings(t)
	agent := env.mustSignIn(t, "ana@example.org", agentPassword)
	ws := env.mustDialAgent(t, agent)
	admin, csrf := env.adminClient(t)

	status, out := admin.call(t, "POST", "/admin/api/users/"+env.agent.ID+"/disable", "", csrf)
	if status != http.StatusOK || out["user"].(map[string]any)["disabled"] != true {
		t.Fatalf("disable: got %d %v", status, out)
	}
	ws.SetReadDeadline(time.Now().Add(waitLimit))
	if code := expectClose(t, ws); code != websocket.ClosePolicyViolation {
		t.Errorf("the agent's socket closed with %d, want 1008", code)
	}
	if status, _ := agent.api(t, "GET", "/agent/api/me", "", "", ""); status != http.StatusUnauthorized {
		t.Errorf("the agent's session after the disable: got %d, want 401", status)
	}
	if resp, _ := env.client(t).signIn(t, "ana@example.org", agentPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("signing in while disabled: got %d, want 401", resp.StatusCode)
	}
	if status, _ := admin.call(t, "POST", "/admin/api/users/"+env.admin.ID+"/disable", "", csrf); status != http.StatusConflict {
		t.Errorf("an admin disabling themselves: got %d, want 409", status)
	}
	if status, _ := admin.call(t, "POST", "/admin/api/users/"+env.agent.ID+"/enable", "", csrf); status != http.StatusOK {
		t.Errorf("enable: got %d, want 200", status)
	}
	env.mustSignIn(t, "ana@example.org", agentPassword)
	if status, _ := admin.call(t, "POST", "/admin/api/users/nobody/disable", "", csrf); status != http.StatusNotFound {
		t.Errorf("disable an unknown account: got %d, want 404", status)
	}
	got := env.auditTypes(t)
	for _, want := range []string{"user.disabled/ok/", "user.enabled/ok/"} {
		if !contains(got, want) {
			t.Errorf("audit %v, want %s", got, want)
		}
	}
}

func TestResettingAPasswordEndsTheSessions(t *testing.T) {
	env := startSettings(t)
	agent := env.mustSignIn(t, "ana@example.org", agentPassword)
	ws := env.mustDialAgent(t, agent)
	admin, csrf := env.adminClient(t)

	status, out := admin.call(t, "POST", "/admin/api/users/"+env.agent.ID+"/password", "", csrf)
	password, _ := out["password"].(string)
	if status != http.StatusOK || len(password) < 26 {
		t.Fatalf("reset: got %d %v", status, out)
	}
	ws.SetReadDeadline(time.Now().Add(waitLimit))
	if code := expectClose(t, ws); code != websocket.ClosePolicyViolation {
		t.Errorf("the agent's socket closed with %d, want 1008", code)
	}
	if status, _ := agent.api(t, "GET", "/agent/api/me", "", "", ""); status != http.StatusUnauthorized {
		t.Errorf("the old session: got %d, want 401", status)
	}
	if resp, _ := env.client(t).signIn(t, "ana@example.org", agentPassword); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old password: got %d, want 401", resp.StatusCode)
	}
	env.mustSignIn(t, "ana@example.org", password)
	if got := env.auditTypes(t); !contains(got, "user.password_reset/ok/") {
		t.Errorf("audit %v, want user.password_reset", got)
	}
}

func TestEditingAnAgentReachesTheEngine(t *testing.T) {
	env := startSettings(t)
	admin, csrf := env.adminClient(t)
	status, out := admin.call(t, "PATCH", "/admin/api/users/"+env.agent.ID, `{"capacity":5,"queues":["billing","portal-support"]}`, csrf)
	if status != http.StatusOK {
		t.Fatalf("edit: got %d %v", status, out)
	}
	_, _, agents := env.live.state()
	if len(agents) != 1 || agents[0].ID != env.agent.ID || agents[0].Capacity != 5 || strings.Join(agents[0].Queues, ",") != "billing,portal-support" || agents[0].Name != "Ana" {
		t.Errorf("the engine was told %+v, want Ana with capacity 5 and two queues", agents)
	}
	if got := env.auditTypes(t); !contains(got, "user.changed/ok/capacity=5 queues=billing,portal-support") {
		t.Errorf("audit %v, want user.changed", got)
	}
	status, out = admin.call(t, "PATCH", "/admin/api/users/"+env.agent.ID, `{"capacity":0}`, csrf)
	if u, _ := out["user"].(map[string]any); status != http.StatusOK || u["capacity"] != 0.0 || u["default_capacity"] != 5.0 {
		t.Errorf("edit to the desk's default: got %d %v, want 200, capacity 0 and the desk's 5", status, out)
	}
	if _, _, agents = env.live.state(); len(agents) != 2 || agents[1].Capacity != 0 {
		t.Errorf("the engine was told %+v, want Ana with capacity 0 (the desk's)", agents)
	}
	for _, body := range []string{`{"capacity":-1}`, `{"name":""}`, `{"role":"admin"}`, `{"queues":["no good"]}`} {
		if status, _ := admin.call(t, "PATCH", "/admin/api/users/"+env.agent.ID, body, csrf); status != http.StatusUnprocessableEntity {
			t.Errorf("edit %s: got %d, want 422", body, status)
		}
	}
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}
