package web

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/portico-chat/portico/bot"
)

// clientIPs works out who is on the other end of a request. Only the
// connection's remote address is believed, unless it is a trusted proxy:
// then X-Forwarded-For is read from the right, skipping trusted proxies.
type clientIPs struct {
	trusted []netip.Prefix
}

// newClientIPs parses the trusted proxies; malformed entries are left out
// (Config.Validate reports them).
func newClientIPs(proxies []string) clientIPs {
	var c clientIPs
	for _, s := range proxies {
		if p, err := parsePrefix(s); err == nil {
			c.trusted = append(c.trusted, p)
		}
	}
	return c
}

// of returns the client's IP address as a string.
func (c clientIPs) of(r *http.Request) string {
	addr := remoteAddr(r.RemoteAddr)
	if !addr.IsValid() {
		return r.RemoteAddr
	}
	if !c.isTrusted(addr) {
		return addr.String()
	}
	// The rightmost address not of a trusted proxy is the one the
	// nearest trusted proxy saw; anything left of it is client-made.
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		if !c.isTrusted(a) {
			return a.String()
		}
		addr = a
	}
	return addr.String()
}

// ipKey is the key per-IP limits count the request's client under: its
// address, or its IPv6 network of cfg.IPv6Prefix bits (bot.IPKey). Audit
// rows and logs keep the full address (ips.of).
func (s *Server) ipKey(r *http.Request) string {
	return bot.IPKey(s.ips.of(r), s.cfg.IPv6Prefix)
}

func (c clientIPs) isTrusted(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// remoteAddr parses a RemoteAddr "ip:port"; invalid when it isn't one.
func remoteAddr(s string) netip.Addr {
	host, _, err := net.SplitHostPort(s)
	if err != nil {
		host = s
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}
