package bridgecheck

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// The suite's full runs against the reference bridge, and against
// bridges broken on purpose, are in cmd/portico-bridge
// (TestReferenceBridgePassesConformance,
// TestConformanceNamesTheBrokenOperation). These test the report itself.

const secret = "0123456789abcdef0123456789abcdef-check"

func TestRunRefusesABadSetUp(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "ftp://bridge.example.org", Secret: secret}, "want https://"},
		{Config{URL: "https://", Secret: secret}, "want https://"},
		{Config{URL: "https://bridge.example.org", Secret: "short"}, "secret"},
		{Config{URL: "https://bridge.example.org", Secret: secret, CAFile: "/nonexistent.pem"}, "CA file"},
	} {
		if _, err := Run(context.Background(), tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.cfg.URL, err, tc.want)
		}
	}
}

// TestABridgeThatAlwaysFailsStopsAtHealth: when health fails nothing
// else can be judged, and the report says so in one line.
func TestABridgeThatAlwaysFailsStopsAtHealth(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":{"code":"internal"}}`))
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Failed(); !slices.Equal(got, []string{OpHealth}) || len(rep.Results) != 1 || rep.OK() {
		t.Fatalf("got %v in %d results, want health failed alone", got, len(rep.Results))
	}
	var out strings.Builder
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	want := "FAIL  health          a signed GET /health answers 200: got 500 internal, want 200\n0 passed, 1 failed, 0 skipped\n"
	if !strings.HasSuffix(out.String(), want) {
		t.Errorf("report:\n%s\nwant it to end with:\n%s", out.String(), want)
	}
}

// TestABridgeThatTrustsEveryoneFailsSigning: a bridge that answers 200
// to everything fails the signing checks (and most others).
func TestABridgeThatTrustsEveryoneFailsSigning(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok","ids":[]}`))
	}))
	defer srv.Close()
	rep, err := Run(context.Background(), Config{URL: srv.URL, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	failed := rep.Failed()
	if len(failed) < 2 || failed[0] != OpSigning {
		t.Errorf("failed operations %v, want signing first", failed)
	}
	var signing int
	for _, r := range rep.Failures() {
		if r.Operation == OpSigning {
			signing++
		}
	}
	if signing != 7 {
		t.Errorf("failed signing checks: got %d, want all 7", signing)
	}
}

func TestDefaultFixtureIsConsistent(t *testing.T) {
	fx := DefaultFixture()
	mrns := map[string]bool{}
	for _, p := range fx.Records() {
		if p.DOB != fx.Active.DOB || p.ZIP != fx.Active.ZIP {
			t.Errorf("%s: all records must share one DOB and ZIP", p.MRN)
		}
		if mrns[p.MRN] {
			t.Errorf("MRN %s twice", p.MRN)
		}
		mrns[p.MRN] = true
	}
	if fx.TwinA.FirstName != fx.TwinB.FirstName || fx.TwinA.LastName != fx.TwinB.LastName {
		t.Error("the twins must share their names")
	}
	if fx.Pending.Username != "" || fx.PendingUsername == "" {
		t.Error("the pending record has no username, and the fixture names the one to activate with")
	}
}
