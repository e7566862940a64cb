package pad

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/pad/padtest"
)

// backend answers a miss 2 ms faster than a hit, as a remote directory
// does when it stops searching early.
func backend(hit bool) error {
	if hit {
		time.Sleep(3 * time.Millisecond)
		return nil
	}
	time.Sleep(time.Millisecond)
	return errors.New("not found")
}

// TestPaddedMissAndHitAreIndistinguishable: 200 interleaved trials; unpadded
// the medians differ by about 2 ms, padded by less than 0.1 ms.
func TestPaddedMissAndHitAreIndistinguishable(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	const trials = 200
	ctx := context.Background()
	f := Floor{Min: 10 * time.Millisecond}
	rawHit, rawMiss := padtest.Interleaved(trials, func() { _ = backend(true) }, func() { _ = backend(false) })
	if d := rawHit - rawMiss; d < time.Millisecond {
		t.Fatalf("unpadded medians differ by %v: the backend does not show the difference this test hides", d)
	}
	padtest.Indistinguishable(t, 100*time.Microsecond,
		func() { _ = f.Do(ctx, func(context.Context) error { return backend(true) }) },
		func() { _ = f.Do(ctx, func(context.Context) error { return backend(false) }) })
	start := time.Now()
	_ = f.Do(ctx, func(context.Context) error { return backend(false) })
	miss := time.Since(start)
	if miss < f.Min {
		t.Errorf("a padded miss took %v, below the floor %v", miss, f.Min)
	}
}

func TestWaitReportsOverrun(t *testing.T) {
	f := Floor{Min: time.Millisecond}
	d := f.Start()
	time.Sleep(5 * time.Millisecond)
	if over := d.Wait(context.Background()); over < 3*time.Millisecond {
		t.Errorf("overrun: got %v, want about 4 ms", over)
	}
	d = Floor{Min: 20 * time.Millisecond}.Start()
	if over := d.Wait(context.Background()); over != 0 {
		t.Errorf("covered call: overrun %v, want 0", over)
	}
}

func TestWaitEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	d := Floor{Min: time.Hour}.Start()
	cancel()
	done := make(chan struct{})
	go func() { d.Wait(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Wait did not return when its context ended")
	}
}

func TestZeroFloorPadsNothing(t *testing.T) {
	start := time.Now()
	err := Floor{}.Do(context.Background(), func(context.Context) error { return errors.New("x") })
	if err == nil || err.Error() != "x" {
		t.Errorf("Do returned %v, want fn's error", err)
	}
	if el := time.Since(start); el > 50*time.Millisecond {
		t.Errorf("zero floor took %v", el)
	}
}
