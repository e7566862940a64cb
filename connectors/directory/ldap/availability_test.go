package ldap

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
)

// testClock is a settable time for the breaker and the pool: now reads
// it, advance moves it on.
func testClock() (now func() time.Time, advance func(time.Duration)) {
	var ns atomic.Int64
	ns.Store(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).UnixNano())
	return func() time.Time { return time.Unix(0, ns.Load()) },
		func(d time.Duration) { ns.Add(int64(d)) }
}

// failFast is how long a call may take once the breaker is open.
const failFast = 20 * time.Millisecond

// timed runs f and returns how long it took.
func timed(f func()) time.Duration {
	start := time.Now()
	f()
	return time.Since(start)
}

// withClock gives d a test clock and returns its advance.
func withClock(d *Directory) (advance func(time.Duration)) {
	now, advance := testClock()
	d.now = now
	return advance
}

func TestSlapdStoppedThenBack(t *testing.T) {
	srv, d := startDirectory(t, slapdtest.Options{}, func(c *Config) {
		c.BreakerFailures = 3
		c.BreakerCooldown = 30 * time.Second
	})
	advance := withClock(d)
	ctx := testContext(t)
	ana := Lookup{FirstName: "Ana", LastName: "Testcase", DOB: "1980-01-02", ZIP: "02139"}
	if _, err := d.Find(ctx, ana); err != nil {
		t.Fatalf("Find before the stop: %v", err)
	}

	srv.Stop()
	for i := 0; i < 3; i++ {
		var err error
		took := timed(func() { _, err = d.Find(ctx, ana) })
		wantCode(t, "Find while slapd is down", err, CodeUnavailable, "")
		if took > d.cfg.Timeout {
			t.Fatalf("call %d took %v, more than the %v timeout", i, took, d.cfg.Timeout)
		}
	}
	if d.Available() {
		t.Fatal("Available after 3 consecutive failures: want the breaker open")
	}
	// Open: every call fails at once, without trying the server.
	for i := 0; i < 20; i++ {
		var err error
		took := timed(func() { err = d.SetPassword(ctx, "DEMO-1011", goodPassword, "") })
		wantCode(t, "SetPassword with the breaker open", err, CodeUnavailable, "")
		if took > failFast {
			t.Fatalf("call with the breaker open took %v, want under %v", took, failFast)
		}
	}

	srv.Restart()
	// Still open until the cool-down passes, even though slapd is back.
	if _, err := d.Find(ctx, ana); CodeOf(err) != CodeUnavailable {
		t.Fatalf("Find before the cool-down: got %v, want unavailable", err)
	}
	advance(d.cfg.BreakerCooldown)
	if id, err := d.Find(ctx, ana); err != nil || id != "DEMO-1001" {
		t.Fatalf("Find after slapd returned = %q, %v; want DEMO-1001", id, err)
	}
	if !d.Available() {
		t.Fatal("breaker still open after a successful trial call")
	}
	if err := d.SetPassword(ctx, "DEMO-1011", goodPassword, ""); err != nil {
		t.Fatalf("SetPassword after recovery: %v", err)
	}
	if err := srv.Bind(slapdtest.PatientDN("DEMO-1011"), goodPassword); err != nil {
		t.Fatalf("bind after recovery: %v", err)
	}
}

// A server that accepts connections but answers nothing (SIGSTOP) costs
// one timeout per call until the breaker opens; then calls fail at once.
func TestHungSlapdTimesOutThenFailsFast(t *testing.T) {
	const timeout = 300 * time.Millisecond
	srv, d := startDirectory(t, slapdtest.Options{}, func(c *Config) {
		c.Timeout, c.DialTimeout = timeout, timeout
		c.BreakerFailures = 2
	})
	advance := withClock(d)
	ctx := testContext(t)
	if _, err := d.Account(ctx, "DEMO-1011"); err != nil {
		t.Fatalf("Account before the pause: %v", err)
	}

	srv.Pause()
	for i := 0; i < 2; i++ {
		var err error
		took := timed(func() { _, err = d.Account(ctx, "DEMO-1011") })
		wantCode(t, "Account while slapd hangs", err, CodeUnavailable, "")
		if took < timeout/2 || took > 3*timeout {
			t.Fatalf("call %d took %v, want about the %v timeout", i, took, timeout)
		}
	}
	took := timed(func() { _, err := d.Account(ctx, "DEMO-1011"); wantCode(t, "open breaker", err, CodeUnavailable, "") })
	if took > failFast {
		t.Fatalf("call with the breaker open took %v, want under %v", took, failFast)
	}

	// A caller's own deadline shorter than the timeout is kept too.
	srv.Resume()
	srv.Pause()
	advance(d.cfg.BreakerCooldown)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	took = timed(func() {
		_, err := d.Account(short, "DEMO-1011")
		wantCode(t, "short deadline", err, CodeUnavailable, "")
	})
	if took > timeout {
		t.Fatalf("call with a 50ms deadline took %v", took)
	}

	srv.Resume()
	advance(d.cfg.BreakerCooldown)
	if a, err := d.Account(ctx, "DEMO-1011"); err != nil || a.Status != StatusActive {
		t.Fatalf("Account after the server resumed = %+v, %v", a, err)
	}
}

// The service account's password is wrong: every call is unavailable
// (the engine offers a person), and the password appears in no error.
func TestWrongServicePassword(t *testing.T) {
	_, d := startDirectory(t, slapdtest.Options{}, func(c *Config) { c.BindPassword = "not the service password" })
	ctx := testContext(t)
	_, err := d.Find(ctx, Lookup{MRN: "DEMO-1001"})
	wantCode(t, "Find with a wrong service password", err, CodeUnavailable, "")
}
