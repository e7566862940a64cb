package notify_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/notify"
	"github.com/portico-chat/portico/connectors/notify/smtptest"
)

// testWait bounds every wait in these tests; it is never slept.
const testWait = 5 * time.Second

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	t.Cleanup(cancel)
	return ctx
}

func codeEmail() bot.Delivery {
	return bot.Delivery{
		ID:      "d1",
		Channel: notify.ChannelEmail,
		To:      "Jane Roe <jane.roe@example.com>",
		Subject: "Your Portico code – código",
		Text:    "Your Portico code is 123456. It expires in 10 minutes. We will never ask for it.",
	}
}

func TestSMTPSendsWellFormedMessage(t *testing.T) {
	srv := smtptest.Start(t)
	s := notify.NewSMTP(notify.SMTPConfig{Addr: srv.Addr, From: "Portico <no-reply@clinic.example>", HelloName: "portico.test"})

	d := codeEmail()
	long := strings.Repeat("word ", 40) // longer than a quoted-printable line
	d.Text = "Your Portico code is 123456.\n.a line that starts with a dot\n.\n" + long + "\nfin"
	before := time.Now().Add(-time.Second)
	if err := s.Send(waitCtx(t), d); err != nil {
		t.Fatalf("Send: %v", err)
	}
	m, err := srv.Wait(waitCtx(t))
	if err != nil {
		t.Fatalf("no message received: %v", err)
	}

	if m.From != "no-reply@clinic.example" {
		t.Errorf("envelope from: got %q, want %q", m.From, "no-reply@clinic.example")
	}
	if len(m.To) != 1 || m.To[0] != "jane.roe@example.com" {
		t.Errorf("envelope to: got %q, want [jane.roe@example.com]", m.To)
	}
	headers := []struct{ name, want string }{
		{"From", `"Portico" <no-reply@clinic.example>`},
		{"To", `"Jane Roe" <jane.roe@example.com>`},
		{"Subject", "Your Portico code – código"},
		{"MIME-Version", "1.0"},
		{"Content-Type", "text/plain; charset=UTF-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
		{"Auto-Submitted", "auto-generated"},
	}
	for _, h := range headers {
		if got := m.Header(h.name); got != h.want {
			t.Errorf("header %s: got %q, want %q", h.name, got, h.want)
		}
	}
	if got := m.Header("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@clinic\.example>$`).MatchString(got) {
		t.Errorf("Message-ID: got %q, want <32 hex digits@clinic.example>", got)
	}
	date, err := mail.ParseDate(m.Header("Date"))
	if err != nil || date.Before(before) || date.After(time.Now().Add(time.Second)) {
		t.Errorf("Date: got %q (%v), want the time of sending", m.Header("Date"), err)
	}
	if got, want := m.Text(), d.Text+"\n"; got != want {
		t.Errorf("body: got %q, want %q", got, want)
	}
	for _, line := range strings.Split(m.Data, "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78 octets: %q", line)
		}
	}
	if m.User != "" || m.TLS {
		t.Errorf("got user %q, TLS %v; want no auth, no TLS", m.User, m.TLS)
	}
}

