package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/notify"
	"github.com/portico-chat/portico/connectors/notify/smtptest"
	"github.com/portico-chat/portico/storage/sqlite"
)

// dumpDatabase returns every value of every row of every table, as text.
func dumpDatabase(t *testing.T, app *testApp) string {
	t.Helper()
	ctx := context.Background()
	db := app.DB.(*sqlite.DB).Reader()
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	var b strings.Builder
	for _, table := range tables {
		rs, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rs.Columns()
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%s.%s=%v\n", table, cols[i], v)
			}
		}
		rs.Close()
	}
	return b.String()
}

// TestCanaryNoSecretsOrDemographicsLeak runs every self-service flow with
// known values, then searches the logs and the whole database: secrets
// must be nowhere, demographics nowhere in the logs (SECURITY.md, "Audit
// and PHI").
func TestCanaryNoSecretsOrDemographicsLeak(t *testing.T) {
	mail := smtptest.Start(t)
	app := startApp(t, smtpKeys(mail))
	const (
		newPassword = "canary orchid marble sextant"
		actPassword = "quiet walrus teapot lagoon"
	)
	var secrets, demographics []string

	// Password reset.
	p := dial(t, app.URL)
	w, _ := p.hello("", 0, "en", "reset_password")
	for _, s := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985", "02139", "reply:email"} {
		p.say(s)
	}
	otp := codeFrom(t, waitMail(t, mail))
	p.say("999999") // a wrong code is a secret too
	p.say(otp)
	p.say(newPassword)
	secrets = append(secrets, otp, "999999", newPassword, w.Resume)
	demographics = append(demographics, "Olivia", "Activeuser", "05/17/1985", "1985-05-17", "02139",
		"olivia.active@example.org", "olivia.active")

	// Activation with the clinic's code.
	p = dial(t, app.URL)
	w, _ = p.hello("", 0, "en", "activate_account")
	for _, s := range []string{"reply:yes", "01/02/1980", "02139", "J36DM-T8UG5", "ana.t", actPassword} {
		p.say(s)
	}
	secrets = append(secrets, "J36DM-T8UG5", "J36DMT8UG5", actPassword, w.Resume)
	demographics = append(demographics, "01/02/1980", "1980-01-02", "ana.testcase@example.org")

	// Forgotten username by text message: the code goes to the dev outbox
	// (no SMS gateway is configured), where the test reads it.
	p = dial(t, app.URL)
	w, _ = p.hello("", 0, "en", "forgot_username")
	for _, s := range []string{"reply:name", "Marcus", "Demoperson", "10/10/1972", "10001", "reply:sms"} {
		p.say(s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	sms, err := app.Dev.Wait(ctx, func(s notify.Sent) bool { return s.Channel == "sms" && sixDigits.MatchString(s.Text) })
	if err != nil {
		t.Fatal(err)
	}
	smsCode := sixDigits.FindString(sms.Text)
	p.say(smsCode)
	secrets = append(secrets, smsCode, w.Resume)
	demographics = append(demographics, "Marcus", "Demoperson", "10/10/1972", "1972-10-10", "mdemo", "+12125550112")

	logs := app.Logs.String()
	if !strings.Contains(logs, `"conversation"`) {
		t.Fatalf("the logs carry no conversation ids; is debug logging on? %.500s", logs)
	}
	for _, s := range append(secrets, demographics...) {
		if strings.Contains(logs, s) {
			t.Errorf("the logs contain %q", s)
		}
	}
	// Wait until the sender has sent everything (the outbox scrubs a
	// delivery's text once sent), then look at every stored value.
	for range 2 { // the password-changed and the activation notices
		waitMail(t, mail)
	}
	waitOutboxEmpty(t, app)
	dump := dumpDatabase(t, app)
	for _, s := range secrets {
		if strings.Contains(dump, s) {
			t.Errorf("the database contains the secret %q", s)
		}
	}
}

// waitOutboxEmpty waits until the sender has marked every delivery sent.
// The sender gives no signal for that, so this polls the outbox on a
// short tick, bounded by waitLimit.
func waitOutboxEmpty(t *testing.T, app *testApp) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		due, err := app.DB.DueDeliveries(ctx, time.Now().Add(24*time.Hour), 10)
		if err == nil && len(due) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("outbox not drained: %d due, %v", len(due), err)
		case <-tick.C:
		}
	}
}
