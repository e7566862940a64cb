package keycloak

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// tokenMargin is how long before its expiry a cached access token is
// replaced, so that none expires on its way to Keycloak. Tokens shorter
// lived than two margins are replaced halfway.
const tokenMargin = 30 * time.Second

// tokens gets and caches the service account's access token (OAuth 2
// client credentials grant). One fetch at a time: callers that arrive
// while it runs wait for its result.
type tokens struct {
	endpoint       string // …/realms/{realm}/protocol/openid-connect/token
	realm          string
	clientID       string
	clientSecret   string
	http           *http.Client
	timeout        time.Duration
	now            func() time.Time
	log            zerolog.Logger
	mu             sync.Mutex
	token          string
	renewAt        time.Time
	fetches        int // for tests and metrics: how many times a token was fetched
	refusalsLogged bool
}

// tokenAnswer is the token endpoint's answer (RFC 6749 §5.1, §5.2).
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	TokenType   string `json:"token_type"`
	Error       string `json:"error"`
}

// get returns a token that is not about to expire.
func (t *tokens) get(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" && t.now().Before(t.renewAt) {
		return t.token, nil
	}
	return t.fetch(ctx)
}

// invalidate drops token if it is still the cached one (Keycloak answered
// 401 with it: revoked, or the realm's keys rotated).
func (t *tokens) invalidate(token string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token == token {
		t.token = ""
	}
}

// fetch asks the token endpoint; t.mu is held.
func (t *tokens) fetch(ctx context.Context) (string, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {t.clientID},
		"client_secret": {t.clientSecret},
	}
	rctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, t.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.http.Do(req)
	if err != nil {
		return "", remote.RequestFailed(ctx, "POST", "token endpoint", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, remote.MaxResponseBytes))
	var a tokenAnswer
	_ = json.Unmarshal(data, &a)
	switch {
	case resp.StatusCode == http.StatusOK && a.AccessToken != "" && a.ExpiresIn > 0:
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized:
		// Wrong client ID or secret, or the client lacks a service
		// account: an operator's mistake, worth one loud line.
		if !t.refusalsLogged {
			t.refusalsLogged = true
			t.log.Error().Int("status", resp.StatusCode).Str("error", a.Error).
				Msg("Keycloak refused Portico's client credentials: check directory.keycloak.client_id, client_secret, and that the client has service accounts enabled")
		}
		return "", remote.Unavailable("token endpoint: status %d %s: client credentials refused", resp.StatusCode, a.Error)
	case resp.StatusCode == http.StatusNotFound:
		return "", remote.Unavailable("token endpoint: status 404: realm %q not found (directory.keycloak.realm, directory.keycloak.url)", t.realm)
	default:
		return "", remote.Unavailable("token endpoint: status %d", resp.StatusCode)
	}
	t.refusalsLogged = false
	life := time.Duration(a.ExpiresIn) * time.Second
	margin := tokenMargin
	if life < 2*tokenMargin {
		margin = life / 2
	}
	t.token, t.renewAt = a.AccessToken, t.now().Add(life-margin)
	t.fetches++
	return t.token, nil
}
