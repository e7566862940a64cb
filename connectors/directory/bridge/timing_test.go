package bridge

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/pad"
	"github.com/portico-chat/portico/connectors/directory/remote"
)

// TestPaddedFindHidesAFasterMiss: the fake bridge answers a miss 2 ms
// faster than a hit; padded to directory.min_latency, the medians of 200
// interleaved hits and misses differ by less than 0.1 ms.
func TestPaddedFindHidesAFasterMiss(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	f := newFakeBridge(t, func(r *http.Request, body []byte) (int, any) {
		var req FindRequest
		_ = json.Unmarshal(body, &req)
		if req.MRN == "HIT" {
			time.Sleep(3 * time.Millisecond)
			return 200, IDs{IDs: []string{"r1"}}
		}
		time.Sleep(time.Millisecond)
		return 200, IDs{IDs: []string{}}
	})
	d := f.driver(t, 0)
	floor := pad.Floor{Min: 10 * time.Millisecond}
	ctx := context.Background()
	measure := func(mrn string) time.Duration {
		start := time.Now()
		dl := floor.Start()
		_, _ = d.Find(ctx, remote.Lookup{MRN: mrn})
		dl.Wait(ctx)
		return time.Since(start)
	}
	const trials = 200
	var hits, misses []time.Duration
	for i := 0; i < trials; i++ {
		if i%2 == 0 {
			hits, misses = append(hits, measure("HIT")), append(misses, measure("MISS"))
		} else {
			misses, hits = append(misses, measure("MISS")), append(hits, measure("HIT"))
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
