package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// Session tokens and cookies (SECURITY.md, "Sessions (agent and admin)").
const (
	sessionCookie      = "portico_session"
	sessionCookieTLS   = "__Host-portico_session"
	signInCookie       = "portico_signin" // pre-session CSRF token of the sign-in form
	signInCookieTLS    = "__Host-portico_signin"
	signInCookieMaxAge = 30 * 60 // seconds the sign-in form stays usable
	csrfHeader         = "X-CSRF-Token"
	csrfField          = "csrf"
	csrfDomain         = "portico.csrf.v1"
)

// csrfToken derives a session's CSRF token from its secret token: only a
// holder of the HttpOnly cookie's value, that is the server, can make it,
// and it needs no storage of its own.
func csrfToken(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte(csrfDomain))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF compares a submitted CSRF token in constant time.
func validCSRF(token, got string) bool {
	return got != "" && hmac.Equal([]byte(csrfToken(token)), []byte(got))
}

// secure reports whether browsers reach the server over HTTPS, so cookies
// are Secure and __Host- prefixed.
func (con *console) secure() bool {
	return con.s.cfg.TLS() || strings.HasPrefix(con.s.self, "https://")
}

func (con *console) cookieName() string {
	if con.secure() {
		return sessionCookieTLS
	}
	return sessionCookie
}

// sessionCookie is the session's cookie: HttpOnly, SameSite=Strict, host
// only (no Domain), Path=/, and Secure with the __Host- prefix on HTTPS.
func (con *console) sessionCookie(token string) *http.Cookie {
	return &http.Cookie{
		Name: con.cookieName(), Value: token, Path: "/", HttpOnly: true, Secure: con.secure(),
		SameSite: http.SameSiteStrictMode, MaxAge: int(con.cfg.SessionAbsolute.Seconds()),
	}
}

// clearCookie removes the session cookie from the browser.
func (con *console) clearCookie() *http.Cookie {
	c := con.sessionCookie("")
	c.MaxAge = -1
	return c
}

// sessionToken returns the session token the request carries, if any.
func (con *console) sessionToken(r *http.Request) string {
	c, err := r.Cookie(con.cookieName())
	if err != nil || len(c.Value) > 128 {
		return ""
	}
	return c.Value
}

// signInCookie carries the sign-in form's CSRF token (double submit).
func (con *console) signInCookie(value string) *http.Cookie {
	name := signInCookie
	if con.secure() {
		name = signInCookieTLS
	}
	return &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: con.secure(),
		SameSite: http.SameSiteStrictMode, MaxAge: signInCookieMaxAge}
}

// sameToken compares two tokens in constant time; empty never matches.
func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
