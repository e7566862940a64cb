package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/portico-chat/portico"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
	"github.com/portico-chat/portico/connectors/notify/smtptest"
)

// TestConfigPrintSaysWhichChannelsAreLive: `portico config print` ends
// with the delivery channels the configuration leaves live.
func TestConfigPrintSaysWhichChannelsAreLive(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"nothing configured", nil, nil, []string{
			"# delivery channel email: off (notify.email.smtp.addr is not set): not offered to patients",
			"# delivery channel sms: off (notify.sms.url is not set): not offered to patients"}},
		{"demo", []string{"--demo"}, nil, []string{
			"# delivery channel email: live (dev outbox)", "# delivery channel sms: live (dev outbox)"}},
		{"smtp only", nil, map[string]string{"PORTICO_NOTIFY_EMAIL_SMTP_ADDR": "mail.example.org:587", "PORTICO_NOTIFY_EMAIL_FROM": "portal@example.org"}, []string{
			"# delivery channel email: live (smtp mail.example.org:587)",
			"# delivery channel sms: off (notify.sms.url is not set): not offered to patients"}},
		{"sms gateway", nil, map[string]string{"PORTICO_NOTIFY_SMS_URL": "https://sms.example.net/accounts/AC123/messages",
			"PORTICO_NOTIFY_SMS_ACCOUNT": "AC123", "PORTICO_NOTIFY_SMS_TOKEN": "s3cret", "PORTICO_NOTIFY_SMS_FROM": "+15550100"}, []string{
			"# delivery channel email: off", "# delivery channel sms: live (sms gateway sms.example.net)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out bytes.Buffer
			root := newRoot(strings.NewReader(""), &out, &out)
			root.SetArgs(append([]string{"config", "print"}, tt.args...))
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			for _, line := range tt.want {
				if !strings.Contains(out.String(), line) {
					t.Errorf("config print lacks %q:\n%s", line, out.String())
				}
			}
		})
	}
}

// TestNoSMSOfferedWithoutAnSMSTransport runs the server with SMTP and no
// SMS gateway, outside demo mode (no dev outbox stands in): the start-up
// log says SMS is off, the patient is never offered a text message, and
// the code arrives by email.
func TestNoSMSOfferedWithoutAnSMSTransport(t *testing.T) {
	mail := smtptest.Start(t)
	keys := smtpKeys(mail)
	keys["demo"] = "false"
	app := startApp(t, keys)
	hash, err := password.Hash(patients.DemoPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.registry().SeedDemo(context.Background(), portico.DemoPatients, hash); err != nil {
		t.Fatal(err)
	}
	logs := app.Logs.String()
	if !strings.Contains(logs, `"email":"live: smtp `+mail.Addr+`"`) || !strings.Contains(logs, `"sms":"off"`) {
		t.Errorf("start-up log does not say email is live and SMS off:\n%s", logs)
	}

	p := dial(t, app.URL)
	p.hello("", 0, "en", "reset_password")
	for _, s := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985"} {
		p.say(s)
	}
	frames := p.say("02139")
	for _, f := range frames {
		for _, r := range f.Replies {
			if r.Value == "sms" {
				t.Errorf("offered %q (%s) with no SMS transport", r.Label, r.Value)
			}
		}
		if strings.Contains(f.Text, "mobile number") {
			t.Errorf("bot said %q with no SMS transport", f.Text)
		}
	}
	wantInput(t, frames, "otp")
	if said := strings.Join(texts(frames), " "); !strings.Contains(said, "we have sent a code to the email on file") {
		t.Errorf("bot said %q, want the code promised by email", said)
	}
	m := waitMail(t, mail)
	if !slices.Equal(m.To, []string{"olivia.active@example.org"}) {
		t.Fatalf("code sent to %v, want the email on file", m.To)
	}
	wantInput(t, p.say(codeFrom(t, m)), "new_password")
}
