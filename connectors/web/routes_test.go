package web

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/storage/sqlite"
)

// startEverything is a server with every part mounted: demo mode, the dev
// outbox and stats, the console, the flow API with tokens, the settings
// and the audit log.
func startEverything(t *testing.T) *consoleEnv {
	t.Helper()
	stub := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "stub") })
	return startConsoleWith(t, func(d *Deps, db *sqlite.DB) {
		d.SignIn, d.Outbox, d.Stats = fakePortal{}, stub, stub
		d.Flows = FlowAdminDeps{Flows: noFlows{}, Tokens: db}
		d.Settings = SettingsDeps{Users: db, Queues: db, Settings: db, Audit: db}
		d.SMS = SMSDeps{Inbound: stub, Continue: func(context.Context, string) (string, string, error) {
			return "", "", bot.Errorf(bot.EEXPIRED, "expired")
		}, Measure: func(string) SMSMeasure { return SMSMeasure{} }}
	}, func(c *Config) { c.Demo = true })
}

// wantRoutes is every route of a server with everything configured, in
// the order routes.go lists them: pattern, who may call it, and what a
// state-changing request must carry besides the session cookie (see
// routes.go: "header" is the session's X-CSRF-Token from this site's
// Origin; a token route needs it with a session only).
var wantRoutes = []route{
	// The patient side.
	{"GET /ws", "public", ""},
	{"GET /widget.js", "public", ""},
	{"GET /widget.css", "public", ""},
	{"GET /widget/config", "public", ""},
	{"GET /healthz", "public", ""},
	{"GET /readyz", "public", ""},
	{"GET /static/", "public", ""},
	{"GET /{$}", "public", ""},
	// SMS (when sms.enabled): the provider's signed webhook, the texted link's page.
	{"POST /sms/inbound", "public", ""},
	{"GET /sms/continue", "public", ""},
	{"POST /sms/continue", "public", ""},
	// The demo (demo mode only).
	{"POST /demo/signin", "public", ""},
	{"GET /demo/welcome", "public", ""},
	{"/dev/outbox", "public", ""},
	{"/dev/outbox.json", "public", ""},
	{"GET /debug/stats", "public", ""},
	// Staff sign-in and the agent console.
	{"GET /agent/signin", "public", ""},
	{"POST /agent/signin", "public", "sign-in form"},
	{"POST /agent/signout", "public", "form or header"},
	{"GET /agent", "staff page", ""},
	{"GET /agent/{$}", "staff page", ""},
	{"GET /ws/agent", "staff", ""},
	{"GET /agent/api/me", "staff", ""},
	{"GET /agent/api/canned", "staff", ""},
	{"POST /agent/api/canned", "admin", "header"},
	{"DELETE /agent/api/canned", "admin", "header"},
	{"DELETE /agent/api/canned/{shortcut}", "admin", "header"},
	{"GET /agent/api/conversations", "staff", ""},
	{"POST /agent/api/sms/segments", "staff", "header"},
	// The admin pages.
	{"GET /admin", "admin page", ""},
	{"GET /admin/{$}", "admin page", ""},
	{"GET /admin/flows/{name}", "admin page", ""},
	{"GET /admin/analytics", "admin page", ""},
	{"GET /admin/tokens", "admin page", ""},
	{"GET /admin/settings/canned", "admin page", ""},
	// Flows: an admin's session or an API token with the scope.
	{"GET /admin/api/flows", "admin or token flows:read", ""},
	{"POST /admin/api/flows/validate", "admin or token flows:read", "header"},
	{"GET /admin/api/flows/{name}", "admin or token flows:read", ""},
	{"PUT /admin/api/flows/{name}/draft", "admin or token flows:write", "header"},
	{"DELETE /admin/api/flows/{name}/draft", "admin or token flows:write", "header"},
	{"POST /admin/api/flows/{name}/publish", "admin or token flows:write", "header"},
	{"POST /admin/api/flows/{name}/rollback", "admin or token flows:write", "header"},
	{"GET /admin/api/flows/{name}/versions", "admin or token flows:read", ""},
	{"GET /admin/api/flows/{name}/diff", "admin or token flows:read", ""},
	{"GET /admin/api/flows/{name}/diagram.svg", "admin or token flows:read", ""},
	{"POST /admin/api/flows/{name}/test", "admin or token flows:write", "header"},
	{"POST /admin/api/flows/{name}/sandbox", "admin or token flows:write", "header"},
	{"POST /admin/api/sandbox/{id}/say", "admin or token flows:write", "header"},
	{"DELETE /admin/api/sandbox/{id}", "admin or token flows:write", "header"},
	{"GET /admin/api/tokens", "admin", ""},
	{"POST /admin/api/tokens", "admin", "header"},
	{"DELETE /admin/api/tokens/{id}", "admin", "header"},
	// Analytics.
	{"GET /admin/api/analytics", "admin", ""},
	{"GET /admin/analytics/{file}", "admin", ""},
	// Settings and the audit log.
	{"GET /admin/settings/users", "admin page", ""},
	{"GET /admin/api/users", "admin", ""},
	{"POST /admin/api/users", "admin", "header"},
	{"PATCH /admin/api/users/{id}", "admin", "header"},
	{"POST /admin/api/users/{id}/disable", "admin", "header"},
	{"POST /admin/api/users/{id}/enable", "admin", "header"},
	{"POST /admin/api/users/{id}/password", "admin", "header"},
	{"GET /admin/settings/queues", "admin page", ""},
	{"GET /admin/api/queues", "admin", ""},
	{"PUT /admin/api/queues/{name}", "admin", "header"},
	{"DELETE /admin/api/queues/{name}", "admin", "header"},
	{"GET /admin/settings/widget", "admin page", ""},
	{"GET /admin/settings/widget/preview", "admin frame", ""},
	{"GET /admin/api/widget", "admin", ""},
	{"GET /admin/api/widget/contrast", "admin", ""},
	{"PUT /admin/api/widget", "admin", "header"},
	{"DELETE /admin/api/widget", "admin", "header"},
	{"GET /admin/audit", "admin page", ""},
	{"GET /admin/api/audit", "admin", ""},
	{"GET /admin/api/audit.csv", "admin", ""},
	{"POST /admin/api/audit/verify", "admin", "header"},
}

