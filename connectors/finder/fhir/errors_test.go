package fhir

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// loggedFinder is a finder whose log the test reads once the finder's
// calls have returned.
func loggedFinder(t *testing.T, f *fakeFHIR, change func(*Config)) (*Finder, *bytes.Buffer) {
	t.Helper()
	cfg := f.config()
	if change != nil {
		change(&cfg)
	}
	logs := &bytes.Buffer{}
	fd, err := New(cfg, zerolog.New(zerolog.SyncWriter(logs)))
	if err != nil {
		t.Fatal(err)
	}
	return fd, logs
}

// olivia's details appear in no log line and no error text.
var oliviaDetails = []string{"1975-11-30", "Olivia", "Núñez", "Nunez", "10001", "MRN-1002"}

func noPatientData(t *testing.T, where, text string) {
	t.Helper()
	for _, d := range oliviaDetails {
		if strings.Contains(text, d) {
			t.Errorf("%s holds patient data %q: %s", where, d, text)
		}
	}
}

// TestServerErrorsAreUnavailable: every way a server fails is
// ErrUnavailable, never a miss; the server's diagnostics (which quote the
// query) reach neither the error nor the log.
func TestServerErrorsAreUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(f *fakeFHIR)
		wantLog string // "" for no log line
	}{
		{"400 unknown parameter (strict handling)", func(f *fakeFHIR) { f.unsupported["address-postalcode"] = true }, "error/not-supported"},
		{"404 wrong base", func(f *fakeFHIR) { f.fail = status(http.StatusNotFound) }, "refused the request"},
		{"422", func(f *fakeFHIR) { f.fail = status(http.StatusUnprocessableEntity) }, "refused the request"},
		{"403 scope", func(f *fakeFHIR) { f.fail = status(http.StatusForbidden) }, "answered 403"},
		{"401 bearer", func(f *fakeFHIR) { f.auth, f.bearer = AuthBearer, "another-token" }, "refused Portico's credentials"},
		{"429", func(f *fakeFHIR) { f.fail = status(http.StatusTooManyRequests) }, ""},
		{"500", func(f *fakeFHIR) { f.fail = status(http.StatusInternalServerError) }, ""},
		{"503", func(f *fakeFHIR) { f.fail = status(http.StatusServiceUnavailable) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeFHIR(t)
			f.set(tc.setup)
			fd, logs := loggedFinder(t, f, func(c *Config) { c.Auth, c.Token = AuthBearer, "portico-token" })
			_, err := fd.Find(context.Background(), lookup("Olivia", "Núñez-García", "1975-11-30", "10001"))
			if !errors.Is(err, remote.ErrUnavailable) {
				t.Fatalf("got %v, want ErrUnavailable", err)
			}
			noPatientData(t, "the error", err.Error())
			noPatientData(t, "the log", logs.String())
			if tc.wantLog != "" && !strings.Contains(logs.String(), tc.wantLog) {
				t.Errorf("log %q: want %q", logs.String(), tc.wantLog)
			}
			if tc.wantLog == "" && logs.String() != "" {
				t.Errorf("log %q: want none (an outage is the caller's to log)", logs.String())
			}
		})
	}
}

func status(code int) func(*http.Request) int { return func(*http.Request) int { return code } }

// TestSlowServerTimesOut: an answer slower than finder.fhir.timeout is
// ErrUnavailable, named "timed out" without the query.
func TestSlowServerTimesOut(t *testing.T) {
	f := newFakeFHIR(t)
	f.set(func(f *fakeFHIR) { f.delay = func(*http.Request) time.Duration { return time.Minute } })
	fd := newFinder(t, f, func(c *Config) { c.Timeout = 100 * time.Millisecond })
	start := time.Now()
	_, err := fd.Find(context.Background(), lookup("Olivia", "Núñez-García", "1975-11-30", "10001"))
	if !errors.Is(err, remote.ErrUnavailable) || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("got %v, want ErrUnavailable that timed out", err)
	}
	noPatientData(t, "the error", err.Error())
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v, want about the 100 ms timeout", el)
	}
}

