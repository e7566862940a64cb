package local

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/bottest"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
)

func TestCheckUsername(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		record, username string
		wantMsg          string // "" for nil
	}{
		{"r-ana", "ana.t", ""},
		{"r-ana", "ana_t-2025@clinic", ""},
		{"r-ana", "a12", ""},
		{"r-ana", "9lives", ""},
		{"r-ana", strings.Repeat("a", 64), ""},
		{"r-ana", "ab", bot.UsernameBadFormat},
		{"r-ana", strings.Repeat("a", 65), bot.UsernameBadFormat},
		{"r-ana", ".ana", bot.UsernameBadFormat},
		{"r-ana", "-ana", bot.UsernameBadFormat},
		{"r-ana", "ana t", bot.UsernameBadFormat},
		{"r-ana", "anä", bot.UsernameBadFormat},
		{"r-ana", "аna", bot.UsernameBadFormat}, // Cyrillic а
		{"r-ana", "ana+1", bot.UsernameBadFormat},
		{"r-ana", "", bot.UsernameBadFormat},
		{"r-ana", "jnunez", bot.UsernameTaken},
		{"r-ana", "JNunez", bot.UsernameTaken},
		{"r-jose", "jnunez", ""}, // its own
		{"r-jose", "JNUNEZ", ""},
	}
	for _, tt := range tests {
		err := f.dir.UsernameFree(context.Background(), tt.record, tt.username)
		if tt.wantMsg == "" {
			if err != nil {
				t.Errorf("UsernameFree(%s, %q): got %v, want nil", tt.record, tt.username, err)
			}
			continue
		}
		if bot.ErrorCode(err) != bot.EINVALID || bot.ErrorMessage(err) != tt.wantMsg {
			t.Errorf("UsernameFree(%s, %q): got %v, want invalid: %s", tt.record, tt.username, err, tt.wantMsg)
		}
	}
}

// TestPolicyUsesTheRecord: the directory's own policy checks a new
// password against the record's names and its username, the current one
// on a reset and the chosen one on an activation.
func TestPolicyUsesTheRecord(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		record, username, password string
		wantMsg                    string
	}{
		{"r-jose", "", "my nunez family recipes", bot.PasswordHasName},
		{"r-jose", "", "the jnunez account forever", bot.PasswordHasUsername}, // current username
		{"r-ana", "anabanana", "i love anabanana so much", bot.PasswordHasUsername},
		{"r-ana", "anabanana", goodPassword, ""},
		{"r-ana", "anabanana", "short", bot.PasswordTooShort},
	}
	for i, tt := range tests {
		f := newFixture(t)
		key := fmt.Sprintf("k%d", i)
		var err error
		if tt.username == "" {
			err = f.dir.SetPassword(ctx, tt.record, tt.password, key)
		} else {
			err = f.dir.Activate(ctx, tt.record, tt.username, tt.password, key)
		}
		if tt.wantMsg == "" {
			if err != nil {
				t.Errorf("%s, %q, %q: got %v, want nil", tt.record, tt.username, tt.password, err)
			}
			continue
		}
		if bot.ErrorCode(err) != bot.EINVALID || bot.ErrorMessage(err) != tt.wantMsg {
			t.Errorf("%s, %q, %q: got %v, want invalid: %s", tt.record, tt.username, tt.password, err, tt.wantMsg)
		}
	}
	wantCode(t, newFixture(t).dir.SetPassword(ctx, "r-nobody", goodPassword, "k"), bot.ENOTFOUND, "")
}

