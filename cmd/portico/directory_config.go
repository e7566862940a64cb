package main

import (
	"maps"
	"strings"
	"time"

	"github.com/portico-chat/portico/connectors/directory/bridge"
	"github.com/portico-chat/portico/connectors/directory/keycloak"
	"github.com/portico-chat/portico/connectors/directory/ldap"
	"github.com/portico-chat/portico/connectors/directory/pad"
	dirremote "github.com/portico-chat/portico/connectors/directory/remote"
	"github.com/portico-chat/portico/connectors/finder/fhir"
)

// Directory drivers (directory.driver) and finder drivers (finder.driver).
const (
	driverLocal    = "local"
	driverLDAP     = "ldap"
	driverBridge   = "bridge"
	driverKeycloak = "keycloak"
	finderNone     = "none"
	finderFHIR     = "fhir"
)

// directoryDefaults are the keys of directory.* and finder.*, merged into
// defaults (config.go) so that every one binds its PORTICO_ variable.
// directory.min_latency "" means: none for the local directory,
// pad.DefaultMin for a remote one or with a finder.
var directoryDefaults = func() map[string]any {
	l := ldap.Defaults()
	a := keycloak.DefaultAttributes
	return map[string]any{
		"directory.driver":                           driverLocal,
		"directory.min_latency":                      "",
		"directory.ldap.url":                         "",
		"directory.ldap.starttls":                    false,
		"directory.ldap.ca_file":                     "",
		"directory.ldap.bind_dn":                     "",
		"directory.ldap.bind_password":               "",
		"directory.ldap.base_dn":                     "",
		"directory.ldap.user_filter":                 l.UserFilter,
		"directory.ldap.attributes.username":         l.Attributes.Username,
		"directory.ldap.attributes.first_name":       l.Attributes.FirstName,
		"directory.ldap.attributes.last_name":        l.Attributes.LastName,
		"directory.ldap.attributes.dob":              l.Attributes.DOB,
		"directory.ldap.attributes.zip":              l.Attributes.ZIP,
		"directory.ldap.attributes.email":            l.Attributes.Email,
		"directory.ldap.attributes.phone":            l.Attributes.Phone,
		"directory.ldap.attributes.mrn":              l.Attributes.MRN,
		"directory.ldap.attributes.status":           l.Attributes.Status,
		"directory.ldap.status_pending":              l.StatusPending,
		"directory.ldap.status_active":               l.StatusActive,
		"directory.ldap.dob_layout":                  l.DOBLayout,
		"directory.ldap.flavor":                      l.Flavor,
		"directory.ldap.pool_size":                   l.PoolSize,
		"directory.ldap.dial_timeout":                l.DialTimeout.String(),
		"directory.ldap.timeout":                     l.Timeout.String(),
		"directory.ldap.idle_check":                  l.IdleCheck.String(),
		"directory.ldap.breaker_failures":            l.BreakerFailures,
		"directory.ldap.breaker_cooldown":            l.BreakerCooldown.String(),
		"directory.bridge.url":                       "",
		"directory.bridge.secret":                    "",
		"directory.bridge.timeout":                   dirremote.DefaultTimeout.String(),
		"directory.bridge.ca_file":                   "",
		"directory.bridge.client_cert":               "",
		"directory.bridge.client_key":                "",
		"directory.keycloak.url":                     "",
		"directory.keycloak.realm":                   "",
		"directory.keycloak.client_id":               "",
		"directory.keycloak.client_secret":           "",
		"directory.keycloak.timeout":                 dirremote.DefaultTimeout.String(),
		"directory.keycloak.ca_file":                 "",
		"directory.keycloak.attributes.dob":          a.DOB,
		"directory.keycloak.attributes.zip":          a.ZIP,
		"directory.keycloak.attributes.mrn":          a.MRN,
		"directory.keycloak.attributes.phone":        a.Phone,
		"directory.keycloak.attributes.activation":   a.Activation,
		"directory.keycloak.accept_unverified_email": false,
		"directory.keycloak.fixed_username":          false,
		"finder.driver":                              finderNone,
		"finder.fhir.url":                            "",
		"finder.fhir.auth":                           fhir.AuthNone,
		"finder.fhir.token":                          "",
		"finder.fhir.client_id":                      "",
		"finder.fhir.token_url":                      "",
		"finder.fhir.private_key_file":               "",
		"finder.fhir.key_id":                         "",
		"finder.fhir.scope":                          "",
		"finder.fhir.identifier_system":              "",
		"finder.fhir.mode":                           fhir.ModeSearch,
		"finder.fhir.timeout":                        dirremote.DefaultTimeout.String(),
		"finder.fhir.ca_file":                        "",
		"finder.fhir.contacts_from_telecom":          false,
	}
}()

