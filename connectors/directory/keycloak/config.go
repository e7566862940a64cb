// Package keycloak is the directory driver for Keycloak, over its Admin
// REST API with plain net/http: a confidential client with the
// service-account roles view-users and manage-users finds patients by
// user-profile attributes, reads their contacts and account state, sets
// passwords, activates pending accounts and lifts brute-force lockouts.
// docs/directories.md ("Keycloak") explains the realm set-up;
// testdata/realm-export.json is one.
package keycloak

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// Config is directory.keycloak.* (cmd/portico binds it).
type Config struct {
	URL          string        // server root, e.g. https://id.clinic.example (or …/auth before Keycloak 17)
	Realm        string        // the realm holding the patients' accounts
	ClientID     string        // a confidential client with a service account
	ClientSecret string        // its secret
	Timeout      time.Duration // per request; remote.DefaultTimeout if zero
	CAFile       string        // PEM roots for Keycloak's certificate; system roots if empty
	Attributes   Attributes    // user-profile attribute names; defaults if empty
	// AcceptUnverifiedEmail lets codes go to an email Keycloak has not
	// marked verified (directory.keycloak.accept_unverified_email).
	// Off by default: a code must reach the patient, not whoever typed an
	// address at registration.
	AcceptUnverifiedEmail bool
	// FixedUsername keeps Keycloak's username at activation
	// (directory.keycloak.fixed_username): for realms whose usernames are
	// assigned, such as the email address. The engine then does not ask
	// the patient for one.
	FixedUsername bool
}

// Attributes are the user-profile attributes Portico reads and writes
// (directory.keycloak.attributes.*). Keycloak has username, email, first
// and last name built in; these the realm must declare, or Keycloak drops
// them silently.
type Attributes struct {
	DOB        string // YYYY-MM-DD; default "birthdate" (the OIDC claim's name)
	ZIP        string // five digits; default "postal_code" (Keycloak's address mapper's)
	MRN        string // default "mrn"
	Phone      string // E.164 or a US number; default "phoneNumber" (Keycloak's phone scope's)
	Activation string // "pending" until activated; default "porticoActivation"
}

// DefaultAttributes are the attribute names used when none are given.
var DefaultAttributes = Attributes{
	DOB: "birthdate", ZIP: "postal_code", MRN: "mrn", Phone: "phoneNumber", Activation: "porticoActivation",
}

// attributeName is what Portico accepts as an attribute name: it goes
// into search queries unquoted.
var attributeName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// String shows the configuration with the client secret masked.
func (c Config) String() string {
	return fmt.Sprintf("keycloak{url=%s realm=%s client_id=%s client_secret=%s timeout=%s ca_file=%s attributes=%+v accept_unverified_email=%t fixed_username=%t}",
		c.URL, c.Realm, c.ClientID, remote.Mask(c.ClientSecret), c.Timeout, c.CAFile, c.Attributes, c.AcceptUnverifiedEmail, c.FixedUsername)
}

// MarshalJSON masks the client secret too, so a logger or `config print`
// that marshals the struct cannot leak it.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"url": c.URL, "realm": c.Realm, "client_id": c.ClientID, "client_secret": remote.Mask(c.ClientSecret),
		"timeout": c.Timeout.String(), "ca_file": c.CAFile,
		"attributes": map[string]string{
			"dob": c.Attributes.DOB, "zip": c.Attributes.ZIP, "mrn": c.Attributes.MRN,
			"phone": c.Attributes.Phone, "activation": c.Attributes.Activation,
		},
		"accept_unverified_email": c.AcceptUnverifiedEmail, "fixed_username": c.FixedUsername,
	})
}

// withDefaults fills empty attribute names and checks the rest; errors
// name keys, never the secret.
func (c Config) withDefaults() (Config, *url.URL, error) {
	a, d := &c.Attributes, DefaultAttributes
	for _, f := range []struct {
		v   *string
		def string
	}{
		{&a.DOB, d.DOB}, {&a.ZIP, d.ZIP}, {&a.MRN, d.MRN}, {&a.Phone, d.Phone}, {&a.Activation, d.Activation},
	} {
		if *f.v == "" {
			*f.v = f.def
		}
	}
	for key, v := range map[string]string{"dob": a.DOB, "zip": a.ZIP, "mrn": a.MRN, "phone": a.Phone, "activation": a.Activation} {
		if !attributeName.MatchString(v) {
			return c, nil, fmt.Errorf("directory.keycloak.attributes.%s %q: want letters, digits, '.', '_' or '-'", key, v)
		}
	}
	switch {
	case c.Realm == "":
		return c, nil, errors.New("directory.keycloak.realm is required")
	case c.ClientID == "":
		return c, nil, errors.New("directory.keycloak.client_id is required")
	case c.ClientSecret == "":
		return c, nil, errors.New("directory.keycloak.client_secret is required")
	case c.Timeout < 0:
		return c, nil, errors.New("directory.keycloak.timeout must not be negative")
	}
	u, err := remote.ServiceURL("directory.keycloak.url", c.URL)
	if err != nil {
		return c, nil, err
	}
	if c.Timeout == 0 {
		c.Timeout = remote.DefaultTimeout
	}
	return c, u, nil
}
