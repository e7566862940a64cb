package bot_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
)

// TestNewConversationsPerAddressAreLimited: one address (or one IPv6 /64)
// opens at most NewConversations conversations a minute, however many
// hellos arrive at once; the refusal says when to try again, in the
// patient's language, and nothing is stored for it.
func TestNewConversationsPerAddressAreLimited(t *testing.T) {
	const n, limit = 50, 30
	h := newHarnessWith(t, func(l *bot.Limits) { l.NewConversations = limit }, nil)
	hello := func(source, locale string) (bot.Welcome, error) {
		return h.eng.Hello(h.ctx, bot.Hello{Locale: locale, Source: source}, &recorder{})
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		opened  int
		limited []error
	)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// Every address of one /64 counts as the same client.
			_, err := hello(fmt.Sprintf("2001:db8:1:2::%x", i+1), "es")
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				opened++
			} else {
				limited = append(limited, err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if opened != limit || len(limited) != n-limit {
		t.Fatalf("%d of %d hellos from one /64 opened a conversation, want exactly %d", opened, n, limit)
	}
	for _, err := range limited {
		if bot.ErrorCode(err) != bot.ERATELIMITED || bot.RetryAfter(err) != time.Minute {
			t.Errorf("refused hello: got %v (retry after %v), want rate_limited, retry after 1m", err, bot.RetryAfter(err))
		}
		if msg := bot.ErrorMessage(err); msg == "" || msg[0:5] != "Se in" {
			t.Errorf("refused hello says %q, want the Spanish text", msg)
		}
	}
	if got := countConversations(t, h); got != limit {
		t.Errorf("%d conversations stored, want %d", got, limit)
	}

	// Another network is not affected; the same one may try again once
	// the first of its conversations is a minute old.
	if _, err := hello("2001:db8:1:3::1", "en"); err != nil {
		t.Errorf("another /64: %v, want a conversation", err)
	}
	if _, err := hello("198.51.100.4", "en"); err != nil {
		t.Errorf("an IPv4 address: %v, want a conversation", err)
	}
	h.env.Clock.Advance(30 * time.Second)
	if _, err := hello("2001:db8:1:2::ffff", "en"); bot.RetryAfter(err) != 30*time.Second {
		t.Errorf("half a minute on: got %v (retry after %v), want refused, retry after 30s", err, bot.RetryAfter(err))
	}
	h.env.Clock.Advance(30*time.Second + time.Millisecond)
	if _, err := hello("2001:db8:1:2::ffff", "en"); err != nil {
		t.Errorf("a minute on: %v, want a conversation", err)
	}
}

func countConversations(t *testing.T, h *harness) int {
	t.Helper()
	var n int
	if err := h.env.DB.Reader().QueryRowContext(h.ctx, `SELECT count(*) FROM conversations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIPKeyGroupsIPv6Networks(t *testing.T) {
	tests := []struct {
		addr   string
		prefix int
		want   string
	}{
		{"192.0.2.7", 64, "192.0.2.7"},
		{"::ffff:192.0.2.7", 64, "192.0.2.7"},
		{"2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2::1", 64, "2001:db8:1:2::/64"},
		{"2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::/48"},
		{"2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6"},
		{"fe80::1%eth0", 64, "fe80::/64"},
		{"not an address", 64, "not an address"},
	}
	for _, tt := range tests {
		if got := bot.IPKey(tt.addr, tt.prefix); got != tt.want {
			t.Errorf("IPKey(%q, %d) = %q, want %q", tt.addr, tt.prefix, got, tt.want)
		}
	}
}

// TestIPFailuresCountAnIPv6NetworkAsOneAddress: failed verifications from
// many addresses of one /64 share the address limit.
func TestIPFailuresCountAnIPv6NetworkAsOneAddress(t *testing.T) {
	h := newHarnessWith(t, func(l *bot.Limits) { l.IPFailures = 3 }, nil)
	for i := range 3 {
		c := h.openFrom("reset_password", fmt.Sprintf("2001:db8:9:9::%d", i+1))
		c.requestCode(olivia)
		c.say(c.wrongCode())
	}
	b := h.openFrom("reset_password", "2001:db8:9:9:ffff:ffff:ffff:ffff")
	b.requestCode(marcus)
	b.say(b.code())
	if got := b.audited("verify.locked"); len(got) != 1 || got[0] != "locked/ip" {
		t.Errorf("the right code from the same /64 after 3 failures: verify.locked %v, want [locked/ip]", got)
	}
	c := h.openFrom("reset_password", "2001:db8:9:a::1")
	c.requestCode(marcus)
	c.say(c.code())
	if got := c.state(); got != "reset_password.ask_password" {
		t.Errorf("another /64: state %s, want reset_password.ask_password", got)
	}
}

// TestRetryAfterIsAtMostTheWindow: under load a hello can read the clock,
// then wait while later hellos are recorded first; its refusal still says
// at most the window (a client shows it as "wait a minute").
func TestRetryAfterIsAtMostTheWindow(t *testing.T) {
	const limit = 3
	h := newHarnessWith(t, func(l *bot.Limits) { l.NewConversations = limit }, nil)
	early := h.env.Clock.Now()
	h.env.Clock.Advance(5 * time.Second)
	for range limit {
		if _, err := h.eng.Hello(h.ctx, bot.Hello{Locale: "en", Source: "198.51.100.9"}, &recorder{}); err != nil {
			t.Fatal(err)
		}
	}
	h.env.Clock.Set(early) // this hello read the clock before the others were recorded
	_, err := h.eng.Hello(h.ctx, bot.Hello{Locale: "en", Source: "198.51.100.9"}, &recorder{})
	if bot.ErrorCode(err) != bot.ERATELIMITED || bot.RetryAfter(err) != time.Minute {
		t.Fatalf("got %v (retry after %v), want rate_limited, retry after 1m", err, bot.RetryAfter(err))
	}
}
