// Package fhir is the FHIR record finder (finder.driver: fhir): an
// optional step before the account directory that turns a patient's
// demographics into their medical record number by asking the clinic's
// FHIR R4 server, either with a Patient search or with the Patient/$match
// operation of a master patient index. Only one certain match finds a
// record; none or several is a no-match like any other. It can also read
// the contacts on file from Patient.telecom, for directories that keep
// none. docs/directories.md ("FHIR record finder") explains the set-up.
package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// Ways to authenticate to the FHIR server (finder.fhir.auth).
const (
	AuthNone   = "none"   // an open server, or one behind a trusted proxy
	AuthBearer = "bearer" // a fixed access token
	AuthSMART  = "smart"  // SMART Backend Services: client credentials with a signed JWT
)

// Ways to find a patient (finder.fhir.mode).
const (
	ModeSearch = "search" // GET Patient?family=&given=&birthdate=&address-postalcode=
	ModeMatch  = "match"  // POST Patient/$match with onlyCertainMatches=true
)

// Config is finder.fhir.* (cmd/portico binds it).
type Config struct {
	URL  string // the FHIR base, e.g. https://ehr.clinic.example/fhir/r4
	Auth string // AuthNone, AuthBearer or AuthSMART
	// Token is the bearer token (auth: bearer). Secret.
	Token string
	// SMART Backend Services (auth: smart).
	ClientID       string // the registered client, iss and sub of the assertion
	TokenURL       string // the token endpoint; discovered from .well-known/smart-configuration if empty
	PrivateKeyFile string // PEM private key: RSA (RS384) or EC P-384 (ES384)
	KeyID          string // kid of that key in the JWK set registered with the server
	Scope          string // default system/Patient.rs if the server speaks SMART v2, else system/Patient.read
	// IdentifierSystem is the Patient.identifier system whose value is
	// the MRN (or the portal's account ID) the directory is asked by.
	IdentifierSystem string
	Mode             string        // ModeSearch (default) or ModeMatch
	Timeout          time.Duration // per request; remote.DefaultTimeout if zero
	CAFile           string        // PEM roots for the server's certificate; system roots if empty
	// ContactsFromTelecom lets the engine take contacts from
	// Patient.telecom when the directory has none
	// (finder.fhir.contacts_from_telecom). Off by default: the EHR's
	// contacts are typed at a front desk, not confirmed by the patient.
	ContactsFromTelecom bool
}

// String shows the configuration with the bearer token masked.
func (c Config) String() string {
	return fmt.Sprintf("fhir{url=%s auth=%s token=%s client_id=%s token_url=%s private_key_file=%s key_id=%s scope=%s identifier_system=%s mode=%s timeout=%s ca_file=%s contacts_from_telecom=%t}",
		c.URL, c.Auth, remote.Mask(c.Token), c.ClientID, c.TokenURL, c.PrivateKeyFile, c.KeyID, c.Scope,
		c.IdentifierSystem, c.Mode, c.Timeout, c.CAFile, c.ContactsFromTelecom)
}

// MarshalJSON masks the token too, so a logger or `config print` that
// marshals the struct cannot leak it.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"url": c.URL, "auth": c.Auth, "token": remote.Mask(c.Token),
		"client_id": c.ClientID, "token_url": c.TokenURL, "private_key_file": c.PrivateKeyFile,
		"key_id": c.KeyID, "scope": c.Scope, "identifier_system": c.IdentifierSystem,
		"mode": c.Mode, "timeout": c.Timeout.String(), "ca_file": c.CAFile,
		"contacts_from_telecom": c.ContactsFromTelecom,
	})
}

// checked is a configuration that passed validate, with its URLs parsed.
type checked struct {
	Config
	base     *url.URL
	tokenURL *url.URL // nil: discover (auth smart) or none
}

// validate checks c and fills defaults; errors name keys, never the token.
func (c Config) validate() (checked, error) {
	base, err := remote.ServiceURL("finder.fhir.url", c.URL)
	if err != nil {
		return checked{}, err
	}
	out := checked{Config: c, base: base}
	switch c.Auth {
	case AuthNone:
	case AuthBearer:
		if c.Token == "" {
			return checked{}, errors.New("finder.fhir.token is required with auth: bearer")
		}
	case AuthSMART:
		switch {
		case c.ClientID == "":
			return checked{}, errors.New("finder.fhir.client_id is required with auth: smart")
		case c.PrivateKeyFile == "":
			return checked{}, errors.New("finder.fhir.private_key_file is required with auth: smart")
		case c.KeyID == "":
			return checked{}, errors.New("finder.fhir.key_id is required with auth: smart (the kid of the key registered with the server)")
		}
		if c.TokenURL != "" {
			if out.tokenURL, err = remote.ServiceURL("finder.fhir.token_url", c.TokenURL); err != nil {
				return checked{}, err
			}
		}
		if strings.ContainsAny(c.Scope, "\t\n\r") {
			return checked{}, errors.New("finder.fhir.scope: scopes are separated by single spaces")
		}
	case "":
		return checked{}, errors.New("finder.fhir.auth is required: none, bearer or smart")
	default:
		return checked{}, fmt.Errorf("finder.fhir.auth %q: want none, bearer or smart", c.Auth)
	}
	if c.Auth != AuthBearer && c.Token != "" {
		return checked{}, fmt.Errorf("finder.fhir.token is set but auth is %s: set auth: bearer, or remove the token", c.Auth)
	}
	if c.IdentifierSystem == "" {
		return checked{}, errors.New("finder.fhir.identifier_system is required: the Patient.identifier system of the MRN (e.g. urn:oid:… or https://clinic.example/mrn)")
	}
	switch out.Mode {
	case "":
		out.Mode = ModeSearch
	case ModeSearch, ModeMatch:
	default:
		return checked{}, fmt.Errorf("finder.fhir.mode %q: want search or match", c.Mode)
	}
	if c.Timeout < 0 {
		return checked{}, errors.New("finder.fhir.timeout must not be negative")
	}
	if out.Timeout == 0 {
		out.Timeout = remote.DefaultTimeout
	}
	return out, nil
}
