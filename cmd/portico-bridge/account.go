package main

import (
	"net/http"
	"strings"
)

// contacts answers the record's email and phone on file. Only contacts
// the portal has confirmed belong here: Portico sends one-time codes to
// them.
func (s *server) contacts(w http.ResponseWriter, r *http.Request) {
	rec, err := s.store.record(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"email": rec.Email, "phone": rec.Phone})
}

// account answers the username and status.
func (s *server) account(w http.ResponseWriter, r *http.Request) {
	rec, err := s.store.record(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"username": rec.Username, "status": rec.Status})
}

// usernameCheck answers 204 when the record may take the username: its
// format is allowed and no other record has it, ignoring case.
func (s *server) usernameCheck(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username string `json:"username"`
	}
	if err := decode(r, &req); err != nil {
		s.fail(w, err)
		return
	}
	id := r.PathValue("id")
	if _, err := s.store.record(r.Context(), id); err != nil {
		s.fail(w, err)
		return
	}
	if err := s.usernameFree(r, id, req.Username); err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) usernameFree(r *http.Request, id, username string) error {
	if !usernameFormat.MatchString(username) {
		return refused("username_format")
	}
	others, err := s.store.where(r.Context(), `username = ? AND id <> ?`, strings.TrimSpace(username), id)
	if err != nil {
		return err
	}
	if len(others) > 0 {
		return refused("username_taken")
	}
	return nil
}
