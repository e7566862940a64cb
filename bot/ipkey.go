package bot

import (
	"net/netip"
	"strings"
)

// IPKey is the key a per-address limit counts a client under: an IPv4
// address as it is, an IPv6 address by its first v6Prefix bits (64 by
// default: one customer's network, which holds more addresses than any
// limit could count one by one). Audit rows keep the full address; only
// limits group. Anything that does not parse is its own key.
func IPKey(addr string, v6Prefix int) string {
	a, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil {
		return addr
	}
	a = a.Unmap()
	if a.Is4() || v6Prefix <= 0 || v6Prefix >= 128 {
		return a.WithZone("").String()
	}
	p, err := a.WithZone("").Prefix(v6Prefix)
	if err != nil {
		return a.String()
	}
	return p.String()
}
