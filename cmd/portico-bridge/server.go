package main

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
)

// maxBodyBytes caps a request body; the largest is an activation.
const maxBodyBytes = 64 << 10

// server answers the bridge API.
type server struct {
	store  *store
	auth   *authenticator
	policy policy
	prefix string
	log    *slog.Logger
	keys   keyLocks
}

func newServer(st *store, secrets [][]byte, pol policy, prefix string, log *slog.Logger) *server {
	return &server{
		store: st, auth: newAuthenticator(secrets), policy: pol,
		prefix: strings.TrimSuffix(prefix, "/"), log: log,
	}
}

// route is one operation of the API.
type route struct {
	pattern string // method and path, as http.ServeMux reads them
	handle  http.HandlerFunc
}

// table is every operation of the API (docs/bridge.openapi.yaml).
func (s *server) table() []route {
	return []route{
		{"GET /health", s.health},
		{"POST /find", s.find},
		{"POST /matches", s.matches},
		{"GET /records/{id}/contacts", s.contacts},
		{"GET /records/{id}/account", s.account},
		{"POST /records/{id}/username-check", s.usernameCheck},
		{"POST /records/{id}/password", s.setPassword},
		{"POST /records/{id}/activate", s.activate},
		{"POST /records/{id}/unlock", s.unlock},
	}
}

// routes serves the table. Authentication wraps it all: it checks the
// signature over the path as the client sent it, before the prefix is
// stripped.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.table() {
		mux.HandleFunc(r.pattern, r.handle)
	}
	var h http.Handler = mux
	if s.prefix != "" {
		h = http.StripPrefix(s.prefix, mux)
	}
	return s.auth.require(h, s.fail)
}

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	if err := s.store.ping(r.Context()); err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// apiError is an answer with an error code (docs/bridge.md, "Errors").
type apiError struct {
	status int
	code   string
	msg    string // for Portico's operator; never a secret or patient data
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func errBadRequest(msg string) error { return &apiError{http.StatusBadRequest, "bad_request", msg} }

var (
	errNotFound  = &apiError{http.StatusNotFound, "not_found", "no such record"}
	errConflict  = &apiError{http.StatusConflict, "conflict", "the account's state does not allow this"}
	errKeyReused = &apiError{http.StatusUnprocessableEntity, "idempotency_key_reused", "this key was used for another change"}
)

// refused is a password or username the policy refuses (422).
func refused(reason string) error {
	return &apiError{http.StatusUnprocessableEntity, reason, "refused by the password or username policy"}
}

// fail writes err as an error answer. Anything not an *apiError is an
// internal failure: logged here, answered 500 without details.
func (s *server) fail(w http.ResponseWriter, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		s.log.Error("internal error", "err", err)
		e = &apiError{http.StatusInternalServerError, "internal", "internal error"}
	}
	body := map[string]any{"error": map[string]string{"code": e.code, "message": e.msg}}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into v, refusing unknown shapes loudly.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		return errBadRequest("body is not the documented JSON")
	}
	return nil
}
