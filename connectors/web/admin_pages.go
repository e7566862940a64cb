package web

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/portico-chat/portico/bot"
)

// The admin pages are HTML shells: each is the shared layout
// (templates/admin_layout.html) with one page template, and its script
// under static/admin/ does the work through the admin API (docs/admin.md).
// They are for admins; an agent gets 403 and a signed-out browser is sent
// to sign in (guard). routes.go lists them:
//
//	GET /admin                   the flows
//	GET /admin/flows/{name}      a flow's editor, test panel and versions
//	GET /admin/analytics         the analytics dashboard
//	GET /admin/tokens            API tokens
//	GET /admin/settings/{part}   people, queues and hours, canned responses, the widget
//	GET /admin/audit             the audit log

// adminLayout is the layout every admin page is parsed with.
const adminLayout = "templates/admin_layout.html"

// adminPageFiles are the admin pages: path → template, title and the
// navigation entry the layout marks as current. The editor's title names
// its flow.
var adminPageFiles = map[string]struct{ file, title, nav string }{
	"/admin":                 {"templates/admin_flows.html", "Flows", "flows"},
	"/admin/flows/":          {"templates/admin_editor.html", "Flow", "flows"},
	"/admin/analytics":       {"templates/admin_analytics.html", "Analytics", "analytics"},
	"/admin/tokens":          {"templates/admin_tokens.html", "API tokens", "tokens"},
	"/admin/settings/users":  {"templates/admin_settings_users.html", "People", "users"},
	"/admin/settings/queues": {"templates/admin_settings_queues.html", "Queues and office hours", "queues"},
	"/admin/settings/canned": {"templates/admin_settings_canned.html", "Canned responses", "canned"},
	"/admin/settings/widget": {"templates/admin_settings_widget.html", "Widget appearance", "widget"},
	"/admin/audit":           {"templates/admin_audit.html", "Audit log", "audit"},
}

// adminPage is what the admin layout and its pages get. The layout uses
// Title, Nav, CSRF, Name and Role; pages may use the rest.
type adminPage struct {
	Title string // the page's title, before " · Portico admin"
	Nav   string // the navigation entry to mark as the current page
	CSRF  string // the session's CSRF token, for the scripts' X-CSRF-Token
	Name  string // the signed-in admin's name
	Role  string
	Flow  string // the editor's flow
}

// parseAdminPage parses the admin layout with one page template, which
// defines the blocks "title" and "main" (and "scripts" for its scripts and
// styles). Execute the result by the layout's name, "admin_layout.html".
func parseAdminPage(file string) *template.Template {
	return parseTemplates(adminLayout, file)
}

// adminPages serves the admin pages.
type adminPages struct {
	con       *console
	pages     map[string]*template.Template // by adminPageFiles' path; one set per page, so its blocks stay its own
	forbidden *template.Template
}

func newAdminPages(con *console) *adminPages {
	p := &adminPages{con: con, pages: map[string]*template.Template{},
		forbidden: parseTemplates("templates/admin_forbidden.html")}
	for path, f := range adminPageFiles {
		p.pages[path] = parseAdminPage(f.file)
	}
	return p
}

// guard wraps an admin page handler: no session sends the browser to sign
// in (and back after), an agent's session gets a 403 page, an admin's is
// touched and served.
func (p *adminPages) guard(h func(http.ResponseWriter, *http.Request, adminPage)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := p.con.currentSession(r)
		switch {
		case err != nil:
			p.con.s.log.Error().Err(err).Msg("admin page session")
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		case ss == nil:
			http.Redirect(w, r, signInFor(r), http.StatusSeeOther)
			return
		}
		page := adminPage{CSRF: csrfToken(ss.token), Name: ss.user.Name, Role: ss.user.Role}
		if ss.user.Role != bot.RoleAdmin {
			p.render(w, http.StatusForbidden, p.forbidden, "admin_forbidden.html", page)
			return
		}
		p.con.touch(r.Context(), ss)
		h(w, r, page)
	})
}

// serve renders the page at path.
func (p *adminPages) serve(w http.ResponseWriter, path string, page adminPage) {
	f := adminPageFiles[path]
	if page.Title == "" {
		page.Title = f.title
	}
	page.Nav = f.nav
	p.render(w, http.StatusOK, p.pages[path], "admin_layout.html", page)
}

func (p *adminPages) handleFlows(w http.ResponseWriter, _ *http.Request, page adminPage) {
	p.serve(w, "/admin", page)
}

// handleEditor serves the editor of any well-formed flow name: a name
// that is not a flow yet starts a new one with its first draft.
func (p *adminPages) handleEditor(w http.ResponseWriter, r *http.Request, page adminPage) {
	name := r.PathValue("name")
	if !bot.ValidFlowName(name) {
		http.Error(w, "A flow name is lower-case letters, digits and underscores, starting with a letter.", http.StatusNotFound)
		return
	}
	page.Title, page.Flow = "Flow "+name, name
	p.serve(w, "/admin/flows/", page)
}

func (p *adminPages) handleAnalytics(w http.ResponseWriter, _ *http.Request, page adminPage) {
	p.serve(w, "/admin/analytics", page)
}

func (p *adminPages) handleTokens(w http.ResponseWriter, _ *http.Request, page adminPage) {
	p.serve(w, "/admin/tokens", page)
}

// handleSettings serves a settings page or the audit log, by its path.
func (p *adminPages) handleSettings(w http.ResponseWriter, r *http.Request, page adminPage) {
	p.serve(w, r.URL.Path, page)
}

// render writes a page with status, or a bare 500 if it fails to render.
func (p *adminPages) render(w http.ResponseWriter, status int, t *template.Template, name string, data adminPage) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		p.con.s.log.Error().Err(err).Str("page", name).Msg("render admin page")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}
