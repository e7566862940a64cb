package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portico-chat/portico/connectors/notify/smtptest"
	"github.com/portico-chat/portico/connectors/sms"
	"github.com/portico-chat/portico/connectors/sms/smstest"
	"github.com/portico-chat/portico/connectors/web/client"
	"github.com/portico-chat/portico/storage/sqlite"
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
	return a.textTo(from, ourNumber, body, sid)
}

// textTo delivers a text from a patient to one of our numbers.
func (a *smsApp) textTo(from, to, body, sid string) string {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	form := a.provider.Form(smstest.Text{From: from, To: to, Body: body, SID: sid})
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
	var got []string
	for _, s := range a.untilSent(to, want) {
		got = append(got, s.Body)
	}
	return got
}

// untilSent is until with the provider's whole record of each text.
func (a *smsApp) untilSent(to, want string) []smstest.Sent {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	var got []smstest.Sent
	for {
		s, err := a.provider.Wait(ctx)
		if err != nil {
			a.t.Fatalf("waiting for a text containing %q to %s: %v; got %+v", want, to, err, got)
		}
		if s.To != to {
			continue
		}
		got = append(got, s)
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

// rows counts the rows of a table.
func (a *smsApp) rows(table string) int {
	a.t.Helper()
	var n int
	if err := a.App.DB.(*sqlite.DB).Reader().QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// TestSMSBadSignatureChangesNothing: a forged, missing or stale signature
// gets 403, and nothing is stored or sent.
func TestSMSBadSignatureChangesNothing(t *testing.T) {
	a := startSMS(t, nil)
	ctx := context.Background()
	form := a.provider.Form(smstest.Text{From: oliviaMobile, To: ourNumber, Body: "STOP"})
	good := a.provider.SignatureHeaders(a.hook, form)
	forged := http.Header{"X-Twilio-Signature": {"AAAAAAAAAAAAAAAAAAAAAAAAAAA="}}
	tampered := url.Values{}
	for k, v := range form {
		tampered[k] = v
	}
	tampered.Set("From", strangerCell) // signed for Olivia's number
	for name, c := range map[string]struct {
		form   url.Values
		header http.Header
	}{
		"no signature": {form, nil},
		"forged":       {form, forged},
		"tampered":     {tampered, good},
	} {
		resp, err := a.provider.Post(ctx, a.hook, c.form, c.header)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, resp.Status)
		}
	}
	for _, table := range []string{"conversations", "messages", "sms_suppressions", "sms_sessions", "sms_segments", "outbox"} {
		if n := a.rows(table); n != 0 {
			t.Errorf("after refused requests: %d rows in %s, want none", n, table)
		}
	}
	a.none(oliviaMobile, 300*time.Millisecond)
}

// TestSMSDuplicateMessageSIDTakenOnce: the provider delivering the same
// message twice, even at once, gives one message and one answer.
func TestSMSDuplicateMessageSIDTakenOnce(t *testing.T) {
	a := startSMS(t, nil)
	sid := a.text(oliviaMobile, "reset my password")
	a.until(oliviaMobile, "Reply 1 for my name")
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); a.textSID(oliviaMobile, "reset my password", sid) }()
	}
	wg.Wait()
	if n := a.rows("conversations"); n != 1 {
		t.Errorf("%d conversations, want 1", n)
	}
	var said int
	a.App.DB.(*sqlite.DB).Reader().QueryRow(`SELECT count(*) FROM messages WHERE client_id = ?`, "sms:"+sid).Scan(&said)
	if said != 1 {
		t.Errorf("the message is stored %d times, want once", said)
	}
	a.none(oliviaMobile, 300*time.Millisecond)
}

