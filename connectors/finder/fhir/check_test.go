package fhir

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// TestCheck reads the test server's CapabilityStatement, as served and
// with parts removed.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   string
		change func(cs map[string]any)
		want   []string // substrings of the error; none for success
	}{
		{"search mode", ModeSearch, nil, nil},
		{"match mode", ModeMatch, nil, nil},
		{"no $match", ModeMatch, func(cs map[string]any) { patientOf(cs)["operation"] = []any{} },
			[]string{"the Patient $match operation is not listed"}},
		{"no postal code search", ModeSearch, func(cs map[string]any) {
			p := patientOf(cs)
			p["searchParam"] = []any{map[string]any{"name": "family"}, map[string]any{"name": "given"},
				map[string]any{"name": "birthdate"}, map[string]any{"name": "identifier"}}
		}, []string{"Patient search parameters not listed: address-postalcode"}},
		{"DSTU2", ModeSearch, func(cs map[string]any) { cs["fhirVersion"] = "1.0.2" }, []string{`FHIR "1.0.2"`}},
		{"no Patient", ModeSearch, func(cs map[string]any) {
			cs["rest"] = []any{map[string]any{"mode": "server", "resource": []any{}}}
		}, []string{"lists no Patient resource"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cs map[string]any
			data, err := os.ReadFile("testdata/metadata.json")
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(data, &cs); err != nil {
				t.Fatal(err)
			}
			if tc.change != nil {
				tc.change(cs)
			}
			srv := jsonServer(t, cs)
			fd, err := New(Config{URL: srv, Auth: AuthNone, IdentifierSystem: mrnSystem, Mode: tc.mode}, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			err = fd.Check(context.Background())
			if len(tc.want) == 0 {
				if err != nil {
					t.Errorf("got %v, want no problem", err)
				}
				return
			}
			for _, w := range tc.want {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want %q", err, w)
				}
			}
		})
	}
}

// TestCheckGetsAToken: with SMART, Check proves the key and the
// registration before the first patient does.
func TestCheckGetsAToken(t *testing.T) {
	f := newFakeFHIR(t)
	cfg := f.smartConfig(t, "rsa")
	cfg.KeyID = "unregistered"
	fd, err := New(cfg, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if err := fd.Check(context.Background()); !errors.Is(err, remote.ErrUnavailable) || !strings.Contains(err.Error(), "client assertion refused") {
		t.Errorf("got %v, want the refused assertion", err)
	}
}

func patientOf(cs map[string]any) map[string]any {
	rest := cs["rest"].([]any)[0].(map[string]any)
	return rest["resource"].([]any)[0].(map[string]any)
}

// jsonServer serves v at /metadata and returns its base URL.
func jsonServer(t *testing.T, v any) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metadata", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, v) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}
