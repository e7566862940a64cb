package fhir

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

var olivia = lookup("Olivia", "Núñez-García", "1975-11-30", "10001")

// TestSMARTBackendServices: with an RSA and an EC P-384 key, in any of
// the PEM forms, the finder discovers the token endpoint, signs an
// assertion the server verifies, and searches with the token.
func TestSMARTBackendServices(t *testing.T) {
	for _, kind := range []string{"rsa", "rsa-pkcs1", "ec", "ec-sec1"} {
		t.Run(kind, func(t *testing.T) {
			f := newFakeFHIR(t)
			cfg := f.smartConfig(t, kind)
			fd, err := New(cfg, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			got, err := fd.Find(context.Background(), olivia)
			if got != "MRN-1002" || err != nil {
				t.Fatalf("got %q, %v; want MRN-1002 (refusals: %v)", got, err, f.smart.refusals)
			}
			s := f.smart
			s.mu.Lock()
			defer s.mu.Unlock()
			wantAlg := map[string]string{"rsa": "RS384", "rsa-pkcs1": "RS384", "ec": "ES384", "ec-sec1": "ES384"}[kind]
			h := s.headers[0]
			if h["alg"] != wantAlg || h["kid"] != cfg.KeyID || h["typ"] != "JWT" {
				t.Errorf("assertion header %v: want alg %s, kid %s, typ JWT", h, wantAlg, cfg.KeyID)
			}
			if len(s.scopes) != 1 || s.scopes[0] != scopeV2 {
				t.Errorf("scopes asked: got %v, want [%s] (the server speaks SMART v2)", s.scopes, scopeV2)
			}
		})
	}
}

// TestSMARTTokenIsCachedAndRenewedOn401: five searches use one token; a
// revoked token gets one new token and one retry.
func TestSMARTTokenIsCachedAndRenewedOn401(t *testing.T) {
	f := newFakeFHIR(t)
	fd, err := New(f.smartConfig(t, "ec"), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, err := fd.Find(ctx, olivia); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.count("POST /auth/token"); n != 1 {
		t.Fatalf("token requests after 5 searches: got %d, want 1", n)
	}
	if n := f.count("GET /fhir/.well-known/smart-configuration"); n != 1 {
		t.Errorf("discoveries: got %d, want 1", n)
	}
	f.smart.expireTokens()
	before := f.count("GET /fhir/Patient")
	if got, err := fd.Find(ctx, olivia); got != "MRN-1002" || err != nil {
		t.Fatalf("after revocation: got %q, %v", got, err)
	}
	if n := f.count("POST /auth/token"); n != 2 {
		t.Errorf("token requests after a 401: got %d, want 2", n)
	}
	if n := f.count("GET /fhir/Patient") - before; n != 2 {
		t.Errorf("searches after a 401: got %d, want 2 (one refused, one retried)", n)
	}
	s := f.smart
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claims[0]["jti"] == s.claims[1]["jti"] {
		t.Error("two assertions share a jti")
	}
}

// TestSMARTConcurrentCallsShareOneToken: 20 searches at once with no
// token yet ask the token endpoint once.
func TestSMARTConcurrentCallsShareOneToken(t *testing.T) {
	f := newFakeFHIR(t)
	fd, err := New(f.smartConfig(t, "rsa"), zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, err := fd.Find(context.Background(), olivia); got != "MRN-1002" || err != nil {
				t.Errorf("got %q, %v", got, err)
			}
		}()
	}
	wg.Wait()
	if n := f.count("POST /auth/token"); n != 1 {
		t.Errorf("token requests: got %d, want 1", n)
	}
}

// TestSMARTRefusals: a server that cannot take Portico's assertion, or
// refuses it, makes the finder unavailable with one clear log line.
func TestSMARTRefusals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(f *fakeFHIR, c *Config)
		wantLog string
	}{
		{"unregistered kid", func(_ *fakeFHIR, c *Config) { c.KeyID = "not-registered" }, "refused Portico's client assertion"},
		{"wrong client ID", func(_ *fakeFHIR, c *Config) { c.ClientID = "someone-else" }, "refused Portico's client assertion"},
		{"a scope the server refuses", func(_ *fakeFHIR, c *Config) { c.Scope = "system/*.*" }, "refused Portico's client assertion"},
		{"no private_key_jwt", serverSays("token_endpoint_auth_methods_supported", []string{"client_secret_basic"}), "token_endpoint_auth_methods_supported is [client_secret_basic], without private_key_jwt"},
		{"no ES384", serverSays("token_endpoint_auth_signing_alg_values_supported", []string{"RS384"}), "without ES384"},
		{"a plain-http token endpoint elsewhere", serverSays("token_endpoint", "http://auth.example.org/token"), "must be https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeFHIR(t)
			cfg := f.smartConfig(t, "ec")
			tc.change(f, &cfg)
			fd, logs := loggedFinder(t, f, func(c *Config) { *c = cfg })
			_, err := fd.Find(context.Background(), olivia)
			if !errors.Is(err, remote.ErrUnavailable) {
				t.Fatalf("got %v, want ErrUnavailable", err)
			}
			if !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("log %q: want %q", logs.String(), tc.wantLog)
			}
			if n := f.count("GET /fhir/Patient"); n != 0 {
				t.Errorf("searches without a token: got %d, want 0", n)
			}
		})
	}
}

