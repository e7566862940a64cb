package notify

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// Retry delays of the default backoff.
const (
	MinBackoff = 2 * time.Second
	MaxBackoff = 10 * time.Minute
)

// ExponentialBackoff is the default retry delay after the given failed
// attempt (1 for the first): MinBackoff doubled per attempt, capped at
// MaxBackoff, with "equal jitter": a random point in the upper half of
// that, so a burst of failures does not retry in lockstep. It never
// returns less than MinBackoff.
func ExponentialBackoff(attempt int) time.Duration {
	d := ceilingBackoff(attempt)
	half := d / 2
	d = half + time.Duration(randUint64()%uint64(half+1))
	return max(d, MinBackoff)
}

// ceilingBackoff is the delay before jitter.
func ceilingBackoff(attempt int) time.Duration {
	d := MinBackoff
	for i := 1; i < attempt && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}

// randUint64 draws from crypto/rand: the project uses no other random
// source at all, rather than reason about where a weak one would be safe.
func randUint64() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return binary.LittleEndian.Uint64(b[:])
}
