package ldap

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestBreakerOpensAfterConsecutiveFailures(t *testing.T) {
	now, advance := testClock()
	var changes []string
	b := newBreaker(3, 10*time.Second, now, func(from, to string) { changes = append(changes, from+">"+to) })

	for i := 0; i < 2; i++ {
		if !b.allow() {
			t.Fatalf("call %d refused with %d failures", i, i)
		}
		b.failure()
	}
	b.allow()
	b.success() // a success in between resets the count
	for i := 0; i < 2; i++ {
		b.allow()
		b.failure()
	}
	if b.current() != breakerClosed {
		t.Fatalf("state %s after 2 consecutive failures, want closed", b.current())
	}
	b.allow()
	b.failure()
	if b.current() != breakerOpen || b.allow() {
		t.Fatalf("after 3 consecutive failures: state %s, allow true; want open, refused", b.current())
	}
	advance(10*time.Second - time.Nanosecond)
	if b.allow() {
		t.Fatal("allowed before the cool-down ended")
	}
	advance(time.Nanosecond)
	if !b.allow() || b.current() != breakerHalfOpen {
		t.Fatalf("after the cool-down: want one trial call, state half_open; got %s", b.current())
	}
	b.failure() // the trial failed: open again, for a whole cool-down
	if b.current() != breakerOpen || b.allow() {
		t.Fatalf("after a failed trial: state %s", b.current())
	}
	advance(10 * time.Second)
	b.allow()
	b.success()
	if b.current() != breakerClosed {
		t.Fatalf("after a good trial: state %s, want closed", b.current())
	}
	want := []string{"closed>open", "open>half_open", "half_open>open", "open>half_open", "half_open>closed"}
	if len(changes) != len(want) {
		t.Fatalf("changes %v, want %v", changes, want)
	}
	for i := range want {
		if changes[i] != want[i] {
			t.Fatalf("changes %v, want %v", changes, want)
		}
	}
}

// Half-open lets exactly one of many simultaneous callers through.
func TestBreakerHalfOpenAdmitsExactlyOne(t *testing.T) {
	const n = 50
	now, advance := testClock()
	b := newBreaker(1, time.Second, now, nil)
	b.allow()
	b.failure()
	advance(time.Second)
	var admitted atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if b.allow() {
				admitted.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if got := admitted.Load(); got != 1 {
		t.Fatalf("%d of %d callers admitted while half-open, want exactly 1", got, n)
	}
	// The trial's caller gave up: the next caller becomes the trial.
	b.abandon()
	if !b.allow() {
		t.Fatal("after an abandoned trial, the next call should be the trial")
	}
}
