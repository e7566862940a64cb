package main

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/connectors/directory/bridge"
	"github.com/portico-chat/portico/connectors/directory/bridge/bridgecheck"
	"github.com/portico-chat/portico/connectors/directory/remote"
)

func readDoc(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func newClient(t *testing.T, url string) *bridge.Directory {
	t.Helper()
	d, err := bridge.New(bridge.Config{URL: url, Secret: testSecret}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDriverAgainstReferenceBridge walks the driver through every
// operation of the seam on the reference bridge.
func TestDriverAgainstReferenceBridge(t *testing.T) {
	b := newRefBridge(t, nil)
	d := newClient(t, b.http.URL)
	ctx := context.Background()
	fx := bridgecheck.DefaultFixture()
	act, pend := b.idOf(t, fx.Active.MRN), b.idOf(t, fx.Pending.MRN)

	if err := d.Health(ctx); err != nil {
		t.Fatalf("Health: %v", err)
	}
	for _, tc := range []struct {
		name string
		l    remote.Lookup
		want string // "" for not found
	}{
		{"demographics", remote.Lookup{FirstName: "bridgecheck", LastName: "ACTIVE RECORD", DOB: fx.Active.DOB, ZIP: fx.Active.ZIP}, act},
		{"username and dob", remote.Lookup{Username: fx.Active.Username, DOB: fx.Active.DOB}, act},
		{"mrn", remote.Lookup{MRN: fx.Pending.MRN}, pend},
		{"wrong dob", remote.Lookup{FirstName: fx.Active.FirstName, LastName: fx.Active.LastName, DOB: "1901-02-04", ZIP: fx.Active.ZIP}, ""},
		{"ambiguous twins", remote.Lookup{FirstName: fx.TwinA.FirstName, LastName: fx.TwinA.LastName, DOB: fx.TwinA.DOB, ZIP: fx.TwinA.ZIP}, ""},
	} {
		got, err := d.Find(ctx, tc.l)
		if tc.want == "" {
			if !errors.Is(err, remote.ErrNotFound) {
				t.Errorf("Find %s: got %q, %v; want ErrNotFound", tc.name, got, err)
			}
		} else if got != tc.want || err != nil {
			t.Errorf("Find %s: got %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	if ids, err := d.Matches(ctx, fx.Active.DOB, fx.Active.ZIP); err != nil || len(ids) != 6 {
		t.Errorf("Matches: got %d IDs, %v; want 6", len(ids), err)
	}
	if c, err := d.Contacts(ctx, act); err != nil || c.Email != fx.Active.Email || c.Phone != fx.Active.Phone {
		t.Errorf("Contacts: got %+v, %v", c, err)
	}
	if a, err := d.Account(ctx, pend); err != nil || a.Status != remote.StatusPending {
		t.Errorf("Account(pending): got %+v, %v", a, err)
	}
	if _, err := d.Account(ctx, "no-such-record"); !errors.Is(err, remote.ErrNotFound) {
		t.Errorf("Account(unknown): got %v, want ErrNotFound", err)
	}
	if err := d.UsernameFree(ctx, pend, fx.Active.Username); remote.Reason(err) != remote.ReasonUsernameTaken {
		t.Errorf("UsernameFree(taken): got %v, want username_taken", err)
	}
	if err := d.UsernameFree(ctx, pend, "ok.name"); err != nil {
		t.Errorf("UsernameFree(free): %v", err)
	}

	// Activation, with its retry.
	if err := d.Activate(ctx, pend, "new.patient", "short", "conv1:4"); remote.Reason(err) != remote.ReasonTooShort {
		t.Errorf("Activate(short): got %v, want too_short", err)
	}
	if err := d.Activate(ctx, pend, "new.patient", "a long enough passphrase here", "conv1:5"); err != nil {
		t.Fatalf("Activate: %v", err)
	}
	if err := d.Activate(ctx, pend, "new.patient", "a long enough passphrase here", "conv1:5"); err != nil {
		t.Errorf("Activate retried with its key: %v, want nil", err)
	}
	if err := d.Activate(ctx, pend, "new.patient", "a long enough passphrase here", "conv2:5"); !errors.Is(err, remote.ErrConflict) {
		t.Errorf("Activate again, new key: got %v, want ErrConflict", err)
	}
	if a, err := d.Account(ctx, pend); err != nil || a.Status != remote.StatusActive || a.Username != "new.patient" {
		t.Errorf("Account after activation: got %+v, %v", a, err)
	}
	if err := d.SetPassword(ctx, pend, "a long enough passphrase here", "conv3:1"); remote.Reason(err) != remote.ReasonInHistory {
		t.Errorf("SetPassword(same as current): got %v, want in_history", err)
	}
	if err := d.SetPassword(ctx, pend, "xx new.patient xx long", "conv3:2"); remote.Reason(err) != remote.ReasonContainsUsername {
		t.Errorf("SetPassword(contains username): got %v, want contains_username", err)
	}
	lck := b.idOf(t, fx.Locked.MRN)
	if err := d.Unlock(ctx, lck, "conv4:1"); err != nil {
		t.Errorf("Unlock: %v", err)
	}
	if err := d.Unlock(ctx, b.idOf(t, fx.Disabled.MRN), "conv4:2"); !errors.Is(err, remote.ErrConflict) {
		t.Errorf("Unlock(disabled): got %v, want ErrConflict", err)
	}
}

// TestRetriedResetChangesNothingTwice: after a reset succeeded, the same
// call again (the engine's retry after a crash) answers success and
// leaves the stored hash as it was; 20 concurrent copies of a new reset
// store exactly one new hash and one key.
func TestRetriedResetChangesNothingTwice(t *testing.T) {
	b := newRefBridge(t, nil)
	d := newClient(t, b.http.URL)
	ctx := context.Background()
	id := b.idOf(t, bridgecheck.DefaultFixture().Active.MRN)
	hash := func() string {
		rec, err := b.store.record(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return rec.PasswordHash
	}

	if err := d.SetPassword(ctx, id, "first long passphrase ok", "conv:7"); err != nil {
		t.Fatal(err)
	}
	after := hash()
	if err := d.SetPassword(ctx, id, "first long passphrase ok", "conv:7"); err != nil {
		t.Fatalf("retry: %v, want nil", err)
	}
	if hash() != after {
		t.Error("the retry changed the stored password hash")
	}

	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.SetPassword(ctx, id, "second long passphrase ok", "conv:8")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("copy %d: %v", i, err)
		}
	}
	var keys, history int
	if err := b.store.db.QueryRow(`SELECT count(*) FROM idempotency_keys WHERE record_id = ? AND operation = 'password'`, id).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if err := b.store.db.QueryRow(`SELECT count(*) FROM password_history WHERE record_id = ?`, id).Scan(&history); err != nil {
		t.Fatal(err)
	}
	if keys != 2 || history != 1 {
		t.Errorf("after two resets (one sent 20 times): %d keys and %d history rows, want 2 and 1", keys, history)
	}
}
