// Package local is the built-in account directory, kept in Portico's own
// database (bot/patients' records): it finds records by demographics,
// applies its password policy (Portico's own, bot/password), activates
// accounts, sets passwords, and signs patients in to the demo portal.
package local

import (
	"context"
	"fmt"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
	"github.com/portico-chat/portico/bot/password"
	"github.com/portico-chat/portico/bot/patients"
)

var _ bot.Directory = (*Local)(nil)

// Local is the built-in account directory on top of patients.Records.
type Local struct {
	records patients.Records
	policy  password.Policy
	clock   bot.Clock
	log     zerolog.Logger
}

// New returns a directory over r with p as its password policy. Zero
// fields of p take the defaults; a nil clock is the system clock.
func New(r patients.Records, p password.Policy, clock bot.Clock, log zerolog.Logger) *Local {
	if clock == nil {
		clock = bot.SystemClock{}
	}
	return &Local{records: r, policy: p.WithDefaults(), clock: clock, log: log}
}

// Policy returns the policy in force, defaults filled in.
func (l *Local) Policy() password.Policy { return l.policy }

// Contacts returns the email and phone on file of a record.
func (l *Local) Contacts(ctx context.Context, recordID string) (bot.Contacts, error) {
	p, err := l.records.Patient(ctx, recordID)
	if err != nil {
		return bot.Contacts{}, fmt.Errorf("contacts: %w", err)
	}
	return bot.Contacts{Email: p.Email, Phone: p.Phone}, nil
}

// Account returns a record's portal account.
func (l *Local) Account(ctx context.Context, recordID string) (bot.Account, error) {
	p, err := l.records.Patient(ctx, recordID)
	if err != nil {
		return bot.Account{}, fmt.Errorf("account: %w", err)
	}
	return bot.Account{RecordID: p.RecordID, Username: p.Username, Status: p.Status,
		FirstName: p.FirstName, LastName: p.LastName}, nil
}

// UsernameFree returns nil when recordID may take username: it has the
// allowed form and no other record has it, ignoring case. Otherwise an
// EINVALID error with bot.UsernameBadFormat or bot.UsernameTaken.
func (l *Local) UsernameFree(ctx context.Context, recordID, username string) error {
	if !patients.ValidUsername(username) {
		return &bot.Error{Code: bot.EINVALID, Message: bot.UsernameBadFormat}
	}
	other, err := l.records.PatientByUsername(ctx, username)
	switch {
	case bot.ErrorCode(err) == bot.ENOTFOUND:
		return nil
	case err != nil:
		return fmt.Errorf("check username: %w", err)
	case other.RecordID != recordID:
		return &bot.Error{Code: bot.EINVALID, Message: bot.UsernameTaken}
	}
	return nil
}
