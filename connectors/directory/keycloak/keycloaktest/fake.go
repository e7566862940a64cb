// Package keycloaktest is an in-process fake of the parts of Keycloak's Admin REST
// API the keycloak driver uses, answering with Keycloak's JSON shapes and
// status codes, for the driver's tests and the product's end-to-end tests.
// Only tests import it.
package keycloaktest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server answers the Admin REST endpoints the driver uses with
// Keycloak's JSON shapes and status codes: the client-credentials token
// endpoint, the user profile, user search with q and paging, user read
// and update, reset-password, credentials and their labels, logout and
// brute-force detection. Its realm's user profile comes from
// testdata/realm-export.json, so the export and the driver are tested
// together.
type Server struct {
	t        testing.TB
	Srv      *httptest.Server
	Realm    string
	ClientID string
	Secret   string

	Mu           sync.Mutex
	TokenLife    time.Duration
	Tokens       map[string]time.Time // access token → expiry
	TokenFetches int
	Profile      map[string]any
	Users        map[string]*User
	Requests     map[string]int // "METHOD pattern" → count
	// Knobs a test may set.
	MinLength        int                                 // invalidPasswordMinLengthMessage below this
	History          int                                 // invalidPasswordHistoryMessage for the current and this many before
	UsernameReadOnly bool                                // the realm does not let admins change usernames
	Delay            func(r *http.Request) time.Duration // slow answers
	Status           func(r *http.Request) int           // forced status (503, 403 …), 0 for none
}

// User is a realm user as the fake keeps it.
type User struct {
	ID, Username, Email, FirstName, LastName string
	Enabled, EmailVerified                   bool
	Attributes                               map[string][]string
	RequiredActions                          []string
	Passwords                                []string // current first
	CredID, CredLabel                        string
	LockedOut                                bool // brute-force "disabled"
	Logouts                                  int
}

func Start(t testing.TB) *Server {
	f := NewServer(t)
	f.Srv = httptest.NewServer(f.Handler())
	t.Cleanup(f.Srv.Close)
	return f
}

func NewServer(t testing.TB) *Server {
	t.Helper()
	f := &Server{
		t: t, Realm: "clinic", ClientID: "portico", Secret: "s3cret-client-secret-value",
		TokenLife: 5 * time.Minute, Tokens: map[string]time.Time{}, Users: map[string]*User{},
		Requests: map[string]int{}, MinLength: 12, History: 3,
	}
	f.Profile = ExportProfile(t)
	return f
}

// exportProfile is the user profile (UPConfig) of the realm export.
func ExportProfile(t testing.TB) map[string]any {
	t.Helper()
	var export struct {
		Components map[string][]struct {
			Config map[string][]string `json:"config"`
		} `json:"components"`
	}
	_, here, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "testdata", "realm-export.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &export); err != nil {
		t.Fatal(err)
	}
	up := export.Components["org.keycloak.userprofile.UserProfileProvider"]
	if len(up) != 1 || len(up[0].Config["kc.user.profile.config"]) != 1 {
		t.Fatal("realm export: no declarative user profile")
	}
	var profile map[string]any
	if err := json.Unmarshal([]byte(up[0].Config["kc.user.profile.config"][0]), &profile); err != nil {
		t.Fatal(err)
	}
	return profile
}

// URL is the fake's root, as directory.keycloak.url.
func (f *Server) URL() string { return f.Srv.URL }

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// add stores a user and returns its ID. Usernames are lower-cased, as
// Keycloak does.
func (f *Server) Add(u User) string {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	if u.ID == "" {
		u.ID = randomID()
	}
	u.Username = strings.ToLower(u.Username)
	if u.Attributes == nil {
		u.Attributes = map[string][]string{}
	}
	if len(u.Passwords) > 0 && u.CredID == "" {
		u.CredID = randomID()
	}
	f.Users[u.ID] = &u
	return u.ID
}

// user returns a copy of a stored user.
func (f *Server) Get(id string) User {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return *f.Users[id]
}

func (f *Server) Count(key string) int {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return f.Requests[key]
}

// fetches is how many tokens the fake has issued.
func (f *Server) Fetches() int {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	return f.TokenFetches
}

