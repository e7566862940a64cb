package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/portico-chat/portico/bot"
)

// DefaultSMTPTimeout bounds one whole SMTP conversation, from dial to QUIT,
// when SMTPConfig.Timeout is zero.
const DefaultSMTPTimeout = 30 * time.Second

// SMTPConfig configures the email transport.
type SMTPConfig struct {
	Addr     string // host:port of the submission server
	Username string // AUTH PLAIN user; "" for no authentication
	Password string
	From     string // RFC 5322 address, e.g. "Portico <no-reply@clinic.example>"
	// StartTLS, when true, refuses a server that does not offer STARTTLS.
	// Either way STARTTLS is used whenever the server offers it.
	StartTLS bool
	// ImplicitTLS connects with TLS from the first byte (SMTPS, port 465).
	ImplicitTLS bool
	// TLSConfig verifies the server; nil means the system roots and the
	// host name of Addr. Tests pass one that trusts a test CA.
	TLSConfig *tls.Config
	Timeout   time.Duration // whole conversation; DefaultSMTPTimeout if zero
	HelloName string        // EHLO name; the host name if empty
}

// SMTP sends email deliveries through a submission server, one connection
// per message.
type SMTP struct {
	c SMTPConfig
}

// NewSMTP returns an email transport. Configuration problems are reported
// by Send, as errors the sender retries (an operator can fix them).
func NewSMTP(c SMTPConfig) *SMTP {
	if c.Timeout <= 0 {
		c.Timeout = DefaultSMTPTimeout
	}
	if c.HelloName == "" {
		c.HelloName = defaultHelloName()
	}
	return &SMTP{c: c}
}

// Send delivers d by email. The whole conversation is bounded by the
// configured Timeout and by ctx. Errors are *SendError: a 5xx reply to
// RCPT or DATA, or a malformed recipient, is permanent (errors.Is
// ErrPermanent); anything else may succeed on a retry.
func (s *SMTP) Send(ctx context.Context, d bot.Delivery) error {
	from, err := mail.ParseAddress(s.c.From)
	if err != nil {
		return s.fail("config", fmt.Errorf("parse From address: %w", err))
	}
	to, err := mail.ParseAddress(d.To)
	if err != nil {
		// The parser's message quotes its input: keep it out.
		return &SendError{Transport: "smtp", Stage: "rcpt", Permanent: true, Err: errors.New("malformed recipient address")}
	}
	msg, err := composeEmail(from, to, d.Subject, d.Text, time.Now())
	if err != nil {
		return s.fail("config", err)
	}

	deadline := time.Now().Add(s.c.Timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	host, _, err := net.SplitHostPort(s.c.Addr)
	if err != nil {
		return s.fail("config", fmt.Errorf("smtp address: %w", err))
	}

	conn, err := s.dial(ctx, host, deadline)
	if err != nil {
		return s.fail("dial", err)
	}
	defer conn.Close()
	// One deadline for the whole conversation; cancelling ctx aborts
	// whatever read or write is in progress.
	if err := conn.SetDeadline(deadline); err != nil {
		return s.fail("dial", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	if se := s.converse(conn, host, from.Address, to.Address, msg); se != nil {
		if cerr := ctx.Err(); cerr != nil {
			// Closing the connection on cancel shows up as a network error;
			// name the real cause.
			se.Err = cerr
		}
		return se
	}
	return nil
}

// converse runs the SMTP dialogue on an open connection.
func (s *SMTP) converse(conn net.Conn, host, from, to string, msg []byte) *SendError {
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return s.fail("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(s.c.HelloName); err != nil {
		return s.fail("greeting", err)
	}
	_, isTLS := c.TLSConnectionState()
	if !isTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig(host)); err != nil {
				return s.fail("starttls", err)
			}
			isTLS = true
		} else if s.c.StartTLS {
			return s.fail("starttls", errors.New("server does not offer STARTTLS"))
		}
	}
	if s.c.Username != "" {
		if !isTLS && !isLoopback(host) {
			return s.fail("auth", errors.New("refusing to send credentials without TLS"))
		}
		if ok, mechs := c.Extension("AUTH"); !ok || !hasWord(mechs, "PLAIN") {
			return s.fail("auth", errors.New("server does not offer AUTH PLAIN"))
		}
		if err := c.Auth(smtp.PlainAuth("", s.c.Username, s.c.Password, host)); err != nil {
			return s.fail("auth", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return s.fail("mail", err)
	}
	if err := c.Rcpt(to); err != nil {
		return s.fail("rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return s.fail("data", err)
	}
	if _, err := w.Write(msg); err != nil {
		return s.fail("data", err)
	}
	if err := w.Close(); err != nil {
		return s.fail("data", err)
	}
	// The message is accepted; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

func (s *SMTP) dial(ctx context.Context, host string, deadline time.Time) (net.Conn, error) {
	d := &net.Dialer{Deadline: deadline}
	if s.c.ImplicitTLS {
		td := &tls.Dialer{NetDialer: d, Config: s.tlsConfig(host)}
		return td.DialContext(ctx, "tcp", s.c.Addr)
	}
	return d.DialContext(ctx, "tcp", s.c.Addr)
}

func (s *SMTP) tlsConfig(host string) *tls.Config {
	var c *tls.Config
	if s.c.TLSConfig != nil {
		c = s.c.TLSConfig.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	if c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// fail turns a server reply or a local error into a SendError that
// carries the reply's codes but not its text.
func (s *SMTP) fail(stage string, err error) *SendError {
	e := &SendError{Transport: "smtp", Stage: stage}
	var reply *textproto.Error
	if !errors.As(err, &reply) {
		e.Err = err
		return e
	}
	e.Status = reply.Code
	e.Detail, e.Message = splitEnhancedCode(reply.Msg)
	// Only the recipient and the message itself are worth giving up on;
	// other stages fail for every message alike (configuration, an
	// overloaded server) and deserve the retries.
	e.Permanent = reply.Code/100 == 5 && (stage == "rcpt" || stage == "data")
	return e
}

// splitEnhancedCode splits an RFC 3463 enhanced status code ("5.1.1") off
// the front of a reply text.
func splitEnhancedCode(msg string) (code, rest string) {
	first, rest, _ := strings.Cut(msg, " ")
	parts := strings.Split(first, ".")
	if len(parts) != 3 {
		return "", msg
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" {
			return "", msg
		}
	}
	return first, rest
}

func hasWord(list, word string) bool {
	for _, w := range strings.Fields(list) {
		if strings.EqualFold(w, word) {
			return true
		}
	}
	return false
}

// isLoopback reports whether host names this machine, where credentials
// in clear never cross a network.
// It matches net/smtp's PlainAuth, which enforces the same rule.
func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func defaultHelloName() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, "\r\n ") {
		return h
	}
	return "localhost"
}
