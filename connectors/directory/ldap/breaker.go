package ldap

import (
	"sync"
	"time"
)

// Breaker states.
const (
	breakerClosed   = "closed"    // calls go to the server
	breakerOpen     = "open"      // calls fail at once, until the cool-down ends
	breakerHalfOpen = "half_open" // one trial call is under way; the others fail at once
)

// breaker stops calling a server that keeps failing, so a patient whose
// directory is down hears so in milliseconds rather than after a timeout
// per call, and a struggling server is not hammered. After threshold
// consecutive transport failures it opens for cooldown; then it lets one
// call through: success closes it, failure opens it again.
type breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time
	onChange  func(from, to string) // called with mu held; must not call back

	mu       sync.Mutex
	state    string
	failures int
	openedAt time.Time
}

func newBreaker(threshold int, cooldown time.Duration, now func() time.Time, onChange func(from, to string)) *breaker {
	return &breaker{threshold: threshold, cooldown: cooldown, now: now, onChange: onChange, state: breakerClosed}
}

// allow reports whether a call may go to the server. Every allowed call
// must end with exactly one of success, failure or abandon.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case breakerClosed:
		return true
	case breakerOpen:
		if b.now().Sub(b.openedAt) < b.cooldown {
			return false
		}
		b.set(breakerHalfOpen)
		return true
	default: // half-open: the trial call is under way
		return false
	}
}

// success records a call the server answered.
func (b *breaker) success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures = 0
	if b.state != breakerClosed {
		b.set(breakerClosed)
	}
}

// failure records a call that failed in transport or timed out.
func (b *breaker) failure() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.state == breakerHalfOpen || (b.state == breakerClosed && b.failures >= b.threshold) {
		b.openedAt = b.now()
		b.set(breakerOpen)
	}
}

// abandon records an allowed call that ended without a verdict (the
// caller gave up): a half-open breaker goes back to open with its
// cool-down already over, so the next call becomes the trial.
func (b *breaker) abandon() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == breakerHalfOpen {
		b.openedAt = b.now().Add(-b.cooldown)
		b.set(breakerOpen)
	}
}

// current returns the state.
func (b *breaker) current() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

func (b *breaker) set(to string) {
	from := b.state
	b.state = to
	if b.onChange != nil {
		b.onChange(from, to)
	}
}
