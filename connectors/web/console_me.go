package web

import (
	"net/http"

	"github.com/portico-chat/portico/bot"
)

// GET /agent/api/me: the signed-in agent or admin.

// meJSON is the signed-in user as the console shows them.
type meJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	Capacity int    `json:"capacity"`
	// MayExceed: this user may take or give a chat beyond a capacity
	// (handoff.capacity_override); the console then offers "Take it anyway".
	MayExceed bool     `json:"capacity_override"`
	Queues    []string `json:"queues"`
	Expires   string   `json:"session_expires"`
	IdleS     int      `json:"session_idle_s"`
}

func (con *console) handleMe(w http.ResponseWriter, _ *http.Request, ss *staffSession) {
	u := ss.user
	capacity, mayExceed := u.Capacity, false
	if con.deps.Desk != nil {
		capacity, mayExceed = con.deps.Desk.CapacityFor(u.Agent())
	} else if capacity <= 0 {
		capacity = bot.DefaultCapacity
	}
	queues := u.Queues
	if queues == nil {
		queues = []string{}
	}
	writeJSON(w, http.StatusOK, meJSON{
		ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role, Capacity: capacity, MayExceed: mayExceed, Queues: queues,
		Expires: rfc3339(ss.row.ExpiresAt), IdleS: int(con.cfg.SessionIdle.Seconds()),
	})
}
