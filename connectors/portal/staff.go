package portal

import (
	"context"
	"fmt"

	"github.com/portico-chat/portico/bot"
)

// Staff operations: what the help desk does that self-service cannot.

// PatientByMRN returns the record with the clinic's medical record number.
func (l *Local) PatientByMRN(ctx context.Context, mrn string) (Patient, error) {
	ps, err := l.List(ctx)
	if err != nil {
		return Patient{}, err
	}
	for _, p := range ps {
		if p.MRN == mrn {
			return p, nil
		}
	}
	return Patient{}, bot.Errorf(bot.ENOTFOUND, "no patient with MRN %s", mrn)
}

// IssueActivationCode gives a pending account a new activation code,
// replacing any earlier one, and returns it: the only time it exists in
// clear. It expires after the policy's ActivationTTL.
func (l *Local) IssueActivationCode(ctx context.Context, recordID string) (string, error) {
	code, err := NewActivationCode()
	if err != nil {
		return "", err
	}
	hash, err := hashActivationCode(NormalizeActivationCode(code))
	if err != nil {
		return "", err
	}
	expires := l.clock.Now().Add(l.policy.ActivationTTL)
	_, err = l.records.UpdatePatient(ctx, recordID, "", func(p *Patient) error {
		if p.Status != bot.AccountPending {
			return bot.Errorf(bot.ECONFLICT, "the account is %s, not pending: it cannot be activated", p.Status)
		}
		p.ActivationHash, p.ActivationExpires = hash, expires
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("issue activation code: %w", err)
	}
	return code, nil
}

// UnlockSignIn lifts a sign-in lockout: a locked account becomes active
// and its count of bad sign-ins starts again.
func (l *Local) UnlockSignIn(ctx context.Context, recordID string) error {
	_, err := l.records.UpdatePatient(ctx, recordID, "", func(p *Patient) error {
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