// expireTokens makes every issued token expired, as after a Keycloak
// restart with new keys or a revocation.
func (f *Server) ExpireTokens() {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for tok := range f.Tokens {
		f.Tokens[tok] = time.Time{}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// handler routes the fake's endpoints, each behind token checks, delays
// and forced statuses.
func (f *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	admin := "/admin/realms/{realm}"
	for pattern, h := range map[string]http.HandlerFunc{
		"POST /realms/{realm}/protocol/openid-connect/token":           f.token,
		"GET " + admin + "/users/profile":                              f.getProfile,
		"GET " + admin + "/users":                                      f.search,
		"GET " + admin + "/users/{id}":                                 f.getUser,
		"PUT " + admin + "/users/{id}":                                 f.putUser,
		"PUT " + admin + "/users/{id}/reset-password":                  f.resetPassword,
		"GET " + admin + "/users/{id}/credentials":                     f.credentials,
		"PUT " + admin + "/users/{id}/credentials/{cred}/userLabel":    f.credentialLabel,
		"POST " + admin + "/users/{id}/logout":                         f.logout,
		"GET " + admin + "/attack-detection/brute-force/users/{id}":    f.bruteForce,
		"DELETE " + admin + "/attack-detection/brute-force/users/{id}": f.clearBruteForce,
	} {
		mux.Handle(pattern, f.wrap(pattern, h))
	}
	return mux
}

func (f *Server) wrap(pattern string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.Mu.Lock()
		f.Requests[pattern]++
		delay, status := f.Delay, f.Status
		f.Mu.Unlock()
		if r.PathValue("realm") != f.Realm {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "Realm not found."})
			return
		}
		if delay != nil {
			select {
			case <-time.After(delay(r)):
			case <-r.Context().Done():
				return
			}
		}
		if status != nil {
			if s := status(r); s != 0 {
				writeJSON(w, s, map[string]string{"error": http.StatusText(s)})
				return
			}
		}
		if strings.HasPrefix(r.URL.Path, "/admin/") && !f.authorized(r) {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "HTTP 401 Unauthorized"})
			return
		}
		h(w, r)
	})
}

func (f *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.Mu.Lock()
	defer f.Mu.Unlock()
	exp, known := f.Tokens[tok]
	return ok && known && time.Now().Before(exp)
}

// token is the client-credentials grant.
func (f *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"})
		return
	}
	if r.PostForm.Get("client_id") != f.ClientID || r.PostForm.Get("client_secret") != f.Secret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized_client", "error_description": "Invalid client or Invalid client credentials"})
		return
	}
	tok := randomID() + randomID()
	f.Mu.Lock()
	f.Tokens[tok] = time.Now().Add(f.TokenLife)
	f.TokenFetches++
	life := int(f.TokenLife / time.Second)
	f.Mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "expires_in": life, "refresh_expires_in": 0, "token_type": "Bearer",
		"not-before-policy": 0, "scope": "profile email",
	})
}

func (f *Server) getProfile(w http.ResponseWriter, r *http.Request) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	writeJSON(w, http.StatusOK, f.Profile)
}

// dropProfileAttribute removes an attribute from the realm's profile.
func (f *Server) DropProfileAttribute(name string) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	attrs := f.Profile["attributes"].([]any)
	var kept []any
	for _, a := range attrs {
		if a.(map[string]any)["name"] != name {
			kept = append(kept, a)
		}
	}
	f.Profile["attributes"] = kept
}

// setProfilePermissions changes who may view and edit an attribute.
func (f *Server) SetProfilePermissions(name string, view, edit []string) {
	f.Mu.Lock()
	defer f.Mu.Unlock()
	for _, a := range f.Profile["attributes"].([]any) {
		if m := a.(map[string]any); m["name"] == name {
			m["permissions"] = map[string]any{"view": view, "edit": edit}
		}
	}
}

// rep is a UserRepresentation as Keycloak answers it.
func (u *User) rep(brief bool) map[string]any {
	m := map[string]any{
		"id": u.ID, "username": u.Username, "enabled": u.Enabled, "emailVerified": u.EmailVerified,
		"firstName": u.FirstName, "lastName": u.LastName, "email": u.Email,
		"createdTimestamp": 1700000000000, "totp": false, "disableableCredentialTypes": []string{},
		"requiredActions": append([]string{}, u.RequiredActions...), "notBefore": 0,
		"access": map[string]bool{"manageGroupMembership": true, "view": true, "mapRoles": true, "impersonate": false, "manage": true},
	}
	if !brief {
		m["attributes"] = u.Attributes
	}
	return m
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "User not found"})
}

func (f *Server) lookup(w http.ResponseWriter, r *http.Request) (*User, bool) {
	u, ok := f.Users[r.PathValue("id")]
	if !ok {
		notFound(w)
	}
	return u, ok
}

// readBody reads a request body; the fake is strict about JSON.
func readBody(r *http.Request, v any) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("bad JSON: %w", err)
	}
	return nil
}