// The server's routes are exactly the table above.
func TestRoutesAreTheTable(t *testing.T) {
	env := startEverything(t)
	got := env.routed
	for i := range max(len(got), len(wantRoutes)) {
		var g, w route
		if i < len(got) {
			g = got[i]
		}
		if i < len(wantRoutes) {
			w = wantRoutes[i]
		}
		if g != w {
			t.Errorf("route %d: got %+v, want %+v", i+1, g, w)
		}
	}
}

// Each route lets through whom the table says, and no one else: nobody,
// an agent and an admin try every route (state-changing requests with and
// without the session's CSRF token), and an unknown API token every token
// route.
func TestRoutesAreGuardedAsListed(t *testing.T) {
	env := startEverything(t)
	anon := env.client(t)
	agent := env.mustSignIn(t, "ana@example.org", agentPassword)
	admin := env.mustSignIn(t, "max@example.org", adminPassword)
	agentCSRF, adminCSRF := agent.csrf(t), admin.csrf(t)
	for _, r := range env.routed {
		method, path, ok := strings.Cut(r.Pattern, " ")
		if !ok {
			method, path = http.MethodGet, r.Pattern
		}
		path = probePath(path)
		if r.Pattern == "POST /agent/signout" {
			continue // ends the session: TestStateChangingRequestsNeedCSRFAndOurOrigin (forged token 403) and TestSignOutClosesEverySocketOfTheSession cover it
		}
		t.Run(r.Pattern, func(t *testing.T) {
			call := func(b *browserClient, csrf string) (int, string) {
				return b.api(t, method, path, "{}", csrf, env.origin)
			}
			status := func(b *browserClient, csrf string) int { code, _ := call(b, csrf); return code }
			unsafe := !safeMethod(method)
			switch access, _, _ := strings.Cut(r.Access, " token"); access {
			case accessPublic:
				code := status(anon, "")
				if code == http.StatusUnauthorized && r.Pattern == "POST /demo/signin" {
					code = 0 // the demo portal's wrong password, on its page
				}
				if (code == http.StatusUnauthorized || code == http.StatusForbidden) != (r.CSRF != "") {
					t.Errorf("nobody: got %d; a public route refuses only for a missing form token (%q)", code, r.CSRF)
				}
			case accessStaff, accessAdmin, "admin or":
				if code := status(anon, ""); code != http.StatusUnauthorized {
					t.Errorf("nobody: got %d, want 401", code)
				}
				wantAgent := http.StatusForbidden
				if access == accessStaff {
					wantAgent = 0 // let through
				}
				checkLetThrough(t, "agent", status(agent, agentCSRF), wantAgent)
				checkLetThrough(t, "admin", status(admin, adminCSRF), 0)
				if unsafe {
					if code := status(admin, ""); code != http.StatusForbidden {
						t.Errorf("admin without the CSRF token: got %d, want 403", code)
					}
				}
				if access == "admin or" {
					req, _ := http.NewRequest(method, env.base+path, strings.NewReader("{}"))
					req.Header.Set("Authorization", "Bearer not-a-token")
					resp, err := anon.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusUnauthorized {
						t.Errorf("an unknown token: got %d, want 401", resp.StatusCode)
					}
				}
			case accessStaffPage, accessAdminPage:
				code, _ := call(anon, "")
				if code != http.StatusSeeOther {
					t.Errorf("nobody: got %d, want 303 to sign in", code)
				}
				wantAgent := 0
				if access == accessAdminPage {
					wantAgent = http.StatusForbidden
				}
				checkLetThrough(t, "agent", status(agent, ""), wantAgent)
				checkLetThrough(t, "admin", status(admin, ""), 0)
			case accessAdminText:
				if code := status(anon, ""); code != http.StatusUnauthorized {
					t.Errorf("nobody: got %d, want 401", code)
				}
				checkLetThrough(t, "agent", status(agent, ""), http.StatusForbidden)
				checkLetThrough(t, "admin", status(admin, ""), 0)
			default:
				t.Fatalf("access %q is not known to this test", r.Access)
			}
		})
	}
}