func TestSMTPSubjectCannotInjectHeaders(t *testing.T) {
	srv := smtptest.Start(t)
	s := notify.NewSMTP(notify.SMTPConfig{Addr: srv.Addr, From: "no-reply@clinic.example"})
	d := codeEmail()
	d.Subject = "Hello\r\nBcc: attacker@example.net"
	if err := s.Send(waitCtx(t), d); err != nil {
		t.Fatalf("Send: %v", err)
	}
	m, err := srv.Wait(waitCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Header("Bcc"); got != "" {
		t.Errorf("Bcc header: got %q, want none", got)
	}
	if len(m.To) != 1 {
		t.Errorf("recipients: got %q, want one", m.To)
	}
}

func TestSMTPSecurity(t *testing.T) {
	const user, pass = "portico", "correct horse battery staple"
	tests := []struct {
		name     string
		server   []smtptest.Option
		config   func(c *notify.SMTPConfig, srv *smtptest.Server)
		wantUser string
		wantTLS  bool
		wantErr  string // stage in the error; "" for success
	}{
		{
			name:    "STARTTLS used when offered",
			server:  []smtptest.Option{smtptest.WithStartTLS()},
			config:  func(c *notify.SMTPConfig, srv *smtptest.Server) { c.TLSConfig = srv.ClientTLSConfig() },
			wantTLS: true,
		},
		{
			name:   "STARTTLS required and offered",
			server: []smtptest.Option{smtptest.WithStartTLS()},
			config: func(c *notify.SMTPConfig, srv *smtptest.Server) {
				c.StartTLS = true
				c.TLSConfig = srv.ClientTLSConfig()
			},
			wantTLS: true,
		},
		{
			name:    "STARTTLS required but not offered",
			config:  func(c *notify.SMTPConfig, _ *smtptest.Server) { c.StartTLS = true },
			wantErr: "smtp starttls",
		},
		{
			name:   "untrusted certificate",
			server: []smtptest.Option{smtptest.WithStartTLS()},
			config: func(c *notify.SMTPConfig, _ *smtptest.Server) {
				c.TLSConfig = &tls.Config{RootCAs: nil, ServerName: "127.0.0.1"}
			},
			wantErr: "smtp starttls",
		},
		{
			name:   "AUTH PLAIN over STARTTLS",
			server: []smtptest.Option{smtptest.WithStartTLS(), smtptest.WithAuth(user, pass)},
			config: func(c *notify.SMTPConfig, srv *smtptest.Server) {
				c.StartTLS, c.TLSConfig = true, srv.ClientTLSConfig()
				c.Username, c.Password = user, pass
			},
			wantUser: user,
			wantTLS:  true,
		},
		{
			name:     "AUTH PLAIN in clear to loopback",
			server:   []smtptest.Option{smtptest.WithAuth(user, pass)},
			config:   func(c *notify.SMTPConfig, _ *smtptest.Server) { c.Username, c.Password = user, pass },
			wantUser: user,
		},
		{
			name:   "wrong password",
			server: []smtptest.Option{smtptest.WithStartTLS(), smtptest.WithAuth(user, pass)},
			config: func(c *notify.SMTPConfig, srv *smtptest.Server) {
				c.TLSConfig = srv.ClientTLSConfig()
				c.Username, c.Password = user, "wrong"
			},
			wantErr: "smtp auth: status 535",
		},
		{
			name:    "no credentials where required",
			server:  []smtptest.Option{smtptest.WithAuth(user, pass)},
			wantErr: "smtp mail: status 502",
		},
		{
			name:    "credentials but server offers no AUTH",
			config:  func(c *notify.SMTPConfig, _ *smtptest.Server) { c.Username, c.Password = user, pass },
			wantErr: "smtp auth",
		},
		{
			name:   "implicit TLS",
			server: []smtptest.Option{smtptest.WithImplicitTLS(), smtptest.WithAuth(user, pass)},
			config: func(c *notify.SMTPConfig, srv *smtptest.Server) {
				c.ImplicitTLS, c.TLSConfig = true, srv.ClientTLSConfig()
				c.Username, c.Password = user, pass
			},
			wantUser: user,
			wantTLS:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t, tt.server...)
			c := notify.SMTPConfig{Addr: srv.Addr, From: "no-reply@clinic.example", Timeout: testWait}
			if tt.config != nil {
				tt.config(&c, srv)
			}
			err := notify.NewSMTP(c).Send(waitCtx(t), codeEmail())
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one starting %q", err, tt.wantErr)
				}
				if errors.Is(err, notify.ErrPermanent) {
					t.Errorf("got a permanent error, want a retryable one: a setup problem hits every message alike")
				}
				if n := len(srv.Messages()); n != 0 {
					t.Errorf("server accepted %d messages, want 0", n)
				}
				if strings.Contains(err.Error(), pass) {
					t.Errorf("error %q holds the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			m, err := srv.Wait(waitCtx(t))
			if err != nil {
				t.Fatal(err)
			}
			if m.User != tt.wantUser || m.TLS != tt.wantTLS {
				t.Errorf("got user %q, TLS %v; want user %q, TLS %v", m.User, m.TLS, tt.wantUser, tt.wantTLS)
			}
		})
	}
}