// TestSMSKeywords: HELP is answered with the clinic and a way to a
// person; STOP is confirmed once, then silence, and it stops codes by SMS
// too; START lifts it.
func TestSMSKeywords(t *testing.T) {
	a := startSMS(t, nil)
	a.text(oliviaMobile, "reset my password")
	a.until(oliviaMobile, "Reply 1 for my name")
	a.text(oliviaMobile, "HELP")
	if got := a.until(oliviaMobile, "Sample Health"); !strings.Contains(got[0], "call 312-555-0100") {
		t.Errorf("HELP reply %q, want the help contact", got)
	}
	a.text(oliviaMobile, "stop")
	a.until(oliviaMobile, "unsubscribed")
	a.text(oliviaMobile, "STOP")
	a.text(oliviaMobile, "is anyone there") // recorded, never answered
	a.none(oliviaMobile, 300*time.Millisecond)
	var kept int
	a.App.DB.(*sqlite.DB).Reader().QueryRow(`SELECT count(*) FROM messages WHERE text = 'is anyone there'`).Scan(&kept)
	if kept != 1 {
		t.Errorf("a text after STOP is stored %d times, want once (recorded, not answered)", kept)
	}

	// A code requested on the web for Olivia, by SMS: the patient is told
	// the same as anyone, and nothing is sent.
	p := dial(t, a.URL)
	p.hello("", 0, "en", "reset_password")
	for _, s := range []string{"reply:name", "Olivia", "Activeuser", "05/17/1985", "02139"} {
		p.say(s)
	}
	wantInput(t, p.say("reply:sms"), "otp")
	a.none(oliviaMobile, 500*time.Millisecond)

	a.text(oliviaMobile, "START")
	a.until(oliviaMobile, "You will get texts from us again")
	a.text(oliviaMobile, "AYUDA")
	if got := a.until(oliviaMobile, "AGENTE"); !strings.Contains(got[0], "ayuda") {
		t.Errorf("AYUDA reply %q, want Spanish", got)
	}
}

// TestSMSSpanish: a patient who writes Spanish is answered in Spanish,
// numbered choices included.
func TestSMSSpanish(t *testing.T) {
	a := startSMS(t, nil)
	a.text(oliviaMobile, "olvidé mi contraseña")
	got := a.until(oliviaMobile, "Responda 1")
	if !strings.Contains(strings.Join(got, "\n"), "para") {
		t.Errorf("first question %q, want Spanish numbered choices", got)
	}
}

// TestSMSCodeGoesToEmailFromAnotherNumber: texting from a number that is
// not the one on file, "text me the code" sends it to the email on file,
// and the reply is the same.
func TestSMSCodeGoesToEmailFromAnotherNumber(t *testing.T) {
	mail := smtptest.Start(t)
	a := startSMS(t, smtpKeys(mail))
	a.text(strangerCell, "reset my password")
	a.until(strangerCell, "Reply 1 for my name")
	for _, s := range []string{"1", "Olivia", "Activeuser", "05/17/1985", "02139"} {
		a.text(strangerCell, s)
		a.until(strangerCell, "?")
	}
	a.text(strangerCell, "2") // the mobile number on file
	got := a.until(strangerCell, "code")
	if sixDigits.MatchString(strings.Join(got, " ")) {
		t.Fatalf("a code was texted to a number not on file: %q", got)
	}
	m := waitMail(t, mail)
	if len(m.To) != 1 || m.To[0] != "olivia.active@example.org" {
		t.Errorf("code went to %v, want the email on file", m.To)
	}
	a.none(oliviaMobile, 200*time.Millisecond)
}

// TestSMSAnsweredFromTheNumberTexted: with two numbers of ours, a
// conversation with the second is answered from the second, not from
// notify.sms.from: the greeting, the code and a keyword's reply.
func TestSMSAnsweredFromTheNumberTexted(t *testing.T) {
	const second = "+13125550001"
	a := startSMS(t, map[string]string{"sms.numbers": ourNumber + "," + second})
	from := func(got []smstest.Sent) {
		t.Helper()
		for _, s := range got {
			if s.From != second || s.MessagingServiceSID != "" {
				t.Fatalf("%q went out from %q (service %q), want %s", s.Body, s.From, s.MessagingServiceSID, second)
			}
		}
	}
	a.textTo(oliviaMobile, second, "reset my password", "")
	from(a.untilSent(oliviaMobile, "Reply 1 for my name"))
	for _, s := range []string{"1", "Olivia", "Activeuser", "05/17/1985", "02139"} {
		a.textTo(oliviaMobile, second, s, "")
		from(a.untilSent(oliviaMobile, "?"))
	}
	a.textTo(oliviaMobile, second, "2", "") // the mobile number on file
	from(a.untilSent(oliviaMobile, "Your Sample Health code is"))
	a.textTo(oliviaMobile, second, "HELP", "")
	from(a.untilSent(oliviaMobile, "help"))
	// The first number still answers from itself.
	a.text(strangerCell, "hi")
	for _, s := range a.untilSent(strangerCell, "Reply 1") {
		if s.From != ourNumber {
			t.Errorf("%q went out from %q, want %s", s.Body, s.From, ourNumber)
		}
	}
}

