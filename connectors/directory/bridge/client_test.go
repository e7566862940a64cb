package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

func TestConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // "" for valid
	}{
		{"https", Config{URL: "https://portal.example.org/bridge", Secret: testSecret}, ""},
		{"http on loopback", Config{URL: "http://127.0.0.1:8443", Secret: testSecret}, ""},
		{"http elsewhere", Config{URL: "http://portal.example.org", Secret: testSecret}, "must be https"},
		{"no url", Config{Secret: testSecret}, "url is required"},
		{"query in url", Config{URL: "https://portal.example.org/?a=b", Secret: testSecret}, "want https://"},
		{"credentials in url", Config{URL: "https://u:p@portal.example.org", Secret: testSecret}, "want https://"},
		{"short secret", Config{URL: "https://portal.example.org", Secret: "short"}, "at least 32 bytes"},
		{"missing CA file", Config{URL: "https://portal.example.org", Secret: testSecret, CAFile: "/nonexistent.pem"}, "CA file"},
		{"cert without key", Config{URL: "https://portal.example.org", Secret: testSecret, ClientCert: "c.pem"}, "both or neither"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, zerolog.Nop())
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), testSecret) {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

// TestConfigNeverShowsTheSecret: printing, %+v, JSON and a zerolog field
// all mask it.
func TestConfigNeverShowsTheSecret(t *testing.T) {
	cfg := Config{URL: "https://portal.example.org", Secret: testSecret, ClientKey: "key.pem"}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var logged strings.Builder
	zl := zerolog.New(&logged)
	zl.Info().Interface("cfg", cfg).Stringer("cfg2", cfg).Msg("start")
	for name, out := range map[string]string{
		"String": cfg.String(), "%v": fmt.Sprintf("%v", cfg), "%+v": fmt.Sprintf("%+v", cfg),
		"JSON": string(js), "zerolog": logged.String(),
	} {
		if strings.Contains(out, testSecret) {
			t.Errorf("%s shows the secret: %s", name, out)
		}
		if !strings.Contains(out, "key.pem") {
			t.Errorf("%s hides more than the secret: %s", name, out)
		}
	}
}

// TestRequestsAreSignedForTheirPath: an ID with a slash and a space is
// escaped as one segment, and the signature covers the path as sent.
func TestRequestsAreSignedForTheirPath(t *testing.T) {
	var gotURI string
	f := newFakeBridge(t, func(r *http.Request, _ []byte) (int, any) {
		gotURI = r.RequestURI
		return 200, AccountAnswer{Username: "ann", Status: "active"}
	})
	a, err := f.driver(t, 0).Account(context.Background(), "a/b c")
	if err != nil {
		t.Fatalf("Account: %v (the fake refuses a bad signature)", err)
	}
	if want := "/base/records/a%2Fb%20c/account"; gotURI != want {
		t.Errorf("request target: got %q, want %q", gotURI, want)
	}
	if a.Status != remote.StatusActive || a.Username != "ann" {
		t.Errorf("got %+v", a)
	}
}

// TestErrorAnswersMapToTheSeam: statuses and codes become the seam's
// error kinds; the bridge's message text never travels on.
func TestErrorAnswersMapToTheSeam(t *testing.T) {
	const secretText = "patient Jane Doe 1980-02-03 not allowed"
	for _, tc := range []struct {
		status int
		code   string
		is     error  // errors.Is target, or nil
		reason string // remote.Reason, or ""
	}{
		{404, "not_found", remote.ErrNotFound, ""},
		{409, "conflict", remote.ErrConflict, ""},
		{422, "too_short", nil, remote.ReasonTooShort},
		{422, "in_history", nil, remote.ReasonInHistory},
		{422, "too_recent", nil, remote.ReasonTooRecent},
		{422, "complexity", nil, remote.ReasonComplexity},
		{422, "username_taken", nil, remote.ReasonUsernameTaken},
		{422, "something_new", nil, remote.ReasonOther},
		{422, "idempotency_key_reused", nil, ""},
		{401, "unauthorized", remote.ErrUnavailable, ""},
		{403, "", remote.ErrUnavailable, ""},
		{429, "", remote.ErrUnavailable, ""},
		{500, "internal", remote.ErrUnavailable, ""},
		{503, "", remote.ErrUnavailable, ""},
		{400, "bad_request", nil, ""},
	} {
		t.Run(fmt.Sprintf("%d %s", tc.status, tc.code), func(t *testing.T) {
			f := newFakeBridge(t, func(*http.Request, []byte) (int, any) {
				return tc.status, errorBody(tc.code, secretText)
			})
			err := f.driver(t, 0).SetPassword(context.Background(), "r1", "pw", "k")
			if err == nil {
				t.Fatal("got nil error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("got %v, want %v", err, tc.is)
			}
			if got := remote.Reason(err); got != tc.reason {
				t.Errorf("reason: got %q, want %q", got, tc.reason)
			}
			if tc.is == nil && tc.reason == "" && errors.Is(err, remote.ErrUnavailable) {
				t.Errorf("a bug (status %d %s) reported as unavailable: %v", tc.status, tc.code, err)
			}
			if strings.Contains(err.Error(), "Jane") {
				t.Errorf("the bridge's message leaked into the error: %v", err)
			}
		})
	}
}

// TestBreakerFailsFastWhileTheBridgeIsDown: after five 503s the driver
// stops calling the bridge and answers unavailable at once.
func TestBreakerFailsFastWhileTheBridgeIsDown(t *testing.T) {
	f := newFakeBridge(t, func(*http.Request, []byte) (int, any) { return 503, nil })
	d := f.driver(t, 0)
	for i := 0; i < 25; i++ {
		if _, err := d.Account(context.Background(), "r1"); !errors.Is(err, remote.ErrUnavailable) {
			t.Fatalf("call %d: got %v, want ErrUnavailable", i, err)
		}
	}
	if got := f.hits.Load(); got != remote.DefaultBreakerThreshold {
		t.Errorf("requests that reached the bridge: got %d, want %d", got, remote.DefaultBreakerThreshold)
	}
	if got := d.BreakerState(); got != remote.BreakerOpen {
		t.Errorf("breaker: got %s, want open", got)
	}
}

// TestSlowBridgeTimesOut: a bridge slower than the timeout is
// unavailable, after about the timeout.
func TestSlowBridgeTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	f := newFakeBridge(t, func(r *http.Request, _ []byte) (int, any) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return 200, IDs{IDs: []string{"r1"}}
	})
	start := time.Now()
	_, err := f.driver(t, 100*time.Millisecond).Find(context.Background(), remote.Lookup{MRN: "A1"})
	if !errors.Is(err, remote.ErrUnavailable) {
		t.Fatalf("got %v, want ErrUnavailable", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("took %v, want about the 100 ms timeout", el)
	}
}

func TestFindNeedsExactlyOneMatch(t *testing.T) {
	for _, tc := range []struct {
		ids  []string
		want string
	}{
		{[]string{"r1"}, "r1"},
		{[]string{}, ""},
		{[]string{"r1", "r2"}, ""},
		{[]string{""}, ""},
	} {
		f := newFakeBridge(t, func(*http.Request, []byte) (int, any) { return 200, IDs{IDs: tc.ids} })
		got, err := f.driver(t, 0).Find(context.Background(), remote.Lookup{FirstName: "A", LastName: "B", DOB: "1980-01-02", ZIP: "02139"})
		if tc.want != "" && (got != tc.want || err != nil) {
			t.Errorf("ids %v: got %q, %v; want %q", tc.ids, got, err, tc.want)
		}
		if tc.want == "" && !errors.Is(err, remote.ErrNotFound) {
			t.Errorf("ids %v: got %q, %v; want ErrNotFound", tc.ids, got, err)
		}
	}
}

// TestFindSendsOneLookupForm: the body holds only the lookup's fields.
func TestFindSendsOneLookupForm(t *testing.T) {
	f := newFakeBridge(t, func(*http.Request, []byte) (int, any) { return 200, IDs{IDs: []string{"r1"}} })
	d := f.driver(t, 0)
	ctx := context.Background()
	_, _ = d.Find(ctx, remote.Lookup{MRN: "A1", FirstName: "ignored"})
	_, _ = d.Find(ctx, remote.Lookup{Username: "ann", DOB: "1980-01-02"})
	_, _ = d.Find(ctx, remote.Lookup{FirstName: "Ann", LastName: "Lee", DOB: "1980-01-02", ZIP: "02139"})
	want := []string{
		`{"mrn":"A1"}`,
		`{"username":"ann","dob":"1980-01-02"}`,
		`{"first_name":"Ann","last_name":"Lee","dob":"1980-01-02","zip":"02139"}`,
	}
	for i, w := range want {
		if got := f.bodies[i]; got != w {
			t.Errorf("body %d: got %s, want %s", i, got, w)
		}
	}
}

// TestContactsDropsWhatCannotBeTrusted: a display-name email or a phone
// not in E.164 is dropped, never guessed.
func TestContactsDropsWhatCannotBeTrusted(t *testing.T) {
	for _, tc := range []struct {
		in   ContactsAnswer
		want remote.Contacts
	}{
		{ContactsAnswer{"ann@example.org", "+12025550143"}, remote.Contacts{Email: "ann@example.org", Phone: "+12025550143"}},
		{ContactsAnswer{"Ann <ann@example.org>", "(202) 555-0143"}, remote.Contacts{}},
		{ContactsAnswer{"not an address", "+1 202 555 0143"}, remote.Contacts{}},
		{ContactsAnswer{"", ""}, remote.Contacts{}},
	} {
		f := newFakeBridge(t, func(*http.Request, []byte) (int, any) { return 200, tc.in })
		got, err := f.driver(t, 0).Contacts(context.Background(), "r1")
		if err != nil || got != tc.want {
			t.Errorf("%+v: got %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

// TestChangesSendAHashedKey: the idempotency key goes out as 64 hex
// digits, the same for the same key; a change without one is refused
// before any request.
func TestChangesSendAHashedKey(t *testing.T) {
	f := newFakeBridge(t, func(*http.Request, []byte) (int, any) { return 204, nil })
	d := f.driver(t, 0)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := d.Activate(ctx, "r1", "ann", "pw", "conv-7:3"); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Unlock(ctx, "r1", ""); !errors.Is(err, errNoKey) {
		t.Errorf("Unlock without a key: got %v", err)
	}
	if got := f.hits.Load(); got != 2 {
		t.Errorf("requests: got %d, want 2", got)
	}
	var a, b ActivateRequest
	_ = json.Unmarshal([]byte(f.bodies[0]), &a)
	_ = json.Unmarshal([]byte(f.bodies[1]), &b)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(a.IdempotencyKey) || a.IdempotencyKey != b.IdempotencyKey {
		t.Errorf("keys %q and %q: want the same 64 hex digits", a.IdempotencyKey, b.IdempotencyKey)
	}
}

func TestUnknownStatusIsRefused(t *testing.T) {
	f := newFakeBridge(t, func(*http.Request, []byte) (int, any) {
		return 200, AccountAnswer{Username: "ann", Status: "suspended"}
	})
	if _, err := f.driver(t, 0).Account(context.Background(), "r1"); !errors.Is(err, remote.ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
}