// directorySecrets are masked by `config print`.
var directorySecrets = map[string]bool{
	"directory.ldap.bind_password":     true,
	"directory.bridge.secret":          true,
	"directory.keycloak.client_secret": true,
	"finder.fhir.token":                true,
}

func init() {
	maps.Copy(defaults, directoryDefaults)
	maps.Copy(secretKeys, directorySecrets)
}

// DirectorySettings are directory.* and finder.*: which directory holds
// the portal's accounts, and which finder (if any) looks records up first.
// Only the chosen drivers' settings are read and checked.
type DirectorySettings struct {
	Driver     string        // driverLocal, driverLDAP, driverBridge or driverKeycloak
	MinLatency time.Duration // every directory call padded to this floor
	LDAP       ldap.Config
	Bridge     bridge.Config
	Keycloak   keycloak.Config
	Finder     string // finderNone or finderFHIR
	FHIR       fhir.Config
}

// Remote reports whether a call leaves the process (a remote directory,
// or a finder in front of any).
func (d DirectorySettings) Remote() bool { return d.Driver != driverLocal || d.Finder != finderNone }

// directory reads directory.* and finder.*.
func (p *parser) directory() DirectorySettings {
	d := DirectorySettings{
		Driver: p.oneOf("directory.driver", driverLocal, driverLDAP, driverBridge, driverKeycloak),
		Finder: p.oneOf("finder.driver", finderNone, finderFHIR),
	}
	switch d.Driver {
	case driverLDAP:
		d.LDAP = p.ldap()
	case driverBridge:
		d.Bridge = bridge.Config{
			URL: p.required("directory.bridge.url"), Secret: p.required("directory.bridge.secret"),
			Timeout: p.duration("directory.bridge.timeout"), CAFile: p.str("directory.bridge.ca_file"),
			ClientCert: p.str("directory.bridge.client_cert"), ClientKey: p.str("directory.bridge.client_key"),
		}
		if (d.Bridge.ClientCert == "") != (d.Bridge.ClientKey == "") {
			p.fail("directory.bridge.client_cert", "directory.bridge.client_cert and directory.bridge.client_key go together")
		}
	case driverKeycloak:
		d.Keycloak = keycloak.Config{
			URL: p.required("directory.keycloak.url"), Realm: p.required("directory.keycloak.realm"),
			ClientID: p.required("directory.keycloak.client_id"), ClientSecret: p.required("directory.keycloak.client_secret"),
			Timeout: p.duration("directory.keycloak.timeout"), CAFile: p.str("directory.keycloak.ca_file"),
			Attributes: keycloak.Attributes{
				DOB: p.str("directory.keycloak.attributes.dob"), ZIP: p.str("directory.keycloak.attributes.zip"),
				MRN: p.str("directory.keycloak.attributes.mrn"), Phone: p.str("directory.keycloak.attributes.phone"),
				Activation: p.str("directory.keycloak.attributes.activation"),
			},
			AcceptUnverifiedEmail: p.boolean("directory.keycloak.accept_unverified_email"),
			FixedUsername:         p.boolean("directory.keycloak.fixed_username"),
		}
	}
	if d.Finder == finderFHIR {
		d.FHIR = fhir.Config{
			URL:   p.required("finder.fhir.url"),
			Auth:  p.oneOf("finder.fhir.auth", fhir.AuthNone, fhir.AuthBearer, fhir.AuthSMART),
			Token: p.str("finder.fhir.token"), ClientID: p.str("finder.fhir.client_id"),
			TokenURL: p.str("finder.fhir.token_url"), PrivateKeyFile: p.str("finder.fhir.private_key_file"),
			KeyID: p.str("finder.fhir.key_id"), Scope: p.str("finder.fhir.scope"),
			IdentifierSystem:    p.required("finder.fhir.identifier_system"),
			Mode:                p.oneOf("finder.fhir.mode", fhir.ModeSearch, fhir.ModeMatch),
			Timeout:             p.duration("finder.fhir.timeout"),
			CAFile:              p.str("finder.fhir.ca_file"),
			ContactsFromTelecom: p.boolean("finder.fhir.contacts_from_telecom"),
		}
	}
	d.MinLatency = p.minLatency(d.Remote())
	return d
}

