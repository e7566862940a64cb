package remote

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// Limits of a driver's HTTP client.
const (
	// DefaultTimeout bounds one HTTP request to a directory when the
	// configuration gives none.
	DefaultTimeout = 5 * time.Second
	// MaxResponseBytes caps a directory's answer read into memory.
	MaxResponseBytes = 1 << 20
	maxIdleConns     = 16
	idleConnTimeout  = 90 * time.Second
)

// TLSFiles names the PEM files of a driver's TLS set-up. All are optional:
// CAFile replaces the system roots for verifying the server; ClientCert
// and ClientKey (both or neither) present a client certificate (mTLS).
type TLSFiles struct {
	CAFile     string
	ClientCert string
	ClientKey  string
}

// TLSConfig builds the client TLS configuration (TLS 1.2 or later).
func (f TLSFiles) TLSConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			return nil, fmt.Errorf("read CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no PEM certificate in it", f.CAFile)
		}
		cfg.RootCAs = pool
	}
	if (f.ClientCert == "") != (f.ClientKey == "") {
		return nil, errors.New("client certificate and key: give both or neither")
	}
	if f.ClientCert != "" {
		// The error names the files, never their contents.
		cert, err := tls.LoadX509KeyPair(f.ClientCert, f.ClientKey)
		if err != nil {
			return nil, fmt.Errorf("load client certificate %s and key %s: %w", f.ClientCert, f.ClientKey, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// HTTPClient returns a client whose every stage (connect, TLS handshake,
// waiting for the answer, the whole request) is bounded by timeout. It
// follows no redirects: a directory answering with one is misconfigured,
// and a redirect must never carry a signed request elsewhere.
func HTTPClient(timeout time.Duration, f TLSFiles) (*http.Client, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tlsCfg, err := f.TLSConfig()
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConns:          maxIdleConns,
		MaxIdleConnsPerHost:   maxIdleConns,
		IdleConnTimeout:       idleConnTimeout,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}
