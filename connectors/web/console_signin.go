package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot/staff"
)

// GET and POST /agent/signin: the staff's sign-in form and its check.

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
	if !con.readForm(w, r) {
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

// clipEmail keeps an overlong email out of the re-rendered form.
func clipEmail(s string) string {
	if len(s) > staff.MaxEmailLen {
		return ""
	}
	return strings.TrimSpace(s)
}

// What the sign-in form says (the rules are bot/staff's).
const (
	textConsoleSignInFailed  = "That email and password did not work. After several failed attempts an account is locked for a while."
	textConsoleFormExpired   = "The sign-in form expired. Please try again."
	textConsoleSignInLimited = "Too many sign-in attempts from your network. Please wait a few minutes."
)

// authenticate checks an email and password with the console's lockout
// (staff.SignIn.Authenticate). outcome is one of staff's sign-in outcomes.
func (con *console) authenticate(ctx context.Context, source, email, password string) (staff.User, string, error) {
	return staff.SignIn{
		Users: con.deps.Users, MaxFailures: con.cfg.SignInFailures, LockFor: con.cfg.SignInLock, Clock: nowFunc(con.s.now),
	}.Authenticate(ctx, source, email, password)
}

// nowFunc is the server's clock as a bot.Clock.
type nowFunc func() time.Time

func (f nowFunc) Now() time.Time { return f() }

// startSession creates a session for u and sets its cookie; a session the
// browser already had is ended first (the token is rotated at sign-in).
func (con *console) startSession(w http.ResponseWriter, r *http.Request, u staff.User) error {
	if old := con.sessionToken(r); old != "" {
		if err := con.deps.Sessions.DeleteSession(r.Context(), staff.SessionTokenHash(old)); err != nil {
			return err
		}
		con.live.end(sessionKey(staff.SessionTokenHash(old)), "signed in again")
	}
	token := staff.NewSessionToken()
	now := con.s.now().UTC()
	err := con.deps.Sessions.CreateSession(r.Context(), staff.Session{
		TokenHash: staff.SessionTokenHash(token), UserID: u.ID, CreatedAt: now, LastSeen: now,
		ExpiresAt: now.Add(con.cfg.SessionAbsolute), Source: con.s.ips.of(r),
	})
	if err != nil {
		return err
	}
	http.SetCookie(w, con.sessionCookie(token))
	return nil
}