// minLatency reads directory.min_latency: a duration (0 for none), or
// empty for the default.
func (p *parser) minLatency(isRemote bool) time.Duration {
	const key = "directory.min_latency"
	s := p.str(key)
	if s == "" {
		if isRemote {
			return pad.DefaultMin
		}
		return 0
	}
	d, err := time.ParseDuration(s)
	switch {
	case err != nil || d < 0:
		p.fail(key, "%q is not a duration like 250ms (0 for none)", s)
	case d > 10*time.Second:
		p.fail(key, "%s is more than 10s: every lookup would take that long", d)
	}
	return d
}

// required is str, failing when the key is empty.
func (p *parser) required(key string) string {
	s := p.str(key)
	if s == "" {
		p.fail(key, "is required with %s", p.driverOf(key))
	}
	return s
}

// driverOf names the driver setting a key belongs to, for messages.
func (p *parser) driverOf(key string) string {
	if strings.HasPrefix(key, "finder.") {
		return "finder.driver: " + p.str("finder.driver")
	}
	return "directory.driver: " + p.str("directory.driver")
}

// ldap reads directory.ldap.* and checks it with the driver's own rules,
// which name each key.
func (p *parser) ldap() ldap.Config {
	k := func(s string) string { return "directory.ldap." + s }
	c := ldap.Config{
		URL: p.str(k("url")), StartTLS: p.boolean(k("starttls")), CAFile: p.str(k("ca_file")),
		BindDN: p.str(k("bind_dn")), BindPassword: ldap.Secret(p.str(k("bind_password"))), BaseDN: p.str(k("base_dn")),
		UserFilter: p.str(k("user_filter")),
		Attributes: ldap.Attributes{
			Username: p.str(k("attributes.username")), FirstName: p.str(k("attributes.first_name")),
			LastName: p.str(k("attributes.last_name")), DOB: p.str(k("attributes.dob")), ZIP: p.str(k("attributes.zip")),
			Email: p.str(k("attributes.email")), Phone: p.str(k("attributes.phone")), MRN: p.str(k("attributes.mrn")),
			Status: p.str(k("attributes.status")),
		},
		StatusPending: p.str(k("status_pending")), StatusActive: p.str(k("status_active")),
		DOBLayout: p.v.GetString(k("dob_layout")), Flavor: strings.ToLower(p.str(k("flavor"))),
		PoolSize: p.positive(k("pool_size")), DialTimeout: p.duration(k("dial_timeout")),
		Timeout: p.duration(k("timeout")), IdleCheck: p.duration(k("idle_check")),
		BreakerFailures: p.positive(k("breaker_failures")), BreakerCooldown: p.duration(k("breaker_cooldown")),
	}
	if err := c.Validate(); err != nil {
		for _, e := range unjoin(err) {
			p.errs = append(p.errs, e.Error())
		}
	}
	return c
}

// unjoin splits an errors.Join into its errors.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// describe is the start-up log's view of the directory: drivers and
// where they are, never a secret.
func (d DirectorySettings) describe() (driver, where, finder string) {
	switch d.Driver {
	case driverLDAP:
		where = d.LDAP.URL
	case driverBridge:
		where = d.Bridge.URL
	case driverKeycloak:
		where = d.Keycloak.URL + " realm " + d.Keycloak.Realm
	}
	finder = d.Finder
	if d.Finder == finderFHIR {
		finder += " " + d.FHIR.URL + " (" + d.FHIR.Mode + ")"
	}
	return d.Driver, where, finder
}
