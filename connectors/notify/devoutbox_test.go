package notify_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/notify"
)

func get(t *testing.T, h http.Handler, method, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	resp := rec.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestDevOutboxJSON(t *testing.T) {
	o := notify.NewDevOutboxCap(notify.DevOutboxCap)
	est := time.FixedZone("EST", -5*3600)
	o.Record(bot.Delivery{ID: "1", Channel: "email", To: "jane@example.com", Subject: "Code", Text: "Your code is 111111."},
		time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC))
	o.Record(bot.Delivery{ID: "2", Channel: "sms", To: "+15551234567", Text: `Quote " and <tag>`},
		time.Date(2026, 1, 2, 3, 4, 6, 0, est))

	resp, body := get(t, o.Handler(), http.MethodGet, notify.DevOutboxJSONPath)
	want := `[{"to":"jane@example.com","channel":"email","text":"Your code is 111111.","at":"2026-01-02T03:04:05Z"},` +
		`{"to":"+15551234567","channel":"sms","text":"Quote \" and \u003ctag\u003e","at":"2026-01-02T08:04:06Z"}]` + "\n"
	if body != want {
		t.Errorf("body:\n got %s\nwant %s", body, want)
	}
	headers := []struct{ name, want string }{
		{"Content-Type", "application/json; charset=utf-8"},
		{"Cache-Control", "no-store"},
	}
	for _, h := range headers {
		if got := resp.Header.Get(h.name); got != h.want {
			t.Errorf("%s: got %q, want %q", h.name, got, h.want)
		}
	}
}

func TestDevOutboxEmptyJSONIsArray(t *testing.T) {
	_, body := get(t, notify.NewDevOutboxCap(notify.DevOutboxCap).Handler(), http.MethodGet, notify.DevOutboxJSONPath)
	if body != "[]\n" {
		t.Errorf("got %q, want []", body)
	}
}

func TestDevOutboxHTML(t *testing.T) {
	o := notify.NewDevOutboxCap(notify.DevOutboxCap)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o.Record(bot.Delivery{Channel: "email", To: "older@example.com", Subject: "First", Text: "first"}, at)
	o.Record(bot.Delivery{Channel: "sms", To: "+15551234567", Text: "<script>alert(1)</script> code 222222"}, at.Add(time.Minute))

	resp, body := get(t, o.Handler(), http.MethodGet, notify.DevOutboxPath)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status: got %d, want 200", resp.StatusCode)
	}
	for _, want := range []string{
		`<html lang="en">`,
		`DEMO ONLY: messages are not really sent`,
		`<meta http-equiv="refresh" content="5">`,
		`&lt;script&gt;alert(1)&lt;/script&gt; code 222222`,
		`<th scope="col">To</th>`,
		`<time datetime="2026-01-02T03:05:05Z">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>") {
		t.Error("page holds an unescaped script tag")
	}
	if newer, older := strings.Index(body, "222222"), strings.Index(body, "older@example.com"); newer > older {
		t.Error("page lists the older message first, want newest first")
	}
	for name, want := range map[string]string{
		"Content-Type":  "text/html; charset=utf-8",
		"Cache-Control": "no-store",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s: got %q, want %q", name, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy: got %q, want default-src 'none'", csp)
	}
}

func TestDevOutboxHandlerRoutes(t *testing.T) {
	h := notify.NewDevOutboxCap(notify.DevOutboxCap).Handler()
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/dev/outbox", http.StatusOK},
		{http.MethodHead, "/dev/outbox.json", http.StatusOK},
		{http.MethodPost, "/dev/outbox.json", http.StatusMethodNotAllowed},
		{http.MethodGet, "/dev/outbox/x", http.StatusNotFound},
	}
	for _, tt := range tests {
		if resp, _ := get(t, h, tt.method, tt.path); resp.StatusCode != tt.want {
			t.Errorf("%s %s: got %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
		}
	}
}

func TestDevOutboxKeepsNewestUpToCap(t *testing.T) {
	var o notify.DevOutbox // the zero value works too
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const extra = 7
	for i := range notify.DevOutboxCap + extra {
		o.Record(bot.Delivery{Channel: "sms", To: fmt.Sprint(i), Text: "t"}, base.Add(time.Duration(i)*time.Second))
	}
	all := o.All()
	if len(all) != notify.DevOutboxCap {
		t.Fatalf("kept %d, want %d", len(all), notify.DevOutboxCap)
	}
	if got, want := all[0].To, fmt.Sprint(extra); got != want {
		t.Errorf("oldest kept: got %s, want %s", got, want)
	}
	if got, want := all[len(all)-1].To, fmt.Sprint(notify.DevOutboxCap+extra-1); got != want {
		t.Errorf("newest (last): got %s, want %s", got, want)
	}
	for i := 1; i < len(all); i++ {
		if !all[i].At.After(all[i-1].At) {
			t.Fatalf("entries %d and %d out of order", i-1, i)
		}
	}
}

func TestDevOutboxWait(t *testing.T) {
	o := notify.NewDevOutboxCap(notify.DevOutboxCap)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	to := func(addr string) func(notify.Sent) bool {
		return func(s notify.Sent) bool { return s.To == addr }
	}

	t.Run("already recorded: newest match", func(t *testing.T) {
		o.Record(bot.Delivery{Channel: "email", To: "a@example.com", Text: "old"}, at)
		o.Record(bot.Delivery{Channel: "email", To: "a@example.com", Text: "new"}, at)
		got, err := o.Wait(waitCtx(t), to("a@example.com"))
		if err != nil || got.Text != "new" {
			t.Fatalf("got %+v, %v; want the newest match", got, err)
		}
	})

	t.Run("waits for a later one", func(t *testing.T) {
		type result struct {
			s   notify.Sent
			err error
		}
		done := make(chan result, 1)
		go func() {
			s, err := o.Wait(waitCtx(t), to("b@example.com"))
			done <- result{s, err}
		}()
		o.Record(bot.Delivery{Channel: "email", To: "other@example.com", Text: "not this"}, at)
		o.Record(bot.Delivery{Channel: "email", To: "b@example.com", Text: "this"}, at)
		r := <-done
		if r.err != nil || r.s.Text != "this" {
			t.Fatalf("got %+v, %v; want the message to b", r.s, r.err)
		}
	})

	t.Run("gives up when ctx ends", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := o.Wait(ctx, to("nobody@example.com"))
			done <- err
		}()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
}
