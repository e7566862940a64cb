package web

import (
	"encoding/json"
	"net/http"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// /agent/api/canned: the canned responses, listed for staff, changed by
// admins. The rules are bot/staff's.

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
