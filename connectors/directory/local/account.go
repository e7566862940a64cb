package local

import (
	"context"
	"fmt"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
)

// Activate gives a pending account its username and password and makes it
// active. The dialog verified the patient before (by an activation code or
// by a one-time code to a contact on file), so a pending account needs no
// code here; the engine drops the activation code once it is used. A disabled account is
// ELOCKED, an account no longer pending ECONFLICT; a username or password
// the policy refuses is EINVALID with the reason. A call repeated with the
// same key returns nil without applying (or hashing) again.
func (l *Local) Activate(ctx context.Context, recordID, username, pw, key string) error {
	if done, err := l.applied(ctx, key); err != nil || done {
		return err
	}
	p, err := l.records.Patient(ctx, recordID)
	if err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	if err := canActivate(p); err != nil {
		return err
	}
	if err := l.UsernameFree(ctx, recordID, username); err != nil {
		return err
	}
	if err := l.policy.Check(pw, username, p.FirstName, p.LastName); err != nil {
		return err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	now := l.clock.Now()
	applied, err := l.records.UpdatePatient(ctx, recordID, key, func(p *patients.Patient) error {
		if err := canActivate(*p); err != nil {
			return err
		}
		p.Username = username
		p.PasswordHash = hash
		p.Status = bot.AccountActive
		p.FailedSignIns = 0
		p.UpdatedAt = now
		return nil
	})
	if err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	if applied {
		l.log.Info().Str("record", recordID).Msg("portal account activated")
	}
	return nil
}

func canActivate(p patients.Patient) error {
	switch p.Status {
	case bot.AccountPending:
		return nil
	case bot.AccountDisabled:
		return &bot.Error{Code: bot.ELOCKED, Message: "account disabled"}
	default:
		return &bot.Error{Code: bot.ECONFLICT, Message: "account already activated"}
	}
}

// SetPassword sets a new password on an active or locked account, lifts
// a sign-in lockout, clears the failure count and ends the account's other
// sessions (the session generation moves on). It never signs the patient
// in. A disabled account is ELOCKED; a pending one, which has no password
// to reset, ECONFLICT. Repeated with the same key it returns nil without
// applying (or hashing) again.
func (l *Local) SetPassword(ctx context.Context, recordID, pw, key string) error {
	if done, err := l.applied(ctx, key); err != nil || done {
		return err
	}
	p, err := l.records.Patient(ctx, recordID)
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	if err := canReset(p); err != nil {
		return err
	}
	if err := l.policy.Check(pw, p.Username, p.FirstName, p.LastName); err != nil {
		return err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	now := l.clock.Now()
	applied, err := l.records.UpdatePatient(ctx, recordID, key, func(p *patients.Patient) error {
		if err := canReset(*p); err != nil {
			return err
		}
		p.PasswordHash = hash
		p.Status = bot.AccountActive
		p.FailedSignIns = 0
		p.SessionGen++
		p.UpdatedAt = now
		return nil
	})
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	if applied {
		l.log.Info().Str("record", recordID).Msg("portal password reset")
	}
	return nil
}

func canReset(p patients.Patient) error {
	switch p.Status {
	case bot.AccountActive, bot.AccountLocked:
		return nil
	case bot.AccountDisabled:
		return &bot.Error{Code: bot.ELOCKED, Message: "account disabled"}
	default:
		return &bot.Error{Code: bot.ECONFLICT, Message: "account not activated"}
	}
}

// applied reports whether an account change with key was applied before.
// An empty key means the caller wants no idempotency.
func (l *Local) applied(ctx context.Context, key string) (bool, error) {
	if key == "" {
		return false, nil
	}
	done, err := l.records.KeyApplied(ctx, key)
	if err != nil {
		return false, fmt.Errorf("check idempotency key: %w", err)
	}
	return done, nil
}

// Unlock lifts a sign-in lockout: a locked account becomes active and its
// count of bad sign-ins starts again. Repeated with the same key it does
// nothing more.
func (l *Local) Unlock(ctx context.Context, recordID, key string) error {
	_, err := l.records.UpdatePatient(ctx, recordID, key, func(p *patients.Patient) error {
		p.FailedSignIns = 0
		if p.Status == bot.AccountLocked {
			p.Status = bot.AccountActive
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("unlock sign-in: %w", err)
	}
	return nil
}
