package web

import (
	"net/http"

	"github.com/portico-chat/portico/bot"
)

// The guards of the staff's routes (routes.go says which route has
// which): each finds the request's session (staff_session.go) and lets
// the handler run only for the right person, with the session.

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
