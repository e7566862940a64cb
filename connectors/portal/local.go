// Package portal is Portico's connection to the patient portal's account
// system. Local is the built-in directory, kept in Portico's own database:
// it finds records by demographics, checks activation codes, applies the
// password policy and activates accounts and resets passwords.
package portal

import (
	"context"
	"fmt"
	"strings"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

var _ bot.Directory = (*Local)(nil)

// Local is the built-in account directory on top of Records.
type Local struct {
	records Records
	policy  Policy
	clock   bot.Clock
	log     zerolog.Logger
}

// NewLocal returns a directory over r. Zero fields of p take the defaults;
// a nil clock is the system clock.
func NewLocal(r Records, p Policy, clock bot.Clock, log zerolog.Logger) *Local {
	if clock == nil {
		clock = bot.SystemClock{}
	}
	return &Local{records: r, policy: p.withDefaults(), clock: clock, log: log}
}

// Policy returns the policy in force, defaults filled in.
func (l *Local) Policy() Policy { return l.policy }

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
	return bot.Account{RecordID: p.RecordID, Username: p.Username, Status: p.Status}, nil
}

// SessionGeneration returns the record's session generation. A portal
// session made under an older generation has been ended (by a reset).
func (l *Local) SessionGeneration(ctx context.Context, recordID string) (int64, error) {
	p, err := l.records.Patient(ctx, recordID)
	if err != nil {
		return 0, fmt.Errorf("session generation: %w", err)
	}
	return p.SessionGen, nil
}

// List returns every record, ordered by MRN, with the password and
// activation hashes blanked: callers (the admin console, the CLI) need the
// state of an account, never its secrets.
func (l *Local) List(ctx context.Context) ([]Patient, error) {
	ps, err := l.records.Patients(ctx)
	if err != nil {
		return nil, fmt.Errorf("list patients: %w", err)
	}
	for i := range ps {
		ps[i].PasswordHash = ""
		ps[i].ActivationHash = ""
	}
	return ps, nil
}

// CheckUsername returns nil when recordID may take username: it has the
// allowed form and no other record has it, ignoring case. Otherwise an
// EINVALID error with bot.UsernameBadFormat or bot.UsernameTaken.
func (l *Local) CheckUsername(ctx context.Context, recordID, username string) error {
	if !validUsername(username) {
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

// CheckPassword applies the password policy to a new password for a
// record, which will have username (or its current one when username is
// empty). It returns nil or an EINVALID error with a bot.Password* reason.
func (l *Local) CheckPassword(ctx context.Context, recordID, username, password string) error {
	p, err := l.records.Patient(ctx, recordID)
	if err != nil {
		return fmt.Errorf("check password: %w", err)
	}
	if strings.TrimSpace(username) == "" {
		username = p.Username
	}
	return l.policy.checkPassword(password, username, p.FirstName, p.LastName)
}
