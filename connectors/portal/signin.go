package portal

import (
	"context"
	"fmt"
	"strings"

	"github.com/portico-chat/portico/bot"
)

// MaxFailedSignIns is the number of bad passwords in a row after which an
// active account is locked; a password reset lifts the lock.
const MaxFailedSignIns = 10

// SignIn checks a username and password for the demo portal page and
// returns the record ID. Unknown usernames are ENOTFOUND, wrong passwords
// (and accounts without one) EUNAUTHORIZED, locked and disabled accounts
// ELOCKED; a page must show one text for all of them. Every call costs one
// argon2id check, against a dummy hash when there is no real one. Bad
// passwords are counted per account; the MaxFailedSignIns-th locks it and
// returns ELOCKED. A good one clears the count.
func (l *Local) SignIn(ctx context.Context, username, password string) (string, error) {
	username = strings.TrimSpace(username)
	p, err := l.records.PatientByUsername(ctx, username)
	found := err == nil
	if err != nil && bot.ErrorCode(err) != bot.ENOTFOUND {
		return "", fmt.Errorf("sign in: %w", err)
	}
	hash := p.PasswordHash
	if !found || hash == "" || !validUsername(username) {
		hash = dummyHash()
	}
	ok := CheckPasswordHash(hash, password)
	switch {
	case !found:
		return "", &bot.Error{Code: bot.ENOTFOUND, Message: "unknown username"}
	case p.Status == bot.AccountLocked || p.Status == bot.AccountDisabled:
		return "", &bot.Error{Code: bot.ELOCKED, Message: "account locked"}
	case p.Status == bot.AccountPending || p.PasswordHash == "":
		return "", &bot.Error{Code: bot.EUNAUTHORIZED, Message: "wrong username or password"}
	}
	if ok && p.FailedSignIns == 0 {
		return p.RecordID, nil // nothing to record
	}
	return l.recordSignIn(ctx, p.RecordID, ok)
}

// recordSignIn counts a good or bad sign-in against an active account and
// locks it at the limit.
func (l *Local) recordSignIn(ctx context.Context, recordID string, ok bool) (string, error) {
	locked := false
	now := l.clock.Now()
	_, err := l.records.UpdatePatient(ctx, recordID, "", func(p *Patient) error {
		if p.Status != bot.AccountActive {
			// Locked or disabled since it was read.
			return &bot.Error{Code: bot.ELOCKED, Message: "account locked"}
		}
		if ok {
			if p.FailedSignIns != 0 {
				p.FailedSignIns = 0
				p.UpdatedAt = now
			}
			return nil
		}
		p.FailedSignIns++
		if p.FailedSignIns >= MaxFailedSignIns {
			p.Status = bot.AccountLocked
			locked = true
		}
		p.UpdatedAt = now
		return nil
	})
	if bot.ErrorCode(err) == bot.ELOCKED {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("sign in: record attempt: %w", err)
	}
	switch {
	case locked:
		l.log.Warn().Str("record", recordID).Int("failures", MaxFailedSignIns).Msg("portal account locked after bad sign-ins")
		return "", &bot.Error{Code: bot.ELOCKED, Message: "account locked"}
	case !ok:
		return "", &bot.Error{Code: bot.EUNAUTHORIZED, Message: "wrong username or password"}
	}
	return recordID, nil
}
