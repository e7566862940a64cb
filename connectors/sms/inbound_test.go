package sms_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/sms"
	"github.com/portico-chat/portico/connectors/sms/smstest"
)

func TestInboundAccepts(t *testing.T) {
	e := setup(t, nil)
	resp := e.deliver(t, smstest.Text{From: patient, To: ours, Body: " 02139 ", SID: "SM0123456789abcdef0123456789abcdef"})
	wantTwiML(t, resp)
	got := e.inbox.messages()
	if len(got) != 1 {
		t.Fatalf("inbox got %d messages, want 1", len(got))
	}
	want := sms.Message{
		SID: "SM0123456789abcdef0123456789abcdef", From: patient, To: ours, Body: "02139",
		Segments: 1, Received: e.clock.Now(), RunFlow: true,
	}
	if got[0] != want {
		t.Errorf("inbox got %+v\nwant %+v", got[0], want)
	}
	if key := got[0].Conversation(); key != ours+":"+patient {
		t.Errorf("conversation key %q, want (our number, sender)", key)
	}
}

func TestInboundWithSharedKeySHA256(t *testing.T) {
	e := setup(t, func(c *sms.Config) { c.SharedKeys = map[string]string{"KS1": "shared-secret"} },
		smstest.WithSharedKey("KS1", "shared-secret"))
	wantTwiML(t, e.deliver(t, smstest.Text{From: patient, To: ours, Body: "hola"}))
	if n := len(e.inbox.messages()); n != 1 {
		t.Fatalf("inbox got %d messages, want 1", n)
	}
}

// A request that fails the signature check changes nothing: not the
// inbox, not the suppression list (the body is always STOP here).
func TestInboundRefusesUnsigned(t *testing.T) {
	e := setup(t, func(c *sms.Config) { c.SharedKeys = map[string]string{"KS1": "shared-secret"} })
	form := e.provider.Form(smstest.Text{From: patient, To: ours, Body: "STOP"})
	good := e.provider.SignatureHeaders(e.hook, form)
	sign := func(alg sms.Algorithm, secret, u string, f url.Values, settings string) http.Header {
		h := http.Header{}
		h.Set(sms.SignatureHeader, sms.Sign(alg, secret, u, f))
		if settings != "" {
			h.Set(sms.SignatureSettingsHeader, settings)
		}
		return h
	}
	tampered := url.Values{}
	for k, v := range form {
		tampered[k] = v
	}
	tampered.Set("From", "+13125550199")
	evilHost := strings.Replace(e.hook, "127.0.0.1", "evil.example", 1)
	tests := []struct {
		name   string
		form   url.Values
		header http.Header
		host   string // Host header to send, if any
		want   int
	}{
		{"no signature", form, http.Header{}, "", http.StatusForbidden},
		{"empty signature", form, http.Header{sms.SignatureHeader: {""}}, "", http.StatusForbidden},
		{"garbage signature", form, http.Header{sms.SignatureHeader: {"AAAA"}}, "", http.StatusForbidden},
		{"wrong token", form, sign(sms.HMACSHA1, "other-token", e.hook, form, ""), "", http.StatusForbidden},
		{"field changed after signing", tampered, good, "", http.StatusForbidden},
		{"signed for the Host header the attacker sends", form, sign(sms.HMACSHA1, testToken, evilHost, form, ""), "evil.example", http.StatusForbidden},
		{"sha256 with an unknown key", form, sign(sms.HMACSHA256, "shared-secret", e.hook, form, "key=KS2,algorithm=HMAC_SHA256"), "", http.StatusForbidden},
		{"sha256 with the auth token", form, sign(sms.HMACSHA256, testToken, e.hook, form, "key=KS1,algorithm=HMAC_SHA256"), "", http.StatusForbidden},
		{"sha1 signature announced as sha256", form, sign(sms.HMACSHA1, "shared-secret", e.hook, form, "key=KS1,algorithm=HMAC_SHA256"), "", http.StatusForbidden},
		{"unknown algorithm", form, sign(sms.HMACSHA256, "shared-secret", e.hook, form, "key=KS1,algorithm=NONE"), "", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.hook, strings.NewReader(tt.form.Encode()))
			for k, v := range tt.header {
				req.Header[k] = v
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.host != "" {
				req.Host = tt.host
				req.Header.Set("X-Forwarded-Host", tt.host)
				req.Header.Set("X-Forwarded-Proto", "http")
			}
			if got := status(t, req); got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
			e.wantNothingChanged(t)
		})
	}
	if logs := e.logs.String(); strings.Contains(logs, "STOP") || strings.Contains(logs, patient) {
		t.Errorf("logs quote the message: %s", logs)
	}
}

