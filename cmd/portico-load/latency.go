package main

import (
	"math"
	"slices"
	"sync"
	"time"
)

// maxSamples bounds a recorder's memory; later samples are counted but not
// kept (the summary says how many).
const maxSamples = 2_000_000

// recorder collects latencies from many goroutines.
type recorder struct {
	mu      sync.Mutex
	samples []time.Duration
	dropped int
	errors  int
}

func (r *recorder) add(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.samples) >= maxSamples {
		r.dropped++
		return
	}
	r.samples = append(r.samples, d)
}

func (r *recorder) fail() {
	r.mu.Lock()
	r.errors++
	r.mu.Unlock()
}

// Summary is a latency distribution in milliseconds.
type Summary struct {
	Count  int     `json:"count"`
	Errors int     `json:"errors"`
	Min    float64 `json:"min_ms"`
	Mean   float64 `json:"mean_ms"`
	P50    float64 `json:"p50_ms"`
	P95    float64 `json:"p95_ms"`
	P99    float64 `json:"p99_ms"`
	P999   float64 `json:"p99_9_ms"`
	Max    float64 `json:"max_ms"`
}

// summary sorts the samples and returns their percentiles.
func (r *recorder) summary() Summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := Summary{Count: len(r.samples) + r.dropped, Errors: r.errors}
	if len(r.samples) == 0 {
		return s
	}
	slices.Sort(r.samples)
	var sum time.Duration
	for _, d := range r.samples {
		sum += d
	}
	s.Min = ms(r.samples[0])
	s.Max = ms(r.samples[len(r.samples)-1])
	s.Mean = ms(sum / time.Duration(len(r.samples)))
	s.P50 = ms(quantile(r.samples, 0.50))
	s.P95 = ms(quantile(r.samples, 0.95))
	s.P99 = ms(quantile(r.samples, 0.99))
	s.P999 = ms(quantile(r.samples, 0.999))
	return s
}

// snapshot returns a copy of the samples, for plotting.
func (r *recorder) snapshot() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.samples)
}

// quantile returns the nearest-rank q-quantile of sorted samples.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

// ratio is a/b rounded to 3 places, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(a/b*1000) / 1000
}

func sortDurations(d []time.Duration) { slices.Sort(d) }
