package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"regexp"

	"github.com/portico-chat/portico/bot"
)

// The admin pages are HTML shells: each is the shared layout
// (templates/admin_layout.html) with one page template, and its script
// under static/admin/ does the work through the admin API (docs/admin.md).
// They are for admins; an agent gets 403 and a signed-out browser is sent
// to sign in.

// adminLayout is the layout every admin page is parsed with.
const adminLayout = "templates/admin_layout.html"

// Navigation keys of the admin pages, which the layout marks as current.
const (
	navFlows     = "flows"
	navAnalytics = "analytics"
	navTokens    = "tokens"
)

// maxFlowNameLen bounds a flow name in an editor URL.
const maxFlowNameLen = 64

// flowNamePattern is what a flow name in an editor URL may look like: the
// flow language's identifiers, bounded. The new-flow form uses it as its
// HTML pattern.
var flowNamePattern = fmt.Sprintf(`[a-z][a-z0-9_]{0,%d}`, maxFlowNameLen-1)

var adminFlowName = regexp.MustCompile(`^` + flowNamePattern + `$`)

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
	flows     *template.Template
	editor    *template.Template
	analytics *template.Template
	tokens    *template.Template
	forbidden *template.Template
}

// adminPageRoutes mounts the admin pages:
//
//	GET /admin                the flows
//	GET /admin/flows/{name}   a flow's editor, test panel and versions
//	GET /admin/analytics      the analytics dashboard
//	GET /admin/tokens         API tokens
func (s *Server) adminPageRoutes(mux *http.ServeMux, con *console) {
	p := &adminPages{
		con:       con,
		flows:     parseAdminPage("templates/admin_flows.html"),
		editor:    parseAdminPage("templates/admin_editor.html"),
		analytics: parseAdminPage("templates/admin_analytics.html"),
		tokens:    parseAdminPage("templates/admin_tokens.html"),
		forbidden: parseTemplates("templates/admin_forbidden.html"),
	}
	mux.Handle("GET /admin", p.page(p.handleFlows))
	mux.Handle("GET /admin/{$}", p.page(p.handleFlows))
	mux.Handle("GET /admin/flows/{name}", p.page(p.handleEditor))
	mux.Handle("GET /admin/analytics", p.page(p.handleAnalytics))
	mux.Handle("GET /admin/tokens", p.page(p.handleTokens))
}

// page wraps an admin page handler: no session sends the browser to sign
// in, an agent's session gets 403, an admin's is touched and served.
func (p *adminPages) page(h func(http.ResponseWriter, *http.Request, adminPage)) http.Handler {
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

func (p *adminPages) handleFlows(w http.ResponseWriter, _ *http.Request, page adminPage) {
	page.Title, page.Nav = "Flows", navFlows
	p.render(w, http.StatusOK, p.flows, "admin_layout.html", page)
}

// handleEditor serves the editor of any well-formed flow name: a name
// that is not a flow yet starts a new one with its first draft.
func (p *adminPages) handleEditor(w http.ResponseWriter, r *http.Request, page adminPage) {
	name := r.PathValue("name")
	if !adminFlowName.MatchString(name) {
		http.Error(w, "A flow name is lower-case letters, digits and underscores, starting with a letter.", http.StatusNotFound)
		return
	}
	page.Title, page.Nav, page.Flow = "Flow "+name, navFlows, name
	p.render(w, http.StatusOK, p.editor, "admin_layout.html", page)
}

func (p *adminPages) handleAnalytics(w http.ResponseWriter, _ *http.Request, page adminPage) {
	page.Title, page.Nav = "Analytics", navAnalytics
	p.render(w, http.StatusOK, p.analytics, "admin_layout.html", page)
}

func (p *adminPages) handleTokens(w http.ResponseWriter, _ *http.Request, page adminPage) {
	page.Title, page.Nav = "API tokens", navTokens
	p.render(w, http.StatusOK, p.tokens, "admin_layout.html", page)
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
