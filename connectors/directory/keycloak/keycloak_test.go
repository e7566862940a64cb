package keycloak

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"github.com/portico-chat/portico/connectors/directory/keycloak/keycloaktest"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// TestNewChecksTheUserProfile: the driver refuses to start, naming the
// attribute and its key, when the realm's profile lacks what it reads or
// writes.
func TestNewChecksTheUserProfile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*keycloaktest.Server, *Config)
		want   []string // substrings of the error; none for success
	}{
		{"the export's profile", nil, nil},
		{"dob missing", func(f *keycloaktest.Server, _ *Config) { f.DropProfileAttribute("birthdate") },
			[]string{`attribute "birthdate" (directory.keycloak.attributes.dob) is not declared`}},
		{"two missing, both named", func(f *keycloaktest.Server, _ *Config) {
			f.DropProfileAttribute("mrn")
			f.DropProfileAttribute("phoneNumber")
		}, []string{`"mrn" (directory.keycloak.attributes.mrn)`, `"phoneNumber" (directory.keycloak.attributes.phone)`}},
		{"configured name not in the profile", func(_ *keycloaktest.Server, c *Config) { c.Attributes.ZIP = "zip" },
			[]string{`attribute "zip" (directory.keycloak.attributes.zip) is not declared`}},
		{"activation not editable by admins", func(f *keycloaktest.Server, _ *Config) {
			f.SetProfilePermissions("porticoActivation", []string{"admin"}, []string{})
		}, []string{`"porticoActivation" (directory.keycloak.attributes.activation) is not editable by admins`}},
		{"mrn hidden from admins", func(f *keycloaktest.Server, _ *Config) {
			f.SetProfilePermissions("mrn", []string{"user"}, []string{})
		}, []string{`"mrn" (directory.keycloak.attributes.mrn) is not visible to admins`}},
		{"wrong realm", func(_ *keycloaktest.Server, c *Config) { c.Realm = "elsewhere" }, []string{`realm "elsewhere" not found`}},
		{"wrong client secret", func(_ *keycloaktest.Server, c *Config) { c.ClientSecret = "wrong-secret-value" },
			[]string{"client credentials refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := keycloaktest.Start(t)
			cfg := configOf(f)
			if tc.change != nil {
				tc.change(f, &cfg)
			}
			_, err := New(context.Background(), cfg, zerolog.Nop())
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New succeeded, want it to refuse")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), cfg.ClientSecret) {
				t.Errorf("error shows the client secret: %v", err)
			}
		})
	}
}

// TestTokenIsCachedAndRefreshedOnce: one token serves many calls; after
// Keycloak stops accepting it (401), the driver gets one new token and
// retries once; a token refused twice is unavailable, not a loop.
func TestTokenIsCachedAndRefreshedOnce(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	d := newDir(t, f, nil)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, err := d.Account(ctx, p.active); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.Fetches(); got != 1 {
		t.Fatalf("token fetches after 5 calls: got %d, want 1", got)
	}

	f.ExpireTokens()
	before := f.Count("GET /admin/realms/{realm}/users/{id}")
	if _, err := d.Account(ctx, p.active); err != nil {
		t.Fatalf("after the token expired: %v, want success with a new token", err)
	}
	if got := f.Fetches(); got != 2 {
		t.Errorf("token fetches after a 401: got %d, want 2", got)
	}
	if got := f.Count("GET /admin/realms/{realm}/users/{id}") - before; got != 2 {
		t.Errorf("user reads for one call across a 401: got %d, want 2 (the refused one and the retry)", got)
	}

	// Keycloak refuses every token: exactly one retry, then unavailable.
	f.Status = func(r *http.Request) int {
		if strings.HasPrefix(r.URL.Path, "/admin/") {
			return http.StatusUnauthorized
		}
		return 0
	}
	before = f.Count("GET /admin/realms/{realm}/users/{id}")
	if _, err := d.Account(ctx, p.active); !errors.Is(err, remote.ErrUnavailable) {
		t.Errorf("token refused twice: got %v, want ErrUnavailable", err)
	}
	if got := f.Count("GET /admin/realms/{realm}/users/{id}") - before; got != 2 {
		t.Errorf("requests with a refused token: got %d, want 2", got)
	}
}

// TestTokenIsRenewedBeforeItExpires: a token is replaced remote.TokenMargin
// before its expiry, without waiting for a 401.
func TestTokenIsRenewedBeforeItExpires(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	d := newDir(t, f, nil)
	var mu sync.Mutex
	now := time.Now()
	d.tokens.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	d.tokens.Reset()
	ctx := context.Background()
	if _, err := d.Account(ctx, p.active); err != nil {
		t.Fatal(err)
	}
	fetches := f.Fetches()
	mu.Lock()
	now = now.Add(f.TokenLife - remote.TokenMargin - time.Second)
	mu.Unlock()
	_, _ = d.Account(ctx, p.active)
	if f.Fetches() != fetches {
		t.Errorf("renewed %v before expiry, want only within the %v margin", remote.TokenMargin+time.Second, remote.TokenMargin)
	}
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	_, _ = d.Account(ctx, p.active)
	if f.Fetches() != fetches+1 {
		t.Errorf("token fetches within the margin: got %d, want %d", f.Fetches(), fetches+1)
	}
	if got := f.Count("GET /admin/realms/{realm}/users/{id}"); got != 3 {
		t.Errorf("user reads: got %d, want 3 (no 401 along the way)", got)
	}
}

