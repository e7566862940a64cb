package ldap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
)

// pool keeps up to size connections bound as the service account, so a
// call costs its own operations and no TCP, TLS or bind. A connection is
// checked before reuse when it sat idle longer than idleCheck, replaced
// when it broke, and never shared by two calls at once.
type pool struct {
	cfg   Config
	addr  string // host:port
	ldaps bool   // TLS from the first byte
	tls   *tls.Config
	now   func() time.Time

	slots chan struct{} // one token per connection a call may hold
	idle  chan *conn    // bound connections waiting for a call

	mu     sync.Mutex
	closed bool
}

// conn is one bound connection. raw is the TCP connection under any TLS,
// where deadlines are set: they bound every read and write, TLS and
// StartTLS included, whatever the LDAP library does.
type conn struct {
	l       *goldap.Conn
	raw     net.Conn
	timeout time.Duration
	used    time.Time
}

// errPoolClosed is returned after Close.
var errPoolClosed = errors.New("ldap pool closed")

func newPool(cfg Config, now func() time.Time) (*pool, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse url: %w", err)
	}
	port := u.Port()
	if port == "" {
		port = "389"
		if u.Scheme == "ldaps" {
			port = "636"
		}
	}
	p := &pool{
		cfg:   cfg,
		addr:  net.JoinHostPort(u.Hostname(), port),
		now:   now,
		slots: make(chan struct{}, cfg.PoolSize),
		idle:  make(chan *conn, cfg.PoolSize),
	}
	if u.Scheme == "ldaps" || cfg.StartTLS {
		p.tls = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("read ca_file: %w", err)
			}
			roots := x509.NewCertPool()
			if !roots.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", cfg.CAFile)
			}
			p.tls.RootCAs = roots
		}
	}
	p.ldaps = u.Scheme == "ldaps"
	return p, nil
}

// get returns a healthy bound connection, waiting for a free slot at most
// until ctx ends or the call timeout passes.
func (p *pool) get(ctx context.Context) (*conn, error) {
	wait := time.NewTimer(p.cfg.Timeout)
	defer wait.Stop()
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-wait.C:
		return nil, fmt.Errorf("all %d directory connections busy: %w", p.cfg.PoolSize, context.DeadlineExceeded)
	}
	c, err := p.take(ctx)
	if err != nil {
		<-p.slots
		return nil, err
	}
	return c, nil
}

// take reuses an idle connection that still works, or dials a new one.
func (p *pool) take(ctx context.Context) (*conn, error) {
	for {
		select {
		case c := <-p.idle:
			if c.l.IsClosing() {
				c.close()
				continue
			}
			if p.now().Sub(c.used) > p.cfg.IdleCheck && c.check(ctx) != nil {
				c.close()
				continue
			}
			return c, nil
		default:
			return p.dial(ctx)
		}
	}
}

// put gives a connection back: to the idle set if it may be reused,
// closed otherwise.
func (p *pool) put(c *conn, reuse bool) {
	defer func() { <-p.slots }()
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if !reuse || closed || c.l.IsClosing() {
		c.close()
		return
	}
	c.used = p.now()
	select {
	case p.idle <- c:
	default:
		c.close()
	}
}

// close closes the idle connections; connections in use are closed when
// they come back.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.drain()
}

// drain closes the idle connections: after one connection failed, the
// others most likely lead to the same dead server, and the next call
// should dial afresh rather than find out one by one.
func (p *pool) drain() {
	for {
		select {
		case c := <-p.idle:
			c.close()
		default:
			return
		}
	}
}

// dial opens, secures and binds a connection within the dial timeout.
func (p *pool) dial(ctx context.Context) (*conn, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, errPoolClosed
	}
	deadline := time.Now().Add(p.cfg.DialTimeout) // sockets keep real time; p.now is for idle ages
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	addr := p.addr
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	_ = raw.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = raw.SetDeadline(longAgo) })
	defer stop()

	var l *goldap.Conn
	if p.ldaps {
		tc := tls.Client(raw, p.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("tls handshake with %s: %w", addr, err)
		}
		l = goldap.NewConn(tc, true)
	} else {
		l = goldap.NewConn(raw, false)
	}
	l.Start()
	l.SetTimeout(p.cfg.Timeout)
	c := &conn{l: l, raw: raw, timeout: p.cfg.Timeout}
	if p.cfg.StartTLS {
		if err := l.StartTLS(p.tls); err != nil {
			c.close()
			return nil, fmt.Errorf("starttls with %s: %w", addr, err)
		}
	}
	if err := l.Bind(p.cfg.BindDN, p.cfg.BindPassword.reveal()); err != nil {
		c.close()
		if goldap.IsErrorWithCode(err, goldap.LDAPResultInvalidCredentials) {
			if problem := adBindProblem(diagnostic(err)); problem != "" {
				return nil, fmt.Errorf("%w (Active Directory says: %s)", errServiceBind, problem)
			}
			return nil, errServiceBind
		}
		return nil, fmt.Errorf("bind as the service account: %w", err)
	}
	if !stop() {
		c.close()
		return nil, ctx.Err()
	}
	_ = raw.SetDeadline(time.Time{})
	c.used = p.now()
	return c, nil
}

// errServiceBind: the server refused the service account's credentials.
// The message names neither the DN nor the password.
var errServiceBind = errors.New("the directory refused the service account's bind_dn and bind_password")

// longAgo is a deadline in the past: setting it wakes any blocked read.
var longAgo = time.Unix(1, 0)

// check asks for the root DSE, the cheapest request every server answers.
func (c *conn) check(ctx context.Context) error {
	_, err := c.search(ctx, &goldap.SearchRequest{
		BaseDN: "", Scope: goldap.ScopeBaseObject, Filter: "(objectClass=*)",
		Attributes: []string{"1.1"}, SizeLimit: 1,
	})
	return err
}

func (c *conn) close() { _ = c.l.Close() }

// bound sets the socket deadline for one operation: the call timeout or
// ctx's deadline, whichever comes first. A cancelled ctx wakes the
// operation at once. done must be called when the operation returns.
func (c *conn) bound(ctx context.Context) (done func()) {
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = c.raw.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = c.raw.SetDeadline(longAgo) })
	return func() {
		if stop() {
			_ = c.raw.SetDeadline(time.Time{})
		}
	}
}

// The operations the driver uses, each one round trip under bound.

func (c *conn) search(ctx context.Context, req *goldap.SearchRequest) (*goldap.SearchResult, error) {
	defer c.bound(ctx)()
	return c.l.Search(req)
}

func (c *conn) modify(ctx context.Context, req *goldap.ModifyRequest) error {
	defer c.bound(ctx)()
	return c.l.Modify(req)
}

func (c *conn) extended(ctx context.Context, req *goldap.ExtendedRequest) (*goldap.ExtendedResponse, error) {
	defer c.bound(ctx)()
	return c.l.Extended(req)
}
