package remote

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clockTokens returns Tokens whose fetches are counted and whose clock
// the test moves.
func clockTokens(life time.Duration) (tk *Tokens, fetches *atomic.Int32, advance func(time.Duration)) {
	var now atomic.Int64
	now.Store(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	fetches = new(atomic.Int32)
	tk = &Tokens{
		Fetch: func(context.Context) (string, time.Duration, error) {
			n := fetches.Add(1)
			return fmt.Sprintf("token-%d", n), life, nil
		},
		Now: func() time.Time { return time.Unix(0, now.Load()) },
	}
	return tk, fetches, func(d time.Duration) { now.Add(int64(d)) }
}

func TestTokensRenewWithinTheMargin(t *testing.T) {
	for _, tc := range []struct {
		name        string
		life        time.Duration
		renewsAfter time.Duration
	}{
		{"five-minute token, renewed 30 s early", 5 * time.Minute, 5*time.Minute - TokenMargin},
		{"40-second token, renewed halfway", 40 * time.Second, 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tk, fetches, advance := clockTokens(tc.life)
			ctx := context.Background()
			first, _ := tk.Get(ctx)
			advance(tc.renewsAfter - time.Second)
			if got, _ := tk.Get(ctx); got != first || fetches.Load() != 1 {
				t.Errorf("before the margin: got %s after %d fetches, want %s from 1", got, fetches.Load(), first)
			}
			advance(time.Second)
			if got, _ := tk.Get(ctx); got == first || fetches.Load() != 2 {
				t.Errorf("within the margin: got %s after %d fetches, want a new token from 2", got, fetches.Load())
			}
		})
	}
}

func TestTokensInvalidateOnlyTheCurrentToken(t *testing.T) {
	tk, fetches, _ := clockTokens(5 * time.Minute)
	ctx := context.Background()
	old, _ := tk.Get(ctx)
	tk.Invalidate(old)
	current, _ := tk.Get(ctx)
	// A late 401 for the old token must not drop the new one.
	tk.Invalidate(old)
	if got, _ := tk.Get(ctx); got != current || fetches.Load() != 2 {
		t.Errorf("after a stale invalidate: got %s after %d fetches, want %s from 2", got, fetches.Load(), current)
	}
	tk.Reset()
	if got, _ := tk.Get(ctx); got == current {
		t.Error("Reset kept the token")
	}
}

// TestTokensConcurrentGetsFetchOnce: 20 calls at once with no token
// fetch exactly one.
func TestTokensConcurrentGetsFetchOnce(t *testing.T) {
	release := make(chan struct{})
	var fetches atomic.Int32
	tk := &Tokens{Fetch: func(context.Context) (string, time.Duration, error) {
		fetches.Add(1)
		<-release
		return "shared", time.Minute, nil
	}}
	const n = 20
	var wg sync.WaitGroup
	got := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, _ := tk.Get(context.Background())
			got <- tok
		}()
	}
	close(release)
	wg.Wait()
	close(got)
	for tok := range got {
		if tok != "shared" {
			t.Errorf("a caller got %q, want the shared token", tok)
		}
	}
	if f := fetches.Load(); f != 1 {
		t.Errorf("fetches: got %d, want 1", f)
	}
}

func TestTokensFetchErrorCachesNothing(t *testing.T) {
	calls := 0
	tk := &Tokens{Fetch: func(context.Context) (string, time.Duration, error) {
		calls++
		if calls == 1 {
			return "", 0, Unavailable("token endpoint: status 503")
		}
		return "ok", time.Minute, nil
	}}
	if _, err := tk.Get(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("first Get: got %v, want ErrUnavailable", err)
	}
	if got, err := tk.Get(context.Background()); got != "ok" || err != nil {
		t.Errorf("second Get: got %q, %v; want ok", got, err)
	}
}

func TestRequestToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.PostForm.Get("grant_type") != "client_credentials" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_request"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"abc","token_type":"bearer","expires_in":300,"scope":"system/Patient.rs"}`))
	}))
	defer srv.Close()
	ctx := context.Background()
	status, a, err := RequestToken(ctx, srv.Client(), time.Second, srv.URL, url.Values{"grant_type": {"client_credentials"}})
	want := TokenAnswer{AccessToken: "abc", TokenType: "bearer", ExpiresIn: 300, Scope: "system/Patient.rs"}
	if status != 200 || a != want || err != nil {
		t.Errorf("got %d %+v %v; want 200 %+v", status, a, err, want)
	}
	status, a, _ = RequestToken(ctx, srv.Client(), time.Second, srv.URL, url.Values{})
	if status != 400 || a.Error != "invalid_request" {
		t.Errorf("refused: got %d %+v; want 400 invalid_request", status, a)
	}
	srv.Close()
	if _, _, err := RequestToken(ctx, srv.Client(), time.Second, srv.URL, url.Values{}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("server gone: got %v, want ErrUnavailable", err)
	}
}