// TestBreakerOpensOnADownServer: after 5 failures the finder answers
// unavailable at once without calling the server.
func TestBreakerOpensOnADownServer(t *testing.T) {
	f := newFakeFHIR(t)
	f.set(func(f *fakeFHIR) { f.fail = status(http.StatusServiceUnavailable) })
	fd := newFinder(t, f, nil)
	ctx := context.Background()
	for i := 0; i < remote.DefaultBreakerThreshold; i++ {
		_, _ = fd.Find(ctx, lookup("Olivia", "Núñez-García", "1975-11-30", "10001"))
	}
	if got := fd.BreakerState(); got != remote.BreakerOpen {
		t.Fatalf("breaker %s after %d failures, want open", got, remote.DefaultBreakerThreshold)
	}
	before := f.count("GET /fhir/Patient")
	for _, call := range []func() error{
		func() error {
			_, err := fd.Find(ctx, lookup("Olivia", "Núñez-García", "1975-11-30", "10001"))
			return err
		},
		func() error { _, err := fd.Matches(ctx, "1975-11-30", "10001"); return err },
		func() error { _, err := fd.Contacts(ctx, "MRN-1002"); return err },
	} {
		if err := call(); !errors.Is(err, remote.ErrUnavailable) {
			t.Errorf("with the circuit open: got %v, want ErrUnavailable", err)
		}
	}
	if n := f.count("GET /fhir/Patient") - before; n != 0 {
		t.Errorf("requests with the circuit open: got %d, want 0", n)
	}
}

// TestMissesDoNotOpenTheBreaker: no-matches are the server working.
func TestMissesDoNotOpenTheBreaker(t *testing.T) {
	fd := newFinder(t, newFakeFHIR(t), nil)
	for i := 0; i < 2*remote.DefaultBreakerThreshold; i++ {
		_, _ = fd.Find(context.Background(), lookup("Zed", "Nobody", "1950-01-01", "99999"))
	}
	if got := fd.BreakerState(); got != remote.BreakerClosed {
		t.Errorf("breaker %s after misses, want closed", got)
	}
}

func TestCallerCancelIsNotAnOutage(t *testing.T) {
	f := newFakeFHIR(t)
	f.set(func(f *fakeFHIR) { f.delay = func(*http.Request) time.Duration { return time.Minute } })
	fd := newFinder(t, f, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := fd.Find(ctx, lookup("Olivia", "Núñez-García", "1975-11-30", "10001"))
	if errors.Is(err, remote.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the caller's context error, not ErrUnavailable", err)
	}
}

// TestAnswersThatAreNotSearchsets: a 200 whose body is not a searchset
// Bundle is the server misbehaving.
func TestAnswersThatAreNotSearchsets(t *testing.T) {
	for _, tc := range []struct{ name, body string }{
		{"not JSON", "<html>proxy login</html>"},
		{"an OperationOutcome with 200", `{"resourceType":"OperationOutcome","issue":[]}`},
		{"a transaction-response", `{"resourceType":"Bundle","type":"transaction-response","entry":[]}`},
		{"a Patient that does not decode", `{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Patient","name":"Olivia"}}]}`},
		{"larger than the limit", `{"resourceType":"Bundle","type":"searchset","entry":[],"x":"` + strings.Repeat("a", remote.MaxResponseBytes) + `"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fd, srv := rawServer(t, tc.body)
			_, err := fd.Find(context.Background(), lookup("Olivia", "Núñez-García", "1975-11-30", "10001"))
			if !errors.Is(err, remote.ErrUnavailable) {
				t.Errorf("got %v, want ErrUnavailable", err)
			}
			srv.Close()
		})
	}
}

// rawServer answers every request with 200 and body.
func rawServer(t *testing.T, body string) (*Finder, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", fhirJSON)
		_, _ = w.Write([]byte(body))
	}))
	fd, err := New(Config{URL: srv.URL, Auth: AuthNone, IdentifierSystem: mrnSystem}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return fd, srv
}