// The URL is rebuilt from the configured public URL: what the request
// says about its host (Host, X-Forwarded-*) does not count, and a proxy
// that serves the webhook under a path prefix works.
func TestInboundUsesThePublicURL(t *testing.T) {
	const public = "https://portal.clinic.example/chat"
	e := setup(t, func(c *sms.Config) { c.PublicURL = public + "/" },
		smstest.WithWebhook(public+sms.InboundPath))
	form := e.provider.Form(smstest.Text{From: patient, To: ours, Body: "hi"})
	h := e.provider.SignatureHeaders(e.hook, form)
	h.Set("X-Forwarded-Host", "evil.example")
	h.Set("X-Forwarded-Proto", "http")
	wantTwiML(t, e.post(t, e.hook, form, h))

	// Signed over the address the request actually reached: refused.
	local := smstest.Start(t, smstest.WithCredentials(smstest.DefaultAccount, testToken))
	if resp := e.post(t, e.hook, form, local.SignatureHeaders(e.hook, form)); resp.Status != http.StatusForbidden {
		t.Errorf("signed over the loopback address: status %d, want 403", resp.Status)
	}
}

func TestInboundQueryIsSigned(t *testing.T) {
	e := setup(t, nil)
	form := e.provider.Form(smstest.Text{From: patient, To: ours, Body: "hi"})
	signed := e.provider.SignatureHeaders(e.hook+"?route=a", form)
	wantTwiML(t, e.post(t, e.hook+"?route=a", form, signed))
	if resp := e.post(t, e.hook+"?route=b", form, signed); resp.Status != http.StatusForbidden {
		t.Errorf("query changed: status %d, want 403", resp.Status)
	}
}

func TestInboundRefusesMalformed(t *testing.T) {
	e := setup(t, nil)
	base := func(change func(url.Values)) url.Values {
		f := e.provider.Form(smstest.Text{From: patient, To: ours, Body: "STOP"})
		change(f)
		return f
	}
	tests := []struct {
		name string
		form url.Values
		want int
	}{
		{"no MessageSid", base(func(f url.Values) { f.Del("MessageSid") }), http.StatusBadRequest},
		{"MessageSid with odd characters", base(func(f url.Values) { f.Set("MessageSid", "SM<script>") }), http.StatusBadRequest},
		{"no From", base(func(f url.Values) { f.Del("From") }), http.StatusBadRequest},
		{"From not E.164", base(func(f url.Values) { f.Set("From", "3125550101") }), http.StatusBadRequest},
		{"From a short code", base(func(f url.Values) { f.Set("From", "72345") }), http.StatusBadRequest},
		{"To not one of ours", base(func(f url.Values) { f.Set("To", "+13125559999") }), http.StatusBadRequest},
		{"Body repeated", base(func(f url.Values) { f["Body"] = []string{"a", "STOP"} }), http.StatusBadRequest},
		{"Body not UTF-8", base(func(f url.Values) { f.Set("Body", "\xff\xfe") }), http.StatusBadRequest},
		{"Body too long", base(func(f url.Values) { f.Set("Body", strings.Repeat("a", 1601)) }), http.StatusBadRequest},
		{"body over the byte cap", base(func(f url.Values) { f.Set("Padding", strings.Repeat("x", sms.MaxInboundBytes)) }), http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.post(t, e.hook, tt.form, e.provider.SignatureHeaders(e.hook, tt.form))
			if resp.Status != tt.want {
				t.Errorf("status %d (%q), want %d", resp.Status, resp.Body, tt.want)
			}
			e.wantNothingChanged(t)
		})
	}
}

func TestInboundRefusesOtherRequests(t *testing.T) {
	e := setup(t, nil)
	form := e.provider.Form(smstest.Text{From: patient, To: ours, Body: "hi"})
	sig := e.provider.SignatureHeaders(e.hook, form)
	tests := []struct {
		name, method, contentType string
		want                      int
	}{
		{"GET", http.MethodGet, "", http.StatusMethodNotAllowed},
		{"JSON body", http.MethodPost, "application/json", http.StatusUnsupportedMediaType},
		{"no content type", http.MethodPost, "", http.StatusUnsupportedMediaType},
		{"form with charset", http.MethodPost, "application/x-www-form-urlencoded; charset=utf-8", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.hook, strings.NewReader(form.Encode()))
			for k, v := range sig {
				req.Header[k] = v
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if got := status(t, req); got != tt.want {
				t.Errorf("status %d, want %d", got, tt.want)
			}
		})
	}
}

