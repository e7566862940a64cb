package storetest

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/staff"
)

// Staff is the console's accounts, their sign-in counts and sessions, and
// canned responses, as connectors/web and `portico users` use them.
type Staff interface {
	staff.Users
	CreateUser(ctx context.Context, u *staff.User) error
	User(ctx context.Context, id string) (staff.User, error)
	Users(ctx context.Context) ([]staff.User, error)
	SetUserPassword(ctx context.Context, id, hash string) error
	SetUserDisabled(ctx context.Context, id string, disabled bool) error
	SetUserWork(ctx context.Context, id, name string, capacity int, queues []string) error
	CreateSession(ctx context.Context, s staff.Session) error
	StaffSession(ctx context.Context, tokenHash []byte) (staff.Session, error)
	TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte) error
	PurgeSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error)
	CannedResponses(ctx context.Context) ([]staff.CannedResponse, error)
	PutCannedResponse(ctx context.Context, c staff.CannedResponse) error
	DeleteCannedResponse(ctx context.Context, shortcut string) error
}

func testUsersAreStoredByLowerCasedEmail(t *testing.T, open func(t *testing.T) Store) {
	db := need[Staff](t, open(t), "staff accounts")
	ctx := context.Background()
	u := staff.User{Email: "  Ana.Agent@Example.ORG ", Name: "Ana", Role: bot.RoleAgent, PasswordHash: "$argon2id$x", Queues: []string{"billing"}}
	if err := db.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || u.Email != "ana.agent@example.org" || u.Capacity != 0 {
		t.Errorf("got id %q, email %q, capacity %d; want an id, the lower-cased email and capacity 0 (the desk's default)", u.ID, u.Email, u.Capacity)
	}
	got, err := db.UserByEmail(ctx, "ANA.AGENT@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || got.Name != "Ana" || got.Capacity != 0 || got.Role != bot.RoleAgent || !reflect.DeepEqual(got.Queues, []string{"billing"}) || got.Disabled {
		t.Errorf("got %+v, want the stored user", got)
	}
	if byID, err := db.User(ctx, u.ID); err != nil || byID.Email != u.Email {
		t.Errorf("User(id): got %+v, %v", byID, err)
	}

	dup := staff.User{Email: "ana.agent@EXAMPLE.org", Name: "Other", Role: bot.RoleAdmin, PasswordHash: "h"}
	if err := db.CreateUser(ctx, &dup); bot.ErrorCode(err) != bot.ECONFLICT {
		t.Errorf("duplicate email: got %v, want ECONFLICT", err)
	}
	if _, err := db.UserByEmail(ctx, "nobody@example.org"); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("unknown email: got %v, want ENOTFOUND", err)
	}
	bad := staff.User{Email: "x@example.org", Name: "X", Role: "root", PasswordHash: "h"}
	if err := db.CreateUser(ctx, &bad); err == nil {
		t.Error("a user with role root was stored")
	}
	all, err := db.Users(ctx)
	if err != nil || len(all) != 1 {
		t.Errorf("Users: got %d users (%v), want 1", len(all), err)
	}
}

