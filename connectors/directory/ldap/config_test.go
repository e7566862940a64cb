package ldap

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	c := Defaults()
	c.URL = "ldap://ldap.clinic.example"
	c.BindDN = "cn=portico,ou=services,dc=clinic,dc=example"
	c.BindPassword = "s3rvice-Pa55"
	c.BaseDN = "ou=patients,dc=clinic,dc=example"
	return c
}

func TestDefaultsAreOpenLDAP(t *testing.T) {
	c := Defaults()
	want := Attributes{Username: "uid", FirstName: "givenName", LastName: "sn", DOB: "porticoDateOfBirth",
		ZIP: "postalCode", Email: "mail", Phone: "mobile", MRN: "employeeNumber", Status: "porticoAccountStatus"}
	if c.Attributes != want {
		t.Errorf("attributes %+v, want %+v", c.Attributes, want)
	}
	if c.Flavor != FlavorOpenLDAP || c.DOBLayout != "2006-01-02" || c.StatusPending != "pending" || c.StatusActive != "active" ||
		c.UserFilter != "(objectClass=inetOrgPerson)" {
		t.Errorf("defaults %v", c)
	}
	if err := validConfig().Validate(); err != nil {
		t.Errorf("defaults plus URL, bind and base: %v", err)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(*Config)
		key  string // "" for valid
	}{
		{"ldaps", func(c *Config) { c.URL = "ldaps://dc1.clinic.example:636" }, ""},
		{"starttls", func(c *Config) { c.StartTLS = true }, ""},
		{"ca file", func(c *Config) { c.CAFile = ca }, ""},
		{"no status attribute", func(c *Config) { c.Attributes.Status = "" }, ""},
		{"compact dates", func(c *Config) { c.DOBLayout = "20060102" }, ""},
		{"ad over ldaps", func(c *Config) { c.Flavor, c.URL = FlavorAD, "ldaps://dc1.clinic.example" }, ""},
		{"missing url", func(c *Config) { c.URL = "" }, "directory.ldap.url"},
		{"http url", func(c *Config) { c.URL = "http://ldap.clinic.example" }, "directory.ldap.url"},
		{"url without host", func(c *Config) { c.URL = "ldap://" }, "directory.ldap.url"},
		{"starttls on ldaps", func(c *Config) { c.URL, c.StartTLS = "ldaps://h", true }, "directory.ldap.starttls"},
		{"missing ca file", func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, "directory.ldap.ca_file"},
		{"no bind dn", func(c *Config) { c.BindDN = " " }, "directory.ldap.bind_dn"},
		{"no bind password", func(c *Config) { c.BindPassword = "" }, "directory.ldap.bind_password"},
		{"no base dn", func(c *Config) { c.BaseDN = "" }, "directory.ldap.base_dn"},
		{"filter without parentheses", func(c *Config) { c.UserFilter = "objectClass=person" }, "directory.ldap.user_filter"},
		{"filter that does not parse", func(c *Config) { c.UserFilter = "(&(objectClass=person)" }, "directory.ldap.user_filter"},
		{"attribute with a space", func(c *Config) { c.Attributes.MRN = "employee number" }, "directory.ldap.attributes.mrn"},
		{"empty attribute", func(c *Config) { c.Attributes.DOB = "" }, "directory.ldap.attributes.dob"},
		{"bad status attribute", func(c *Config) { c.Attributes.Status = "(status)" }, "directory.ldap.attributes.status"},
		{"same status values", func(c *Config) { c.StatusActive = "PENDING" }, "directory.ldap.status_pending"},
		{"layout without the day", func(c *Config) { c.DOBLayout = "2006-01" }, "directory.ldap.dob_layout"},
		{"layout that is not one", func(c *Config) { c.DOBLayout = "YYYY-MM-DD" }, "directory.ldap.dob_layout"},
		{"unknown flavor", func(c *Config) { c.Flavor = "novell" }, "directory.ldap.flavor"},
		{"ad in clear", func(c *Config) { c.Flavor = FlavorAD }, "directory.ldap.flavor"},
		{"ad without status", func(c *Config) { c.Flavor, c.URL, c.Attributes.Status = FlavorAD, "ldaps://h", "" }, "directory.ldap.attributes.status"},
		{"pool of none", func(c *Config) { c.PoolSize = 0 }, "directory.ldap.pool_size"},
		{"huge pool", func(c *Config) { c.PoolSize = 1000 }, "directory.ldap.pool_size"},
		{"no timeout", func(c *Config) { c.Timeout = 0 }, "directory.ldap.timeout"},
		{"negative dial timeout", func(c *Config) { c.DialTimeout = -time.Second }, "directory.ldap.dial_timeout"},
		{"breaker of zero", func(c *Config) { c.BreakerFailures = 0 }, "directory.ldap.breaker_failures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.edit(&c)
			err := c.Validate()
			if tt.key == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.key+":") {
				t.Fatalf("Validate = %v, want an error naming %s", err, tt.key)
			}
			if strings.Contains(err.Error(), "s3rvice-Pa55") {
				t.Fatalf("error shows the bind password: %v", err)
			}
		})
	}
}

func TestBindPasswordNeverPrinted(t *testing.T) {
	const pw = "s3rvice-Pa55"
	c := validConfig()
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	jsField, err := json.Marshal(struct{ P Secret }{c.BindPassword})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := c.MarshalText()
	outputs := map[string]string{
		"String":       c.String(),
		"%v":           fmt.Sprintf("%v", c),
		"%+v":          fmt.Sprintf("%+v", c),
		"%#v":          fmt.Sprintf("%#v", c),
		"%s secret":    fmt.Sprintf("%s", c.BindPassword),
		"%q secret":    fmt.Sprintf("%q", c.BindPassword),
		"%x secret":    fmt.Sprintf("%x", c.BindPassword),
		"%#v secret":   fmt.Sprintf("%#v", c.BindPassword),
		"MarshalText":  string(text),
		"json config":  string(js),
		"json secret":  string(jsField),
		"Validate err": fmt.Sprint(Config{BindPassword: pw}.Validate()),
	}
	for name, out := range outputs {
		if strings.Contains(out, pw) || strings.Contains(out, fmt.Sprintf("%x", pw)) {
			t.Errorf("%s shows the password: %s", name, out)
		}
	}
	if !strings.Contains(c.String(), "bind_password=[redacted]") {
		t.Errorf("String = %s, want bind_password=[redacted]", c.String())
	}
	if got := Secret("").String(); got != "" {
		t.Errorf("empty secret prints %q, want empty (visibly missing)", got)
	}
	if c.BindPassword.reveal() != pw {
		t.Error("reveal does not return the password")
	}
}
