package notify_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/connectors/notify"
)

func TestDevOutboxJSONFilterByRecipient(t *testing.T) {
	o := notify.NewDevOutboxCap(notify.DevOutboxCap)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, d := range []struct{ to, text string }{
		{"a@example.org", "a1"}, {"b@example.org", "b1"}, {"a@example.org", "a2"}, {"+15550100", "s1"},
	} {
		o.Record(bot.Delivery{Channel: "email", To: d.to, Text: d.text}, at)
	}
	tests := []struct {
		query string
		want  []string // texts, newest last
	}{
		{"", []string{"a1", "b1", "a2", "s1"}},
		{"?to=a@example.org", []string{"a1", "a2"}},
		{"?to=b@example.org", []string{"b1"}},
		{"?to=%2B15550100", []string{"s1"}},
		{"?to=nobody@example.org", []string{}},
		{"?to=", []string{}},
	}
	for _, tt := range tests {
		resp, body := get(t, o.Handler(), http.MethodGet, notify.DevOutboxJSONPath+tt.query)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d, want 200", tt.query, resp.StatusCode)
		}
		var got []struct{ Text string }
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("%s: %v in %q", tt.query, err, body)
		}
		texts := []string{}
		for _, g := range got {
			texts = append(texts, g.Text)
		}
		if !slices.Equal(texts, tt.want) {
			t.Errorf("%q: got %q, want %q", tt.query, texts, tt.want)
		}
	}
}

func TestDevOutboxCapacity(t *testing.T) {
	tests := []struct {
		asked, want int
	}{
		{0, notify.DevOutboxCap},
		{-3, notify.DevOutboxCap},
		{3, 3},
		{20_000, 20_000},
		{notify.MaxDevOutboxCap + 1, notify.MaxDevOutboxCap},
	}
	for _, tt := range tests {
		if got := notify.NewDevOutboxCap(tt.asked).Cap(); got != tt.want {
			t.Errorf("NewDevOutboxCap(%d).Cap() = %d, want %d", tt.asked, got, tt.want)
		}
	}
	var zero notify.DevOutbox
	if got := zero.Cap(); got != notify.DevOutboxCap {
		t.Errorf("zero DevOutbox keeps %d, want %d", got, notify.DevOutboxCap)
	}
}

// The filter must forget deliveries that fell off the ring, and keep
// those that did not, across many wrap-arounds.
func TestDevOutboxFilterFollowsTheRing(t *testing.T) {
	const capacity = 4
	o := notify.NewDevOutboxCap(capacity)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10 {
		o.Record(bot.Delivery{Channel: "email", To: fmt.Sprint("p", i%3), Text: fmt.Sprint(i)}, at)
	}
	// Kept: 6 (p0), 7 (p1), 8 (p2), 9 (p0).
	tests := []struct {
		to   string
		want []string
	}{
		{"p0", []string{"6", "9"}},
		{"p1", []string{"7"}},
		{"p2", []string{"8"}},
	}
	for _, tt := range tests {
		var got []string
		for _, s := range o.To(tt.to) {
			got = append(got, s.Text)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("To(%s): got %q, want %q", tt.to, got, tt.want)
		}
	}
	if n := len(o.All()); n != capacity {
		t.Errorf("kept %d, want %d", n, capacity)
	}
}

// TestDevOutboxJSONWaitsForAFirstDelivery: with wait, a read for an
// address nothing was sent to yet is answered when the first delivery to
// it is recorded (one request per code), or empty when the wait ends.
func TestDevOutboxJSONWaitsForAFirstDelivery(t *testing.T) {
	o := notify.NewDevOutboxCap(notify.DevOutboxCap)
	srv := httptest.NewServer(o.Handler())
	defer srv.Close()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o.Record(bot.Delivery{Channel: "email", To: "other@example.org", Text: "not this"}, at)

	type answer struct {
		texts []string
		err   error
	}
	read := func(query string) <-chan answer {
		out := make(chan answer, 1)
		go func() {
			resp, err := http.Get(srv.URL + notify.DevOutboxJSONPath + query)
			if err != nil {
				out <- answer{err: err}
				return
			}
			defer resp.Body.Close()
			var got []struct{ Text string }
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
				out <- answer{err: fmt.Errorf("status %d: %w", resp.StatusCode, err)}
				return
			}
			a := answer{texts: []string{}}
			for _, g := range got {
				a.texts = append(a.texts, g.Text)
			}
			out <- a
		}()
		return out
	}

	pending := read("?to=a%40example.org&wait=10s")
	select {
	case a := <-pending:
		t.Fatalf("answered %q (%v) before anything was sent to the address", a.texts, a.err)
	case <-time.After(50 * time.Millisecond): // it must still be waiting; a short look suffices
	}
	o.Record(bot.Delivery{Channel: "email", To: "a@example.org", Text: "code 123456"}, at)
	if a := <-pending; a.err != nil || !slices.Equal(a.texts, []string{"code 123456"}) {
		t.Fatalf("after the delivery: %q, %v", a.texts, a.err)
	}

	if a := <-read("?to=nobody%40example.org&wait=1ms"); a.err != nil || len(a.texts) != 0 {
		t.Fatalf("nothing sent within the wait: %q, %v, want an empty list", a.texts, a.err)
	}
	for _, q := range []string{"?to=a%40example.org&wait=forever", "?to=a%40example.org&wait=31s", "?wait=1s", "?to=a%40example.org&wait=-1s"} {
		resp, err := http.Get(srv.URL + notify.DevOutboxJSONPath + q)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", q, resp.StatusCode)
		}
	}
}
