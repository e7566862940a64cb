package fhir

import (
	"context"
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// SMART Backend Services (SMART App Launch 2.x, "Backend Services").
const (
	// assertionLife is how long a client assertion is valid. The spec
	// allows at most five minutes; one less leaves room for a server
	// whose clock runs behind.
	assertionLife = 4 * time.Minute
	// defaultTokenLife is assumed when the token answer gives no
	// expires_in (SMART recommends 300 seconds).
	defaultTokenLife    = 5 * time.Minute
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// Default scopes: read access to Patient for the system itself, in
	// SMART v2's syntax when the server says it speaks v2, else v1's.
	scopeV1 = "system/Patient.read"
	scopeV2 = "system/Patient.rs"
)

// smart gets access tokens with the client credentials grant,
// authenticating with a JWT signed by the client's private key (RFC 7523
// private_key_jwt, as SMART Backend Services profiles it).
type smart struct {
	clientID string
	keyID    string
	scope    string // as configured; "" to choose from the discovery
	key      crypto.Signer
	method   jwt.SigningMethod // RS384 or ES384, from the key
	base     *url.URL
	http     *http.Client
	timeout  time.Duration
	log      zerolog.Logger
	now      func() time.Time
	tokens   remote.Tokens

	// Set by the first successful fetch (discovery), then read only:
	// remote.Tokens runs one fetch at a time.
	endpoint       string
	grantScope     string
	refusalsLogged bool
}

func newSMART(c checked, client *http.Client, log zerolog.Logger) (*smart, error) {
	key, method, err := loadKey(c.PrivateKeyFile, log)
	if err != nil {
		return nil, err
	}
	s := &smart{
		clientID: c.ClientID, keyID: c.KeyID, scope: c.Scope, key: key, method: method,
		base: c.base, http: client, timeout: c.Timeout, log: log, now: time.Now,
	}
	if c.tokenURL != nil {
		s.endpoint = c.tokenURL.String()
		s.grantScope = c.Scope
		if s.grantScope == "" {
			s.grantScope = scopeV1
		}
	}
	s.tokens.Fetch = s.fetch
	return s, nil
}

func (s *smart) token(ctx context.Context) (string, error) { return s.tokens.Get(ctx) }

func (s *smart) refused(token string) bool {
	s.tokens.Invalidate(token)
	return true
}

// fetch discovers the token endpoint if need be and asks it for a token.
func (s *smart) fetch(ctx context.Context) (string, time.Duration, error) {
	if s.endpoint == "" {
		if err := s.discover(ctx); err != nil {
			return "", 0, err
		}
	}
	assertion, err := s.assertion()
	if err != nil {
		return "", 0, err
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {s.grantScope},
		"client_assertion_type": {clientAssertionType},
		"client_assertion":      {assertion},
	}
	status, a, err := remote.RequestToken(ctx, s.http, s.timeout, s.endpoint, form)
	if err != nil {
		return "", 0, err
	}
	switch {
	case status == http.StatusOK && a.AccessToken != "" && strings.EqualFold(a.TokenType, "bearer"):
	case status == http.StatusBadRequest || status == http.StatusUnauthorized:
		// invalid_client (unknown client, key or kid, a bad signature),
		// invalid_scope, unauthorized_client: an operator's mistake,
		// worth one loud line.
		if !s.refusalsLogged {
			s.refusalsLogged = true
			s.log.Error().Int("status", status).Str("error", a.Error).Str("scope", s.grantScope).
				Msg("the SMART token endpoint refused Portico's client assertion: check finder.fhir.client_id, key_id, private_key_file (its public key registered with the server) and scope")
		}
		return "", 0, remote.Unavailable("token endpoint: status %d %s: client assertion refused", status, a.Error)
	default:
		return "", 0, remote.Unavailable("token endpoint: status %d", status)
	}
	s.refusalsLogged = false
	life := time.Duration(a.ExpiresIn) * time.Second
	if life <= 0 {
		life = defaultTokenLife
	}
	return a.AccessToken, life, nil
}

// assertion signs a fresh client assertion: iss and sub the client ID,
// aud the token endpoint, a unique jti, exp within five minutes, and the
// key's kid in the header.
func (s *smart) assertion() (string, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", fmt.Errorf("client assertion: %w", err)
	}
	t := jwt.NewWithClaims(s.method, jwt.MapClaims{
		"iss": s.clientID,
		"sub": s.clientID,
		"aud": s.endpoint, // a string, as the spec's examples: some servers refuse an array
		"exp": s.now().Add(assertionLife).Unix(),
		"jti": hex.EncodeToString(jti),
	})
	t.Header["kid"] = s.keyID
	signed, err := t.SignedString(s.key)
	if err != nil {
		return "", fmt.Errorf("client assertion: sign: %w", err)
	}
	return signed, nil
}

// smartConfiguration is the part of .well-known/smart-configuration
// Portico reads.
type smartConfiguration struct {
	TokenEndpoint string   `json:"token_endpoint"`
	AuthMethods   []string `json:"token_endpoint_auth_methods_supported"`
	SigningAlgs   []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	GrantTypes    []string `json:"grant_types_supported"`
	Capabilities  []string `json:"capabilities"`
}

// discover reads [base]/.well-known/smart-configuration: the token
// endpoint, whether the server takes what Portico sends, and which scope
// syntax it speaks. A server that cannot take it is reported once, by
// name, and answers as unavailable.
func (s *smart) discover(ctx context.Context) error {
	var sc smartConfiguration
	if err := s.wellKnown(ctx, &sc); err != nil {
		return err
	}
	endpoint, err := remote.ServiceURL("token_endpoint of .well-known/smart-configuration", sc.TokenEndpoint)
	if err == nil {
		err = refuses("token_endpoint_auth_methods_supported", sc.AuthMethods, "private_key_jwt")
	}
	if err == nil {
		err = refuses("token_endpoint_auth_signing_alg_values_supported", sc.SigningAlgs, s.method.Alg())
	}
	if err == nil {
		err = refuses("grant_types_supported", sc.GrantTypes, "client_credentials")
	}
	if err != nil {
		s.log.Error().Err(err).Msg("the FHIR server's SMART configuration does not fit Portico's: set finder.fhir.token_url, or see docs/directories.md")
		return remote.Unavailable("smart-configuration: %v", err)
	}
	s.endpoint = endpoint.String()
	s.grantScope = s.scope
	if s.grantScope == "" {
		s.grantScope = scopeV1
		if slices.Contains(sc.Capabilities, "permission-v2") {
			s.grantScope = scopeV2
		}
	}
	return nil
}

// refuses is an error when a list the server published lacks want. An
// absent list says nothing.
func refuses(field string, list []string, want string) error {
	if len(list) == 0 || slices.Contains(list, want) {
		return nil
	}
	return fmt.Errorf("%s is %v, without %s", field, list, want)
}

// wellKnown reads [base]/.well-known/smart-configuration, a public
// document (no Authorization header).
func (s *smart) wellKnown(ctx context.Context, v *smartConfiguration) error {
	rctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, s.base.String()+"/.well-known/smart-configuration", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return remote.RequestFailed(ctx, "GET", "/.well-known/smart-configuration", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, remote.MaxResponseBytes))
	if resp.StatusCode != http.StatusOK {
		return remote.Unavailable("GET /.well-known/smart-configuration: status %d", resp.StatusCode)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return remote.Unavailable("GET /.well-known/smart-configuration: the answer is not JSON")
	}
	return nil
}
