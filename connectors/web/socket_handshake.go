package web

import (
	"net/http"

	"github.com/gorilla/websocket"
)

// The refusals both socket endpoints answer before an upgrade, as plain
// HTTP errors: a browser shows no close frame for a handshake that fails.

// refuseHandshake answers 503 while the server shuts down and 403 for an
// Origin the endpoint does not allow (logged: a widget on a page not
// allowed, or a forged request). It reports whether it answered.
func (s *Server) refuseHandshake(w http.ResponseWriter, r *http.Request, origins originPolicy, endpoint string) bool {
	switch {
	case s.closing.Load():
		http.Error(w, "The server is restarting; try again shortly.", http.StatusServiceUnavailable)
		return true
	case !origins.allow(r):
		s.log.Info().Str("origin", clip(r.Header.Get("Origin"), 100)).Msg(endpoint + " socket refused: origin not allowed")
		http.Error(w, "Origin not allowed.", http.StatusForbidden)
		return true
	}
	return false
}

// refuseNonSocket answers 400 to a request that is not a WebSocket
// handshake offering Subprotocol. It reports whether it answered.
func refuseNonSocket(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case !websocket.IsWebSocketUpgrade(r):
		http.Error(w, "This endpoint speaks WebSocket.", http.StatusBadRequest)
		return true
	case !offers(r, Subprotocol):
		http.Error(w, "Offer the WebSocket subprotocol "+Subprotocol+".", http.StatusBadRequest)
		return true
	}
	return false
}

// offers reports whether the handshake offers subprotocol p.
func offers(r *http.Request, p string) bool {
	for _, o := range websocket.Subprotocols(r) {
		if o == p {
			return true
		}
	}
	return false
}
