package web

import (
	"net/http/httptest"
	"testing"
)

func TestOriginPolicy(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		host   string // the request's Host
		origin string // "" sends none
		want   bool
	}{
		{"public url", Config{PublicURL: "https://chat.example.org"}, "chat.example.org", "https://chat.example.org", true},
		{"public url, explicit port", Config{PublicURL: "https://chat.example.org"}, "chat.example.org", "https://chat.example.org:443", true},
		{"public url, other scheme", Config{PublicURL: "https://chat.example.org"}, "chat.example.org", "http://chat.example.org", false},
		{"public url, case", Config{PublicURL: "https://Chat.Example.org/"}, "x", "https://CHAT.example.org", true},
		{"foreign", Config{PublicURL: "https://chat.example.org"}, "chat.example.org", "https://evil.example", false},
		{"suffix trick", Config{PublicURL: "https://chat.example.org"}, "chat.example.org", "https://chat.example.org.evil.example", false},
		{"missing", Config{PublicURL: "https://chat.example.org"}, "chat.example.org", "", false},
		{"null", Config{PublicURL: "https://chat.example.org"}, "chat.example.org", "null", false},
		{"with path", Config{PublicURL: "https://chat.example.org"}, "chat.example.org", "https://chat.example.org/x", false},
		{"with user", Config{PublicURL: "https://chat.example.org"}, "chat.example.org", "https://a@chat.example.org", false},
		{"no public url: same host", Config{}, "10.0.0.5:8080", "http://10.0.0.5:8080", true},
		{"no public url: other port", Config{}, "10.0.0.5:8080", "http://10.0.0.5:9090", false},
		{"no public url: default port", Config{}, "portal.test", "http://portal.test:80", true},
		{"localhost outside demo", Config{PublicURL: "https://chat.example.org"}, "chat.example.org", "http://localhost:3000", false},
		{"localhost in demo", Config{Demo: true, PublicURL: "https://chat.example.org"}, "chat.example.org", "http://localhost:3000", true},
		{"127.0.0.1 in demo", Config{Demo: true}, "x", "http://127.0.0.1:5173", true},
		{"https localhost in demo", Config{Demo: true}, "x", "https://localhost:3000", false},
		{"allowlist exact", Config{AllowedOrigins: []string{"https://portal.example.org"}}, "chat", "https://portal.example.org", true},
		{"allowlist replaces defaults", Config{Demo: true, AllowedOrigins: []string{"https://portal.example.org"}}, "localhost:80", "http://localhost:3000", false},
		{"allowlist port wildcard", Config{AllowedOrigins: []string{"http://dev.test:*"}}, "chat", "http://dev.test:1234", true},
		{"allowlist wildcard, no port", Config{AllowedOrigins: []string{"http://dev.test:*"}}, "chat", "http://dev.test", true},
		{"allowlist wildcard is not a host wildcard", Config{AllowedOrigins: []string{"http://dev.test:*"}}, "chat", "http://a.dev.test:1", false},
		{"bad allowlist entry ignored", Config{AllowedOrigins: []string{"*", "ftp://x"}}, "x", "http://x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/ws", nil)
			r.Host = tt.host
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if got := newOriginPolicy(tt.cfg).allow(r); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"empty", Config{}, true},
		{"good", Config{PublicURL: "https://a.example", AllowedOrigins: []string{"http://localhost:*"},
			TrustedProxies: []string{"10.0.0.0/8", "192.168.1.1"}, TLSCertFile: "c", TLSKeyFile: "k"}, true},
		{"bad public url", Config{PublicURL: "chat.example.org"}, false},
		{"bad origin", Config{AllowedOrigins: []string{"https://*.example.org"}}, false},
		{"bad proxy", Config{TrustedProxies: []string{"proxy.local"}}, false},
		{"half tls", Config{TLSCertFile: "c"}, false},
		{"negative limit", Config{MaxConnsPerIP: -1}, false},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: got %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}