func TestSMTPReplies(t *testing.T) {
	tests := []struct {
		name          string
		command       string
		code          int
		text          string
		wantPermanent bool
		wantErr       string
	}{
		{"busy at DATA", "DATA", 451, "try again later", false, "smtp data: status 451 (4.0.0)"},
		{"greylisted at RCPT", "RCPT", 450, "<jane.roe@example.com> greylisted", false, "smtp rcpt: status 450 (4.0.0)"},
		{"unknown recipient", "RCPT", 550, "<jane.roe@example.com>: no such user", true, "smtp rcpt: status 550 (5.0.0)"},
		{"content rejected", "DATA", 554, "message refused", true, "smtp data: status 554 (5.0.0)"},
		{"sender refused", "MAIL", 553, "sender not allowed", false, "smtp mail: status 553 (5.0.0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.Start(t)
			s := notify.NewSMTP(notify.SMTPConfig{Addr: srv.Addr, From: "no-reply@clinic.example"})
			srv.FailNext(tt.command, tt.code, tt.text)

			err := s.Send(waitCtx(t), codeEmail())
			if err == nil {
				t.Fatal("got nil error, want a failure")
			}
			if got := err.Error(); got != tt.wantErr {
				t.Errorf("error: got %q, want %q", got, tt.wantErr)
			}
			if got := errors.Is(err, notify.ErrPermanent); got != tt.wantPermanent {
				t.Errorf("permanent: got %v, want %v", got, tt.wantPermanent)
			}
			var se *notify.SendError
			if !errors.As(err, &se) || se.Status != tt.code || !strings.Contains(se.Message, tt.text) {
				t.Errorf("SendError: got %+v, want status %d and the server's text kept aside", se, tt.code)
			}

			// The failure was one-off: the retry goes through.
			if err := s.Send(waitCtx(t), codeEmail()); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if _, err := srv.Wait(waitCtx(t)); err != nil {
				t.Fatalf("retry not received: %v", err)
			}
		})
	}
}

func TestSMTPMalformedRecipientIsPermanent(t *testing.T) {
	srv := smtptest.Start(t)
	s := notify.NewSMTP(notify.SMTPConfig{Addr: srv.Addr, From: "no-reply@clinic.example"})
	d := codeEmail()
	d.To = "jane.roe at example dot com"
	err := s.Send(waitCtx(t), d)
	if !errors.Is(err, notify.ErrPermanent) {
		t.Fatalf("got %v, want a permanent error", err)
	}
	if strings.Contains(err.Error(), "jane") {
		t.Errorf("error %q quotes the recipient", err)
	}
}

// silentListener accepts TCP connections and never says a word, like a
// wedged mail server. Each accepted connection is announced on accepted.
func silentListener(t *testing.T) (addr string, accepted <-chan net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			ch <- c
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		close(ch)
		for c := range ch {
			c.Close()
		}
	})
	return l.Addr().String(), ch
}

func TestSMTPTimeoutOnSilentServer(t *testing.T) {
	addr, _ := silentListener(t)
	const timeout = 300 * time.Millisecond
	s := notify.NewSMTP(notify.SMTPConfig{Addr: addr, From: "no-reply@clinic.example", Timeout: timeout})

	start := time.Now()
	err := s.Send(context.Background(), codeEmail())
	elapsed := time.Since(start)

	var se *notify.SendError
	if !errors.As(err, &se) || !se.Timeout() {
		t.Fatalf("got %v, want a timeout", err)
	}
	if se.Stage != "greeting" {
		t.Errorf("stage: got %q, want greeting", se.Stage)
	}
	if errors.Is(err, notify.ErrPermanent) {
		t.Error("a timeout must be retryable")
	}
	if elapsed < timeout || elapsed > testWait {
		t.Errorf("Send took %v, want about %v", elapsed, timeout)
	}
}

func TestSMTPCancelAbortsSend(t *testing.T) {
	addr, accepted := silentListener(t)
	s := notify.NewSMTP(notify.SMTPConfig{Addr: addr, From: "no-reply@clinic.example", Timeout: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-accepted // the client is now waiting for a greeting
		cancel()
	}()
	done := make(chan error, 1)
	go func() { done <- s.Send(ctx, codeEmail()) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled in the chain", err)
		}
	case <-time.After(testWait):
		t.Fatal("Send did not return after cancel")
	}
}

func TestSMTPBadConfig(t *testing.T) {
	tests := []struct {
		name string
		c    notify.SMTPConfig
		want string
	}{
		{"no port", notify.SMTPConfig{Addr: "127.0.0.1", From: "a@b.example"}, "smtp config"},
		{"bad From", notify.SMTPConfig{Addr: "127.0.0.1:25", From: "not an address"}, "smtp config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := notify.NewSMTP(tt.c).Send(waitCtx(t), codeEmail())
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error starting %q", err, tt.want)
			}
			if errors.Is(err, notify.ErrPermanent) {
				t.Error("configuration errors must be retryable: the operator can fix them")
			}
		})
	}
}
