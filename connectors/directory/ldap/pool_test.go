package ldap

import (
	"fmt"
	"testing"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
)

// proxied starts a slapd and a driver that reaches it through a counting
// proxy.
func proxied(t *testing.T, edit func(*Config)) (*slapdtest.Server, *slapdtest.Proxy, *Directory) {
	t.Helper()
	srv := slapdtest.Start(t, slapdtest.Options{})
	proxy := slapdtest.NewProxy(t, srv.URL[len("ldap://"):])
	cfg := slapdConfig(srv)
	cfg.URL = "ldap://" + proxy.Addr
	if edit != nil {
		edit(&cfg)
	}
	return srv, proxy, newDirectory(t, cfg)
}

// Twenty simultaneous calls share pool_size connections, each bound once.
func TestPoolBoundsConnections(t *testing.T) {
	const n, size = 20, 3
	_, proxy, d := proxied(t, func(c *Config) { c.PoolSize = size })
	ctx := testContext(t)
	for round := 0; round < 3; round++ {
		errs := concurrently(n, func(i int) error {
			_, err := d.Find(ctx, Lookup{MRN: fmt.Sprintf("DEMO-10%02d", 11+i%5)})
			return err
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, call %d: %v", round, i, err)
			}
		}
	}
	if got := proxy.Connections(); got > size {
		t.Fatalf("%d connections opened for %d calls, want at most pool_size %d", got, 3*n, size)
	}
	// One bind per connection, one search per call: no bind per request.
	if got, want := proxy.Requests(), proxy.Connections()+3*n; got != want {
		t.Fatalf("%d requests, want %d (a bind per connection and a search per call)", got, want)
	}
}

// Connections the network dropped are replaced: the driver usually sees
// the close before the next call, and at worst the one call that meets
// the dead connection is unavailable. Idle ones are checked before reuse.
func TestPoolReconnectsAndChecksIdle(t *testing.T) {
	_, proxy, d := proxied(t, func(c *Config) { c.PoolSize = 1 })
	advance := withClock(d)
	ctx := testContext(t)
	if _, err := d.Find(ctx, Lookup{MRN: "DEMO-1011"}); err != nil {
		t.Fatal(err)
	}
	proxy.Drop()
	// The dropped connection may be noticed at once (closed) or only when
	// used; either way the call after is served.
	for i := 0; i < 2; i++ {
		if _, err := d.Find(ctx, Lookup{MRN: "DEMO-1011"}); err == nil {
			break
		} else if i == 1 || CodeOf(err) != CodeUnavailable {
			t.Fatalf("Find after the drop: %v", err)
		}
	}
	if got := proxy.Connections(); got != 2 {
		t.Fatalf("%d connections, want 2 (the first and one reconnect)", got)
	}

	before := proxy.Requests()
	advance(d.cfg.IdleCheck + 1)
	if _, err := d.Find(ctx, Lookup{MRN: "DEMO-1011"}); err != nil {
		t.Fatal(err)
	}
	if got := proxy.Requests() - before; got != 2 {
		t.Fatalf("%d requests after an idle spell, want 2 (a check and the search)", got)
	}
}
