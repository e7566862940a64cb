package keycloak

import (
	"context"
	"github.com/portico-chat/portico/connectors/directory/keycloak/keycloaktest"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/pad"
	"github.com/portico-chat/portico/connectors/directory/pad/padtest"
)

// TestPaddedFindHidesAFasterMiss: the fake answers a search that finds
// nobody 2 ms faster than one that finds the patient; padded to
// directory.min_latency, the medians of 200 interleaved hits and misses
// differ by less than 0.1 ms.
func TestPaddedFindHidesAFasterMiss(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	f := keycloaktest.Start(t)
	seed(f)
	d := newDir(t, f, nil)
	f.Delay = func(r *http.Request) time.Duration {
		if r.URL.Path != "/admin/realms/clinic/users" {
			return 0
		}
		if strings.Contains(r.URL.Query().Get("q"), "1975-11-30") { // Olivia's date of birth: a hit
			return 3 * time.Millisecond
		}
		return time.Millisecond
	}
	floor := pad.Floor{Min: 10 * time.Millisecond}
	ctx := context.Background()
	find := func(dob string) {
		dl := floor.Start()
		_, _ = d.Find(ctx, remoteLookup("Olivia", "Núñez", dob, "10001"))
		dl.Wait(ctx)
	}
	rawHit, rawMiss := padtest.Interleaved(50,
		func() { _, _ = d.Find(ctx, remoteLookup("Olivia", "Núñez", "1975-11-30", "10001")) },
		func() { _, _ = d.Find(ctx, remoteLookup("Olivia", "Núñez", "1975-12-01", "10001")) })
	if rawHit-rawMiss < time.Millisecond {
		t.Fatalf("unpadded medians %v and %v: the fake does not answer a miss faster, so this test would prove nothing", rawHit, rawMiss)
	}
	padtest.Indistinguishable(t, 100*time.Microsecond, func() { find("1975-11-30") }, func() { find("1975-12-01") })
}
