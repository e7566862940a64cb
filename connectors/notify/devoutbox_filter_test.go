package notify_test

import (
	"encoding/json"
	"fmt"
	"net/http"
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
