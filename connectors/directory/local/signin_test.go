package local

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
)

func TestSignIn(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name, user, pass string
		wantID, wantCode string
	}{
		{name: "good", user: "jnunez", pass: goodPassword, wantID: "r-jose"},
		{name: "username any case", user: " JNunez ", pass: goodPassword, wantID: "r-jose"},
		{name: "wrong password", user: "jnunez", pass: otherPassword, wantCode: bot.EUNAUTHORIZED},
		{name: "password in other case", user: "jnunez", pass: strings.ToUpper(goodPassword), wantCode: bot.EUNAUTHORIZED},
		{name: "unknown user", user: "nobody", pass: goodPassword, wantCode: bot.ENOTFOUND},
		{name: "malformed user", user: "x", pass: goodPassword, wantCode: bot.ENOTFOUND},
		{name: "locked, right password", user: "lou.lockwood", pass: goodPassword, wantCode: bot.ELOCKED},
		{name: "disabled, right password", user: "dee", pass: goodPassword, wantCode: bot.ELOCKED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := f.dir.SignIn(ctx, tt.user, tt.pass)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode, "")
				if id != "" {
					t.Errorf("got record %q with the error, want none", id)
				}
				return
			}
			if err != nil || id != tt.wantID {
				t.Errorf("got %q, %v; want %q, nil", id, err, tt.wantID)
			}
		})
	}
}

func TestSignInLocksAfterTooManyFailuresAndResetLifts(t *testing.T) {
	var logs bytes.Buffer
	f := newFixture(t)
	f.dir = New(f.records, password.Policy{}, f.clock, zerolog.New(&logs))
	ctx := context.Background()
	for i := 1; i < MaxFailedSignIns; i++ {
		_, err := f.dir.SignIn(ctx, "jnunez", "wrong password number one")
		wantCode(t, err, bot.EUNAUTHORIZED, "")
		if p, _ := f.records.Patient(ctx, "r-jose"); p.FailedSignIns != i || p.Status != bot.AccountActive {
			t.Fatalf("after %d failures: got %d counted, status %s; want %d, active", i, p.FailedSignIns, p.Status, i)
		}
	}
	_, err := f.dir.SignIn(ctx, "jnunez", "wrong password number one")
	wantCode(t, err, bot.ELOCKED, "")
	if p, _ := f.records.Patient(ctx, "r-jose"); p.Status != bot.AccountLocked {
		t.Fatalf("after %d failures: got status %s, want locked", MaxFailedSignIns, p.Status)
	}
	// The right password no longer helps.
	_, err = f.dir.SignIn(ctx, "jnunez", goodPassword)
	wantCode(t, err, bot.ELOCKED, "")

	if err := f.dir.SetPassword(ctx, "r-jose", otherPassword, "conv:1"); err != nil {
		t.Fatal(err)
	}
	if id, err := f.dir.SignIn(ctx, "jnunez", otherPassword); err != nil || id != "r-jose" {
		t.Errorf("after reset: got %q, %v; want r-jose", id, err)
	}
	for _, secret := range []string{"wrong password number one", goodPassword, otherPassword, "1975-06-30", "Núñez"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs hold %q:\n%s", secret, logs.String())
		}
	}
	if !strings.Contains(logs.String(), "locked") {
		t.Errorf("logs say nothing of the lockout:\n%s", logs.String())
	}
}

func TestSignInSuccessClearsFailures(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for range 3 {
		f.dir.SignIn(ctx, "jnunez", "wrong password number two")
	}
	if _, err := f.dir.SignIn(ctx, "jnunez", goodPassword); err != nil {
		t.Fatal(err)
	}
	if p, _ := f.records.Patient(ctx, "r-jose"); p.FailedSignIns != 0 {
		t.Errorf("got %d failures after a good sign-in, want 0", p.FailedSignIns)
	}
}

func TestSignInWithoutPassword(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// An imported active account has a username but no password yet.
	f.records.UpdatePatient(ctx, "r-twin1", "", func(p *patients.Patient) error {
		p.Username, p.Status = "kim.twin", bot.AccountActive
		return nil
	})
	for _, pw := range []string{"", goodPassword} {
		_, err := f.dir.SignIn(ctx, "kim.twin", pw)
		wantCode(t, err, bot.EUNAUTHORIZED, "")
	}
}

// TestSignInLockoutHoldsUnderABurst: 30 wrong passwords at once. Each is
// counted before it is compared, so exactly MaxFailedSignIns-1 are told
// "wrong", the one that reaches the limit locks the account, and the rest
// find it locked; the count stops at the limit.
func TestSignInLockoutHoldsUnderABurst(t *testing.T) {
	const n = 30
	f := newFixture(t)
	ctx := context.Background()
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = f.dir.SignIn(ctx, "jnunez", fmt.Sprintf("wrong password number %d", i))
		}()
	}
	close(start)
	wg.Wait()
	wrong, locked := 0, 0
	for _, err := range errs {
		switch bot.ErrorCode(err) {
		case bot.EUNAUTHORIZED:
			wrong++
		case bot.ELOCKED:
			locked++
		default:
			t.Errorf("got %v, want EUNAUTHORIZED or ELOCKED", err)
		}
	}
	if wrong != MaxFailedSignIns-1 || locked != n-wrong {
		t.Errorf("%d told wrong, %d locked; want exactly %d wrong", wrong, locked, MaxFailedSignIns-1)
	}
	if p, _ := f.records.Patient(ctx, "r-jose"); p.Status != bot.AccountLocked || p.FailedSignIns != MaxFailedSignIns {
		t.Errorf("after the burst: status %s, %d failures; want locked with %d", p.Status, p.FailedSignIns, MaxFailedSignIns)
	}
	if _, err := f.dir.SignIn(ctx, "jnunez", goodPassword); bot.ErrorCode(err) != bot.ELOCKED {
		t.Errorf("right password after the burst: got %v, want ELOCKED", err)
	}
}