// TestSMSActivation: an account set up by text, from the number on
// file, ends with the link for the password.
func TestSMSActivation(t *testing.T) {
	a := startSMS(t, nil)
	const paul = "+15125550107" // Paul Phoneonly, pending, (512) 555-0107
	a.text(paul, "activate my account")
	a.until(paul, "Reply 1")
	for _, step := range []struct{ say, expect string }{
		{"1", "date of birth"}, {"03/21/1969", "ZIP"}, {"73301", "activation code"}, {"ZJD8A-ABDK4", "username"},
	} {
		a.text(paul, step.say)
		a.until(paul, step.expect)
	}
	a.text(paul, "paulp")
	link := linkRE.FindString(strings.Join(a.until(paul, "/sms/continue#"), "\n"))
	status, got := a.redeem(link)
	if status != http.StatusOK {
		t.Fatalf("redeem: %d %v", status, got)
	}
	p := dial(t, a.URL)
	if err := p.conn.Hello(got["resume"], 0, "en", ""); err != nil {
		t.Fatal(err)
	}
	p.await("the password question", func(f client.Frame) bool {
		return f.Type == "msg" && f.Input != nil && f.Input.Slot == "new_password"
	})
	wantStatus(t, p.say("paper boats on a rainy day"), "closed", "resolved")
	a.until(paul, "ready")
}

// TestSMSAgentAnswersByText: "agent" by text puts the patient in the
// queue, shown on the console as SMS with the number masked; the agent's
// reply goes out as a text, and the patient's next text reaches the agent.
func TestSMSAgentAnswersByText(t *testing.T) {
	a := startSMS(t, map[string]string{"handoff.auto_assign": "false"})
	a.text(oliviaMobile, "agent")
	a.until(oliviaMobile, "answer you here by text")
	ag := dialAgent(t, a.URL, signInAgent(t, a.URL, demoAgentEmail, demoAgentPassword))
	var conv string
	ag.await("the SMS chat in the queue", func(f agentFrame) bool {
		for _, it := range f.Items {
			if it.Channel == "sms" && strings.HasSuffix(it.From, "0111") && !strings.Contains(it.From, "617") {
				conv = it.Conversation
				return true
			}
		}
		return false
	})
	ag.send(map[string]any{"type": "claim", "conversation": conv})
	view := ag.await("the conversation", func(f agentFrame) bool { return f.Type == "conversation" && f.Conversation == conv })
	if view.Channel != "sms" {
		t.Errorf("conversation view channel %q, want sms", view.Channel)
	}
	ag.send(map[string]any{"type": "say", "conversation": conv, "id": "a1", "text": "Hi Olivia, this is the front desk. How can I help?"})
	a.until(oliviaMobile, "this is the front desk")
	a.text(oliviaMobile, "I cannot sign in")
	ag.await("the patient's text", func(f agentFrame) bool { return f.Type == "msg" && f.From == "patient" && f.Text == "I cannot sign in" })
}

// TestSMSCrashAfterAcknowledgedTextRepliesOnce: the server acknowledges
// a text (200), tries to send the reply while the provider's API is down,
// and is killed; after the restart the reply goes out, once.
func TestSMSCrashAfterAcknowledgedTextRepliesOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	addr := freeAddr(t)
	public := "http://" + addr
	p := smstest.Start(t, smstest.WithWebhook(public+"/sms/inbound"))
	target, _ := url.Parse(p.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var down atomic.Bool
	down.Store(true)
	attempted := make(chan struct{}, 16)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			select {
			case attempted <- struct{}{}:
			default:
			}
			http.Error(w, `{"code":20500,"message":"down"}`, http.StatusServiceUnavailable)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)
	env := []string{
		"PORTICO_HTTP_ADDR=" + addr, "PORTICO_HTTP_PUBLIC_URL=" + public,
		"PORTICO_SMS_ENABLED=true", "PORTICO_SMS_NUMBERS=" + ourNumber, "PORTICO_SMS_AUTH_TOKEN=" + p.Token,
		"PORTICO_NOTIFY_SMS_URL=" + api.URL, "PORTICO_NOTIFY_SMS_ACCOUNT=" + p.Account,
		"PORTICO_NOTIFY_SMS_TOKEN=" + p.Token, "PORTICO_NOTIFY_SMS_FROM=" + ourNumber,
	}
	mail := smtptest.Start(t)
	db := filepath.Join(t.TempDir(), "portico.db")
	c := startChild(t, db, mail, env...)
	a := &smsApp{t: t, provider: p, hook: public + "/sms/inbound"}
	a.text(oliviaMobile, "reset my password") // acknowledged: stored
	select {
	case <-attempted:
	case <-time.After(waitLimit):
		t.Fatal("the reply was never attempted")
	}
	c.kill(t)

	down.Store(false)
	c = startChild(t, db, mail, env...)
	defer c.stop(t)
	a.until(oliviaMobile, "Reply 1 for my name")
	a.none(oliviaMobile, 3*time.Second) // past a retry's backoff: no second copy
}

