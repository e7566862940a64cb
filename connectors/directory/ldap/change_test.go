package ldap

import (
	"fmt"
	"testing"

	"github.com/portico-chat/portico/connectors/directory/ldap/slapdtest"
)

// A password longer than the server's 20-character minimum, and one that
// Portico's own policy (15) would accept but the server refuses.
const (
	goodPassword  = "a long enough passphrase for slapd"
	shortPassword = "sixteen chars ok"
)

func TestSetPasswordProvedByBind(t *testing.T) {
	srv, d := startDirectory(t, slapdtest.Options{}, nil)
	ctx := testContext(t)
	dn, old := slapdtest.PatientDN("DEMO-1011"), slapdtest.PatientPassword("DEMO-1011")

	if err := d.SetPassword(ctx, "DEMO-1011", goodPassword, "c1:4"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	if err := srv.Bind(dn, goodPassword); err != nil {
		t.Fatalf("bind with the new password: %v", err)
	}
	if err := srv.Bind(dn, old); !slapdtest.IsInvalidCredentials(err) {
		t.Fatalf("bind with the old password: got %v, want invalid credentials", err)
	}
	// The server hashed it: the stored value is not the password.
	stored := srv.Read(dn, "userPassword")["userPassword"]
	if len(stored) != 1 || stored[0] == goodPassword {
		t.Fatalf("stored userPassword %q: want one hashed value", stored)
	}

	// The same call again (a turn computed again, or after a restart with
	// a new process) changes nothing and succeeds.
	fresh := newDirectory(t, slapdConfig(srv))
	changed := srv.Read(dn, "pwdChangedTime")["pwdChangedTime"]
	for _, dir := range []*Directory{d, fresh} {
		if err := dir.SetPassword(ctx, "DEMO-1011", goodPassword, "c1:4"); err != nil {
			t.Fatalf("SetPassword repeated: %v", err)
		}
	}
	if got := srv.Read(dn, "pwdChangedTime")["pwdChangedTime"]; fmt.Sprint(got) != fmt.Sprint(changed) {
		t.Fatalf("pwdChangedTime moved on a repeat: %v, was %v", got, changed)
	}
	if err := srv.Bind(dn, goodPassword); err != nil {
		t.Fatalf("bind after the repeats: %v", err)
	}
}

func TestSetPasswordStatesAndPolicy(t *testing.T) {
	srv, d := startDirectory(t, slapdtest.Options{}, nil)
	ctx := testContext(t)
	tests := []struct {
		name, id, password string
		code, reason       string
	}{
		{"too short for the server", "DEMO-1012", shortPassword, CodeInvalid, ReasonTooShort},
		{"the current password is not history", "DEMO-1012", slapdtest.PatientPassword("DEMO-1012"), "", ""},
		{"pending: nothing to reset", "DEMO-1001", goodPassword, CodeConflict, ""},
		{"disabled", "DEMO-1018", goodPassword, CodeLocked, ""},
		{"permanently locked", "DEMO-1019", goodPassword, CodeLocked, ""},
		{"unknown record", "DEMO-9999", goodPassword, CodeNotFound, ""},
		{"empty password", "DEMO-1012", "", CodeInvalid, ReasonPolicy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := d.SetPassword(ctx, tt.id, tt.password, "")
			if tt.code == "" {
				if err != nil {
					t.Fatalf("SetPassword: %v", err)
				}
				return
			}
			wantCode(t, "SetPassword", err, tt.code, tt.reason)
		})
	}
	// A refused password changed nothing: the old one still works.
	if err := srv.Bind(slapdtest.PatientDN("DEMO-1012"), slapdtest.PatientPassword("DEMO-1012")); err != nil {
		t.Fatalf("bind with the unchanged password: %v", err)
	}

	t.Run("used before", func(t *testing.T) {
		for i, pw := range []string{goodPassword, goodPassword + " two"} {
			if err := d.SetPassword(ctx, "DEMO-1013", pw, fmt.Sprint("h:", i)); err != nil {
				t.Fatalf("SetPassword %d: %v", i, err)
			}
		}
		err := d.SetPassword(ctx, "DEMO-1013", goodPassword, "h:2")
		wantCode(t, "SetPassword to the password before", err, CodeInvalid, ReasonInHistory)
	})
	t.Run("too recent", func(t *testing.T) {
		// DEMO-1034's policy has a one-day minimum age; its first change
		// is allowed (the LDIF set no change time), the second not.
		if err := d.SetPassword(ctx, "DEMO-1034", goodPassword, "a:1"); err != nil {
			t.Fatalf("first change: %v", err)
		}
		err := d.SetPassword(ctx, "DEMO-1034", goodPassword+" again", "a:2")
		wantCode(t, "second change within the minimum age", err, CodeInvalid, ReasonTooRecent)
	})
}

