package local

import (
	"context"
	"fmt"
	"strings"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
)

// MaxFailedSignIns is the number of bad passwords in a row after which an
// active account is locked; a password reset lifts the lock.
const MaxFailedSignIns = 10

// SignIn checks a username and password for the demo portal page and
// returns the record ID. Unknown usernames are ENOTFOUND, wrong passwords
// (and accounts without one) EUNAUTHORIZED, locked and disabled accounts
// ELOCKED; a page must show one text for all of them. Every call costs one
// argon2id check, against a dummy hash when there is no real one to
// compare.
//
// The attempt is counted before the password is compared, in one atomic
// update of the account (SECURITY.md, "Limits hold under concurrency"):
// it counts as a bad password until it turns out good, and the
// MaxFailedSignIns-th in a row locks the account at once, so that no
// attempt arriving meanwhile is compared. A good one clears the count.
func (l *Local) SignIn(ctx context.Context, username, pw string) (string, error) {
	username = strings.TrimSpace(username)
	p, err := l.records.PatientByUsername(ctx, username)
	found := err == nil
	if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
		return "", fmt.Errorf("sign in: %w", err)
	}
	hasPassword := found && p.PasswordHash != "" && patients.ValidUsername(username)
	reserved, lockedNow := false, false
	if hasPassword && p.Status == bot.AccountActive {
		reserved, lockedNow, err = l.reserveSignIn(ctx, p.RecordID)
		if err != nil {
			return "", err
		}
	}
	hash := p.PasswordHash
	if !reserved {
		hash = password.Dummy()
	}
	ok := password.Matches(hash, pw) && reserved
	switch {
	case !found:
		return "", &bot.Error{Code: bot.ENOTFOUND, Message: "unknown username"}
	case p.Status == bot.AccountPending || !hasPassword:
		return "", &bot.Error{Code: bot.EUNAUTHORIZED, Message: "wrong username or password"}
	case !reserved:
		return "", &bot.Error{Code: bot.ELOCKED, Message: "account locked"}
	case ok:
		if err := l.signInSucceeded(ctx, p.RecordID, lockedNow); err != nil {
			return "", err
		}
		return p.RecordID, nil
	case lockedNow:
		l.log.Warn().Str("record", p.RecordID).Int("failures", MaxFailedSignIns).Msg("portal account locked after bad sign-ins")
		return "", &bot.Error{Code: bot.ELOCKED, Message: "account locked"}
	}
	return "", &bot.Error{Code: bot.EUNAUTHORIZED, Message: "wrong username or password"}
}

// reserveSignIn counts a sign-in against an active account as a bad
// password, locking it when that makes MaxFailedSignIns. It reports
// whether the account was still active (reserved) and whether this
// attempt locked it.
func (l *Local) reserveSignIn(ctx context.Context, recordID string) (reserved, lockedNow bool, err error) {
	now := l.clock.Now()
	_, err = l.records.UpdatePatient(ctx, recordID, "", func(p *patients.Patient) error {
		reserved, lockedNow = false, false
		if p.Status != bot.AccountActive {
			return nil // locked or disabled since it was read
		}
		reserved = true
		p.FailedSignIns++
		if p.FailedSignIns >= MaxFailedSignIns {
			p.Status, lockedNow = bot.AccountLocked, true
		}
		p.UpdatedAt = now
		return nil
	})
	if err != nil {
		return false, false, fmt.Errorf("sign in: count attempt: %w", err)
	}
	return reserved, lockedNow, nil
}

// signInSucceeded clears the count a good password was reserved under,
// and the lock when it was this attempt's own.
func (l *Local) signInSucceeded(ctx context.Context, recordID string, lockedNow bool) error {
	now := l.clock.Now()
	_, err := l.records.UpdatePatient(ctx, recordID, "", func(p *patients.Patient) error {
		p.FailedSignIns = 0
		if lockedNow && p.Status == bot.AccountLocked {
			p.Status = bot.AccountActive
		}
		p.UpdatedAt = now
		return nil
	})
	if err != nil {
		return fmt.Errorf("sign in: clear failures: %w", err)
	}
	return nil
}
