package fhir

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

// fhirJSON is FHIR's JSON media type (R4 §3.1.0.1.6).
const fhirJSON = "application/fhir+json"

// Finder finds patients' records on a FHIR R4 server. It is safe for
// concurrent use.
type Finder struct {
	cfg     checked
	http    *http.Client
	auth    authorizer // nil with auth: none
	breaker remote.Breaker
	log     zerolog.Logger
	now     func() time.Time
}

// authorizer supplies the Authorization header's token.
type authorizer interface {
	token(ctx context.Context) (string, error)
	// refused is told that the server answered 401 to token; it reports
	// whether a retry with a new token may succeed.
	refused(token string) bool
}

// New checks cfg and, for SMART, reads the private key. It does not
// contact the server: Check does.
func New(cfg Config, log zerolog.Logger) (*Finder, error) {
	c, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	client, err := remote.HTTPClient(c.Timeout, remote.TLSFiles{CAFile: c.CAFile})
	if err != nil {
		return nil, fmt.Errorf("finder.fhir: %w", err)
	}
	log = log.With().Str("finder", "fhir").Logger()
	f := &Finder{cfg: c, http: client, log: log, now: time.Now}
	switch c.Auth {
	case AuthBearer:
		f.auth = bearer(c.Token)
	case AuthSMART:
		s, err := newSMART(c, client, log)
		if err != nil {
			return nil, err
		}
		f.auth = s
	}
	return f, nil
}

// ContactsFromTelecom reports whether the engine may take contacts from
// Patient.telecom when the directory has none
// (finder.fhir.contacts_from_telecom).
func (f *Finder) ContactsFromTelecom() bool { return f.cfg.ContactsFromTelecom }

// BreakerState is the circuit breaker's state (for /readyz and metrics).
func (f *Finder) BreakerState() string { return f.breaker.State() }

// bearer is a fixed token: a 401 means it is wrong or expired, and no
// retry helps.
type bearer string

func (b bearer) token(context.Context) (string, error) { return string(b), nil }
func (b bearer) refused(string) bool                   { return false }

// request is one call to the FHIR server.
type request struct {
	method string
	target string // absolute URL; its query may hold patient data
	path   string // for errors and logs (e.g. /Patient): never the query
	body   []byte // POSTed as FHIR JSON
}

// name is the method and path, for errors and logs.
func (r request) name() string { return r.method + " " + r.path }

// answer is the server's reply to a call that reached it.
type answer struct {
	status int
	body   []byte
}

// do sends r and returns a 200 answer. Transport failures, timeouts, any
// other status, and a token refused twice are remote.ErrUnavailable: a
// server that cannot answer a well-formed search is down or set up
// wrong, never a patient's miss.
func (f *Finder) do(ctx context.Context, r request) (answer, error) {
	for attempt := 1; ; attempt++ {
		token := ""
		if f.auth != nil {
			var err error
			if token, err = f.auth.token(ctx); err != nil {
				return answer{}, err
			}
		}
		a, err := f.send(ctx, r, token)
		if err != nil {
			return answer{}, err
		}
		switch {
		case a.status == http.StatusOK:
			return a, nil
		case a.status == http.StatusUnauthorized && attempt == 1 && f.auth != nil && f.auth.refused(token):
			continue // expired or revoked: one new token, one retry
		case a.status == http.StatusUnauthorized:
			f.log.Error().Str("request", r.name()).Str("auth", f.cfg.Auth).
				Msg("the FHIR server refused Portico's credentials (401): check finder.fhir.auth and its token or client")
		case a.status == http.StatusForbidden:
			f.log.Error().Str("request", r.name()).Str("issues", outcomeCodes(a.body)).
				Msg("the FHIR server answered 403: grant Portico's client read access to Patient (scope system/Patient.read or system/Patient.rs)")
		case a.status < 500 && a.status != http.StatusTooManyRequests:
			// 400, 404, 422 …: the server refuses what Portico asks (an
			// unsupported search parameter, a wrong base URL). Issue codes
			// only: diagnostics may quote the patient's data back.
			f.log.Error().Str("request", r.name()).Int("status", a.status).Str("issues", outcomeCodes(a.body)).
				Msg("the FHIR server refused the request: check finder.fhir.url and mode against its CapabilityStatement (portico finder check)")
		}
		return answer{}, remote.Unavailable("fhir %s: status %d", r.name(), a.status)
	}
}

func (f *Finder) send(ctx context.Context, r request, token string) (answer, error) {
	rctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, r.method, r.target, bytes.NewReader(r.body))
	if err != nil {
		return answer{}, fmt.Errorf("fhir %s: %w", r.name(), err)
	}
	req.Header.Set("Accept", fhirJSON)
	if r.body != nil {
		req.Header.Set("Content-Type", fhirJSON)
	}
	// A server that ignored a search parameter it does not know would
	// answer a broader search than Portico asked; strict handling makes
	// it refuse instead (R4 §3.1.1.5.3 "handling").
	req.Header.Set("Prefer", "handling=strict")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.http.Do(req)
	if err != nil {
		return answer{}, remote.RequestFailed(ctx, "fhir "+r.method, r.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, remote.MaxResponseBytes+1))
	if err != nil {
		return answer{}, remote.RequestFailed(ctx, "fhir "+r.method, r.path, err)
	}
	if len(data) > remote.MaxResponseBytes {
		return answer{}, remote.Unavailable("fhir %s: answer larger than %d bytes", r.name(), remote.MaxResponseBytes)
	}
	return answer{status: resp.StatusCode, body: data}, nil
}
