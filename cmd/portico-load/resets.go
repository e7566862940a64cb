package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portico-chat/portico/bot/password"
)

// Bounds of the resets scenario.
const (
	maxRawHashes   = 2000             // argon2id hashes in the raw-rate loop, at most
	barrierTimeout = 60 * time.Second // for the reset patients to reach the password question
	resetsTimeout  = 120 * time.Second
)

// ResetResult compares password resets through the server with the raw
// argon2id rate of this machine, measured in the same run by this process
// (password.Hash, NumCPU goroutines), and shows what the resets do
// to other patients' turns.
type ResetResult struct {
	Resets           int64   `json:"resets"`
	Failures         int64   `json:"failures"`
	LastError        string  `json:"last_error,omitempty"`
	Seconds          float64 `json:"seconds"`
	ResetsPerSec     float64 `json:"resets_per_s"`
	RawHashesPerSec  float64 `json:"raw_argon2id_per_s"`
	RatioToRaw       float64 `json:"ratio_to_raw"`
	ResetLatency     Summary `json:"reset_turn_latency"`
	Background       int     `json:"background_patients"`
	BackgroundRate   float64 `json:"background_turns_per_s"`
	BackgroundBefore Summary `json:"background_before"`
	BackgroundDuring Summary `json:"background_during"`
	P99Growth        float64 `json:"background_p99_growth"` // during / before
	// The server's hashing pool during the resets: its longest queue
	// since the server started, and the average wait for a slot.
	HashMaxQueued  int     `json:"server_hash_max_queued"`
	HashWaitMs     float64 `json:"server_hash_wait_ms_avg"`
	ServerCPU      float64 `json:"server_cpu_percent"`
	ServerGCs      uint32  `json:"server_gcs"`
	ServerGCPerSec float64 `json:"server_gcs_per_s"`
}

// rawHashRate hashes in a loop on NumCPU goroutines for dur (at most
// maxRawHashes hashes) and returns hashes per second.
func rawHashRate(ctx context.Context, dur time.Duration) float64 {
	var n atomic.Int64
	stop := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) && ctx.Err() == nil && n.Load() < maxRawHashes {
				if _, err := password.Hash("copper lantern raw harbor"); err == nil {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

// resetsRun runs background patients open loop; after settle it has
// resets patients reach the new-password question together and answer it
// at once, and measures how fast the resets complete and what happens to
// the background's latency meanwhile.
func resetsRun(ctx context.Context, out io.Writer, e *env, pl *pool, resets, background int,
	bgRate float64, settle time.Duration, raw float64, stats func(context.Context) (ServerStats, error)) ResetResult {
	r := ResetResult{RawHashesPerSec: round1(raw), Background: background, BackgroundRate: bgRate}
	before, during, discard := &recorder{}, &recorder{}, &recorder{}
	bg := newDialogRun(e, pl, time.Duration(float64(background)/bgRate*float64(time.Second)), discard)
	bg.stopAt(time.Now().Add(resetsTimeout))
	bgDone := bg.start(ctx, background)

	rs := newDialogRun(e, pl, 0, discard)
	rs.reset, rs.once = true, true
	rs.stopAt(time.Now().Add(resetsTimeout))
	var arrived atomic.Int64
	release, ready := make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	open := func() { releaseOnce.Do(func() { close(release) }) }
	rs.atPassword = func(ctx context.Context) error {
		if arrived.Add(1) == int64(resets) {
			close(ready)
		}
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p := startProgress(out, "resets", func() string {
		return fmt.Sprintf("%d at the password question, %d reset, %d failures, background %d turns",
			arrived.Load(), rs.counters.dialogs.Load(), rs.counters.failures.Load(), bg.counters.turns.Load())
	})
	defer p.end()
	// Everyone starts together; the reset patients run closed loop up to
	// the password question and wait there. Then the background alone is
	// measured for settle ("before"), then the resets are released
	// ("during").
	resetDone := rs.start(ctx, resets)
	select {
	case <-ready:
	case <-time.After(barrierTimeout):
	case <-ctx.Done():
	}
	bg.turns.Store(before)
	select {
	case <-time.After(settle):
	case <-ctx.Done():
	}
	bg.turns.Store(during)
	s0, _ := stats(ctx)
	pids := []int{s0.PID}
	if s0.HashWorkerPID != 0 {
		pids = append(pids, s0.HashWorkerPID)
	}
	cpu := startCPU(pids...)
	released := time.Now()
	open()
	resetDone.Wait()
	el := time.Since(released)
	r.ServerCPU = round1(cpu.percent())
	if s1, err := stats(ctx); err == nil {
		r.HashMaxQueued = s1.HashMaxQueued
		if n := s1.Hashes - s0.Hashes; n > 0 {
			r.HashWaitMs = round3((s1.HashWaitSeconds - s0.HashWaitSeconds) * 1000 / float64(n))
		}
		r.ServerGCs = s1.NumGC - s0.NumGC
		r.ServerGCPerSec = round1(float64(r.ServerGCs) / el.Seconds())
	}
	bg.turns.Store(discard)
	bg.stopAt(time.Now())
	bgDone.Wait()

	r.Resets, r.Failures = rs.counters.dialogs.Load(), rs.counters.failures.Load()
	if s := rs.counters.lastErr.Load(); s != nil {
		r.LastError = *s
	}
	r.Seconds = round3(el.Seconds())
	r.ResetsPerSec = round1(float64(r.Resets) / el.Seconds())
	r.RatioToRaw = ratio(r.ResetsPerSec, r.RawHashesPerSec)
	r.ResetLatency = rs.resetLat.summary()
	r.BackgroundBefore, r.BackgroundDuring = before.summary(), during.summary()
	r.P99Growth = ratio(r.BackgroundDuring.P99, r.BackgroundBefore.P99)
	return r
}
