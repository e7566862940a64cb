package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"sync/atomic"
	"time"
)

// Bounds of the idle scenario's waits.
const (
	drainWait = 30 * time.Second // for the server to notice every socket closed
	drainPoll = 200 * time.Millisecond
)

// IdleStep is the cost of the idle connections open at one point.
type IdleStep struct {
	Conns             int     `json:"conns"`
	RSSPerConnKiB     float64 `json:"rss_per_conn_kib"`
	HeapPerConnKiB    float64 `json:"heap_per_conn_kib"`
	StackPerConnKiB   float64 `json:"stack_per_conn_kib"`
	GoroutinesPerConn float64 `json:"goroutines_per_conn"`
}

// IdleResult is the idle scenario against one server.
type IdleResult struct {
	Target         string     `json:"target"`
	Asked          int        `json:"asked"`
	Opened         int        `json:"opened"`
	Failed         int        `json:"failed"`
	OpenSeconds    float64    `json:"open_seconds"`
	Steps          []IdleStep `json:"steps"` // at 1k and 10k (if asked for more) and at all
	IdleCPUPercent float64    `json:"idle_cpu_percent"`
	BaseRSSMiB     float64    `json:"base_rss_mib"`
	BaseGoroutines int        `json:"base_goroutines"`
	BaseHeapMiB    float64    `json:"base_heap_mib"`
	PeakHeapMiB    float64    `json:"peak_heap_mib"`
	AfterHeapMiB   float64    `json:"after_close_heap_mib"`
	AfterRSSMiB    float64    `json:"after_close_rss_mib"`
	AfterGoroutine int        `json:"after_close_goroutines"`
	SocketsLeft    int        `json:"sockets_left"`
	// A second, smaller open-and-close cycle: the first close leaves the
	// runtime's high-water structures (poll descriptors, map buckets), a
	// leak would grow again with every cycle.
	CycleConns      int     `json:"cycle_conns"`
	CycleHeapMiB    float64 `json:"cycle_heap_mib"`
	CycleGoroutines int     `json:"cycle_goroutines"`
	CycleSockets    int     `json:"cycle_sockets_left"`
	Error           string  `json:"error,omitempty"`
}

// idleRun opens n connections with open, measures the server's memory
// and goroutines per connection (after a GC, from /proc), its CPU while
// they sit idle for hold, then closes them and checks that memory and
// goroutines return to where they were.
func idleRun[T io.Closer](ctx context.Context, out io.Writer, target string, base *url.URL,
	n int, hold time.Duration, open func(context.Context) (T, error)) IdleResult {
	r := IdleResult{Target: target, Asked: n}
	before, err := fetchStats(ctx, base, true)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.BaseRSSMiB, r.BaseGoroutines, r.BaseHeapMiB = mib(before.RSSBytes), before.Goroutines, mib(int64(before.HeapInuse))
	step := func(conns int) {
		s, err := fetchStats(ctx, base, true)
		if err != nil || conns == 0 {
			return
		}
		k := float64(conns)
		r.PeakHeapMiB = max(r.PeakHeapMiB, mib(int64(s.HeapInuse)))
		r.Steps = append(r.Steps, IdleStep{
			Conns:             conns,
			RSSPerConnKiB:     round1(float64(s.RSSBytes-before.RSSBytes) / 1024 / k),
			HeapPerConnKiB:    round1((float64(s.HeapInuse) - float64(before.HeapInuse)) / 1024 / k),
			StackPerConnKiB:   round1((float64(s.StackInuse) - float64(before.StackInuse)) / 1024 / k),
			GoroutinesPerConn: round3(float64(s.Goroutines-before.Goroutines) / k),
		})
	}
	var opened, failed atomic.Int64
	p := startProgress(out, "idle "+target, func() string {
		return fmt.Sprintf("%d open, %d failed", opened.Load(), failed.Load())
	})
	start := time.Now()
	conns := connectN(ctx, n, open, idleSteps, func() { step(int(opened.Load())) }, &opened, &failed)
	r.OpenSeconds = round3(time.Since(start).Seconds())
	p.end()
	r.Opened, r.Failed = len(conns), int(failed.Load())
	step(len(conns))

	cpu := startCPU(before.PID)
	select {
	case <-time.After(hold):
	case <-ctx.Done():
	}
	r.IdleCPUPercent = round1(cpu.percent())

	closeAll(conns)
	if after, err := drained(ctx, base); err == nil {
		r.AfterRSSMiB, r.AfterGoroutine, r.SocketsLeft = mib(after.RSSBytes), after.Goroutines, after.Sockets
		r.AfterHeapMiB = mib(int64(after.HeapInuse))
	}

	r.CycleConns = min(n, leakCycle)
	var o2, f2 atomic.Int64
	closeAll(connectN(ctx, r.CycleConns, open, nil, nil, &o2, &f2))
	if after, err := drained(ctx, base); err == nil {
		r.CycleHeapMiB, r.CycleGoroutines, r.CycleSockets = mib(int64(after.HeapInuse)), after.Goroutines, after.Sockets
	}
	return r
}

// at returns the step whose connection count is nearest n.
func (r *IdleResult) at(n int) IdleStep {
	best := r.Steps[0]
	for _, s := range r.Steps {
		if abs(s.Conns-n) < abs(best.Conns-n) {
			best = s
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// idleSteps are the counts, below the run's total, at which the idle
// scenario also measures (the growth table of docs/performance.md).
var idleSteps = []int{1_000, 10_000}

// leakCycle is the size of the second open-and-close cycle.
const leakCycle = 1000

// drained waits (bounded) until the server has no socket open, then
// returns its stats after a GC.
func drained(ctx context.Context, base *url.URL) (ServerStats, error) {
	deadline := time.Now().Add(drainWait)
	for {
		s, err := fetchStats(ctx, base, false)
		if err != nil || s.Sockets == 0 || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(drainPoll)
	}
	return fetchStats(ctx, base, true)
}

func mib(b int64) float64      { return round1(float64(b) / (1 << 20)) }
func round1(f float64) float64 { return float64(int64(f*10+0.5*sign(f))) / 10 }
func round3(f float64) float64 { return float64(int64(f*1000+0.5*sign(f))) / 1000 }

func sign(f float64) float64 {
	if f < 0 {
		return -1
	}
	return 1
}