func TestActivate(t *testing.T) {
	tests := []struct {
		name               string
		record, user, pass string
		wantCode, wantMsg  string // "" for success
	}{
		{name: "pending with code", record: "r-ana", user: "ana.t", pass: goodPassword},
		{name: "pending without code", record: "r-twin1", user: "kim.twin", pass: goodPassword},
		{name: "already active", record: "r-jose", user: "jose2", pass: goodPassword, wantCode: bot.ECONFLICT},
		{name: "locked", record: "r-locked", user: "lou2", pass: goodPassword, wantCode: bot.ECONFLICT},
		{name: "disabled", record: "r-off", user: "dee2", pass: goodPassword, wantCode: bot.ELOCKED},
		{name: "unknown record", record: "r-nobody", user: "nobody", pass: goodPassword, wantCode: bot.ENOTFOUND},
		{name: "username taken", record: "r-ana", user: "JNUNEZ", pass: goodPassword, wantCode: bot.EINVALID, wantMsg: bot.UsernameTaken},
		{name: "username format", record: "r-ana", user: "a", pass: goodPassword, wantCode: bot.EINVALID, wantMsg: bot.UsernameBadFormat},
		{name: "short password", record: "r-ana", user: "ana.t", pass: "fourteen chars", wantCode: bot.EINVALID, wantMsg: bot.PasswordTooShort},
		{name: "password has username", record: "r-ana", user: "sunnyday", pass: "every sunnyday is good", wantCode: bot.EINVALID, wantMsg: bot.PasswordHasUsername},
		{name: "password has name", record: "r-ana", user: "ana.t", pass: "testcase family 2025", wantCode: bot.EINVALID, wantMsg: bot.PasswordHasName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			before, _ := f.records.Patient(ctx, tt.record)
			err := f.dir.Activate(ctx, tt.record, tt.user, tt.pass, "conv1:7")
			after, _ := f.records.Patient(ctx, tt.record)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode, tt.wantMsg)
				if after != before {
					t.Errorf("record changed on failure:\n got %+v\nwant %+v", after, before)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if after.Status != bot.AccountActive || after.Username != tt.user {
				t.Errorf("got status %s username %q, want active %q", after.Status, after.Username, tt.user)
			}
			if !strings.HasPrefix(after.PasswordHash, "$argon2id$") || !password.Matches(after.PasswordHash, tt.pass) {
				t.Errorf("got password hash %q, want an argon2id hash of the password", after.PasswordHash)
			}
			if !after.UpdatedAt.Equal(f.clock.Now()) {
				t.Errorf("got UpdatedAt %v, want %v", after.UpdatedAt, f.clock.Now())
			}
			if id, err := f.dir.SignIn(ctx, tt.user, tt.pass); err != nil || id != tt.record {
				t.Errorf("sign in after activation: got %q, %v; want %q", id, err, tt.record)
			}
		})
	}
}

func TestActivationCodeNeverBecomesThePassword(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.dir.Activate(ctx, "r-ana", "ana.t", goodPassword, "k"); err != nil {
		t.Fatal(err)
	}
	for _, pw := range []string{f.code, bot.NormalizeActivationCode(f.code)} {
		if _, err := f.dir.SignIn(ctx, "ana.t", pw); bot.ErrorCode(err) != bot.EUNAUTHORIZED {
			t.Errorf("sign in with the activation code: got %v, want unauthorized", err)
		}
	}
}

func TestActivateIsIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.dir.Activate(ctx, "r-ana", "ana.t", goodPassword, "conv1:7"); err != nil {
		t.Fatal(err)
	}
	first, _ := f.records.Patient(ctx, "r-ana")
	// The retry after a crash carries the same key; even with other values
	// it must not apply again.
	if err := f.dir.Activate(ctx, "r-ana", "someone.else", otherPassword, "conv1:7"); err != nil {
		t.Fatalf("repeat: got %v, want nil", err)
	}
	second, _ := f.records.Patient(ctx, "r-ana")
	if second != first {
		t.Errorf("repeat changed the record:\n got %+v\nwant %+v", second, first)
	}
	if f.records.Updates() != 1 {
		t.Errorf("got %d updates, want 1", f.records.Updates())
	}
	// A new key on an active account is a conflict, not a silent success.
	wantCode(t, f.dir.Activate(ctx, "r-ana", "ana.t", goodPassword, "conv1:9"), bot.ECONFLICT, "")
}