// TestSMSFloodFromOneNumberSlowsNoOther: 40 texts at once from one
// number: exactly the per-sender limit (30 in 10 minutes) are taken, the
// rest answered 200 and dropped; another patient is answered as usual.
func TestSMSFloodFromOneNumberSlowsNoOther(t *testing.T) {
	a := startSMS(t, nil)
	const flood = 40
	var wg sync.WaitGroup
	for i := range flood {
		wg.Add(1)
		go func() { defer wg.Done(); a.text(strangerCell, "hello "+strings.Repeat("x", i)) }()
	}
	wg.Wait()
	var taken int
	a.App.DB.(*sqlite.DB).Reader().QueryRow(`SELECT count(*) FROM messages WHERE client_id LIKE 'sms:%'`).Scan(&taken)
	if taken != 30 {
		t.Errorf("%d texts at once from one number: %d taken, want exactly 30 (the per-sender limit)", flood, taken)
	}
	a.text(oliviaMobile, "reset my password")
	a.until(oliviaMobile, "Reply 1 for my name")
}

// TestSMSSandboxPreviewAndConsoleSegments: the flow editor's sandbox
// shows each bot message as it would be texted (numbered choices,
// segments, the link for a secret), a typed "1" picks the first choice
// when previewing as SMS, and the console counts a reply's segments.
func TestSMSSandboxPreviewAndConsoleSegments(t *testing.T) {
	a := startSMS(t, nil)
	jar := signInAgent(t, a.URL, demoAdminEmail, demoAdminPassword)
	status, body := adminAPI(t, a.URL, jar, http.MethodPost, "/admin/api/flows/reset_password/sandbox", "")
	if status != http.StatusCreated {
		t.Fatalf("start sandbox: %d %s", status, body)
	}
	var turn struct {
		ID       string `json:"id"`
		Messages []struct {
			Replies []map[string]string `json:"replies"`
		} `json:"messages"`
		SMS [][]struct {
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
			Segments int    `json:"segments"`
		} `json:"sms"`
	}
	if err := json.Unmarshal([]byte(body), &turn); err != nil {
		t.Fatal(err)
	}
	last := turn.SMS[len(turn.SMS)-1]
	if len(last) != 1 || !strings.Contains(last[0].Text, "Reply 1 for my name") || last[0].Encoding != "GSM-7" || last[0].Segments != 2 {
		t.Fatalf("the first question as SMS: %+v, want one text of 2 GSM-7 segments with numbered choices", last)
	}
	choices, _ := json.Marshal(turn.Messages[len(turn.Messages)-1].Replies)
	status, body = adminAPI(t, a.URL, jar, http.MethodPost, "/admin/api/sandbox/"+turn.ID+"/say", `{"text":"1","choices":`+string(choices)+`}`)
	if status != http.StatusOK || !strings.Contains(body, "first name") {
		t.Errorf("a typed 1 in the SMS preview: %d %s, want the first choice picked (the name question)", status, body)
	}
	long := strings.Repeat("Your chart shows the visit on Tuesday was billed twice. ", 4) + "Ésta está bien."
	status, body = adminAPI(t, a.URL, jar, http.MethodPost, "/agent/api/sms/segments", `{"text":"`+long+`"}`)
	if status != http.StatusOK || !strings.Contains(body, `"encoding":"UCS-2"`) || !strings.Contains(body, `"messages":2`) {
		t.Errorf("segments of a long reply with an accent: %d %s, want UCS-2 sent as 2 messages", status, body)
	}
}

