package web

import (
	"errors"
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

// floodGuard applies a socket's frame budget. Over the budget a frame is
// dropped; the first drop of a run tells the client (rate_limited, with
// retry_after_s) and more than maxDroppedFrames drops in a row mean the
// client is flooding and the socket must close.
type floodGuard struct {
	bucket  *tokenBucket
	dropped int
	text    string // what the rate_limited error says
}

func newFloodGuard(l rateLimit, now time.Time, text string) *floodGuard {
	return &floodGuard{bucket: newTokenBucket(l.frames, l.window, l.burst, now), text: text}
}

// admit reports whether a frame read at now may be handled. When it may
// not, notice is the error frame to send (nil after the first drop) and
// flood says the socket must close.
func (g *floodGuard) admit(now time.Time) (ok bool, notice []byte, flood bool) {
	allowed, wait := g.bucket.take(now)
	if allowed {
		g.dropped = 0
		return true, nil, false
	}
	g.dropped++
	if g.dropped > maxDroppedFrames {
		return false, nil, true
	}
	if g.dropped == 1 {
		f := errorFrame(CodeRateLimited, g.text)
		f.RetryAfterS = retryAfterSeconds(wait)
		return false, mustJSON(f), false
	}
	return false, nil, false
}

// asFrameError is the decoder's error as a FrameError to send back.
func asFrameError(err error) *FrameError {
	var fe *FrameError
	if !errors.As(err, &fe) {
		fe = badFrame("not a valid frame")
	}
	return fe
}
