package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/portico-chat/portico/connectors/notify/smtptest"
	"github.com/portico-chat/portico/connectors/web/client"
)

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// smtpKeys configures email through a test SMTP server.
func smtpKeys(s *smtptest.Server) map[string]string {
	return map[string]string{
		"notify.email.smtp.addr":     s.Addr,
		"notify.email.smtp.starttls": "false",
		"notify.email.from":          "portico@example.org",
	}
}

// waitMail returns the next email the SMTP server accepts.
func waitMail(t *testing.T, s *smtptest.Server) smtptest.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	m, err := s.Wait(ctx)
	if err != nil {
		t.Fatalf("waiting for an email: %v", err)
	}
	return m
}

// codeFrom returns the one-time code in an email.
func codeFrom(t *testing.T, m smtptest.Message) string {
	t.Helper()
	code := sixDigits.FindString(m.Text())
	if code == "" {
		t.Fatalf("no code in email %q", m.Text())
	}
	return code
}

// postSignIn posts the demo portal's sign-in form and returns the status.
func postSignIn(t *testing.T, base, username, password string) int {
	t.Helper()
	form := url.Values{"username": {username}, "password": {password}}
	req, _ := http.NewRequest(http.MethodPost, base+"/demo/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// wantInput fails unless the bot's last message asks for slot.
func wantInput(t *testing.T, frames []client.Frame, slot string) {
	t.Helper()
	m := last(frames)
	if m.Input == nil || m.Input.Slot != slot {
		t.Fatalf("bot said %q asking for %+v, want slot %q", texts(frames), m.Input, slot)
	}
}

// wantStatus fails unless frames end with a status change to status.
func wantStatus(t *testing.T, frames []client.Frame, status, resolution string) {
	t.Helper()
	f := frames[len(frames)-1]
	if f.Type != "status" || f.Status != status || f.Resolution != resolution {
		t.Fatalf("ended with %+v (said %q), want status %s/%s", f, texts(frames), status, resolution)
	}
}

func TestPasswordResetEndToEnd(t *testing.T) {
	mail := smtptest.Start(t)
	app := startApp(t, smtpKeys(mail))
	if got := postSignIn(t, app.URL, "olivia.active", "blue river lamp cloud"); got != http.StatusSeeOther {
		t.Fatalf("sign-in with the demo password: status %d, want 303", got)
	}

	p := dial(t, app.URL)
	_, first := p.hello("", 0, "en", "reset_password")
	wantInput(t, first, "lookup")
	for _, s := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985", "02139"} {
		p.say(s)
	}
	wantInput(t, p.say("reply:email"), "otp")

	m := waitMail(t, mail)
	if !slices.Equal(m.To, []string{"olivia.active@example.org"}) {
		t.Fatalf("code sent to %v, want the email on file", m.To)
	}
	frames := p.say(codeFrom(t, m))
	wantInput(t, frames, "new_password")
	if in := last(frames).Input; in.Kind != "secret" || in.Autocomplete != "new-password" {
		t.Errorf("password input hint %+v, want kind secret, autocomplete new-password", in)
	}
	frames = p.say("tulip harbor seven lanterns")
	wantStatus(t, frames, "closed", "resolved")
	for _, f := range frames {
		if f.Type == "msg" && f.From == "patient" && f.Text != "••••••" {
			t.Errorf("the password came back as %q, want it masked", f.Text)
		}
	}

	notice := waitMail(t, mail)
	if !strings.Contains(notice.Text(), "password") || sixDigits.MatchString(notice.Text()) {
		t.Errorf("change notice %q: want a notice that the password changed, with no code", notice.Text())
	}
	if got := postSignIn(t, app.URL, "olivia.active", "tulip harbor seven lanterns"); got != http.StatusSeeOther {
		t.Errorf("sign-in with the new password: status %d, want 303", got)
	}
	if got := postSignIn(t, app.URL, "olivia.active", "blue river lamp cloud"); got != http.StatusUnauthorized {
		t.Errorf("sign-in with the old password: status %d, want 401", got)
	}
}

func TestActivationEndToEnd(t *testing.T) {
	mail := smtptest.Start(t)
	app := startApp(t, smtpKeys(mail))

	p := dial(t, app.URL)
	_, first := p.hello("", 0, "en", "activate_account")
	if m := last(first); !strings.Contains(m.Text, "activation code") {
		t.Fatalf("first question %q, want the activation code question", m.Text)
	}
	for _, s := range []string{"reply:yes", "01/02/1980", "02139"} {
		p.say(s)
	}
	wantInput(t, p.say("J36DM-T8UG5"), "username")
	wantInput(t, p.say("ana.t"), "new_password")
	wantStatus(t, p.say("paper boats on a rainy day"), "closed", "resolved")

	notice := waitMail(t, mail)
	if !slices.Equal(notice.To, []string{"ana.testcase@example.org"}) || !strings.Contains(notice.Text(), "activated") {
		t.Errorf("activation notice to %v: %q", notice.To, notice.Text())
	}
	if got := postSignIn(t, app.URL, "ana.t", "paper boats on a rainy day"); got != http.StatusSeeOther {
		t.Errorf("sign-in after activation: status %d, want 303", got)
	}
}

// shape is what a patient can observe of a frame: everything but ids,
// sequence numbers and times.
func shape(frames []client.Frame) []string {
	var out []string
	for _, f := range frames {
		if f.From == "patient" {
			continue // the patient's own words differ by design
		}
		s := f.Type + "|" + f.From + "|" + f.Text + "|" + f.Status + "|" + f.Code
		if f.Input != nil {
			s += "|" + f.Input.Kind + "/" + f.Input.Slot
		}
		for _, r := range f.Replies {
			s += "|" + r.Value + "=" + r.Label
		}
		out = append(out, s)
	}
	return out
}

func TestEnumerationGivesNothingAway(t *testing.T) {
	mail := smtptest.Start(t)
	app := startApp(t, smtpKeys(mail))

	run := func(first, lastName, dob, zip string) []string {
		p := dial(t, app.URL)
		_, opening := p.hello("", 0, "en", "reset_password")
		frames := opening
		for _, s := range []string{"reply:name", first, lastName, dob, zip, "reply:email", "000000"} {
			frames = append(frames, p.say(s)...)
		}
		return shape(frames)
	}
	unknown := run("Nobody", "Notapatient", "01/01/1970", "99999")
	wrongDOB := run("Olivia", "Activeuser", "05/18/1985", "02139")
	real := run("Olivia", "Activeuser", "05/17/1985", "02139")
	if !slices.Equal(unknown, wrongDOB) {
		t.Errorf("an unknown patient and a wrong date of birth differ:\n%q\n%q", unknown, wrongDOB)
	}
	if !slices.Equal(unknown, real) {
		t.Errorf("an unknown patient and a real one (with a wrong code) differ:\n%q\n%q", unknown, real)
	}
	// Deliveries go out in order: once the real patient's code arrives,
	// any code for the first two would have arrived before it.
	m := waitMail(t, mail)
	if !slices.Equal(m.To, []string{"olivia.active@example.org"}) {
		t.Errorf("first email went to %v, want only the real patient's", m.To)
	}
	if n := len(mail.Messages()); n != 1 {
		t.Errorf("%d emails sent, want 1", n)
	}
}
