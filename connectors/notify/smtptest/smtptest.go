// Package smtptest runs a real SMTP server in a test, on 127.0.0.1 and a
// random port, and hands over what it receives. It is built on
// github.com/emersion/go-smtp and can require AUTH PLAIN, offer STARTTLS
// or speak implicit TLS, and fail chosen commands on demand.
package smtptest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Limits of the test server.
const (
	maxMessageBytes = 1 << 20
	ioTimeout       = 10 * time.Second
)

// Message is one message the server accepted.
type Message struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO)
	Data string   // the raw message: headers, blank line, body; CRLF lines
	User string   // the authenticated user, "" if none
	TLS  bool     // whether the session was encrypted
}

// Option changes what the server offers.
type Option func(*Server)

// WithAuth makes the server offer AUTH PLAIN and refuse mail from a client
// that has not authenticated with this username and password.
func WithAuth(username, password string) Option {
	return func(s *Server) { s.username, s.password = username, password }
}

// WithStartTLS makes the server offer STARTTLS with a generated
// certificate (see ClientTLSConfig). With WithAuth, credentials are then
// accepted only over TLS.
func WithStartTLS() Option {
	return func(s *Server) { s.startTLS = true }
}

// WithImplicitTLS makes the server speak TLS from the first byte (SMTPS).
func WithImplicitTLS() Option {
	return func(s *Server) { s.implicitTLS = true }
}

// Server is a running test SMTP server. It stops when the test ends.
type Server struct {
	Addr string // host:port to dial

	username, password    string
	startTLS, implicitTLS bool
	pool                  *x509.CertPool

	mu       sync.Mutex
	received []Message
	next     int // index of the next message Wait returns
	arrived  chan struct{}
	failures map[string][]*smtp.SMTPError
	srv      *smtp.Server
}

// Start runs a server on 127.0.0.1 with a random port until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{}), failures: make(map[string][]*smtp.SMTPError)}
	for _, o := range opts {
		o(s)
	}

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.ReadTimeout = ioTimeout
	srv.WriteTimeout = ioTimeout
	srv.MaxMessageBytes = maxMessageBytes
	srv.MaxRecipients = 10
	srv.EnableSMTPUTF8 = true
	srv.ErrorLog = log.New(io.Discard, "", 0) // clients hanging up mid-test are expected
	srv.AllowInsecureAuth = !s.startTLS && !s.implicitTLS

	var tlsConfig *tls.Config
	if s.startTLS || s.implicitTLS {
		cert, pool := SelfSignedCert(t)
		s.pool = pool
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if s.startTLS {
		srv.TLSConfig = tlsConfig
	}

	var l net.Listener
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	if s.implicitTLS {
		l = tls.NewListener(l, tlsConfig)
	}
	s.Addr = l.Addr().String()
	s.srv = srv

	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("smtptest: serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		// Close misses a listener that Serve has not registered yet.
		l.Close()
		<-done
	})
	return s
}

// ClientTLSConfig returns a client configuration that trusts the server's
// certificate, or nil when the server offers no TLS.
func (s *Server) ClientTLSConfig() *tls.Config {
	if s.pool == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// FailNext makes the next MAIL, RCPT or DATA command (as named) fail with
// the given reply code and text, e.g. FailNext("RCPT", 550, "no such
// user"). Calls queue up: each failure is used once.
func (s *Server) FailNext(command string, code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[command] = append(s.failures[command], &smtp.SMTPError{
		Code:         code,
		EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0},
		Message:      message,
	})
}

// Messages returns every message accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.received...)
}

// Wait returns the next accepted message that no earlier Wait returned,
// waiting for one to arrive until ctx is done.
func (s *Server) Wait(ctx context.Context) (Message, error) {
	for {
		s.mu.Lock()
		if s.next < len(s.received) {
			m := s.received[s.next]
			s.next++
			s.mu.Unlock()
			return m, nil
		}
		arrived := s.arrived
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-ctx.Done():
			return Message{}, ctx.Err()
		}
	}
}

// fail pops a queued failure for command, or returns nil.
func (s *Server) fail(command string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.failures[command]
	if len(q) == 0 {
		return nil
	}
	s.failures[command] = q[1:]
	return q[0]
}

func (s *Server) accept(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	sess := &session{srv: s, conn: c}
	if s.username != "" {
		return &authSession{sess}, nil
	}
	return sess, nil
}

// session is one client's mail transaction.
type session struct {
	srv  *Server
	conn *smtp.Conn
	user string
	msg  Message
}

func (se *session) authRequired() bool { return se.srv.username != "" && se.user == "" }

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	if se.authRequired() {
		return smtp.ErrAuthRequired
	}
	if err := se.srv.fail("MAIL"); err != nil {
		return err
	}
	se.msg = Message{From: from}
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if se.authRequired() {
		return smtp.ErrAuthRequired
	}
	if err := se.srv.fail("RCPT"); err != nil {
		return err
	}
	se.msg.To = append(se.msg.To, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := se.srv.fail("DATA"); err != nil {
		return err
	}
	m := se.msg
	m.Data = string(b)
	m.User = se.user
	_, m.TLS = se.conn.TLSConnectionState()
	se.srv.accept(m)
	return nil
}

func (se *session) Reset()        { se.msg = Message{} }
func (se *session) Logout() error { return nil }

// authSession is a session on a server that requires AUTH PLAIN.
type authSession struct{ *session }

func (a *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (a *authSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != a.srv.username || password != a.srv.password || (identity != "" && identity != username) {
			return smtp.ErrAuthFailed
		}
		a.user = username
		return nil
	}), nil
}
