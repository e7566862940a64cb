package ldap

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
)

// testTimeout bounds each test's calls.
const testTimeout = 10 * time.Second

// slapdConfig is the driver's configuration for a slapdtest server.
func slapdConfig(srv *slapdtest.Server) Config {
	c := Defaults()
	c.URL = srv.URL
	c.BindDN = slapdtest.ServiceDN
	c.BindPassword = slapdtest.ServicePassword
	c.BaseDN = slapdtest.PatientsDN
	return c
}

// newDirectory returns a driver for cfg, closed when the test ends.
func newDirectory(t testing.TB, cfg Config) *Directory {
	t.Helper()
	d, err := New(cfg, zerolog.Nop())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// startDirectory starts a slapd and a driver pointed at it.
func startDirectory(t testing.TB, opts slapdtest.Options, edit func(*Config)) (*slapdtest.Server, *Directory) {
	t.Helper()
	srv := slapdtest.Start(t, opts)
	cfg := slapdConfig(srv)
	if edit != nil {
		edit(&cfg)
	}
	return srv, newDirectory(t, cfg)
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// wantCode fails the test unless err has code (and reason, when given).
func wantCode(t testing.TB, what string, err error, code, reason string) {
	t.Helper()
	if got := CodeOf(err); got != code {
		t.Fatalf("%s: got code %q (%v), want %q", what, got, err, code)
	}
	if reason != "" {
		if got := ReasonOf(err); got != reason {
			t.Fatalf("%s: got reason %q, want %q", what, got, reason)
		}
	}
}

// concurrently runs f(0) … f(n-1) on n goroutines released at the same
// instant and returns their errors, by index.
func concurrently(n int, f func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}
