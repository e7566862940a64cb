package sms_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/sms"
	"github.com/portico-chat/portico/connectors/sms/smstest"
)

// inbox is the engine's side in these tests: it records what it is given.
type inbox struct {
	mu    sync.Mutex
	got   []sms.Message
	err   error
	block map[string]chan struct{} // sender → released when closed
}

func (b *inbox) Inbound(_ context.Context, m sms.Message) error {
	b.mu.Lock()
	wait := b.block[m.From]
	b.mu.Unlock()
	if wait != nil {
		<-wait
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	b.got = append(b.got, m)
	return nil
}

func (b *inbox) messages() []sms.Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]sms.Message(nil), b.got...)
}

// env is a webhook on a real HTTP server with a fake provider.
type env struct {
	hook     string // the webhook's address (loopback)
	provider *smstest.Provider
	inbox    *inbox
	store    *smstest.Memory
	clock    *bot.ManualClock
	logs     *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const testToken = "test-auth-token"

// setup serves the webhook on 127.0.0.1. change adjusts the configuration
// (PublicURL is the server's address unless change sets it).
func setup(t *testing.T, change func(*sms.Config), opts ...smstest.Option) *env {
	t.Helper()
	e := &env{inbox: &inbox{block: map[string]chan struct{}{}}, store: smstest.NewMemory(), clock: newClock(), logs: &syncBuffer{}}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	c := sms.Config{
		PublicURL: srv.URL, AuthToken: testToken, Numbers: []string{ours},
		Texts: sms.Texts{Clinic: "Lakeside Health"}, Locale: "en", Clock: e.clock,
	}
	if change != nil {
		change(&c)
	}
	handler, err := sms.NewHandler(c, e.inbox, e.store, e.store, zerolog.New(e.logs))
	if err != nil {
		t.Fatalf("NewHandler: %v", err)
	}
	h = handler
	e.hook = srv.URL + sms.InboundPath
	e.provider = smstest.Start(t, append([]smstest.Option{smstest.WithCredentials(smstest.DefaultAccount, testToken)}, opts...)...)
	return e
}

func (e *env) deliver(t *testing.T, text smstest.Text) smstest.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := e.provider.Deliver(ctx, e.hook, text)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	return resp
}

func (e *env) post(t *testing.T, addr string, form url.Values, header http.Header) smstest.Response {
	t.Helper()
	resp, err := e.provider.Post(context.Background(), addr, form, header)
	if err != nil {
		t.Fatalf("post: %v", err)
	}
	return resp
}

func wantTwiML(t *testing.T, resp smstest.Response) {
	t.Helper()
	if resp.Status != http.StatusOK {
		t.Fatalf("status %d (%q), want 200", resp.Status, resp.Body)
	}
	if !strings.HasPrefix(resp.ContentType, "text/xml") {
		t.Errorf("content type %q, want text/xml", resp.ContentType)
	}
	if !strings.Contains(resp.Body, "<Response></Response>") {
		t.Errorf("body %q, want an empty TwiML response", resp.Body)
	}
}

// status sends req and returns the answer's status.
func status(t *testing.T, req *http.Request) int {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// wantNothingChanged asserts that a refused request reached neither the
// engine nor the suppression list (the refused texts say STOP).
func (e *env) wantNothingChanged(t *testing.T) {
	t.Helper()
	if n := len(e.inbox.messages()); n != 0 {
		t.Errorf("inbox got %d messages, want 0", n)
	}
	if out, _ := e.store.SMSSuppressed(context.Background(), patient); out {
		t.Error("a refused STOP changed the suppression list")
	}
}
