package keycloaktest

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// parseQ reads Keycloak's q parameter: key:value or key:"quoted value"
// terms separated by spaces, with \" and \\ escapes in quotes.
func parseQ(q string) map[string]string {
	out := map[string]string{}
	for i := 0; i < len(q); {
		for i < len(q) && q[i] == ' ' {
			i++
		}
		colon := strings.IndexByte(q[i:], ':')
		if colon < 0 {
			break
		}
		key := q[i : i+colon]
		i += colon + 1
		var val strings.Builder
		if i < len(q) && q[i] == '"' {
			for i++; i < len(q) && q[i] != '"'; i++ {
				if q[i] == '\\' && i+1 < len(q) {
					i++
				}
				val.WriteByte(q[i])
			}
			i++
		} else {
			for ; i < len(q) && q[i] != ' '; i++ {
				val.WriteByte(q[i])
			}
		}
		out[key] = val.String()
	}
	return out
}

// search is GET /users: q (exact attribute values), username (exact with
// exact=true, ignoring case), first/max paging, ordered by username.
func (f *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	attrs := parseQ(q.Get("q"))
	exact := q.Get("exact") == "true"
	brief := q.Get("briefRepresentation") == "true"
	first, _ := strconv.Atoi(q.Get("first"))
	max, err := strconv.Atoi(q.Get("max"))
	if err != nil {
		max = 100
	}
	f.Mu.Lock()
	var found []*User
	for _, u := range f.Users {
		ok := true
		for k, v := range attrs {
			if !slices.Contains(u.Attributes[k], v) {
				ok = false
			}
		}
		if name := q.Get("username"); name != "" {
			if exact {
				ok = ok && strings.EqualFold(u.Username, name)
			} else {
				ok = ok && strings.Contains(u.Username, strings.ToLower(name))
			}
		}
		if ok {
			found = append(found, u)
		}
	}
	slices.SortFunc(found, func(a, b *User) int { return strings.Compare(a.Username, b.Username) })
	reps := []map[string]any{}
	for i := first; i < len(found) && i < first+max; i++ {
		reps = append(reps, found[i].rep(brief))
	}
	f.Mu.Unlock()
	writeJSON(w, http.StatusOK, reps)
}

func (f *Server) getUser(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	if u, ok := f.lookup(w, r); ok {
		writeJSON(w, http.StatusOK, u.rep(false))
	}
}

// policyError is Keycloak's answer to a password its policy refuses: an
// OAuth2ErrorRepresentation, status 400.
func (f *Server) policyError(u *User, pw string) map[string]string {
	switch {
	case utf8.RuneCountInString(pw) < f.MinLength:
		return map[string]string{"error": "invalidPasswordMinLengthMessage",
			"error_description": "Invalid password: minimum length " + strconv.Itoa(f.MinLength) + "."}
	case strings.EqualFold(pw, u.Username):
		return map[string]string{"error": "invalidPasswordNotUsernameMessage",
			"error_description": "Invalid password: must not be equal to the username."}
	case slices.Contains(u.Passwords[:min(len(u.Passwords), f.History+1)], pw):
		return map[string]string{"error": "invalidPasswordHistoryMessage",
			"error_description": "Invalid password: must not be equal to any of last " + strconv.Itoa(f.History) + " passwords."}
	}
	return nil
}

// setPassword stores a new current password; the caller holds f.Mu.
func (u *User) setPassword(pw string) {
	u.Passwords = append([]string{pw}, u.Passwords...)
	u.CredID, u.CredLabel = randomID(), ""
	u.RequiredActions = slices.DeleteFunc(u.RequiredActions, func(a string) bool { return a == "UPDATE_PASSWORD" })
}

