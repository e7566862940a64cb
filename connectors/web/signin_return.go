package web

import (
	"net/http"
	"net/url"
	"path"
	"strings"
)

// Where a sign-in returns to: the staff page that sent the browser to
// sign in, carried in the sign-in page's "next" parameter. It is checked
// on the way in and on the way out, so that the form cannot be made into
// an open redirect (SECURITY.md).
const (
	nextParam     = "next"
	maxReturnPath = 1024 // bytes of a path and query worth returning to
	signInPath    = "/agent/signin"
	consoleHome   = "/agent"
)

// returnAreas are the pages a sign-in may return to: the console and the
// admin pages, not their APIs or the sign-in and sign-out themselves.
var returnAreas = []string{"/agent", "/admin"}

var notReturnable = []string{"/agent/api", "/admin/api", signInPath, "/agent/signout"}

// returnPath reports whether s is a page of this server a sign-in may go
// back to: a path (with an optional query) under the console or the admin
// pages. Anything that a browser could read as another origin is refused:
// a scheme or host ("https://x", "//x"), a backslash ("/\x", which
// browsers read as "//x"), control characters and spaces (browsers drop
// tabs and newlines, so "/\t/x" would become "//x"), non-ASCII bytes and a
// fragment.
func returnPath(s string) bool {
	if s == "" || len(s) > maxReturnPath || s[0] != '/' || strings.HasPrefix(s, "//") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '\\' || c == '#' {
			return false
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return false
	}
	p := path.Clean(u.Path) // with %-escapes decoded: "/admin/%2e%2e/x" is "/x"
	for _, no := range notReturnable {
		if p == no || strings.HasPrefix(p, no+"/") {
			return false
		}
	}
	for _, area := range returnAreas {
		if p == area || strings.HasPrefix(p, area+"/") {
			return true
		}
	}
	return false
}

// signInFor is the sign-in page that returns to r's page afterwards.
func signInFor(r *http.Request) string {
	back := r.URL.RequestURI()
	if !returnPath(back) || back == consoleHome {
		return signInPath
	}
	return signInPath + "?" + url.Values{nextParam: {back}}.Encode()
}

// nextOf is the request's next parameter (of the query, or of the form)
// when a sign-in may return there, else "".
func nextOf(r *http.Request) string {
	if next := r.FormValue(nextParam); returnPath(next) {
		return next
	}
	return ""
}

// afterSignIn is where a signed-in browser goes: the page it asked for,
// else the console.
func afterSignIn(r *http.Request) string {
	if next := nextOf(r); next != "" {
		return next
	}
	return consoleHome
}
