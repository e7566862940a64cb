package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// GET /agent/api/conversations: past conversations.

// Conversation search limits.
const (
	searchPageSize  = 50
	maxSearchOffset = 100000
)

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
