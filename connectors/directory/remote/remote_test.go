package remote

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestLookupKind(t *testing.T) {
	for _, tc := range []struct {
		name    string
		l       Lookup
		want    string
		wantErr string
	}{
		{"mrn wins", Lookup{MRN: "A1", FirstName: "Ann"}, ByMRN, ""},
		{"username and dob", Lookup{Username: "ann", DOB: "1980-01-02"}, ByUsername, ""},
		{"username without dob", Lookup{Username: "ann"}, "", "needs a date of birth"},
		{"demographics", Lookup{FirstName: "Ann", LastName: "Lee", DOB: "1980-01-02", ZIP: "02139"}, ByDemographics, ""},
		{"demographics missing zip and last", Lookup{FirstName: "Ann", DOB: "1980-01-02"}, "", "missing last name, ZIP"},
		{"blank mrn is no mrn", Lookup{MRN: "  "}, "", "missing first name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.l.Kind()
			if got != tc.want {
				t.Errorf("kind: got %q, want %q", got, tc.want)
			}
			if (err == nil) != (tc.wantErr == "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error: got %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestInvalidKeepsKnownReasonsOnly(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{ReasonInHistory, ReasonInHistory},
		{ReasonUsernameTaken, ReasonUsernameTaken},
		{"Invalid password: minimum length 15.", ReasonOther},
		{"", ReasonOther},
	} {
		err := Invalid(tc.in)
		if got := Reason(err); got != tc.want {
			t.Errorf("Reason(Invalid(%q)): got %q, want %q", tc.in, got, tc.want)
		}
		if got := Reason(errors.Join(errors.New("wrapped"), err)); got != tc.want {
			t.Errorf("Reason of wrapped: got %q, want %q", got, tc.want)
		}
	}
	if got := Reason(ErrNotFound); got != "" {
		t.Errorf("Reason(ErrNotFound) = %q, want empty", got)
	}
}

func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"+12025550143", "+12025550143", true},
		{"(202) 555-0143", "+12025550143", true},
		{"202.555.0143", "+12025550143", true},
		{"1 202 555 0143", "+12025550143", true},
		{"+44 20 7946 0958", "+442079460958", true},
		{"555-0143", "", false},
		{"+0123456789", "", false},
		{"call me", "", false},
		{"", "", false},
		{"+1234567890123456", "", false},
	} {
		got, ok := NormalizePhone(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
		if ok {
			if again, _ := NormalizePhone(got); again != got {
				t.Errorf("NormalizePhone not idempotent on %q: %q", got, again)
			}
		}
	}
}

// TestRequestFailedHidesTheQuery: a timeout's error text names method and
// path, never the query (which may hold a date of birth).
func TestRequestFailedHidesTheQuery(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	client, err := HTTPClient(50*time.Millisecond, TLSFiles{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/users?q=dob:1980-02-03", nil)
	_, err = client.Do(req)
	if err == nil {
		t.Fatal("want a timeout")
	}
	got := RequestFailed(ctx, "GET", "/users", err)
	if !errors.Is(got, ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", got)
	}
	if strings.Contains(got.Error(), "1980") || !strings.Contains(got.Error(), "timed out") {
		t.Errorf("error text %q: want 'timed out' and no query", got)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if got := RequestFailed(cancelled, "GET", "/users", err); errors.Is(got, ErrUnavailable) || !errors.Is(got, context.Canceled) {
		t.Errorf("caller cancelled: got %v, want context.Canceled and not ErrUnavailable", got)
	}
}

func TestTLSFilesErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    TLSFiles
		want string
	}{
		{"missing CA", TLSFiles{CAFile: "/nonexistent/ca.pem"}, "read CA file"},
		{"cert without key", TLSFiles{ClientCert: "c.pem"}, "both or neither"},
	} {
		_, err := tc.f.TLSConfig()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}
