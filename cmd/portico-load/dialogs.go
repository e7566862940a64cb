package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// dialogPause is how long a worker waits after a failed dialog before the
// next, so a refusing server is not hammered in a tight loop.
const dialogPause = 50 * time.Millisecond

// dialogCounters are shared by a scenario's workers.
type dialogCounters struct {
	turns     atomic.Int64
	dialogs   atomic.Int64 // reached the end the scenario wanted
	failures  atomic.Int64
	exhausted atomic.Bool // the patient records ran out
	lastErr   atomic.Pointer[string]
}

func (c *dialogCounters) failed(err error) {
	c.failures.Add(1)
	s := err.Error()
	c.lastErr.Store(&s)
}

// dialogRun is one worker's plan.
type dialogRun struct {
	env      *env
	pool     *pool
	until    atomic.Int64  // unix nanoseconds; workers stop starting turns after it
	once     bool          // one dialog per worker
	interval time.Duration // between one patient's turns (open loop); 0: closed loop
	reset    bool          // also choose the new password (argon2id)
	turns    *atomic.Pointer[recorder]
	raw      *recorder // latency from the actual send, without the schedule correction
	counters *dialogCounters
	// atPassword, if set, is called when a patient reaches the password
	// question; the worker answers once it returns (the resets barrier).
	atPassword func(ctx context.Context) error
	resetLat   *recorder
}

// worker runs complete dialogs, one patient record each, until the
// deadline: hello straight into reset_password, every question answered
// by its slot, up to the new-password question (and through it when
// reset is set), then bye.
func (d *dialogRun) worker(ctx context.Context, phase time.Duration) {
	if phase > 0 {
		select {
		case <-time.After(phase):
		case <-ctx.Done():
			return
		}
	}
	for d.running() && ctx.Err() == nil {
		p, ok := d.pool.take()
		if !ok {
			d.counters.exhausted.Store(true)
			return
		}
		if err := d.dialog(ctx, p); err != nil {
			d.counters.failed(err)
			time.Sleep(dialogPause)
		}
		if d.once {
			return
		}
	}
}

func (d *dialogRun) running() bool { return time.Now().UnixNano() < d.until.Load() }

// stopAt sets the time after which no turn starts.
func (d *dialogRun) stopAt(t time.Time) { d.until.Store(t.UnixNano()) }

func (d *dialogRun) dialog(ctx context.Context, p Patient) error {
	s, _, err := d.env.open(ctx, "reset_password")
	if err != nil {
		return err
	}
	defer s.close()
	sched := time.Now().Add(d.interval)
	for d.running() && ctx.Err() == nil {
		slot := s.slot()
		if slot == "new_password" && !d.reset {
			d.counters.dialogs.Add(1)
			return nil
		}
		text, reply, err := s.answer(ctx, p)
		if errors.Is(err, errEnded) {
			return fmt.Errorf("dialog ended (%s) before the password question", s.ended)
		}
		if err != nil {
			return err
		}
		if slot == "otp" || slot == "new_password" {
			sched = maxTime(sched, time.Now()) // our own wait (the outbox, the barrier) is not the server's
		}
		if slot == "new_password" && d.atPassword != nil {
			if err := d.atPassword(ctx); err != nil {
				return err
			}
			sched = time.Now()
		}
		if d.interval > 0 {
			if w := time.Until(sched); w > 0 {
				time.Sleep(w)
			}
		} else {
			sched = time.Now()
		}
		late := max(0, time.Since(sched))
		lat, err := s.say(ctx, text, reply)
		if err != nil {
			d.turns.Load().fail()
			return err
		}
		d.counters.turns.Add(1)
		if slot == "new_password" {
			d.resetLat.add(lat)
			if s.ended != "closed" {
				return fmt.Errorf("reset ended %q, want closed", s.ended)
			}
			d.counters.dialogs.Add(1)
			return nil
		}
		d.turns.Load().add(lat + late)
		d.raw.add(lat)
		sched = sched.Add(d.interval)
	}
	return nil
}

func newDialogRun(e *env, pl *pool, interval time.Duration, rec *recorder) *dialogRun {
	d := &dialogRun{env: e, pool: pl, interval: interval, turns: &atomic.Pointer[recorder]{},
		raw: &recorder{}, counters: &dialogCounters{}, resetLat: &recorder{}}
	d.turns.Store(rec)
	return d
}

// start starts n workers; interval 0 runs them closed loop. Workers
// start spread over one interval so the arrivals are even.
func (d *dialogRun) start(ctx context.Context, n int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		var phase time.Duration
		if d.interval > 0 {
			phase = time.Duration(rand.Int64N(int64(d.interval)))
		}
		go func() {
			defer wg.Done()
			d.worker(ctx, phase)
		}()
	}
	return &wg
}

