package bridge

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/pad"
	"github.com/portico-chat/portico/connectors/directory/pad/padtest"
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
	find := func(mrn string) {
		dl := floor.Start()
		_, _ = d.Find(ctx, remote.Lookup{MRN: mrn})
		dl.Wait(ctx)
	}
	rawHit, rawMiss := padtest.Interleaved(50,
		func() { _, _ = d.Find(ctx, remote.Lookup{MRN: "HIT"}) },
		func() { _, _ = d.Find(ctx, remote.Lookup{MRN: "MISS"}) })
	if rawHit-rawMiss < time.Millisecond {
		t.Fatalf("unpadded medians %v and %v: the fake does not answer a miss faster, so this test would prove nothing", rawHit, rawMiss)
	}
	padtest.Indistinguishable(t, 100*time.Microsecond, func() { find("HIT") }, func() { find("MISS") })
}