// checkLetThrough checks that a signed-in request got want (a refusal),
// or, for want 0, was let through: neither 401, 403 nor a redirect to
// sign in.
func checkLetThrough(t *testing.T, who string, got, want int) {
	t.Helper()
	refused := got == http.StatusUnauthorized || got == http.StatusForbidden || got == http.StatusSeeOther
	switch {
	case want == 0 && refused:
		t.Errorf("%s: got %d, want it let through", who, got)
	case want != 0 && got != want:
		t.Errorf("%s: got %d, want %d", who, got, want)
	}
}

// probePath fills a pattern's wildcards with values no test data has.
func probePath(p string) string {
	return strings.NewReplacer("{$}", "", "{name}", "no_such_flow", "{id}", "nosuch", "{shortcut}", "nosuch",
		"{file}", "daily.svg", "/static/", "/static/portico.css").Replace(p)
}

// noFlows is a FlowAdmin with no flows: every call is ENOTFOUND.
type noFlows struct{}

var errNoFlow = bot.Errorf(bot.ENOTFOUND, "No such flow.")

func (noFlows) List(context.Context) ([]flowadmin.Summary, error) { return nil, nil }
func (noFlows) Get(context.Context, string) (flowadmin.Detail, error) {
	return flowadmin.Detail{}, errNoFlow
}
func (noFlows) Validate(string, []byte) []flowadmin.Problem                   { return nil }
func (noFlows) DiscardDraft(context.Context, string) error                    { return errNoFlow }
func (noFlows) Versions(context.Context, string) ([]flowadmin.Release, error) { return nil, errNoFlow }
func (noFlows) Diagram(context.Context, string, string) ([]byte, error)       { return nil, errNoFlow }
func (noFlows) EndSandbox(string, flowadmin.Actor) error                      { return errNoFlow }
func (noFlows) SaveDraft(context.Context, string, []byte, []byte, flowadmin.Actor) (*flowadmin.DraftView, error) {
	return nil, errNoFlow
}
func (noFlows) Publish(context.Context, string, flowadmin.Actor) (flowadmin.PublishResult, error) {
	return flowadmin.PublishResult{}, errNoFlow
}
func (noFlows) Rollback(context.Context, string, int, flowadmin.Actor) (flowadmin.PublishResult, error) {
	return flowadmin.PublishResult{}, errNoFlow
}
func (noFlows) Diff(context.Context, string, string, string) (flowadmin.Diff, error) {
	return flowadmin.Diff{}, errNoFlow
}
func (noFlows) RunTests(context.Context, string) (flowadmin.TestReport, []flowadmin.Problem, error) {
	return flowadmin.TestReport{}, nil, errNoFlow
}
func (noFlows) StartSandbox(context.Context, string, flowadmin.Actor) (flowadmin.SandboxTurn, error) {
	return flowadmin.SandboxTurn{}, errNoFlow
}
func (noFlows) SandboxSay(context.Context, string, flowadmin.Actor, string, string) (flowadmin.SandboxTurn, error) {
	return flowadmin.SandboxTurn{}, errNoFlow
}
