package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"
)

// adminPageRoutesTable is every admin page with something only that page has.
var adminPageRoutesTable = []struct {
	path, title, marker, script string
}{
	{"/admin", "Flows · Portico admin", `id="flows-table"`, "/static/admin/flows.js"},
	{"/admin/", "Flows · Portico admin", `id="flows-table"`, "/static/admin/flows.js"},
	{"/admin/flows/reset_password", "Flow reset_password · Portico admin", `data-flow="reset_password"`, "/static/admin/editor.js"},
	{"/admin/flows/brand_new_flow", "Flow brand_new_flow · Portico admin", `data-flow="brand_new_flow"`, "/static/admin/editor.js"},
	{"/admin/analytics", "Analytics · Portico admin", `id="report-form"`, "/static/admin/dashboard.js"},
	{"/admin/tokens", "API tokens · Portico admin", `id="create-token"`, "/static/admin/tokens.js"},
}

// get fetches path with the client's cookies, without following redirects.
func (b *browserClient) get(t *testing.T, path string) (*http.Response, string) {
	t.Helper()
	resp, err := b.Get(b.base + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// Every admin page: an admin gets it, an agent 403, no session a redirect
// to the sign-in page.
func TestAdminPagesAreForAdminsOnly(t *testing.T) {
	e := startConsole(t, nil)
	admin := e.mustSignIn(t, "max@example.org", adminPassword)
	agent := e.mustSignIn(t, "ana@example.org", agentPassword)
	anon := e.client(t)
	csrf := admin.csrf(t)
	for _, r := range adminPageRoutesTable {
		t.Run(r.path, func(t *testing.T) {
			resp, body := admin.get(t, r.path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("admin: got %d, want 200\n%s", resp.StatusCode, body)
			}
			if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("admin: got Content-Type %q, want HTML", got)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("admin: got CSP %q, want scripts from self only", csp)
			}
			for _, want := range []string{"<title>" + r.title + "</title>", r.marker, `<script type="module" src="` + r.script + `">`,
				`<meta name="portico-csrf" content="` + csrf + `">`, "Max"} {
				if !strings.Contains(body, want) {
					t.Errorf("admin: the page lacks %s", want)
				}
			}
			if strings.Contains(body, "<script>") || strings.Contains(body, " style=") {
				t.Error("admin: the page has inline script or style, which the CSP blocks")
			}

			resp, body = agent.get(t, r.path)
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("agent: got %d, want 403", resp.StatusCode)
			}
			if !strings.Contains(body, "Only admins") || strings.Contains(body, r.marker) {
				t.Errorf("agent: the 403 page should say admins only and show nothing of the page:\n%s", body)
			}

			resp, _ = anon.get(t, r.path)
			want := "/agent/signin?next=" + url.QueryEscape(r.path) // and back here after
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
				t.Errorf("signed out: got %d to %q, want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), want)
			}
		})
	}
}

// The layout's navigation reaches every admin section, the settings and
// the audit log included, and marks the current page.
func TestAdminNavigation(t *testing.T) {
	e := startConsole(t, nil)
	admin := e.mustSignIn(t, "max@example.org", adminPassword)
	_, body := admin.get(t, "/admin/analytics")
	for _, link := range []string{"/admin", "/admin/analytics", "/admin/settings/users", "/admin/settings/queues",
		"/admin/settings/canned", "/admin/settings/widget", "/admin/tokens", "/admin/audit", "/agent"} {
		if !strings.Contains(body, `href="`+link+`"`) {
			t.Errorf("the navigation lacks a link to %s", link)
		}
	}
	if !strings.Contains(body, `href="/admin/analytics" aria-current="page"`) {
		t.Error("the navigation does not mark Analytics as the current page")
	}
	if strings.Count(body, `aria-current="page"`) != 1 {
		t.Errorf("got %d current pages in the navigation, want 1", strings.Count(body, `aria-current="page"`))
	}
}

// An editor URL must name a flow the way the flow language does.
func TestAdminEditorRefusesBadFlowNames(t *testing.T) {
	e := startConsole(t, nil)
	admin := e.mustSignIn(t, "max@example.org", adminPassword)
	for _, name := range []string{"Reset", "1flow", "a-b", "x%22onload", strings.Repeat("a", 65)} {
		if resp, _ := admin.get(t, "/admin/flows/"+name); resp.StatusCode != http.StatusNotFound {
			t.Errorf("/admin/flows/%s: got %d, want 404", name, resp.StatusCode)
		}
	}
}

// The staff pages' modules are served as JavaScript, which browsers
// require of a module script, and every module they import is there.
func TestStaffModulesAreServed(t *testing.T) {
	e := startConsole(t, nil)
	anon := e.client(t)
	imports := regexp.MustCompile(`(?m)^import .* from '([^']+)';$`)
	for _, dir := range []string{"staff", "console", "admin"} {
		files, _ := fs.Glob(staticFiles, "static/"+dir+"/*.js")
		if len(files) == 0 {
			t.Fatalf("no modules in static/%s", dir)
		}
		for _, f := range files {
			resp, body := anon.get(t, "/"+f)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
				t.Errorf("/%s: got %d %q, want 200 text/javascript", f, resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			for _, m := range imports.FindAllStringSubmatch(body, -1) {
				if _, err := fs.Stat(staticFiles, path.Join(path.Dir(f), m[1])); err != nil {
					t.Errorf("%s imports %s, which is not served", f, m[1])
				}
			}
		}
	}
}

// The pages' scripts and styles are served from the binary.
func TestAdminAssetsAreServed(t *testing.T) {
	e := startConsole(t, nil)
	anon := e.client(t)
	for _, f := range []string{"admin.css", "admin.js", "flows.js", "code.js", "editor.js", "versions.js", "sandbox.js", "dashboard.js", "tokens.js"} {
		resp, body := anon.get(t, "/static/admin/"+f)
		if resp.StatusCode != http.StatusOK || len(body) < 500 {
			t.Errorf("/static/admin/%s: got %d with %d bytes, want 200 with the file", f, resp.StatusCode, len(body))
		}
	}
}
