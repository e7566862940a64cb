package keycloak

import (
	"context"
	"errors"
	"github.com/portico-chat/portico/connectors/directory/keycloak/keycloaktest"
	"slices"
	"sync"
	"testing"

	"github.com/portico-chat/portico/connectors/directory/remote"
)

const resetPath = "PUT /admin/realms/{realm}/users/{id}/reset-password"
const putUserPath = "PUT /admin/realms/{realm}/users/{id}"

func TestSetPassword(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	d := newDir(t, f, nil)
	ctx := context.Background()

	if err := d.SetPassword(ctx, p.active, "a brand new passphrase", "conv-1:4"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	u := f.Get(p.active)
	if u.Passwords[0] != "a brand new passphrase" || u.CredLabel != marker("conv-1:4") || u.Logouts != 1 {
		t.Errorf("after reset: password %q, label %q, logouts %d; want the new password, the marker, 1",
			u.Passwords[0], u.CredLabel, u.Logouts)
	}
	if slices.Contains(u.RequiredActions, "UPDATE_PASSWORD") {
		t.Error("the password was set as temporary")
	}

	// The engine retries the same step after a crash: nothing is set again.
	resets := f.Count(resetPath)
	if err := d.SetPassword(ctx, p.active, "a brand new passphrase", "conv-1:4"); err != nil {
		t.Errorf("retry: %v, want nil", err)
	}
	if got := f.Count(resetPath) - resets; got != 0 {
		t.Errorf("resets on retry: got %d, want 0", got)
	}

	for _, tc := range []struct {
		name, id, pw string
		reason       string
		is           error
	}{
		{"too short", p.active, "short", remote.ReasonTooShort, nil},
		{"the username", p.active, "Olivia.Active", remote.ReasonContainsUsername, nil},
		{"used before", p.active, "an old passphrase one", remote.ReasonInHistory, nil},
		{"the current one, new key", p.active, "a brand new passphrase", remote.ReasonInHistory, nil},
		{"locked account may reset", p.locked, "leo's second passphrase", "", nil},
		{"pending account", p.pending, "a fine passphrase here", "", remote.ErrConflict},
		{"disabled account", p.disabled, "a fine passphrase here", "", remote.ErrConflict},
		{"unknown user", "no-such-user", "a fine passphrase here", "", remote.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := d.SetPassword(ctx, tc.id, tc.pw, "k-"+tc.name)
			switch {
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Errorf("got %v, want %v", err, tc.is)
			case tc.reason != "" && remote.Reason(err) != tc.reason:
				t.Errorf("got %v, want reason %q", err, tc.reason)
			case tc.is == nil && tc.reason == "" && err != nil:
				t.Errorf("got %v, want nil", err)
			}
		})
	}
	if err := d.SetPassword(ctx, p.active, "whatever passphrase", ""); !errors.Is(err, errNoKey) {
		t.Errorf("no key: got %v", err)
	}
}

func TestActivate(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	d := newDir(t, f, nil)
	ctx := context.Background()

	// Refusals change nothing.
	if err := d.Activate(ctx, p.pending, "olivia.active", "a fine passphrase here", "c:1"); remote.Reason(err) != remote.ReasonUsernameTaken {
		t.Errorf("taken username: got %v, want username_taken", err)
	}
	if err := d.Activate(ctx, p.pending, "ada.lee", "short", "c:2"); remote.Reason(err) != remote.ReasonTooShort {
		t.Errorf("short password: got %v, want too_short", err)
	}
	if err := d.Activate(ctx, p.pending, "ada lee", "a fine passphrase here", "c:3"); remote.Reason(err) != remote.ReasonUsernameFormat {
		t.Errorf("bad username: got %v, want username_format", err)
	}
	if u := f.Get(p.pending); u.Enabled || u.Username != "a-1001" || len(u.Passwords) != 0 {
		t.Fatalf("after refusals: %+v, want the pending user unchanged", u)
	}

	f.Mu.Lock()
	f.Users[p.pending].RequiredActions = []string{"VERIFY_EMAIL", "UPDATE_PROFILE"}
	f.Mu.Unlock()
	if err := d.Activate(ctx, p.pending, "Ada.Lee", "a fine passphrase here", "c:4"); err != nil {
		t.Fatalf("Activate: %v", err)
	}
	u := f.Get(p.pending)
	switch {
	case !u.Enabled || u.Username != "ada.lee":
		t.Errorf("enabled %v, username %q; want enabled, ada.lee", u.Enabled, u.Username)
	case len(u.Passwords) != 1 || u.Passwords[0] != "a fine passphrase here":
		t.Errorf("passwords %q", u.Passwords)
	case len(u.RequiredActions) != 0:
		t.Errorf("required actions %v, want none", u.RequiredActions)
	case u.Attributes["porticoActivation"][0] != marker("c:4"):
		t.Errorf("activation attribute %v, want the change's marker", u.Attributes["porticoActivation"])
	case u.FirstName != "Ada" || u.LastName != "Lee" || u.Attributes["birthdate"][0] != "1980-02-03" || u.Attributes["phoneNumber"][0] != "(202) 555-0143":
		t.Errorf("names or attributes lost: %+v", u)
	}
	if acc, err := d.Account(ctx, p.pending); err != nil || acc.Status != remote.StatusActive {
		t.Errorf("Account after activation: %+v, %v", acc, err)
	}

	puts := f.Count(putUserPath)
	if err := d.Activate(ctx, p.pending, "ada.lee", "a fine passphrase here", "c:4"); err != nil {
		t.Errorf("retry with the same key: %v, want nil", err)
	}
	if got := f.Count(putUserPath) - puts; got != 0 {
		t.Errorf("updates on retry: got %d, want 0", got)
	}
	if err := d.Activate(ctx, p.pending, "ada.lee", "a fine passphrase here", "c:5"); !errors.Is(err, remote.ErrConflict) {
		t.Errorf("activate again, new key: got %v, want ErrConflict", err)
	}
	if err := d.Activate(ctx, p.disabled, "dan.o", "a fine passphrase here", "c:6"); !errors.Is(err, remote.ErrConflict) {
		t.Errorf("disabled: got %v, want ErrConflict", err)
	}
}

