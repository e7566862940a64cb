package web

import (
	"math"
	"sync"
	"time"
)

// tokenBucket limits the frames of one connection: it holds up to burst
// tokens, refilled at rate frames per window, and each frame takes one.
// It is owned by the connection's reader goroutine, so it has no lock.
type tokenBucket struct {
	burst  float64
	perSec float64
	tokens float64
	last   time.Time
}

func newTokenBucket(frames int, window time.Duration, burst int, now time.Time) *tokenBucket {
	return &tokenBucket{
		burst:  float64(burst),
		perSec: float64(frames) / window.Seconds(),
		tokens: float64(burst),
		last:   now,
	}
}

// take spends a token if there is one. When there is none it returns false
// and how long until the next token.
func (b *tokenBucket) take(now time.Time) (ok bool, wait time.Duration) {
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = math.Min(b.burst, b.tokens+dt*b.perSec)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.perSec * float64(time.Second))
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		return 1
	}
	return s
}

// connCounter caps the open sockets per client IP.
type connCounter struct {
	max int
	mu  sync.Mutex
	n   map[string]int
}

func newConnCounter(max int) *connCounter {
	return &connCounter{max: max, n: make(map[string]int)}
}

// acquire takes a slot for ip, or reports false when ip is at the cap.
func (c *connCounter) acquire(ip string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[ip] >= c.max {
		return false
	}
	c.n[ip]++
	return true
}

// release gives back a slot taken by acquire.
func (c *connCounter) release(ip string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[ip] <= 1 {
		delete(c.n, ip)
		return
	}
	c.n[ip]--
}