func TestActivatePendingAccount(t *testing.T) {
	srv, d := startDirectory(t, slapdtest.Options{}, nil)
	ctx := testContext(t)
	dn := slapdtest.PatientDN("DEMO-1001")

	// The server's policy refuses the password: the account stays pending,
	// without a username.
	err := d.Activate(ctx, "DEMO-1001", "ana.t", shortPassword, "c2:7")
	wantCode(t, "Activate with a short password", err, CodeInvalid, ReasonTooShort)
	if a, err := d.Account(ctx, "DEMO-1001"); err != nil || a != (Account{RecordID: "DEMO-1001", Status: StatusPending}) {
		t.Fatalf("after the refusal: Account = %+v, %v; want pending, no username", a, err)
	}

	if err := d.Activate(ctx, "DEMO-1001", "ana.t", goodPassword, "c2:8"); err != nil {
		t.Fatalf("Activate: %v", err)
	}
	if a, err := d.Account(ctx, "DEMO-1001"); err != nil || a != (Account{RecordID: "DEMO-1001", Username: "ana.t", Status: StatusActive}) {
		t.Fatalf("Account = %+v, %v; want active as ana.t", a, err)
	}
	if got := srv.Read(dn, "porticoAccountStatus", "uid"); fmt.Sprint(got) != "map[porticoAccountStatus:[active] uid:[ana.t]]" {
		t.Fatalf("entry after activation: %v", got)
	}
	if err := srv.Bind(dn, goodPassword); err != nil {
		t.Fatalf("bind as the activated patient: %v", err)
	}
	if id, err := d.Find(ctx, Lookup{Username: "ana.t", DOB: "1980-01-02"}); err != nil || id != "DEMO-1001" {
		t.Fatalf("Find by the new username = %q, %v", id, err)
	}

	// Repeats: the same key in this process, and in a new process.
	fresh := newDirectory(t, slapdConfig(srv))
	for _, dir := range []*Directory{d, fresh} {
		if err := dir.Activate(ctx, "DEMO-1001", "ana.t", goodPassword, "c2:8"); err != nil {
			t.Fatalf("Activate repeated: %v", err)
		}
	}
	err = d.Activate(ctx, "DEMO-1001", "someone.else", goodPassword, "c3:2")
	wantCode(t, "Activate of an active account under another username", err, CodeConflict, "")
	err = d.Activate(ctx, "DEMO-1002", "olivia.active", goodPassword, "c4:2")
	wantCode(t, "Activate with a taken username", err, CodeInvalid, ReasonUsernameTaken)
	err = d.Activate(ctx, "DEMO-1018", "derek.d", goodPassword, "c5:2")
	wantCode(t, "Activate of a disabled account", err, CodeLocked, "")
}

