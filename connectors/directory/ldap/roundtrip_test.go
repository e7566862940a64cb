package ldap

import (
	"slices"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
)

// A lookup that matches and one that does not cost the same number of
// requests to the server, counted on the wire by a proxy, for each kind of
// lookup; and their median times differ by less than SECURITY.md's 5 ms.
func TestFindSameRoundTripsMatchOrNot(t *testing.T) {
	srv := slapdtest.Start(t, slapdtest.Options{})
	proxy := slapdtest.NewProxy(t, srv.URL[len("ldap://"):])
	cfg := slapdConfig(srv)
	cfg.URL = "ldap://" + proxy.Addr
	cfg.PoolSize = 1
	d := newDirectory(t, cfg)
	ctx := testContext(t)
	if err := d.Ping(ctx); err != nil { // dial and bind now, outside the counts
		t.Fatalf("Ping: %v", err)
	}
	kinds := []struct {
		name      string
		hit, miss Lookup
		hitID     string
	}{
		{"demographics",
			Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"},
			Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-03", ZIP: "02139"}, "DEMO-1001"},
		{"names wrong, DOB and ZIP right",
			Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"},
			Lookup{FirstName: "Anna", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"}, "DEMO-1001"},
		{"username and DOB",
			Lookup{Username: "olivia.active", DOB: "1985-05-17"},
			Lookup{Username: "olivia.active", DOB: "1985-05-18"}, "DEMO-1011"},
		{"MRN", Lookup{MRN: "DEMO-1012"}, Lookup{MRN: "DEMO-9012"}, "DEMO-1012"},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			count := func(l Lookup) int64 {
				before := proxy.Requests()
				_, _ = d.Find(ctx, l)
				return proxy.Requests() - before
			}
			hit, miss := count(k.hit), count(k.miss)
			if hit != miss || hit != 1 {
				t.Fatalf("requests: match %d, no match %d; want 1 each", hit, miss)
			}
			if id, err := d.Find(ctx, k.hit); err != nil || id != k.hitID {
				t.Fatalf("the matching lookup found %q, %v", id, err)
			}
		})
	}

	const trials = 201
	median := func(l Lookup) time.Duration {
		ts := make([]time.Duration, trials)
		for i := range ts {
			ts[i] = timed(func() { _, _ = d.Find(ctx, l) })
		}
		slices.Sort(ts)
		return ts[trials/2]
	}
	hit, miss := median(kinds[0].hit), median(kinds[0].miss)
	t.Logf("median Find over %d trials: match %v, no match %v", trials, hit, miss)
	if diff := (hit - miss).Abs(); diff >= 5*time.Millisecond {
		t.Fatalf("median match %v and no match %v differ by %v, want under 5ms", hit, miss, diff)
	}
}
