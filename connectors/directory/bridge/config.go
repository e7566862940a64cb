// Package bridge is the directory driver for a portal bridge: a small
// HTTPS JSON API that a portal team implements over its own account store
// (docs/bridge.md, docs/bridge.openapi.yaml). Every request is signed
// with HMAC-SHA256 over method, path, timestamp, nonce and body; every
// change carries an idempotency key. cmd/portico-bridge is a reference
// implementation; bridgecheck is the conformance suite.
package bridge

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// Config is directory.bridge.* (cmd/portico binds it).
type Config struct {
	URL        string        // base URL, e.g. https://portal.example.org/portico-bridge/v1
	Secret     string        // shared HMAC secret, at least MinSecretLen bytes
	Timeout    time.Duration // per request; remote.DefaultTimeout if zero
	CAFile     string        // PEM roots for the bridge's certificate; system roots if empty
	ClientCert string        // PEM client certificate for mTLS (with ClientKey)
	ClientKey  string
}

// String shows the configuration with the secret masked.
func (c Config) String() string {
	return fmt.Sprintf("bridge{url=%s secret=%s timeout=%s ca_file=%s client_cert=%s client_key=%s}",
		c.URL, remote.Mask(c.Secret), c.Timeout, c.CAFile, c.ClientCert, c.ClientKey)
}

// MarshalJSON masks the secret too, so a logger or `config print` that
// marshals the struct cannot leak it.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"url": c.URL, "secret": remote.Mask(c.Secret), "timeout": c.Timeout.String(),
		"ca_file": c.CAFile, "client_cert": c.ClientCert, "client_key": c.ClientKey,
	})
}

// validate checks the configuration; its errors name keys, never values
// of secrets.
func (c Config) validate() (*url.URL, error) {
	u, err := remote.ServiceURL("directory.bridge.url", c.URL)
	if err != nil {
		return nil, err
	}
	if len(c.Secret) < MinSecretLen {
		return nil, fmt.Errorf("directory.bridge.secret: want at least %d bytes (e.g. openssl rand -hex 32)", MinSecretLen)
	}
	if c.Timeout < 0 {
		return nil, errors.New("directory.bridge.timeout must not be negative")
	}
	return u, nil
}

func (c Config) tlsFiles() remote.TLSFiles {
	return remote.TLSFiles{CAFile: c.CAFile, ClientCert: c.ClientCert, ClientKey: c.ClientKey}
}
