// Package pad makes a directory call take the same time whether or not it
// found anyone (directory.min_latency): every call is padded to a floor,
// so a miss that a remote directory answers faster than a hit cannot be
// told apart by the patient's side. Padding covers only what the caller
// does on both paths: run the same calls for a miss (against a dummy
// record) as for a hit, each padded.
package pad

import (
	"context"
	"time"
)

// DefaultMin is the floor suggested for a remote directory: above the
// usual p99 of an Admin REST or bridge call on a clinic's network. Set it
// from the directory's measured p99 (the overrun count says when it is
// too low).
const DefaultMin = 250 * time.Millisecond

// Floor pads calls to at least Min. The zero value pads nothing.
type Floor struct {
	Min time.Duration
}

// Start marks the beginning of a call.
func (f Floor) Start() Deadline {
	return Deadline{at: time.Now().Add(f.Min)}
}

// Deadline is the earliest a padded call may return.
type Deadline struct {
	at time.Time
}

// Wait blocks until the deadline, or until ctx ends (a patient who left
// needs no padding). It returns by how much the call overran the floor,
// zero when the floor covered it: a floor that is often overrun is too low
// to hide anything, and the caller should count it.
func (d Deadline) Wait(ctx context.Context) (overrun time.Duration) {
	left := time.Until(d.at)
	if left <= 0 {
		return -left
	}
	// Go's timers wake up on a millisecond grid counted from when the wait
	// began, so how late they fire depends on the fraction of a
	// millisecond left, which differs between a fast miss and a slow hit
	// (measured: 0.13 ms apart in the medians). So the timer only brings
	// the wait close, and the operating system's precise sleep ends it.
	if coarse := left - preciseSpan; coarse > 0 {
		t := time.NewTimer(coarse)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return 0
		}
	}
	if ctx.Err() == nil {
		sleepPrecisely(time.Until(d.at))
	}
	return 0
}

// preciseSpan is the end of a wait left to sleepPrecisely: more than a
// timer's usual lateness, and short, because that sleep holds an OS
// thread.
const preciseSpan = 2 * time.Millisecond

// Do runs fn padded to the floor and returns fn's error.
func (f Floor) Do(ctx context.Context, fn func(context.Context) error) error {
	d := f.Start()
	err := fn(ctx)
	d.Wait(ctx)
	return err
}
