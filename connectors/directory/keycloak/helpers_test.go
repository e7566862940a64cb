package keycloak

import (
	"context"
	"testing"

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
func (f *fakeKeycloak) seed() patients {
	return patients{
		pending: f.add(fakeUser{Username: "a-1001", FirstName: "Ada", LastName: "Lee", Email: "ada@example.org", EmailVerified: true,
			Attributes: attrs("1980-02-03", "02139", "A-1001", "phoneNumber", "(202) 555-0143", "porticoActivation", "pending")}),
		active: f.add(fakeUser{Username: "olivia.active", FirstName: "Olivia", LastName: "Núñez", Enabled: true,
			Email: "olivia@example.org", EmailVerified: true, Passwords: []string{"an old passphrase one"},
			Attributes: attrs("1975-11-30", "10001", "A-1002", "phoneNumber", "+12025550144")}),
		locked: f.add(fakeUser{Username: "leo.locked", FirstName: "Leo", LastName: "Park", Enabled: true, LockedOut: true,
			Passwords: []string{"leo's first passphrase"}, Attributes: attrs("1990-05-06", "60601", "A-1003")}),
		disabled: f.add(fakeUser{Username: "dan.disabled", FirstName: "Dan", LastName: "Ortiz",
			Attributes: attrs("1960-07-08", "73301", "A-1004")}),
		permanent: f.add(fakeUser{Username: "pat.permanent", FirstName: "Pat", LastName: "Kim", Passwords: []string{"pat's old passphrase"},
			Attributes: attrs("1955-09-10", "94105", "A-1005", "disabledReason", "permanentLockout")}),
		twinA: f.add(fakeUser{Username: "twin.one", FirstName: "Sam", LastName: "Twin", Enabled: true, Attributes: attrs("2001-01-01", "30301", "A-1006")}),
		twinB: f.add(fakeUser{Username: "twin.two", FirstName: "Sam", LastName: "Twin", Enabled: true, Attributes: attrs("2001-01-01", "30301", "A-1007")}),
	}
}

// newDir starts the driver against the fake; change adjusts the config.
func newDir(t *testing.T, f *fakeKeycloak, change func(*Config)) *Directory {
	t.Helper()
	cfg := f.config()
	if change != nil {
		change(&cfg)
	}
	d, err := New(context.Background(), cfg, zerolog.Nop())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return d
}
