package smstest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/notify"
	"github.com/portico-chat/portico/connectors/sms"
	"github.com/portico-chat/portico/connectors/sms/smstest"
)

const (
	patient = "+13125550101"
	ours    = "+13125550000"
)

func TestMemoryStore(t *testing.T) {
	smstest.RunStoreTests(t, func(*testing.T) smstest.Store { return smstest.NewMemory() })
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// The provider takes exactly what notify's SMS transport sends.
func TestProviderReceivesTheTransportsCalls(t *testing.T) {
	tests := []struct {
		name, from, wantFrom, wantService string
	}{
		{"from a number", ours, ours, ""},
		{"from a messaging service", "MG0123456789abcdef0123456789abcdef", "", "MG0123456789abcdef0123456789abcdef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := smstest.Start(t)
			tr := notify.NewSMS(notify.SMSConfig{URL: p.URL, Account: p.Account, Token: p.Token, From: tt.from})
			body := strings.Repeat("Your Portico code is 123456. ", 7) // 203 characters: 2 segments
			if err := tr.Send(context.Background(), bot.Delivery{ID: "d1", Channel: "sms", To: patient, Text: body}); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got, err := p.Wait(waitCtx(t))
			if err != nil {
				t.Fatalf("Wait: %v", err)
			}
			if got.To != patient || got.From != tt.wantFrom || got.MessagingServiceSID != tt.wantService || got.Body != body {
				t.Errorf("provider got %+v", got)
			}
			if got.Segments != 2 {
				t.Errorf("segments = %d, want 2", got.Segments)
			}
			if !strings.HasPrefix(got.SID, "SM") || len(got.SID) != 34 {
				t.Errorf("sid %q, want SM and 32 hex digits", got.SID)
			}
		})
	}
}

func TestProviderAnswersLikeTwilio(t *testing.T) {
	tests := []struct {
		name          string
		setup         func(p *smstest.Provider)
		token         string
		to, text      string
		wantStatus    int
		wantDetail    string
		wantPermanent bool
	}{
		{"wrong token", nil, "wrong", patient, "hi", http.StatusUnauthorized, "20003", false},
		{"bad number", nil, "", "+1312", "hi", http.StatusBadRequest, "21211", true},
		{"empty body", nil, "", patient, "", http.StatusBadRequest, "21602", true},
		{"body over 1600 characters", nil, "", patient, strings.Repeat("a", 1601), http.StatusBadRequest, "21617", true},
		{"queued failure", func(p *smstest.Provider) { p.FailNext(http.StatusServiceUnavailable, 20500, "Internal error") },
			"", patient, "hi", http.StatusServiceUnavailable, "20500", false},
		{"rate limited", func(p *smstest.Provider) { p.FailNext(http.StatusTooManyRequests, 20429, "Too Many Requests") },
			"", patient, "hi", http.StatusTooManyRequests, "20429", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := smstest.Start(t)
			if tt.setup != nil {
				tt.setup(p)
			}
			token := p.Token
			if tt.token != "" {
				token = tt.token
			}
			tr := notify.NewSMS(notify.SMSConfig{URL: p.URL, Account: p.Account, Token: token, From: ours})
			err := tr.Send(context.Background(), bot.Delivery{ID: "d1", Channel: "sms", To: tt.to, Text: tt.text})
			var se *notify.SendError
			if !errors.As(err, &se) {
				t.Fatalf("Send error = %v, want a *notify.SendError", err)
			}
			if se.Status != tt.wantStatus || se.Detail != tt.wantDetail || errors.Is(err, notify.ErrPermanent) != tt.wantPermanent {
				t.Errorf("got status %d detail %q permanent %v; want %d %q %v",
					se.Status, se.Detail, errors.Is(err, notify.ErrPermanent), tt.wantStatus, tt.wantDetail, tt.wantPermanent)
			}
			if n := len(p.Sent()); n != 0 {
				t.Errorf("provider recorded %d messages, want 0", n)
			}
		})
	}
}

func TestProviderWaitHonoursContext(t *testing.T) {
	p := smstest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait on a cancelled context = %v, want context.Canceled", err)
	}
}

