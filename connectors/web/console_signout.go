package web

import (
	"net/http"
)

// POST /agent/signout.

// handleSignOut ends the session and closes its sockets with 1008. It
// needs the server's own Origin and the session's CSRF token.
func (con *console) handleSignOut(w http.ResponseWriter, r *http.Request) {
	if !con.readForm(w, r) {
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
