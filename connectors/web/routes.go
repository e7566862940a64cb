package web

import (
	"net/http"
	"strings"

	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/bot/staff"
)

// routes is every route of the server, with who may call it: the one
// place to find a URL (STYLE.md rule 11, after miniflux's ui.go). Each
// handler lives in the file named after its path (/admin/api/users →
// admin_users.go, /ws/agent → agent_socket.go; docs/architecture.md).
// Parts whose stores are not configured, and the demo's pages outside
// demo mode, are not mounted. The routes test lists them all.
func (s *Server) routes() *router {
	r := newRouter()

	// The patient side: the socket, the widget, health. Public.
	r.public("GET /ws", s.handlePatientSocket)
	r.public("GET /widget.js", s.handleWidgetAsset)
	r.public("GET /widget.css", s.handleWidgetAsset)
	r.public("GET /widget/config", s.handleWidgetConfig)
	r.public("GET /healthz", s.handleHealth)
	r.public("GET /readyz", s.handleReady)
	r.public("GET /static/", staticHandler().ServeHTTP)
	r.public("GET /{$}", s.handleIndex)

	// SMS: the provider's signed webhook (connectors/sms checks the
	// signature itself), and the page a texted link opens.
	if s.deps.SMS.Inbound != nil {
		r.public("POST /sms/inbound", s.handleSMSInbound)
	}
	if s.deps.SMS.Continue != nil {
		r.public("GET /sms/continue", s.handleSMSContinuePage)
		r.public("POST /sms/continue", s.handleSMSContinue)
	}

	// The demo: the mock portal's sign-in and the developer's outbox.
	if s.cfg.Demo {
		r.public("POST /demo/signin", s.handleSignIn)
		r.public("GET /demo/welcome", s.handleWelcome)
		if s.deps.Outbox != nil {
			r.public("/dev/outbox", s.deps.Outbox.ServeHTTP)
			r.public("/dev/outbox.json", s.deps.Outbox.ServeHTTP)
		}
		if s.deps.Stats != nil {
			r.public("GET /debug/stats", s.deps.Stats.ServeHTTP)
		}
	}

	con := s.con
	if con == nil { // no staff stores: no console, no admin
		return r
	}
	r.con = con

	// Staff sign-in, the agent console and its socket.
	r.signInForm("GET /agent/signin", con.handleSignInPage)
	r.signInForm("POST /agent/signin", con.handleSignIn)
	r.signOutForm("POST /agent/signout", con.handleSignOut)
	r.staffPage("GET /agent", con.handleConsole)
	r.staffPage("GET /agent/{$}", con.handleConsole)
	r.staffSocket("GET /ws/agent", con.handleAgentSocket)
	r.staff("GET /agent/api/me", con.handleMe)
	r.staff("GET /agent/api/canned", con.handleCannedList)
	r.admin("POST /agent/api/canned", con.handleCannedPut)
	r.admin("DELETE /agent/api/canned", con.handleCannedDelete)
	r.admin("DELETE /agent/api/canned/{shortcut}", con.handleCannedDelete)
	r.staff("GET /agent/api/conversations", con.handleSearch)
	if m := s.deps.SMS.Measure; m != nil {
		r.staff("POST /agent/api/sms/segments", con.smsSegments(m))
	}

	// The admin pages: HTML shells whose scripts use the APIs below.
	p := newAdminPages(con)
	r.pages = p
	r.adminPage("GET /admin", p.handleFlows)
	r.adminPage("GET /admin/{$}", p.handleFlows)
	r.adminPage("GET /admin/flows/{name}", p.handleEditor)
	r.adminPage("GET /admin/analytics", p.handleAnalytics)
	r.adminPage("GET /admin/tokens", p.handleTokens)
	r.adminPage("GET /admin/settings/canned", p.handleSettings)

	// Flows: an admin's session, or an API token with the scope named.
	if f := s.deps.Flows; f.Flows != nil {
		a := &flowAPI{s: s, con: con, flows: f.Flows, tokens: f.Tokens}
		r.flows = a
		read, write := staff.ScopeFlowsRead, staff.ScopeFlowsWrite
		r.token("GET /admin/api/flows", read, a.handleList)
		r.token("POST /admin/api/flows/validate", read, a.handleValidate)
		r.token("GET /admin/api/flows/{name}", read, a.handleGet)
		r.token("PUT /admin/api/flows/{name}/draft", write, a.handleSaveDraft)
		r.token("DELETE /admin/api/flows/{name}/draft", write, a.handleDiscardDraft)
		r.token("POST /admin/api/flows/{name}/publish", write, a.handlePublish)
		r.token("POST /admin/api/flows/{name}/rollback", write, a.handleRollback)
		r.token("GET /admin/api/flows/{name}/versions", read, a.handleVersions)
		r.token("GET /admin/api/flows/{name}/diff", read, a.handleDiff)
		r.token("GET /admin/api/flows/{name}/diagram.svg", read, a.handleDiagram)
		r.token("POST /admin/api/flows/{name}/test", write, a.handleTest)
		r.token("POST /admin/api/flows/{name}/sandbox", write, a.handleSandboxStart)
		r.token("POST /admin/api/sandbox/{id}/say", write, a.handleSandboxSay)
		r.token("DELETE /admin/api/sandbox/{id}", write, a.handleSandboxEnd)
		if f.Tokens != nil {
			r.admin("GET /admin/api/tokens", a.handleTokenList)
			r.admin("POST /admin/api/tokens", a.handleTokenCreate)
			r.admin("DELETE /admin/api/tokens/{id}", a.handleTokenRevoke)
		}
	}

	// Analytics.
	an := newAnalytics(con)
	r.admin("GET /admin/api/analytics", an.handleJSON)
	r.admin("GET /admin/analytics/{file}", an.handleFile)

	// Settings and the audit log, each part with its store.
	st := &settings{s: s, con: con, deps: s.deps.Settings}
	if st.deps.Users != nil {
		r.adminPage("GET /admin/settings/users", p.handleSettings)
		r.admin("GET /admin/api/users", st.handleUsers)
		r.admin("POST /admin/api/users", st.handleUserCreate)
		r.admin("PATCH /admin/api/users/{id}", st.handleUserEdit)
		r.admin("POST /admin/api/users/{id}/disable", st.handleUserDisable(true))
		r.admin("POST /admin/api/users/{id}/enable", st.handleUserDisable(false))
		r.admin("POST /admin/api/users/{id}/password", st.handleUserPassword)
	}
	if st.deps.Queues != nil {
		r.adminPage("GET /admin/settings/queues", p.handleSettings)
		r.admin("GET /admin/api/queues", st.handleQueues)
		r.admin("PUT /admin/api/queues/{name}", st.handleQueuePut)
		r.admin("DELETE /admin/api/queues/{name}", st.handleQueueDelete)
	}
	if st.deps.Settings != nil {
		r.adminPage("GET /admin/settings/widget", p.handleSettings)
		r.adminFrame("GET /admin/settings/widget/preview", st.handleWidgetPreview)
		r.admin("GET /admin/api/widget", st.handleWidget)
		r.admin("GET /admin/api/widget/contrast", st.handleWidgetContrast)
		r.admin("PUT /admin/api/widget", st.handleWidgetPut)
		r.admin("DELETE /admin/api/widget", st.handleWidgetReset)
	}
	if st.deps.Audit != nil {
		r.adminPage("GET /admin/audit", p.handleSettings)
		r.admin("GET /admin/api/audit", st.handleAudit)
		r.admin("GET /admin/api/audit.csv", st.handleAuditCSV)
		r.admin("POST /admin/api/audit/verify", st.handleAuditVerify)
	}
	return r
}

