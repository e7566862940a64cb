package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// ChurnResult is the churn scenario: n patients lose their connections and
// all come back within a window, resuming their conversations.
type ChurnResult struct {
	Patients   int     `json:"patients"`
	Opened     int     `json:"opened"`
	Within     float64 `json:"within_seconds"`
	Resumed    int     `json:"resumed"`
	Failures   int     `json:"failures"`
	Welcome    Summary `json:"welcome_latency"` // hello(resume) → welcome
	Replay     Summary `json:"replay_latency"`  // hello(resume) → last replayed message
	ServerCPU  float64 `json:"server_cpu_percent"`
	TookSecond float64 `json:"took_seconds"`
}

// churnRun opens n conversations, drops every socket without a close
// frame (a network failure), then reconnects them evenly within `within`,
// each with hello{resume, last_seq: 0} so the whole transcript replays.
func churnRun(ctx context.Context, out io.Writer, e *env, n int, within time.Duration, pid int) ChurnResult {
	r := ChurnResult{Patients: n, Within: within.Seconds()}
	var opened, failed atomic.Int64
	sims := connectN(ctx, n, func(ctx context.Context) (*sim, error) {
		s, _, err := e.open(ctx, "")
		return s, err
	}, nil, nil, &opened, &failed)
	r.Opened = len(sims)
	for _, s := range sims {
		s.c.Drop()
	}
	welcome, replay := &recorder{}, &recorder{}
	var resumed atomic.Int64
	start := time.Now()
	cpu := startCPU(pid)
	p := startProgress(out, "churn", func() string {
		return fmt.Sprintf("%d of %d resumed", resumed.Load(), len(sims))
	})
	var wg sync.WaitGroup
	for i, s := range sims {
		at := start.Add(time.Duration(float64(within) * float64(i) / float64(max(1, len(sims)))))
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(at))
			c, err := e.dial(ctx)
			if err != nil {
				welcome.fail()
				return
			}
			s.c = c
			w, rp, err := s.hello(ctx, "", s.resume, 0)
			if err != nil {
				welcome.fail()
				c.Drop()
				return
			}
			welcome.add(w)
			replay.add(rp)
			resumed.Add(1)
		}()
	}
	wg.Wait()
	p.end()
	r.TookSecond = round3(time.Since(start).Seconds())
	r.ServerCPU = round1(cpu.percent())
	r.Resumed = int(resumed.Load())
	r.Welcome, r.Replay = welcome.summary(), replay.summary()
	r.Failures = r.Welcome.Errors + int(failed.Load())
	closeAll(sims)
	return r
}
