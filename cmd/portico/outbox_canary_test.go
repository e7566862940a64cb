package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/notify"
)

// closedAddr is a local address nothing listens on: connections to it are
// refused, as by a mail server that is down.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestCanaryUndeliveredCodeIsSealed asks for a password-reset code while
// the mail server refuses connections, so the code waits in the outbox,
// and searches every value in the database for it and its recipient: a
// backup taken while mail is down must not hold a live code (SECURITY.md,
// "One-time codes": stored only as a salted hash).
func TestCanaryUndeliveredCodeIsSealed(t *testing.T) {
	const email = "olivia.active@example.org"
	app := startApp(t, map[string]string{
		"notify.email.smtp.addr":     closedAddr(t),
		"notify.email.smtp.starttls": "false",
		"notify.email.from":          "portico@example.org",
	})

	p := dial(t, app.URL)
	p.hello("", 0, "en", "reset_password")
	for _, s := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985", "02139", "reply:email"} {
		p.say(s)
	}

	// The turn that queued the code is committed before its frames are
	// sent. DueDeliveries decrypts: it is the one way to read the code.
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	due, err := app.DB.DueDeliveries(ctx, time.Now().Add(24*time.Hour), 10)
	if err != nil {
		t.Fatalf("DueDeliveries: %v", err)
	}
	var pending *bot.PendingDelivery
	for i, d := range due {
		if d.Channel == notify.ChannelEmail && sixDigits.MatchString(d.Text) {
			pending = &due[i]
		}
	}
	if pending == nil {
		t.Fatalf("no code waits in the outbox; due: %d deliveries", len(due))
	}
	if pending.To != email {
		t.Fatalf("the code is queued for %q, want %q", pending.To, email)
	}
	otp := sixDigits.FindString(pending.Text)

	dump := dumpDatabase(t, app)
	if !strings.Contains(dump, "outbox.recipient=") {
		t.Fatalf("the dump has no outbox rows; is dumpDatabase still reading every table?")
	}
	if strings.Contains(dump, otp) {
		t.Errorf("the database holds the undelivered code %q", otp)
	}
	if strings.Contains(dump, pending.Text) {
		t.Errorf("the database holds the code's message in clear")
	}
	// The directory keeps the patient's email on file; the outbox must not.
	for line := range strings.Lines(dump) {
		if strings.HasPrefix(line, "outbox.") && strings.Contains(line, email) {
			t.Errorf("the outbox holds the recipient in clear: %s", strings.TrimSpace(line))
		}
	}
	if strings.Contains(app.Logs.String(), otp) {
		t.Errorf("the logs contain the code %q", otp)
	}
}
