package main

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"sync/atomic"
	"syscall"
)

// maxSources bounds how many 127.0.0.x source addresses connections are
// spread over (each has its own ~28,000 ephemeral ports).
const maxSources = 64

// raiseFileLimit lifts the soft open-files limit to the hard one and
// returns the result: each connection is a file descriptor.
func raiseFileLimit() (uint64, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, fmt.Errorf("read RLIMIT_NOFILE: %w", err)
	}
	if l.Cur < l.Max {
		l.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
			return 0, fmt.Errorf("raise RLIMIT_NOFILE: %w", err)
		}
	}
	return l.Cur, nil
}

// sources hands out source addresses 127.0.0.1 … 127.0.0.n in turn, so
// that many connections to one server port do not run one source address
// out of ephemeral ports.
type sources struct {
	addrs []*net.TCPAddr
	next  atomic.Uint64
}

func newSources(n int) *sources {
	n = max(1, min(n, maxSources))
	s := &sources{}
	for i := 1; i <= n; i++ {
		s.addrs = append(s.addrs, &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(i))})
	}
	return s
}

func (s *sources) pick() *net.TCPAddr {
	return s.addrs[s.next.Add(1)%uint64(len(s.addrs))]
}

// loopbackOnly refuses a target outside 127.0.0.0/8: the load generator
// must never send load to another machine.
func loopbackOnly(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url %q: %w", raw, err)
	}
	a, err := netip.ParseAddr(u.Hostname())
	if err != nil || !netip.MustParsePrefix("127.0.0.0/8").Contains(a.Unmap()) {
		return nil, fmt.Errorf("url %q: the load generator only targets 127.0.0.0/8 (give an IP, not a name)", raw)
	}
	return u, nil
}

// wsURL turns http://host/ into ws://host/ws.
func wsURL(base *url.URL) string {
	u := *base
	u.Scheme = "ws"
	if base.Scheme == "https" {
		u.Scheme = "wss"
	}
	u.Path = "/ws"
	return u.String()
}
