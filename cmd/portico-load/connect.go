package main

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
)

// dialParallelism is how many connections are being opened at once.
const dialParallelism = 64

// connectN opens n connections with open, dialParallelism at a time, and
// returns those that opened. checkpoint, if not nil, is called once each
// time as many connections as an element of at (ascending) are open,
// before the rest are opened.
func connectN[T io.Closer](ctx context.Context, n int, open func(context.Context) (T, error),
	at []int, checkpoint func(), opened *atomic.Int64, failed *atomic.Int64) []T {
	out := make([]T, 0, n)
	var mu sync.Mutex
	run := func(count int) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(dialParallelism, count) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for next.Add(1) <= int64(count) && ctx.Err() == nil {
					c, err := open(ctx)
					if err != nil {
						failed.Add(1)
						continue
					}
					opened.Add(1)
					mu.Lock()
					out = append(out, c)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	done := 0
	for _, a := range at {
		if checkpoint == nil || a <= done || a >= n {
			continue
		}
		run(a - done)
		checkpoint()
		done = a
	}
	run(n - done)
	return out
}

// closeAll closes every connection, dialParallelism at a time.
func closeAll[T io.Closer](cs []T) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range dialParallelism {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(cs)) {
					return
				}
				cs[i].Close()
			}
		}()
	}
	wg.Wait()
}
