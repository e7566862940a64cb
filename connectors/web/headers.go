package web

import (
	"net/http"
	"strings"
)

// hstsValue asks browsers to use HTTPS only, for two years.
const hstsValue = "max-age=63072000; includeSubDomains"

// permissionsPolicy turns off browser features no page here uses.
const permissionsPolicy = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), " +
	"serial=(), bluetooth=(), magnetometer=(), gyroscope=(), accelerometer=(), " +
	"display-capture=(), browsing-topics=()"

// securityHeaders sets the security headers on every response. Dynamic
// responses are not cached; static files relax Cache-Control themselves,
// and the widget's public files relax CORS and CORP (widget.go).
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return s.withHeaders(s.csp, next)
}

// withHeaders sets the security headers with the page's CSP from csp.
func (s *Server) withHeaders(csp func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp(r))
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin") // no-referrer would make browsers send "Origin: null" on our own forms
		h.Set("Permissions-Policy", permissionsPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil || strings.HasPrefix(s.self, "https://") {
			h.Set("Strict-Transport-Security", hstsValue)
		}
		next.ServeHTTP(w, r)
	})
}

// csp is the Content-Security-Policy of Portico's own pages: our own
// scripts, styles and images only, no inline code, no framing, and
// sockets to our own host.
func (s *Server) csp(r *http.Request) string {
	return pageCSP("", s.ownHost(r))
}

// pageCSP is a strict policy for a page that embeds the widget of the
// Portico server at origin widget ("" for this one) and opens its socket
// to wsHost (host[:port]; "" for none beyond 'self'). It is also what a
// portal's CSP needs to allow for the widget (docs/widget.md).
func pageCSP(widget, wsHost string) string {
	script, connect, img := "'self'", "'self'", "'self'"
	if widget != "" {
		script += " " + widget
		connect += " " + widget
		img += " " + widget
	}
	if wsHost != "" {
		connect += " ws://" + wsHost + " wss://" + wsHost
	}
	return "default-src 'self'; script-src " + script + "; style-src 'self'; img-src " + img + "; " +
		"connect-src " + connect + "; frame-ancestors 'none'; object-src 'none'; " +
		"base-uri 'none'; form-action 'self'"
}

// ownHost is host[:port] of the server's own origin: from PublicURL, else
// the request's Host when it is a plain host name (it lands in a header).
func (s *Server) ownHost(r *http.Request) string {
	if s.self != "" {
		return s.self[strings.Index(s.self, "://")+3:]
	}
	if !plainHost(r.Host) {
		return ""
	}
	return r.Host
}

// plainHost reports whether h has only the characters of host[:port].
func plainHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	for _, c := range h {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.ContainsRune(".-:[]", c)
		if !ok {
			return false
		}
	}
	return true
}