func testReserveSignInLocksAndSuccessClears(t *testing.T, open func(t *testing.T) Store) {
	db := need[Staff](t, open(t), "staff accounts")
	ctx := context.Background()
	u := staff.User{Email: "a@example.org", Name: "A", Role: bot.RoleAgent, PasswordHash: "h"}
	if err := db.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	attempt := func(id string, at time.Time) staff.SignInReservation {
		t.Helper()
		r, err := db.ReserveSignIn(ctx, staff.SignInAttempt{UserID: id, Source: "192.0.2.1", At: at,
			MaxFailures: 5, LockFor: 15 * time.Minute, SourceMax: 1000, SourceWindow: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for i := 1; i <= 5; i++ {
		if r := attempt(u.ID, at); !r.SourceOK || !r.Reserved {
			t.Fatalf("attempt %d: got %+v, want reserved", i, r)
		}
	}
	got, _ := db.User(ctx, u.ID)
	if !got.LockedUntil.Equal(at.Add(15*time.Minute)) || got.FailedSignIns != 5 {
		t.Errorf("after 5: locked until %v with %d failures, want %v with 5", got.LockedUntil, got.FailedSignIns, at.Add(15*time.Minute))
	}
	if r := attempt(u.ID, at.Add(time.Minute)); r.Reserved {
		t.Errorf("while locked: got %+v, want not reserved", r)
	}
	// The lock ends; the count does not, so the next failure locks again.
	after := at.Add(15 * time.Minute)
	if r := attempt(u.ID, after); !r.Reserved {
		t.Errorf("after the lock: got %+v, want reserved", r)
	}
	got, _ = db.User(ctx, u.ID)
	if !got.LockedUntil.Equal(after.Add(15*time.Minute)) || got.FailedSignIns != 6 {
		t.Errorf("one more after the lock: locked until %v with %d failures, want %v with 6", got.LockedUntil, got.FailedSignIns, after.Add(15*time.Minute))
	}
	if err := db.SignInSucceeded(ctx, u.ID, after); err != nil {
		t.Fatal(err)
	}
	got, _ = db.User(ctx, u.ID)
	if !got.LockedUntil.IsZero() || got.FailedSignIns != 0 {
		t.Errorf("after success: got locked until %v with %d failures, want neither", got.LockedUntil, got.FailedSignIns)
	}
	if r := attempt("", at); !r.SourceOK || r.Reserved {
		t.Errorf("no account: got %+v, want the address counted and nothing reserved", r)
	}
}

// TestReserveSignInHoldsUnderConcurrency: 40 sign-ins for one account and
// 40 from one address at the same instant; exactly the limits get through.
func testReserveSignInHoldsUnderConcurrency(t *testing.T, open func(t *testing.T) Store) {
	const n = 40
	db := need[Staff](t, open(t), "staff accounts")
	ctx := context.Background()
	u := staff.User{Email: "a@example.org", Name: "A", Role: bot.RoleAgent, PasswordHash: "h"}
	if err := db.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	burst := func(a func(i int) staff.SignInAttempt) (reserved, sourceOK int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				r, err := db.ReserveSignIn(ctx, a(i))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Error(err)
				}
				if r.Reserved {
					reserved++
				}
				if r.SourceOK {
					sourceOK++
				}
			}()
		}
		close(start)
		wg.Wait()
		return reserved, sourceOK
	}
	reserved, _ := burst(func(i int) staff.SignInAttempt {
		return staff.SignInAttempt{UserID: u.ID, Source: fmt.Sprintf("198.51.100.%d", i), At: at,
			MaxFailures: 5, LockFor: 15 * time.Minute, SourceMax: 20, SourceWindow: 10 * time.Minute}
	})
	if reserved != 5 {
		t.Errorf("%d of %d concurrent sign-ins for one account reserved, want exactly 5", reserved, n)
	}
	_, sourceOK := burst(func(int) staff.SignInAttempt {
		return staff.SignInAttempt{Source: "203.0.113.9", At: at, MaxFailures: 5, LockFor: time.Minute, SourceMax: 20, SourceWindow: 10 * time.Minute}
	})
	if sourceOK != 20 {
		t.Errorf("%d of %d concurrent sign-ins from one address allowed, want exactly 20", sourceOK, n)
	}
}