func TestInboundCleansText(t *testing.T) {
	e := setup(t, nil)
	wantTwiML(t, e.deliver(t, smstest.Text{From: patient, To: ours, Body: "\u202eevil\u2066 name\x07\r\nline two\ttab"}))
	got := e.inbox.messages()
	if len(got) != 1 || got[0].Body != "evil name\nline two tab" {
		t.Fatalf("inbox got %+v, want the text without controls or bidi marks", got)
	}
}

// The provider may deliver one message twice; the handler passes it on
// with the same SID each time, which is what the engine deduplicates on,
// and a redelivered STOP carries the same reply key.
func TestInboundRedeliveryKeepsTheSID(t *testing.T) {
	e := setup(t, nil)
	for range 2 {
		wantTwiML(t, e.deliver(t, smstest.Text{From: patient, To: ours, Body: "STOP", SID: "SMdup"}))
	}
	got := e.inbox.messages()
	if len(got) != 2 || got[0].SID != "SMdup" || got[1].SID != "SMdup" || got[0].ReplyKey != got[1].ReplyKey || got[0].Reply == "" {
		t.Fatalf("inbox got %+v; want the same SID, reply and reply key twice", got)
	}
}

func TestInboundFailuresAnswer500(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(e *env)
	}{
		{"the engine fails", func(e *env) { e.inbox.err = errors.New("commit: disk full") }},
		{"the store is down", func(e *env) { e.store.Fail(errors.New("database is locked")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := setup(t, nil)
			tt.breakIt(e)
			resp := e.deliver(t, smstest.Text{From: patient, To: ours, Body: "my secret answer"})
			if resp.Status != http.StatusInternalServerError {
				t.Errorf("status %d, want 500", resp.Status)
			}
			if strings.Contains(resp.Body, "disk") || strings.Contains(resp.Body, "database") {
				t.Errorf("answer %q leaks the internal error", resp.Body)
			}
			if logs := e.logs.String(); strings.Contains(logs, "my secret answer") || strings.Contains(logs, patient) {
				t.Errorf("logs quote the message or the number: %s", logs)
			}
		})
	}
}

func TestInboundOverTheLimitIsDropped(t *testing.T) {
	e := setup(t, func(c *sms.Config) {
		c.RateLimit = sms.RateLimit{PerSender: sms.Limit{Count: 2, Window: time.Minute}}
	})
	for range 4 {
		wantTwiML(t, e.deliver(t, smstest.Text{From: patient, To: ours, Body: "hello"}))
	}
	if n := len(e.inbox.messages()); n != 2 {
		t.Errorf("inbox got %d messages, want 2 (the limit)", n)
	}
	if logs := e.logs.String(); !strings.Contains(logs, "rate limit") || strings.Contains(logs, patient) {
		t.Errorf("logs should note the drop with the number masked: %s", logs)
	}
}

// A flood from one number gets exactly its allowance, and while the
// engine is busy with the flood another patient's message goes straight
// through.
func TestInboundFloodNeverSlowsOthers(t *testing.T) {
	const flood, limit = 40, 5
	const flooder, other = "+13125550666", "+13125550777"
	e := setup(t, func(c *sms.Config) {
		c.RateLimit = sms.RateLimit{PerSender: sms.Limit{Count: limit, Window: time.Hour}, PerNumber: sms.Limit{Count: 1000, Window: time.Hour}}
	})
	release := make(chan struct{})
	e.inbox.block[flooder] = release

	var wg sync.WaitGroup
	statuses := make(chan int, flood)
	for range flood {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.provider.Deliver(context.Background(), e.hook, smstest.Text{From: flooder, To: ours, Body: "spam"})
			if err != nil {
				t.Errorf("flood: %v", err)
				return
			}
			statuses <- resp.Status
		}()
	}
	// The flood's admitted messages are stuck in the engine; the dropped
	// ones have been answered. Another patient is not held up by either.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := e.provider.Deliver(ctx, e.hook, smstest.Text{From: other, To: ours, Body: "reset my password"})
	if err != nil {
		t.Fatalf("another patient during the flood: %v", err)
	}
	wantTwiML(t, resp)
	close(release)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != http.StatusOK {
			t.Errorf("flood request answered %d, want 200", s)
		}
	}
	n := 0
	for _, m := range e.inbox.messages() {
		if m.From == flooder {
			n++
		}
	}
	if n != limit {
		t.Errorf("%d messages from the flooder reached the engine, want exactly %d", n, limit)
	}
}
