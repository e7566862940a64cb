package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// GET /healthz and GET /readyz, for load balancers and orchestrators.

// handleHealth answers while the process runs.
func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// handleReady answers 200 when Deps.Ready does and the server is not
// shutting down, 503 otherwise; the reason is logged, not shown.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	err := error(nil)
	switch {
	case s.closing.Load():
		err = errors.New("shutting down")
	case s.deps.Ready != nil:
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		err = s.deps.Ready(ctx)
	}
	if err != nil {
		s.log.Warn().Err(err).Msg("not ready")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready")
		return
	}
	fmt.Fprintln(w, "ready")
}
