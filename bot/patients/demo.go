package patients

import (
	"bytes"
	"context"
	"fmt"

	"github.com/portico-chat/portico/bot"
)

// DemoPassword is the password every demo account with a username gets, so
// a newcomer can sign in to the demo portal before and after a reset. It
// meets the default policy.
const DemoPassword = "blue river lamp cloud"

// SeedDemo imports the demo patients into empty records and gives every
// account with a username the password whose argon2id hash is
// passwordHash (hashed once by the caller: tests seed many databases).
// Records that already hold patients are left alone.
func (g *Registry) SeedDemo(ctx context.Context, csv []byte, passwordHash string) error {
	r := g.records
	existing, err := r.Patients(ctx)
	if err != nil {
		return fmt.Errorf("list patients: %w", err)
	}
	if len(existing) > 0 {
		return nil
	}
	if _, err := g.Import(ctx, bytes.NewReader(csv), ImportOptions{}); err != nil {
		return fmt.Errorf("import demo patients: %w", err)
	}
	ps, err := r.Patients(ctx)
	if err != nil {
		return fmt.Errorf("list patients: %w", err)
	}
	for _, p := range ps {
		if p.Username == "" || p.Status == bot.AccountPending {
			continue
		}
		_, err := r.UpdatePatient(ctx, p.RecordID, "", func(p *Patient) error {
			p.PasswordHash = passwordHash
			return nil
		})
		if err != nil {
			return fmt.Errorf("set demo password: %w", err)
		}
	}
	return nil
}
