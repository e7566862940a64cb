package notify_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/notify"
	"github.com/portico-chat/portico/connectors/notify/smtptest"
)

// TestSenderWithRealTransports runs the sender against a real SMTP server
// and an HTTP gateway, as the binary wires it.
func TestSenderWithRealTransports(t *testing.T) {
	mail := smtptest.Start(t, smtptest.WithStartTLS(), smtptest.WithAuth("portico", "s3cret-pass"))
	gw, gwSrv := startGateway(t, http.StatusCreated, `{"sid":"SM1"}`)
	o := newFakeOutbox()
	dev := notify.NewDevOutboxCap(notify.DevOutboxCap)
	s := notify.NewSender(o, notify.SenderConfig{
		Email: notify.NewSMTP(notify.SMTPConfig{
			Addr: mail.Addr, From: "Portico <no-reply@clinic.example>", StartTLS: true,
			TLSConfig: mail.ClientTLSConfig(), Username: "portico", Password: "s3cret-pass", Timeout: testWait,
		}),
		SMS:          notify.NewSMS(notify.SMSConfig{URL: gwSrv.URL, Account: "AC42", Token: "tok", From: "+15550001111"}),
		Dev:          dev,
		PollInterval: time.Hour,
		Clock:        bot.NewManualClock(t0),
	}, zerolog.Nop())

	email, sms, refused := delivery("e1", notify.ChannelEmail), delivery("s1", notify.ChannelSMS), delivery("e2", notify.ChannelEmail)
	refused.To = "gone@example.com"
	o.add(email, t0)
	o.add(sms, t0)
	runSender(t, s)
	o.expect(t, "sent", "e1")
	o.expect(t, "sent", "s1")

	m, err := mail.Wait(waitCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if !m.TLS || m.User != "portico" || !strings.Contains(m.Text(), "123456") {
		t.Errorf("got TLS %v user %q text %q, want the code over an authenticated TLS session", m.TLS, m.User, m.Text())
	}
	if reqs := gw.all(); len(reqs) != 1 || reqs[0].form.Get("Body") != sms.Text {
		t.Errorf("gateway requests: got %+v, want the code", reqs)
	}
	if n := len(dev.All()); n != 2 {
		t.Errorf("dev outbox holds %d, want 2 copies", n)
	}

	mail.FailNext("RCPT", 550, "<gone@example.com>: no such user")
	o.add(refused, t0)
	s.Kick()
	ev := o.expect(t, "failed", "e2")
	if !ev.giveUp || ev.attempt != 1 {
		t.Errorf("refused recipient: got attempt %d giveUp %v, want to give up at once", ev.attempt, ev.giveUp)
	}
	if want := "smtp rcpt: status 550 (5.0.0)"; ev.reason != want {
		t.Errorf("reason: got %q, want %q", ev.reason, want)
	}
}
