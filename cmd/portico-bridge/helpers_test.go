package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/portico-chat/portico/connectors/directory/bridge/bridgecheck"
)

const testSecret = "0123456789abcdef0123456789abcdef-test-secret"

// testPolicy is the reference defaults with a history, so a re-applied
// change shows up as in_history.
var testPolicy = policy{MinLength: 15, History: 5}

// fixtureFile writes the conformance fixture as a seed file.
func fixtureFile(t *testing.T) string {
	t.Helper()
	data, err := json.Marshal(bridgecheck.DefaultFixture().Records())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fixture.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// refBridge is the reference bridge on a random loopback port, seeded
// with the conformance fixture.
type refBridge struct {
	srv   *server
	store *store
	http  *httptest.Server
}

func newRefBridge(t *testing.T, wrap func(http.Handler) http.Handler) *refBridge {
	t.Helper()
	st, err := openStore(filepath.Join(t.TempDir(), "bridge.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.seedFile(context.Background(), fixtureFile(t)); err != nil {
		t.Fatal(err)
	}
	srv := newServer(st, [][]byte{[]byte(testSecret)}, testPolicy, "", slog.New(slog.NewTextHandler(os.Stderr, nil)))
	h := srv.routes()
	if wrap != nil {
		h = wrap(h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return &refBridge{srv: srv, store: st, http: hs}
}

// idOf returns the record ID of an MRN.
func (b *refBridge) idOf(t *testing.T, mrn string) string {
	t.Helper()
	recs, err := b.store.where(context.Background(), `mrn = ?`, mrn)
	if err != nil || len(recs) != 1 {
		t.Fatalf("record %s: %v (%d found)", mrn, err, len(recs))
	}
	return recs[0].ID
}
