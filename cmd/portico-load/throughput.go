package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/portico-chat/portico/connectors/web/client"
)

// EchoResult is one echo baseline: idle memory and closed-loop messages.
type EchoResult struct {
	Name       string     `json:"name"`
	Idle       IdleResult `json:"idle"`
	Conns      int        `json:"conns"`
	Seconds    float64    `json:"seconds"`
	Messages   int64      `json:"messages"`
	MsgsPerSec float64    `json:"msgs_per_s"`
	Latency    Summary    `json:"latency"`
	ServerCPU  float64    `json:"server_cpu_percent"`
	Error      string     `json:"error,omitempty"`
	recorder   *recorder
}

// echoThroughput runs n connections closed loop against an echo server
// for dur: each sends a say-shaped frame with the same client code as the
// patients and waits for it to come back.
func echoThroughput(ctx context.Context, out io.Writer, name string, e *env, n int, dur time.Duration, pid int) EchoResult {
	r := EchoResult{Name: name, Conns: n, recorder: &recorder{}}
	var opened, failed atomic.Int64
	conns := connectN(ctx, n, func(ctx context.Context) (*client.Conn, error) { return e.dial(ctx) }, nil, nil, &opened, &failed)
	defer closeAll(conns)
	if len(conns) == 0 {
		r.Error = "no connection opened"
		return r
	}
	var msgs atomic.Int64
	until := time.Now().Add(dur)
	cpu := startCPU(pid)
	start := time.Now()
	p := startProgress(out, name, func() string {
		return fmt.Sprintf("%d messages (%.0f/s)", msgs.Load(), float64(msgs.Load())/time.Since(start).Seconds())
	})
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; time.Now().Before(until) && ctx.Err() == nil; k++ {
				tctx, cancel := context.WithTimeout(ctx, e.turnTimeout)
				sent := time.Now()
				err := c.Say(fmt.Sprintf("e%d-%d", i, k), "01/31/1990", "")
				if err == nil {
					_, err = c.Next(tctx)
				}
				cancel()
				if err != nil {
					r.recorder.fail()
					return
				}
				r.recorder.add(time.Since(sent))
				msgs.Add(1)
			}
		}()
	}
	wg.Wait()
	p.end()
	el := time.Since(start)
	r.ServerCPU = round1(cpu.percent())
	r.Seconds = round3(el.Seconds())
	r.Messages = msgs.Load()
	r.MsgsPerSec = round1(float64(r.Messages) / el.Seconds())
	r.Latency = r.recorder.summary()
	return r
}