// TestSMARTScope: the configured scope wins; a v1 server gets v1's
// syntax; a configured token URL skips discovery.
func TestSMARTScope(t *testing.T) {
	for _, tc := range []struct {
		name         string
		change       func(f *fakeFHIR, c *Config)
		want         string
		wantDiscover int
	}{
		{"v2 server", nil, scopeV2, 1},
		{"v1 server", serverSays("capabilities", []string{"client-confidential-asymmetric", "permission-v1"}), scopeV1, 1},
		{"configured", func(_ *fakeFHIR, c *Config) { c.Scope = scopeV1 }, scopeV1, 1},
		{"token URL configured", func(f *fakeFHIR, c *Config) { c.TokenURL = f.smart.tokenURL() }, scopeV1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeFHIR(t)
			cfg := f.smartConfig(t, "rsa")
			if tc.change != nil {
				tc.change(f, &cfg)
			}
			fd, err := New(cfg, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := fd.Find(context.Background(), olivia); err != nil {
				t.Fatal(err)
			}
			f.smart.mu.Lock()
			scopes := f.smart.scopes
			f.smart.mu.Unlock()
			if len(scopes) != 1 || scopes[0] != tc.want {
				t.Errorf("scope: got %v, want %s", scopes, tc.want)
			}
			if n := f.count("GET /fhir/.well-known/smart-configuration"); n != tc.wantDiscover {
				t.Errorf("discoveries: got %d, want %d", n, tc.wantDiscover)
			}
		})
	}
}

func TestSMARTKeyFiles(t *testing.T) {
	f := newFakeFHIR(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "none.pem"), "no such file"},
		{"not PEM", write("junk.pem", "not a key"), "no PEM block"},
		{"a certificate", write("cert.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), `a PEM "CERTIFICATE" block`},
		{"encrypted", write("enc.pem", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), "an encrypted key"},
		{"P-256", f.smart.register(t, "ec-p256", "p256"), "ES384 needs P-384"},
		{"1024-bit RSA", f.smart.register(t, "rsa-1024", "rsa1024"), "a 1024-bit RSA key, want at least 2048"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := f.config()
			cfg.Auth, cfg.ClientID, cfg.KeyID, cfg.PrivateKeyFile = AuthSMART, "portico-backend", "k1", tc.path
			_, err := New(cfg, zerolog.Nop())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "finder.fhir.private_key_file") {
				t.Errorf("got %v, want an error naming the key and %q", err, tc.want)
			}
		})
	}
}

// TestSMARTWarnsOfAReadableKey: a key file others may read is logged.
func TestSMARTWarnsOfAReadableKey(t *testing.T) {
	f := newFakeFHIR(t)
	cfg := f.smartConfig(t, "ec")
	if err := os.Chmod(cfg.PrivateKeyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	_, logs := loggedFinder(t, f, func(c *Config) { *c = cfg })
	if !strings.Contains(logs.String(), "readable by other users") {
		t.Errorf("log %q: want a warning about the key's permissions", logs.String())
	}
}

// serverSays changes one field of the server's smart-configuration.
func serverSays(field string, value any) func(*fakeFHIR, *Config) {
	return func(f *fakeFHIR, _ *Config) {
		cfg := f.smart.serverConfiguration()
		cfg[field] = value
		f.smart.config = cfg
	}
}
