// Package patients is Portico's own patient records: the data of the
// local directory (connectors/directory/local), imported from the
// clinic's CSV, and the activation codes Portico keeps for every
// directory. Records is the store it needs; storage/sqlite implements it.
package patients

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/portico-chat/portico/bot"
)

// DefaultActivationTTL is how long an imported or issued activation code
// lives.
const DefaultActivationTTL = 90 * 24 * time.Hour

// Config tunes a Registry. Zero fields take the defaults.
type Config struct {
	ActivationTTL time.Duration // DefaultActivationTTL by default
}

// WithDefaults fills zero fields.
func (c Config) WithDefaults() Config {
	if c.ActivationTTL <= 0 {
		c.ActivationTTL = DefaultActivationTTL
	}
	return c
}

// Registry is what staff do with the records: import them, list them,
// find one by MRN and issue an activation code.
type Registry struct {
	records Records
	cfg     Config
	clock   bot.Clock
	log     zerolog.Logger
}

// NewRegistry returns a registry over r; a nil clock is the system clock.
func NewRegistry(r Records, c Config, clock bot.Clock, log zerolog.Logger) *Registry {
	if clock == nil {
		clock = bot.SystemClock{}
	}
	return &Registry{records: r, cfg: c.WithDefaults(), clock: clock, log: log}
}

// ActivationTTL is how long a code the registry issues or imports lives.
func (g *Registry) ActivationTTL() time.Duration { return g.cfg.ActivationTTL }

// List returns every record, ordered by MRN, with the password and
// activation hashes blanked: callers (the admin console, the CLI) need the
// state of an account, never its secrets.
func (g *Registry) List(ctx context.Context) ([]Patient, error) {
	ps, err := g.records.Patients(ctx)
	if err != nil {
		return nil, fmt.Errorf("list patients: %w", err)
	}
	for i := range ps {
		ps[i].PasswordHash = ""
		ps[i].ActivationHash = ""
	}
	return ps, nil
}

// ByMRN returns the record with the clinic's medical record number, its
// hashes blanked.
func (g *Registry) ByMRN(ctx context.Context, mrn string) (Patient, error) {
	p, err := g.records.PatientByMRN(ctx, mrn)
	if bot.ErrorCode(err) == bot.ENOTFOUND {
		return Patient{}, bot.Errorf(bot.ENOTFOUND, "no patient with MRN %s", mrn)
	}
	if err != nil {
		return Patient{}, fmt.Errorf("patient by MRN: %w", err)
	}
	p.PasswordHash, p.ActivationHash = "", ""
	return p, nil
}

// IssueActivationCode gives a pending account a new activation code,
// replacing any earlier one, and returns it: the only time it exists in
// clear. It expires after the registry's ActivationTTL.
func (g *Registry) IssueActivationCode(ctx context.Context, recordID string) (string, error) {
	p, err := g.records.Patient(ctx, recordID)
	if err != nil {
		return "", fmt.Errorf("issue activation code: %w", err)
	}
	if p.Status != bot.AccountPending {
		return "", bot.Errorf(bot.ECONFLICT, "the account is %s, not pending: it cannot be activated", p.Status)
	}
	code, err := bot.NewActivationCode()
	if err != nil {
		return "", err
	}
	hash, err := bot.HashActivationCode(bot.NormalizeActivationCode(code))
	if err != nil {
		return "", err
	}
	c := bot.ActivationCode{RecordID: recordID, Hash: hash, Expires: g.clock.Now().Add(g.cfg.ActivationTTL)}
	if err := g.records.PutActivationCode(ctx, c); err != nil {
		return "", fmt.Errorf("issue activation code: %w", err)
	}
	return code, nil
}