// Twenty conversations activate one pending account at the same instant,
// each with its own username and password: exactly one wins, and the
// password that works is the winner's.
func TestActivateConcurrentlyExactlyOneWins(t *testing.T) {
	const n = 20
	srv, d := startDirectory(t, slapdtest.Options{}, func(c *Config) { c.PoolSize = n })
	ctx := testContext(t)
	errs := concurrently(n, func(i int) error {
		return d.Activate(ctx, "DEMO-1003", fmt.Sprintf("mk.%02d", i), fmt.Sprintf("%s %02d", goodPassword, i), fmt.Sprintf("c%d:1", i))
	})
	winner := -1
	for i, err := range errs {
		switch CodeOf(err) {
		case "":
			if winner >= 0 {
				t.Fatalf("activations %d and %d both succeeded", winner, i)
			}
			winner = i
		case CodeConflict:
		default:
			t.Fatalf("activation %d: got %v, want success or conflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no activation succeeded")
	}
	a, err := d.Account(ctx, "DEMO-1003")
	if err != nil || a.Username != fmt.Sprintf("mk.%02d", winner) || a.Status != StatusActive {
		t.Fatalf("Account = %+v, %v; want active as the winner mk.%02d", a, err, winner)
	}
	if err := srv.Bind(slapdtest.PatientDN("DEMO-1003"), fmt.Sprintf("%s %02d", goodPassword, winner)); err != nil {
		t.Fatalf("bind with the winner's password: %v", err)
	}
}

func TestUnlockAfterLockout(t *testing.T) {
	srv, d := startDirectory(t, slapdtest.Options{}, nil)
	ctx := testContext(t)
	dn, pw := slapdtest.PatientDN("DEMO-1015"), slapdtest.PatientPassword("DEMO-1015")

	// The default policy locks after 3 bad binds.
	for i := 0; i < 3; i++ {
		if err := srv.Bind(dn, "wrong password"); !slapdtest.IsInvalidCredentials(err) {
			t.Fatalf("bad bind %d: got %v", i, err)
		}
	}
	if err := srv.Bind(dn, pw); !slapdtest.IsInvalidCredentials(err) {
		t.Fatalf("bind to a locked account with its password: got %v, want refused", err)
	}
	if a, err := d.Account(ctx, "DEMO-1015"); err != nil || a.Status != StatusLocked {
		t.Fatalf("Account = %+v, %v; want locked", a, err)
	}

	if err := d.Unlock(ctx, "DEMO-1015", "c6:3"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if got := srv.Read(dn, "pwdAccountLockedTime", "pwdFailureTime"); len(got) != 0 {
		t.Fatalf("after Unlock the entry still has %v", got)
	}
	if a, err := d.Account(ctx, "DEMO-1015"); err != nil || a.Status != StatusActive {
		t.Fatalf("Account = %+v, %v; want active", a, err)
	}
	if err := srv.Bind(dn, pw); err != nil {
		t.Fatalf("bind after Unlock: %v", err)
	}
	// Unlocking what is not locked, and repeating, are no-ops.
	for _, key := range []string{"c6:3", "c7:1"} {
		if err := d.Unlock(ctx, "DEMO-1015", key); err != nil {
			t.Fatalf("Unlock repeated (%s): %v", key, err)
		}
	}
	err := d.Unlock(ctx, "DEMO-1019", "c8:1")
	wantCode(t, "Unlock of an administrator's permanent lock", err, CodeLocked, "")
	if got := srv.Read(slapdtest.PatientDN("DEMO-1019"), "pwdAccountLockedTime"); fmt.Sprint(got) != "map[pwdAccountLockedTime:[000001010000Z]]" {
		t.Fatalf("permanent lock changed: %v", got)
	}
}

// A reset of a locked account, as the engine will make it: SetPassword,
// then Unlock.
func TestResetOfLockedAccount(t *testing.T) {
	srv, d := startDirectory(t, slapdtest.Options{}, nil)
	ctx := testContext(t)
	if err := d.SetPassword(ctx, "DEMO-1016", goodPassword, "r:1"); err != nil {
		t.Fatalf("SetPassword of a locked account: %v", err)
	}
	if err := d.Unlock(ctx, "DEMO-1016", "r:1u"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if err := srv.Bind(slapdtest.PatientDN("DEMO-1016"), goodPassword); err != nil {
		t.Fatalf("bind after the reset: %v", err)
	}
}
