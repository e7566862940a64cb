package ldap

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Flavors of directory server.
const (
	FlavorOpenLDAP = "openldap" // OpenLDAP, 389-DS and other RFC 3062 servers
	FlavorAD       = "ad"       // Active Directory
)

// Defaults of the tuning settings, named once.
const (
	DefaultPoolSize        = 4
	DefaultDialTimeout     = 5 * time.Second
	DefaultCallTimeout     = 5 * time.Second
	DefaultIdleCheck       = 30 * time.Second
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 10 * time.Second
	maxPoolSize            = 64
)

// Config is the driver's configuration: the keys under directory.ldap.
// cmd/portico binds them; this package reads no file and no environment
// variable except the CA file it is pointed at.
type Config struct {
	URL           string     `mapstructure:"url"`      // ldap://host:389 or ldaps://host:636
	StartTLS      bool       `mapstructure:"starttls"` // upgrade an ldap:// connection before binding
	CAFile        string     `mapstructure:"ca_file"`  // PEM roots for the server's certificate; empty: the system's
	BindDN        string     `mapstructure:"bind_dn"`
	BindPassword  Secret     `mapstructure:"bind_password"`
	BaseDN        string     `mapstructure:"base_dn"`
	UserFilter    string     `mapstructure:"user_filter"` // e.g. (objectClass=inetOrgPerson)
	Attributes    Attributes `mapstructure:"attributes"`
	StatusPending string     `mapstructure:"status_pending"`
	StatusActive  string     `mapstructure:"status_active"`
	DOBLayout     string     `mapstructure:"dob_layout"` // Go time layout of the DOB attribute
	Flavor        string     `mapstructure:"flavor"`     // FlavorOpenLDAP or FlavorAD

	// Tuning; zero values are refused by Validate, Defaults fills them.
	PoolSize        int           `mapstructure:"pool_size"`        // connections kept bound
	DialTimeout     time.Duration `mapstructure:"dial_timeout"`     // TCP, TLS and the service bind
	Timeout         time.Duration `mapstructure:"timeout"`          // each operation
	IdleCheck       time.Duration `mapstructure:"idle_check"`       // idle longer: checked before reuse
	BreakerFailures int           `mapstructure:"breaker_failures"` // consecutive failures that open the breaker
	BreakerCooldown time.Duration `mapstructure:"breaker_cooldown"` // fail fast this long, then try one call
}

// Attributes name the directory attributes that hold each fact.
type Attributes struct {
	Username  string `mapstructure:"username"`
	FirstName string `mapstructure:"first_name"`
	LastName  string `mapstructure:"last_name"`
	DOB       string `mapstructure:"dob"`
	ZIP       string `mapstructure:"zip"`
	Email     string `mapstructure:"email"`
	Phone     string `mapstructure:"phone"`
	MRN       string `mapstructure:"mrn"`    // the record ID Portico keys everything by
	Status    string `mapstructure:"status"` // empty: no status attribute (see Account)
}

// Defaults returns the configuration for an OpenLDAP directory of
// inetOrgPerson entries with Portico's auxiliary class (testdata/ldap/
// portico.ldif) for the date of birth and the account status. URL, bind
// DN, password and base DN have no sensible default and stay empty.
func Defaults() Config {
	return Config{
		UserFilter: "(objectClass=inetOrgPerson)",
		Attributes: Attributes{
			Username:  "uid",
			FirstName: "givenName",
			LastName:  "sn",
			DOB:       "porticoDateOfBirth",
			ZIP:       "postalCode",
			Email:     "mail",
			Phone:     "mobile",
			MRN:       "employeeNumber",
			Status:    "porticoAccountStatus",
		},
		StatusPending:   "pending",
		StatusActive:    "active",
		DOBLayout:       "2006-01-02",
		Flavor:          FlavorOpenLDAP,
		PoolSize:        DefaultPoolSize,
		DialTimeout:     DefaultDialTimeout,
		Timeout:         DefaultCallTimeout,
		IdleCheck:       DefaultIdleCheck,
		BreakerFailures: DefaultBreakerFailures,
		BreakerCooldown: DefaultBreakerCooldown,
	}
}

