package web

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSlowlorisClientIsDropped(t *testing.T) {
	const headerWait = 200 * time.Millisecond
	ts := startServer(t, newFakeEngine(), Deps{}, nil, func(s *Server) { s.http.ReadHeaderTimeout = headerWait })
	conn, err := net.Dial("tcp", strings.TrimPrefix(ts.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn) // returns when the server hangs up
		close(closed)
	}()
	request := "GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: " + strings.Repeat("slow", 50) + "\r\n\r\n"
	tick := time.NewTicker(headerWait / 10)
	defer tick.Stop()
	start := time.Now()
	for i := 0; i < len(request); i++ {
		select {
		case <-closed:
			if took := time.Since(start); took > headerWait*10 {
				t.Errorf("dropped after %v, want about %v", took, headerWait)
			}
			return
		case <-tick.C:
			if _, err := conn.Write([]byte{request[i]}); err != nil {
				return // dropped
			}
		}
	}
	t.Fatal("the server waited for a header sent one byte at a time")
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	ts := startServer(t, newFakeEngine(), Deps{}, func(c *Config) { c.Demo = true }, nil)
	host := strings.TrimPrefix(ts.base, "http://")
	want := map[string]string{
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "same-origin",
		"X-Frame-Options":            "DENY",
		"Cross-Origin-Opener-Policy": "same-origin",
	}
	cspParts := []string{"default-src 'self'", "script-src 'self'", "style-src 'self'",
		"connect-src 'self' ws://" + host + " wss://" + host, "frame-ancestors 'none'",
		"object-src 'none'", "base-uri 'none'"}
	tests := []struct {
		path   string
		status int
		cache  string
	}{
		{"/", http.StatusOK, "no-store"},
		{"/healthz", http.StatusOK, "no-store"},
		{"/readyz", http.StatusOK, "no-store"},
		{"/static/portico.css", http.StatusOK, staticCache},
		{"/static/", http.StatusNotFound, "no-store"}, // no directory listing
		{"/nowhere", http.StatusNotFound, "no-store"},
		{"/ws", http.StatusForbidden, "no-store"}, // no Origin
	}
	for _, tt := range tests {
		resp, err := http.Get(ts.base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s: got status %d, want %d", tt.path, resp.StatusCode, tt.status)
		}
		for k, v := range want {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("%s: got %s %q, want %q", tt.path, k, got, v)
			}
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, p := range cspParts {
			if !strings.Contains(csp, p) {
				t.Errorf("%s: CSP %q lacks %q", tt.path, csp, p)
			}
		}
		if resp.Header.Get("Permissions-Policy") == "" {
			t.Errorf("%s: no Permissions-Policy", tt.path)
		}
		if got := resp.Header.Get("Cache-Control"); got != tt.cache {
			t.Errorf("%s: got Cache-Control %q, want %q", tt.path, got, tt.cache)
		}
		if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s: HSTS %q over plain HTTP", tt.path, got)
		}
	}
}

func TestHSTSWhenTheOriginIsHTTPS(t *testing.T) {
	s := New(Config{PublicURL: "https://chat.example.org"}, newFakeEngine(), Deps{}, discardLog())
	rec := get(s.Handler(), "/healthz")
	if got := rec.Header().Get("Strict-Transport-Security"); got != hstsValue {
		t.Errorf("got HSTS %q, want %q", got, hstsValue)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "wss://chat.example.org") {
		t.Errorf("got CSP %q, want connect-src for wss://chat.example.org", csp)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	var readyErr error
	ts := startServer(t, newFakeEngine(), Deps{Ready: func(context.Context) error { return readyErr }}, nil, nil)
	tests := []struct {
		path     string
		readyErr error
		status   int
		body     string
	}{
		{"/healthz", nil, http.StatusOK, "ok\n"},
		{"/healthz", errors.New("db closed"), http.StatusOK, "ok\n"},
		{"/readyz", nil, http.StatusOK, "ready\n"},
		{"/readyz", errors.New("db closed"), http.StatusServiceUnavailable, "not ready\n"},
	}
	for _, tt := range tests {
		readyErr = tt.readyErr
		resp, err := http.Get(ts.base + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || string(body) != tt.body {
			t.Errorf("%s with ready error %v: got %d %q, want %d %q", tt.path, tt.readyErr, resp.StatusCode, body, tt.status, tt.body)
		}
	}
}

func TestNotReadyWhileShuttingDown(t *testing.T) {
	s := New(Config{}, newFakeEngine(), Deps{}, discardLog())
	if got := get(s.Handler(), "/readyz").Code; got != http.StatusOK {
		t.Fatalf("got %d before shutdown, want 200", got)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := get(s.Handler(), "/readyz").Code; got != http.StatusServiceUnavailable {
		t.Errorf("got %d during shutdown, want 503", got)
	}
}

func TestServerTimeoutsAreSet(t *testing.T) {
	h := New(Config{}, newFakeEngine(), Deps{}, discardLog()).http
	if h.ReadHeaderTimeout <= 0 || h.ReadTimeout <= 0 || h.WriteTimeout <= 0 || h.IdleTimeout <= 0 || h.MaxHeaderBytes <= 0 {
		t.Errorf("got ReadHeaderTimeout %v, ReadTimeout %v, WriteTimeout %v, IdleTimeout %v, MaxHeaderBytes %d; want all set",
			h.ReadHeaderTimeout, h.ReadTimeout, h.WriteTimeout, h.IdleTimeout, h.MaxHeaderBytes)
	}
}
