package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/portico-chat/portico/bot/staff"
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

// liveSessions tracks the sessions that have open agent sockets: their
// activity, kept in memory between throttled writes to the store, and
// their sockets, so that ending a session closes every one of them.
type liveSessions struct {
	mu sync.Mutex
	m  map[string]*liveSession // by hex of the token hash
}

type liveSession struct {
	userID   string
	expires  time.Time // absolute end
	lastSeen time.Time // last activity
	saved    time.Time // lastSeen as last written to the store
	sockets  map[*agentConn]struct{}
}

func newLiveSessions() *liveSessions {
	return &liveSessions{m: make(map[string]*liveSession)}
}

func sessionKey(hash []byte) string { return hex.EncodeToString(hash) }

// attach registers a socket of a session.
func (l *liveSessions) attach(key, userID string, expires, lastSeen time.Time, c *agentConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls := l.m[key]
	if ls == nil {
		ls = &liveSession{userID: userID, expires: expires, lastSeen: lastSeen, saved: lastSeen,
			sockets: make(map[*agentConn]struct{})}
		l.m[key] = ls
	}
	ls.lastSeen = later(ls.lastSeen, lastSeen)
	ls.sockets[c] = struct{}{}
}

// detach forgets a socket, and the session once it has none.
func (l *liveSessions) detach(key string, c *agentConn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ls := l.m[key]; ls != nil {
		delete(ls.sockets, c)
		if len(ls.sockets) == 0 {
			delete(l.m, key)
		}
	}
}

// lastSeen returns the session's last activity known in memory.
func (l *liveSessions) lastSeen(key string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ls := l.m[key]; ls != nil {
		return ls.lastSeen, true
	}
	return time.Time{}, false
}

// touch records activity at now and reports whether it is time to write it
// to the store (at most every sessionTouchEvery).
func (l *liveSessions) touch(key string, now time.Time) (save bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls := l.m[key]
	if ls == nil {
		return true
	}
	ls.lastSeen = later(ls.lastSeen, now)
	if ls.lastSeen.Sub(ls.saved) < sessionTouchEvery {
		return false
	}
	ls.saved = ls.lastSeen
	return true
}

// expired reports whether a live session is over at now.
func (l *liveSessions) expired(key string, now time.Time, idle time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	ls := l.m[key]
	return ls == nil || staff.SessionOver(ls.expires, ls.lastSeen, now, idle)
}

// end closes every socket of a session with code 1008 and forgets it.
func (l *liveSessions) end(key, reason string) {
	l.mu.Lock()
	ls := l.m[key]
	delete(l.m, key)
	l.mu.Unlock()
	if ls == nil {
		return
	}
	for c := range ls.sockets {
		c.stop(websocket.ClosePolicyViolation, reason)
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