// Validate names every problem of c, each by its key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("directory.ldap.%s: %s", key, fmt.Sprintf(format, args...)))
	}
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		bad("url", "required (ldap://host:389 or ldaps://host:636)")
	case err != nil || u.Host == "" || (u.Scheme != "ldap" && u.Scheme != "ldaps"):
		bad("url", "want ldap://host[:port] or ldaps://host[:port]")
	case u.Scheme == "ldaps" && c.StartTLS:
		bad("starttls", "not with ldaps://, which is TLS from the start")
	}
	if c.CAFile != "" {
		if _, err := os.Stat(c.CAFile); err != nil {
			bad("ca_file", "cannot read %s", c.CAFile)
		}
	}
	if strings.TrimSpace(c.BindDN) == "" {
		bad("bind_dn", "required: the service account's DN")
	}
	if c.BindPassword == "" {
		bad("bind_password", "required: the service account's password")
	}
	if strings.TrimSpace(c.BaseDN) == "" {
		bad("base_dn", "required: the subtree holding patient entries")
	}
	if f := c.UserFilter; f == "" || !strings.HasPrefix(f, "(") || !strings.HasSuffix(f, ")") {
		bad("user_filter", "want one parenthesised LDAP filter, e.g. (objectClass=inetOrgPerson)")
	} else if _, err := compileFilter(f); err != nil {
		bad("user_filter", "not a valid LDAP filter: %v", err)
	}
	for key, name := range map[string]string{
		"username": c.Attributes.Username, "first_name": c.Attributes.FirstName,
		"last_name": c.Attributes.LastName, "dob": c.Attributes.DOB, "zip": c.Attributes.ZIP,
		"email": c.Attributes.Email, "phone": c.Attributes.Phone, "mrn": c.Attributes.MRN,
	} {
		if !validAttributeName(name) {
			bad("attributes."+key, "want an attribute name, got %q", name)
		}
	}
	if s := c.Attributes.Status; s != "" && !validAttributeName(s) {
		bad("attributes.status", "want an attribute name or empty, got %q", s)
	}
	if c.Attributes.Status != "" {
		if c.StatusPending == "" || c.StatusActive == "" || strings.EqualFold(c.StatusPending, c.StatusActive) {
			bad("status_pending", "status_pending and status_active must be two different values")
		}
	}
	if !validDOBLayout(c.DOBLayout) {
		bad("dob_layout", "want a Go time layout holding a date, e.g. 2006-01-02 or 20060102")
	}
	switch c.Flavor {
	case FlavorOpenLDAP:
	case FlavorAD:
		if u != nil && u.Scheme != "ldaps" && !c.StartTLS {
			bad("flavor", "ad sets unicodePwd, which Active Directory accepts only over ldaps:// or starttls")
		}
		if c.Attributes.Status == "" {
			bad("attributes.status", "ad needs a status attribute to tell a pending account from one an administrator disabled")
		}
	default:
		bad("flavor", "want %s or %s, got %q", FlavorOpenLDAP, FlavorAD, c.Flavor)
	}
	if c.PoolSize < 1 || c.PoolSize > maxPoolSize {
		bad("pool_size", "want 1 to %d", maxPoolSize)
	}
	for key, d := range map[string]time.Duration{
		"dial_timeout": c.DialTimeout, "timeout": c.Timeout,
		"idle_check": c.IdleCheck, "breaker_cooldown": c.BreakerCooldown,
	} {
		if d <= 0 {
			bad(key, "want a positive duration")
		}
	}
	if c.BreakerFailures < 1 {
		bad("breaker_failures", "want at least 1")
	}
	return errors.Join(errs...)
}

// validAttributeName accepts an attribute description's name or OID:
// letters, digits, hyphens and dots, starting with a letter or digit.
func validAttributeName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || (c != '-' && c != '.')) {
			return false
		}
	}
	return true
}

// validDOBLayout reports whether layout formats a date that parses back:
// a layout without the year, month or day would make every birthday alike.
func validDOBLayout(layout string) bool {
	if layout == "" {
		return false
	}
	want := time.Date(1987, time.December, 31, 0, 0, 0, 0, time.UTC)
	got, err := time.Parse(layout, want.Format(layout))
	return err == nil && got.Year() == want.Year() && got.YearDay() == want.YearDay()
}

// String shows the configuration with the bind password masked, for
// `config print` and logs.
func (c Config) String() string {
	return fmt.Sprintf("url=%s starttls=%t ca_file=%s bind_dn=%s bind_password=%s base_dn=%s "+
		"user_filter=%s attributes=%+v status_pending=%s status_active=%s dob_layout=%s flavor=%s "+
		"pool_size=%d dial_timeout=%s timeout=%s idle_check=%s breaker_failures=%d breaker_cooldown=%s",
		c.URL, c.StartTLS, c.CAFile, c.BindDN, c.BindPassword, c.BaseDN,
		c.UserFilter, c.Attributes, c.StatusPending, c.StatusActive, c.DOBLayout, c.Flavor,
		c.PoolSize, c.DialTimeout, c.Timeout, c.IdleCheck, c.BreakerFailures, c.BreakerCooldown)
}

// MarshalText is String, so encoders that honour encoding.TextMarshaler
// (JSON, YAML, zerolog) never see the password either.
func (c Config) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Secret is a password that does not print: every fmt verb, String,
// GoString and MarshalText show a mask. Only the driver reads the value.
type Secret string

const secretMask = "[redacted]"

// String returns the mask, or "" for an empty secret (so a missing
// password is visible as missing).
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return secretMask
}

// GoString masks %#v.
func (s Secret) GoString() string { return `ldap.Secret("` + s.String() + `")` }

// Format masks every verb, %x and %q included.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(s.String()))
}

// MarshalText masks the secret for encoders.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// reveal is the one place the password is read.
func (s Secret) reveal() string { return string(s) }