// TestSMSResetFinishedInTheWidgetInABrowser: the link texted in place of
// the password question opens the web chat in a browser, at that
// question; the password is typed there, the token leaves the address
// bar, and the rest of the conversation comes by text.
func TestSMSResetFinishedInTheWidgetInABrowser(t *testing.T) {
	ctx := browser(t)
	a := startSMS(t, nil)
	link := linkRE.FindString(a.verifyBySMS())
	do(t, ctx,
		chromedp.Navigate(link),
		asks("new_password"),
	)
	if href := eval[string](t, ctx, `location.href`); strings.Contains(href, "#") {
		t.Errorf("the token stayed in the address bar: %s", href)
	}
	do(t, ctx,
		typeIn("tulip harbor seven lanterns"),
		botSays("Your password has been changed"),
		statusIs("closed"),
	)
	a.until(oliviaMobile, "Your password has been changed")
	if got := postSignIn(t, a.URL, "olivia.active", "tulip harbor seven lanterns"); got != http.StatusSeeOther {
		t.Errorf("sign-in with the password set in the widget: status %d, want 303", got)
	}
	// The link was used: opening it again says so and opens nothing.
	do(t, ctx,
		chromedp.Navigate(a.URL+"/"),
		chromedp.Evaluate[chromedp.Void](`sessionStorage.clear()`),
		chromedp.Navigate(link),
		chromedp.Poll[chromedp.Void](`document.getElementById('sms-continue-status').textContent.includes('expired')`,
			chromedp.WithPollingTimeout(waitLimit)),
	)
}

// TestSMSSegmentsInTheDashboard: what a conversation by text cost, in
// segments received and sent, is in the analytics report's by_channel and
// in the dashboard's By channel table; the web's row shows none.
func TestSMSSegmentsInTheDashboard(t *testing.T) {
	a := startSMS(t, nil)
	a.text(strangerCell, "hi")
	out := 0
	for _, s := range a.untilSent(strangerCell, "Reply 1") {
		out += sms.Measure(s.Body).Segments
	}
	p := dial(t, a.URL) // a web chat, for the other row
	p.hello("", 0, "en", "")
	p.say("reply:agent")

	jar := signInAgent(t, a.URL, demoAdminEmail, demoAdminPassword)
	type numbers struct {
		ByChannel []struct {
			Channel  string `json:"channel"`
			Segments struct {
				In  int `json:"in"`
				Out int `json:"out"`
			} `json:"segments"`
		} `json:"by_channel"`
	}
	// The sender records a text's segments once the provider took it:
	// read the report until it has them.
	deadline := time.Now().Add(waitLimit)
	var r numbers
	for {
		status, body := adminAPI(t, a.URL, jar, http.MethodGet, "/admin/api/analytics", "")
		if status != http.StatusOK {
			t.Fatalf("analytics: %d %s", status, body)
		}
		r = numbers{}
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		if len(r.ByChannel) == 2 && r.ByChannel[0].Segments.Out == out {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("by_channel %+v, want sms with 1 segment in and %d out, then web", r.ByChannel, out)
		}
		runtime.Gosched()
	}
	if c := r.ByChannel[0]; c.Channel != "sms" || c.Segments.In != 1 {
		t.Errorf("sms row %+v, want 1 segment in", c)
	}
	if c := r.ByChannel[1]; c.Channel != "web" || c.Segments.In != 0 || c.Segments.Out != 0 {
		t.Errorf("web row %+v, want no segments", c)
	}

	ctx := browser(t)
	adminSignIn(t, ctx, a.URL)
	do(t, ctx,
		chromedp.Navigate(a.URL+"/admin/analytics"),
		consoleUntil(`document.querySelectorAll('#channels tbody tr').length === 2`),
	)
	if got, want := eval[string](t, ctx, `document.querySelector('#channels tr[data-channel="sms"] td.segments').textContent`),
		fmt.Sprintf("1 in / %d out", out); got != want {
		t.Errorf("SMS row's segments read %q, want %q", got, want)
	}
	if got := eval[string](t, ctx, `document.querySelector('#channels tr[data-channel="web"] td.segments').textContent`); got != "–" {
		t.Errorf("web row's segments read %q, want –", got)
	}
}
