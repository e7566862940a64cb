// Package padtest measures whether two kinds of call can be told apart by
// their duration: the enumeration timing tests of the directory drivers
// use it. It is for tests only.
package padtest

import (
	"slices"
	"time"
)

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
