package staff

import (
	"context"
	"fmt"
	"time"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
)

// Sign-in limits besides an account's lockout (SignIn's MaxFailures and
// LockFor, which are configuration).
const (
	DefaultMaxFailures = 5                // wrong passwords in a row before a lock …
	DefaultLockFor     = 15 * time.Minute // … of this long
	SourceAttempts     = 20               // sign-ins one address may try per SourceWindow
	SourceWindow       = 10 * time.Minute
)

// SignInAttempt is a console sign-in to count before its password is
// compared (argon2id is the expensive work the limits guard).
type SignInAttempt struct {
	UserID string    // the account the email names; "" when none does
	Source string    // the client's address, as IPKey groups it
	At     time.Time // now

	MaxFailures  int           // failures in a row that lock the account …
	LockFor      time.Duration // … for this long
	SourceMax    int           // sign-ins one address may try per SourceWindow
	SourceWindow time.Duration
}

// SignInReservation says what a reserved sign-in may do.
type SignInReservation struct {
	// SourceOK is false when the address has tried SourceMax sign-ins in
	// the window; then nothing was recorded.
	SourceOK bool
	// Reserved is true when the account was not locked: the attempt is
	// counted as a failure (and locks the account if it is the
	// MaxFailures-th in a row) until SignInSucceeded clears it. False for a
	// locked account, or none: compare nothing that could succeed.
	Reserved bool
}

// Sign-in outcomes, as Authenticate returns them and the audit records
// them. A page shows one text for every outcome but OK.
const (
	SignedIn        = "ok"
	WrongPassword   = "failed"
	AccountLocked   = "locked"
	AccountDisabled = "disabled"
	UnknownEmail    = "unknown"
	SourceLimited   = "limited" // the address is over its limit; nothing was checked
)

// Users is what sign-in needs of the accounts' store.
type Users interface {
	UserByEmail(ctx context.Context, email string) (User, error)
	// ReserveSignIn counts a sign-in against the client address's and
	// the account's limits, in one atomic step (across processes), before
	// the password is compared; SignInSucceeded clears the account's count.
	ReserveSignIn(ctx context.Context, a SignInAttempt) (SignInReservation, error)
	SignInSucceeded(ctx context.Context, id string, at time.Time) error
}

// SignIn checks console sign-ins. Zero limits take the defaults.
type SignIn struct {
	Users       Users
	MaxFailures int           // wrong passwords in a row that lock an account …
	LockFor     time.Duration // … for this long
	Clock       bot.Clock     // nil: the system clock
}

// Authenticate checks an email (normalised) and password from source (the
// client's address, as bot.IPKey groups it). The attempt is reserved
// first, in one atomic step, against the address's limit and the
// account's lockout; only a reserved attempt compares the real hash. It
// costs the same store work and one password hash whatever the outcome
// (the dummy hash for an unknown email, a locked or a disabled account),
// so that timing does not tell them apart. outcome is one of the
// outcomes above.
func (s SignIn) Authenticate(ctx context.Context, source, email, pw string) (u User, outcome string, err error) {
	u, err = s.Users.UserByEmail(ctx, email)
	known := err == nil
	if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
		return User{}, "", fmt.Errorf("sign in: %w", err)
	}
	if !known {
		u = User{}
	}
	var clock bot.Clock = bot.SystemClock{}
	if s.Clock != nil {
		clock = s.Clock
	}
	now := clock.Now()
	r, err := s.Users.ReserveSignIn(ctx, SignInAttempt{
		UserID: u.ID, Source: source, At: now,
		MaxFailures: cmpOr(s.MaxFailures, DefaultMaxFailures), LockFor: cmpOr(s.LockFor, DefaultLockFor),
		SourceMax: SourceAttempts, SourceWindow: SourceWindow,
	})
	if err != nil {
		return u, "", fmt.Errorf("sign in: %w", err)
	}
	if !r.SourceOK {
		return u, SourceLimited, nil
	}
	hash := u.PasswordHash
	if !r.Reserved || u.Disabled {
		hash = password.Dummy()
	}
	match := password.Matches(hash, pw)
	switch {
	case !known:
		return User{}, UnknownEmail, nil
	case u.Disabled:
		return u, AccountDisabled, nil
	case !r.Reserved:
		return u, AccountLocked, nil
	case !match:
		return u, WrongPassword, nil
	}
	if err := s.Users.SignInSucceeded(ctx, u.ID, now); err != nil {
		return u, "", fmt.Errorf("sign in: %w", err)
	}
	return u, SignedIn, nil
}

// cmpOr is v, or def when v is zero or less.
func cmpOr[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
