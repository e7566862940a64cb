package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// Directory is a portal bridge, as the engine's directory seam needs it.
// It is safe for concurrent use.
type Directory struct {
	base    *url.URL
	secret  []byte
	timeout time.Duration
	http    *http.Client
	breaker remote.Breaker
	log     zerolog.Logger
	now     func() time.Time
}

// New checks cfg and returns a driver. It does not call the bridge: use
// Health for a start-up check.
func New(cfg Config, log zerolog.Logger) (*Directory, error) {
	base, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = remote.DefaultTimeout
	}
	client, err := remote.HTTPClient(timeout, cfg.tlsFiles())
	if err != nil {
		return nil, fmt.Errorf("directory.bridge: %w", err)
	}
	return &Directory{
		base: base, secret: []byte(cfg.Secret), timeout: timeout, http: client,
		log: log.With().Str("directory", "bridge").Logger(), now: time.Now,
	}, nil
}

// BreakerState is the circuit breaker's state (for /readyz and metrics).
func (d *Directory) BreakerState() string { return d.breaker.State() }

// call runs one signed request through the circuit breaker. in is
// marshalled as the body (nil for none); a 2xx answer is decoded into out
// (nil to ignore it).
func (d *Directory) call(ctx context.Context, method, path string, in, out any) error {
	return d.breaker.Do(ctx, func(ctx context.Context) error {
		return d.roundTrip(ctx, method, path, in, out)
	})
}

func (d *Directory) roundTrip(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("bridge %s %s: encode: %w", method, path, err)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	// path is already escaped; the base has no query, so they concatenate.
	req, err := http.NewRequestWithContext(rctx, method, d.base.String()+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bridge %s %s: %w", method, path, err)
	}
	// Sign exactly the request target that goes on the wire.
	for k, v := range SignedHeaders(d.secret, method, req.URL.RequestURI(), body, d.now()) {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return remote.RequestFailed(ctx, method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, remote.MaxResponseBytes))
	if err != nil {
		return remote.RequestFailed(ctx, method, path, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if out == nil || resp.StatusCode == http.StatusNoContent {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return remote.Unavailable("bridge %s %s: answer is not the documented JSON", method, path)
		}
		return nil
	}
	return d.failure(method, path, resp.StatusCode, data)
}

// failure maps an error answer to the seam's error kinds. The bridge's
// message is never carried on: it is not Portico's to show or log.
func (d *Directory) failure(method, path string, status int, data []byte) error {
	var a ErrorAnswer
	_ = json.Unmarshal(data, &a) // a body that is not JSON leaves the code empty
	code := a.Error.Code
	switch {
	case status == http.StatusNotFound:
		return fmt.Errorf("bridge %s %s: %w", method, path, remote.ErrNotFound)
	case status == http.StatusConflict:
		return fmt.Errorf("bridge %s %s: %w", method, path, remote.ErrConflict)
	case status == http.StatusUnprocessableEntity && code == CodeIdempotencyKeyReused:
		return fmt.Errorf("bridge %s %s: idempotency key already used for another change", method, path)
	case status == http.StatusUnprocessableEntity:
		return fmt.Errorf("bridge %s %s: %w", method, path, remote.Invalid(code))
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		d.log.Error().Str("method", method).Str("path", path).Int("status", status).
			Msg("the bridge refused Portico's signature: check directory.bridge.secret and both clocks")
		return remote.Unavailable("bridge %s %s: status %d: request refused", method, path, status)
	case status == http.StatusBadRequest:
		return fmt.Errorf("bridge %s %s: status 400 (%s): the bridge found the request malformed", method, path, code)
	default:
		return remote.Unavailable("bridge %s %s: status %d", method, path, status)
	}
}

// Health asks the bridge whether it is up and accepts Portico's
// signature. cmd/portico calls it at start and for /readyz.
func (d *Directory) Health(ctx context.Context) error {
	return d.call(ctx, http.MethodGet, PathHealth, nil, nil)
}

// recordPath is /records/{id}{suffix}, the ID escaped as one segment.
func recordPath(id, suffix string) (string, error) {
	if id == "" || len(id) > maxIDLen {
		return "", fmt.Errorf("bridge: record id: want 1 to %d bytes: %w", maxIDLen, remote.ErrNotFound)
	}
	return pathRecord + url.PathEscape(id) + suffix, nil
}

var errNoKey = errors.New("bridge: a change needs an idempotency key")
