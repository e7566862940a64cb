package keycloak

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// credentials gets the service account's access token with the OAuth 2
// client credentials grant; remote.Tokens caches it.
type credentials struct {
	endpoint     string // …/realms/{realm}/protocol/openid-connect/token
	realm        string
	clientID     string
	clientSecret string
	http         *http.Client
	timeout      time.Duration
	log          zerolog.Logger
	// refusalsLogged needs no lock: remote.Tokens runs one fetch at a time.
	refusalsLogged bool
}

// fetch asks the token endpoint.
func (c *credentials) fetch(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {c.clientID},
		"client_secret": {c.clientSecret},
	}
	status, a, err := remote.RequestToken(ctx, c.http, c.timeout, c.endpoint, form)
	if err != nil {
		return "", 0, err
	}
	switch {
	case status == http.StatusOK && a.AccessToken != "" && a.ExpiresIn > 0:
	case status == http.StatusBadRequest || status == http.StatusUnauthorized:
		// Wrong client ID or secret, or the client lacks a service
		// account: an operator's mistake, worth one loud line.
		if !c.refusalsLogged {
			c.refusalsLogged = true
			c.log.Error().Int("status", status).Str("error", a.Error).
				Msg("Keycloak refused Portico's client credentials: check directory.keycloak.client_id, client_secret, and that the client has service accounts enabled")
		}
		return "", 0, remote.Unavailable("token endpoint: status %d %s: client credentials refused", status, a.Error)
	case status == http.StatusNotFound:
		return "", 0, remote.Unavailable("token endpoint: status 404: realm %q not found (directory.keycloak.realm, directory.keycloak.url)", c.realm)
	default:
		return "", 0, remote.Unavailable("token endpoint: status %d", status)
	}
	c.refusalsLogged = false
	return a.AccessToken, time.Duration(a.ExpiresIn) * time.Second, nil
}