// putUser is PUT /users/{id}: a UserRepresentation, applied all or
// nothing. As in Keycloak, attributes given replace all attributes, and
// with attributes given, absent first and last names are cleared.
func (f *Server) putUser(w http.ResponseWriter, r *http.Request) {
	var rep struct {
		Username        *string             `json:"username"`
		Enabled         *bool               `json:"enabled"`
		FirstName       *string             `json:"firstName"`
		LastName        *string             `json:"lastName"`
		Attributes      map[string][]string `json:"attributes"`
		RequiredActions []string            `json:"requiredActions"`
		Credentials     []struct {
			Type      string `json:"type"`
			Value     string `json:"value"`
			Temporary bool   `json:"temporary"`
		} `json:"credentials"`
	}
	if err := readBody(r, &rep); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"errorMessage": "unable to read contents from stream"})
		return
	}
	f.Mu.Lock()
	defer f.Mu.Unlock()
	u, ok := f.lookup(w, r)
	if !ok {
		return
	}
	if rep.Username != nil && !strings.EqualFold(*rep.Username, u.Username) {
		if f.UsernameReadOnly {
			writeJSON(w, http.StatusBadRequest, map[string]any{"field": "username", "errorMessage": "error-user-attribute-read-only", "params": []string{"username"}})
			return
		}
		for _, other := range f.Users {
			if other.ID != u.ID && strings.EqualFold(other.Username, *rep.Username) {
				writeJSON(w, http.StatusConflict, map[string]string{"errorMessage": "User exists with same username"})
				return
			}
		}
	}
	for _, c := range rep.Credentials {
		if c.Type == "password" && c.Value != "" {
			if e := f.policyError(u, c.Value); e != nil {
				writeJSON(w, http.StatusBadRequest, e)
				return
			}
		}
	}
	if rep.Username != nil {
		u.Username = strings.ToLower(*rep.Username)
	}
	if rep.Enabled != nil {
		if *rep.Enabled && !u.Enabled {
			u.LockedOut = false // enabling lifts a lockout
			delete(u.Attributes, "disabledReason")
		}
		u.Enabled = *rep.Enabled
	}
	if rep.Attributes != nil {
		u.Attributes = rep.Attributes
		u.FirstName, u.LastName = deref(rep.FirstName), deref(rep.LastName)
	}
	if rep.RequiredActions != nil {
		u.RequiredActions = rep.RequiredActions
	}
	for _, c := range rep.Credentials {
		if c.Type == "password" && c.Value != "" {
			u.setPassword(c.Value)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (f *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	var cred struct {
		Type      string `json:"type"`
		Value     string `json:"value"`
		Temporary *bool  `json:"temporary"`
	}
	if err := readBody(r, &cred); err != nil || cred.Value == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "No password provided"})
		return
	}
	f.Mu.Lock()
	defer f.Mu.Unlock()
	u, ok := f.lookup(w, r)
	if !ok {
		return
	}
	if e := f.policyError(u, cred.Value); e != nil {
		writeJSON(w, http.StatusBadRequest, e)
		return
	}
	u.setPassword(cred.Value)
	if cred.Temporary == nil || *cred.Temporary {
		u.RequiredActions = append(u.RequiredActions, "UPDATE_PASSWORD")
	}
	w.WriteHeader(http.StatusNoContent)
}

func (f *Server) credentials(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	u, ok := f.lookup(w, r)
	if !ok {
		return
	}
	creds := []map[string]any{}
	if u.CredID != "" {
		c := map[string]any{"id": u.CredID, "type": "password", "createdDate": 1700000000000,
			"credentialData": `{"hashIterations":5,"algorithm":"argon2","additionalParameters":{}}`}
		if u.CredLabel != "" {
			c["userLabel"] = u.CredLabel
		}
		creds = append(creds, c)
	}
	writeJSON(w, http.StatusOK, creds)
}

func (f *Server) credentialLabel(w http.ResponseWriter, r *http.Request) {
	label, _ := readAll(r)
	f.Mu.Lock()
	defer f.Mu.Unlock()
	u, ok := f.lookup(w, r)
	if !ok {
		return
	}
	if r.PathValue("cred") != u.CredID || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Credential not found"})
		return
	}
	u.CredLabel = label
	w.WriteHeader(http.StatusNoContent)
}

func readAll(r *http.Request) (string, error) {
	b, err := io.ReadAll(r.Body)
	return string(b), err
}

func (f *Server) logout(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	if u, ok := f.lookup(w, r); ok {
		u.Logouts++
		w.WriteHeader(http.StatusNoContent)
	}
}

// bruteForce answers like Keycloak: for an unknown user too, with zeros.
func (f *Server) bruteForce(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	locked, failures := false, 0
	if u, ok := f.Users[r.PathValue("id")]; ok && u.LockedOut {
		locked, failures = true, 5
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"numFailures": failures, "disabled": locked, "lastIPFailure": "n/a", "lastFailure": 0,
		"numTemporaryLockouts": 0, "failedLoginNotBefore": 0,
	})
}

func (f *Server) clearBruteForce(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	if u, ok := f.Users[r.PathValue("id")]; ok {
		u.LockedOut = false
	}
	w.WriteHeader(http.StatusNoContent)
}
