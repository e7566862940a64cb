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
	"net"
	"net/url"
	"strings"
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

const masked = "••••••"

// String shows the configuration with the secret masked.
func (c Config) String() string {
	return fmt.Sprintf("bridge{url=%s secret=%s timeout=%s ca_file=%s client_cert=%s client_key=%s}",
		c.URL, mask(c.Secret), c.Timeout, c.CAFile, c.ClientCert, c.ClientKey)
}

// MarshalJSON masks the secret too, so a logger or `config print` that
// marshals the struct cannot leak it.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"url": c.URL, "secret": mask(c.Secret), "timeout": c.Timeout.String(),
		"ca_file": c.CAFile, "client_cert": c.ClientCert, "client_key": c.ClientKey,
	})
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return masked
}

// validate checks the configuration; its errors name keys, never values
// of secrets.
func (c Config) validate() (*url.URL, error) {
	if c.URL == "" {
		return nil, errors.New("directory.bridge.url is required")
	}
	u, err := url.Parse(c.URL)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("directory.bridge.url %q: want https://host[:port][/path]", c.URL)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		// Plain HTTP only on this machine (development, tests).
	default:
		return nil, fmt.Errorf("directory.bridge.url %q: must be https (http only to a loopback address)", c.URL)
	}
	if len(c.Secret) < MinSecretLen {
		return nil, fmt.Errorf("directory.bridge.secret: want at least %d bytes (e.g. openssl rand -hex 32)", MinSecretLen)
	}
	if c.Timeout < 0 {
		return nil, errors.New("directory.bridge.timeout must not be negative")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c Config) tlsFiles() remote.TLSFiles {
	return remote.TLSFiles{CAFile: c.CAFile, ClientCert: c.ClientCert, ClientKey: c.ClientKey}
}
