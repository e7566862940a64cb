package keycloak

import (
	"context"
	"github.com/portico-chat/portico/connectors/directory/keycloak/keycloaktest"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// ids of the patients every test realm holds.
type patients struct {
	pending, active, locked, disabled, permanent, twinA, twinB string
}

func attrs(dob, zip, mrn string, more ...string) map[string][]string {
	a := map[string][]string{"birthdate": {dob}, "postal_code": {zip}, "mrn": {mrn}}
	for i := 0; i+1 < len(more); i += 2 {
		a[more[i]] = []string{more[i+1]}
	}
	return a
}

// seed adds the test realm's patients.
func seed(f *keycloaktest.Server) patients {
	return patients{
		pending: f.Add(keycloaktest.User{Username: "a-1001", FirstName: "Ada", LastName: "Lee", Email: "ada@example.org", EmailVerified: true,
			Attributes: attrs("1980-02-03", "02139", "A-1001", "phoneNumber", "(202) 555-0143", "porticoActivation", "pending")}),
		active: f.Add(keycloaktest.User{Username: "olivia.active", FirstName: "Olivia", LastName: "Núñez", Enabled: true,
			Email: "olivia@example.org", EmailVerified: true, Passwords: []string{"an old passphrase one"},
			Attributes: attrs("1975-11-30", "10001", "A-1002", "phoneNumber", "+12025550144")}),
		locked: f.Add(keycloaktest.User{Username: "leo.locked", FirstName: "Leo", LastName: "Park", Enabled: true, LockedOut: true,
			Passwords: []string{"leo's first passphrase"}, Attributes: attrs("1990-05-06", "60601", "A-1003")}),
		disabled: f.Add(keycloaktest.User{Username: "dan.disabled", FirstName: "Dan", LastName: "Ortiz",
			Attributes: attrs("1960-07-08", "73301", "A-1004")}),
		permanent: f.Add(keycloaktest.User{Username: "pat.permanent", FirstName: "Pat", LastName: "Kim", Passwords: []string{"pat's old passphrase"},
			Attributes: attrs("1955-09-10", "94105", "A-1005", "disabledReason", "permanentLockout")}),
		twinA: f.Add(keycloaktest.User{Username: "twin.one", FirstName: "Sam", LastName: "Twin", Enabled: true, Attributes: attrs("2001-01-01", "30301", "A-1006")}),
		twinB: f.Add(keycloaktest.User{Username: "twin.two", FirstName: "Sam", LastName: "Twin", Enabled: true, Attributes: attrs("2001-01-01", "30301", "A-1007")}),
	}
}

// newDir starts the driver against the fake; change adjusts the config.
func newDir(t *testing.T, f *keycloaktest.Server, change func(*Config)) *Directory {
	t.Helper()
	cfg := configOf(f)
	if change != nil {
		change(&cfg)
	}
	d, err := New(context.Background(), cfg, zerolog.Nop())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}

// configOf is the driver's configuration for the fake.
func configOf(f *keycloaktest.Server) Config {
	return Config{URL: f.Srv.URL, Realm: f.Realm, ClientID: f.ClientID, ClientSecret: f.Secret, Timeout: 2 * time.Second}
}
