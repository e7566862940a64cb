// Package padtest measures whether two kinds of call can be told apart by
// their duration: the enumeration timing tests of the directory drivers
// use it. It is for tests only.
package padtest

import (
	"slices"
	"testing"
	"time"
)

// Indistinguishable fails t unless hit and miss take the same time to
// within tol: the median of paired differences over rounds of 200
// interleaved trials. A round over tol is followed by another, judged on
// all the trials so far, at most three rounds: a busy machine's scheduler
// noise averages out, while a real difference of tol or more fails every
// round. It returns the difference it judged.
func Indistinguishable(t testing.TB, tol time.Duration, hit, miss func()) time.Duration {
	t.Helper()
	const trials, rounds = 200, 3
	var diffs []time.Duration
	var diff time.Duration
	for round := 1; round <= rounds; round++ {
		diffs = append(diffs, Paired(trials, hit, miss)...)
		diff = Median(diffs).Abs()
		t.Logf("round %d: median paired difference %v over %d trials", round, diff, len(diffs))
		if diff < tol {
			return diff
		}
	}
	t.Errorf("hit and miss differ by %v (median of %d paired trials), want < %v", diff, len(diffs), tol)
	return diff
}

// Paired times hit and miss trials times each, alternating which goes
// first, and returns each pair's difference, hit minus miss.
func Paired(trials int, hit, miss func()) []time.Duration {
	diffs := make([]time.Duration, 0, trials)
	timed := func(f func()) time.Duration {
		start := time.Now()
		f()
		return time.Since(start)
	}
	for i := 0; i < trials; i++ {
		var h, m time.Duration
		if i%2 == 0 {
			h = timed(hit)
			m = timed(miss)
		} else {
			m = timed(miss)
			h = timed(hit)
		}
		diffs = append(diffs, h-m)
	}
	return diffs
}

// Interleaved times hit and miss trials times each, alternating which
// goes first so that drift in the machine's load falls on both alike,
// and returns each one's median.
func Interleaved(trials int, hit, miss func()) (hitMedian, missMedian time.Duration) {
	hits := make([]time.Duration, 0, trials)
	misses := make([]time.Duration, 0, trials)
	timed := func(f func()) time.Duration {
		start := time.Now()
		f()
		return time.Since(start)
	}
	for i := 0; i < trials; i++ {
		if i%2 == 0 {
			hits = append(hits, timed(hit))
			misses = append(misses, timed(miss))
		} else {
			misses = append(misses, timed(miss))
			hits = append(hits, timed(hit))
		}
	}
	return Median(hits), Median(misses)
}

// Median returns the middle duration (the upper one of an even count).
func Median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
