package slapdtest

import (
	"bufio"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP connections to a server and counts the LDAP
// messages clients send through it: one request is one round trip (an
// abandon or unbind, which get no answer, would count too; the driver
// sends neither in the middle of a call).
type Proxy struct {
	Addr     string // host:port to dial instead of the server
	requests atomic.Int64
	ln       net.Listener
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

// NewProxy starts a proxy to target (host:port), closed when the test
// ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("slapdtest: proxy: %v", err)
	}
	p := &Proxy{Addr: ln.Addr().String(), ln: ln}
	p.wg.Add(1)
	go p.accept(target)
	t.Cleanup(p.close)
	return p
}

// Requests returns how many LDAP messages clients have sent.
func (p *Proxy) Requests() int64 { return p.requests.Load() }

func (p *Proxy) accept(target string) {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() {
			defer p.wg.Done()
			br := bufio.NewReader(io.TeeReader(client, server))
			p.countMessages(br)
			_, _ = io.Copy(io.Discard, br) // keep forwarding whatever did not parse
			server.Close()
		}()
		go func() {
			defer p.wg.Done()
			_, _ = io.Copy(client, server)
			client.Close()
		}()
	}
}

// countMessages reads BER-framed LDAP messages (SEQUENCE tag, definite
// length) and counts them until the stream ends or stops parsing.
func (p *Proxy) countMessages(br *bufio.Reader) {
	for {
		if _, err := br.ReadByte(); err != nil { // the SEQUENCE tag
			return
		}
		n, err := berLength(br)
		if err != nil {
			return
		}
		if _, err := io.CopyN(io.Discard, br, n); err != nil {
			return
		}
		p.requests.Add(1)
	}
}

// berLength reads a BER definite length.
func berLength(br *bufio.Reader) (int64, error) {
	b, err := br.ReadByte()
	if err != nil {
		return 0, err
	}
	if b < 0x80 {
		return int64(b), nil
	}
	var n int64
	for i := 0; i < int(b&0x7f); i++ {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		n = n<<8 | int64(c)
	}
	return n, nil
}

func (p *Proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
