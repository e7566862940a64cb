package web

import (
	"net/http/httptest"
	"testing"
	"time"
)

func TestClientIP(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		remote  string
		xff     []string
		want    string
	}{
		{"remote address", nil, "203.0.113.9:5555", nil, "203.0.113.9"},
		{"forwarded header ignored without trusted proxies", nil, "203.0.113.9:5555", []string{"1.2.3.4"}, "203.0.113.9"},
		{"untrusted proxy", []string{"10.0.0.0/8"}, "203.0.113.9:5555", []string{"1.2.3.4"}, "203.0.113.9"},
		{"trusted proxy", []string{"10.0.0.0/8"}, "10.1.2.3:5555", []string{"198.51.100.7"}, "198.51.100.7"},
		{"spoofed left entries", []string{"10.0.0.0/8"}, "10.1.2.3:5555", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"chain of trusted proxies", []string{"10.0.0.0/8"}, "10.1.2.3:5555", []string{"198.51.100.7, 10.9.9.9"}, "198.51.100.7"},
		{"several headers", []string{"10.0.0.1"}, "10.0.0.1:5555", []string{"6.6.6.6", "198.51.100.7"}, "198.51.100.7"},
		{"garbage hop", []string{"10.0.0.0/8"}, "10.1.2.3:5555", []string{"198.51.100.7, junk"}, "10.1.2.3"},
		{"only trusted hops", []string{"10.0.0.0/8"}, "10.1.2.3:5555", []string{"10.4.4.4"}, "10.4.4.4"},
		{"ipv6", nil, "[2001:db8::1]:5555", nil, "2001:db8::1"},
		{"ipv4-mapped", nil, "[::ffff:203.0.113.9]:5555", nil, "203.0.113.9"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/ws", nil)
		r.RemoteAddr = tt.remote
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := newClientIPs(tt.trusted).of(r); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestConnCounter(t *testing.T) {
	c := newConnCounter(2)
	steps := []struct {
		op   string
		ip   string
		want bool
	}{
		{"acquire", "a", true},
		{"acquire", "a", true},
		{"acquire", "a", false},
		{"acquire", "b", true},
		{"release", "a", true},
		{"acquire", "a", true},
		{"acquire", "a", false},
	}
	for i, s := range steps {
		if s.op == "release" {
			c.release(s.ip)
			continue
		}
		if got := c.acquire(s.ip); got != s.want {
			t.Errorf("step %d: acquire %s: got %v, want %v", i, s.ip, got, s.want)
		}
	}
}

func TestTokenBucket(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newTokenBucket(20, 10*time.Second, 10, t0) // 2 frames a second, bursts of 10
	for i := range 10 {
		if ok, _ := b.take(t0); !ok {
			t.Fatalf("frame %d of the burst refused", i+1)
		}
	}
	ok, wait := b.take(t0)
	if ok || wait != 500*time.Millisecond {
		t.Errorf("11th frame: got ok=%v wait=%v, want refused with 500ms", ok, wait)
	}
	if ok, _ := b.take(t0.Add(499 * time.Millisecond)); ok {
		t.Error("a token appeared before its time")
	}
	if ok, _ := b.take(t0.Add(500 * time.Millisecond)); !ok {
		t.Error("no token after 500ms")
	}
	// An hour idle refills to the burst, not beyond.
	later := t0.Add(time.Hour)
	for i := range 10 {
		if ok, _ := b.take(later); !ok {
			t.Fatalf("frame %d after idling refused", i+1)
		}
	}
	if ok, _ := b.take(later); ok {
		t.Error("the bucket held more than its burst")
	}
	if got := retryAfterSeconds(1500 * time.Millisecond); got != 2 {
		t.Errorf("retry after 1.5s: got %d, want 2", got)
	}
	if got := retryAfterSeconds(0); got != 1 {
		t.Errorf("retry after 0: got %d, want 1", got)
	}
}
