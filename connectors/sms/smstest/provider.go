// Package smstest is a fake Twilio-compatible SMS provider for tests: it
// receives the REST calls that connectors/notify's SMS transport makes and
// records them, and it delivers inbound messages to a webhook signed
// exactly as the provider signs them. It also holds an in-memory
// suppression list and rate store, and the conformance tests a real store
// must pass. Only tests import it; it is not linked into portico.
package smstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Default credentials of a fake provider.
const (
	DefaultAccount = "AC00000000000000000000000000000001"
	DefaultToken   = "smstest-auth-token"
)

// Provider is a running fake provider. It stops when the test ends.
type Provider struct {
	// URL is the REST API's base, for notify.SMSConfig.URL.
	URL     string
	Account string // the account SID the API accepts
	Token   string // the auth token: the API's password, the inbound signing key

	webhook   string // the inbound URL as configured at the provider
	keyID     string // shared signing key (HMAC-SHA256), if any
	keySecret string
	optOut    bool // block recipients who texted STOP, as Twilio does by default
	client    *http.Client

	mu       sync.Mutex
	sent     []Sent
	next     int // index of the next message Wait returns
	arrived  chan struct{}
	failures []failure
	blocked  map[string]bool // our number + "|" + patient number
}

// Option changes how the provider behaves.
type Option func(*Provider)

// WithCredentials sets the account SID and auth token.
func WithCredentials(account, token string) Option {
	return func(p *Provider) { p.Account, p.Token = account, token }
}

// WithWebhook sets the inbound URL as configured at the provider, which is
// what inbound requests are signed with, wherever they are posted (behind
// a proxy the two differ). Without it the posted address is signed.
func WithWebhook(publicURL string) Option {
	return func(p *Provider) { p.webhook = publicURL }
}

// WithSharedKey signs inbound requests with a shared key and HMAC-SHA256,
// announced in the signature settings header, instead of the auth token.
func WithSharedKey(id, secret string) Option {
	return func(p *Provider) { p.keyID, p.keySecret = id, secret }
}

// WithOptOutHandling makes the provider act as Twilio does by default:
// after a patient texts STOP (or STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
// REVOKE, OPTOUT) to one of our numbers, messages from that number to the
// patient fail with error 21610 until the patient texts START, UNSTOP or
// YES. A message sent from a messaging service is blocked if the patient
// opted out of any number.
func WithOptOutHandling() Option {
	return func(p *Provider) { p.optOut = true }
}

// Start runs a provider on 127.0.0.1 with a random port until the test
// ends.
func Start(t testing.TB, opts ...Option) *Provider {
	t.Helper()
	p := &Provider{
		Account: DefaultAccount, Token: DefaultToken,
		arrived: make(chan struct{}), blocked: map[string]bool{},
	}
	for _, o := range opts {
		o(p)
	}
	srv := httptest.NewServer(http.HandlerFunc(p.serveAPI))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	p.client = &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return p
}

// Sent is one message the REST API accepted.
type Sent struct {
	SID                 string
	To                  string
	From                string // "" when sent from a messaging service
	MessagingServiceSID string
	Body                string
	Segments            int // as the provider bills them
}

// Sent returns every message accepted so far, in order.
func (p *Provider) Sent() []Sent {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Sent(nil), p.sent...)
}

// Wait returns the next accepted message that no earlier Wait returned,
// waiting for one until ctx is done.
func (p *Provider) Wait(ctx context.Context) (Sent, error) {
	for {
		p.mu.Lock()
		if p.next < len(p.sent) {
			s := p.sent[p.next]
			p.next++
			p.mu.Unlock()
			return s, nil
		}
		arrived := p.arrived
		p.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return Sent{}, ctx.Err()
		}
	}
}

// failure is a queued error answer of the REST API.
type failure struct {
	status, code int
	message      string
}

// FailNext makes the next REST call fail with an HTTP status and a
// provider error code, e.g. FailNext(400, 21211, "The 'To' number is not
// a valid phone number."). Calls queue up: each failure is used once.
func (p *Provider) FailNext(status, code int, message string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures = append(p.failures, failure{status, code, message})
}

func (p *Provider) popFailure() (failure, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.failures) == 0 {
		return failure{}, false
	}
	f := p.failures[0]
	p.failures = p.failures[1:]
	return f, true
}

func (p *Provider) record(s Sent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sent = append(p.sent, s)
	close(p.arrived)
	p.arrived = make(chan struct{})
}

// Twilio's opt-out and opt-in words, which its default handling acts on.
var (
	providerOptOut = map[string]bool{"stop": true, "stopall": true, "unsubscribe": true, "cancel": true,
		"end": true, "quit": true, "revoke": true, "optout": true}
	providerOptIn = map[string]bool{"start": true, "unstop": true, "yes": true}
)

// noteKeyword updates the provider's own block list for an inbound text.
func (p *Provider) noteKeyword(from, to, body string) {
	if !p.optOut {
		return
	}
	w := strings.ToLower(strings.TrimSpace(body))
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case providerOptOut[w]:
		p.blocked[to+"|"+from] = true
	case providerOptIn[w]:
		delete(p.blocked, to+"|"+from)
	}
}

// isBlocked reports whether the provider refuses a message to a patient.
func (p *Provider) isBlocked(from, to string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if from != "" {
		return p.blocked[from+"|"+to]
	}
	for k := range p.blocked {
		if strings.HasSuffix(k, "|"+to) {
			return true
		}
	}
	return false
}

// newSID returns a provider-style id: a prefix and 32 hex digits.
func newSID(prefix string) string {
	b := make([]byte, 16)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
