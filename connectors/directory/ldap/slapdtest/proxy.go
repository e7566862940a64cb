package slapdtest

import (
	"bufio"
	"bytes"
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
	accepted atomic.Int64
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

// Connections returns how many connections clients have opened.
func (p *Proxy) Connections() int64 { return p.accepted.Load() }

// Drop closes every connection open through the proxy, as a server or a
// firewall dropping idle connections would; new ones are still accepted.
func (p *Proxy) Drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *Proxy) accept(target string) {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
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
			p.forward(client, server)
			server.Close()
		}()
		go func() {
			defer p.wg.Done()
			_, _ = io.Copy(client, server)
			client.Close()
		}()
	}
}

// forward copies LDAP messages from client to server one whole message
// at a time, counting each before it is sent, so the count is up to date
// by the time the client can have an answer. Bytes that do not parse as
// BER are passed through uncounted.
func (p *Proxy) forward(client io.Reader, server io.Writer) {
	br := bufio.NewReader(client)
	for {
		msg, err := readMessage(br)
		if err != nil {
			_, _ = server.Write(msg)
			_, _ = io.Copy(server, br)
			return
		}
		p.requests.Add(1)
		if _, err := server.Write(msg); err != nil {
			return
		}
	}
}

// readMessage reads one BER element (tag, definite length, content); on
// error it returns what it read.
func readMessage(br *bufio.Reader) ([]byte, error) {
	var buf bytes.Buffer
	tag, err := br.ReadByte()
	if err != nil {
		return nil, err
	}
	buf.WriteByte(tag)
	n, err := berLength(br, &buf)
	if err != nil {
		return buf.Bytes(), err
	}
	_, err = io.CopyN(&buf, br, n)
	return buf.Bytes(), err
}

// berLength reads a BER definite length, copying its bytes to buf.
func berLength(br *bufio.Reader, buf *bytes.Buffer) (int64, error) {
	b, err := br.ReadByte()
	if err != nil {
		return 0, err
	}
	buf.WriteByte(b)
	if b < 0x80 {
		return int64(b), nil
	}
	var n int64
	for i := 0; i < int(b&0x7f); i++ {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		buf.WriteByte(c)
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
