package remote

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// TokenMargin is how long before its expiry a cached access token is
// replaced, so that none expires on its way to the server. Tokens shorter
// lived than two margins are replaced halfway.
const TokenMargin = 30 * time.Second

// Tokens caches a service's OAuth 2 access token and gets a new one with
// Fetch when it is about to expire or the server refused it. One fetch at
// a time: callers that arrive while it runs wait for its result, so 20
// calls at once with no token fetch one.
type Tokens struct {
	// Fetch asks the token endpoint for a token and how long it lives.
	Fetch func(ctx context.Context) (token string, life time.Duration, err error)
	Now   func() time.Time // the clock; time.Now if nil

	mu      sync.Mutex
	token   string
	renewAt time.Time
}

// Get returns a token that is not about to expire.
func (t *Tokens) Get(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" && t.now().Before(t.renewAt) {
		return t.token, nil
	}
	token, life, err := t.Fetch(ctx)
	if err != nil {
		return "", err
	}
	margin := TokenMargin
	if life < 2*TokenMargin {
		margin = life / 2
	}
	t.token, t.renewAt = token, t.now().Add(life-margin)
	return token, nil
}

// Invalidate drops token if it is still the cached one (the server
// answered 401 with it: revoked, or its keys rotated).
func (t *Tokens) Invalidate(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == token {
		t.token = ""
	}
}

// Reset drops whatever token is cached.
func (t *Tokens) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.token = ""
}

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

// TokenAnswer is a token endpoint's JSON answer, success (RFC 6749 §5.1)
// or error (§5.2).
type TokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
}

// RequestToken posts form to a token endpoint within timeout and returns
// the status and the answer as far as it decodes. A transport failure is
// ErrUnavailable naming only "token endpoint" (the form holds
// credentials).
func RequestToken(ctx context.Context, client *http.Client, timeout time.Duration, endpoint string, form url.Values) (int, TokenAnswer, error) {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, TokenAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, TokenAnswer{}, RequestFailed(ctx, "POST", "token endpoint", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes))
	var a TokenAnswer
	_ = json.Unmarshal(data, &a)
	return resp.StatusCode, a, nil
}