// TestActivateConcurrentCopies: 20 copies of one activation at once:
// every copy succeeds, and the user is updated once.
func TestActivateConcurrentCopies(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	d := newDir(t, f, nil)
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = d.Activate(context.Background(), p.pending, "ada.lee", "a fine passphrase here", "c:9")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("copy %d: %v, want nil", i, err)
		}
	}
	if got := len(f.Get(p.pending).Passwords); got != 1 {
		t.Errorf("passwords set: got %d, want 1", got)
	}
	if got := f.Count(putUserPath); got != 1 {
		t.Errorf("user updates: got %d, want 1", got)
	}
}

func TestActivateUsernameRules(t *testing.T) {
	t.Run("fixed username keeps Keycloak's", func(t *testing.T) {
		f := keycloaktest.Start(t)
		p := seed(f)
		d := newDir(t, f, func(c *Config) { c.FixedUsername = true })
		if d.UsernameEditable() {
			t.Error("UsernameEditable with fixed_username")
		}
		if err := d.Activate(context.Background(), p.pending, "ignored", "a fine passphrase here", "c:1"); err != nil {
			t.Fatal(err)
		}
		if u := f.Get(p.pending); u.Username != "a-1001" || !u.Enabled {
			t.Errorf("got %q enabled %v, want a-1001 enabled", u.Username, u.Enabled)
		}
	})
	t.Run("a realm that forbids changing usernames", func(t *testing.T) {
		f := keycloaktest.Start(t)
		p := seed(f)
		f.UsernameReadOnly = true
		d := newDir(t, f, nil)
		err := d.Activate(context.Background(), p.pending, "ada.lee", "a fine passphrase here", "c:1")
		if err == nil || remote.Reason(err) != "" || errors.Is(err, remote.ErrUnavailable) {
			t.Errorf("got %v, want a configuration error (not a patient's mistake, not an outage)", err)
		}
		if f.Get(p.pending).Enabled {
			t.Error("the user was enabled anyway")
		}
	})
}

func TestUnlock(t *testing.T) {
	f := keycloaktest.Start(t)
	p := seed(f)
	d := newDir(t, f, nil)
	ctx := context.Background()
	for _, tc := range []struct {
		name, id string
		is       error
	}{
		{"temporary lockout", p.locked, nil},
		{"permanent lockout", p.permanent, nil},
		{"not locked", p.active, nil},
		{"pending", p.pending, remote.ErrConflict},
		{"disabled by staff", p.disabled, remote.ErrConflict},
		{"unknown", "no-such-user", remote.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := d.Unlock(ctx, tc.id, "u:"+tc.name)
			if tc.is != nil {
				if !errors.Is(err, tc.is) {
					t.Errorf("got %v, want %v", err, tc.is)
				}
				return
			}
			if err != nil {
				t.Fatalf("Unlock: %v", err)
			}
			if acc, err := d.Account(ctx, tc.id); err != nil || acc.Status != remote.StatusActive {
				t.Errorf("after unlock: %+v, %v; want active", acc, err)
			}
		})
	}
	if got := f.Get(p.permanent); got.FirstName != "Pat" || got.Attributes["birthdate"][0] != "1955-09-10" {
		t.Errorf("re-enabling lost the user's names or attributes: %+v", got)
	}
}
