package metrics

import (
	"net"
	"sync"
)

// CountConnections wraps the main listener so that the
// portico_http_connections gauge follows its open connections, hijacked
// WebSockets included (their Close is the wrapped one).
func (p *Prometheus) CountConnections(l net.Listener) net.Listener {
	return &countingListener{Listener: l, p: p}
}

type countingListener struct {
	net.Listener
	p *Prometheus
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.p.httpConns.Inc()
	return &countedConn{Conn: c, p: l.p}, nil
}

// countedConn decrements the gauge once, however often it is closed.
type countedConn struct {
	net.Conn
	p    *Prometheus
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(c.p.httpConns.Dec)
	return c.Conn.Close()
}
