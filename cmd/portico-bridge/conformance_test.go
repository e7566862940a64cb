package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/bridge"
	"github.com/portico-chat/portico/connectors/directory/bridge/bridgecheck"
)

func runCheck(t *testing.T, url string) bridgecheck.Report {
	t.Helper()
	rep, err := bridgecheck.Run(context.Background(), bridgecheck.Config{URL: url, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestReferenceBridgePassesConformance: the reference bridge passes every
// check and skips none.
func TestReferenceBridgePassesConformance(t *testing.T) {
	b := newRefBridge(t, nil)
	rep := runCheck(t, b.http.URL)
	var out strings.Builder
	_ = rep.WriteText(&out)
	if !rep.OK() {
		t.Fatalf("reference bridge failed conformance:\n%s", out.String())
	}
	for _, r := range rep.Results {
		if r.Skipped != "" {
			t.Errorf("skipped %s %q: %s", r.Operation, r.Check, r.Skipped)
		}
	}
	if len(rep.Results) < 40 {
		t.Errorf("ran %d checks, want the whole suite (40 or more)", len(rep.Results))
	}
	t.Logf("\n%s", out.String())

	// A second run on the same records: the one-time changes are skipped
	// with a reason, and nothing fails.
	rep = runCheck(t, b.http.URL)
	if !rep.OK() {
		out.Reset()
		_ = rep.WriteText(&out)
		t.Fatalf("second run failed:\n%s", out.String())
	}
}

// TestConformanceNamesTheBrokenOperation: a bridge broken in one way
// fails the checks of exactly that operation.
func TestConformanceNamesTheBrokenOperation(t *testing.T) {
	for _, tc := range []struct {
		name string
		wrap func(http.Handler) http.Handler
		want []string
	}{
		{"trusts any request", resigning(func(*http.Request, []byte) []byte { return nil }), []string{bridgecheck.OpSigning}},
		{"find answers only the first match", rewriteAnswer("/find", func(v map[string]any) {
			if ids, _ := v["ids"].([]any); len(ids) > 1 {
				v["ids"] = ids[:1]
			}
		}), []string{bridgecheck.OpFind}},
		{"contacts answer a phone not in E.164", rewriteAnswer("/contacts", func(v map[string]any) {
			v["phone"] = "(202) 555-0143"
		}), []string{bridgecheck.OpContacts}},
		{"a retried password change is applied again", onlyFor("/password", resigning(func(r *http.Request, body []byte) []byte {
			return setField(body, "idempotency_key", bridge.NewNonce())
		})), []string{bridgecheck.OpPassword}},
		{"activation ignores the chosen username", onlyFor("/activate", resigning(func(r *http.Request, body []byte) []byte {
			var v map[string]any
			if json.Unmarshal(body, &v) == nil && v["username"] == bridgecheck.DefaultFixture().PendingUsername {
				return setField(body, "username", "someone.else")
			}
			return body
		})), []string{bridgecheck.OpActivate}},
		{"unlock fails with 500", func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/unlock") {
					http.Error(w, `{"error":{"code":"internal"}}`, http.StatusInternalServerError)
					return
				}
				next.ServeHTTP(w, r)
			})
		}, []string{bridgecheck.OpUnlock}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newRefBridge(t, tc.wrap)
			rep := runCheck(t, b.http.URL)
			if got := rep.Failed(); !slices.Equal(got, tc.want) {
				var out strings.Builder
				_ = rep.WriteText(&out)
				t.Errorf("failed operations: got %v, want %v\n%s", got, tc.want, out.String())
			}
		})
	}
}

// TestConformanceReportsAnUnreachableBridge: nothing listening is one
// failed health check, not a crash or a hang.
func TestConformanceReportsAnUnreachableBridge(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	rep, err := bridgecheck.Run(context.Background(), bridgecheck.Config{URL: url, Secret: testSecret, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Failed(); !slices.Equal(got, []string{bridgecheck.OpHealth}) || len(rep.Results) != 1 {
		t.Errorf("got failures %v in %d results, want health only", got, len(rep.Results))
	}
}

// resigning is a broken bridge front: it lets mutate change each
// request's body, then signs it again correctly, so the bridge behind
// trusts whatever arrives.
func resigning(mutate func(*http.Request, []byte) []byte) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if m := mutate(r, body); m != nil {
				body = m
			}
			for k, v := range bridge.SignedHeaders([]byte(testSecret), r.Method, r.RequestURI, body, time.Now()) {
				r.Header.Set(k, v)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			next.ServeHTTP(w, r)
		})
	}
}

// onlyFor applies a front only to paths ending in suffix.
func onlyFor(suffix string, front func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		broken := front(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, suffix) {
				broken.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// rewriteAnswer changes the JSON answers of paths ending in suffix.
func rewriteAnswer(suffix string, change func(map[string]any)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, suffix) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			var v map[string]any
			if rec.Code == http.StatusOK && json.Unmarshal(body, &v) == nil {
				change(v)
				body, _ = json.Marshal(v)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	}
}

func setField(body []byte, field, value string) []byte {
	var v map[string]any
	if json.Unmarshal(body, &v) != nil {
		return body
	}
	v[field] = value
	out, _ := json.Marshal(v)
	return out
}
