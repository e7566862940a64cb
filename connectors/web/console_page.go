package web

import (
	"net/http"
)

// GET /agent: the agent console's page (its script: static/console/).

// handleConsole serves the console to a signed-in agent or admin.
func (con *console) handleConsole(w http.ResponseWriter, _ *http.Request, ss *staffSession) {
	con.render(w, http.StatusOK, "console.html", consolePage{
		Title: "Portico console", CSRF: csrfToken(ss.token), Name: ss.user.Name, Role: ss.user.Role,
		Admin: ss.user.Role == "admin",
	})
}