// DialogResult is a dialogs run: turn latency from sending say to the
// first bot message, throughput, and the database's group commits.
type DialogResult struct {
	Patients        int     `json:"patients"`
	TargetRate      float64 `json:"target_turns_per_s,omitempty"` // open loop; 0 for closed loop
	Seconds         float64 `json:"seconds"`
	Turns           int64   `json:"turns"`
	TurnsPerSec     float64 `json:"turns_per_s"`
	Dialogs         int64   `json:"dialogs"`
	Failures        int64   `json:"failures"`
	LastError       string  `json:"last_error,omitempty"`
	Exhausted       bool    `json:"records_exhausted,omitempty"`
	Latency         Summary `json:"latency"`     // from the intended send time (open loop)
	RawLatency      Summary `json:"raw_latency"` // from the actual send time
	CommitsPerSec   float64 `json:"db_commits_per_s"`
	WritesPerCommit float64 `json:"db_writes_per_commit"`
	SyncsPerSec     float64 `json:"db_fsyncs_per_s"`
	WritesPerSync   float64 `json:"db_writes_per_fsync"`
	// The WAL's fsync times in the run, as bucket bounds (SQLite only):
	// a durable turn waits for at least one.
	SyncP50Ms float64 `json:"db_fsync_p50_ms,omitempty"`
	SyncP99Ms float64 `json:"db_fsync_p99_ms,omitempty"`
	ServerCPU float64 `json:"server_cpu_percent"`
	// CPUPerTurnMs is the server's CPU time (user and system, from /proc)
	// over the run divided by the turns: what a turn costs a node.
	CPUPerTurnMs float64 `json:"server_cpu_ms_per_turn"`
	RSSMiB       float64 `json:"server_rss_mib"` // at the end of the run
}

// dialogsRun runs n patients for dur, open loop at rate turns/s in all
// (0: closed loop, each patient's next turn as soon as the last is done).
func dialogsRun(ctx context.Context, out io.Writer, name string, e *env, pl *pool, n int, rate float64,
	dur time.Duration, stats func(context.Context) (ServerStats, error)) (DialogResult, *recorder) {
	r := DialogResult{Patients: n, TargetRate: rate}
	var interval time.Duration
	if rate > 0 {
		interval = time.Duration(float64(n) / rate * float64(time.Second))
	}
	rec := &recorder{}
	d := newDialogRun(e, pl, interval, rec)
	d.stopAt(time.Now().Add(dur))
	before, _ := stats(ctx)
	cpu := startCPU(append([]int{before.PID}, e.otherPIDs(before.PID)...)...)
	start := time.Now()
	p := startProgress(out, name, func() string {
		t := d.counters.turns.Load()
		return fmt.Sprintf("%d turns (%.0f/s), %d dialogs, %d failures", t,
			float64(t)/time.Since(start).Seconds(), d.counters.dialogs.Load(), d.counters.failures.Load())
	})
	d.start(ctx, n).Wait()
	p.end()
	el := time.Since(start)
	after, _ := stats(ctx)
	r.ServerCPU = round1(cpu.percent())
	r.Seconds = round3(el.Seconds())
	r.Turns, r.Dialogs, r.Failures = d.counters.turns.Load(), d.counters.dialogs.Load(), d.counters.failures.Load()
	r.TurnsPerSec = round1(float64(r.Turns) / el.Seconds())
	r.Exhausted = d.counters.exhausted.Load()
	if s := d.counters.lastErr.Load(); s != nil {
		r.LastError = *s
	}
	r.Latency, r.RawLatency = rec.summary(), d.raw.summary()
	if c := after.DBCommits - before.DBCommits; c > 0 {
		r.CommitsPerSec = round1(float64(c) / el.Seconds())
		r.WritesPerCommit = round3(float64(after.DBWrites-before.DBWrites) / float64(c))
	}
	if s := after.DBSyncs - before.DBSyncs; s > 0 {
		r.SyncsPerSec = round1(float64(s) / el.Seconds())
		r.WritesPerSync = round3(float64(after.DBWrites-before.DBWrites) / float64(s))
		r.SyncP50Ms, r.SyncP99Ms = syncPercentile(before, after, 0.5), syncPercentile(before, after, 0.99)
	}
	if r.Turns > 0 {
		r.CPUPerTurnMs = round3(r.ServerCPU / 100 * el.Seconds() * 1000 / float64(r.Turns))
	}
	r.RSSMiB = mib(after.RSSBytes)
	return r, rec
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