func testPasswordChangeAndDisableEndSessions(t *testing.T, open func(t *testing.T) Store) {
	db := need[Staff](t, open(t), "staff accounts")
	ctx := context.Background()
	u := staff.User{Email: "a@example.org", Name: "A", Role: bot.RoleAdmin, PasswordHash: "old"}
	if err := db.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, change := range []struct {
		name string
		do   func() error
	}{
		{"password", func() error { return db.SetUserPassword(ctx, u.ID, "new") }},
		{"disable", func() error { return db.SetUserDisabled(ctx, u.ID, true) }},
	} {
		hash := []byte("session-of-" + change.name + "-0123456789abcdef")
		if err := db.CreateSession(ctx, staff.Session{TokenHash: hash, UserID: u.ID, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if err := change.do(); err != nil {
			t.Fatal(err)
		}
		if _, err := db.StaffSession(ctx, hash); bot.ErrorCode(err) != bot.ENOTFOUND {
			t.Errorf("%s change: session still there (%v)", change.name, err)
		}
	}
	got, _ := db.User(ctx, u.ID)
	if got.PasswordHash != "new" || !got.Disabled {
		t.Errorf("got hash %q disabled %v, want new and true", got.PasswordHash, got.Disabled)
	}
	if err := db.SetUserDisabled(ctx, "nobody", true); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("unknown user: got %v, want ENOTFOUND", err)
	}
}

func testSessionsStoreOnlyTheHashAndExpire(t *testing.T, open func(t *testing.T) Store) {
	db := need[Staff](t, open(t), "staff accounts")
	ctx := context.Background()
	u := staff.User{Email: "a@example.org", Name: "A", Role: bot.RoleAgent, PasswordHash: "h"}
	db.CreateUser(ctx, &u)
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	fresh := bytes.Repeat([]byte{1}, 32)
	idle := bytes.Repeat([]byte{2}, 32)
	old := bytes.Repeat([]byte{3}, 32)
	for _, s := range []staff.Session{
		{TokenHash: fresh, UserID: u.ID, CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(12 * time.Hour), Source: "10.0.0.1"},
		{TokenHash: idle, UserID: u.ID, CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(12 * time.Hour)},
		{TokenHash: old, UserID: u.ID, CreatedAt: t0, LastSeen: t0, ExpiresAt: t0.Add(time.Hour)},
	} {
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	later := t0.Add(90 * time.Minute)
	if err := db.TouchSession(ctx, fresh, later); err != nil {
		t.Fatal(err)
	}
	db.TouchSession(ctx, fresh, t0) // never moves back
	got, err := db.StaffSession(ctx, fresh)
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastSeen.Equal(later) || got.UserID != u.ID || got.Source != "10.0.0.1" || !got.ExpiresAt.Equal(t0.Add(12*time.Hour)) {
		t.Errorf("got %+v, want last seen %v", got, later)
	}
	n, err := db.PurgeSessions(ctx, later, 15*time.Minute)
	if err != nil || n != 2 {
		t.Errorf("purge: got %d (%v), want 2 (the idle and the expired one)", n, err)
	}
	if _, err := db.StaffSession(ctx, fresh); err != nil {
		t.Errorf("the active session was purged: %v", err)
	}
	if err := db.DeleteSession(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if _, err := db.StaffSession(ctx, fresh); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("after delete: got %v, want ENOTFOUND", err)
	}
	if err := db.DeleteSession(ctx, fresh); err != nil {
		t.Errorf("deleting a deleted session: %v", err)
	}
}

func testCannedResponses(t *testing.T, open func(t *testing.T) Store) {
	db := need[Staff](t, open(t), "staff accounts")
	ctx := context.Background()
	for _, c := range []staff.CannedResponse{
		{Shortcut: "hours", Title: "Opening hours", Text: "We are open 8 to 6.", UpdatedBy: "u1"},
		{Shortcut: "bye", Title: "Goodbye", Text: "Thanks for chatting."},
		{Shortcut: "hours", Title: "Hours", Text: "We are open 8 to 8.", UpdatedBy: "u2"},
	} {
		if err := db.PutCannedResponse(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.CannedResponses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Shortcut != "bye" || got[1].Text != "We are open 8 to 8." || got[1].UpdatedBy != "u2" {
		t.Errorf("got %+v, want bye then the replaced hours", got)
	}
	if err := db.DeleteCannedResponse(ctx, "bye"); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCannedResponse(ctx, "bye"); bot.ErrorCode(err) != bot.ENOTFOUND {
		t.Errorf("delete twice: got %v, want ENOTFOUND", err)
	}
}
