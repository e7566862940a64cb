package keycloak

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeKeycloak answers the Admin REST endpoints the driver uses with
// Keycloak's JSON shapes and status codes: the client-credentials token
// endpoint, the user profile, user search with q and paging, user read
// and update, reset-password, credentials and their labels, logout and
// brute-force detection. Its realm's user profile comes from
// testdata/realm-export.json, so the export and the driver are tested
// together.
type fakeKeycloak struct {
	t        *testing.T
	srv      *httptest.Server
	realm    string
	clientID string
	secret   string

	mu           sync.Mutex
	tokenLife    time.Duration
	tokens       map[string]time.Time // access token → expiry
	tokenFetches int
	profile      map[string]any
	users        map[string]*fakeUser
	requests     map[string]int // "METHOD pattern" → count
	// Knobs a test may set.
	minLength        int                                 // invalidPasswordMinLengthMessage below this
	history          int                                 // invalidPasswordHistoryMessage for the current and this many before
	usernameReadOnly bool                                // the realm does not let admins change usernames
	delay            func(r *http.Request) time.Duration // slow answers
	status           func(r *http.Request) int           // forced status (503, 403 …), 0 for none
}

type fakeUser struct {
	ID, Username, Email, FirstName, LastName string
	Enabled, EmailVerified                   bool
	Attributes                               map[string][]string
	RequiredActions                          []string
	Passwords                                []string // current first
	CredID, CredLabel                        string
	LockedOut                                bool // brute-force "disabled"
	Logouts                                  int
}

func newFakeKeycloak(t *testing.T) *fakeKeycloak {
	f := newFakeKeycloakServer(t)
	f.srv = httptest.NewServer(f.handler())
	t.Cleanup(f.srv.Close)
	return f
}

func newFakeKeycloakServer(t *testing.T) *fakeKeycloak {
	t.Helper()
	f := &fakeKeycloak{
		t: t, realm: "clinic", clientID: "portico", secret: "s3cret-client-secret-value",
		tokenLife: 5 * time.Minute, tokens: map[string]time.Time{}, users: map[string]*fakeUser{},
		requests: map[string]int{}, minLength: 12, history: 3,
	}
	f.profile = exportProfile(t)
	return f
}

// exportProfile is the user profile (UPConfig) of the realm export.
func exportProfile(t *testing.T) map[string]any {
	t.Helper()
	var export struct {
		Components map[string][]struct {
			Config map[string][]string `json:"config"`
		} `json:"components"`
	}
	data, err := os.ReadFile("testdata/realm-export.json")
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

func (f *fakeKeycloak) config() Config {
	return Config{URL: f.srv.URL, Realm: f.realm, ClientID: f.clientID, ClientSecret: f.secret, Timeout: 2 * time.Second}
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// add stores a user and returns its ID. Usernames are lower-cased, as
// Keycloak does.
func (f *fakeKeycloak) add(u fakeUser) string {
	f.mu.Lock()
	defer f.mu.Unlock()
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
	f.users[u.ID] = &u
	return u.ID
}

// user returns a copy of a stored user.
func (f *fakeKeycloak) user(id string) fakeUser {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.users[id]
}

func (f *fakeKeycloak) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests[key]
}

// fetches is how many tokens the fake has issued.
func (f *fakeKeycloak) fetches() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenFetches
}

// expireTokens makes every issued token expired, as after a Keycloak
// restart with new keys or a revocation.
func (f *fakeKeycloak) expireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for tok := range f.tokens {
		f.tokens[tok] = time.Time{}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// handler routes the fake's endpoints, each behind token checks, delays
// and forced statuses.
func (f *fakeKeycloak) handler() http.Handler {
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

func (f *fakeKeycloak) wrap(pattern string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests[pattern]++
		delay, status := f.delay, f.status
		f.mu.Unlock()
		if r.PathValue("realm") != f.realm {
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

func (f *fakeKeycloak) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	defer f.mu.Unlock()
	exp, known := f.tokens[tok]
	return ok && known && time.Now().Before(exp)
}

// token is the client-credentials grant.
func (f *fakeKeycloak) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"})
		return
	}
	if r.PostForm.Get("client_id") != f.clientID || r.PostForm.Get("client_secret") != f.secret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized_client", "error_description": "Invalid client or Invalid client credentials"})
		return
	}
	tok := randomID() + randomID()
	f.mu.Lock()
	f.tokens[tok] = time.Now().Add(f.tokenLife)
	f.tokenFetches++
	life := int(f.tokenLife / time.Second)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "expires_in": life, "refresh_expires_in": 0, "token_type": "Bearer",
		"not-before-policy": 0, "scope": "profile email",
	})
}

func (f *fakeKeycloak) getProfile(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	writeJSON(w, http.StatusOK, f.profile)
}

// dropProfileAttribute removes an attribute from the realm's profile.
func (f *fakeKeycloak) dropProfileAttribute(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	attrs := f.profile["attributes"].([]any)
	var kept []any
	for _, a := range attrs {
		if a.(map[string]any)["name"] != name {
			kept = append(kept, a)
		}
	}
	f.profile["attributes"] = kept
}

// setProfilePermissions changes who may view and edit an attribute.
func (f *fakeKeycloak) setProfilePermissions(name string, view, edit []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.profile["attributes"].([]any) {
		if m := a.(map[string]any); m["name"] == name {
			m["permissions"] = map[string]any{"view": view, "edit": edit}
		}
	}
}

// rep is a UserRepresentation as Keycloak answers it.
func (u *fakeUser) rep(brief bool) map[string]any {
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

func (f *fakeKeycloak) lookup(w http.ResponseWriter, r *http.Request) (*fakeUser, bool) {
	u, ok := f.users[r.PathValue("id")]
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