// secondSiteRoutes are the routes of the demo's second site, a page on
// another origin that embeds the widget as a portal would
// (CrossOriginDemo).
func (s *Server) secondSiteRoutes(portico string) *router {
	r := newRouter()
	r.public("GET /static/", staticHandler().ServeHTTP)
	r.public("GET /{$}", s.handleSecondSite(portico))
	return r
}

// Who may call a route. The handler is wrapped in the guard that makes
// it so (guards.go), or checks before a WebSocket upgrade.
const (
	accessPublic    = "public"         // anyone: patients, portals, probes, the sign-in form
	accessStaff     = "staff"          // a signed-in agent or admin; JSON 401 without
	accessAdmin     = "admin"          // a signed-in admin; JSON 401 without, 403 for an agent
	accessStaffPage = "staff page"     // a signed-in agent or admin; the browser is sent to sign in without
	accessAdminPage = "admin page"     // an admin; the browser is sent to sign in without, an agent gets a 403 page
	accessAdminText = "admin frame"    // an admin; plain 401 and 403 (the widget page's preview iframe)
	accessToken     = "admin or token" // an admin's session, or an API token with the route's scope
)

// What a state-changing request must carry besides the session cookie.
const (
	csrfNotNeeded      = ""               // a safe method, or no session involved
	csrfByHeader       = "header"         // the session's token as X-CSRF-Token, and this site's Origin
	csrfBySignInForm   = "sign-in form"   // the form's token, equal to its cookie's (double submit), and this site's Origin
	csrfByFormOrHeader = "form or header" // the session's token as the csrf field or X-CSRF-Token, and this site's Origin
)

