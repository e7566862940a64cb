package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/portico-chat/portico/bot/staff"
)

func TestReturnPathRefusesAnythingOffSite(t *testing.T) {
	tests := []struct {
		next string
		want bool
	}{
		{"/admin", true},
		{"/admin/analytics", true},
		{"/admin/flows/reset_password", true},
		{"/admin/audit?actor=admin%3Ax&type=agent.signin", true},
		{"/agent", true},
		{"/admin/users/", true},
		{"", false},
		{"admin", false},                         // relative
		{"//evil.example", false},                // protocol-relative: another host
		{"//evil.example/admin", false},          //
		{"/\\evil.example", false},               // browsers read /\ as //
		{"/admin\\..\\..\\evil", false},          // backslashes anywhere
		{"https://evil.example/admin", false},    // absolute
		{"http:/admin", false},                   // a scheme
		{"javascript:alert(1)", false},           //
		{"/\t/evil.example", false},              // browsers drop tabs: //evil.example
		{"/\n/evil.example", false},              // and newlines
		{"/admin\r\nSet-Cookie: x=1", false},     // header splitting
		{"/admin\x00", false},                    // NUL
		{"/admin\x7f", false},                    // DEL
		{"/admin/ flows", false},                 // a raw space
		{"/admin/flöws", false},                  // raw non-ASCII
		{"/admin#frag", false},                   // a fragment
		{"/admin/../demo", false},                // out of the staff pages
		{"/admin/%2e%2e/demo", false},            // the same, escaped
		{"/admin/api/flows", false},              // an API, not a page
		{"/agent/api/me", false},                 //
		{"/agent/signin", false},                 // a loop
		{"/agent/signin?next=/admin", false},     //
		{"/agent/signout", false},                //
		{"/static/admin/admin.js", false},        // not a page of the staff areas
		{"/administrator", false},                // only /admin and below
		{"/" + strings.Repeat("a", 2000), false}, // too long
		{"/admin?" + strings.Repeat("a", maxReturnPath), false},
	}
	for _, tt := range tests {
		if got := returnPath(tt.next); got != tt.want {
			t.Errorf("returnPath(%q) = %v, want %v", tt.next, got, tt.want)
		}
	}
}

// signInWith signs in through the form, sending next as a page would;
// it returns the response to the form.
func signInWith(t *testing.T, b *browserClient, next, email, password string) *http.Response {
	t.Helper()
	form := url.Values{"csrf": {b.signInForm(t)}, "email": {email}, "password": {password}}
	if next != "" {
		form.Set("next", next)
	}
	resp, _ := b.post(t, "/agent/signin", form, b.origin)
	return resp
}

const nextInput = `name="next" value="`

func TestSignInReturnsToThePageAskedFor(t *testing.T) {
	env := startConsole(t, nil)

	// An admin page without a session sends the browser to sign in, with
	// the page to come back to.
	b := env.client(t)
	for page, want := range map[string]string{
		"/admin/analytics":            "/agent/signin?next=%2Fadmin%2Fanalytics",
		"/admin/flows/reset_password": "/agent/signin?next=%2Fadmin%2Fflows%2Freset_password",
		"/admin/tokens?sort=name":     "/agent/signin?next=%2Fadmin%2Ftokens%3Fsort%3Dname",
		"/agent":                      "/agent/signin",
	} {
		resp, _ := b.get(t, page)
		if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != want {
			t.Errorf("GET %s signed out: got %d to %q, want 303 to %q", page, resp.StatusCode, got, want)
		}
	}

	// The form keeps the page, through a failed attempt too, and a
	// sign-in goes there.
	if _, body := b.get(t, "/agent/signin?next=%2Fadmin%2Fanalytics"); !strings.Contains(body, nextInput+`/admin/analytics"`) {
		t.Errorf("the sign-in form does not carry next=/admin/analytics:\n%s", body)
	}
	form := url.Values{"csrf": {b.signInForm(t)}, "email": {"max@example.org"}, "password": {"wrong"}, "next": {"/admin/analytics"}}
	resp, body := b.post(t, "/agent/signin", form, b.origin)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, nextInput+`/admin/analytics"`) {
		t.Errorf("after a wrong password: got %d, want 401 with the form still carrying next:\n%s", resp.StatusCode, body)
	}

	tests := []struct {
		name, next, want string
	}{
		{"an admin page", "/admin/analytics", "/admin/analytics"},
		{"with its query", "/admin/audit?type=agent.signin", "/admin/audit?type=agent.signin"},
		{"none", "", "/agent"},
		{"another host", "//evil.example/admin", "/agent"},
		{"a backslash", "/\\evil.example", "/agent"},
		{"an absolute URL", "https://evil.example/admin", "/agent"},
		{"a tab", "/\t/evil.example", "/agent"},
		{"a newline", "/admin\r\nLocation: https://evil.example", "/agent"},
		{"the sign-in page", "/agent/signin", "/agent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.clock.Advance(staff.SourceWindow) // the address's sign-in allowance refills
			resp := signInWith(t, env.client(t), tt.next, "max@example.org", adminPassword)
			if got := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || got != tt.want {
				t.Errorf("sign in with next=%q: got %d to %q, want 303 to %q", tt.next, resp.StatusCode, got, tt.want)
			}
		})
	}

	// Signed in already, the sign-in page passes on to the page asked for.
	env.clock.Advance(staff.SourceWindow)
	b = env.mustSignIn(t, "max@example.org", adminPassword)
	for next, want := range map[string]string{"/admin/analytics": "/admin/analytics", "//evil.example": "/agent"} {
		resp, _ := b.get(t, "/agent/signin?"+url.Values{"next": {next}}.Encode())
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("signed in, GET /agent/signin?next=%s: to %q, want %q", next, got, want)
		}
	}
}
