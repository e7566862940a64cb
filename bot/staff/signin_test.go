package staff_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/staff"
)

// users is an in-memory staff.Users that answers reservations as told.
type users struct {
	mu        sync.Mutex
	byEmail   map[string]staff.User
	sourceOK  bool
	locked    bool // the account is locked: reservations are refused
	attempts  []staff.SignInAttempt
	succeeded []string
}

func (u *users) UserByEmail(_ context.Context, email string) (staff.User, error) {
	if v, ok := u.byEmail[email]; ok {
		return v, nil
	}
	return staff.User{}, bot.Errorf(bot.ENOTFOUND, "no user")
}

func (u *users) ReserveSignIn(_ context.Context, a staff.SignInAttempt) (staff.SignInReservation, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.attempts = append(u.attempts, a)
	return staff.SignInReservation{SourceOK: u.sourceOK, Reserved: u.sourceOK && a.UserID != "" && !u.locked}, nil
}

func (u *users) SignInSucceeded(_ context.Context, id string, _ time.Time) error {
	u.succeeded = append(u.succeeded, id)
	return nil
}

// TestAuthenticate: every outcome of a sign-in, the limits it reserves
// under, and that only a good password on a reserved attempt succeeds.
func TestAuthenticate(t *testing.T) {
	hash, err := password.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	ana := staff.User{ID: "u1", Email: "ana@example.org", Role: bot.RoleAgent, PasswordHash: hash}
	off := staff.User{ID: "u2", Email: "off@example.org", Role: bot.RoleAgent, PasswordHash: hash, Disabled: true}
	tests := []struct {
		name, email, pw  string
		sourceOK, locked bool
		want             string
	}{
		{"right", "ana@example.org", "correct horse battery staple", true, false, staff.SignedIn},
		{"wrong", "ana@example.org", "correct horse battery stapler", true, false, staff.WrongPassword},
		{"unknown", "nobody@example.org", "correct horse battery staple", true, false, staff.UnknownEmail},
		{"locked", "ana@example.org", "correct horse battery staple", true, true, staff.AccountLocked},
		{"disabled", "off@example.org", "correct horse battery staple", true, false, staff.AccountDisabled},
		{"address over its limit", "ana@example.org", "correct horse battery staple", false, false, staff.SourceLimited},
	}
	clock := bot.NewManualClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			us := &users{byEmail: map[string]staff.User{ana.Email: ana, off.Email: off}, sourceOK: tt.sourceOK, locked: tt.locked}
			s := staff.SignIn{Users: us, MaxFailures: 7, Clock: clock}
			_, outcome, err := s.Authenticate(context.Background(), "192.0.2.1", tt.email, tt.pw)
			if err != nil || outcome != tt.want {
				t.Fatalf("got %q, %v; want %q", outcome, err, tt.want)
			}
			if len(us.attempts) != 1 {
				t.Fatalf("%d reservations, want exactly one before any compare", len(us.attempts))
			}
			a := us.attempts[0]
			if a.MaxFailures != 7 || a.LockFor != staff.DefaultLockFor || a.SourceMax != staff.SourceAttempts ||
				a.SourceWindow != staff.SourceWindow || a.Source != "192.0.2.1" || !a.At.Equal(clock.Now()) {
				t.Errorf("reserved %+v, want the configured and default limits", a)
			}
			if got := len(us.succeeded) == 1; got != (tt.want == staff.SignedIn) {
				t.Errorf("success recorded %v, want %v", got, tt.want == staff.SignedIn)
			}
		})
	}
	broken := &failingUsers{}
	if _, _, err := (staff.SignIn{Users: broken}).Authenticate(context.Background(), "192.0.2.1", "a@b.c", "x"); !errors.Is(err, errDown) {
		t.Errorf("store down: got %v, want its error", err)
	}
}

var errDown = errors.New("store down")

type failingUsers struct{ users }

func (*failingUsers) UserByEmail(context.Context, string) (staff.User, error) {
	return staff.User{}, errDown
}

func TestSessionOver(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	expires, idle := t0.Add(12*time.Hour), 15*time.Minute
	for _, tt := range []struct {
		now, seen time.Time
		want      bool
	}{
		{t0.Add(time.Minute), t0, false},
		{t0.Add(15 * time.Minute), t0, true},
		{t0.Add(12 * time.Hour), t0.Add(12*time.Hour - time.Minute), true},
	} {
		if got := staff.SessionOver(expires, tt.seen, tt.now, idle); got != tt.want {
			t.Errorf("SessionOver(now %v, seen %v): got %v, want %v", tt.now.Sub(t0), tt.seen.Sub(t0), got, tt.want)
		}
	}
	a, b := staff.NewSessionToken(), staff.NewSessionToken()
	if a == b || len(a) != 43 || string(staff.SessionTokenHash(a)) == a {
		t.Errorf("tokens %q %q: want two 256-bit tokens, stored only hashed", a, b)
	}
}
