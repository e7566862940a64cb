package keycloak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// Directory is a Keycloak realm as the engine's directory seam needs it.
// It is safe for concurrent use.
type Directory struct {
	cfg     Config
	base    *url.URL // server root, no trailing slash
	admin   string   // escaped path of /admin/realms/{realm}
	http    *http.Client
	tokens  *remote.Tokens
	breaker remote.Breaker
	changes *stripes
	log     zerolog.Logger
}

// New checks cfg, gets a token and checks the realm's user profile: it
// refuses to start, naming each missing attribute, when the profile does
// not declare the attributes Portico reads and writes (Keycloak would
// drop them silently).
func New(ctx context.Context, cfg Config, log zerolog.Logger) (*Directory, error) {
	cfg, base, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	client, err := remote.HTTPClient(cfg.Timeout, remote.TLSFiles{CAFile: cfg.CAFile})
	if err != nil {
		return nil, fmt.Errorf("directory.keycloak: %w", err)
	}
	log = log.With().Str("directory", "keycloak").Logger()
	realm := url.PathEscape(cfg.Realm)
	d := &Directory{
		cfg: cfg, base: base, admin: "/admin/realms/" + realm, http: client, log: log, changes: newStripes(),
	}
	creds := &credentials{
		endpoint: base.String() + "/realms/" + realm + "/protocol/openid-connect/token",
		realm:    cfg.Realm, clientID: cfg.ClientID, clientSecret: cfg.ClientSecret,
		http: client, timeout: cfg.Timeout, log: log,
	}
	d.tokens = &remote.Tokens{Fetch: creds.fetch}
	if err := d.checkProfile(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// UsernameEditable reports whether Activate sets the username the patient
// chose (false with fixed_username: the engine should not ask).
func (d *Directory) UsernameEditable() bool { return !d.cfg.FixedUsername }

// BreakerState is the circuit breaker's state (for /readyz and metrics).
func (d *Directory) BreakerState() string { return d.breaker.State() }

// request is one Admin REST call.
type request struct {
	method      string
	path        string     // below /admin/realms/{realm}, escaped
	query       url.Values // may hold patient data: never logged
	body        any        // JSON, or a string sent as text/plain
	contentType string
}

// answer is Keycloak's reply to a call that reached it.
type answer struct {
	status int
	body   []byte
}

// do sends r with the service account's token. A 401 gets one new token
// and one retry. Transport failures, 5xx, 429, a second 401 and 403 are
// remote.ErrUnavailable; any other status is returned for the caller to
// read.
func (d *Directory) do(ctx context.Context, r request) (answer, error) {
	var body []byte
	ctype := r.contentType
	switch b := r.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			return answer{}, fmt.Errorf("keycloak %s %s: encode: %w", r.method, r.path, err)
		}
		ctype = "application/json"
	}
	target := d.base.String() + d.admin + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	for attempt := 1; ; attempt++ {
		token, err := d.tokens.Get(ctx)
		if err != nil {
			return answer{}, err
		}
		a, err := d.send(ctx, r.method, r.path, target, token, ctype, body)
		if err != nil {
			return answer{}, err
		}
		switch {
		case a.status == http.StatusUnauthorized && attempt == 1:
			d.tokens.Invalidate(token) // expired or revoked: one new token, one retry
			continue
		case a.status == http.StatusUnauthorized:
			return answer{}, remote.Unavailable("keycloak %s %s: token refused twice", r.method, r.path)
		case a.status == http.StatusForbidden:
			d.log.Error().Str("method", r.method).Str("path", r.path).
				Msg("Keycloak answered 403: give the client's service account the realm-management roles view-users and manage-users")
			return answer{}, remote.Unavailable("keycloak %s %s: 403 forbidden", r.method, r.path)
		case a.status == http.StatusTooManyRequests || a.status >= 500:
			return answer{}, remote.Unavailable("keycloak %s %s: status %d", r.method, r.path, a.status)
		}
		return a, nil
	}
}

func (d *Directory) send(ctx context.Context, method, path, target, token, ctype string, body []byte) (answer, error) {
	rctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, target, bytes.NewReader(body))
	if err != nil {
		return answer{}, fmt.Errorf("keycloak %s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return answer{}, remote.RequestFailed(ctx, method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, remote.MaxResponseBytes))
	if err != nil {
		return answer{}, remote.RequestFailed(ctx, method, path, err)
	}
	return answer{status: resp.StatusCode, body: data}, nil
}

// decode reads a 200 answer's JSON into v.
func decode(r request, a answer, v any) error {
	if a.status != http.StatusOK {
		return unexpected(r, a)
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		return remote.Unavailable("keycloak %s %s: answer is not the documented JSON", r.method, r.path)
	}
	return nil
}

// unexpected is a status the call has no meaning for. Keycloak's text is
// not carried on.
func unexpected(r request, a answer) error {
	return fmt.Errorf("keycloak %s %s: unexpected status %d", r.method, r.path, a.status)
}

// userPath is /users/{id}{suffix}, the ID escaped as one segment.
func userPath(id, suffix string) string {
	return "/users/" + url.PathEscape(id) + suffix
}
