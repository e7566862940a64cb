package keycloak

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/pad"
)

// TestPaddedFindHidesAFasterMiss: the fake answers a search that finds
// nobody 2 ms faster than one that finds the patient; padded to
// directory.min_latency, the medians of 200 interleaved hits and misses
// differ by less than 0.1 ms.
func TestPaddedFindHidesAFasterMiss(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	f := newFakeKeycloak(t)
	f.seed()
	d := newDir(t, f, nil)
	f.delay = func(r *http.Request) time.Duration {
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
	measure := func(dob string) time.Duration {
		start := time.Now()
		dl := floor.Start()
		_, _ = d.Find(ctx, remoteLookup("Olivia", "Núñez", dob, "10001"))
		dl.Wait(ctx)
		return time.Since(start)
	}
	const trials = 200
	var hits, misses []time.Duration
	for i := 0; i < trials; i++ {
		if i%2 == 0 {
			hits, misses = append(hits, measure("1975-11-30")), append(misses, measure("1975-12-01"))
		} else {
			misses, hits = append(misses, measure("1975-12-01")), append(hits, measure("1975-11-30"))
		}
	}
	diff := (median(hits) - median(misses)).Abs()
	t.Logf("padded medians: hit %v, miss %v, difference %v", median(hits), median(misses), diff)
	if diff >= 100*time.Microsecond {
		t.Errorf("padded median difference %v, want < 0.1 ms", diff)
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
