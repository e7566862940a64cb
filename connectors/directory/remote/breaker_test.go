package remote

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// newBreaker returns a breaker on a clock the test moves with advance.
func newBreaker() (b *Breaker, advance func(time.Duration)) {
	var now atomic.Int64
	now.Store(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	b = &Breaker{Threshold: 3, Cooldown: 10 * time.Second, Now: func() time.Time { return time.Unix(0, now.Load()) }}
	return b, func(d time.Duration) { now.Add(int64(d)) }
}

var errDown = Unavailable("test: down")

func fail(context.Context) error    { return errDown }
func succeed(context.Context) error { return nil }

func TestBreakerOpensAfterThresholdConsecutiveFailures(t *testing.T) {
	b, _ := newBreaker()
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		_ = b.Do(ctx, fail)
	}
	_ = b.Do(ctx, succeed) // a success resets the count
	for i := 0; i < 2; i++ {
		_ = b.Do(ctx, fail)
	}
	if got := b.State(); got != BreakerClosed {
		t.Fatalf("after 2 consecutive failures: state %s, want closed", got)
	}
	_ = b.Do(ctx, fail)
	if got := b.State(); got != BreakerOpen {
		t.Fatalf("after 3 consecutive failures: state %s, want open", got)
	}
	ran := false
	err := b.Do(ctx, func(context.Context) error { ran = true; return nil })
	if ran || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("open circuit: ran %v err %v, want fail fast with ErrUnavailable", ran, err)
	}
}

func TestBreakerIgnoresDirectoryAnswers(t *testing.T) {
	b, _ := newBreaker()
	for _, err := range []error{ErrNotFound, ErrConflict, Invalid(ReasonTooShort), errors.New("bug")} {
		for i := 0; i < 5; i++ {
			_ = b.Do(context.Background(), func(context.Context) error { return err })
		}
		if got := b.State(); got != BreakerClosed {
			t.Errorf("after 5 × %v: state %s, want closed", err, got)
		}
	}
}

func TestBreakerIgnoresCallsTheCallerCancelled(t *testing.T) {
	b, _ := newBreaker()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := 0; i < 5; i++ {
		_ = b.Do(ctx, fail)
	}
	if got := b.State(); got != BreakerClosed {
		t.Errorf("state %s after cancelled calls, want closed", got)
	}
}

// TestBreakerHalfOpenLetsExactlyOneTrial: 20 concurrent calls after the
// cooldown; exactly one reaches the directory.
func TestBreakerHalfOpenLetsExactlyOneTrial(t *testing.T) {
	for _, tc := range []struct {
		name      string
		trial     func(context.Context) error
		wantState string
	}{
		{"trial succeeds", succeed, BreakerClosed},
		{"trial fails", fail, BreakerOpen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, advance := newBreaker()
			for i := 0; i < 3; i++ {
				_ = b.Do(context.Background(), fail)
			}
			advance(10 * time.Second)
			if got := b.State(); got != BreakerHalfOpen {
				t.Fatalf("after cooldown: state %s, want half-open", got)
			}
			const n = 20
			var ran atomic.Int32
			release := make(chan struct{})
			results := make(chan error, n)
			for i := 0; i < n; i++ {
				go func() {
					results <- b.Do(context.Background(), func(ctx context.Context) error {
						ran.Add(1)
						<-release
						return tc.trial(ctx)
					})
				}()
			}
			// The trial blocks until released, so the first n-1 results are
			// the calls refused while it runs.
			for i := 0; i < n-1; i++ {
				if err := <-results; !errors.Is(err, errOpen) {
					t.Errorf("a call during the trial: got %v, want the open-circuit error", err)
				}
			}
			close(release)
			<-results
			if got := ran.Load(); got != 1 {
				t.Errorf("calls that reached the directory: got %d, want 1", got)
			}
			if got := b.State(); got != tc.wantState {
				t.Errorf("state after the trial: got %s, want %s", got, tc.wantState)
			}
		})
	}
}

func TestBreakerZeroValueUsesDefaults(t *testing.T) {
	var b Breaker
	for i := 0; i < DefaultBreakerThreshold-1; i++ {
		_ = b.Do(context.Background(), fail)
	}
	if b.State() != BreakerClosed {
		t.Fatalf("opened before %d failures", DefaultBreakerThreshold)
	}
	_ = b.Do(context.Background(), fail)
	if b.State() != BreakerOpen {
		t.Fatalf("not open after %d failures", DefaultBreakerThreshold)
	}
}