// TestConcurrentCallsShareOneToken: 20 calls at once with no token yet
// fetch exactly one.
func TestConcurrentCallsShareOneToken(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	d := newDir(t, f, nil)
	d.tokens.Reset()
	before := f.Fetches()
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Account(context.Background(), p.active); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := f.Fetches() - before; got != 1 {
		t.Errorf("token fetches for 20 concurrent calls: got %d, want 1", got)
	}
}

// TestUnavailableKeycloak: slow answers time out, 5xx and 403 are
// unavailable, and after five failures the breaker stops calling.
func TestUnavailableKeycloak(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(f *keycloaktest.Server)
		maxDur time.Duration
	}{
		{"slow answer", func(f *keycloaktest.Server) {
			f.Delay = func(r *http.Request) time.Duration {
				if strings.HasPrefix(r.URL.Path, "/admin/realms/clinic/users/") {
					return 5 * time.Second
				}
				return 0
			}
		}, 2 * time.Second},
		{"503", func(f *keycloaktest.Server) {
			f.Status = func(r *http.Request) int {
				if strings.Contains(r.URL.Path, "/users/") && !strings.HasSuffix(r.URL.Path, "/profile") {
					return http.StatusServiceUnavailable
				}
				return 0
			}
		}, time.Second},
		{"403", func(f *keycloaktest.Server) {
			f.Status = func(r *http.Request) int {
				if strings.Contains(r.URL.Path, "/users/") && !strings.HasSuffix(r.URL.Path, "/profile") {
					return http.StatusForbidden
				}
				return 0
			}
		}, time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := keycloaktest.Start(t)
			p := seed(f)
			d := newDir(t, f, nil)
			d.cfg.Timeout = 100 * time.Millisecond // after start-up, which a loaded machine may take longer over
			tc.setup(f)
			start := time.Now()
			for i := 0; i < 8; i++ {
				if _, err := d.Account(context.Background(), p.active); !errors.Is(err, remote.ErrUnavailable) {
					t.Fatalf("call %d: got %v, want ErrUnavailable", i, err)
				}
			}
			if el := time.Since(start); el > tc.maxDur {
				t.Errorf("8 calls took %v, want under %v (timeouts, then failing fast)", el, tc.maxDur)
			}
			if got := f.Count("GET /admin/realms/{realm}/users/{id}"); got != remote.DefaultBreakerThreshold {
				t.Errorf("user reads that reached Keycloak: got %d, want %d (then the breaker opened)", got, remote.DefaultBreakerThreshold)
			}
		})
	}
}

// TestErrorsCarryNoPatientData: a failed search's error names the path,
// never the query with the date of birth.
func TestErrorsCarryNoPatientData(t *testing.T) {
	f := keycloaktest.Start(t)
	seed(f)
	d := newDir(t, f, nil)
	d.cfg.Timeout = 50 * time.Millisecond
	f.Delay = func(r *http.Request) time.Duration {
		if r.URL.Path == "/admin/realms/clinic/users" {
			return time.Second
		}
		return 0
	}
	_, err := d.Find(context.Background(), remoteLookup("Ada", "Lee", "1980-02-03", "02139"))
	if !errors.Is(err, remote.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	for _, leak := range []string{"1980", "02139", "Ada", "birthdate"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("error %q contains %q", err, leak)
		}
	}
}

func remoteLookup(first, last, dob, zip string) remote.Lookup {
	return remote.Lookup{FirstName: first, LastName: last, DOB: dob, ZIP: zip}
}

// TestCAFile: Keycloak behind a private CA is reached with ca_file, and
// refused without it.
func TestCAFile(t *testing.T) {
	f := keycloaktest.NewServer(t)
	f.Srv = httptest.NewUnstartedServer(f.Handler())
	f.Srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	f.Srv.StartTLS()
	t.Cleanup(f.Srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := configOf(f)
	_, err := New(context.Background(), cfg, zerolog.Nop())
	if !errors.Is(err, remote.ErrUnavailable) || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("without ca_file: got %v, want ErrUnavailable naming the certificate", err)
	}
	cfg.CAFile = caFile
	if _, err := New(context.Background(), cfg, zerolog.Nop()); err != nil {
		t.Errorf("with ca_file: %v", err)
	}
}

func TestConfigValidationAndMasking(t *testing.T) {
	good := Config{URL: "https://id.example.org", Realm: "clinic", ClientID: "portico", ClientSecret: "the-client-secret"}
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"http elsewhere", func(c *Config) { c.URL = "http://id.example.org" }, "must be https"},
		{"no realm", func(c *Config) { c.Realm = "" }, "realm is required"},
		{"no secret", func(c *Config) { c.ClientSecret = "" }, "client_secret is required"},
		{"attribute with a space", func(c *Config) { c.Attributes.MRN = "medical record" }, "attributes.mrn"},
		{"attribute with a quote", func(c *Config) { c.Attributes.DOB = `dob"` }, "attributes.dob"},
	} {
		cfg := good
		tc.change(&cfg)
		if _, _, err := cfg.withDefaults(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
	cfg, _, err := good.withDefaults()
	if err != nil || cfg.Attributes != DefaultAttributes || cfg.Timeout != remote.DefaultTimeout {
		t.Errorf("defaults: got %+v, %v", cfg, err)
	}
	js, _ := json.Marshal(good)
	for name, out := range map[string]string{"String": good.String(), "%+v": fmt.Sprintf("%+v", good), "JSON": string(js)} {
		if strings.Contains(out, "the-client-secret") || !strings.Contains(out, "portico") {
			t.Errorf("%s: %s (want the client ID shown and the secret masked)", name, out)
		}
	}
}
