package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// Conversation search limits.
const (
	searchPageSize  = 50
	maxSearchOffset = 100000
)

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

// cannedJSON is a canned response on the wire.
type cannedJSON struct {
	Shortcut string `json:"shortcut"`
	Title    string `json:"title"`
	Text     string `json:"text"`
}

func (con *console) handleCannedList(w http.ResponseWriter, r *http.Request, _ *staffSession) {
	if con.deps.Canned == nil {
		writeJSON(w, http.StatusOK, map[string]any{"items": []cannedJSON{}})
		return
	}
	cs, err := con.deps.Canned.CannedResponses(r.Context())
	if err != nil {
		con.internal(w, err, "list canned responses")
		return
	}
	items := make([]cannedJSON, 0, len(cs))
	for _, c := range cs {
		items = append(items, cannedJSON{Shortcut: c.Shortcut, Title: c.Title, Text: c.Text})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// handleCannedPut creates or replaces a canned response (admins only).
func (con *console) handleCannedPut(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	if con.deps.Canned == nil {
		writeJSONError(w, http.StatusNotImplemented, bot.EINTERNAL, "Canned responses are not available.")
		return
	}
	var c cannedJSON
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, consoleRequestBodyLimit))
	if err := dec.Decode(&c); err != nil {
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, "The body must be a JSON object {shortcut, title, text}.")
		return
	}
	cr := staff.CannedResponse{Shortcut: c.Shortcut, Title: c.Title, Text: c.Text, UpdatedBy: ss.user.ID, UpdatedAt: con.s.now()}
	if p := cr.Problems(); len(p) > 0 {
		// Every problem by field, for the admin page; the first in the
		// form's order as the message (Check's).
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": bot.EINVALID, "message": bot.ErrorMessage(cr.Check()), "fields": p})
		return
	}
	c = cannedJSON{Shortcut: cr.Shortcut, Title: cr.Title, Text: cr.Text}
	if err := con.deps.Canned.PutCannedResponse(r.Context(), cr); err != nil {
		con.internal(w, err, "save canned response")
		return
	}
	con.audit(r.Context(), r, "canned.saved", actor(ss.user), "ok", c.Shortcut)
	writeJSON(w, http.StatusOK, c)
}

// handleCannedDelete deletes a canned response (admins only); the shortcut
// is the last path segment or the shortcut query parameter.
func (con *console) handleCannedDelete(w http.ResponseWriter, r *http.Request, ss *staffSession) {
	if con.deps.Canned == nil {
		writeJSONError(w, http.StatusNotImplemented, bot.EINTERNAL, "Canned responses are not available.")
		return
	}
	shortcut := r.PathValue("shortcut")
	if shortcut == "" {
		shortcut = r.URL.Query().Get("shortcut")
	}
	if !staff.ValidShortcut(shortcut) {
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, "Name the shortcut to delete.")
		return
	}
	err := con.deps.Canned.DeleteCannedResponse(r.Context(), shortcut)
	switch {
	case bot.ErrorCode(err) == bot.ENOTFOUND:
		writeJSONError(w, http.StatusNotFound, bot.ENOTFOUND, "No such canned response.")
		return
	case err != nil:
		con.internal(w, err, "delete canned response")
		return
	}
	con.audit(r.Context(), r, "canned.deleted", actor(ss.user), "ok", shortcut)
	w.WriteHeader(http.StatusNoContent)
}

// summaryJSON is one past conversation in a search.
type summaryJSON struct {
	Conversation string `json:"conversation"`
	Status       string `json:"status"`
	Resolution   string `json:"resolution"`
	Queue        string `json:"queue"`
	Flow         string `json:"flow"`
	Reason       string `json:"reason"`
	Locale       string `json:"locale"`
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
}

// handleSearch lists past conversations: ?from=YYYY-MM-DD&to=YYYY-MM-DD
// (inclusive, UTC) &queue= &resolution= &page= (1-based), newest first.
// Opening one goes through the socket's open frame, which is audited.
func (con *console) handleSearch(w http.ResponseWriter, r *http.Request, _ *staffSession) {
	if con.deps.Search == nil {
		writeJSONError(w, http.StatusNotImplemented, bot.EINTERNAL, "Search is not available.")
		return
	}
	q := r.URL.Query()
	f := staff.ConversationFilter{Queue: clip(q.Get("queue"), maxNameLen), Resolution: bot.Resolution(clip(q.Get("resolution"), maxNameLen)), Limit: searchPageSize + 1}
	var err error
	if f.From, err = parseDay(q.Get("from")); err != nil {
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, "from must be a date like 2026-03-01.")
		return
	}
	to, err := parseDay(q.Get("to"))
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, bot.EINVALID, "to must be a date like 2026-03-31.")
		return
	}
	if !to.IsZero() {
		f.To = to.AddDate(0, 0, 1) // the whole day
	}
	page := 1
	if p := q.Get("page"); p != "" {
		if page, err = strconv.Atoi(p); err != nil || page < 1 || (page-1)*searchPageSize > maxSearchOffset {
			writeJSONError(w, http.StatusBadRequest, bot.EINVALID, "page must be a positive number.")
			return
		}
	}
	f.Offset = (page - 1) * searchPageSize
	rows, err := con.deps.Search.SearchConversations(r.Context(), f)
	if err != nil {
		con.internal(w, err, "search conversations")
		return
	}
	more := len(rows) > searchPageSize
	if more {
		rows = rows[:searchPageSize]
	}
	items := make([]summaryJSON, 0, len(rows))
	for _, c := range rows {
		items = append(items, summaryJSON{
			Conversation: c.ID, Status: string(c.Status), Resolution: string(c.Resolution), Queue: c.Queue,
			Flow: c.Flow, Reason: c.Reason, Locale: c.Locale, CreatedAt: rfc3339(c.CreatedAt), UpdatedAt: rfc3339(c.UpdatedAt),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "page": page, "more": more})
}

// parseDay reads YYYY-MM-DD as midnight UTC; "" is the zero time.
func parseDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s)
}

// internal answers 500 and logs the cause.
func (con *console) internal(w http.ResponseWriter, err error, what string) {
	con.s.log.Error().Err(err).Msg(what)
	writeJSONError(w, http.StatusInternalServerError, bot.EINTERNAL, "Something went wrong on our side.")
}