// webhook is a stand-in endpoint that checks the provider's signature with
// the package under test and records the forms it accepts.
type webhook struct {
	mu    sync.Mutex
	forms []url.Values
}

func startWebhook(t *testing.T, token string) (*webhook, string) {
	w := &webhook{}
	var addr string
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if !sms.Verify(token, addr, r.PostForm, r.Header.Get(sms.SignatureHeader)) {
			rw.WriteHeader(http.StatusForbidden)
			return
		}
		w.mu.Lock()
		w.forms = append(w.forms, r.PostForm)
		w.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	addr = srv.URL + sms.InboundPath
	return w, addr
}

func TestProviderSignsInboundLikeTwilio(t *testing.T) {
	p := smstest.Start(t)
	hook, addr := startWebhook(t, p.Token)
	resp, err := p.Deliver(context.Background(), addr, smstest.Text{From: patient, To: ours, Body: "¿Dónde está mi código? 🙂", SID: "SM42"})
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("Deliver = %+v, %v; want 200", resp, err)
	}
	f := hook.forms[0]
	for field, want := range map[string]string{
		"MessageSid": "SM42", "SmsSid": "SM42", "From": patient, "To": ours, "AccountSid": p.Account,
		"Body": "¿Dónde está mi código? 🙂", "NumSegments": "1", "NumMedia": "0", "SmsStatus": "received", "ApiVersion": "2010-04-01",
	} {
		if got := f.Get(field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	// Repeated fields are signed with their values sorted, as Twilio's
	// libraries do.
	form := url.Values{"Body": {"b", "a"}, "From": {patient}}
	if resp := mustPost(t, p, addr, form); resp.Status != http.StatusOK {
		t.Errorf("repeated field: status %d, want 200", resp.Status)
	}
	// Another token's signature is refused by the same check.
	other := smstest.Start(t, smstest.WithCredentials(smstest.DefaultAccount, "other"))
	if resp, _ := other.Deliver(context.Background(), addr, smstest.Text{From: patient, To: ours, Body: "hi"}); resp.Status != http.StatusForbidden {
		t.Errorf("other token: status %d, want 403", resp.Status)
	}
}

func mustPost(t *testing.T, p *smstest.Provider, addr string, form url.Values) smstest.Response {
	t.Helper()
	resp, err := p.Post(context.Background(), addr, form, p.SignatureHeaders(addr, form))
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestProviderOptOutHandling(t *testing.T) {
	p := smstest.Start(t, smstest.WithOptOutHandling())
	_, addr := startWebhook(t, p.Token)
	send := func(from string) error {
		tr := notify.NewSMS(notify.SMSConfig{URL: p.URL, Account: p.Account, Token: p.Token, From: from})
		return tr.Send(context.Background(), bot.Delivery{ID: "d", Channel: "sms", To: patient, Text: "hello"})
	}
	deliver := func(body string) {
		if _, err := p.Deliver(context.Background(), addr, smstest.Text{From: patient, To: ours, Body: body}); err != nil {
			t.Fatal(err)
		}
	}
	const otherNumber = "+13125550001"
	const service = "MG0123456789abcdef0123456789abcdef"
	steps := []struct {
		deliver string // inbound text first, if any
		from    string
		blocked bool
	}{
		{"", ours, false},
		{"Stop", ours, true},        // blocked from the number that got STOP
		{"", otherNumber, false},    // Twilio blocks per number: another still sends
		{"", service, true},         // a service covers the number
		{"please stop", ours, true}, // not a keyword: changes nothing
		{"START", ours, false},      // opted back in
		{"", service, false},
	}
	for i, st := range steps {
		if st.deliver != "" {
			deliver(st.deliver)
		}
		err := send(st.from)
		var se *notify.SendError
		blocked := errors.As(err, &se) && se.Detail == "21610"
		if blocked != st.blocked || (!st.blocked && err != nil) {
			t.Errorf("step %d (after %q, from %s): error %v, want blocked %v", i, st.deliver, st.from, err, st.blocked)
		}
		if blocked && !errors.Is(err, notify.ErrPermanent) {
			t.Errorf("step %d: 21610 should be permanent", i)
		}
	}
}
