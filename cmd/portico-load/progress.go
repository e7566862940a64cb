package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progressEvery is how often a running step prints where it is.
const progressEvery = 2 * time.Second

// progress prints a step's counters every progressEvery until stopped.
type progress struct {
	stop chan struct{}
	done sync.WaitGroup
}

func startProgress(w io.Writer, name string, line func() string) *progress {
	p := &progress{stop: make(chan struct{})}
	start := time.Now()
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(progressEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				fmt.Fprintf(w, "  [%5.1fs] %s: %s\n", time.Since(start).Seconds(), name, line())
			case <-p.stop:
				return
			}
		}
	}()
	return p
}

func (p *progress) end() {
	close(p.stop)
	p.done.Wait()
}
