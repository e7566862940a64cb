package notify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/notify"
)

// gateway is a fake Twilio: it records each request and answers with the
// status and body it is given.
type gateway struct {
	mu       sync.Mutex
	requests []gatewayRequest
	status   int
	body     string
}

type gatewayRequest struct {
	method, path, contentType string
	user, pass                string
	authOK                    bool
	form                      url.Values
}

func startGateway(t *testing.T, status int, body string) (*gateway, *httptest.Server) {
	t.Helper()
	g := &gateway{status: status, body: body}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(raw))
		user, pass, ok := r.BasicAuth()
		g.mu.Lock()
		g.requests = append(g.requests, gatewayRequest{
			method: r.Method, path: r.URL.EscapedPath(), contentType: r.Header.Get("Content-Type"),
			user: user, pass: pass, authOK: ok, form: form,
		})
		g.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(g.status)
		io.WriteString(w, g.body)
	}))
	t.Cleanup(srv.Close)
	return g, srv
}

func (g *gateway) all() []gatewayRequest {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]gatewayRequest(nil), g.requests...)
}

func codeSMS() bot.Delivery {
	return bot.Delivery{ID: "d2", Channel: notify.ChannelSMS, To: "+15551234567",
		Text: "Your Portico code is 123456. It expires in 10 minutes. We will never ask for it."}
}

func TestSMSRequest(t *testing.T) {
	tests := []struct {
		name, from     string
		wantFromField  string
		wantFieldValue string
	}{
		{"phone number sender", "+15550001111", "From", "+15550001111"},
		{"messaging service", "MG0123456789abcdef0123456789abcdef", "MessagingServiceSid", "MG0123456789abcdef0123456789abcdef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, srv := startGateway(t, http.StatusCreated, `{"sid":"SM123","status":"queued"}`)
			s := notify.NewSMS(notify.SMSConfig{URL: srv.URL + "/", Account: "AC42", Token: "tok-secret", From: tt.from})
			d := codeSMS()
			if err := s.Send(waitCtx(t), d); err != nil {
				t.Fatalf("Send: %v", err)
			}
			reqs := g.all()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			checks := []struct{ what, got, want string }{
				{"method", r.method, http.MethodPost},
				{"path", r.path, "/2010-04-01/Accounts/AC42/Messages.json"},
				{"content type", r.contentType, "application/x-www-form-urlencoded"},
				{"basic auth user", r.user, "AC42"},
				{"basic auth password", r.pass, "tok-secret"},
				{"To", r.form.Get("To"), d.To},
				{"Body", r.form.Get("Body"), d.Text},
				{tt.wantFromField, r.form.Get(tt.wantFromField), tt.wantFieldValue},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
				}
			}
			if len(r.form) != 3 {
				t.Errorf("form: got %v, want exactly To, Body and the sender", r.form)
			}
		})
	}
}

// TestSMSSendsFromTheDeliveryNumber: a delivery that names the number it
// goes out from (an SMS conversation's own) is sent from it, even when
// the transport's default is a messaging service.
func TestSMSSendsFromTheDeliveryNumber(t *testing.T) {
	for _, def := range []string{"+15550001111", "MG0123456789abcdef0123456789abcdef"} {
		g, srv := startGateway(t, http.StatusCreated, `{"sid":"SM123","status":"queued"}`)
		s := notify.NewSMS(notify.SMSConfig{URL: srv.URL, Account: "AC42", Token: "tok-secret", From: def})
		d := codeSMS()
		d.From = "+15550002222"
		if err := s.Send(waitCtx(t), d); err != nil {
			t.Fatalf("Send: %v", err)
		}
		r := g.all()[0]
		if r.form.Get("From") != "+15550002222" || r.form.Has("MessagingServiceSid") || len(r.form) != 3 {
			t.Errorf("default %s: form %v, want From +15550002222 and no service", def, r.form)
		}
	}
}

