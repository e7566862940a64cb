package web

import (
	"net/http"
)

// GET /: the demo portal in demo mode, else a page saying Portico runs.

// handleIndex serves /: the demo portal in demo mode, otherwise a page
// saying the server runs.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	name, data := "running.html", page{Title: "Portico", Portico: s.ownOrigin(r)}
	if s.cfg.Demo {
		name, data = "portal.html", s.demoPage(demoLang(r), "")
		w.Header().Add("Vary", "Accept-Language")
	}
	if err := s.pages.render(w, http.StatusOK, name, data); err != nil {
		s.log.Error().Err(err).Str("page", name).Msg("render page")
	}
}
