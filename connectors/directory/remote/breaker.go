package remote

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Circuit breaker defaults.
const (
	// DefaultBreakerThreshold consecutive unavailable answers open the
	// circuit.
	DefaultBreakerThreshold = 5
	// DefaultBreakerCooldown is how long an open circuit fails every call
	// at once before it lets one trial call through.
	DefaultBreakerCooldown = 30 * time.Second
)

// Breaker states, as State returns them.
const (
	BreakerClosed   = "closed"
	BreakerOpen     = "open"
	BreakerHalfOpen = "half-open"
)

// Breaker keeps patients' sockets responsive while a directory is down:
// after Threshold consecutive ErrUnavailable results it opens and fails
// every call at once with ErrUnavailable; after Cooldown it lets exactly
// one trial call through (half-open) and closes again if that succeeds.
// Only ErrUnavailable counts: a miss or a refused password is the
// directory working. A call the caller cancelled counts neither way.
// The zero value is ready to use with the defaults.
type Breaker struct {
	Threshold int
	Cooldown  time.Duration
	Now       func() time.Time // the clock; time.Now if nil

	mu       sync.Mutex
	failures int
	open     bool
	openedAt time.Time
	trial    bool // the half-open trial call is in flight
}

// errOpen is returned while the circuit is open.
var errOpen = Unavailable("circuit open after repeated failures; retrying later")

// Do runs fn unless the circuit is open.
func (b *Breaker) Do(ctx context.Context, fn func(context.Context) error) error {
	isTrial, err := b.admit()
	if err != nil {
		return err
	}
	err = fn(ctx)
	b.record(ctx, isTrial, err)
	return err
}

// admit decides whether a call may run and whether it is the trial.
func (b *Breaker) admit() (trial bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return false, nil
	}
	if b.trial || b.now().Sub(b.openedAt) < b.cooldown() {
		return false, errOpen
	}
	b.trial = true
	return true, nil
}

func (b *Breaker) record(ctx context.Context, trial bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if trial {
		b.trial = false
	}
	switch {
	case errors.Is(err, ErrUnavailable) && ctx.Err() == nil:
		b.failures++
		if trial || b.failures >= b.threshold() {
			b.open = true
			b.openedAt = b.now()
		}
	case err != nil && ctx.Err() != nil:
		// The caller gave up: says nothing about the directory.
	default:
		b.failures = 0
		b.open = false
	}
}

// State returns BreakerClosed, BreakerOpen or BreakerHalfOpen (the
// cooldown is over: the next call is the trial, or is running).
func (b *Breaker) State() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.open:
		return BreakerClosed
	case b.trial || b.now().Sub(b.openedAt) >= b.cooldown():
		return BreakerHalfOpen
	default:
		return BreakerOpen
	}
}

func (b *Breaker) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

func (b *Breaker) threshold() int {
	if b.Threshold > 0 {
		return b.Threshold
	}
	return DefaultBreakerThreshold
}

func (b *Breaker) cooldown() time.Duration {
	if b.Cooldown > 0 {
		return b.Cooldown
	}
	return DefaultBreakerCooldown
}