func TestSMSResponses(t *testing.T) {
	const twilioError = `{"code": 21211, "message": "The 'To' number +15551234567 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}`
	tests := []struct {
		name          string
		status        int
		body          string
		wantErr       string // "" for success
		wantPermanent bool
	}{
		{"created", http.StatusCreated, `{"sid":"SM1"}`, "", false},
		{"ok", http.StatusOK, ``, "", false},
		{"invalid number", http.StatusBadRequest, twilioError, "sms response: status 400 (21211)", true},
		{"bad request without JSON", http.StatusBadRequest, `<html>nope</html>`, "sms response: status 400", true},
		{"forbidden", http.StatusForbidden, `{"code":21408,"message":"Permission to send an SMS has not been enabled for the region"}`, "sms response: status 403 (21408)", true},
		{"bad credentials", http.StatusUnauthorized, `{"code":20003,"message":"Authenticate"}`, "sms response: status 401 (20003)", false},
		{"rate limited", http.StatusTooManyRequests, `{"code":20429,"message":"Too Many Requests"}`, "sms response: status 429 (20429)", false},
		{"unavailable", http.StatusServiceUnavailable, ``, "sms response: status 503", false},
		{"server error", http.StatusInternalServerError, `{"code":20500,"message":"Internal Server Error"}`, "sms response: status 500 (20500)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := startGateway(t, tt.status, tt.body)
			s := notify.NewSMS(notify.SMSConfig{URL: srv.URL, Account: "AC42", Token: "tok-secret", From: "+15550001111"})
			err := s.Send(waitCtx(t), codeSMS())
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("got error %v, want %q", err, tt.wantErr)
			}
			if got := errors.Is(err, notify.ErrPermanent); got != tt.wantPermanent {
				t.Errorf("permanent: got %v, want %v", got, tt.wantPermanent)
			}
			if strings.Contains(err.Error(), "+1555") || strings.Contains(err.Error(), "tok-secret") {
				t.Errorf("error %q leaks the number or the token", err)
			}
		})
	}
}

func TestSMSKeepsGatewayMessageAside(t *testing.T) {
	_, srv := startGateway(t, http.StatusBadRequest, `{"code":21211,"message":"The 'To' number +15551234567 is not a valid phone number."}`)
	err := notify.NewSMS(notify.SMSConfig{URL: srv.URL, Account: "AC42", Token: "t0k", From: "+15550001111"}).Send(waitCtx(t), codeSMS())
	var se *notify.SendError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want *SendError", err, err)
	}
	if want := "The 'To' number +15551234567 is not a valid phone number."; se.Message != want {
		t.Errorf("Message: got %q, want %q", se.Message, want)
	}
}

func TestSMSNetworkFailures(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		url := srv.URL
		srv.Close()
		err := notify.NewSMS(notify.SMSConfig{URL: url, Account: "AC42", Token: "t0k", From: "+15550001111"}).Send(waitCtx(t), codeSMS())
		if err == nil || errors.Is(err, notify.ErrPermanent) {
			t.Fatalf("got %v, want a retryable error", err)
		}
		if !strings.HasPrefix(err.Error(), "sms request: ") || strings.Contains(err.Error(), "AC42") {
			t.Errorf("got %q, want an 'sms request' error without the account URL", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		defer srv.Close()
		defer close(release)
		const timeout = 200 * time.Millisecond
		start := time.Now()
		err := notify.NewSMS(notify.SMSConfig{URL: srv.URL, Account: "AC42", Token: "t0k", From: "+15550001111", Timeout: timeout}).
			Send(context.Background(), codeSMS())
		var se *notify.SendError
		if !errors.As(err, &se) || !se.Timeout() || errors.Is(err, notify.ErrPermanent) {
			t.Fatalf("got %v, want a retryable timeout", err)
		}
		if elapsed := time.Since(start); elapsed > testWait {
			t.Errorf("Send took %v, want about %v", elapsed, timeout)
		}
	})
}

func TestSMSConfigRules(t *testing.T) {
	g, srv := startGateway(t, http.StatusCreated, `{}`)
	tests := []struct {
		name string
		c    notify.SMSConfig
	}{
		{"plain http off loopback", notify.SMSConfig{URL: "http://sms.example.com", Account: "AC42", Token: "t", From: "+1"}},
		{"no scheme", notify.SMSConfig{URL: "sms.example.com", Account: "AC42", Token: "t", From: "+1"}},
		{"no token", notify.SMSConfig{URL: srv.URL, Account: "AC42", From: "+1"}},
		{"no account", notify.SMSConfig{URL: srv.URL, Token: "t", From: "+1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := notify.NewSMS(tt.c).Send(waitCtx(t), codeSMS())
			if err == nil || !strings.HasPrefix(err.Error(), "sms config") {
				t.Fatalf("got %v, want an sms config error", err)
			}
			if errors.Is(err, notify.ErrPermanent) {
				t.Error("configuration errors must be retryable: the operator can fix them")
			}
		})
	}
	if n := len(g.all()); n != 0 {
		t.Errorf("gateway got %d requests, want none", n)
	}
}

func TestSMSEscapesAccountInPath(t *testing.T) {
	g, srv := startGateway(t, http.StatusCreated, `{}`)
	s := notify.NewSMS(notify.SMSConfig{URL: srv.URL, Account: "AC/../x", Token: "t", From: "+15550001111"})
	if err := s.Send(waitCtx(t), codeSMS()); err != nil {
		t.Fatal(err)
	}
	if got, want := g.all()[0].path, "/2010-04-01/Accounts/AC%2F..%2Fx/Messages.json"; got != want {
		t.Errorf("path: got %q, want %q", got, want)
	}
}
