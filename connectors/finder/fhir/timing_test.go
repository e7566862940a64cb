package fhir

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/pad"
	"github.com/portico-chat/portico/connectors/directory/pad/padtest"
	"github.com/portico-chat/portico/connectors/directory/remote"
)

// TestPaddedFindHidesAFasterMiss: the fake answers a search that finds
// nobody 5 ms faster than one that finds the patient, as a server that
// stops early does (a gap wide enough that a CI run's parallel packages do
// not close it below the 1 ms this test requires to mean anything); padded to directory.min_latency, the medians of 200
// interleaved hits and misses differ by less than 0.1 ms. In both modes.
func TestPaddedFindHidesAFasterMiss(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	for _, mode := range []string{ModeSearch, ModeMatch} {
		t.Run(mode, func(t *testing.T) {
			f := newFakeFHIR(t)
			f.set(func(f *fakeFHIR) {
				f.delay = func(r *http.Request) time.Duration {
					if r.URL.Query().Get("birthdate") == "1975-11-30" || r.Method == http.MethodPost && hitBody(r) {
						return 6 * time.Millisecond
					}
					return time.Millisecond
				}
			})
			fd := newFinder(t, f, func(c *Config) { c.Mode = mode })
			hitL, missL := olivia, lookup("Olivia", "Núñez-García", "1975-12-01", "10001")
			ctx := context.Background()
			rawHit, rawMiss := padtest.Interleaved(50,
				func() { mustFind(t, fd, hitL, "MRN-1002") },
				func() { mustFind(t, fd, missL, "") })
			if rawHit-rawMiss < time.Millisecond {
				t.Fatalf("unpadded medians %v and %v: the fake does not answer a miss faster, so this test would prove nothing", rawHit, rawMiss)
			}
			// The floor must cover the slower path; on a loaded machine an
			// unpadded hit can take longer than 10 ms, and a floor it
			// overruns hides nothing.
			floor := pad.Floor{Min: max(10*time.Millisecond, 2*rawHit)}
			padded := func(l remote.Lookup, want string) func() {
				return func() {
					d := floor.Start()
					mustFind(t, fd, l, want)
					d.Wait(ctx)
				}
			}
			padtest.Indistinguishable(t, 100*time.Microsecond, padded(hitL, "MRN-1002"), padded(missL, ""))
		})
	}
}

// hitBody reports whether a $match request asks for Olivia's date of
// birth, leaving the body for the handler.
func hitBody(r *http.Request) bool {
	data, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(data))
	return bytes.Contains(data, []byte(`"birthDate":"1975-11-30"`))
}

func mustFind(t *testing.T, fd *Finder, l remote.Lookup, want string) {
	t.Helper()
	got, err := fd.Find(context.Background(), l)
	if got != want || (want != "") != (err == nil) {
		t.Errorf("Find: got %q, %v; want %q", got, err, want)
	}
}
