package smtptest_test

import (
	"context"
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/notify/smtptest"
)

func send(t *testing.T, addr, auth, body string) error {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if auth != "" {
		user, pass, _ := strings.Cut(auth, ":")
		if err := c.Auth(smtp.PlainAuth("", user, pass, "127.0.0.1")); err != nil {
			return err
		}
	}
	if err := c.Mail("from@example.com"); err != nil {
		return err
	}
	if err := c.Rcpt("to@example.com"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte("Subject: test\r\n\r\n" + body + "\r\n")); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestWaitReturnsEachMessageOnceInOrder(t *testing.T) {
	srv := smtptest.Start(t)
	for _, body := range []string{"one", "two"} {
		if err := send(t, srv.Addr, "", body); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"one\n", "two\n"} {
		m, err := srv.Wait(ctx(t))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Text(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if m.From != "from@example.com" || len(m.To) != 1 || m.To[0] != "to@example.com" {
			t.Errorf("envelope: got %q → %q", m.From, m.To)
		}
		if m.Header("Subject") != "test" {
			t.Errorf("Subject: got %q, want test", m.Header("Subject"))
		}
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("Messages: got %d, want 2", n)
	}
	c, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := srv.Wait(c); err == nil {
		t.Error("Wait with nothing new and a done ctx: got nil error")
	}
}

func TestAuthRequired(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithAuth("u", "p"))
	err := send(t, srv.Addr, "", "x")
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code != 502 {
		t.Fatalf("without AUTH: got %v, want 502", err)
	}
	if err := send(t, srv.Addr, "u:wrong", "x"); !errors.As(err, &te) || te.Code != 535 {
		t.Fatalf("wrong password: got %v, want 535", err)
	}
	if err := send(t, srv.Addr, "u:p", "x"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	m, err := srv.Wait(ctx(t))
	if err != nil || m.User != "u" {
		t.Fatalf("got %+v, %v; want a message from user u", m, err)
	}
}

func TestFailNextIsUsedOnce(t *testing.T) {
	srv := smtptest.Start(t)
	srv.FailNext("RCPT", 550, "no such user")
	var te *textproto.Error
	if err := send(t, srv.Addr, "", "x"); !errors.As(err, &te) || te.Code != 550 {
		t.Fatalf("got %v, want 550", err)
	}
	if err := send(t, srv.Addr, "", "x"); err != nil {
		t.Fatalf("second try: %v", err)
	}
}

func TestStartTLSConfigTrustsServer(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithStartTLS())
	c, err := smtp.Dial(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(srv.ClientTLSConfig()); err != nil {
		t.Fatalf("StartTLS with ClientTLSConfig: %v", err)
	}
	if smtptest.Start(t).ClientTLSConfig() != nil {
		t.Error("ClientTLSConfig of a server without TLS: got a config, want nil")
	}
}
