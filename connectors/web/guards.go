package web

import (
	"net/http"
	"strings"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/flowadmin"
	"github.com/portico-chat/portico/bot/staff"
)

// The guards of the staff's routes (routes.go says which route has
// which): each finds the request's session (staff_session.go), or an API
// token, and lets the handler run only for the right person. The admin
// pages' guard is adminPages.guard (admin_pages.go), which renders their
// 403 page.

// staff wraps a console API handler: it needs a live session (401
// otherwise); a state-changing request also needs the server's own Origin
// and the session's CSRF token in the X-CSRF-Token header (403 otherwise).
func (con *console) staff(h func(http.ResponseWriter, *http.Request, *staffSession)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := con.currentSession(r)
		if err != nil {
			con.s.log.Error().Err(err).Msg("console session")
			writeJSONError(w, http.StatusInternalServerError, bot.EINTERNAL, "Something went wrong on our side.")
			return
		}
		if ss == nil {
			writeJSONError(w, http.StatusUnauthorized, bot.EUNAUTHORIZED, "Please sign in.")
			return
		}
		if !safeMethod(r.Method) {
			if !con.same.allow(r) {
				writeJSONError(w, http.StatusForbidden, bot.EUNAUTHORIZED, "Cross-origin request refused.")
				return
			}
			if !validCSRF(ss.token, r.Header.Get(csrfHeader)) {
				writeJSONError(w, http.StatusForbidden, bot.EUNAUTHORIZED, "Missing or wrong CSRF token; reload the page.")
				return
			}
		}
		con.touch(r.Context(), ss)
		h(w, r, ss)
	})
}

// admin is staff for admins only: agents get 403.
func (con *console) admin(h func(http.ResponseWriter, *http.Request, *staffSession)) http.Handler {
	return con.staff(func(w http.ResponseWriter, r *http.Request, ss *staffSession) {
		if ss.user.Role != bot.RoleAdmin {
			writeJSONError(w, http.StatusForbidden, bot.EUNAUTHORIZED, "Only admins may do this.")
			return
		}
		h(w, r, ss)
	})
}

// staffPage wraps a staff HTML page: without a session the browser is
// sent to sign in.
func (con *console) staffPage(h func(http.ResponseWriter, *http.Request, *staffSession)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := con.currentSession(r)
		if err != nil {
			con.s.log.Error().Err(err).Msg("console session")
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		}
		if ss == nil {
			http.Redirect(w, r, "/agent/signin", http.StatusSeeOther)
			return
		}
		con.touch(r.Context(), ss)
		h(w, r, ss)
	})
}

// adminFrame wraps an admin page shown in a frame of another admin page
// (the widget preview): plain-text 401 and 403, no redirect inside the
// frame, and the session is not touched (the page around it does that).
func (con *console) adminFrame(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ss, err := con.currentSession(r)
		switch {
		case err != nil:
			con.internal(w, err, "console session")
			return
		case ss == nil:
			http.Error(w, "Please sign in.", http.StatusUnauthorized)
			return
		case ss.user.Role != bot.RoleAdmin:
			http.Error(w, "Only admins may open this page.", http.StatusForbidden)
			return
		}
		h(w, r)
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// maxBearerLen bounds the Authorization header's token.
const maxBearerLen = 256

// auth lets a request through as an admin's session (the console's rules:
// agents 403, CSRF on state-changing requests) or, when it carries
// "Authorization: Bearer <token>", as a live API token with scope. A
// bearer token is never ambient, so it needs no CSRF token.
func (a *flowAPI) auth(scope string, h func(http.ResponseWriter, *http.Request, flowadmin.Actor)) http.Handler {
	session := a.con.admin(func(w http.ResponseWriter, r *http.Request, ss *staffSession) {
		h(w, r, flowadmin.Actor{Who: actor(ss.user), Source: a.s.ips.of(r)})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authz := r.Header.Get("Authorization")
		if authz == "" {
			session.ServeHTTP(w, r)
			return
		}
		token, ok := strings.CutPrefix(authz, "Bearer ")
		if !ok || a.tokens == nil || token == "" || len(token) > maxBearerLen {
			writeJSONError(w, http.StatusUnauthorized, bot.EUNAUTHORIZED, "Use Authorization: Bearer <API token>.")
			return
		}
		t, err := a.tokens.APITokenByHash(r.Context(), staff.APITokenHash(token))
		switch {
		case bot.ErrorCode(err) == bot.ENOTFOUND || err == nil && t.Revoked():
			writeJSONError(w, http.StatusUnauthorized, bot.EUNAUTHORIZED, "This API token is not valid or was revoked.")
			return
		case err != nil:
			a.fail(w, err, "check API token")
			return
		case !t.Allows(scope):
			writeJSONError(w, http.StatusForbidden, bot.EUNAUTHORIZED, "This API token does not have the "+scope+" scope.")
			return
		}
		if err := a.tokens.TouchAPIToken(r.Context(), t.ID, a.s.now()); err != nil {
			a.s.log.Error().Err(err).Msg("record API token use")
		}
		h(w, r, flowadmin.Actor{Who: "token:" + t.ID, Source: a.s.ips.of(r)})
	})
}
