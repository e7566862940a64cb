package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/keycloak/keycloaktest"
	"github.com/portico-chat/portico/connectors/notify/smtptest"
)

// The Keycloak driver through the whole product, against the in-process
// fake of Keycloak's Admin REST API (keycloaktest), which serves the
// user profile of the realm export in docs/directories.md.

// keycloakRealm starts the fake with an active and a pending patient and
// returns it with their user IDs.
func keycloakRealm(t *testing.T) (f *keycloaktest.Server, active, pending string) {
	f = keycloaktest.Start(t)
	f.MinLength = 15
	active = f.Add(keycloaktest.User{Username: "olivia.active", FirstName: "Olivia", LastName: "Activeuser", Enabled: true,
		Email: "olivia.active@example.org", EmailVerified: true, Passwords: []string{"blue river lamp cloud"},
		Attributes: map[string][]string{"birthdate": {"1985-05-17"}, "postal_code": {"02139"}, "mrn": {"KC-1011"}}})
	pending = f.Add(keycloaktest.User{Username: "kc-1001", FirstName: "Ana", LastName: "Testcase",
		Email: "ana.testcase@example.org", EmailVerified: true,
		Attributes: map[string][]string{"birthdate": {"1980-01-02"}, "postal_code": {"02139"}, "mrn": {"KC-1001"}, "porticoActivation": {"pending"}}})
	return f, active, pending
}

func keycloakKeys(f *keycloaktest.Server, extra map[string]string) map[string]string {
	keys := map[string]string{
		"directory.driver":                 "keycloak",
		"directory.keycloak.url":           f.URL(),
		"directory.keycloak.realm":         f.Realm,
		"directory.keycloak.client_id":     f.ClientID,
		"directory.keycloak.client_secret": f.Secret,
		"directory.keycloak.timeout":       "2s",
		"directory.min_latency":            "20ms",
	}
	for k, v := range extra {
		keys[k] = v
	}
	return keys
}

// TestKeycloakEndToEnd: a reset and an activation through the chat change
// the Keycloak users; Keycloak's own policy refusal is re-asked plainly.
func TestKeycloakEndToEnd(t *testing.T) {
	f, active, pending := keycloakRealm(t)
	mail := smtptest.Start(t)
	keys := directoryKeys(mail, keycloakKeys(f, nil))
	srv := runServer(t, keys)
	app := &testApp{App: srv.App, URL: srv.URL, Logs: srv.Logs}
	if strings.Contains(app.Logs.String(), f.Secret) || !strings.Contains(app.Logs.String(), `"directory":"keycloak"`) {
		t.Errorf("start-up log: want the driver named and no client secret")
	}

	p := resetTo(t, app, mail, "Olivia", "Activeuser", "05/17/1985", "02139", "olivia.active@example.org")
	f.Mu.Lock()
	f.MinLength = 30 // Keycloak's length(30) above Portico's 15
	f.Mu.Unlock()
	frames := p.say("tulip harbor seven lanterns") // 27
	if said := strings.Join(texts(frames), " "); !strings.Contains(said, "too short for the portal") {
		t.Errorf("Keycloak's refusal said %q, want the plain re-prompt", said)
	}
	wantStatus(t, p.say("tulip harbor seven lanterns at dusk"), "closed", "resolved")
	if got := f.Get(active).Passwords[0]; got != "tulip harbor seven lanterns at dusk" {
		t.Errorf("Keycloak's current password is not the new one")
	}
	f.Mu.Lock()
	f.MinLength = 15
	f.Mu.Unlock()

	config := writeConfig(t, srv.db, keys)
	csv := filepath.Join(t.TempDir(), "codes.csv")
	os.WriteFile(csv, []byte("mrn,activation_code,expiry\nKC-1001,K7PQ2-M4XV9,2099-12-31\n"), 0o600)
	if out, err := runWith(t, config, "patients", "import", csv); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	p = activateTo(t, app, "01/02/1980", "02139", "K7PQ2-M4XV9")
	wantInput(t, p.say("ana.t"), "new_password")
	wantStatus(t, p.say("paper boats on a rainy day"), "closed", "resolved")
	u := f.Get(pending)
	if !u.Enabled || u.Username != "ana.t" || len(u.Passwords) == 0 || u.Passwords[0] != "paper boats on a rainy day" {
		t.Errorf("Keycloak user after activation: enabled %v username %q", u.Enabled, u.Username)
	}
	if out, err := runWith(t, config, "patients", "activation-code", "KC-1011"); err == nil || !strings.Contains(err.Error(), "not pending") {
		t.Errorf("activation-code of an active Keycloak user: %v\n%s", err, out)
	}
}

// TestKeycloakEnumerationTiming: Keycloak answering a search that finds
// the patient 40ms slower than one that finds nobody cannot be told apart
// through the product.
func TestKeycloakEnumerationTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	f, _, _ := keycloakRealm(t)
	f.Delay = func(r *http.Request) time.Duration {
		if strings.Contains(r.URL.Query().Get("q"), "1985-05-17") {
			return 40 * time.Millisecond
		}
		return 0
	}
	mail := smtptest.Start(t)
	olivia := [4]string{"Olivia", "Activeuser", "05/17/1985", "02139"}
	nobody := [4]string{"Nobody", "Notapatient", "01/01/1970", "99999"}
	bare := startApp(t, directoryKeys(mail, keycloakKeys(f, map[string]string{"directory.min_latency": "0"})))
	bareHit, bareMiss := timeTurns(t, bare, 5, olivia, nobody)
	if hit, miss := bareHit, bareMiss; hit-miss < 30*time.Millisecond {
		t.Fatalf("unpadded: hit %v, miss %v; want the hit 40ms slower", hit, miss)
	}
	// The floor must cover the slower path, also on a loaded machine.
	floor := max(150*time.Millisecond, 2*bareHit)
	app := startApp(t, directoryKeys(mail, keycloakKeys(f, map[string]string{"directory.min_latency": floor.String()})))
	checkTiming(t, app, olivia, nobody, floor, 15*time.Millisecond)
}
