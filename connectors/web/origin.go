package web

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// originPattern is one allowlist entry: an exact origin, or a scheme and
// host with any port ("http://localhost:*").
type originPattern struct {
	scheme, host string
	port         string // "" for the scheme's default port; "*" for any
}

// parseOriginPattern reads an allowlist entry.
func parseOriginPattern(s string) (originPattern, error) {
	s = lowerASCII(strings.TrimSpace(s))
	wild := strings.HasSuffix(s, ":*")
	if wild {
		s = strings.TrimSuffix(s, ":*")
	}
	o, err := parseOrigin(s)
	if err != nil {
		return originPattern{}, err
	}
	if wild {
		if o.port != "" {
			return originPattern{}, fmt.Errorf("a port wildcard replaces the port")
		}
		o.port = "*"
	}
	return o, nil
}

// parseOrigin reads a browser Origin header value: scheme://host[:port],
// nothing else.
func parseOrigin(s string) (originPattern, error) {
	u, err := url.Parse(lowerASCII(s))
	if err != nil {
		return originPattern{}, fmt.Errorf("parse origin: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return originPattern{}, fmt.Errorf("scheme must be http or https")
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return originPattern{}, fmt.Errorf("want scheme://host[:port]")
	}
	if !validHost(u.Hostname()) {
		return originPattern{}, fmt.Errorf("not a host name or IP address")
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	return originPattern{scheme: u.Scheme, host: u.Hostname(), port: port}, nil
}

// String formats the pattern as an origin.
func (p originPattern) String() string {
	s := p.scheme + "://" + p.host
	if strings.Contains(p.host, ":") {
		s = p.scheme + "://[" + p.host + "]"
	}
	if p.port != "" {
		s += ":" + p.port
	}
	return s
}

func (p originPattern) match(o originPattern) bool {
	return p.scheme == o.scheme && p.host == o.host && (p.port == "*" || p.port == o.port)
}

// originPolicy decides which browser origins may open the patient socket.
type originPolicy struct {
	allowed []originPattern
	// sameHost also admits an origin whose host:port is the request's
	// Host; it applies when no PublicURL or explicit allowlist names the
	// server's own origin.
	sameHost bool
}

// newOriginPolicy builds the allowlist from the configuration; entries
// that do not parse are left out (Config.Validate reports them).
func newOriginPolicy(c Config) originPolicy {
	var p originPolicy
	for _, s := range c.AllowedOrigins {
		if o, err := parseOriginPattern(s); err == nil {
			p.allowed = append(p.allowed, o)
		}
	}
	if len(c.AllowedOrigins) > 0 {
		return p
	}
	if o, err := parseOrigin(c.PublicURL); c.PublicURL != "" && err == nil {
		p.allowed = append(p.allowed, o)
	} else {
		p.sameHost = true
	}
	if c.Demo {
		for _, s := range demoOrigins {
			o, _ := parseOriginPattern(s)
			p.allowed = append(p.allowed, o)
		}
	}
	return p
}

// demoOrigins are allowed by default in demo mode, for local development.
var demoOrigins = []string{"http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"}

// allow reports whether r's Origin header is allowed. A missing Origin is
// refused: every browser sends one on a WebSocket handshake.
func (p originPolicy) allow(r *http.Request) bool {
	h := r.Header.Values("Origin")
	if len(h) != 1 {
		return false
	}
	o, err := parseOrigin(h[0])
	if err != nil {
		return false
	}
	for _, a := range p.allowed {
		if a.match(o) {
			return true
		}
	}
	return p.sameHost && sameHost(o, r.Host)
}

// sameHost reports whether origin o names the host (and port) the request
// was sent to.
func sameHost(o originPattern, host string) bool {
	h, err := parseOrigin(o.scheme + "://" + host)
	return err == nil && h.host == o.host && h.port == o.port
}

// lowerASCII lower-cases ASCII letters only (hosts and schemes).
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// validHost reports whether h is a DNS name or an IP address.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
