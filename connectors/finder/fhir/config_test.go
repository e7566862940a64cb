package fhir

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

func TestConfigErrorsNameTheKey(t *testing.T) {
	good := Config{URL: "https://ehr.example/fhir", Auth: AuthNone, IdentifierSystem: mrnSystem}
	smart := good
	smart.Auth, smart.ClientID, smart.KeyID, smart.PrivateKeyFile = AuthSMART, "portico", "k1", "/etc/portico/fhir.pem"
	for _, tc := range []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"no url", func(c *Config) { c.URL = "" }, "finder.fhir.url is required"},
		{"plain http", func(c *Config) { c.URL = "http://ehr.example/fhir" }, "finder.fhir.url"},
		{"no auth", func(c *Config) { c.Auth = "" }, "finder.fhir.auth is required: none, bearer or smart"},
		{"unknown auth", func(c *Config) { c.Auth = "basic" }, `finder.fhir.auth "basic"`},
		{"bearer without token", func(c *Config) { c.Auth = AuthBearer }, "finder.fhir.token is required"},
		{"a token that would be ignored", func(c *Config) { c.Token = "t0ken-value" }, "finder.fhir.token is set but auth is none"},
		{"no identifier system", func(c *Config) { c.IdentifierSystem = "" }, "finder.fhir.identifier_system is required"},
		{"unknown mode", func(c *Config) { c.Mode = "fuzzy" }, `finder.fhir.mode "fuzzy"`},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "finder.fhir.timeout"},
		{"missing CA file", func(c *Config) { c.CAFile = "/nonexistent/ca.pem" }, "finder.fhir: read CA file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.change(&cfg)
			_, err := New(cfg, zerolog.Nop())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "t0ken-value") {
				t.Errorf("error %q shows the token", err)
			}
		})
	}
	for _, tc := range []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"no client", func(c *Config) { c.ClientID = "" }, "finder.fhir.client_id is required with auth: smart"},
		{"no key", func(c *Config) { c.PrivateKeyFile = "" }, "finder.fhir.private_key_file is required"},
		{"no kid", func(c *Config) { c.KeyID = "" }, "finder.fhir.key_id is required"},
		{"plain-http token URL", func(c *Config) { c.TokenURL = "http://auth.example/token" }, "finder.fhir.token_url"},
		{"a scope with a newline", func(c *Config) { c.Scope = "system/Patient.rs\nsystem/Observation.rs" }, "finder.fhir.scope"},
	} {
		t.Run("smart: "+tc.name, func(t *testing.T) {
			cfg := smart
			tc.change(&cfg)
			if _, err := New(cfg, zerolog.Nop()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := Config{URL: "https://ehr.example/fhir/", Auth: AuthNone, IdentifierSystem: mrnSystem}.validate()
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != ModeSearch || c.Timeout != remote.DefaultTimeout || c.base.String() != "https://ehr.example/fhir" {
		t.Errorf("defaults: mode %q, timeout %v, base %s; want search, %v, no trailing slash", c.Mode, c.Timeout, c.base, remote.DefaultTimeout)
	}
}

// TestConfigMasksTheToken: String, %v, %+v and JSON show the token as
// masked and everything else as is.
func TestConfigMasksTheToken(t *testing.T) {
	cfg := Config{URL: "https://ehr.example/fhir", Auth: AuthBearer, Token: "eyJhbGciOiJSUzM4NCJ9.secret", IdentifierSystem: mrnSystem,
		ClientID: "portico", PrivateKeyFile: "/etc/portico/fhir.pem"}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"String": cfg.String(), "%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg), "JSON": string(js)} {
		if strings.Contains(out, "secret") || !strings.Contains(out, remote.Masked) || !strings.Contains(out, "/etc/portico/fhir.pem") {
			t.Errorf("%s: %s (want the token masked, the key file's path shown)", name, out)
		}
	}
}
