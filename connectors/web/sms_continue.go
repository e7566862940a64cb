package web

import (
	"encoding/json"
	"net/http"

	"github.com/portico-chat/portico/bot"
)

// GET and POST /sms/continue: the web chat, opened from a link texted in
// place of a secret question (docs/sms.md). The link's token is in the
// URL's fragment, which the browser keeps to itself: GET serves a page
// that changes nothing (a link preview may fetch it), and its script
// POSTs the token, gets a resume token back, and starts the widget on the
// conversation, at its question.

// maxContinueBody bounds the POST's JSON body.
const maxContinueBody = 1 << 10

// handleSMSContinuePage is GET /sms/continue.
func (s *Server) handleSMSContinuePage(w http.ResponseWriter, r *http.Request) {
	data := page{Title: "Portico", Lang: demoLang(r)}
	if err := s.pages.render(w, http.StatusOK, "sms_continue.html", data); err != nil {
		s.log.Error().Err(err).Msg("render sms continue page")
	}
}

// handleSMSContinue is POST /sms/continue: {"token": …} → {"resume": …,
// "locale": …}, or 410 with a message for a dead link.
func (s *Server) handleSMSContinue(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxContinueBody)).Decode(&in); err != nil || in.Token == "" {
		writeJSONError(w, http.StatusBadRequest, "invalid", "A link token is required.")
		return
	}
	resume, locale, err := s.deps.SMS.Continue(r.Context(), in.Token)
	switch {
	case bot.ErrorCode(err) == bot.EEXPIRED:
		writeJSONError(w, http.StatusGone, "expired", bot.ErrorMessage(err))
		return
	case err != nil:
		s.log.Error().Err(err).Msg("sms continue link")
		writeJSONError(w, http.StatusInternalServerError, "internal", "Something went wrong. Please text us again.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"resume": resume, "locale": locale})
}