// route is one route as registered: its pattern ("METHOD /path"), who may
// call it (access*; for a token route, with the scope) and what a
// state-changing request must carry (csrf*).
type route struct {
	Pattern string
	Access  string
	CSRF    string
}

// router puts routes on a mux, each wrapped in its guard, and remembers
// them with their guards.
type router struct {
	mux   *http.ServeMux
	list  []route
	con   *console    // the staff's guards
	pages *adminPages // the admin pages' guard
	flows *flowAPI    // the API-token guard
}

func newRouter() *router { return &router{mux: http.NewServeMux()} }

func (r *router) add(pattern, access, csrf string, h http.Handler) {
	r.mux.Handle(pattern, h)
	if !unsafeRoute(pattern) {
		csrf = csrfNotNeeded
	}
	r.list = append(r.list, route{Pattern: pattern, Access: access, CSRF: csrf})
}

// unsafeRoute reports whether a pattern takes state-changing methods (a
// pattern without a method takes them all).
func unsafeRoute(pattern string) bool {
	method, _, found := strings.Cut(pattern, " ")
	return !found || !safeMethod(method)
}

// staffHandler is a handler behind a staff guard, with its session.
type staffHandler = func(http.ResponseWriter, *http.Request, *staffSession)

// The kinds of route: each wraps its handler in the guard of its access
// (guards.go) and records both.

func (r *router) public(p string, h http.HandlerFunc) { r.add(p, accessPublic, csrfNotNeeded, h) }
func (r *router) staff(p string, h staffHandler)      { r.add(p, accessStaff, csrfByHeader, r.con.staff(h)) }
func (r *router) admin(p string, h staffHandler)      { r.add(p, accessAdmin, csrfByHeader, r.con.admin(h)) }
func (r *router) staffPage(p string, h staffHandler) {
	r.add(p, accessStaffPage, csrfNotNeeded, r.con.staffPage(h))
}
func (r *router) adminFrame(p string, h http.HandlerFunc) {
	r.add(p, accessAdminText, csrfNotNeeded, r.con.adminFrame(h))
}
func (r *router) signInForm(p string, h http.HandlerFunc) {
	r.add(p, accessPublic, csrfBySignInForm, h)
}
func (r *router) adminPage(p string, h func(http.ResponseWriter, *http.Request, adminPage)) {
	r.add(p, accessAdminPage, csrfNotNeeded, r.pages.guard(h))
}

// signOutForm is public: without a session it only sends the browser to
// sign in; with one, the handler checks the session's CSRF token.
func (r *router) signOutForm(p string, h http.HandlerFunc) {
	r.add(p, accessPublic, csrfByFormOrHeader, h)
}

// staffSocket is /ws/agent: the handler checks the session before the
// upgrade (after the server's state and the Origin), answering 401.
func (r *router) staffSocket(p string, h http.HandlerFunc) { r.add(p, accessStaff, csrfNotNeeded, h) }

// token is a flow API route: an admin's session with the CSRF rules, or
// an API token with scope (never ambient, so no CSRF token).
func (r *router) token(p, scope string, h func(http.ResponseWriter, *http.Request, flowadmin.Actor)) {
	r.add(p, accessToken+" "+scope, csrfByHeader, r.flows.auth(scope, h))
}