func TestResetPassword(t *testing.T) {
	tests := []struct {
		name     string
		record   string
		pass     string
		wantCode string
		wantMsg  string
	}{
		{name: "active", record: "r-jose", pass: otherPassword},
		{name: "locked is unlocked", record: "r-locked", pass: otherPassword},
		{name: "pending", record: "r-ana", pass: otherPassword, wantCode: bot.ECONFLICT},
		{name: "disabled", record: "r-off", pass: otherPassword, wantCode: bot.ELOCKED},
		{name: "unknown", record: "r-nobody", pass: otherPassword, wantCode: bot.ENOTFOUND},
		{name: "policy: name", record: "r-jose", pass: "josé loves the beach", wantCode: bot.EINVALID, wantMsg: bot.PasswordHasName},
		{name: "policy: username", record: "r-locked", pass: "i am lou.lockwood ok", wantCode: bot.EINVALID, wantMsg: bot.PasswordHasUsername},
		{name: "policy: portal", record: "r-jose", pass: "my portico password", wantCode: bot.EINVALID, wantMsg: bot.PasswordHasPortalName},
		{name: "policy: common", record: "r-jose", pass: "qazwsxedcrfvtgb", wantCode: bot.EINVALID, wantMsg: bot.PasswordCommon},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			before, _ := f.records.Patient(ctx, tt.record)
			err := f.dir.SetPassword(ctx, tt.record, tt.pass, "conv2:3")
			after, _ := f.records.Patient(ctx, tt.record)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode, tt.wantMsg)
				if after != before {
					t.Errorf("record changed on failure:\n got %+v\nwant %+v", after, before)
				}
				return
			}
			if err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if after.Status != bot.AccountActive || after.FailedSignIns != 0 {
				t.Errorf("got status %s with %d failures, want active with 0", after.Status, after.FailedSignIns)
			}
			if after.SessionGen != before.SessionGen+1 {
				t.Errorf("got session generation %d, want %d", after.SessionGen, before.SessionGen+1)
			}
			if !password.Matches(after.PasswordHash, tt.pass) || password.Matches(after.PasswordHash, goodPassword) {
				t.Error("got a hash that does not match the new password only")
			}
			if _, err := f.dir.SignIn(ctx, before.Username, goodPassword); bot.ErrorCode(err) != bot.EUNAUTHORIZED {
				t.Errorf("sign in with the old password: got %v, want unauthorized", err)
			}
			if id, err := f.dir.SignIn(ctx, before.Username, tt.pass); err != nil || id != tt.record {
				t.Errorf("sign in with the new password: got %q, %v; want %q", id, err, tt.record)
			}
		})
	}
}

func TestResetPasswordIsIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.dir.SetPassword(ctx, "r-jose", otherPassword, "conv2:3"); err != nil {
		t.Fatal(err)
	}
	first, _ := f.records.Patient(ctx, "r-jose")
	if err := f.dir.SetPassword(ctx, "r-jose", "a different long passphrase", "conv2:3"); err != nil {
		t.Fatalf("repeat: got %v, want nil", err)
	}
	second, _ := f.records.Patient(ctx, "r-jose")
	if second.PasswordHash != first.PasswordHash || second.SessionGen != first.SessionGen {
		t.Errorf("repeat applied again: hash changed %v, session generation %d → %d",
			second.PasswordHash != first.PasswordHash, first.SessionGen, second.SessionGen)
	}
	// Without a key nothing is deduplicated.
	if err := f.dir.SetPassword(ctx, "r-jose", "a different long passphrase", ""); err != nil {
		t.Fatal(err)
	}
	third, _ := f.records.Patient(ctx, "r-jose")
	if third.SessionGen != first.SessionGen+1 {
		t.Errorf("keyless reset: got session generation %d, want %d", third.SessionGen, first.SessionGen+1)
	}
}

// racingRecords disables the account between the read and the write, as a
// staff member might, to show the write re-checks the state.
type racingRecords struct{ *bottest.Records }

func (r racingRecords) UpdatePatient(ctx context.Context, id, key string, change func(*patients.Patient) error) (bool, error) {
	_, err := r.Records.UpdatePatient(ctx, id, "", func(p *patients.Patient) error {
		p.Status = bot.AccountDisabled
		return nil
	})
	if err != nil {
		return false, err
	}
	return r.Records.UpdatePatient(ctx, id, key, change)
}

func TestAccountChangesRecheckStateAtWrite(t *testing.T) {
	f := newFixture(t)
	dir := New(racingRecords{f.records}, password.Policy{}, f.clock, zerolog.Nop())
	ctx := context.Background()
	wantCode(t, dir.Activate(ctx, "r-ana", "ana.t", goodPassword, "k1"), bot.ELOCKED, "")
	wantCode(t, dir.SetPassword(ctx, "r-jose", otherPassword, "k2"), bot.ELOCKED, "")
	for _, k := range []string{"k1", "k2"} {
		if done, _ := f.records.KeyApplied(ctx, k); done {
			t.Errorf("key %s stored for a change that failed", k)
		}
	}
}
