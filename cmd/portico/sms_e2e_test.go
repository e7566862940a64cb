package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/sms/smstest"
)

// Numbers of the SMS tests: ours, and Olivia's on file ((617) 555-0111).
const (
	ourNumber    = "+13125550000"
	oliviaMobile = "+16175550111"
	strangerCell = "+17735550199"
)

// smsApp is the app with two-way SMS on, a fake provider on both sides.
type smsApp struct {
	*server
	t        *testing.T
	provider *smstest.Provider
	hook     string // the webhook's URL
}

// freeAddr returns a loopback address with a free port, for a server
// whose public URL must be known before it starts (the provider signs it).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// startSMS runs the app with sms.enabled and a fake provider.
func startSMS(t *testing.T, keys map[string]string) *smsApp {
	t.Helper()
	addr := freeAddr(t)
	public := "http://" + addr
	p := smstest.Start(t, smstest.WithWebhook(public+"/sms/inbound"))
	all := map[string]string{
		"http.addr":          addr,
		"http.public_url":    public,
		"sms.enabled":        "true",
		"sms.numbers":        ourNumber,
		"sms.auth_token":     p.Token,
		"sms.help_contact":   "call 312-555-0100",
		"notify.sms.url":     p.URL,
		"notify.sms.account": p.Account,
		"notify.sms.token":   p.Token,
		"notify.sms.from":    ourNumber,
	}
	for k, v := range keys {
		all[k] = v
	}
	s := runServer(t, all)
	return &smsApp{server: s, t: t, provider: p, hook: public + "/sms/inbound"}
}

// text delivers a text from a patient and fails unless it is taken (200,
// empty TwiML).
func (a *smsApp) text(from, body string) string {
	a.t.Helper()
	return a.textSID(from, body, "")
}

func (a *smsApp) textSID(from, body, sid string) string {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	form := a.provider.Form(smstest.Text{From: from, To: ourNumber, Body: body, SID: sid})
	resp, err := a.provider.Post(ctx, a.hook, form, a.provider.SignatureHeaders(a.hook, form))
	if err != nil {
		a.t.Fatal(err)
	}
	if resp.Status != 200 || !strings.Contains(resp.Body, "<Response></Response>") {
		a.t.Fatalf("text %q: got %d %q, want 200 with an empty TwiML response", body, resp.Status, resp.Body)
	}
	return form.Get("MessageSid")
}

// until returns the texts the provider sends to number, in order, until
// one contains want.
func (a *smsApp) until(to, want string) []string {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	var got []string
	for {
		s, err := a.provider.Wait(ctx)
		if err != nil {
			a.t.Fatalf("waiting for a text containing %q to %s: %v; got %q", want, to, err, got)
		}
		if s.To != to {
			continue
		}
		got = append(got, s.Body)
		if strings.Contains(s.Body, want) {
			return got
		}
	}
}

// none fails if the provider is asked to send anything to number within
// a short while. The outbox is drained first (a kick and one poll).
func (a *smsApp) none(to string, within time.Duration) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		s, err := a.provider.Wait(ctx)
		if err != nil {
			return
		}
		if s.To == to {
			a.t.Fatalf("texted %s %q, want nothing", to, s.Body)
		}
	}
}

var linkRE = regexp.MustCompile(`https?://\S+/sms/continue#\S+`)

// verifyBySMS takes Olivia, texting from her number on file, through the
// reset flow's verification up to the new password question, and returns
// what she was texted last: the link to the web chat.
func (a *smsApp) verifyBySMS() string {
	a.t.Helper()
	a.text(oliviaMobile, "reset my password")
	a.until(oliviaMobile, "Reply 1 for my name")
	for _, s := range []string{"1", "Olivia", "Activeuser", "05/17/1985", "02139"} {
		a.text(oliviaMobile, s)
		a.until(oliviaMobile, "?")
	}
	a.text(oliviaMobile, "2") // the mobile number on file
	got := a.until(oliviaMobile, "Your Sample Health code is")
	code := sixDigits.FindString(got[len(got)-1])
	a.text(oliviaMobile, code)
	got = a.until(oliviaMobile, "/sms/continue#")
	return got[len(got)-1]
}

// redeem posts a link's token as the continue page's script does.
func (a *smsApp) redeem(link string) (int, map[string]string) {
	a.t.Helper()
	token := link[strings.Index(link, "#")+1:]
	body, _ := json.Marshal(map[string]string{"token": token})
	resp, err := http.Post(a.URL+"/sms/continue", "application/json", bytes.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]string{}
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestSMSPasswordResetEndsInTheWebChat: a reset by text message, from
// the number on file: numbered choices, the code texted, and in place of
// the password question a single-use link that opens the web chat at
// that question; the password is typed there, and the conversation goes
// on by text.
func TestSMSPasswordResetEndsInTheWebChat(t *testing.T) {
	a := startSMS(t, nil)
	link := linkRE.FindString(a.verifyBySMS())
	if link == "" || !strings.HasPrefix(link, a.URL+"/sms/continue#") {
		t.Fatalf("link %q: want %s/sms/continue#<token>", link, a.URL)
	}
	status, got := a.redeem(link)
	if status != http.StatusOK || got["resume"] == "" {
		t.Fatalf("redeem the link: %d %v, want 200 with a resume token", status, got)
	}
	if status, _ := a.redeem(link); status != http.StatusGone {
		t.Errorf("the link a second time: %d, want 410 (single use)", status)
	}

	p := dial(t, a.URL)
	if err := p.conn.Hello(got["resume"], 0, "en", ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for {
		f, err := p.conn.Next(ctx)
		if err != nil {
			t.Fatalf("resumed chat: %v", err)
		}
		if f.Type == "msg" && f.Input != nil && f.Input.Slot == "new_password" {
			break
		}
	}
	frames := p.say("tulip harbor seven lanterns")
	wantStatus(t, frames, "closed", "resolved")
	done := a.until(oliviaMobile, "Your password has been changed")
	for _, s := range done {
		if strings.Contains(s, "tulip") {
			t.Errorf("the password was texted: %q", s)
		}
	}
	if got := postSignIn(t, a.URL, "olivia.active", "tulip harbor seven lanterns"); got != http.StatusSeeOther {
		t.Errorf("sign-in with the new password: status %d, want 303", got)
	}
}

// TestSMSPasswordNeverTakenByText: a password texted in answer to the
// link is refused unread, and a new link sent.
func TestSMSPasswordNeverTakenByText(t *testing.T) {
	a := startSMS(t, nil)
	first := linkRE.FindString(a.verifyBySMS())
	a.text(oliviaMobile, "tulip harbor seven lanterns")
	got := a.until(oliviaMobile, "/sms/continue#")
	if !strings.Contains(strings.Join(got, "\n"), "never send a password by text") {
		t.Errorf("after a texted password: %q, want a warning", got)
	}
	second := linkRE.FindString(got[len(got)-1])
	if second == first {
		t.Error("the same link again, want a new one")
	}
	if status, _ := a.redeem(first); status != http.StatusGone {
		t.Errorf("the first link after the second was sent: %d, want 410", status)
	}
	if got := postSignIn(t, a.URL, "olivia.active", "tulip harbor seven lanterns"); got == http.StatusSeeOther {
		t.Error("the texted password was set")
	}
}
