package web

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/portico-chat/portico/bot/staff"
)

// consolePage is what the console templates get.
type consolePage struct {
	Title string
	Error string
	Email string // kept in the sign-in form after a failure
	CSRF  string // the sign-in form's, or the session's
	Next  string // the page a sign-in returns to (signin_return.go)
	Name  string
	Role  string
	Admin bool
}

// render writes a console page with status.
func (con *console) render(w http.ResponseWriter, status int, name string, data consolePage) {
	var buf bytes.Buffer
	if err := con.pages.ExecuteTemplate(&buf, name, data); err != nil {
		con.s.log.Error().Err(err).Str("page", name).Msg("render console page")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// handleSignInPage serves the sign-in form, with a fresh CSRF token in a
// cookie and in the form (double submit); signed-in users go on to the
// page they asked for, or /agent.
func (con *console) handleSignInPage(w http.ResponseWriter, r *http.Request) {
	if ss, _ := con.currentSession(r); ss != nil {
		http.Redirect(w, r, afterSignIn(r), http.StatusSeeOther)
		return
	}
	con.signInForm(w, r, http.StatusOK, "", "")
}

// signInForm renders the form, keeping the page it returns to.
func (con *console) signInForm(w http.ResponseWriter, r *http.Request, status int, email, problem string) {
	token := staff.NewSessionToken()
	http.SetCookie(w, con.signInCookie(token))
	con.render(w, status, "console_signin.html", consolePage{
		Title: "Sign in · Portico console", Error: problem, Email: email, CSRF: token, Next: nextOf(r),
	})
}

// handleSignIn checks the form and starts a session. Every failure,
// whatever its cause, looks the same to the person signing in.
func (con *console) handleSignIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, consoleRequestBodyLimit)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad form.", http.StatusBadRequest)
		return
	}
	if !con.same.allow(r) {
		http.Error(w, "Cross-origin request refused.", http.StatusForbidden)
		return
	}
	c, _ := r.Cookie(con.signInCookie("").Name)
	if c == nil || !sameToken(c.Value, r.PostForm.Get(csrfField)) {
		con.signInForm(w, r, http.StatusForbidden, "", textConsoleFormExpired)
		return
	}
	email, password := staff.NormalizeEmail(r.PostForm.Get("email")), r.PostForm.Get("password")
	if email == "" || password == "" || len(email) > staff.MaxEmailLen || len(password) > staff.MaxPasswordLen {
		con.audit(r.Context(), r, auditSignIn, "unknown", "failed", "malformed")
		con.signInForm(w, r, http.StatusUnauthorized, clipEmail(email), textConsoleSignInFailed)
		return
	}
	u, outcome, err := con.authenticate(r.Context(), con.s.ipKey(r), email, password)
	if err != nil {
		con.s.log.Error().Err(err).Msg("console sign-in")
		con.signInForm(w, r, http.StatusInternalServerError, email, "Something went wrong on our side. Please try again.")
		return
	}
	if outcome == "limited" {
		w.Header().Set("Retry-After", "60")
		con.signInForm(w, r, http.StatusTooManyRequests, email, textConsoleSignInLimited)
		return
	}
	who := "unknown"
	if u.ID != "" {
		who = actor(u)
	}
	if outcome != "ok" {
		// The audit says why; the person signing in is not told.
		con.audit(r.Context(), r, auditSignIn, who, "failed", outcome)
		con.signInForm(w, r, http.StatusUnauthorized, email, textConsoleSignInFailed)
		return
	}
	if err := con.startSession(w, r, u); err != nil {
		con.s.log.Error().Err(err).Msg("start console session")
		con.signInForm(w, r, http.StatusInternalServerError, email, "Something went wrong on our side. Please try again.")
		return
	}
	con.audit(r.Context(), r, auditSignIn, who, "ok", "")
	http.SetCookie(w, &http.Cookie{Name: c.Name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: con.secure(), SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, afterSignIn(r), http.StatusSeeOther)
}

// handleSignOut ends the session and closes its sockets with 1008. It
// needs the server's own Origin and the session's CSRF token.
func (con *console) handleSignOut(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, consoleRequestBodyLimit)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad form.", http.StatusBadRequest)
		return
	}
	if !con.same.allow(r) {
		http.Error(w, "Cross-origin request refused.", http.StatusForbidden)
		return
	}
	ss, err := con.currentSession(r)
	if err != nil {
		con.s.log.Error().Err(err).Msg("console session")
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	if ss == nil {
		http.SetCookie(w, con.clearCookie())
		http.Redirect(w, r, "/agent/signin", http.StatusSeeOther)
		return
	}
	got := r.PostForm.Get(csrfField)
	if got == "" {
		got = r.Header.Get(csrfHeader)
	}
	if !validCSRF(ss.token, got) {
		http.Error(w, "Missing or wrong CSRF token; reload the page.", http.StatusForbidden)
		return
	}
	con.endSession(r.Context(), r, ss.hash, ss.user, "ok")
	http.SetCookie(w, con.clearCookie())
	http.Redirect(w, r, "/agent/signin", http.StatusSeeOther)
}

// handleConsole serves the console to a signed-in agent or admin.
func (con *console) handleConsole(w http.ResponseWriter, _ *http.Request, ss *staffSession) {
	con.render(w, http.StatusOK, "console.html", consolePage{
		Title: "Portico console", CSRF: csrfToken(ss.token), Name: ss.user.Name, Role: ss.user.Role,
		Admin: ss.user.Role == "admin",
	})
}

// clipEmail keeps an overlong email out of the re-rendered form.
func clipEmail(s string) string {
	if len(s) > staff.MaxEmailLen {
		return ""
	}
	return strings.TrimSpace(s)
}
